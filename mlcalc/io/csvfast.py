"""Large numeric text files, parsed in parallel by numba over the file's bytes.

The file is split at line boundaries into one chunk per task; pass 1 counts each chunk's data
rows, pass 2 parses them into their rows of a preallocated float64 array. The layout rules —
delimiter, header, comment and blank lines, BOM, CRLF — are csvparse.py's, decided by csvparse's
own functions on the first lines. Whenever a chunk meets anything unusual (a ragged row, an empty
or non-numeric cell, quotes, a fraction), the whole file goes to csvparse's slow path, which either
reads it or raises its exact error message (file, line, column): the fast path never judges input.

Numbers are correctly rounded, bit for bit what Python's float() gives: Clinger's exact fast path
(≤ 2^53 with |exponent| ≤ 22) for most shortest-repr values, else the decimal is multiplied by a
double-double power of ten with error-free products (Dekker; this module is compiled without FMA
contraction so they stay exact) and rounded — and the rare result within 2^-90 of a rounding
boundary, with more than 19 digits, or near the float range's ends is re-parsed in Python.
"""

from __future__ import annotations

import os
from fractions import Fraction

import numpy as np

from mlcalc.io import csvparse

FAST_FROM_BYTES = 1 << 20  # below this the pure-Python path is quicker (no numba import)
_POW_RANGE = 300           # double-double powers of ten 10^-300 … 10^300


def should_use(path: str) -> bool:
    try:
        return os.path.getsize(path) >= FAST_FROM_BYTES
    except OSError:
        return False


def _powers_of_ten():
    """10^e as double-doubles (hi + lo), from exact rationals."""
    hi = np.empty(2 * _POW_RANGE + 1)
    lo = np.empty(2 * _POW_RANGE + 1)
    for e in range(-_POW_RANGE, _POW_RANGE + 1):
        exact = Fraction(10) ** e
        h = float(exact)
        hi[e + _POW_RANGE] = h
        lo[e + _POW_RANGE] = float(exact - Fraction(h)) if h not in (0.0, float("inf")) else 0.0
    return hi, lo


_kernels = None


def _compile():
    """Build the numba kernels on first use (importing numba costs ~0.3 s)."""
    global _kernels
    if _kernels is None:
        from mlcalc import config
        config.apply()
        from mlcalc.io import _csvkernels
        _kernels = _csvkernels
        _csvkernels.set_powers(*_powers_of_ten())
    return _kernels


def _layout(path: str, delimiter: str | None):
    """(delimiter byte or -1 for whitespace, header names, ncols, data start offset) from the first lines."""
    with open(path, "rb") as f:
        head = f.read(1 << 16)
        if head.count(b"\n") < 60:  # long lines: read enough for the delimiter test's 50-line sample
            head += f.read(1 << 22)
        whole = not f.read(1)
    text = head.decode("utf-8", errors="strict" if whole else "ignore")
    lines = csvparse.data_lines(text)
    if not lines:
        return None
    if delimiter is None:
        delim = csvparse.detect_delimiter([line for _, line in lines])
    else:
        delim = None if delimiter in ("whitespace", " ", "space") else delimiter
    if delim is not None and len(delim.encode()) != 1:
        return None
    first_no, first = lines[0]
    cells = [csvparse._unquote(c) for c in csvparse.split_line(first, delim)]
    names = cells if any(c and not csvparse.is_number(c) for c in cells) else None
    start = 3 if head.startswith(b"\xef\xbb\xbf") else 0
    if names is not None:
        # data starts after the header's line (line numbers count from 1)
        offset = 0
        for _ in range(first_no):
            offset = head.index(b"\n", offset) + 1 if b"\n" in head[offset:] else len(head)
        start = offset
        ncols = len(names)
    else:
        ncols = len(csvparse.split_line(first, delim))
    return (ord(delim) if delim is not None else -1), names, ncols, start


def read(path: str, source: str, delimiter: str | None):
    """(float64 array, names) — or the slow path's result/error for anything unusual."""
    layout = _layout(path, delimiter)
    if layout is None:
        return _slow(path, source, delimiter)
    delim, names, ncols, start = layout
    k = _compile()
    data = np.fromfile(path, dtype=np.uint8)
    nthreads = max(1, k.num_threads())
    bounds = k.chunk_bounds(data, start, 8 * nthreads)
    counts = k.count_rows(data, bounds)
    offsets = np.concatenate(([0], np.cumsum(counts)))
    nrows = int(offsets[-1])
    if nrows == 0:
        return _slow(path, source, delimiter)
    out = np.empty((nrows, ncols))
    slow_cells = np.full((len(counts), 64, 3), -1, dtype=np.int64)  # (row, col, byte start) to redo
    status = k.parse_rows(data, bounds, offsets, delim, out, slow_cells)
    if status != 0:
        return _slow(path, source, delimiter)
    for chunk in slow_cells:
        for row, col, pos in chunk:
            if row < 0:
                break
            end = pos
            while end < len(data) and data[end] not in b",;\t \r\n":
                end += 1
            out[row, col] = float(bytes(data[pos:end]).decode())
    return out, names


def _slow(path: str, source: str, delimiter: str | None):
    with open(path, "rb") as f:
        raw = f.read()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        from mlcalc.errors import InputError
        raise InputError(f"{source}: not UTF-8 text (byte {e.start + 1}); is it a binary file?") from None
    table = csvparse.parse_text(text, source, delimiter)
    return np.array(table.rows, dtype=np.float64).reshape(len(table.rows), table.ncols), table.names
