"""Tiny operands in plain Python: no NumPy import, so `mlcalc matmul a.csv b.csv` on 3×3 files
starts as fast as a minimal NumPy script (NumPy's import alone is ~0.07 s of a ~0.13 s run).

Only the simple cases take this path: float64, CPU, `auto` engine, no trace, operands that are
literals, small text files or small text on standard input (read ahead: io/readahead.py), and shapes
that need no broadcasting. Anything else returns None and
the caller takes the NumPy path, which also produces every error message: this module never judges
input, it only declines. Sums are correctly rounded (math.fsum), which other summation orders
(NumPy's BLAS) match to the last few bits; where heavy cancellation makes the order change the answer
itself, the product is left to NumPy. An NPY output of the same operands takes this path too (NumPy
is loaded to write it), so that the product is the same bits in every format.
"""

from __future__ import annotations

import math
import os

MAX_ELEMENTS = 256        # per operand
_NPY_MAGIC = b"\x93NUMPY"  # npyfile.MAGIC, whose module imports NumPy
MAX_FILE_BYTES = 16_384


def eligible(settings, traced: bool = False) -> bool:
    """Whether the settings allow this path (traced: for the result of a traced run, whose steps come
    from the NumPy path)."""
    return (settings.engine == "auto" and settings.device == "cpu" and settings.dtype == "float64"
            and (traced or settings.tracer is None) and not settings.exact)


def read(spec: str, delimiter: str | None, names_kept: bool = False):
    """A 2-D list of floats (or a flat list for a 1-D literal), or None to decline; names_kept: the result
    keeps the operand's columns, and so a header's names, which this path does not carry."""
    from mlcalc.errors import MlcalcError
    from mlcalc.io import literal

    try:
        if spec == "-":  # read ahead; where this path declines, read.py goes on from the same bytes
            from mlcalc.io import readahead
            data = readahead.small_input(MAX_FILE_BYTES)
            if data is None or data.startswith(_NPY_MAGIC):
                return None
            rows = _text_rows(data.decode("utf-8"), "standard input", delimiter, names_kept)
        elif ":" in spec:
            return None
        elif os.path.isfile(spec):
            # any name but NPY's, read by content as read.py does (`data`, `a.dat`): the same sums as the
            # same bytes on standard input; a .json file is JSON, which read.py judges
            if (not os.access(spec, os.R_OK) or spec.lower().endswith((".npy", ".npz", ".json"))
                    or os.path.getsize(spec) > MAX_FILE_BYTES):
                return None
            with open(spec, "rb") as f:
                data = f.read()
            if data.startswith(_NPY_MAGIC):
                return None
            rows = _text_rows(data.decode("utf-8"), spec, delimiter, names_kept)
        elif literal.looks_like_literal(spec) and not os.path.exists(spec):
            rows, one_dimensional = literal.parse_literal(spec, spec)
            if one_dimensional:
                return rows[0] if len(rows[0]) <= MAX_ELEMENTS else None
        else:
            return None
    except (MlcalcError, OSError, UnicodeDecodeError):
        return None  # the NumPy path reads it again and reports the problem
    if rows is None or len(rows) * len(rows[0]) > MAX_ELEMENTS:
        return None
    return rows


def _text_rows(text: str, source: str, delimiter: str | None, names_kept: bool):
    """A small text operand's rows, or None for JSON or an Octave matrix, or a CSV that only looks like
    one (read.py decides those), and, where names_kept, for a table with a header."""
    from mlcalc.io import csvparse

    if text.lstrip("\ufeff \t\r\n").startswith("["):
        return None
    table = csvparse.parse_text(text, source, delimiter)
    return None if names_kept and table.names else table.rows


def _is_matrix(x) -> bool:
    return isinstance(x, list) and bool(x) and isinstance(x[0], list)


def matmul(operands: list) -> list | None:
    if len(operands) < 2 or not all(_is_matrix(a) for a in operands):
        return None
    result = operands[0]
    for b in operands[1:]:
        if len(result[0]) != len(b):
            return None
        columns = list(zip(*b))
        out = []
        for row in result:
            out_row = []
            for col in columns:
                terms = [x * y for x, y in zip(row, col)]
                try:
                    exact = math.fsum(terms)
                    size = math.fsum(map(abs, terms))  # overflows where the sum does not: 1e308 − 1e308
                except (OverflowError, ValueError):  # fsum refuses inf − inf and an overflowing partial sum
                    return None  # NumPy's path gives what NumPy gives: nan, inf
                whole = size < 2.0 ** 53 and all(t.is_integer() for t in terms)  # every order is exact
                if not whole and len(terms) * 2.0 ** -53 * size > 1e-12 * abs(exact):
                    # heavy cancellation ([1e16, 1, −1e16]·[1, 1, 1]: 1 exactly, 0 in order): a summation
                    # order may then change the answer itself (the bound holds for any order), and NumPy's
                    # (as -o x.npy and --engine numpy print) is the one to agree with
                    return None
                out_row.append(exact)
            out.append(out_row)
        result = out
    return result


def elementwise(op: str, a, b) -> list | None:
    if not (_is_matrix(a) and _is_matrix(b)) or len(a) != len(b) or len(a[0]) != len(b[0]):
        return None
    f = {"add": float.__add__, "sub": float.__sub__, "hadamard": float.__mul__}[op]
    return [[f(x, y) for x, y in zip(ra, rb)] for ra, rb in zip(a, b)]


def scale(a, k: float) -> list | None:
    if _is_matrix(a):
        return [[x * k for x in row] for row in a]
    return [x * k for x in a]


def transpose(a) -> list | None:
    if not _is_matrix(a):
        return None
    return [list(col) for col in zip(*a)]
