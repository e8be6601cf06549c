"""Reduction numba kernels: the dot product, single pass, parallel over chunks.

Each task sums a chunk of the first half of u·v and the same chunk of the second half side by
side: four read streams (on an Intel Emerald Rapids host, interleaved in one process, the former
two a task read 25.9 GB/s on two cores, four 32.7, as OpenBLAS's threaded ddot). The sums are
reassociated (`fastmath` "reassoc", here alone): the plain `s += u[i] * v[i]` loop is otherwise
one long dependency chain that LLVM may not reorder, and runs at a fraction of memory speed.
Reassociation changes only the order of the additions, hence the rounding, as any summation order
does; NaN and inf propagate as before (full fastmath, which assumes neither, is never used).
"""

import numpy as np
from numba import njit, prange

from mlcalc.config import JIT_OPTIONS

_CHUNK = 1 << 14


@njit(nogil=True, cache=True, fastmath={"contract", "reassoc"})
def _dot_pair(a, b, c, d):
    """a·b + c·d for four equal-length 1-D views, read side by side, accumulated in float64."""
    s = 0.0
    t = 0.0
    for i in range(a.shape[0]):
        s += np.float64(a[i]) * np.float64(b[i])
        t += np.float64(c[i]) * np.float64(d[i])
    return s + t


@njit(parallel=True, **JIT_OPTIONS)
def _dot(u, v):
    """Σ u[i]·v[i] for 1-D contiguous u, v, accumulated in float64."""
    n = u.shape[0]
    h = n // 2
    nchunks = max(1, (h + _CHUNK - 1) // _CHUNK)
    partial = np.zeros(nchunks, dtype=np.float64)
    for c in prange(nchunks):
        lo, hi = c * _CHUNK, min(h, (c + 1) * _CHUNK)
        partial[c] = _dot_pair(u[lo:hi], v[lo:hi], u[h + lo:h + hi], v[h + lo:h + hi])
    r = 0.0
    for i in range(2 * h, n):  # the odd element out
        r += np.float64(u[i]) * np.float64(v[i])
    for c in range(nchunks):
        r += partial[c]
    return r


def dot(u, v):
    """u·v of two equal-length vectors, accumulated in float64 per chunk, returned in their dtype."""
    dtype = np.result_type(u.dtype, v.dtype)
    u = np.ascontiguousarray(np.asarray(u).reshape(-1))
    v = np.ascontiguousarray(np.asarray(v).reshape(-1))
    return dtype.type(_dot(u, v))


def warmup() -> None:
    for dt in (np.float32, np.float64):
        x = np.ones(11, dtype=dt)
        dot(x, x)
