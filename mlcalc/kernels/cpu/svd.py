"""Thin singular value decomposition for the numba engine: one-sided (Hestenes) Jacobi.

A (m×n, m ≥ n; a wide A is handled as Aᵀ) is multiplied from the right by plane rotations
J until its columns are mutually orthogonal: A·V = U·Σ with V = J₁J₂···. Each column's norm is
a singular value, the normalised column the left singular vector. Two columns count as
orthogonal when |x_p·x_q| ≤ tol·‖x_p‖‖x_q‖ with tol = √m·ε (LAPACK's dgesvj uses the same); a
sweep visits every pair once and the iteration stops after a sweep with no rotation.

The columns are kept as contiguous rows of Aᵀ (and V as rows of Vᵀ), so that a rotation streams
two rows. Pairs are visited in round-robin order: the n/2 pairs of one round touch disjoint
rows and run in parallel for large n.

Graded matrices (entries over hundreds of orders): a pair whose squared norms would be subnormal or
near it is measured and rotated from its rows scaled by their largest entries (dgesvj keeps scaled norms
for the same reason), so singular values down to about 1e-290 of the largest keep their relative
accuracy where one side of A carries the grading; rows that cancel below that are taken as zero.

Zero singular values: their columns end as zero vectors, so the left singular vectors for them
are completed to an orthonormal set by Gram–Schmidt against the others.

Computes in float64; returns float32 for float32 input, else float64.
"""

import numpy as np
from numba import njit, prange

from mlcalc.config import JIT_OPTIONS
from mlcalc.kernels.cpu.norms import blue_l2
from mlcalc.errors import NumericError
from mlcalc.kernels.reference.systems import rank_tolerance

# Without LAPACK gesvj's QR preconditioning, graded matrices take more sweeps: rows from 1e-60 to 1e60 (60×60)
# took 65, the 150×150 Pascal matrix 63, a transposed 150×150 Vandermonde on [1, 10] 87; at 60 each was
# "did not converge". A matrix that converges costs no more for a higher cap.
MAX_SWEEPS = 200
# Below this many columns a round's parallel start-up (~60 us) costs more than the round.
_PARALLEL_FROM = 512
# Squared row norms below this (after scaling A to a largest entry of 1) are computed from scaled rows:
# squares of entries under 1.5e-154 are subnormal or zero.
_TINY_SQUARES = 1e-200
# Rows whose largest entry falls below this (on the same scale) are zeroed (_orthogonalise_tiny_pair):
# singular values under about 1e-290 of the largest come out 0.
_FLOOR = 1e-290


@njit(**JIT_OPTIONS)
def _gram(x, y):
    """(x·x, y·y, x·y) in one pass, with four partial sums each (no reassociation is allowed,
    so the unrolling is written out for the vectoriser)."""
    m = x.shape[0]
    a0 = a1 = a2 = a3 = 0.0
    b0 = b1 = b2 = b3 = 0.0
    c0 = c1 = c2 = c3 = 0.0
    j = 0
    while j + 4 <= m:
        x0 = x[j]
        x1 = x[j + 1]
        x2 = x[j + 2]
        x3 = x[j + 3]
        y0 = y[j]
        y1 = y[j + 1]
        y2 = y[j + 2]
        y3 = y[j + 3]
        a0 += x0 * x0
        a1 += x1 * x1
        a2 += x2 * x2
        a3 += x3 * x3
        b0 += y0 * y0
        b1 += y1 * y1
        b2 += y2 * y2
        b3 += y3 * y3
        c0 += x0 * y0
        c1 += x1 * y1
        c2 += x2 * y2
        c3 += x3 * y3
        j += 4
    a = (a0 + a1) + (a2 + a3)
    b = (b0 + b1) + (b2 + b3)
    c = (c0 + c1) + (c2 + c3)
    while j < m:
        a += x[j] * x[j]
        b += y[j] * y[j]
        c += x[j] * y[j]
        j += 1
    return a, b, c


@njit(**JIT_OPTIONS)
def _rotate(x, y, c, s):
    for j in range(x.shape[0]):
        xj = x[j]
        yj = y[j]
        x[j] = c * xj - s * yj
        y[j] = s * xj + c * yj


@njit(**JIT_OPTIONS)
def _tangent(zeta):
    """t = sign(ζ)/(|ζ| + √(1 + ζ²)), the smaller root of t² + 2ζt − 1 = 0. Beyond 1e150, √(1 + ζ²) is |ζ|
    to the last bit and ζ² could overflow: t came out 0, a rotation that changed nothing, sweep after sweep
    (math.hypot costs 7 % of a 300² SVD)."""
    if abs(zeta) > 1e150:
        return 0.5 / zeta
    return np.copysign(1.0, zeta) / (abs(zeta) + np.sqrt(1.0 + zeta * zeta))


@njit(**JIT_OPTIONS)
def _orthogonalise_pair(X, Y, p, q, tol, start, cancels, zero_cancelled):
    """Rotate rows p, q of X (and of Y) so that they become orthogonal; 1 if a rotation was needed.
    start: the rows' norms before the iteration; cancels: how often each row has cancelled;
    zero_cancelled: whether to zero a row that keeps cancelling (the retry, see _svd64)."""
    alpha, beta, gamma = _gram(X[p], X[q])
    if alpha < _TINY_SQUARES or beta < _TINY_SQUARES:
        # squares in or near the subnormal range have lost their digits, and a rotation built from them
        # does not make the pair orthogonal: sweeps went on rotating it until the limit (columns graded
        # over 150+ orders). Rare, so kept out of this hot path.
        return _orthogonalise_tiny_pair(X, Y, p, q, tol, start, cancels, zero_cancelled)
    if abs(gamma) <= tol * np.sqrt(alpha) * np.sqrt(beta):
        return 0
    # the rotation angle that zeroes the off-diagonal of [[alpha, gamma], [gamma, beta]]
    zeta = (beta - alpha) / (2.0 * gamma)
    t = _tangent(zeta)
    c = 1.0 / np.sqrt(1.0 + t * t)
    s = c * t
    _rotate(X[p], X[q], c, s)
    _rotate(Y[p], Y[q], c, s)
    # in the retry, a column the rotations keep cancelling (its new squared norm, α − tγ or β + tγ, a
    # hundred-millionth of the old) is taken as lying in the span of the others: in a rank-deficient
    # matrix what is left of it is rounding, which met the other columns again sweep after sweep, shrinking
    # each time (a 4×4 of ones with one 0 did not converge in 60 sweeps). It is zeroed on its second
    # cancellation, if it is then below rounding of its norm before the iteration. Not on the first try:
    # in a row-graded matrix (D·Qᵀ) what is left is the exact tiny column, and zeroing it lost σ_min.
    # (the rare call kept out of this hot path: inlined, its loop cost 14 % of a 300² SVD)
    if zero_cancelled and alpha - t * gamma <= 1e-8 * alpha:
        _cancelled(X, p, start, cancels, tol)
    if zero_cancelled and beta + t * gamma <= 1e-8 * beta:
        _cancelled(X, q, start, cancels, tol)
    return 1


@njit(**JIT_OPTIONS)
def _scaled_gram(x, y):
    """(x·x, y·y, x·y) of x/sx and y/sy, with sx, sy their largest magnitudes, and (sx, sy)."""
    sx = 0.0
    sy = 0.0
    for j in range(x.shape[0]):
        sx = max(sx, abs(x[j]))
        sy = max(sy, abs(y[j]))
    a = b = c = 0.0
    if sx == 0.0 or sy == 0.0:
        return a, b, c, sx, sy
    for j in range(x.shape[0]):
        xj = x[j] / sx
        yj = y[j] / sy
        a += xj * xj
        b += yj * yj
        c += xj * yj
    return a, b, c, sx, sy


@njit(**JIT_OPTIONS)
def _orthogonalise_tiny_pair(X, Y, p, q, tol, start, cancels, zero_cancelled):
    """_orthogonalise_pair for rows whose squared norms would lose digits: the same rotation, from
    each row scaled by its largest entry. With r = sy/sx, α = sx²a, β = sy²b, γ = sx·sy·c."""
    a, b, c, sx, sy = _scaled_gram(X[p], X[q])
    if sx == 0.0 or sy == 0.0 or abs(c) <= tol * np.sqrt(a) * np.sqrt(b):
        return 0
    if sx < _FLOOR or sy < _FLOOR:
        # a row that small, and not orthogonal to the other, is rounding beyond float64's reach relative to
        # ‖A‖ (a dependent column of a rank-deficient matrix cancels down to here, 1e-16 a sweep); its
        # subnormal digits cannot be rotated orthogonal, and its ratio to the other row overflows the
        # angle. It is taken as zero. (An orthogonal one is kept: diag(1, 1e-295) has σ₂ = 1e-295.)
        X[p if sx < sy else q, :] = 0.0
        return 1
    r = sy / sx
    zeta = (r * b - a / r) / (2.0 * c)
    t = _tangent(zeta)
    cs = 1.0 / np.sqrt(1.0 + t * t)
    sn = cs * t
    _rotate(X[p], X[q], cs, sn)
    _rotate(Y[p], Y[q], cs, sn)
    # the new squared norms over the old, as in _orthogonalise_pair: 1 − tγ/α and 1 + tγ/β
    if zero_cancelled and 1.0 - t * r * c / a <= 1e-8:
        _cancelled(X, p, start, cancels, tol)
    if zero_cancelled and 1.0 + t * c / (r * b) <= 1e-8:
        _cancelled(X, q, start, cancels, tol)
    return 1


@njit(**JIT_OPTIONS)
def _cancelled(X, i, start, cancels, tol):
    """Count a cancelling rotation of row i (its squared norm down to 1e-8 of what it was); on the second,
    zero the row if its norm is at most 4·tol of `start[i]`, its norm before the iteration."""
    cancels[i] += 1
    if cancels[i] < 2:
        return
    if blue_l2(X[i]) <= 4.0 * tol * start[i]:
        X[i, :] = 0.0


@njit(parallel=True, **JIT_OPTIONS)
def _jacobi(X, Y, tol, max_sweeps, parallel, zero_cancelled):
    """Orthogonalise the k rows of X (k ≤ row length), applying the same rotations to Y.

    parallel: run each round's pairs with prange (worth it only for many columns).
    zero_cancelled: zero rows that keep cancelling (_orthogonalise_pair), for the retry.

    Returns the number of sweeps, or -1 if max_sweeps were not enough.
    """
    k = X.shape[0]
    if k < 2:
        return 0
    start = np.empty(k)
    for i in range(k):
        start[i] = blue_l2(X[i])  # (squares of a row near 1e-160 are 0)
    cancels = np.zeros(k, dtype=np.int64)
    npl = k + (k % 2)  # an odd count gets a dummy player that sits out each round
    half = npl // 2
    players = np.arange(npl)
    rotated = np.zeros(half, dtype=np.int64)
    for sweep in range(max_sweeps):
        total = 0
        for rnd in range(npl - 1):
            # the two loops are the same but for prange: a function for their body cost 15-25 % of a
            # 100² and a 300² SVD (measured interleaved), LLVM inlining the rotation differently
            if parallel:
                for i in prange(half):
                    p = players[i]
                    q = players[npl - 1 - i]
                    rotated[i] = 0
                    if p < k and q < k:
                        rotated[i] = _orthogonalise_pair(X, Y, min(p, q), max(p, q), tol, start, cancels,
                                                         zero_cancelled)
            else:
                for i in range(half):
                    p = players[i]
                    q = players[npl - 1 - i]
                    rotated[i] = 0
                    if p < k and q < k:
                        rotated[i] = _orthogonalise_pair(X, Y, min(p, q), max(p, q), tol, start, cancels,
                                                         zero_cancelled)
            for i in range(half):
                total += rotated[i]
            # round-robin: player 0 stays, the others move one seat round
            last = players[npl - 1]
            for i in range(npl - 1, 1, -1):
                players[i] = players[i - 1]
            players[1] = last
        if total == 0:
            return sweep + 1
    return -1


def _complete(U, ok):
    """Replace the columns of U not marked ok by unit vectors orthogonal to all the others."""
    m = U.shape[0]
    for p in np.flatnonzero(~ok):
        basis = U[:, ok]
        # the coordinate direction least covered by the basis leaves the largest remainder
        j = int(np.argmin((basis * basis).sum(axis=1))) if basis.shape[1] else 0
        u = np.zeros(m)
        u[j] = 1.0
        for _ in range(2):  # twice is enough (Kahan–Parlett)
            u -= basis @ (basis.T @ u)
        U[:, p] = u / np.linalg.norm(u)
        ok[p] = True


def _svd64(A):
    m, n = A.shape
    wide = m < n
    def columns():  # rows of X are the columns to orthogonalise: those of A, or of Aᵀ for a wide A
        return np.array(A if wide else A.T, dtype=np.float64, order="C", copy=True)
    X = columns()
    k, length = X.shape
    scale = np.abs(X).max() if X.size else 0.0
    if scale == 0.0:  # any orthonormal factors of the right shapes (U m×k, Vt k×n) will do
        U = np.eye(length, k)
        return (np.eye(k), np.zeros(k), U.T) if wide else (U, np.zeros(k), np.eye(k))
    X /= scale  # keeps every square and product of squares in range
    Y = np.eye(k)
    tol = np.sqrt(length) * np.finfo(np.float64).eps
    if _jacobi(X, Y, tol, MAX_SWEEPS, k >= _PARALLEL_FROM, False) < 0:
        # rank-deficient matrices can keep rotating rounding: again from A (rebuilt only in this rare
        # case, not copied on every call), zeroing the columns that do
        X, Y = columns() / scale, np.eye(k)
        if _jacobi(X, Y, tol, MAX_SWEEPS, k >= _PARALLEL_FROM, True) < 0:
            raise NumericError(f"svd: the Jacobi iteration did not converge after {MAX_SWEEPS} sweeps")
    # each row's length scaled by its largest entry: in a graded matrix (1e100 beside 1e-100) the small
    # rows' squares underflow, and their singular values came out 0
    rowmax = np.abs(X).max(axis=1)
    unit = X / np.where(rowmax > 0, rowmax, 1.0)[:, None]
    sigma = rowmax * np.sqrt(np.einsum("ij,ij->i", unit, unit))
    ok = sigma > 0
    Ucols = np.zeros((length, k))
    Ucols[:, ok] = (X[ok] / sigma[ok, None]).T
    order = np.argsort(-sigma, kind="stable")
    sigma, Ucols, Y, ok = sigma[order], Ucols[:, order], Y[order], ok[order]
    _complete(Ucols, ok)
    sigma = sigma * scale
    # A·V = U·Σ with V = Yᵀ (tall), or Aᵀ·V = U·Σ (wide) so the roles swap
    if wide:
        return Y.T, sigma, Ucols.T
    return Ucols, sigma, Y


def svd(a):
    """Thin SVD: (U m×k, S k descending ≥ 0, Vt k×n), k = min(m, n), A = U·diag(S)·Vt."""
    a = np.asarray(a)
    if a.ndim != 2:
        raise NumericError(f"svd: A must be a matrix, got shape {a.shape}")
    if not np.isfinite(a).all():
        raise NumericError("svd: A has non-finite values")
    dt = np.float32 if a.dtype == np.float32 else np.float64
    U, S, Vt = _svd64(a)
    return (np.ascontiguousarray(U, dtype=dt), S.astype(dt),
            np.ascontiguousarray(Vt, dtype=dt))


def rank(a, tol=None):
    """(rank, singular values, tolerance) from this module's SVD, by the reference's rule
    (mlcalc.kernels.reference.systems.rank: σ_max · max(m, n) · eps unless tol is given)."""
    a2 = a.reshape(1, -1) if a.ndim == 1 else a
    _, s, _ = svd(a2)
    t = rank_tolerance(s, a2.shape, a2.dtype) if tol is None else float(tol)
    return int(np.count_nonzero(s > t)), s, t


def warmup():
    """Compile the kernel on tiny float32 and float64 inputs."""
    for dt in (np.float32, np.float64):
        svd(np.array([[3.0, 1.0], [1.0, 2.0], [0.5, 0.25]], dtype=dt))
