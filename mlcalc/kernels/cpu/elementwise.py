"""Element-wise numba kernels: add, sub, Hadamard product, scale, transpose, outer product.

The public functions broadcast with NumPy's rules (as zero-stride views), then one parallel pass
writes the result; the private loops work on any strides.
"""

import numpy as np
from numba import njit, prange

from mlcalc.config import JIT_OPTIONS

_ADD, _SUB, _MUL = 0, 1, 2
_CHUNK = 1 << 16  # elements per parallel task: big enough to amortise scheduling, small enough to balance


@njit(parallel=True, **JIT_OPTIONS)
def _binary_flat(a, b, out, op):
    """Contiguous operands of one shape: a flat loop in chunks that LLVM vectorises."""
    n = out.shape[0]
    for c in prange((n + _CHUNK - 1) // _CHUNK):
        lo = c * _CHUNK
        hi = min(n, lo + _CHUNK)
        if op == _ADD:
            for i in range(lo, hi):
                out[i] = a[i] + b[i]
        elif op == _SUB:
            for i in range(lo, hi):
                out[i] = a[i] - b[i]
        else:
            for i in range(lo, hi):
                out[i] = a[i] * b[i]


@njit(parallel=True, **JIT_OPTIONS)
def _scale_flat(a, k, out):
    n = out.shape[0]
    for c in prange((n + _CHUNK - 1) // _CHUNK):
        for i in range(c * _CHUNK, min(n, (c + 1) * _CHUNK)):
            out[i] = a[i] * k


@njit(parallel=True, **JIT_OPTIONS)
def _binary_2d(a, b, out, op):
    m, n = out.shape
    for i in prange(m):
        if op == _ADD:
            for j in range(n):
                out[i, j] = a[i, j] + b[i, j]
        elif op == _SUB:
            for j in range(n):
                out[i, j] = a[i, j] - b[i, j]
        else:
            for j in range(n):
                out[i, j] = a[i, j] * b[i, j]


@njit(parallel=True, **JIT_OPTIONS)
def _scale_2d(a, k, out):
    m, n = out.shape
    for i in prange(m):
        for j in range(n):
            out[i, j] = a[i, j] * k


@njit(parallel=True, **JIT_OPTIONS)
def _transpose_2d(a, out):
    # blocks of 32x32 so that both the reads and the writes stay in cache lines
    m, n = a.shape
    nbi = (m + 31) // 32
    nbj = (n + 31) // 32
    for blk in prange(nbi * nbj):
        i0 = (blk // nbj) * 32
        j0 = (blk % nbj) * 32
        for i in range(i0, min(i0 + 32, m)):
            for j in range(j0, min(j0 + 32, n)):
                out[j, i] = a[i, j]


@njit(parallel=True, **JIT_OPTIONS)
def _outer(u, v, out):
    for i in prange(u.shape[0]):
        ui = u[i]
        for j in range(v.shape[0]):
            out[i, j] = ui * v[j]


def _as_2d(x):
    return x.reshape(1, -1) if x.ndim == 1 else (x.reshape(1, 1) if x.ndim == 0 else x)


def _binary(a, b, op):
    dtype = np.result_type(a.dtype, b.dtype)
    shape = np.broadcast_shapes(a.shape, b.shape)
    if a.shape == b.shape and a.flags.c_contiguous and b.flags.c_contiguous:
        out = np.empty(shape, dtype=dtype)
        _binary_flat(a.astype(dtype, copy=False).reshape(-1), b.astype(dtype, copy=False).reshape(-1),
                     out.reshape(-1), op)
        return out
    a_b, b_b = np.broadcast_to(a.astype(dtype, copy=False), shape), np.broadcast_to(b.astype(dtype, copy=False), shape)
    out = np.empty(shape, dtype=dtype)
    _binary_2d(_as_2d(a_b), _as_2d(b_b), _as_2d(out), op)
    return out


def add(a, b):
    return _binary(a, b, _ADD)


def sub(a, b):
    return _binary(a, b, _SUB)


def hadamard(a, b):
    return _binary(a, b, _MUL)


def scale(a, k):
    out = np.empty(a.shape, dtype=a.dtype)
    if a.flags.c_contiguous:
        _scale_flat(a.reshape(-1), a.dtype.type(k), out.reshape(-1))
        return out
    _scale_2d(_as_2d(a), a.dtype.type(k), _as_2d(out))
    return out


def transpose(a):
    if a.ndim < 2:
        return a.copy()
    out = np.empty((a.shape[1], a.shape[0]), dtype=a.dtype)
    _transpose_2d(a, out)
    return out


def outer(u, v):
    dtype = np.result_type(u.dtype, v.dtype)
    u = u.reshape(-1).astype(dtype, copy=False)
    v = v.reshape(-1).astype(dtype, copy=False)
    out = np.empty((u.shape[0], v.shape[0]), dtype=dtype)
    _outer(u, v, out)
    return out


def warmup() -> None:
    for dtype in (np.float64, np.float32):
        a = np.ones((3, 4), dtype=dtype)
        add(a, a), sub(a, a[0]), hadamard(a, a), scale(a, 2.0), transpose(a), outer(a[0], a[1])
        scale(a[:, ::2], 2.0)
