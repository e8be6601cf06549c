"""exp(x) in float64 written with arithmetic only, so that LLVM vectorises the loops that call it.

numba compiles math.exp to a call of the C library's scalar exp, which keeps every loop around it
scalar; NumPy's own np.exp is SIMD, so a fused pass calling math.exp lost to NumPy's extra passes.
This one: n = round(x / ln 2), r = x − n·ln 2 in two parts (Cody–Waite, exact for |n| < 2¹¹),
eᴿ by its Taylor series to r¹³ (|r| ≤ ln2/2: truncation below 2⁻⁵⁷), then × 2ⁿ built from the
exponent bits, in two factors so that results down in the subnormal range round once, correctly
placed. Measured against math.exp over [−745, 710]: within 2 ulp (tests/kernels/test_vexp.py).
"""

import math

import numpy as np
from numba import njit, types
from numba.extending import intrinsic

from mlcalc.config import JIT_OPTIONS

_LOG2E = 1.4426950408889634
_LN2_HI = 6.93147180369123816490e-01  # the high part has trailing zero bits: n·_LN2_HI is exact
_LN2_LO = 1.90821492927058770002e-10
_OVERFLOW = 709.782712893384        # above: inf
_UNDERFLOW = -745.1332191019412     # below: 0
_C = [1.0 / math.factorial(k) for k in range(14)]
C2, C3, C4, C5, C6, C7, C8, C9, C10, C11, C12, C13 = _C[2:]


@intrinsic
def _bits_to_float64(typingctx, bits):
    """The float64 whose IEEE bits are the int64 `bits` (a register move; LLVM vectorises it)."""
    sig = types.float64(types.int64)

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], context.get_value_type(types.float64))

    return sig, codegen


@njit(inline="always", **JIT_OPTIONS)
def _pow2(k):
    """2**k for an integer k in [−1022, 1023]."""
    return _bits_to_float64((k + 1023) << 52)


@njit(inline="always", **JIT_OPTIONS)
def exp(x):
    """eˣ for a float64 x; NaN gives NaN, ±inf give inf and 0."""
    xc = min(max(x, _UNDERFLOW - 1.0), _OVERFLOW + 1.0)  # keeps 2ⁿ representable; out-of-range x fixed below
    n = math.floor(xc * _LOG2E + 0.5)
    r = (xc - n * _LN2_HI) - n * _LN2_LO
    p = C13
    p = p * r + C12
    p = p * r + C11
    p = p * r + C10
    p = p * r + C9
    p = p * r + C8
    p = p * r + C7
    p = p * r + C6
    p = p * r + C5
    p = p * r + C4
    p = p * r + C3
    p = p * r + C2
    p = p * r + 1.0
    p = p * r + 1.0
    k = np.int64(n) if n == n else np.int64(0)
    k1 = k >> 1
    y = p * _pow2(k1) * _pow2(k - k1)
    if x > _OVERFLOW:
        y = np.inf
    if x < _UNDERFLOW:
        y = 0.0
    if x != x:
        y = x
    return y
