"""Norm kernels for the numba engine: single-pass parallel reductions (memory-bound).

L2 takes one fast pass (sum of squares in float64, eight independent accumulators so the adds
pipeline) and keeps its answer when that sum is provably accurate: finite, and large enough that
squares that underflowed cannot matter. Otherwise (elements beyond ~1e154 or below ~1e-154, inf,
NaN) it takes a second, scaled pass with Blue's algorithm, as LAPACK's nrm2 does since 3.10:
elements are summed in three ranges, each scaled by a power of two, so nothing overflows or
underflows. float32 input never needs it: its squares always fit a float64.

`norm(a, ord, axis)` has the reference's signature and meaning (mlcalc.kernels.reference.norm).
"""

import numba
import numpy as np
from numba import njit, prange

from mlcalc.config import JIT_OPTIONS

_CHUNK = 1 << 14

# Blue's constants for float64 (LAPACK 3.10 dnrm2): |x| < TSML is scaled up by SSML, |x| > TBIG down by SBIG
TSML = 2.0 ** -511
TBIG = 2.0 ** 486
SSML = 2.0 ** 537
SBIG = 2.0 ** -538
# a plain sum of squares of n values is accurate to ~eps when it is at least n·2^-1000
# (each square that underflowed was off by at most 2^-1074)
_ACCURATE_FROM = 2.0 ** -1000

SUMSQ, SUMABS, MAXABS = 0, 1, 2


@njit(inline="always", **JIT_OPTIONS)
def _max_nan(m, ax):
    """max that keeps a NaN once it has seen one (NumPy's max propagates NaN)."""
    return ax if (ax > m or ax != ax) else m


@njit(nogil=True, cache=True, fastmath={"contract", "reassoc"})
def _sum_abs(x, lo, hi):
    """Σ|x| over x[lo:hi]. Reassociation is allowed here alone: every term is ≥ 0, so the order changes
    only the rounding (as any summation order does) and a NaN still propagates; it lets LLVM
    vectorise the reduction, which it would not do from eight scalar accumulators (2.3x faster)."""
    s = 0.0
    for i in range(lo, hi):
        s += abs(np.float64(x[i]))
    return s


@njit(**JIT_OPTIONS)
def _reduce_range(x, lo, hi, kind):
    """Σ x², Σ|x| or max|x| over x[lo:hi], with eight accumulators so that adds do not wait on each other."""
    s0 = s1 = s2 = s3 = s4 = s5 = s6 = s7 = 0.0
    i = lo
    if kind == SUMSQ:
        while i + 8 <= hi:
            v0 = np.float64(x[i]); v1 = np.float64(x[i + 1]); v2 = np.float64(x[i + 2]); v3 = np.float64(x[i + 3])
            v4 = np.float64(x[i + 4]); v5 = np.float64(x[i + 5]); v6 = np.float64(x[i + 6]); v7 = np.float64(x[i + 7])
            s0 += v0 * v0; s1 += v1 * v1; s2 += v2 * v2; s3 += v3 * v3
            s4 += v4 * v4; s5 += v5 * v5; s6 += v6 * v6; s7 += v7 * v7
            i += 8
        while i < hi:
            v = np.float64(x[i])
            s0 += v * v
            i += 1
        return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))
    if kind == SUMABS:
        return _sum_abs(x, lo, hi)
    while i + 4 <= hi:
        s0 = _max_nan(s0, abs(np.float64(x[i])))
        s1 = _max_nan(s1, abs(np.float64(x[i + 1])))
        s2 = _max_nan(s2, abs(np.float64(x[i + 2])))
        s3 = _max_nan(s3, abs(np.float64(x[i + 3])))
        i += 4
    while i < hi:
        s0 = _max_nan(s0, abs(np.float64(x[i])))
        i += 1
    return _max_nan(_max_nan(s0, s1), _max_nan(s2, s3))


@njit(**JIT_OPTIONS)
def _combine(a, b, kind):
    return _max_nan(a, b) if kind == MAXABS else a + b


@njit(**JIT_OPTIONS)
def blue_l2(x):
    """‖x‖₂ of a 1-D array (any stride) by Blue's algorithm: no overflow, no harmful underflow."""
    asml = amed = abig = 0.0
    for i in range(x.shape[0]):
        ax = abs(np.float64(x[i]))
        if ax > TBIG:
            abig += (ax * SBIG) ** 2
        elif ax < TSML:
            asml += (ax * SSML) ** 2
        else:
            amed += ax * ax  # NaN lands here and propagates
    if abig > 0.0:
        if amed > 0.0 or amed != amed:
            abig += (amed * SBIG) * SBIG
        return np.sqrt(abig) / SBIG
    if asml > 0.0:
        if amed > 0.0 or amed != amed:
            amed = np.sqrt(amed)
            asml = np.sqrt(asml) / SSML
            ymin, ymax = (amed, asml) if asml > amed else (asml, amed)
            return ymax * np.sqrt(1.0 + (ymin / ymax) ** 2)
        return np.sqrt(asml) / SSML
    return np.sqrt(amed)


@njit(**JIT_OPTIONS)
def _l2_from_sumsq(x, sumsq):
    """√sumsq when the fast sum is trustworthy, else the scaled second pass."""
    if sumsq < np.inf and sumsq >= x.shape[0] * _ACCURATE_FROM:
        return np.sqrt(sumsq)
    return blue_l2(x)


@njit(parallel=True, **JIT_OPTIONS)
def _flat(x, kind):
    """One reduction over a contiguous 1-D array, in parallel chunks."""
    n = x.shape[0]
    nchunks = max(1, (n + _CHUNK - 1) // _CHUNK)
    partial = np.empty(nchunks)
    for c in prange(nchunks):
        partial[c] = _reduce_range(x, c * _CHUNK, min(n, (c + 1) * _CHUNK), kind)
    r = partial[0]
    for c in range(1, nchunks):
        r = _combine(r, partial[c], kind)
    if kind == SUMSQ:
        return _l2_from_sumsq(x, r)
    return r


@njit(parallel=True, **JIT_OPTIONS)
def _rows(a, kind):
    """The reduction of every row of a C-contiguous matrix (l2 when kind is SUMSQ), rows in parallel."""
    m, n = a.shape
    out = np.empty(m)
    if n < 32:
        # short rows: a plain loop per row; the unrolled reducer's set-up would cost more than the row
        for i in prange(m):
            r = 0.0
            for j in range(n):
                v = np.float64(a[i, j])
                if kind == SUMSQ:
                    r += v * v
                elif kind == SUMABS:
                    r += abs(v)
                else:
                    r = _max_nan(r, abs(v))
            out[i] = r
    else:
        for i in prange(m):
            out[i] = _reduce_range(a[i], 0, n, kind)
    if kind == SUMSQ:
        for i in prange(m):
            r = out[i]
            out[i] = np.sqrt(r) if (r < np.inf and r >= n * _ACCURATE_FROM) else blue_l2(a[i])
    return out


@njit(parallel=True, **JIT_OPTIONS)
def _cols(a, kind, nblocks):
    """The reduction of every column of a C-contiguous matrix: `nblocks` blocks of rows in parallel, each
    adding into its own row of partial column results (contiguous, so the inner loop vectorises)."""
    m, n = a.shape
    rows_per = (m + nblocks - 1) // nblocks
    partial = np.zeros((nblocks, n))
    for blk in prange(nblocks):
        acc = partial[blk]
        for i in range(blk * rows_per, min(m, (blk + 1) * rows_per)):
            row = a[i]
            if kind == SUMSQ:
                for j in range(n):
                    v = np.float64(row[j])
                    acc[j] += v * v
            elif kind == SUMABS:
                for j in range(n):
                    acc[j] += abs(np.float64(row[j]))
            else:
                for j in range(n):
                    acc[j] = _max_nan(acc[j], abs(np.float64(row[j])))
    out = partial[0].copy()
    for blk in range(1, nblocks):
        for j in range(n):
            out[j] = _combine(out[j], partial[blk, j], kind)
    if kind == SUMSQ:
        for j in prange(n):
            out[j] = _l2_from_sumsq(a[:, j], out[j])
    return out


_KIND = {"l1": SUMABS, "inf": MAXABS}


def _vector_kind(ord):
    # l2, and fro / spectral / nuc, which equal l2 for a single row or column
    return _KIND.get(ord, SUMSQ)


def _reduce_vector(x, kind):
    return _flat(np.ascontiguousarray(x).reshape(-1), kind)


def _reduce_axis(a, kind, axis):
    """Per-row ("rows") or per-column ("cols") reduction, whatever the memory layout."""
    if not a.flags.c_contiguous and a.flags.f_contiguous:
        a, axis = a.T, ("cols" if axis == "rows" else "rows")  # a C-contiguous view with roles swapped
    a = np.ascontiguousarray(a)
    if axis == "rows":
        return _rows(a, kind)
    # enough blocks to keep every thread busy, few enough that the partial sums stay small
    m, n = a.shape
    nblocks = max(1, min(m, 4 * numba.get_num_threads(), a.size // 4096))
    return _cols(a, kind, nblocks)


def _singular_values(a):
    # the numba engine's own SVD (mlcalc.kernels.cpu.svd)
    from mlcalc.kernels.cpu.svd import svd
    return svd(a)[1]


def norm(a: np.ndarray, ord: str | None = None, axis: str | None = None):
    """‖a‖, same signature and meaning as mlcalc.kernels.reference.norm; float32/float64, any layout."""
    dtype = a.dtype if a.dtype in (np.float32, np.float64) else np.dtype(np.float64)
    if axis is not None:
        out = _reduce_axis(np.atleast_2d(a), _vector_kind(ord or "l2"), axis)
        return out.astype(dtype)
    if a.ndim == 1:
        return dtype.type(_reduce_vector(a, _vector_kind(ord or "l2")))
    ord = ord or "fro"
    if ord == "fro":
        r = _reduce_vector(a if a.flags.c_contiguous else a.T if a.flags.f_contiguous else a, SUMSQ)
    elif ord in ("l1", "inf"):
        # l1: largest column sum of |aᵢⱼ|; inf: largest row sum
        sums = _reduce_axis(a, SUMABS, "cols" if ord == "l1" else "rows")
        r = _flat(sums, MAXABS)
    elif ord in ("l2", "spectral"):
        r = _singular_values(a)[0]
    elif ord == "nuc":
        r = float(np.sum(_singular_values(a).astype(np.float64)))
    else:
        raise ValueError(f"unknown norm order {ord!r}")
    return dtype.type(r)


def warmup() -> None:
    for dt in (np.float32, np.float64):
        v = np.arange(1, 20, dtype=dt)
        m = v[:12].reshape(3, 4)
        for ord in ("l1", "l2", "inf"):
            norm(v, ord)
            norm(m, ord, "rows")
            norm(m, ord, "cols")
        norm(m, "fro")
        norm(m, "inf")
        norm(m, "l1")
