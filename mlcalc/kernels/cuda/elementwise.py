"""Element-wise kernels on the GPU: add, sub, hadamard (with NumPy broadcasting), scale, activations.

Memory-bound: one read of each operand and one write, a grid-stride loop over the result. A
broadcast operand is indexed with min(i, rows − 1), so a row vector or a scalar is copied to the
GPU once at its own size, never expanded. Signatures match mlcalc.kernels.reference.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from mlcalc.kernels.cuda import load_cuda
from mlcalc.kernels.cuda.activations import act_code, make_act
from mlcalc.kernels.cuda.launch import THREADS, as_2d, blocks_for, common_dtype

# a module global, not a local: the simulator runs kernels with their global `cuda` swapped for its
# fake module
cuda = load_cuda()

ADD, SUB, MUL = 0, 1, 2


@lru_cache(maxsize=None)
def binary_kernel(op: int):
    @cuda.jit
    def kernel(a, b, out):
        n = out.shape[1]
        size = out.shape[0] * n
        ra = a.shape[0] - 1
        ca = a.shape[1] - 1
        rb = b.shape[0] - 1
        cb = b.shape[1] - 1
        for idx in range(cuda.grid(1), size, cuda.gridsize(1)):
            i = idx // n
            j = idx % n
            x = a[min(i, ra), min(j, ca)]
            y = b[min(i, rb), min(j, cb)]
            if op == ADD:
                out[i, j] = x + y
            elif op == SUB:
                out[i, j] = x - y
            else:
                out[i, j] = x * y

    return kernel


@lru_cache(maxsize=None)
def unary_kernel(code: int):
    """out = g(k·x) for an activation code (0: identity, so k·x is `scale`)."""
    g = make_act(code)

    @cuda.jit
    def kernel(x, out, k, alpha):
        for idx in range(cuda.grid(1), x.size, cuda.gridsize(1)):
            out[idx] = g(x[idx] * k, alpha)

    return kernel


def _binary(op: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    dtype = common_dtype(a, b)
    shape = np.broadcast_shapes(a.shape, b.shape)
    a2, b2 = as_2d(a), as_2d(b)
    out_shape = (max(a2.shape[0], b2.shape[0]), max(a2.shape[1], b2.shape[1]))
    if 0 in out_shape:
        return np.empty(shape, dtype)
    a_d = cuda.to_device(np.ascontiguousarray(a2, dtype))
    b_d = cuda.to_device(np.ascontiguousarray(b2, dtype))
    out_d = cuda.device_array(out_shape, dtype)
    binary_kernel(op)[blocks_for(out_d.size), THREADS](a_d, b_d, out_d)
    return out_d.copy_to_host().reshape(shape)


def add(a, b):
    return _binary(ADD, a, b)


def sub(a, b):
    return _binary(SUB, a, b)


def hadamard(a, b):
    """Element-wise product A ⊙ B."""
    return _binary(MUL, a, b)


def _unary(x: np.ndarray, code: int, k: float = 1.0, alpha: float = 0.01) -> np.ndarray:
    dtype = common_dtype(x)
    if x.size == 0:
        return np.empty(x.shape, dtype)
    x_d = cuda.to_device(np.ascontiguousarray(x, dtype).reshape(-1))
    out_d = cuda.device_array(x.size, dtype)
    unary_kernel(code)[blocks_for(x.size), THREADS](x_d, out_d, dtype.type(k), dtype.type(alpha))
    return out_d.copy_to_host().reshape(x.shape)


def scale(a, k: float):
    return _unary(a, 0, k)


def activation(x, fn, alpha=0.01, approx=None):
    """g(x) element-wise; softmax per row (the last axis)."""
    if fn == "softmax":
        from mlcalc.kernels.cuda.reductions import softmax
        return softmax(x)
    return _unary(x, act_code(fn, approx), 1.0, alpha)
