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
        s = 0.0
        for i in range(c * _CHUNK, min(n, (c + 1) * _CHUNK)):
            s += u[i] * v[i]
        partial[c] = s
    return partial.sum()


def dot(u, v):
    """u·v of two equal-length vectors, accumulated in float64 per chunk."""
    dtype = np.result_type(u.dtype, v.dtype)
    return dtype.type(_dot(u.reshape(-1), v.reshape(-1)))
