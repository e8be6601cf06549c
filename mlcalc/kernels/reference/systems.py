"""Reference (NumPy/LAPACK) kernels: linear systems — inverse, solve, determinant, rank, RREF.

Each solver returns its answer together with the 1-norm condition number κ₁(A) = ‖A‖₁·‖A⁻¹‖₁,
so that the ops layer can warn about near-singular input; an exactly singular matrix raises
`SingularMatrix` with the column of the first zero pivot, which the ops layer words for the user.
`lu_factor` is the textbook algorithm written out, the readable definition behind the numba kernel.
"""

from __future__ import annotations

import numpy as np

__all__ = ["SingularMatrix", "lu_factor", "inv", "solve", "det", "rank", "rref", "rank_tolerance"]


class SingularMatrix(ArithmeticError):
    """A has a zero pivot in `column` (0-based) of its LU factorisation: it has no inverse."""

    def __init__(self, column: int | None):
        super().__init__(f"singular matrix (zero pivot in column {column})")
        self.column = column


def lu_factor(a: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """P·A = L·U by Gaussian elimination with partial pivoting (the largest |entry| of each column).

    Returns (LU, perm, info): L (unit diagonal, not stored) below the diagonal of LU and U on and
    above it; row i of P·A is row perm[i] of A; info is the first column with a zero pivot, or -1.
    Like LAPACK's getrf it carries on past a zero pivot, so every column is factored.
    """
    lu = np.array(a, dtype=np.result_type(a.dtype, np.float32), copy=True)
    n = lu.shape[0]
    perm = np.arange(n)
    info = -1
    for k in range(n):
        p = k + int(np.argmax(np.abs(lu[k:, k])))
        if p != k:  # swap rows k and p: the largest pivot keeps the multipliers |l_ik| ≤ 1
            lu[[k, p]] = lu[[p, k]]
            perm[[k, p]] = perm[[p, k]]
        if lu[k, k] == 0:
            if info < 0:
                info = k
            continue
        lu[k + 1:, k] /= lu[k, k]
        lu[k + 1:, k + 1:] -= np.outer(lu[k + 1:, k], lu[k, k + 1:])
    return lu, perm, info


def _cond1(a: np.ndarray, a_inv: np.ndarray) -> float:
    with np.errstate(over="ignore", invalid="ignore"):  # beyond the float range: κ is inf, and warned about
        return float(np.linalg.norm(a, 1) * np.linalg.norm(a_inv, 1))


def _singular(a: np.ndarray) -> SingularMatrix:
    """LAPACK said singular: find which column, with the same elimination written out.

    LAPACK's blocked arithmetic may round a pivot to exactly 0 where this one leaves a residue of
    a few ulps (1 2 3; 4 5 6; 7 8 9): then the first pivot within n·eps·max|A| of zero is named.
    """
    lu, _, info = lu_factor(a)
    if info < 0:
        tiny = max(a.shape) * np.finfo(lu.dtype).eps * float(np.abs(a).max())
        small = np.flatnonzero(np.abs(np.diagonal(lu)) <= tiny)
        info = int(small[0]) if small.size else -1
    return SingularMatrix(info if info >= 0 else None)


def inv(a: np.ndarray) -> tuple[np.ndarray, float]:
    """(A⁻¹, κ₁(A)) for a square matrix A."""
    try:
        a_inv = np.linalg.inv(a)
    except np.linalg.LinAlgError:
        raise _singular(a) from None
    return a_inv, _cond1(a, a_inv)


def solve(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, float]:
    """(x, κ₁(A)) with A·x = b; b is a vector (n,) or a matrix (n, k) of k right-hand sides."""
    try:
        x = np.linalg.solve(a, b)
        a_inv = np.linalg.inv(a)  # κ₁ needs ‖A⁻¹‖₁; LAPACK's factors are not exposed by NumPy
    except np.linalg.LinAlgError:
        raise _singular(a) from None
    return x, _cond1(a, a_inv)


def det(a: np.ndarray) -> tuple[float, float, float]:
    """(sign, log|det A|, κ₁(A)): the determinant on a log scale, so that large n cannot overflow.

    A singular matrix gives (0, -inf, inf).
    """
    # (of a float64 copy: NumPy works a float32 A in float64 but returns log|det| as a float32, and
    # exp() of that rounding made det of a 40×40 float32 matrix near 1e37 4e-6 off instead of 4e-8)
    sign, logabs = np.linalg.slogdet(a.astype(np.float64, copy=False))
    if sign == 0:
        return 0.0, -np.inf, np.inf
    try:
        cond = _cond1(a, np.linalg.inv(a))
    except np.linalg.LinAlgError:
        return 0.0, -np.inf, np.inf
    return float(sign), float(logabs), cond


def rref_tolerance(a: np.ndarray) -> float:
    """Octave's rule for the entries rref counts as zero: eps · max(m, n) · ‖A‖∞ (0 for an empty A)."""
    if a.size == 0:
        return 0.0
    return float(np.finfo(a.dtype).eps * max(a.shape) * np.abs(a).sum(axis=1).max())


def rank_tolerance(s: np.ndarray, shape: tuple[int, int], dtype) -> float:
    """NumPy's matrix_rank rule: σ_max · max(m, n) · eps."""
    if s.size == 0:
        return 0.0
    return float(s.max() * max(shape) * np.finfo(dtype).eps)


def rank(a: np.ndarray, tol: float | None = None) -> tuple[int, np.ndarray, float]:
    """(rank, singular values, tolerance): the number of singular values above the tolerance."""
    a2 = a.reshape(1, -1) if a.ndim == 1 else a
    s = np.linalg.svd(a2, compute_uv=False)
    t = rank_tolerance(s, a2.shape, a2.dtype) if tol is None else float(tol)
    return int(np.count_nonzero(s > t)), s, t


def rref(a: np.ndarray, tol: float | None = None) -> tuple[np.ndarray, list[int]]:
    """(R, pivot columns): the reduced row echelon form by Gauss–Jordan with partial pivoting.

    Entries with |x| ≤ tol count as zero; the default is Octave's, eps · max(m, n) · ‖A‖∞.
    """
    r = np.array(a.reshape(1, -1) if a.ndim == 1 else a, dtype=np.result_type(a.dtype, np.float32), copy=True)
    m, n = r.shape
    if tol is None:
        tol = rref_tolerance(r)
    pivots: list[int] = []
    row = 0
    for col in range(n):
        if row == m:
            break
        p = row + int(np.argmax(np.abs(r[row:, col])))
        if abs(r[p, col]) <= tol:
            r[row:, col] = 0  # a column of (numerical) zeros below the current row: no pivot here
            continue
        r[[row, p]] = r[[p, row]]
        r[row] /= r[row, col]
        # eliminate col from every other row; left of col the pivot row is 0 (eliminated or cleared), so only
        # col.. change. The pivot row's own factor is 0, and x − 0·y is x: the same bits as leaving it out,
        # in place (a copy of the other rows for each pivot made 2000×2000 take 70 s instead of about 20)
        factors = r[:, col].copy()
        factors[row] = 0
        r[:, col:] -= np.outer(factors, r[row, col:])
        pivots.append(col)
        row += 1
    return r, pivots
