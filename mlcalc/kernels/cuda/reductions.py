"""Reductions on the GPU: sum, the overflow-safe L2 norm, vector norms, and row softmax.

Sums run in two launches: every block reduces its grid-stride share in a shared-memory tree to
one partial, then one block reduces the partials. Partials and accumulators are float64 whatever
the input (as the reference sums), which also means a float32 input's squares can never
overflow. A float64 L2 norm is first tried as √(Σ xᵢ²); only if that overflowed or may have lost
underflowed squares are the elements scaled by a power of two near 1/max|xᵢ| (exact), as
mlcalc.kernels.reference.linalg._l2 does: ‖[1e200, 1e200]‖ = 1.414e200, not inf.

Row softmax uses one block per row: a tree for the row maximum, one for Σ e^(x − max), then
the write; causal and mask arguments let attention hide entries (they count as −inf).
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from mlcalc.errors import MlcalcError
from mlcalc.kernels.cuda import load_cuda
from mlcalc.kernels.cuda.launch import THREADS, as_2d, blocks_for, common_dtype

# a module global, not a local: the simulator runs kernels with their global `cuda` swapped for its
# fake module
cuda = load_cuda()
from numba import float64  # noqa: E402  (after load_cuda: numba's settings come first)

# what each element contributes, and how two contributions combine
SUM, SUMSQ, ABSSUM, ABSMAX, SCALED_SUMSQ = 0, 1, 2, 3, 4


@cuda.jit(device=True)
def _max_nan(a, b):
    """max that lets NaN win (CUDA's fmax would drop it)."""
    return a if (a > b or a != a) else b


@lru_cache(maxsize=None)
def reduce_kernel(kind: int):
    """partials[block] = the block's reduction of f(x) over a grid-stride share of x."""
    is_max = kind == ABSMAX

    @cuda.jit
    def kernel(x, partials, s):
        tid = cuda.threadIdx.x
        acc = 0.0
        for idx in range(cuda.grid(1), x.size, cuda.gridsize(1)):
            v = float64(x[idx])
            if kind == SUM:
                acc += v
            elif kind == SUMSQ:
                acc += v * v
            elif kind == ABSSUM:
                acc += abs(v)
            elif kind == ABSMAX:
                acc = _max_nan(acc, abs(v))
            else:
                v *= s
                acc += v * v
        sh = cuda.shared.array(THREADS, float64)
        sh[tid] = acc
        cuda.syncthreads()
        half = THREADS // 2
        while half > 0:  # tree: 256 → 128 → … → 1
            if tid < half:
                if is_max:
                    sh[tid] = _max_nan(sh[tid], sh[tid + half])
                else:
                    sh[tid] += sh[tid + half]
            cuda.syncthreads()
            half //= 2
        if tid == 0:
            partials[cuda.blockIdx.x] = sh[0]

    return kernel


def _reduce_device(x_d, kind: int, s: float = 1.0) -> float:
    """One float64 number from a 1-D device array: blocks to partials, then one block to the result."""
    blocks = blocks_for(x_d.size)
    partials = cuda.device_array(blocks, np.float64)
    reduce_kernel(kind)[blocks, THREADS](x_d, partials, s)
    if blocks > 1:
        out = cuda.device_array(1, np.float64)
        # the partials are already |x| sums or maxima (or squares summed): combine them plainly
        reduce_kernel(ABSMAX if kind == ABSMAX else SUM)[1, THREADS](partials, out, 1.0)
        partials = out
    return float(partials.copy_to_host()[0])


def _to_device_flat(a: np.ndarray):
    dtype = common_dtype(a)
    return cuda.to_device(np.ascontiguousarray(a, dtype).reshape(-1)), dtype


def total(a: np.ndarray):
    """Σ aᵢ over every element, summed in float64, returned in the input's dtype."""
    x_d, dtype = _to_device_flat(a)
    return dtype.type(_reduce_device(x_d, SUM) if a.size else 0.0)


def _l2_device(x_d, dtype: np.dtype) -> float:
    n = x_d.size
    if n == 0:
        return 0.0
    sumsq = _reduce_device(x_d, SUMSQ)
    if math.isnan(sumsq):
        return math.nan  # NaN wins over inf, as in the reference
    if dtype == np.float32 or (math.isfinite(sumsq) and sumsq >= n * 2.0 ** -1000):
        return math.sqrt(sumsq)  # float32 squares in float64 neither overflow nor underflow
    big = _reduce_device(x_d, ABSMAX)
    if big == 0 or math.isinf(big):
        return big
    # big = f·2^e: scaling by 2^k, k = −e, is exact; k stays within ±1000 so that 2^k is a normal
    # number (a subnormal big has e down to −1073, and 2^1073 overflowed: an OverflowError)
    k = max(-1000, min(1000, -math.frexp(big)[1]))
    root = math.sqrt(_reduce_device(x_d, SCALED_SUMSQ, math.ldexp(1.0, k)))
    with np.errstate(over="ignore"):
        return float(np.ldexp(root, -k))  # inf beyond the float range, as NumPy (math.ldexp raises)


def l2(a: np.ndarray):
    """√(Σ aᵢ²) over every element (the vector L2 norm, or the Frobenius norm of a matrix)."""
    x_d, dtype = _to_device_flat(a)
    return dtype.type(_l2_device(x_d, dtype))


def norm(a: np.ndarray, ord: str | None = None, axis: str | None = None):
    """The reference's `norm` for what reduces to one pass over all elements: vector l1, l2, inf
    and the matrix Frobenius norm. The others need per-row/column sums or an SVD."""
    ord_ = ord or ("l2" if a.ndim == 1 else "fro")
    vector = a.ndim == 1 or (ord_ == "fro" and axis is None)
    if axis is not None or not vector or ord_ not in ("l1", "l2", "inf", "fro"):
        what = f"--axis {axis}" if axis is not None else f"--ord {ord_} of a matrix"
        raise MlcalcError(f"norm: {what} is not available with --device cuda (vector l1/l2/inf and "
                          f"the matrix fro norm are)")
    x_d, dtype = _to_device_flat(a)
    if ord_ == "l1":
        return dtype.type(_reduce_device(x_d, ABSSUM) if a.size else 0.0)
    if ord_ == "inf":
        return dtype.type(_reduce_device(x_d, ABSMAX) if a.size else 0.0)
    return dtype.type(_l2_device(x_d, dtype))


@lru_cache(maxsize=None)
def softmax_kernel(causal: bool, has_mask: bool):
    """out[i] = softmax of row i of x, with entries hidden by `causal` (j > i) or mask[i, j] == 0."""

    @cuda.jit
    def kernel(x, out, mask):
        i = cuda.blockIdx.x
        tid = cuda.threadIdx.x
        n = x.shape[1]
        sh = cuda.shared.array(THREADS, float64)
        neg_inf = -math.inf
        big = neg_inf
        for j in range(tid, n, THREADS):
            hidden = (causal and j > i) or (has_mask and mask[i, j] == 0)
            big = _max_nan(big, neg_inf if hidden else float64(x[i, j]))
        sh[tid] = big
        cuda.syncthreads()
        half = THREADS // 2
        while half > 0:
            if tid < half:
                sh[tid] = _max_nan(sh[tid], sh[tid + half])
            cuda.syncthreads()
            half //= 2
        big = sh[0]  # the row max: subtracting it keeps every e^(x − max) ≤ 1
        cuda.syncthreads()
        acc = 0.0
        for j in range(tid, n, THREADS):
            hidden = (causal and j > i) or (has_mask and mask[i, j] == 0)
            acc += 0.0 if hidden else math.exp(float64(x[i, j]) - big)
        sh[tid] = acc
        cuda.syncthreads()
        half = THREADS // 2
        while half > 0:
            if tid < half:
                sh[tid] += sh[tid + half]
            cuda.syncthreads()
            half //= 2
        total_ = sh[0]
        for j in range(tid, n, THREADS):
            hidden = (causal and j > i) or (has_mask and mask[i, j] == 0)
            # a fully hidden row gives (−inf) − (−inf) = NaN, as the reference does
            e = math.exp((neg_inf if hidden else float64(x[i, j])) - big)
            out[i, j] = e / total_

    return kernel


def softmax_rows_device(x_d, out_d, causal: bool = False, mask_d=None) -> None:
    """Row softmax of a 2-D device array into out_d (may be x_d itself)."""
    if x_d.shape[0] == 0 or x_d.shape[1] == 0:
        return
    kernel = softmax_kernel(bool(causal), mask_d is not None)
    kernel[x_d.shape[0], THREADS](x_d, out_d, x_d if mask_d is None else mask_d)


def softmax(x: np.ndarray) -> np.ndarray:
    """softmax along the last axis (each row of a matrix; the whole of a vector)."""
    dtype = common_dtype(x)
    x2 = as_2d(x)
    x_d = cuda.to_device(np.ascontiguousarray(x2, dtype))
    softmax_rows_device(x_d, x_d)
    return x_d.copy_to_host().reshape(x.shape)
