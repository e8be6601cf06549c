"""exp(x) in float64 written with arithmetic only, so that LLVM vectorises the loops that call it.

numba compiles math.exp to a call of the C library's scalar exp, which keeps every loop around it
scalar; NumPy's own np.exp is SIMD, so a fused pass calling math.exp lost to NumPy's extra passes.
This one: n = round(x / ln 2), r = x − n·ln 2 in two parts (Cody–Waite, exact for |n| < 2¹¹),
eʳ by its Taylor series to r¹³ (|r| ≤ ln2/2: truncation below 2⁻⁵⁷; Estrin's scheme), then × 2ⁿ built from the
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


def _bitcast(src, dst):
    """An intrinsic reading a `src` value's bits as a `dst` of the same width (a register move; LLVM
    vectorises it)."""
    @intrinsic
    def cast(typingctx, x):
        def codegen(context, builder, signature, args):
            return builder.bitcast(args[0], context.get_value_type(dst))

        return dst(src), codegen

    return cast


_bits_to_float64 = _bitcast(types.int64, types.float64)  # the float64 whose IEEE bits are an int64
_float64_to_bits = _bitcast(types.float64, types.int64)  # and back


# 1.5·2⁵²: t = y + _SHIFTER rounds y to the integer n held in t's low mantissa bits (|y| < 2⁵¹), so
# n as an int64 is bits(t) − bits(_SHIFTER). Never np.int64(float) inside exp: AVX2 has no vector
# float64 → int64 conversion (that is AVX-512DQ), and the four scalar conversions it then took per
# vector made a sigmoid pass over 10⁸ elements take 220 ms on a Zen 3 EPYC, 4 times a copy.
_SHIFTER = 6755399441055744.0
_SHIFTER_BITS = 0x4338000000000000


@njit(inline="always", **JIT_OPTIONS)
def _pow2(k):
    """2**k for an integer k in [−1022, 1023]."""
    return _bits_to_float64((k + 1023) << 52)


@njit(inline="always", **JIT_OPTIONS)
def exp(x):
    """eˣ for a float64 x; NaN gives NaN, ±inf give inf and 0."""
    xc = min(max(x, _UNDERFLOW - 1.0), _OVERFLOW + 1.0)  # keeps 2ⁿ representable; out-of-range x fixed below
    t = xc * _LOG2E + _SHIFTER
    n = t - _SHIFTER  # round(x / ln 2), to nearest
    r = (xc - n * _LN2_HI) - n * _LN2_LO
    # eʳ = 1 + (r + r²·q(r)): q, the terms from r² on, by Estrin's scheme (4 dependent steps instead
    # of Horner's 11, so the out-of-order core overlaps more elements: Horner's chain of FMAs held exp
    # to 5 cycles an element on a Zen 3 core); its rounding errors are scaled by r² ≤ 0.12, and the
    # last two steps round as Horner's did (Estrin all the way lost an ulp near the range's ends)
    r2 = r * r
    r4 = r2 * r2
    r8 = r4 * r4
    b0 = (C2 + C3 * r) + (C4 + C5 * r) * r2
    b1 = (C6 + C7 * r) + (C8 + C9 * r) * r2
    b2 = (C10 + C11 * r) + (C12 + C13 * r) * r2
    q = (b0 + b1 * r4) + b2 * r8
    p = 1.0 + (r + r2 * q)
    k = _float64_to_bits(t) - _SHIFTER_BITS  # n as an int64 (garbage for NaN x, which is returned below)
    k1 = k >> 1
    y = p * _pow2(k1) * _pow2(k - k1)
    if x > _OVERFLOW:
        y = np.inf
    if x < _UNDERFLOW:
        y = 0.0
    if x != x:
        y = x
    return y
