"""Norm kernels for the numba engine: single-pass parallel reductions (memory-bound).

L2 takes one fast pass (sum of squares in float64, reassociated so that LLVM vectorises it) and
keeps its answer when that sum is provably accurate: finite, and large enough that
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


@njit(nogil=True, cache=True, fastmath={"contract", "reassoc"})
def _sum_abs(x, lo, hi):
    """Σ|x| over x[lo:hi]. Reassociation is allowed here alone: every term is ≥ 0, so the order changes
    only the rounding (as any summation order does) and a NaN still propagates; it lets LLVM
    vectorise the reduction, which it would not do from eight scalar accumulators (2.3x faster).
    The loop runs over a view from 0: over range(lo, hi) LLVM cannot prove the index non-negative,
    keeps numba's wraparound fix-up and, for znver5 at least, no vector loop (6 GB/s instead of 39
    from memory on one core of a Zen 5 EPYC)."""
    v = x[lo:hi]
    s = 0.0
    for i in range(v.shape[0]):
        s += abs(np.float64(v[i]))
    return s


@njit(**JIT_OPTIONS)
def _reduce_range(x, lo, hi, kind):
    """Σ x² or Σ|x| over x[lo:hi] (the reassociated, vectorised sums)."""
    if kind == SUMSQ:
        return _sum_sq(x, lo, hi)
    return _sum_abs(x, lo, hi)


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


@njit(inline="always", **JIT_OPTIONS)
def _trusted(sumsq, n):
    """Whether a plain sum of squares of n values neither overflowed nor lost accuracy to underflow
    (inlined: it sits in loops that must vectorise)."""
    return sumsq < np.inf and sumsq >= n * _ACCURATE_FROM


@njit(**JIT_OPTIONS)
def _l2_from_sumsq(x, sumsq):
    """√sumsq when the fast sum is trustworthy, else the scaled second pass."""
    if _trusted(sumsq, x.shape[0]):
        return np.sqrt(sumsq)
    return blue_l2(x)


# Whole-vector reductions read _STREAMS far-apart parts of the array side by side, each task a
# chunk of every part: more read requests in flight. On an Intel Emerald Rapids host, one stream a
# core and four interleaved in one process: l2 31.6 -> 32.8 GB/s, inf 29.3 -> 32.1 on two cores (a C
# loop of AVX-512 loads there: 23 GB/s with one stream a core, 30-31 with four or eight). Only the
# order of the additions changes.
# Rows and columns do the same with four far-apart quarters of each task's block of rows (_long_rows,
# _cols, _max_bits_rows, _max_bits_cols); the columns' partial sums are then updated once for four
# rows. Zen 3 EPYC host, 2 threads, 10⁸ float64, old and new interleaved in one process, best of 15:
# l2 of every row of 100000×1000 25.9 -> 23.5 ms, of 1000000×100 27.2 -> 24.0; of every column
# 26.7 -> 23.1 and 25.6 -> 23.0; max|x| of every column 37.5 -> 23.1 and 34.5 -> 23.7 (a two-thread
# copy: 39 ms). Eight streams were no better than four (in a busier run, where the gains were 20-30 %).
_STREAMS = 4  # the four views of _reduce_streams, _sums4 and _max_bits4


@njit(**JIT_OPTIONS)
def _sums4(v0, v1, v2, v3, kind):
    """(Σ x² or Σ|x|) of each of four equal-length views, read side by side."""
    if kind == SUMSQ:
        return _sum_sq4(v0, v1, v2, v3)
    return _sum_abs4(v0, v1, v2, v3)


@njit(**JIT_OPTIONS)
def _reduce_streams(x, q, lo, hi, kind):
    """Σ x² or Σ|x| over x[s·q + lo : s·q + hi] for s < _STREAMS, the parts read side by side."""
    s0, s1, s2, s3 = _sums4(x[lo:hi], x[q + lo:q + hi], x[2 * q + lo:2 * q + hi], x[3 * q + lo:3 * q + hi], kind)
    return (s0 + s1) + (s2 + s3)


@njit(parallel=True, **JIT_OPTIONS)
def _flat(x, kind):
    """Σ x² (as l2) or Σ|x| over a contiguous 1-D array, in parallel chunks of _STREAMS parts."""
    n = x.shape[0]
    q = n // _STREAMS
    nchunks = max(1, (q + _CHUNK - 1) // _CHUNK)
    partial = np.empty(nchunks)
    for c in prange(nchunks):
        partial[c] = _reduce_streams(x, q, c * _CHUNK, min(q, (c + 1) * _CHUNK), kind)
    r = _reduce_range(x, _STREAMS * q, n, kind)  # the last n mod _STREAMS elements
    for c in range(nchunks):
        r += partial[c]
    if kind == SUMSQ:
        return _l2_from_sumsq(x, r)
    return r


@njit(nogil=True, cache=True, fastmath={"contract", "reassoc"})
def _sum_sq4(v0, v1, v2, v3):
    """Σ x² of each of four equal-length views read side by side (reassociated as _sum_sq)."""
    s0 = s1 = s2 = s3 = 0.0
    for i in range(v0.shape[0]):
        w0, w1, w2, w3 = np.float64(v0[i]), np.float64(v1[i]), np.float64(v2[i]), np.float64(v3[i])
        s0 += w0 * w0
        s1 += w1 * w1
        s2 += w2 * w2
        s3 += w3 * w3
    return s0, s1, s2, s3


@njit(nogil=True, cache=True, fastmath={"contract", "reassoc"})
def _sum_abs4(v0, v1, v2, v3):
    """Σ|x| of each of four equal-length views read side by side (reassociated as _sum_abs)."""
    s0 = s1 = s2 = s3 = 0.0
    for i in range(v0.shape[0]):
        s0 += abs(np.float64(v0[i]))
        s1 += abs(np.float64(v1[i]))
        s2 += abs(np.float64(v2[i]))
        s3 += abs(np.float64(v3[i]))
    return s0, s1, s2, s3


@njit(nogil=True, cache=True, fastmath={"contract", "reassoc"})
def _sum_sq(x, lo, hi):
    """Σ x² over x[lo:hi], reassociated and over a view for the same reasons as _sum_abs (every term
    is ≥ 0)."""
    v = x[lo:hi]
    s = 0.0
    for i in range(v.shape[0]):
        w = np.float64(v[i])
        s += w * w
    return s


_ROW_BLOCK = 256  # rows per parallel task: short rows would otherwise cost more in scheduling than in work
_SQRT_ROWS = 64


@njit(inline="always", **JIT_OPTIONS)
def _row_sum(row, kind):
    """Σ x² or Σ|x| of one row, inlined into the row loop: for short rows a call per row (the
    reassociating _sum_sq / _sum_abs) measured 2x slower than this plain loop (8 columns: 0.29 vs
    0.59 of a copy)."""
    r = 0.0
    if kind == SUMSQ:
        for j in range(row.shape[0]):
            v = np.float64(row[j])
            r += v * v
    else:
        for j in range(row.shape[0]):
            r += abs(np.float64(row[j]))
    return r


@njit(**JIT_OPTIONS)
def _sqrt_block(a, out, lo, hi):
    """out[lo:hi] holds row sums of squares: take their square roots, and redo by the scaled pass the
    rows whose sum cannot be trusted. The checks and roots are separate loops with no call in them, so
    LLVM vectorises them (one vsqrtpd per 8 rows): a scalar √ and test per row cost more than reading
    a short row (8 columns: 16 ms vs 10 ms for Σ|x| over 32M elements). They index a view from 0, so
    LLVM knows the index is never negative and drops numba's wraparound test, which would keep the
    loops scalar (checked in the assembly of _rows)."""
    n = a.shape[1]
    sums = out[lo:hi]
    bad = 0
    for j in range(sums.size):
        bad += not _trusted(sums[j], n)
    for j in range(sums.size):
        sums[j] = np.sqrt(sums[j])
    if bad:
        for i in range(lo, hi):
            if not _trusted(_row_sum(a[i], SUMSQ), n):
                out[i] = blue_l2(a[i])


@njit(**JIT_OPTIONS)
def _long_rows(flat, n, lo, hi, kind, out):
    """out[i] = Σ x² or Σ|x| of row i for lo ≤ i < hi, rows of n columns of the flat C-order matrix:
    the block's _STREAMS quarters read side by side, row k of each at a time."""
    q = max(hi - lo, 0) // _STREAMS
    for k in range(lo, lo + q):
        i1, i2, i3 = k + q, k + 2 * q, k + 3 * q
        out[k], out[i1], out[i2], out[i3] = _sums4(flat[k * n:(k + 1) * n], flat[i1 * n:(i1 + 1) * n],
                                                   flat[i2 * n:(i2 + 1) * n], flat[i3 * n:(i3 + 1) * n], kind)
    for i in range(lo + _STREAMS * q, hi):
        out[i] = _reduce_range(flat, i * n, (i + 1) * n, kind)


@njit(parallel=True, **JIT_OPTIONS)
def _rows(a, kind, out):
    """out[i] = ‖row i‖₂ or Σ|x| of row i of a C-contiguous matrix, blocks of rows in parallel; long
    rows take the reassociated (vectorised) sums four at a time (_long_rows, which tests kind once per
    four rows of 64 or more columns), short ones the inlined loop, whose tests on n and kind stay
    outside the row loops (with them inside, 8-column l2 rows ran 15 ms instead of 12)."""
    m, n = a.shape
    flat = a.reshape(-1)
    nblocks = (m + _ROW_BLOCK - 1) // _ROW_BLOCK
    for blk in prange(nblocks):
        lo, hi = blk * _ROW_BLOCK, min(m, (blk + 1) * _ROW_BLOCK)
        if n >= 64:
            _long_rows(flat, n, lo, hi, kind, out)
            if kind == SUMSQ:
                _sqrt_block(a, out, lo, hi)
        elif kind == SUMSQ:
            # roots every _SQRT_ROWS rows, not once per block: short enough that the out-of-order
            # core overlaps them with the next rows' loads (64: 12.1 ms, 256: 12.9 ms, 16: 19 ms)
            for s in range(lo, hi, _SQRT_ROWS):
                e = min(hi, s + _SQRT_ROWS)
                for i in range(s, e):
                    out[i] = _row_sum(a[i], SUMSQ)
                _sqrt_block(a, out, s, e)
        else:
            for i in range(lo, hi):
                out[i] = _row_sum(a[i], SUMABS)
    return out


# Rows of 2, 4, 8, 16 or 32 columns are summed by halving: a block of rows is a flat run, and each
# pass adds neighbours, dst[j] = src[2j] + src[2j+1], until one sum a row is left. A stride-2 pair of
# loads is what LLVM vectorises with two permutes a vector; a loop over the row (a horizontal sum a
# row), a row loop written out for 8 columns (gathers) and streamed results were slower. 12,500,000×8
# float64 on an Intel Emerald Rapids host, interleaved in one process: 55 -> 40 ms (0.33 -> 0.45
# of a two-thread copy; what is left is reading at the speed of one stream a core while the results
# are written, each line read first). The additions are pairwise: ((x0² + x1²) + (x2² + x3²)) + ...
_FOLD_COLUMNS = (2, 4, 8, 16, 32)


@njit(**JIT_OPTIONS)
def _fold_first(src, dst, kind):
    """dst[j] = src[2j]² + src[2j+1]² (or |src[2j]| + |src[2j+1]|), in float64."""
    if kind == SUMSQ:
        for j in range(dst.shape[0]):
            u, v = np.float64(src[2 * j]), np.float64(src[2 * j + 1])
            dst[j] = u * u + v * v
    else:
        for j in range(dst.shape[0]):
            dst[j] = abs(np.float64(src[2 * j])) + abs(np.float64(src[2 * j + 1]))


@njit(**JIT_OPTIONS)
def _fold(src, dst):
    """dst[j] = src[2j] + src[2j+1]."""
    for j in range(dst.shape[0]):
        dst[j] = src[2 * j] + src[2 * j + 1]


@njit(parallel=True, **JIT_OPTIONS)
def _folded_rows(a, kind, out, ntasks):
    """out[i] = ‖row i‖₂ or Σ|x| of row i for a C-contiguous matrix of _FOLD_COLUMNS columns, by halving
    (see above): ntasks tasks of consecutive rows, each with its own scratch, in blocks of _ROW_BLOCK."""
    m, n = a.shape
    flat = a.reshape(-1)
    per = (m + ntasks - 1) // ntasks
    for t in prange(ntasks):
        s1 = np.empty(_ROW_BLOCK * n // 2)
        s2 = np.empty(_ROW_BLOCK * n // 4)  # the passes after the first alternate between s1 and s2
        for lo in range(t * per, min(m, (t + 1) * per), _ROW_BLOCK):
            hi = min(m, (t + 1) * per, lo + _ROW_BLOCK)
            h = hi - lo
            src = flat[lo * n:hi * n]
            if n == 2:
                _fold_first(src, out[lo:hi], kind)
            else:
                w = n // 2
                _fold_first(src, s1[:h * w], kind)
                cur, nxt = s1, s2
                while w > 2:
                    _fold(cur[:h * w], nxt[:h * w // 2])
                    w //= 2
                    cur, nxt = nxt, cur
                _fold(cur[:2 * h], out[lo:hi])
            if kind == SUMSQ:
                _sqrt_block(a, out, lo, hi)
    return out


@njit(inline="always", **JIT_OPTIONS)
def _lane_sums(v, kind):
    """Σ x² or Σ|x| over a 1-D view in 8 lanes, v[p] into lane p % 8, as 8 scalar accumulators that
    stay in registers (the sums of a few columns in a partial row in memory waited, row after row,
    on the previous row's stores: 12,500,000×8 at 0.81 of a copy; in lanes 1.06)."""
    s0 = s1 = s2 = s3 = s4 = s5 = s6 = s7 = 0.0
    full = v.shape[0] // 8
    if kind == SUMSQ:
        for i in range(full):
            x0 = np.float64(v[8 * i]); x1 = np.float64(v[8 * i + 1])
            x2 = np.float64(v[8 * i + 2]); x3 = np.float64(v[8 * i + 3])
            x4 = np.float64(v[8 * i + 4]); x5 = np.float64(v[8 * i + 5])
            x6 = np.float64(v[8 * i + 6]); x7 = np.float64(v[8 * i + 7])
            s0 += x0 * x0; s1 += x1 * x1; s2 += x2 * x2; s3 += x3 * x3
            s4 += x4 * x4; s5 += x5 * x5; s6 += x6 * x6; s7 += x7 * x7
    else:
        for i in range(full):
            s0 += abs(np.float64(v[8 * i])); s1 += abs(np.float64(v[8 * i + 1]))
            s2 += abs(np.float64(v[8 * i + 2])); s3 += abs(np.float64(v[8 * i + 3]))
            s4 += abs(np.float64(v[8 * i + 4])); s5 += abs(np.float64(v[8 * i + 5]))
            s6 += abs(np.float64(v[8 * i + 6])); s7 += abs(np.float64(v[8 * i + 7]))
    lanes = np.array([s0, s1, s2, s3, s4, s5, s6, s7])
    for p in range(full * 8, v.shape[0]):  # the last < 8 elements
        w = np.float64(v[p])
        lanes[p % 8] += w * w if kind == SUMSQ else abs(w)
    return lanes


@njit(parallel=True, **JIT_OPTIONS)
def _cols(a, kind, nblocks):
    """Σ x² (as l2) or Σ|x| of every column of a C-contiguous matrix: `nblocks` blocks of rows in parallel, each
    adding into its own row of partial column results (contiguous, so the inner loop vectorises)."""
    m, n = a.shape
    rows_per = (m + nblocks - 1) // nblocks
    partial = np.zeros((nblocks, n))
    flat = a.reshape(-1)
    for blk in prange(nblocks):
        acc = partial[blk]
        lo, hi = blk * rows_per, min(m, (blk + 1) * rows_per)
        if 8 % n == 0:
            # 1, 2, 4 or 8 columns: the block's elements as one flat run in 8 lanes; element p of
            # the run is in column p % n, so lane l holds part of column l % n
            if hi > lo:
                lanes = _lane_sums(flat[lo * n:hi * n], kind)
                for lane in range(8):
                    acc[lane % n] += lanes[lane]
            continue
        # the block's _STREAMS quarters side by side, a row of each at a time (as _long_rows); the last
        # blocks may be empty (lo > hi), where a negative q would run the tail loop over earlier rows
        q = max(hi - lo, 0) // _STREAMS
        for k in range(lo, lo + q):
            r0, r1, r2, r3 = a[k], a[k + q], a[k + 2 * q], a[k + 3 * q]
            if kind == SUMSQ:
                for j in range(n):
                    v0, v1, v2, v3 = np.float64(r0[j]), np.float64(r1[j]), np.float64(r2[j]), np.float64(r3[j])
                    acc[j] += (v0 * v0 + v1 * v1) + (v2 * v2 + v3 * v3)
            else:
                for j in range(n):
                    acc[j] += ((abs(np.float64(r0[j])) + abs(np.float64(r1[j])))
                               + (abs(np.float64(r2[j])) + abs(np.float64(r3[j]))))
        for i in range(lo + _STREAMS * q, hi):
            row = a[i]
            if kind == SUMSQ:
                for j in range(n):
                    v = np.float64(row[j])
                    acc[j] += v * v
            else:
                for j in range(n):
                    acc[j] += abs(np.float64(row[j]))
    out = partial[0].copy()
    for blk in range(1, nblocks):
        for j in range(n):
            out[j] += partial[blk, j]
    if kind == SUMSQ:
        for j in prange(n):
            out[j] = _l2_from_sumsq(a[:, j], out[j])
    return out


# ---------------------------------------------------------------- max |x|
# For x ≥ 0 the IEEE bit patterns, read as integers, sort as the values do, and every NaN sorts above
# +inf. So max|x| is an integer max of the bits with the sign bit cleared: it propagates NaN as
# NumPy's max does, and unlike a float max with a NaN test it vectorises without fast-math (a float
# version ran at 0.39 of a STREAM copy, this one at about 2x).


@njit(**JIT_OPTIONS)
def _max_bits_of(bits, lo, hi, mask):
    """max of bits & mask over bits[lo:hi] (0 when empty), over a view from 0 as in _sum_abs."""
    w = bits[lo:hi]
    best = mask - mask
    for i in range(w.shape[0]):
        v = w[i] & mask
        best = v if v > best else best
    return best


@njit(**JIT_OPTIONS)
def _max_bits4(w0, w1, w2, w3, mask):
    """max of bits & mask over each of four equal-length views, read side by side (_max_bits, _max_bits_rows)."""
    b0 = b1 = b2 = b3 = mask - mask
    for i in range(w0.shape[0]):
        v0, v1, v2, v3 = w0[i] & mask, w1[i] & mask, w2[i] & mask, w3[i] & mask
        b0 = v0 if v0 > b0 else b0
        b1 = v1 if v1 > b1 else b1
        b2 = v2 if v2 > b2 else b2
        b3 = v3 if v3 > b3 else b3
    return b0, b1, b2, b3


@njit(parallel=True, **JIT_OPTIONS)
def _max_bits(bits, mask):
    """max of bits & mask over a 1-D integer view, in parallel chunks of _STREAMS parts (as _flat)."""
    n = bits.shape[0]
    q = n // _STREAMS
    nchunks = max(1, (q + _CHUNK - 1) // _CHUNK)
    partial = np.empty(nchunks, dtype=bits.dtype)
    for c in prange(nchunks):
        lo, hi = c * _CHUNK, min(q, (c + 1) * _CHUNK)
        b0, b1, b2, b3 = _max_bits4(bits[lo:hi], bits[q + lo:q + hi], bits[2 * q + lo:2 * q + hi],
                                    bits[3 * q + lo:3 * q + hi], mask)
        partial[c] = max(max(b0, b1), max(b2, b3))
    best = _max_bits_of(bits, _STREAMS * q, n, mask)
    for c in range(nchunks):
        best = partial[c] if partial[c] > best else best
    return best


@njit(parallel=True, **JIT_OPTIONS)
def _max_bits_rows(bits, mask, out):
    """The same for every row of a C-contiguous matrix (rows as ranges of the flat array, see _rows)."""
    m, n = bits.shape
    flat = bits.reshape(-1)
    nblocks = (m + _ROW_BLOCK - 1) // _ROW_BLOCK
    for blk in prange(nblocks):
        lo, hi = blk * _ROW_BLOCK, min(m, (blk + 1) * _ROW_BLOCK)
        if n >= 64:
            q = (hi - lo) // _STREAMS  # the block's quarters side by side, as _long_rows
            for k in range(lo, lo + q):
                i1, i2, i3 = k + q, k + 2 * q, k + 3 * q
                out[k], out[i1], out[i2], out[i3] = _max_bits4(flat[k * n:(k + 1) * n], flat[i1 * n:(i1 + 1) * n],
                                                               flat[i2 * n:(i2 + 1) * n], flat[i3 * n:(i3 + 1) * n], mask)
            for i in range(lo + _STREAMS * q, hi):
                out[i] = _max_bits_of(flat, i * n, (i + 1) * n, mask)
        else:
            # short rows inline, as in _rows: a call per 8-column row doubled the time (and
            # inline="always" on _max_bits_of breaks numba's parfor reduction analysis in _max_bits)
            for i in range(lo, hi):
                row = bits[i]
                best = mask - mask
                for j in range(n):
                    v = row[j] & mask
                    best = v if v > best else best
                out[i] = best
    return out


@njit(parallel=True, **JIT_OPTIONS)
def _max_bits_cols(bits, mask, nblocks):
    m, n = bits.shape
    rows_per = (m + nblocks - 1) // nblocks
    partial = np.zeros((nblocks, n), dtype=bits.dtype)
    for blk in prange(nblocks):
        acc = partial[blk]
        lo, hi = blk * rows_per, min(m, (blk + 1) * rows_per)
        q = max(hi - lo, 0) // _STREAMS  # the block's quarters side by side, as in _cols (an empty last block: 0)
        for k in range(lo, lo + q):
            r0, r1, r2, r3 = bits[k], bits[k + q], bits[k + 2 * q], bits[k + 3 * q]
            for j in range(n):
                v = max(max(r0[j] & mask, r1[j] & mask), max(r2[j] & mask, r3[j] & mask))
                acc[j] = v if v > acc[j] else acc[j]
        for i in range(lo + _STREAMS * q, hi):
            for j in range(n):
                v = bits[i, j] & mask
                acc[j] = v if v > acc[j] else acc[j]
    out = partial[0].copy()
    for blk in range(1, nblocks):
        for j in range(n):
            out[j] = partial[blk, j] if partial[blk, j] > out[j] else out[j]
    return out


def _as_bits(a):
    """(integer view of a float32/float64 array, the mask that clears the sign bit); other dtypes as float64."""
    if a.dtype == np.float32:
        return a.view(np.int32), np.int32(0x7FFFFFFF)
    return a.astype(np.float64, copy=False).view(np.int64), np.int64(0x7FFFFFFFFFFFFFFF)


def _bits_to_float(bits):
    return np.asarray(bits).view(np.float32 if bits.dtype == np.int32 else np.float64).astype(np.float64, copy=False)


def _max_abs(x) -> float:
    bits, mask = _as_bits(np.ascontiguousarray(x).reshape(-1))
    return float(_bits_to_float(np.array(_max_bits(bits, mask), dtype=bits.dtype)))


_KIND = {"l1": SUMABS, "inf": MAXABS}


def _vector_kind(ord):
    # l2, and fro / spectral / nuc, which equal l2 for a single row or column
    return _KIND.get(ord, SUMSQ)


def _reduce_vector(x, kind):
    if kind == MAXABS:
        return _max_abs(x)
    return _flat(np.ascontiguousarray(x).reshape(-1), kind)


def _reduce_axis(a, kind, axis):
    """Per-row ("rows") or per-column ("cols") reduction, whatever the memory layout."""
    if not a.flags.c_contiguous and a.flags.f_contiguous:
        a, axis = a.T, ("cols" if axis == "rows" else "rows")  # a C-contiguous view with roles swapped
    a = np.ascontiguousarray(a)
    # columns: enough blocks to keep up to 32 threads busy, few enough that the partial sums stay small
    # (32 MB, or one block's row of them); not counted from the threads, so that the sums' order, and
    # their last bits, do not change with --threads or from one machine to another
    m, n = a.shape
    nblocks = max(1, min(m, 32, a.size // 4096, (1 << 22) // max(n, 1)))
    # a row result is allocated here, not in the kernel: NumPy asks for huge pages for large
    # arrays, numba's allocator does not, and first-touching 4 KiB pages cost more than the
    # sums (100 MB of results: 37 ms from numba's allocator, 17 ms from NumPy's)
    if kind == MAXABS:
        bits, mask = _as_bits(a)
        if axis == "rows":
            return _bits_to_float(_max_bits_rows(bits, mask, np.empty(m, dtype=bits.dtype)))
        return _bits_to_float(_max_bits_cols(bits, mask, nblocks))
    if axis == "rows":
        return row_norms(a, kind, np.empty(m))
    return _cols(a, kind, nblocks)


def row_norms(a, kind, out):
    """out[i] = ‖row i‖₂ (kind SUMSQ) or Σ|x| of row i (SUMABS) of a C-contiguous matrix: rows of
    _FOLD_COLUMNS columns by halving, others by _rows."""
    m, n = a.shape
    if n in _FOLD_COLUMNS:
        return _folded_rows(a, kind, out, max(1, min(-(-m // _ROW_BLOCK), 8 * numba.get_num_threads())))
    return _rows(a, kind, out)


def _singular_values(a):
    # the numba engine's own SVD (mlcalc.kernels.cpu.svd)
    from mlcalc.kernels.cpu.svd import svd
    return svd(a)[1]


def norm(a: np.ndarray, ord: str | None = None, axis: str | None = None):
    """‖a‖, same signature and meaning as mlcalc.kernels.reference.norm; float32/float64, any layout."""
    dtype = a.dtype if a.dtype in (np.float32, np.float64) else np.dtype(np.float64)
    if axis is not None:
        out = _reduce_axis(np.atleast_2d(a), _vector_kind(ord or "l2"), axis)
        return out.astype(dtype, copy=False)
    if a.ndim == 1:
        return dtype.type(_reduce_vector(a, _vector_kind(ord or "l2")))
    ord = ord or "fro"
    if ord == "fro":
        r = _reduce_vector(a if a.flags.c_contiguous else a.T if a.flags.f_contiguous else a, SUMSQ)
    elif ord in ("l1", "inf"):
        # l1: largest column sum of |aᵢⱼ|; inf: largest row sum
        sums = _reduce_axis(a, SUMABS, "cols" if ord == "l1" else "rows")
        r = _max_abs(sums)
    elif ord in ("l2", "spectral"):
        r = _singular_values(a)[0] if a.size else 0.0  # an empty matrix has no singular values: 0, as NumPy
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
            norm(m, ord, "rows")  # 4 columns: by halving (_folded_rows)
            norm(v[:15].reshape(3, 5), ord, "rows")  # any other width: _rows
            norm(m, ord, "cols")
        norm(m, "fro")
        norm(m, "inf")
        norm(m, "l1")
