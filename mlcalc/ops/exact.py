"""--exact: inverse, determinant, solve, rank and RREF in fractions.Fraction, fraction in, fraction out.

Gauss–Jordan elimination (mlcalc.ops.rowops) on rows of Fractions: no rounding anywhere, so a
singular matrix is recognised exactly and 1/3 stays 1/3. Pure Python, no NumPy. Exact arithmetic
grows numbers with the size of the matrix, so operands are limited to MAX_SIZE rows and columns,
and numerators/denominators to rowops.MAX_DIGITS digits.
"""

from __future__ import annotations

import math
from fractions import Fraction

from mlcalc.errors import InputError, NumericError, ShapeError
from mlcalc.io.csvparse import as_float
from mlcalc.ops import rowops
from mlcalc.ops.common import counted, pinv_hint

MAX_SIZE = 50


def shape_of(rows: list[list]) -> tuple[int, int]:
    return len(rows), len(rows[0]) if rows else 0


def _shape_text(shape) -> str:
    return "(" + ", ".join(str(d) for d in shape) + (",)" if len(shape) == 1 else ")")


def fractions(values, command: str, operand: str = "A") -> list[list[Fraction]]:
    """Rows of Fractions from rows of numbers (Fraction, int, or float as its shortest decimal:
    0.1 is 1/10, as typed). Non-finite values and operands over MAX_SIZE are errors."""
    rows = [list(r) if isinstance(r, (list, tuple)) else [r] for r in values]
    m, n = shape_of(rows)
    if max(m, n) > MAX_SIZE:
        raise ShapeError(f"{command} --exact: {operand} is {m}×{n}; exact arithmetic is limited to "
                         f"{MAX_SIZE}×{MAX_SIZE} (drop --exact to compute in floating point)")
    out = []
    for i, r in enumerate(rows, start=1):
        row = []
        for j, x in enumerate(r, start=1):
            if isinstance(x, Fraction):
                row.append(x)
                continue
            f = float(x)
            if not math.isfinite(f):
                raise InputError(f"{command}: {operand} has a non-finite value ({f}) at row {i}, column {j}")
            row.append(Fraction(x) if isinstance(x, int) else Fraction(repr(f)))
        out.append(row)
    return out


def shortest_rows(a):
    """An array's rows as Python floats for `fractions`, float32 values by their own shortest digits
    (0.3, not 0.30000001192092896); a 1-D array is one row."""
    import numpy as np
    rows = a.reshape(1, -1) if a.ndim == 1 else a
    if a.dtype == np.float32:
        return [[float(str(x)) for x in row] for row in rows]
    return rows.tolist()


def typed_or_stored_rows(a) -> list[list[Fraction]]:
    """An array's rows as Fractions: each value's shortest decimal where it has at most the digits every
    decimal keeps through the dtype (15 for float64, 6 for float32: 0.1 is 1/10, as typed), else the value
    stored, exactly. A value that needs more digits was computed, not typed: as decimals, the float32
    Hilbert matrix's det came out −3.6e-39 for 6.7e-40, and [1 2⁻⁴⁰; 3 3·2⁻⁴⁰], singular as stored, 1e-28."""
    import numpy as np
    rows = a.reshape(1, -1) if a.ndim == 1 else a
    digits = np.finfo(a.dtype).precision  # 15 or 6: decimal digits that survive the round trip
    out = []
    for row in rows:
        fractions_row = []
        for x in row:
            text = repr(float(x)) if a.dtype != np.float32 else str(x)
            mantissa = text.lower().partition("e")[0].replace("-", "").replace(".", "").strip("0")
            fractions_row.append(Fraction(text) if len(mantissa) <= digits else Fraction(float(x)))
        out.append(fractions_row)
    return out


def rounded(x: Fraction, dtype):
    """x rounded once, half to even, to a NumPy float scalar of dtype (a dtype or type). float32(float(x))
    rounds twice: where float64's rounding lands exactly halfway between two float32 values, the second
    rounding can go the wrong way (1 + 2⁻²⁴ + 2⁻⁶⁰ became 1)."""
    import numpy as np
    dtype = np.dtype(dtype)
    info = np.finfo(dtype)
    if dtype == np.float64 or x == 0:
        return dtype.type(as_float(x))
    p, q = abs(x.numerator), x.denominator
    e = p.bit_length() - q.bit_length()  # 2^(e-1) < p/q < 2^(e+1)
    if p << max(0, -e) < q << max(0, e):
        e -= 1  # now 2^e ≤ |x| < 2^(e+1)
    shift = max(e, info.minexp) - info.nmant  # the exponent of x's ulp in dtype (subnormals: the least)
    num, den = (p, q << shift) if shift >= 0 else (p << -shift, q)
    m, r = divmod(num, den)
    if 2 * r > den or (2 * r == den and m & 1):
        m += 1
    with np.errstate(over="ignore"):  # beyond dtype's range: inf, as rounding gives
        value = dtype.type(math.ldexp(m, shift)) if shift <= info.maxexp else dtype.type(math.inf)
    return value if x > 0 else -value


def output(x):
    """Exact results for the writer: integers as int, other fractions as 'p/q' strings (nested like x)."""
    if isinstance(x, list):
        return [output(v) for v in x]
    x = Fraction(x)
    return x.numerator if x.denominator == 1 else f"{x.numerator}/{x.denominator}"


def _require_square(a: list[list], command: str) -> int:
    m, n = shape_of(a)
    if m != n:
        raise ShapeError(f"{command}: A must be a square matrix, got shape {_shape_text((m, n))}"
                         + pinv_hint(command))
    return n


def inv(a: list[list[Fraction]], tracer=None) -> list[list[Fraction]]:
    """A⁻¹ in fractions; a singular A is an error naming the column without a pivot."""
    _require_square(a, "inv")
    try:
        result = rowops.inverse(a, True, tracer, command="inv")
    except rowops.Singular as e:
        raise NumericError(f"inv: A is singular (pivot 0 in column {e.column + 1}){pinv_hint('inv')}") from None
    if tracer is not None:
        rowops.check_inverse(tracer, a, result, True)
    return result


def det(a: list[list[Fraction]], tracer=None) -> Fraction:
    """det A in fractions: cofactor expansion up to 3×3 (as by hand), elimination beyond."""
    n = _require_square(a, "det")
    if n <= 3:
        return Fraction(rowops.determinant_by_cofactors(a, True, tracer))
    return rowops.determinant_by_elimination(a, True, tracer)


def solve(a: list[list[Fraction]], b: list[list[Fraction]], vector: bool, tracer=None) -> list:
    """x with A·x = b in fractions. b is given as rows (n rows of k values); `vector`: b was a vector,
    so the answer is one too."""
    n = _require_square(a, "solve")
    if len(b) != n:
        bshape = (len(b),) if vector else shape_of(b)
        raise ShapeError(f"solve: shapes {_shape_text((n, n))} and {_shape_text(bshape)} do not fit: "
                         f"A has {counted(n, 'row')}, b has {len(b)}")
    try:
        x = rowops.solve(a, b, True, tracer, command="solve")
    except rowops.Singular as e:
        raise NumericError(f"solve: A is singular (pivot 0 in column {e.column + 1}); {solutions(a, b)}"
                           f"{pinv_hint('solve')}") from None
    if tracer is not None:
        residual = rowops.max_abs_residual(rowops.matmul(a, x), b)
        tracer.step("Check: A·x = b", f"max |(A·x − b)ᵢ| = {rowops.number_text(residual)}")
    return [r[0] for r in x] if vector else x


def solutions(a: list[list[Fraction]], b: list[list[Fraction]]) -> str:
    """For a singular A, how many x solve A·x = b (the textbooks' cases): none where b is outside A's column
    space (rank [A | b] > rank A), else infinitely many."""
    rank_ab = len(rowops.echelon([list(r) + list(c) for r, c in zip(a, b)], True))
    rank_a = len(rowops.echelon([list(r) for r in a], True))
    return ("b is not in A's column space: there is no solution" if rank_ab > rank_a else
            "b is in A's column space: there are infinitely many solutions")


def rank(a: list[list[Fraction]], tracer=None) -> int:
    """The number of pivots of the exact row echelon form."""
    return len(rowops.echelon(a, True, tracer))


def rref(a: list[list[Fraction]], tracer=None) -> tuple[list[list[Fraction]], list[int]]:
    """(R, pivot columns 0-based): the reduced row echelon form in fractions."""
    return rowops.reduced_echelon(a, True, tracer)
