"""Standard input read ahead by the pure-Python path for tiny operands (ops/tiny.py).

That path must see all of a small input to decide whether it can take it; where it declines (NPY bytes,
JSON, more than a few kilobytes, text it cannot parse), the NumPy path (io/read.py) starts from the same
bytes, so that nothing is read twice or lost. So `cat a.csv | mlcalc matmul - b.csv` is the same product,
to the bit, as `mlcalc matmul a.csv b.csv`. No NumPy here: the tiny path runs without it.
"""

from __future__ import annotations

import sys

_ahead: bytes | None = None  # what was taken from standard input and not yet handed on
_stream = None               # the stream read ahead in this invocation: another sys.stdin gets none of it


def reset() -> None:
    """A new invocation (the tests run several in one process)."""
    global _ahead, _stream
    _ahead, _stream = None, None


def small_input(limit: int) -> bytes | None:
    """All of standard input where it is at most `limit` bytes (kept for take()); None where it is more
    (what was read is kept), a terminal (the NumPy path prompts first), or was read already."""
    global _ahead, _stream
    stdin = sys.stdin
    stream = getattr(stdin, "buffer", None)
    try:
        if stream is None or stream is _stream or stdin.closed or stdin.isatty():
            return None
    except (ValueError, OSError):
        return None
    _stream = stream
    read = getattr(stream, "read1", stream.read)  # read1: what a pipe has, without waiting to fill a buffer
    data = b""
    try:
        while len(data) <= limit:
            chunk = read(limit + 1 - len(data))
            if not chunk:
                break
            data += chunk
    except OSError:  # the NumPy path reads on and says what is wrong
        _ahead = data
        return None
    _ahead = data
    return data if len(data) <= limit else None


def take() -> bytes:
    """The bytes read ahead from the current standard input (b"" where none were), handed on once."""
    global _ahead
    data, _ahead = _ahead or b"", None
    return data if getattr(sys.stdin, "buffer", None) is _stream else b""
