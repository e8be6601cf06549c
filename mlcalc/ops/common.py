"""Checks and helpers that every ops module shares."""

from __future__ import annotations

import numpy as np

from mlcalc.errors import ShapeError


def shape_text(shape) -> str:
    return "(" + ", ".join(str(d) for d in shape) + (",)" if len(shape) == 1 else ")")


def counted(n: int, noun: str) -> str:
    """'1 row', '3 rows': a count in a message, its noun agreeing (every noun used has a regular plural)."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def dist_widths_error(a_shape, b_shape) -> ShapeError:
    """dist's operands whose points differ in length, described as given: a vector (1-D, one row or one
    column) is one point, a matrix one point a row."""
    def points(name, shape):
        if len(shape) <= 1 or 1 in shape:
            return f"{name} is one point of {counted(int(np.prod(shape)), 'coordinate')}"
        return f"rows of {name} have {counted(shape[1], 'column')}"
    return ShapeError(f"dist: {points('A', a_shape)} and {points('B', b_shape)}: points must have as many "
                      f"coordinates (shapes {shape_text(a_shape)} and {shape_text(b_shape)})")


def as_vector(a: np.ndarray, command: str, operand: str) -> np.ndarray:
    """A one-row or one-column operand as a 1-D vector; anything else is an error."""
    if a.ndim == 1:
        return a
    if a.ndim == 2 and (a.shape[0] == 1 or a.shape[1] == 1):
        return a.reshape(-1)
    raise ShapeError(f"{command}: {operand} must be a vector (one row or one column), got shape {shape_text(a.shape)}")


def require_square(a: np.ndarray, command: str, operand: str = "A") -> None:
    if a.ndim != 2 or a.shape[0] != a.shape[1]:
        raise ShapeError(f"{command}: {operand} must be a square matrix, got shape {shape_text(a.shape)}"
                         + pinv_hint(command))


def pinv_hint(command: str) -> str:
    """For solve's and inv's refusals (A not square, or singular): where the answer that exists is, the least
    squares one Octave's A\\b gives, or the pseudo-inverse (inv of a singular A said nothing more)."""
    if command == "solve":
        return " (for least squares, as Octave's A\\b: mlcalc pinv A, then matmul by b)"
    return " (its pseudo-inverse: mlcalc pinv A)" if command == "inv" else ""


def broadcast_shape(command: str, a: np.ndarray, b: np.ndarray) -> tuple[int, ...]:
    try:
        return np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        hint = ""
        for col, other in ((a, b), (b, a)):
            if col.ndim == 2 and col.shape[1] == 1 and other.ndim == 2 and other.shape[1] == col.shape[0] > 1:
                # `mlcalc norm data.csv --axis cols | mlcalc sub data.csv -`: a row of column statistics
                # printed as CSV comes back a column
                hint = (f": a row of {col.shape[0]} values would broadcast over the rows, and this is a column "
                        "(a vector piped as CSV comes back a column: pipe it with -f json or -f npy, or transpose it)")
        raise ShapeError(f"{command}: shapes {shape_text(a.shape)} and {shape_text(b.shape)} "
                         f"cannot be broadcast together{hint}") from None


# Near the ends of the float range (magnitudes beyond about the square root of the largest number of the
# dtype: 2^±501 for float64, 2^±62 for float32) the rank, RREF, pseudo-inverse, inverse and solve work on
# a copy scaled by powers of two: the LU of [1e308 1e308; −1e308 1e308] overflowed, a 1e-310 diagonal's
# inverse was NaN and its rank 0. The shifts are worked out on exponents; each is at most maxexp − 24
# binades (1000 float64, 104 float32), so that a solution x·2^−k near 1 stays a normal number (scaling a
# float32 subnormal column all the way left 0.6 at 0.59375).
NO_EXPONENT = np.iinfo(np.int64).min // 4  # the exponent of 0: below any real one, far from overflowing


def exponents(a: np.ndarray) -> np.ndarray:
    """frexp's exponent of each entry (|aᵢⱼ| in [2^(e−1), 2^e)), and NO_EXPONENT for zeros."""
    e = np.frexp(a)[1].astype(np.int64)
    return np.where(a == 0, NO_EXPONENT, e)


def shifts(top: np.ndarray, dtype) -> np.ndarray:
    """The power-of-two shift for each largest exponent (of a row, a column, a matrix): 0 for all where
    each is near enough to 0; else every one but a zero row's is brought towards 0, as LAPACK's
    equilibration scales every row: rows on either side of the threshold (2⁻⁵⁰² shifted, 2⁻⁵⁰¹ not) ended
    up 2⁵⁰⁰ apart, and the copy's condition number with them (a false "nearly singular" for
    [[5e-152, 5e-152], [5e-152, 1e-151]], κ₁ = 9)."""
    maxexp = np.finfo(dtype).maxexp  # 1024 for float64, 128 for float32
    half, limit = maxexp * 49 // 100, maxexp - 24
    nonzero = top > NO_EXPONENT // 2
    far = (top > half) | ((top < -half) & nonzero)
    return np.where(nonzero, np.clip(-top, -limit, limit), 0) if far.any() else np.zeros_like(top)


def scaled_by_power_of_two(a: np.ndarray) -> tuple[np.ndarray, float]:
    """(A·2ᵏ, 2ᵏ) with max|A·2ᵏ| brought towards 1 when max|A| is far from it, else (A, 1.0): for what
    does not change with a scale factor (rank, RREF) or changes by it (A⁺ = (A·2ᵏ)⁺·2ᵏ). Entries far
    below the largest may underflow in the copy: they are far below those tolerances."""
    k = int(shifts(np.array(exponents(a).max(initial=NO_EXPONENT)), a.dtype))
    return (a, 1.0) if k == 0 else (np.ldexp(a, k).astype(a.dtype, copy=False), 2.0 ** k)


def equilibrated(a: np.ndarray) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """(R·A·C, kr, kc): R = diag(2^kr) and C = diag(2^kc) bring the rows, then the columns, of A towards
    1 where they are far from it (LAPACK's gesvx equilibrates so), kr/kc None for a side that needs none
    (then A itself, not a copy): A⁻¹ = C·(R·A·C)⁻¹·R and x = C·(R·A·C)⁻¹·(R·b). Applied in one ldexp, so
    no factor overflows and each entry is rounded at most once (where it becomes subnormal). Rows first:
    b is scaled with its rows, so x does not overflow where A's columns alone were scaled
    (diag(1e300, 1)·x = (1.5e308, 1) gave inf); a matrix of both huge and tiny columns
    (diag(1e200, 1e-200)) keeps both."""
    e = exponents(a)
    kr = shifts(e.max(axis=1, initial=NO_EXPONENT), a.dtype)
    kc = shifts((e + kr[:, None]).max(axis=0, initial=NO_EXPONENT), a.dtype)
    kr = None if not kr.any() else kr
    kc = None if not kc.any() else kc
    if kr is None and kc is None:
        return a, None, None
    k = (0 if kr is None else kr[:, None]) + (0 if kc is None else kc[None, :])
    return np.ldexp(a, k).astype(a.dtype, copy=False), kr, kc


def unscaled(result: np.ndarray, command: str, warn, factor: float = 1.0, rows=None, cols=None) -> np.ndarray:
    """The answer for A from the one for its scaled copy: result·factor, or each entry (i, j) times
    2^(rowsᵢ + colsⱼ) (integer exponents, as equilibrated gives them), in one ldexp: no intermediate
    product overflows. Entries beyond the float range print as inf, with a warning."""
    if factor == 1 and rows is None and cols is None:
        return result
    with np.errstate(over="ignore", invalid="ignore"):
        if rows is None and cols is None:
            out = result * result.dtype.type(factor)
        else:
            k = (0 if rows is None else np.asarray(rows).reshape((-1,) + (1,) * (result.ndim - 1))) + \
                (0 if cols is None else np.asarray(cols))
            out = np.ldexp(result, k).astype(result.dtype, copy=False)
    warn_beyond(out, command, warn, before=result)
    return out


def warn_beyond(out: np.ndarray, command: str, warn, before: np.ndarray | None = None) -> None:
    """The warning for a result of finite operands that is not finite: beyond the float range where
    scaling back a finite `before` overflowed; otherwise either that, or the elimination overflowed on
    the way (LU of [1 2; 3 4] against (1.7e308, 1.7e308) does, where x is finite)."""
    if warn is None or np.isfinite(out).all():
        return
    if before is not None and np.isfinite(before).all():
        warn(f"{command}: entries of the result are beyond {out.dtype.name}: printed as inf")
    else:
        warn(f"{command}: the result has entries that overflowed {out.dtype.name} (printed as inf or nan): "
             "beyond its range, or the elimination overflowed on the way")
