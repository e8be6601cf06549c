"""Activations as CUDA device functions, shared by the element-wise kernels and GEMM's epilogue.

An activation is chosen by a small integer compiled into the calling kernel, so a kernel built for
relu contains only relu. Formulas and NaN behaviour follow mlcalc.kernels.reference.nn.activation.
"""

from __future__ import annotations

import math
from functools import lru_cache

from mlcalc.kernels.cuda import load_cuda

GELU_TANH_C = math.sqrt(2.0 / math.pi)
GELU_TANH_K = 0.044715
INV_SQRT2 = 1.0 / math.sqrt(2.0)

CODES = {None: 0, "relu": 1, "leaky-relu": 2, "sigmoid": 3, "tanh": 4, "swish": 5, "gelu": 6, "gelu-tanh": 7}

# a module global, not a local: the simulator runs kernels with their global `cuda` swapped for its
# fake module
cuda = load_cuda()


def act_code(fn: str | None, approx: str | None = None) -> int:
    """The integer for an activation name (None: identity); gelu with approx="tanh" is its tanh form."""
    if fn == "gelu" and approx == "tanh":
        fn = "gelu-tanh"
    if fn not in CODES:
        raise ValueError(f"activation {fn!r} has no CUDA element-wise kernel")
    return CODES[fn]


@lru_cache(maxsize=None)
def make_act(code: int):
    """A device function g(z, alpha) for one activation."""

    # inlined: a call left in GEMM's epilogue loop keeps the 8×8 accumulators out of registers
    @cuda.jit(device=True, inline=True)
    def sigmoid(z):
        e = math.exp(-abs(z))  # e^(−|z|) ≤ 1: never overflows
        return 1.0 / (1.0 + e) if z >= 0 else e / (1.0 + e)

    @cuda.jit(device=True, inline=True)
    def g(z, alpha):
        if code == 1:
            return z if not z <= 0 else 0.0  # NaN stays NaN; −inf is 0 (0·z made it NaN)
        if code == 2:
            return z if z > 0 else z * alpha
        if code == 3:
            return sigmoid(z)
        if code == 4:
            return math.tanh(z)
        if code == 5:
            return z * sigmoid(z)
        if code == 6:
            return 0.5 * z * math.erfc(-z * INV_SQRT2)  # z·Φ(z), its tail kept (reference.normal_cdf)
        if code == 7:
            return 0.5 * z * (1.0 + math.tanh(GELU_TANH_C * (z + GELU_TANH_K * z * z * z)))
        return z

    return g
