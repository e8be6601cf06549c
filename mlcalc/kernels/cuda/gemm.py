"""GEMM on the GPU: C = A·B with shared-memory and register tiling.

Each block of 256 threads computes a BM×BN = 128×128 tile of C; each thread a TM×TN = 8×8 tile
held in registers. K is walked in steps of BK = 8: the block copies an A tile (BM×BK) and a B
tile (BK×BN) to shared memory, then every thread does BK outer products of a column of its A rows
and a row of its B columns (64 FMAs per 16 shared loads, where a plain tiled kernel does 1 per 2).

A thread's rows and columns are strided (row tr + i·16, column tc + j·16) rather than contiguous:
the 16 threads that share a row of the block then read 16 consecutive shared words (no bank
conflicts) and write 16 consecutive elements of C (coalesced). A is stored transposed in shared
memory, padded by 4 words per row so that the transposing store does not hit one bank 8 times.
Out-of-range elements are loaded as 0 and not stored, so any M, N, K works.

The kernel takes an epilogue (compile-time choices, so the unused ones cost nothing):
C = act(scale·A·B + bias), and B may be given transposed (X·Wᵀ for a dense layer, Q·Kᵀ for
attention) without a copy.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from mlcalc.kernels.cuda import load_cuda
from mlcalc.kernels.cuda.activations import act_code, make_act
from mlcalc.kernels.cuda.launch import common_dtype

BM, BN, BK, TM, TN = 128, 128, 8, 8, 8
THREADS = (BM // TM) * (BN // TN)  # 256
PAD = 4
# Activations applied in the epilogue itself. The others (sigmoid, tanh, swish, gelu) have enough
# code that LLVM stops unrolling the epilogue's 8×8 loop, and a rolled loop indexes the
# accumulators dynamically: they go to local memory for the whole kernel (seen in the PTX). Those
# run as a second, in-place element-wise launch on the device instead.
FUSED_ACTS = (0, 1, 2)  # identity, relu, leaky-relu

# a module global, not a local: the simulator runs kernels with their global `cuda` swapped for its
# fake module
cuda = load_cuda()


@lru_cache(maxsize=None)
def gemm_kernel(dtype_name: str, trans_b: bool = False, act: int = 0, has_bias: bool = False,
                tile: tuple = (BM, BN, BK, TM, TN)):
    """The compiled kernel for one dtype and epilogue. `tile` only changes for the simulator
    tests, which also run the full-size tile on a few shapes."""
    from numba import float32, float64
    bm, bn, bk, tm, tn = tile
    nt = (bm // tm) * (bn // tn)
    ty = bn // tn  # threads along a row of the block tile
    tx = bm // tm
    a_loads = (bm * bk) // nt
    b_loads = (bk * bn) // nt
    a_cols = bm + PAD  # a plain constant: a shared array's shape must be literal when numba types it
    dt = float32 if dtype_name == "float32" else float64
    apply_act = make_act(act)

    @cuda.jit(fastmath=False)
    def kernel(a, b, c, bias, scale, alpha):
        m = a.shape[0]
        k = a.shape[1]
        n = c.shape[1]
        a_s = cuda.shared.array((bk, a_cols), dt)
        b_s = cuda.shared.array((bk, bn), dt)
        acc = cuda.local.array((tm, tn), dt)
        reg_a = cuda.local.array(tm, dt)
        reg_b = cuda.local.array(tn, dt)
        tid = cuda.threadIdx.x
        tr = tid // ty
        tc = tid % ty
        # tiles in a grid-stride loop: a grid holds at most 65535 blocks along y (a launch with
        # more, m > 8.4 million rows, failed), so a capped grid walks the remaining tiles
        for row0 in range(cuda.blockIdx.y * bm, m, cuda.gridDim.y * bm):
            for col0 in range(cuda.blockIdx.x * bn, n, cuda.gridDim.x * bn):
                for i in range(tm):
                    for j in range(tn):
                        acc[i, j] = 0
                for k0 in range(0, k, bk):
                    for s in range(a_loads):
                        idx = tid + s * nt
                        r = idx // bk
                        q = idx % bk
                        gr = row0 + r
                        gk = k0 + q
                        a_s[q, r] = a[gr, gk] if gr < m and gk < k else 0
                    for s in range(b_loads):
                        idx = tid + s * nt
                        if trans_b:  # b is (n, k): walk k fastest, as in memory
                            r = idx % bk
                            q = idx // bk
                        else:
                            r = idx // bn
                            q = idx % bn
                        gk = k0 + r
                        gc = col0 + q
                        if gk < k and gc < n:
                            b_s[r, q] = b[gc, gk] if trans_b else b[gk, gc]
                        else:
                            b_s[r, q] = 0
                    cuda.syncthreads()
                    for kk in range(bk):
                        for i in range(tm):
                            reg_a[i] = a_s[kk, tr + i * tx]
                        for j in range(tn):
                            reg_b[j] = b_s[kk, tc + j * ty]
                        for i in range(tm):
                            for j in range(tn):
                                acc[i, j] += reg_a[i] * reg_b[j]
                    cuda.syncthreads()
                for i in range(tm):
                    gr = row0 + tr + i * tx
                    if gr < m:
                        for j in range(tn):
                            gc = col0 + tc + j * ty
                            if gc < n:
                                z = acc[i, j] * scale
                                if has_bias:
                                    z += bias[gc]
                                c[gr, gc] = apply_act(z, alpha)

    return kernel, nt


@lru_cache(maxsize=None)
def _no_bias(dtype_name: str):
    return cuda.device_array(1, dtype_name)


MAX_GRID = 65535  # blocks along each axis of GEMM's grid (CUDA's limit for y and z)


def launch(a_d, b_d, c_d, bias_d=None, trans_b=False, act=None, scale=1.0, alpha=0.01, tile=None,
           max_grid=MAX_GRID):
    """Run C = act(scale·A·B(ᵀ) + bias) on device arrays (C allocated by the caller); a grid of at most
    max_grid blocks a side, whose blocks loop over the tiles beyond it."""
    tile = tile or (BM, BN, BK, TM, TN)
    dtype = np.dtype(c_d.dtype)
    code = act_code(act)
    fused = code if code in FUSED_ACTS else 0
    kernel, nt = gemm_kernel(dtype.name, trans_b, fused, bias_d is not None, tuple(tile))
    if bias_d is None:
        bias_d = _no_bias(dtype.name)  # never read (has_bias is compiled in as False), but typed as 1-D
    m, n = c_d.shape
    grid = (min(max_grid, math.ceil(n / tile[1])), min(max_grid, math.ceil(m / tile[0])))
    kernel[grid, nt](a_d, b_d, c_d, bias_d, dtype.type(scale), dtype.type(alpha))
    if code != fused:
        from mlcalc.kernels.cuda.elementwise import unary_kernel
        from mlcalc.kernels.cuda.launch import THREADS as EW_THREADS, blocks_for
        flat = c_d.reshape(m * n)
        unary_kernel(code)[blocks_for(m * n), EW_THREADS](flat, flat, dtype.type(1), dtype.type(alpha))


def matmul(a: np.ndarray, b: np.ndarray, tile=None, max_grid=MAX_GRID) -> np.ndarray:
    """A @ B on the GPU with NumPy's rules for 1-D operands (a row on the left, a column on the
    right, and that dimension dropped from the result). One copy in per operand, one copy out."""
    dtype = common_dtype(a, b)
    a2 = a.reshape(1, -1) if a.ndim == 1 else a
    b2 = b.reshape(-1, 1) if b.ndim == 1 else b
    m, k = a2.shape
    n = b2.shape[1]
    if m == 0 or n == 0 or k == 0:
        c = np.zeros((m, n), dtype)
    else:
        a_d = cuda.to_device(np.ascontiguousarray(a2, dtype))
        b_d = cuda.to_device(np.ascontiguousarray(b2, dtype))
        c_d = cuda.device_array((m, n), dtype)
        launch(a_d, b_d, c_d, tile=tile, max_grid=max_grid)
        c = c_d.copy_to_host()
    if a.ndim == 1 and b.ndim == 1:
        return c[0, 0]  # a NumPy scalar, as np.matmul gives for two vectors
    if a.ndim == 1:
        return c.reshape(n)
    if b.ndim == 1:
        return c.reshape(m)
    return c
