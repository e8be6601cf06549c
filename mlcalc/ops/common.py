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


# Near the ends of the float range (magnitudes beyond 2^±500) the rank, RREF, pseudo-inverse, inverse
# and solve work on a copy scaled by powers of two, which is exact: the LU of [1e308 1e308; −1e308 1e308]
# overflowed, a 1e-310 diagonal's inverse was NaN and its rank 0.
FAR_FROM_ONE = (2.0 ** -500, 2.0 ** 500)


def scaled_by_power_of_two(a: np.ndarray) -> tuple[np.ndarray, float]:
    """(A·2ᵏ, 2ᵏ) with max|A·2ᵏ| brought towards 1 (k within ±1000) when max|A| is beyond 2^±500, else
    (A, 1.0): for what does not change with a scale factor (rank, RREF) or changes by it (A⁺ = (A·2ᵏ)⁺·2ᵏ).
    Entries far below the largest may underflow in the copy: they are far below those tolerances."""
    from mlcalc.kernels.reference.linalg import power_of_two_factor
    factor = power_of_two_factor(np.max(np.abs(a), initial=0.0), *FAR_FROM_ONE)
    return (a, 1.0) if factor == 1 else (a * a.dtype.type(factor), factor)


def columns_scaled_by_powers_of_two(a: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """(A·C, c) with C = diag(c) of powers of two bringing each column beyond 2^±500 towards 1 (others
    keep 1), or (A, None) when no column needs it: A⁻¹ = C·(A·C)⁻¹ and x = C·(A·C)⁻¹b. Column by column,
    so that a matrix of both huge and tiny columns (diag(1e200, 1e-200)) keeps both."""
    from mlcalc.kernels.reference.linalg import power_of_two_factor
    c = np.array([power_of_two_factor(s, *FAR_FROM_ONE) for s in np.max(np.abs(a), axis=0, initial=0.0)])
    return (a, None) if (c == 1).all() else (a * c.astype(a.dtype), c)


def unscaled(result: np.ndarray, factor, command: str, warn) -> np.ndarray:
    """The answer for A from the one for the scaled copy: result·2ᵏ (a number), or each row i of the
    result times cᵢ (an array, from columns_scaled_by_powers_of_two). Exact, but entries may go beyond the
    float range: they print as inf, with a warning."""
    if factor is None or (np.isscalar(factor) and factor == 1):
        return result
    f = result.dtype.type(factor) if np.isscalar(factor) else \
        np.asarray(factor, dtype=result.dtype).reshape((-1,) + (1,) * (result.ndim - 1))
    with np.errstate(over="ignore"):
        out = result * f
    if warn is not None and np.isfinite(result).all() and not np.isfinite(out).all():
        warn(f"{command}: entries of the result are beyond {result.dtype.name}: printed as inf")
    return out
