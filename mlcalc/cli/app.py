"""Entry point: argv fix-ups, the command modules, and the one place where errors become exit codes."""

from __future__ import annotations

import errno
import os
import re
import sys

from mlcalc.cli.base import GLOBAL_OPTIONS, ReaderLeft, app, flush_warnings, hold_warnings
# each command module registers its commands on `app` when imported (in --help's order)
COMMAND_MODULES = ("linalg", "linalg_more", "systems", "nn", "train", "tools")
# the commands of cli/linalg.py: a call of one of them imports only that module (~10 ms less start-up
# for the small commands that must start as fast as a NumPy script); a test keeps this list true
CORE_COMMANDS = ("matmul", "add", "sub", "hadamard", "scale", "transpose", "dot", "outer", "cross")


def register_commands(argv: list[str]):
    """Import the command modules the call needs; return the app to run: for a core command, a copy
    of `app` that holds that command alone (typer builds a click command for every registered one
    on each call, 9 ms for cli/linalg.py's nine: a tenth of a small command's start-up)."""
    import importlib
    command = _command_of(argv)
    modules = ("linalg",) if command in CORE_COMMANDS else COMMAND_MODULES
    for name in modules:
        importlib.import_module(f"mlcalc.cli.{name}")
    if command not in CORE_COMMANDS:
        return app
    import copy
    one = copy.copy(app)
    one.registered_commands = [c for c in app.registered_commands
                               if (c.name or c.callback.__name__.replace("_", "-")) == command]
    return one


def _command_of(argv: list[str]) -> str | None:
    """The command's name in an argv from prepare_argv (global options, with their values, first)."""
    i = 0
    while i < len(argv):
        a = argv[i]
        if not a.startswith("-"):
            return a
        i += 2 if GLOBAL_OPTIONS.get(a) else 1  # "--format csv" takes two tokens, "--format=csv" one
    return None


# a token that is a number or a matrix literal even though it starts with '-' ("-1 2; 3 4", "-inf")
_NEGATIVE_LITERAL = re.compile(r"-(\d|\.\d|inf|nan)", re.I)


def prepare_argv(argv: list[str]) -> list[str]:
    """Let global options stand after the command, and negative literals stand anywhere.

    Click would read "-1 2; 3 4" as an unknown option: a leading space keeps it an argument (the
    operand reader strips it). Global options found after the command are moved before it.
    """
    args = [(" " + a) if _NEGATIVE_LITERAL.match(a) else a for a in argv]
    args = _split_flag_clusters(args)
    before, moved, after = [], [], []
    command_seen = only_args = False
    i = 0
    while i < len(args):
        a = args[i]
        name = a.split("=", 1)[0]
        attached = not a.startswith("--") and len(a) > 2 and GLOBAL_OPTIONS.get(a[:2])  # -fjson, -oout.csv
        if not only_args and (name in GLOBAL_OPTIONS or attached):
            takes_value = not attached and GLOBAL_OPTIONS.get(name) and "=" not in a
            if takes_value and i + 1 == len(args):
                after.append(a)  # `... -o` with nothing after: left last, for main() to report
                break
            group = args[i:i + 2] if takes_value else [a]
            (moved if command_seen else before).extend(group)
            i += len(group)
            continue
        if a == "--":
            only_args = True
        if not command_seen and not a.startswith("-"):
            command_seen = True
        (after if command_seen else before).append(a)
        i += 1
    return before + moved + after


def _split_flag_clusters(args: list[str]) -> list[str]:
    """Clustered short global options as separate ones, before "--": `-qf json` → `-q -f json`,
    `-qfjson` → `-q -fjson` (click parses a cluster only where it is declared, before the command).
    A cluster with any other letter is left to the command."""
    out = []
    for i, a in enumerate(args):
        if "--" in args[:i] or a.startswith("--") or len(a) < 3 or a[0] != "-" or GLOBAL_OPTIONS.get(a[:2]):
            out.append(a)
            continue
        parts, rest = [], a[1:]
        while rest and f"-{rest[0]}" in GLOBAL_OPTIONS:
            if GLOBAL_OPTIONS[f"-{rest[0]}"]:  # takes a value: the rest of the token, or the next one
                parts.append(f"-{rest}")
                rest = ""
                break
            parts.append(f"-{rest[0]}")
            rest = rest[1:]
        out.extend(parts if not rest else [a])
    return out


def _fail(message: str, code: int = 1) -> None:
    if sys.stderr is not None:  # None when started with stderr closed: the exit status still tells
        sys.stderr.write(f"mlcalc: error: {message}\n")
        sys.stderr.flush()
    raise SystemExit(code)


def main(argv: list[str] | None = None) -> None:
    from mlcalc import config
    from mlcalc.errors import MlcalcError

    config.early()
    if sys.stderr is None:  # started with 2>&-: click would print usage errors on stdout, among the data
        sys.stderr = open(os.devnull, "w")
    argv = prepare_argv(list(sys.argv[1:] if argv is None else argv))
    if argv and GLOBAL_OPTIONS.get(argv[-1]) and "--" not in argv[:-1]:  # `mlcalc gen eye 2 -o`: no value
        sys.stderr.write(f"Usage: mlcalc [OPTIONS] COMMAND [ARGS]...\nTry 'mlcalc --help' for help.\n\n"
                         f"Error: Option '{argv[-1]}' requires an argument.\n")
        raise SystemExit(2)
    to_run = register_commands(argv)
    debug = os.environ.get("MLCALC_DEBUG") == "1"
    if not debug:
        # NumPy's "overflow encountered" and numba's performance hints are not for the user: results
        # carry inf/NaN as NumPy does, and mlcalc's own warnings go through cli.base.warn
        import warnings
        warnings.simplefilter("ignore")
    hold_warnings(True)
    try:
        to_run(args=argv, prog_name="mlcalc", standalone_mode=True, obj={"argv": argv})
    except MlcalcError as e:
        if debug:
            raise
        from mlcalc.cli.base import drop_warnings, located_message, show_trace
        show_trace()  # --trace: the steps up to the failure (a diverging training's losses) explain it
        drop_warnings()  # (written beside a trace; without one the error is the one line)
        try:
            message = located_message(e)  # may read a big file again for the line of a NaN
        except KeyboardInterrupt:
            sys.stderr.write("mlcalc: interrupted\n")
            raise SystemExit(130)
        _fail(message)
    except (BrokenPipeError, ReaderLeft):
        _quiet_broken_pipe()
    except KeyboardInterrupt:
        flush_warnings()  # a long run's notes (held where no bar showed them), then why it stopped
        sys.stderr.write("mlcalc: interrupted\n")
        raise SystemExit(130)
    except MemoryError:
        if debug:
            raise
        _fail("out of memory: the operands or the result are too large for this machine")
    except SystemExit as e:
        if e.code in (0, None):  # click ends every command that worked with an exit of 0
            flush_warnings()
        raise
    except Exception as e:  # a bug: one line for the user, the traceback with MLCALC_DEBUG=1
        if debug:
            raise
        if isinstance(e, OSError) and _in_clicks_echo(e):  # --help or --version into a full disk
            _fail(f"cannot write to standard output: {e.strerror or e}")
        if isinstance(e, OSError) and e.errno == errno.ENOMEM:  # mmap under an address-space limit (ulimit -v)
            _fail("out of memory: the operands or the result are too large for this machine (or its ulimit -v)")
        _fail(f"internal error: {type(e).__name__}: {_first_line(e)} (run with MLCALC_DEBUG=1 for the traceback)")
    finally:
        hold_warnings(False)  # what a failure left held is dropped


def _in_clicks_echo(error: Exception) -> bool:
    """Whether the error came from click.echo, the way Click writes --help (and --version) to standard
    output: the results themselves go through mlcalc.io.write, which words its own failures."""
    tb = error.__traceback__
    while tb is not None:
        code = tb.tb_frame.f_code
        if code.co_name == "echo" and os.sep + "click" + os.sep in code.co_filename:
            return True
        tb = tb.tb_next
    return False


def _first_line(error: Exception) -> str:
    """An exception's message on one line (numba's "No threading layer could be loaded." is followed by
    a page of hints): the error policy is one line."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return lines[0] + (" …" if len(lines) > 1 else "") if lines else ""


def _quiet_broken_pipe() -> None:
    """`mlcalc ... | head -1`: the reader left; end quietly, and keep Python from complaining at exit."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    raise SystemExit(0)
