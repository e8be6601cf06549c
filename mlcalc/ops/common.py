"""Checks and helpers that every ops module shares."""

from __future__ import annotations

import numpy as np

from mlcalc.errors import ShapeError


def shape_text(shape) -> str:
    return "(" + ", ".join(str(d) for d in shape) + (",)" if len(shape) == 1 else ")")


def as_vector(a: np.ndarray, command: str, operand: str) -> np.ndarray:
    """A one-row or one-column operand as a 1-D vector; anything else is an error."""
    if a.ndim == 1:
        return a
    if a.ndim == 2 and (a.shape[0] == 1 or a.shape[1] == 1):
        return a.reshape(-1)
    raise ShapeError(f"{command}: {operand} must be a vector (one row or one column), got shape {shape_text(a.shape)}")


def as_matrix(a: np.ndarray) -> np.ndarray:
    return a.reshape(1, -1) if a.ndim == 1 else a


def require_square(a: np.ndarray, command: str, operand: str = "A") -> None:
    if a.ndim != 2 or a.shape[0] != a.shape[1]:
        raise ShapeError(f"{command}: {operand} must be a square matrix, got shape {shape_text(a.shape)}")


def broadcast_shape(command: str, a: np.ndarray, b: np.ndarray) -> tuple[int, ...]:
    try:
        return np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        raise ShapeError(f"{command}: shapes {shape_text(a.shape)} and {shape_text(b.shape)} "
                         "cannot be broadcast together") from None


# Near the ends of the float range (magnitudes beyond about the square root of the largest number of the
# dtype: 2^±500 for float64, 2^±62 for float32) the rank, RREF, pseudo-inverse, inverse and solve work on
# a copy scaled by powers of two, which is exact: the LU of [1e308 1e308; −1e308 1e308] overflowed, a
# 1e-310 diagonal's inverse was NaN and its rank 0.
def _far_from_one(dtype) -> tuple[float, float, int]:
    """(lo, hi, limit): the magnitudes left alone, and the largest power of two to scale by."""
    maxexp = np.finfo(dtype).maxexp  # 1024 for float64, 128 for float32
    half = maxexp * 49 // 100
    return 2.0 ** -half, 2.0 ** half, maxexp - 24


def _factor(s, dtype) -> float:
    from mlcalc.kernels.reference.linalg import power_of_two_factor
    lo, hi, limit = _far_from_one(dtype)
    return power_of_two_factor(s, lo, hi, limit)


def scaled_by_power_of_two(a: np.ndarray) -> tuple[np.ndarray, float]:
    """(A·2ᵏ, 2ᵏ) with max|A·2ᵏ| brought towards 1 when max|A| is far from it, else (A, 1.0): for what
    does not change with a scale factor (rank, RREF) or changes by it (A⁺ = (A·2ᵏ)⁺·2ᵏ). Entries far
    below the largest may underflow in the copy: they are far below those tolerances."""
    factor = _factor(np.max(np.abs(a), initial=0.0), a.dtype)
    return (a, 1.0) if factor == 1 else (a * a.dtype.type(factor), factor)


def _factors(magnitudes: np.ndarray, dtype) -> np.ndarray | None:
    """_factor of each magnitude, vectorised; None when every one is 1 (the common case)."""
    lo, hi, limit = _far_from_one(dtype)
    far = np.isfinite(magnitudes) & (magnitudes != 0) & ((magnitudes <= lo) | (magnitudes >= hi))
    if not far.any():
        return None
    k = np.clip(-np.frexp(magnitudes)[1], -limit, limit)
    return np.where(far, np.ldexp(1.0, k), 1.0)


def _largest(a: np.ndarray, axis: int) -> np.ndarray:
    """max|aᵢⱼ| along an axis without a temporary |A| of A's size."""
    return np.maximum(np.max(a, axis=axis, initial=-np.inf), -np.min(a, axis=axis, initial=np.inf))


def equilibrated(a: np.ndarray) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """(R·A·C, r, c), R = diag(r) and C = diag(c) powers of two that bring the rows, then the columns,
    of A towards 1 where they are far from it (LAPACK's gesvx equilibrates so), or None for a side that
    needs none (then A itself, not a copy): A⁻¹ = C·(R·A·C)⁻¹·R and x = C·(R·A·C)⁻¹·(R·b). Rows first:
    [1e200 1e150; −1e-150 0], whose pivot underflowed to 0 ("singular"), becomes [1 1e-50; −1 0]; a
    matrix of both huge and tiny columns (diag(1e200, 1e-200)) keeps both; b is scaled with its rows, so
    x does not overflow where A's columns alone were scaled (diag(1e300, 1)·x = (1.5e308, 1) gave inf)."""
    r = _factors(_largest(a, 1), a.dtype)
    if r is not None:
        a = a * r.astype(a.dtype)[:, None]
    c = _factors(_largest(a, 0), a.dtype)
    if c is not None:
        a = a * c.astype(a.dtype)[None, :]
    return a, r, c


def unscaled(result: np.ndarray, command: str, warn, factor: float = 1.0, rows=None, cols=None) -> np.ndarray:
    """The answer for A from the one for its scaled copy: result·factor, each row i times rowsᵢ and each
    column j times colsⱼ. Exact, but entries may go beyond the float range: they print as inf, with a
    warning."""
    if factor == 1 and rows is None and cols is None:
        return result
    with np.errstate(over="ignore", invalid="ignore"):
        out = result * result.dtype.type(factor) if factor != 1 else result.copy()
        if rows is not None:
            out *= np.asarray(rows, dtype=result.dtype).reshape((-1,) + (1,) * (result.ndim - 1))
        if cols is not None:
            out *= np.asarray(cols, dtype=result.dtype)
    if warn is not None and np.isfinite(result).all() and not np.isfinite(out).all():
        warn(f"{command}: entries of the result are beyond {result.dtype.name}: printed as inf")
    return out
