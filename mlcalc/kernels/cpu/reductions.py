"""Reduction numba kernels: the dot product, single pass, parallel over chunks.

Each chunk is viewed as rows of 16 and summed into 16 independent accumulators (two vector
registers): the plain `s += u[i] * v[i]` loop is one long dependency chain that LLVM may not
reorder without full fastmath (which we never use), so it runs at a fraction of memory speed.
The order of the additions is therefore fixed by this code, not by the compiler.
"""

import numpy as np
from numba import njit, prange

from mlcalc.config import JIT_OPTIONS

_CHUNK = 1 << 15  # a multiple of 16


@njit(parallel=True, **JIT_OPTIONS)
def _dot(u, v):
    """Σ u[i]·v[i] for 1-D contiguous u, v, accumulated in float64."""
    n = u.shape[0]
    nchunks = (n + _CHUNK - 1) // _CHUNK
    partial = np.zeros(nchunks, dtype=np.float64)
    for c in prange(nchunks):
        lo = c * _CHUNK
        hi = min(n, lo + _CHUNK)
        nb = (hi - lo) // 16
        uu = u[lo:lo + nb * 16].reshape(nb, 16)
        vv = v[lo:lo + nb * 16].reshape(nb, 16)
        s0 = s1 = s2 = s3 = s4 = s5 = s6 = s7 = s8 = s9 = s10 = s11 = s12 = s13 = s14 = s15 = 0.0
        for i in range(nb):
            s0 += np.float64(uu[i, 0]) * np.float64(vv[i, 0])
            s1 += np.float64(uu[i, 1]) * np.float64(vv[i, 1])
            s2 += np.float64(uu[i, 2]) * np.float64(vv[i, 2])
            s3 += np.float64(uu[i, 3]) * np.float64(vv[i, 3])
            s4 += np.float64(uu[i, 4]) * np.float64(vv[i, 4])
            s5 += np.float64(uu[i, 5]) * np.float64(vv[i, 5])
            s6 += np.float64(uu[i, 6]) * np.float64(vv[i, 6])
            s7 += np.float64(uu[i, 7]) * np.float64(vv[i, 7])
            s8 += np.float64(uu[i, 8]) * np.float64(vv[i, 8])
            s9 += np.float64(uu[i, 9]) * np.float64(vv[i, 9])
            s10 += np.float64(uu[i, 10]) * np.float64(vv[i, 10])
            s11 += np.float64(uu[i, 11]) * np.float64(vv[i, 11])
            s12 += np.float64(uu[i, 12]) * np.float64(vv[i, 12])
            s13 += np.float64(uu[i, 13]) * np.float64(vv[i, 13])
            s14 += np.float64(uu[i, 14]) * np.float64(vv[i, 14])
            s15 += np.float64(uu[i, 15]) * np.float64(vv[i, 15])
        s = (((s0 + s8) + (s1 + s9)) + ((s2 + s10) + (s3 + s11))) + (((s4 + s12) + (s5 + s13)) + ((s6 + s14) + (s7 + s15)))
        for i in range(lo + nb * 16, hi):
            s += np.float64(u[i]) * np.float64(v[i])
        partial[c] = s
    return partial.sum()


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
