"""exp(x) in float64 written with arithmetic only, so that LLVM vectorises the loops that call it.

numba compiles math.exp to a call of the C library's scalar exp, which keeps every loop around it
scalar; NumPy's own np.exp is SIMD, so a fused pass calling math.exp lost to NumPy's extra passes.
This one: n = round(x / ln 2), r = x − n·ln 2 in two parts (Cody–Waite, exact for |n| < 2¹¹),
eʳ = 1 + r + r²·q(r) with q the degree-9 minimax polynomial for the relative error of eʳ on
|r| ≤ ln2/2 (2^−57.8 with its float64 coefficients, bench/gen_exp_poly.py; Taylor's series needed two
terms more for 2^−57.2), by Estrin's scheme, then × 2ⁿ built from the exponent bits. Measured against
NumPy's exp over [−745, 710]: within 1 ulp (tests/kernels/test_vexp.py).

`exp` takes any x; `exp_nonpositive` only x ≤ 0 (or NaN), the arguments of the sigmoids (e^−|v|)
and of softmax and attention (z − the row's max): no overflow to guard and 2ⁿ in one factor, about a
quarter fewer operations. `tanh` (the tanh activation, GELU's tanh form) uses the same reduction,
keeping eʳ − 1 apart from its 1.
"""

import math

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic

from mlcalc.config import JIT_OPTIONS

_LOG2E = 1.4426950408889634
_LN2_HI = 6.93147180369123816490e-01  # the high part has trailing zero bits: n·_LN2_HI is exact
_LN2_LO = 1.90821492927058770002e-10
_OVERFLOW = 709.782712893384        # above: inf
_UNDERFLOW = -745.1332191019412     # below: 0
# q(r) ≈ (eʳ − 1 − r) / r², degree 9: a weighted Remez fit of eʳ's relative error, its coefficients
# rounded to float64 one at a time with the rest refitted each time (bench/gen_exp_poly.py)
Q0, Q1, Q2, Q3, Q4, Q5, Q6, Q7, Q8, Q9 = (
    0.5000000000000011, 0.16666666666666438, 0.04166666666652578, 0.008333333333473705,
    0.0013888888944871408, 0.0001984126956069552, 2.4801491729388977e-05, 2.7557530033731233e-06,
    2.7630763493683947e-07, 2.5020385303269677e-08)


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


@intrinsic
def _fma(typingctx, a, b, c):
    """a·b + c rounded once (llvm.fma; LLVM vectorises it). Written out, a·b − a·b would be folded to 0
    before any fused multiply-add is formed."""
    sig = types.float64(types.float64, types.float64, types.float64)

    def codegen(context, builder, signature, args):
        f64 = ir.DoubleType()
        fn = cgutils.get_or_insert_function(builder.module, ir.FunctionType(f64, [f64, f64, f64]), "llvm.fma.f64")
        return builder.call(fn, args)

    return sig, codegen


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
def _reduce(xc):
    """(eʳ, t) for x = n·ln 2 + r, |r| ≤ ln2/2: t holds n in its low mantissa bits (_SHIFTER)."""
    s, t = _reduce_m1(xc)
    return 1.0 + s, t


@njit(inline="always", **JIT_OPTIONS)
def _reduce_m1(xc):
    """(eʳ − 1, t) for x = n·ln 2 + r, |r| ≤ ln2/2, as _reduce (which adds the 1)."""
    t = xc * _LOG2E + _SHIFTER
    n = t - _SHIFTER  # round(x / ln 2), to nearest
    r = (xc - n * _LN2_HI) - n * _LN2_LO
    # q by Estrin's scheme (4 dependent steps instead of Horner's 9, so the out-of-order core overlaps
    # more elements: Horner's chain of FMAs held exp to 5 cycles an element on a Zen 3 core); its
    # rounding errors are scaled by r² ≤ 0.12, and the last two steps round as Horner's did (Estrin
    # all the way lost an ulp near the range's ends)
    r2 = r * r
    r4 = r2 * r2
    b0 = (Q0 + Q1 * r) + (Q2 + Q3 * r) * r2
    b1 = (Q4 + Q5 * r) + (Q6 + Q7 * r) * r2
    b2 = Q8 + Q9 * r
    q = (b0 + b1 * r4) + b2 * (r4 * r4)
    return r + r2 * q, t


@njit(inline="always", **JIT_OPTIONS)
def _n_bits(t):
    """n as an int64 from _reduce's t (garbage for NaN x, which the callers return as it is)."""
    return _float64_to_bits(t) - _SHIFTER_BITS


@njit(inline="always", **JIT_OPTIONS)
def exp(x):
    """eˣ for a float64 x; NaN gives NaN, ±inf give inf and 0."""
    xc = min(max(x, _UNDERFLOW - 1.0), _OVERFLOW + 1.0)  # keeps 2ⁿ representable; out-of-range x fixed below
    p, t = _reduce(xc)
    k = _n_bits(t)
    # 2ⁿ in two factors, so that results down in the subnormal range round once, correctly placed
    k1 = k >> 1
    y = p * _pow2(k1) * _pow2(k - k1)
    if x > _OVERFLOW:
        y = np.inf
    if x < _UNDERFLOW:
        y = 0.0
    if x != x:
        y = x
    return y


_TWO_TO_MINUS_64 = 2.0 ** -64


@njit(inline="always", **JIT_OPTIONS)
def exp_nonpositive(x):
    """eˣ for a float64 x ≤ 0 (or NaN: NaN; −inf: 0). Not for x > 0: no overflow is guarded."""
    xc = max(x, _UNDERFLOW - 1.0)  # e^(−746) rounds to 0, as every x below it should
    p, t = _reduce(xc)
    # 2ⁿ⁺⁶⁴ is normal for every n ≥ −1076, and p·2⁻⁶⁴ is exact: the one rounding is the product's,
    # correctly placed when the result is subnormal (as exp's two factors). p·2⁻⁶⁴ first, so that it
    # overlaps with building 2ⁿ⁺⁶⁴ instead of following it (bit for bit p·2ⁿ⁺⁶⁴·2⁻⁶⁴; the sigmoid 5 %
    # faster in cache on an Intel Emerald Rapids core)
    # NaN: p is NaN, so the product is NaN whatever garbage 2ⁿ⁺⁶⁴ holds (no test for it: a compare and
    # a blend an element, 3-4 % of the sigmoid in L1 on a Zen 4 core)
    return (p * _TWO_TO_MINUS_64) * _pow2(_n_bits(t) + 64)


# below this eˣ − 1 is −1 in float64 (e⁻⁴⁰ < 2⁻⁵⁴): tanh's clamp, which keeps 2ⁿ normal and 2ⁿ − 1 exact
_EXPM1_FLOOR = -40.0


# from here on tanh|x| takes 1 − 2e/(1 + e), e = e^(−2|x|) ≤ 1/3, rounding near 1 once at the end;
# below, −u/(2 + u), u = e^(−2|x|) − 1, which keeps its relative accuracy as |x| → 0
_TANH_SPLIT = 0.55


@njit(inline="always", **JIT_OPTIONS)
def tanh(x):
    """tanh(x) for a float64 x, within 2.5 ulp of the exact value: from one reduction of −2|x|, both
    e = e^(−2|x|) and u = e − 1 = 2ⁿ·(eʳ − 1) + (2ⁿ − 1) (2ⁿ − 1 exact: no cancellation near 0), and one
    division; the sign put back. numba's math.tanh is the C library's scalar call, which keeps the loops around it scalar (a tanh
    pass over 10⁷ float64 took 211 ms against NumPy's 43); this one vectorises. ±inf give ±1."""
    a = abs(x)
    xc = max(-2.0 * a, _EXPM1_FLOOR)  # NaN stays NaN: numba's max is Python's, max(nan, c) is nan
    s, t = _reduce_m1(xc)
    p = _pow2(_n_bits(t))
    large = a >= _TANH_SPLIT
    e = p * s + p
    u = p * s + (p - 1.0)
    num = 2.0 * e if large else -u
    den = 1.0 + e if large else 2.0 + u
    q = num / den
    y = 1.0 - q if large else q
    return math.copysign(y, x)


# erfc: W. J. Cody's rational Chebyshev approximations ("Rational Chebyshev approximations for the
# error function", Math. Comp. 23 (1969) 631-638; the coefficient sets of SPECFUN's CALERF):
# erf(x) = x·R₁(x²) for |x| ≤ 0.46875; erfc(y) = e^(−y²)·R₂(y) for 0.46875 < y ≤ 4;
# erfc(y) = e^(−y²)·(1/√π − R₃(1/y²)/y²)/y beyond
_ERF_A = (3.16112374387056560e00, 1.13864154151050156e02, 3.77485237685302021e02, 3.20937758913846947e03,
          1.85777706184603153e-1)
_ERF_B = (2.36012909523441209e01, 2.44024637934444173e02, 1.28261652607737228e03, 2.84423683343917062e03)
_ERF_C = (5.64188496988670089e-1, 8.88314979438837594e00, 6.61191906371416295e01, 2.98635138197400131e02,
          8.81952221241769090e02, 1.71204761263407058e03, 2.05107837782607147e03, 1.23033935479799725e03,
          2.15311535474403846e-8)
_ERF_D = (1.57449261107098347e01, 1.17693950891312499e02, 5.37181101862009858e02, 1.62138957456669019e03,
          3.29079923573345963e03, 4.36261909014324716e03, 3.43936767414372164e03, 1.23033935480374942e03)
_ERF_P = (3.05326634961232344e-1, 3.60344899949804439e-1, 1.25781726111229246e-1, 1.60837851487422766e-2,
          6.58749161529837803e-4, 1.63153871373020978e-2)
_ERF_Q = (2.56852019228982242e00, 1.87295284992346047e00, 5.27905102951428412e-1, 6.05183413124413191e-2,
          2.33520497626869185e-3)
_ERF_SMALL = 0.46875
_ERF_MID = 4.0
_INV_SQRT_PI = 0.56418958354775628695


@njit(inline="always", **JIT_OPTIONS)
def erfc(x):
    """erfc(x) = 1 − erf(x) for a float64 x, with its relative accuracy kept in the tail (gelu's
    x·Φ(x) = ½·x·erfc(−x/√2) for x ≪ 0, where 1 + erf loses every digit). All three of Cody's
    rational functions are evaluated and one is chosen before the one division, so the loops around
    it vectorise (numba's math.erf/erfc are the C library's scalar calls). Within 8 ulp of the exact
    value (math.erfc: 2.5), most of it from the middle function's own rounding. erfc(±inf) = 0 / 2."""
    y = abs(x)
    z = y * y
    # R₁(x²) for small |x|: numerator and denominator, Horner
    n1 = ((((_ERF_A[4] * z + _ERF_A[0]) * z + _ERF_A[1]) * z + _ERF_A[2]) * z + _ERF_A[3]) * y
    d1 = (((z + _ERF_B[0]) * z + _ERF_B[1]) * z + _ERF_B[2]) * z + _ERF_B[3]
    # R₂(y) on the middle range
    yc = min(y, _ERF_MID)  # keeps the unused branch finite for huge y (NaN stays NaN)
    n2 = _ERF_C[8] * yc
    d2 = yc
    n2 = (n2 + _ERF_C[0]) * yc
    d2 = (d2 + _ERF_D[0]) * yc
    n2 = (n2 + _ERF_C[1]) * yc
    d2 = (d2 + _ERF_D[1]) * yc
    n2 = (n2 + _ERF_C[2]) * yc
    d2 = (d2 + _ERF_D[2]) * yc
    n2 = (n2 + _ERF_C[3]) * yc
    d2 = (d2 + _ERF_D[3]) * yc
    n2 = (n2 + _ERF_C[4]) * yc
    d2 = (d2 + _ERF_D[4]) * yc
    n2 = (n2 + _ERF_C[5]) * yc
    d2 = (d2 + _ERF_D[5]) * yc
    n2 = (n2 + _ERF_C[6]) * yc
    d2 = (d2 + _ERF_D[6]) * yc
    n2 = n2 + _ERF_C[7]
    d2 = d2 + _ERF_D[7]
    # (1/√π − R₃(w)·w)/y with w = 1/y² in the tail, as one fraction
    w = 1.0 / max(z, _ERF_MID * _ERF_MID)
    n3 = ((((_ERF_P[5] * w + _ERF_P[0]) * w + _ERF_P[1]) * w + _ERF_P[2]) * w + _ERF_P[3]) * w + _ERF_P[4]
    d3 = ((((w + _ERF_Q[0]) * w + _ERF_Q[1]) * w + _ERF_Q[2]) * w + _ERF_Q[3]) * w + _ERF_Q[4]
    n3 = _INV_SQRT_PI * d3 - w * n3
    d3 = d3 * max(y, _ERF_MID)
    small = y <= _ERF_SMALL
    tail = y > _ERF_MID
    q = (n1 if small else (n3 if tail else n2)) / (d1 if small else (d3 if tail else d2))
    # e^(−y²) with the rounding of y² put back: y² = z + lo exactly (lo by an FMA), e^(−lo) ≈ 1 − lo
    # (without it, 16 ulp at y = 4 and 500 at 27); y held below 28, where e^(−y²) is 0 already
    ye = min(y, 28.0)
    ze = ye * ye
    e = exp_nonpositive(-ze) * (1.0 - _fma(ye, ye, -ze)) * q
    if small:
        return 1.0 - (q if x >= 0 else -q)  # q is erf(|x|) here
    return e if x >= 0 else 2.0 - e
