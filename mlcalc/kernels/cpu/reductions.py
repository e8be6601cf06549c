"""Reduction numba kernels (single pass, parallel over chunks)."""

import numpy as np
from numba import njit, prange

from mlcalc.config import JIT_OPTIONS

_CHUNK = 1 << 14


@njit(parallel=True, **JIT_OPTIONS)
def _dot(u, v):
    n = u.shape[0]
    nchunks = (n + _CHUNK - 1) // _CHUNK
    partial = np.zeros(nchunks, dtype=np.float64)
    for c in prange(nchunks):
        lo = c * _CHUNK
        hi = min(n, lo + _CHUNK)
        # eight independent sums: without reassociation (no fastmath) one running sum is a chain of
        # dependent adds; eight let LLVM vectorise the loop and keep the FMA units busy
        s0 = s1 = s2 = s3 = s4 = s5 = s6 = s7 = 0.0
        i = lo
        while i + 8 <= hi:
            s0 += u[i] * v[i]
            s1 += u[i + 1] * v[i + 1]
            s2 += u[i + 2] * v[i + 2]
            s3 += u[i + 3] * v[i + 3]
            s4 += u[i + 4] * v[i + 4]
            s5 += u[i + 5] * v[i + 5]
            s6 += u[i + 6] * v[i + 6]
            s7 += u[i + 7] * v[i + 7]
            i += 8
        while i < hi:
            s0 += u[i] * v[i]
            i += 1
        partial[c] = ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))
    return partial.sum()


def dot(u, v):
    """u·v of two equal-length vectors, accumulated in float64 per chunk."""
    dtype = np.result_type(u.dtype, v.dtype)
    return dtype.type(_dot(u.reshape(-1), v.reshape(-1)))


def warmup() -> None:
    for dtype in (np.float64, np.float32):
        dot(np.ones(5, dtype=dtype), np.ones(5, dtype=dtype))
