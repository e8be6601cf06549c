"""GEMM for the numba engine.

Placeholder i-k-j loop, parallel over rows; to be replaced by the packed, register-blocked GEMM.
`matmul(a, b)` follows NumPy's `@` for 1-D operands.
"""

import numpy as np
from numba import njit, prange

from mlcalc.config import JIT_OPTIONS


@njit(parallel=True, **JIT_OPTIONS)
def _gemm_rows(a, b, c):
    m, k = a.shape
    n = b.shape[1]
    for i in prange(m):
        for p in range(k):
            aip = a[i, p]
            for j in range(n):
                c[i, j] += aip * b[p, j]


def gemm(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """C = A·B for 2-D float32/float64 arrays of any layout."""
    dtype = np.result_type(a.dtype, b.dtype)
    a = np.ascontiguousarray(a, dtype=dtype)
    b = np.ascontiguousarray(b, dtype=dtype)
    c = np.zeros((a.shape[0], b.shape[1]), dtype=dtype)
    _gemm_rows(a, b, c)
    return c


def matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """NumPy `@` semantics on 1-D/2-D operands, computed by `gemm`."""
    a2 = a[None, :] if a.ndim == 1 else a
    b2 = b[:, None] if b.ndim == 1 else b
    c = gemm(a2, b2)
    if a.ndim == 1 and b.ndim == 1:
        return c[0, 0]
    if a.ndim == 1:
        return c[0]
    if b.ndim == 1:
        return c[:, 0]
    return c
