"""Reference (NumPy/LAPACK) kernels: norms, distances, projection, eigen, SVD, pseudo-inverse.

The readable definition of each op and the test oracle. Sums are taken in float64 and the result
is returned in the input's dtype, so a float32 operand is measured against a better answer.
"""

from __future__ import annotations

import numpy as np

__all__ = ["norm", "dist", "project", "eigh", "eig", "svd", "pinv", "PINV_RCOND"]

# NumPy's default for pinv: singular values at or below rcond·σ_max count as zero
PINV_RCOND = 1e-15


def _l2(x: np.ndarray, axis=None) -> np.ndarray:
    """√(Σ xᵢ²) without overflow or underflow (LAPACK's nrm2 idea).

    The plain sum of squares is kept where it is accurate (finite, and large enough that squares
    that underflowed cannot matter); elsewhere the elements are first scaled by a power of two
    near 1/max|xᵢ| (exact). np.linalg.norm([1e200, 1e200]) overflows to inf; this gives 1.414e200.
    """
    ax = np.abs(x)
    n = ax.size if axis is None else ax.shape[axis]
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        sumsq = np.sum(ax * ax, axis=axis, keepdims=True)
        plain = np.sqrt(sumsq)
        fine = np.isfinite(sumsq) & (sumsq >= n * 2.0 ** -1000)
        if not np.all(fine):
            s = np.max(ax, axis=axis, keepdims=True, initial=0.0)
            ok = (s > 0) & np.isfinite(s)
            e = np.where(ok, np.frexp(np.where(ok, s, 1.0))[1], 0)  # s = f·2^e: divide by 2^e exactly
            scaled = np.ldexp(np.sqrt(np.sum(np.ldexp(ax, -e) ** 2, axis=axis, keepdims=True)), e)
            scaled = np.where(np.isinf(s), np.inf, scaled)  # an infinite element: inf (NaN still wins below)
            plain = np.where(fine, plain, scaled)
        plain = np.where(np.isnan(np.sum(ax, axis=axis, keepdims=True)), np.nan, plain)
    return plain.reshape(()) if axis is None else np.squeeze(plain, axis=axis)


def _vector_norm(x: np.ndarray, ord: str, axis=None):
    x = x.astype(np.float64, copy=False)
    if ord == "l1":
        return np.sum(np.abs(x), axis=axis)
    if ord == "inf":
        return np.max(np.abs(x), axis=axis, initial=0.0)
    # l2; and fro / spectral / nuc, which all equal l2 for a single row or column
    return _l2(x, axis)


def norm(a: np.ndarray, ord: str | None = None, axis: str | None = None):
    """‖a‖ with NumPy's meaning of `ord`.

    a 1-D: vector norm (l1 = Σ|aᵢ|, l2 = √(Σ aᵢ²), inf = max|aᵢ|; default l2).
    a 2-D, axis None: matrix norm (l1 = max column sum of |aᵢⱼ|, inf = max row sum, l2 / spectral =
    largest singular value, fro = √(Σ aᵢⱼ²), nuc = Σ singular values; default fro).
    axis "rows" / "cols": the vector norm of every row / column (a 1-D result).
    """
    dtype = a.dtype if a.dtype in (np.float32, np.float64) else np.dtype(np.float64)
    if axis is not None:
        out = _vector_norm(np.atleast_2d(a), ord or "l2", axis=1 if axis == "rows" else 0)
        return np.asarray(out, dtype=dtype)
    if a.ndim == 1:
        return dtype.type(_vector_norm(a, ord or "l2"))
    ord = ord or "fro"
    x = a.astype(np.float64, copy=False)
    if ord == "fro":
        r = _l2(x.reshape(-1))
    elif ord == "l1":
        r = np.max(np.sum(np.abs(x), axis=0), initial=0.0)
    elif ord == "inf":
        r = np.max(np.sum(np.abs(x), axis=1), initial=0.0)
    elif ord in ("l2", "spectral"):
        r = np.linalg.svd(x, compute_uv=False)[0] if x.size else 0.0
    elif ord == "nuc":
        r = np.sum(np.linalg.svd(x, compute_uv=False)) if x.size else 0.0
    else:
        raise ValueError(f"unknown norm order {ord!r}")
    return dtype.type(r)


def power_of_two_factor(s: float) -> float:
    """2ᵏ that brings a magnitude s towards 1 when it is outside (1e-100, 1e100), else 1.0 (also for 0
    and non-finite s). Multiplying by it is exact; |k| ≤ 1000, so 2ᵏ itself is a normal number."""
    s = float(s)
    if not np.isfinite(s) or s == 0 or 1e-100 < s < 1e100:
        return 1.0
    return float(2.0 ** -int(np.clip(np.frexp(s)[1], -1000, 1000)))


def largest_finite_magnitude(x: np.ndarray, largest=None) -> float:
    """max |x| over the finite entries (0 where there are none). An inf or NaN, which scaling leaves as it
    is, must not turn the power-of-two scaling off for every other row: `dist "1e200 0; nan 0" "0 0"` gave
    inf for the first distance. `largest` is an engine's faster max |x|; the finite-only pass runs only
    where that is not finite."""
    m = float(largest(x) if largest is not None else np.max(np.abs(x), initial=0.0))
    return m if np.isfinite(m) else float(np.max(np.abs(x), where=np.isfinite(x), initial=0.0))


def _power_of_two_scale(a: np.ndarray, b: np.ndarray) -> float:
    """An exact power-of-two factor that keeps squared differences of a and b in range (1.0 if not needed)."""
    return power_of_two_factor(max(largest_finite_magnitude(a), largest_finite_magnitude(b)))


# a euclidean distance whose squares were summed at a scale where it fell below this came from squares that
# may have underflowed (d² < 2⁻¹⁰²² is subnormal, 0 below 2⁻¹⁰⁷⁴): [1, 1e-300] and [1, 0] are 1e-300 apart, not 0
_TINY_DISTANCE = 2.0 ** -480


def refine_tiny_distances(out: np.ndarray, a: np.ndarray, b: np.ndarray, scale: float = 1.0) -> None:
    """Recompute in place the entries of `out` (euclidean distances between rows of a and of b, all
    float64 2-D) that were below _TINY_DISTANCE at the `scale` their squares were summed at (the
    power-of-two factor applied to a and b), with each difference scaled by its largest element (an exact
    power of two). At a scale for entries of 1e200 the threshold is about 1e56: "1e200 2.41e38" from
    "1e200 0" gave 3.4e38 (scaled, 2.41e38's square was subnormal). Skipped when every finite non-zero
    entry is within 2^±300: then two different entries differ by at least 2^-352 (the smaller one's ulp),
    no power-of-two rescaling for huge or tiny entries happened (it starts beyond 1e±100), and a 0 means
    identical rows."""
    mags = [m for m in (np.abs(x[np.isfinite(x) & (x != 0)]) for x in (a, b)) if m.size]
    if not mags or (min(m.min() for m in mags) >= 2.0 ** -300 and max(m.max() for m in mags) <= 2.0 ** 300):
        return
    i, j = np.nonzero(out < _TINY_DISTANCE / scale)
    for s in range(0, i.size, 4096):
        ii, jj = i[s:s + 4096], j[s:s + 4096]
        d = np.abs(a[ii] - b[jj])
        _, e = np.frexp(np.max(d, axis=1))  # max|d| = f·2^e, f in [0.5, 1)
        ds = np.ldexp(d, -e[:, None])
        out[ii, jj] = np.ldexp(np.sqrt(np.sum(ds * ds, axis=1)), e)


def dist(a: np.ndarray, b: np.ndarray, metric: str = "euclidean"):
    """Distance of two vectors (1-D: a number), or the matrix of distances between rows of a and rows of b.

    euclidean √(Σ (aᵢ − bᵢ)²), manhattan Σ|aᵢ − bᵢ|, chebyshev max|aᵢ − bᵢ|, cosine 1 − a·b / (‖a‖‖b‖)
    (clipped to [0, 2], as SciPy does). Differences are taken directly, so nearly equal rows lose nothing
    to cancellation; rows of a are processed in blocks to bound the memory of the broadcast.
    """
    dtype = np.result_type(a.dtype, b.dtype, np.float32)
    vector = a.ndim == 1 and b.ndim == 1
    a2 = np.atleast_2d(a).astype(np.float64, copy=False)
    b2 = np.atleast_2d(b).astype(np.float64, copy=False)
    if metric == "cosine":
        # unit rows first, so that a·b cannot overflow even when ‖a‖‖b‖ would
        ua = a2 / norm(a2, "l2", "rows")[:, None]
        ub = b2 / norm(b2, "l2", "rows")[:, None]
        out = np.clip(1.0 - ua @ ub.T, 0.0, 2.0)
    else:
        scale = _power_of_two_scale(a2, b2) if metric == "euclidean" else 1.0
        out = np.empty((a2.shape[0], b2.shape[0]))
        block = max(1, (1 << 22) // max(1, b2.size))  # about 32 MB of differences at a time
        for i in range(0, a2.shape[0], block):
            d = np.abs(a2[i:i + block, None, :] - b2[None, :, :])
            if metric == "euclidean":
                d = d * scale
                out[i:i + block] = np.sqrt(np.sum(d * d, axis=2)) / scale
            elif metric == "manhattan":
                out[i:i + block] = np.sum(d, axis=2)
            elif metric == "chebyshev":
                out[i:i + block] = np.max(d, axis=2, initial=0.0)
            else:
                raise ValueError(f"unknown metric {metric!r}")
        if metric == "euclidean":
            refine_tiny_distances(out, a2, b2, scale)
    out = out.astype(dtype, copy=False)
    return dtype.type(out[0, 0]) if vector else out


def project(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Orthogonal projection of vector a onto vector b, (a·b / b·b)·b; or, for a matrix b, onto its
    column space: b·x with x the least-squares solution of b·x ≈ a."""
    dtype = np.result_type(a.dtype, b.dtype, np.float32)
    a64 = a.astype(np.float64, copy=False)
    b64 = b.astype(np.float64, copy=False)
    if b.ndim == 1:
        p = (np.dot(a64, b64) / np.dot(b64, b64)) * b64
    else:  # the cutoff of b's own precision, as np.linalg.lstsq(rcond=None) takes: in float64 a float32
        # b's rounding noise counted as a second dimension ([0.1 0.3; 0.2 0.6; 0.7 2.1] is rank 1)
        # b scaled by a power of two has the same column space: entries of 1e-310 made x overflow and b·x NaN
        b64 = b64 * power_of_two_factor(largest_finite_magnitude(b64))
        x = np.linalg.lstsq(b64, a64, rcond=np.finfo(np.result_type(b.dtype, np.float32)).eps * max(b.shape))[0]
        p = b64 @ x
    return p.astype(dtype, copy=False)


def eigh(a: np.ndarray):
    """Eigenvalues (ascending) and orthonormal eigenvectors (columns) of a symmetric matrix."""
    return np.linalg.eigh(a)


def eig(a: np.ndarray):
    """Eigenvalues and eigenvectors (columns) of a general square matrix, as complex arrays."""
    w, v = np.linalg.eig(a)
    ctype = np.complex64 if a.dtype == np.float32 else np.complex128
    return w.astype(ctype, copy=False), v.astype(ctype, copy=False)


def svd(a: np.ndarray):
    """Thin SVD: A = U·diag(S)·Vt with S descending, U (m×k), Vt (k×n), k = min(m, n)."""
    return np.linalg.svd(a, full_matrices=False)


def pinv(a: np.ndarray, rcond: float | None = None) -> np.ndarray:
    """Moore–Penrose pseudo-inverse A⁺ = V·diag(1/σᵢ)·Uᵀ over σᵢ > rcond·σ_max (NumPy's rule)."""
    return np.linalg.pinv(a, rcond=PINV_RCOND if rcond is None else rcond)
