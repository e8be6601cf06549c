"""Progress bars on standard error: Rich's Progress writes to standard output unless told otherwise,
and a bar there put a blank line at the head of the data (`mlcalc ... -f csv > out.csv`)."""

from __future__ import annotations


def stderr_bar(*columns):
    """A transient Rich Progress with these columns (Rich's defaults when none), drawn on stderr."""
    from rich.console import Console
    from rich.progress import Progress

    from mlcalc.cli.base import flush_warnings
    flush_warnings()  # a long run's warnings before its bar, not after it
    return Progress(*columns, console=Console(stderr=True), transient=True)


def stderr_is_terminal() -> bool:
    """Whether stderr is a terminal, where bars (and colour) belong; False when it is closed (2>&-:
    sys.stderr is then None) or not a terminal."""
    import sys

    try:
        return sys.stderr is not None and sys.stderr.isatty()
    except ValueError:  # a closed file object
        return False
