"""Distance kernels for the numba engine: two vectors, or every row of A against every row of B.

Differences are taken directly (never ‖a‖² + ‖b‖² − 2a·b), so nearly equal rows keep their digits.
The pairwise kernel works on Bᵀ: for each k it updates a block of output columns j with
(a_ik − b_kj)², a loop over j that vectorises without reassociating any sum, and that reuses
each loaded b_kj for four rows of A; panels of Bᵀ stay in L2 while a task's rows of A pass them.
`dist(a, b, metric)` has the reference's signature.
"""

import numpy as np
from numba import njit, prange

from mlcalc.config import JIT_OPTIONS
from mlcalc.kernels.cpu import norms
from mlcalc.kernels.reference.linalg import largest_finite_magnitude, power_of_two_factor, refine_tiny_distances

EUCLIDEAN, MANHATTAN, CHEBYSHEV = 0, 1, 2
_METRICS = {"euclidean": EUCLIDEAN, "manhattan": MANHATTAN, "chebyshev": CHEBYSHEV}
_JBLOCK = 512      # output columns per block: 4 rows × 512 float64 stay in L1
_KBLOCK = 128      # rows of Bᵀ per panel: 128 × 512 float64 (512 KiB) stay in L2
_ROWS_PER_TASK = 64  # rows of A a task takes through the panels (fewer for small A: every thread busy)
_CHUNK = 1 << 14


@njit(inline="always", **JIT_OPTIONS)
def _update(acc, d, metric):
    if metric == EUCLIDEAN:
        return acc + d * d
    if metric == MANHATTAN:
        return acc + abs(d)
    ad = abs(d)
    return ad if (ad > acc or ad != ad) else acc  # max that keeps NaN, as NumPy's does


@njit(inline="always", **JIT_OPTIONS)
def _rows_against_panel(a, bt, metric, out, i0, i1, j0, j1, k0, k1):
    """out[i, j0:j1] ⊕= f(a[i, k] − bt[k, j]) for rows i0..i1 and k0..k1: four rows of A a pass over
    each loaded row of the panel, their output rows in L1 for the whole k range."""
    i = i0
    while i + 4 <= i1:
        o0 = out[i, j0:j1]; o1 = out[i + 1, j0:j1]; o2 = out[i + 2, j0:j1]; o3 = out[i + 3, j0:j1]
        w = j1 - j0
        for k in range(k0, k1):
            a0 = a[i, k]; a1 = a[i + 1, k]; a2 = a[i + 2, k]; a3 = a[i + 3, k]
            b = bt[k, j0:j1]
            for j in range(w):
                bj = b[j]
                o0[j] = _update(o0[j], a0 - bj, metric)
                o1[j] = _update(o1[j], a1 - bj, metric)
                o2[j] = _update(o2[j], a2 - bj, metric)
                o3[j] = _update(o3[j], a3 - bj, metric)
        i += 4
    while i < i1:
        o = out[i, j0:j1]
        w = j1 - j0
        for k in range(k0, k1):
            ai = a[i, k]
            b = bt[k, j0:j1]
            for j in range(w):
                o[j] = _update(o[j], ai - b[j], metric)
        i += 1


@njit(parallel=True, **JIT_OPTIONS)
def _pairwise(a, bt, metric, out, chunk):
    """out[i, j] = Σₖ or maxₖ of f(a[i, k] − bt[k, j]); a (m×n), bt (n×p), out (m×p) zeroed, all C-contiguous.

    Blocked as a matrix product is: each task takes `chunk` rows of A (a multiple of 4) and works
    through panels of Bᵀ of _KBLOCK × _JBLOCK (512 KiB float64, in L2), every row of the chunk against
    a panel before the next panel. Without the k blocks, every four rows of A read all of Bᵀ from
    memory: 5000 × 2000 against 5000 × 2000 moved about 100 GB and took 21 s."""
    m, n = a.shape
    p = bt.shape[1]
    for c in prange((m + chunk - 1) // chunk):
        i0 = c * chunk
        i1 = min(m, i0 + chunk)
        for j0 in range(0, p, _JBLOCK):
            j1 = min(p, j0 + _JBLOCK)
            for k0 in range(0, n, _KBLOCK):
                _rows_against_panel(a, bt, metric, out, i0, i1, j0, j1, k0, min(n, k0 + _KBLOCK))


@njit(parallel=True, **JIT_OPTIONS)
def _vector(a, b, metric):
    """Σ or max of f(aᵢ − bᵢ) over two contiguous vectors, in parallel chunks (float64 accumulation)."""
    n = a.shape[0]
    nchunks = max(1, (n + _CHUNK - 1) // _CHUNK)
    partial = np.zeros(nchunks)
    for c in prange(nchunks):
        s0 = s1 = s2 = s3 = 0.0
        i = c * _CHUNK
        hi = min(n, i + _CHUNK)
        while i + 4 <= hi:
            s0 = _update(s0, np.float64(a[i]) - np.float64(b[i]), metric)
            s1 = _update(s1, np.float64(a[i + 1]) - np.float64(b[i + 1]), metric)
            s2 = _update(s2, np.float64(a[i + 2]) - np.float64(b[i + 2]), metric)
            s3 = _update(s3, np.float64(a[i + 3]) - np.float64(b[i + 3]), metric)
            i += 4
        while i < hi:
            s0 = _update(s0, np.float64(a[i]) - np.float64(b[i]), metric)
            i += 1
        if metric == CHEBYSHEV:
            partial[c] = _update(_update(s0, s1, metric), _update(s2, s3, metric), metric)
        else:
            partial[c] = (s0 + s1) + (s2 + s3)
    r = partial[0]
    for c in range(1, nchunks):
        r = _update(r, partial[c], metric) if metric == CHEBYSHEV else r + partial[c]
    return r


def _rows_per_task(m: int) -> int:
    """A multiple of 4, at most _ROWS_PER_TASK, small enough that every thread gets rows of A."""
    from numba import get_num_threads

    share = -(-m // (2 * get_num_threads()))  # two tasks a thread, for balance
    return max(4, min(_ROWS_PER_TASK, -(-share // 4) * 4))


def _power_of_two_scale(a, b) -> float:
    """An exact power-of-two factor that keeps squared differences in range (1.0 when not needed)."""
    def largest(x):
        return norms.norm(x.reshape(-1), "inf")

    return power_of_two_factor(max(largest_finite_magnitude(a, largest), largest_finite_magnitude(b, largest)))


def _unit_rows(x):
    return x / norms.norm(x, "l2", "rows")[:, None]


def dist(a: np.ndarray, b: np.ndarray, metric: str = "euclidean"):
    """Same signature and meaning as mlcalc.kernels.reference.dist; float32/float64, any layout."""
    dtype = np.result_type(a.dtype, b.dtype, np.float32)
    if a.ndim == 1 and b.ndim == 1:
        a = np.ascontiguousarray(a, dtype=np.float64)
        b = np.ascontiguousarray(b, dtype=np.float64)
        if metric == "cosine":
            from mlcalc.kernels.cpu.reductions import dot
            cos = dot(a / norms.norm(a, "l2"), b / norms.norm(b, "l2"))  # unit vectors: a·b cannot overflow
            r = float(np.clip(1.0 - float(cos), 0.0, 2.0))  # keeps a NaN (Python's max(0.0, nan) is 0.0)
            return dtype.type(r)
        if metric == "euclidean":
            r = _vector(a, b, EUCLIDEAN)
            if not (r < np.inf and r >= a.shape[0] * norms._ACCURATE_FROM):
                r = norms.blue_l2(a - b)  # out of range: the scaled pass on the differences
            else:
                r = np.sqrt(r)
            return dtype.type(r)
        return dtype.type(_vector(a, b, _METRICS[metric]))
    a = np.ascontiguousarray(np.atleast_2d(a), dtype=np.float64)
    b = np.ascontiguousarray(np.atleast_2d(b), dtype=np.float64)
    if metric == "cosine":
        from mlcalc.kernels.cpu.gemm import gemm
        out = np.clip(1.0 - gemm(_unit_rows(a), np.ascontiguousarray(_unit_rows(b).T)), 0.0, 2.0)
        return out.astype(dtype, copy=False)
    scale = _power_of_two_scale(a, b) if metric == "euclidean" else 1.0
    a_s, b_s = (a * scale, b * scale) if scale != 1.0 else (a, b)
    out = np.zeros((a.shape[0], b.shape[0]))
    _pairwise(a_s, np.ascontiguousarray(b_s.T), _METRICS[metric], out, _rows_per_task(a.shape[0]))
    if metric == "euclidean":
        np.sqrt(out, out=out)
        if scale != 1.0:
            out /= scale
        refine_tiny_distances(out, a, b, scale)  # from the unscaled rows: scaling may have lost their tiny parts
    return out.astype(dtype, copy=False)


def warmup() -> None:
    for dt in (np.float32, np.float64):
        a = np.arange(1, 16, dtype=dt).reshape(5, 3)
        for metric in ("euclidean", "manhattan", "chebyshev"):
            dist(a, a[:2], metric)
            dist(a[0], a[1], metric)
