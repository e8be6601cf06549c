"""Launch shapes and host-side helpers shared by the CUDA kernel modules."""

from __future__ import annotations

import math

import numpy as np

from mlcalc.kernels.cuda import simulated

# Threads per block for the element-wise and reduction kernels (a power of two: the reductions
# halve it). The simulator runs every CUDA thread as a Python thread, ~1 ms each per launch; it
# checks the same code with one warp per block. GEMM's block shape is fixed by its tile instead.
THREADS = 32 if simulated() else 256
# A grid-stride loop covers the rest: 4096 blocks fill an H100 (132 SMs) many times over. The
# simulator gets 4, so that small test inputs still take several blocks and several loop rounds.
MAX_BLOCKS = 4 if simulated() else 4096


def blocks_for(size: int) -> int:
    return max(1, min(MAX_BLOCKS, math.ceil(size / THREADS)))


def common_dtype(*arrays) -> np.dtype:
    """float32 when every operand is float32, else float64 (NumPy's promotion for our inputs)."""
    if all(x.dtype == np.float32 for x in arrays):
        return np.dtype(np.float32)
    return np.dtype(np.float64)


def as_2d(x: np.ndarray) -> np.ndarray:
    """A 0-, 1- or 2-D operand as 2-D, aligned right as NumPy broadcasting aligns it: (n,) → (1, n)."""
    if x.ndim == 0:
        return x.reshape(1, 1)
    if x.ndim == 1:
        return x.reshape(1, -1)
    return x
