"""numba kernels of the large-CSV reader (mlcalc.io.csvfast imports this module only when used).

Numbers are read as csvparse's grammar says ([+-]? digits with optional '.', exponent; inf,
infinity, nan in any case) and converted with Clinger's fast path or Eisel-Lemire, which give the
correctly rounded double, bit for bit what Python's float() gives. Everything else is recorded as a
fallback cell for Python to judge.
"""

from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba import njit, prange
from numba.core import types
from numba.cpython.unsafe.numbers import leading_zeros, trailing_zeros
from numba.extending import intrinsic

from mlcalc import jitcache
from mlcalc.config import JIT_OPTIONS

jitcache.install()  # before the first @njit: the cache's keys (csvfast has run config.apply())

U64 = np.uint64
MAX64 = U64(0xFFFFFFFFFFFFFFFF)
INF_BITS = U64(0x7FF0000000000000)
SIGN_BIT = U64(1 << 63)
SMALLEST_Q = -342   # below: the value rounds to zero whatever its 19 digits
LARGEST_Q = 308     # above: infinity


def _powers_of_five():
    """128-bit truncated 5**q, normalised to a set top bit, q in [-342, 308] (fast_float's table)."""
    hi, lo = [], []
    for q in range(SMALLEST_Q, LARGEST_Q + 1):
        if q < 0:
            p5 = 5 ** -q
            z = p5.bit_length()
            if (1 << (z - 1)) == p5:
                z -= 1  # z: smallest with 2**z >= 5**-q
            if q >= -27:
                c = 2 ** (z + 127) // p5 + 1
            else:
                c = 2 ** (2 * z + 128) // p5 + 1
                while c >= 1 << 128:
                    c //= 2
        else:
            c = 5 ** q
            while c < 1 << 127:
                c *= 2
            while c >= 1 << 128:
                c //= 2
        hi.append(c >> 64)
        lo.append(c & ((1 << 64) - 1))
    return np.array(hi, dtype=np.uint64), np.array(lo, dtype=np.uint64)


POW5_HI, POW5_LO = _powers_of_five()
POW10 = np.array([10.0 ** i for i in range(23)])  # exact doubles: Clinger's fast path
_POW10_INT = np.array([10 ** i for i in range(9)], dtype=np.uint64)  # 10**k for a run of k digits


@intrinsic
def _mul128(typingctx, a, b):
    """(high, low) 64-bit halves of the 128-bit product of two uint64: LLVM's i128 multiply, one
    `mul` on x86-64, where four 32-bit products and their carries took ~15 instructions."""
    if a != types.uint64 or b != types.uint64:
        return None
    sig = types.UniTuple(types.uint64, 2)(a, b)

    def codegen(context, builder, signature, args):
        i64, i128 = ir.IntType(64), ir.IntType(128)
        p = builder.mul(builder.zext(args[0], i128), builder.zext(args[1], i128))
        hi = builder.trunc(builder.lshr(p, ir.Constant(i128, 64)), i64)
        return context.make_tuple(builder, signature.return_type, (hi, builder.trunc(p, i64)))

    return sig, codegen


@njit(inline="always", **JIT_OPTIONS)
def _eisel_lemire(w, q, pow_hi, pow_lo):
    """Bits of w * 10**q (w > 0) correctly rounded; ok=False when the 128-bit product cannot decide."""
    if q < SMALLEST_Q:
        return U64(0), True
    if q > LARGEST_Q:
        return INF_BITS, True
    lz = np.int64(leading_zeros(w))  # llvm.ctlz: one instruction (w > 0)
    w = w << U64(lz)
    idx = q - SMALLEST_Q
    hi, lo = _mul128(w, pow_hi[idx])
    if (hi & U64(0x1FF)) == U64(0x1FF):
        hi2, lo2 = _mul128(w, pow_lo[idx])
        lo = lo + hi2
        if hi2 > lo:
            hi = hi + U64(1)
        if (hi & U64(0x1FF)) == U64(0x1FF) and lo == MAX64:
            return U64(0), False  # the truncated power could still carry into the rounding bits
    upper = np.int64(hi >> U64(63))
    shift = upper + 9
    m = hi >> U64(shift)
    p2 = (((152170 + 65536) * q) >> 16) + 63 + upper - lz + 1023
    if p2 <= 0:  # subnormal
        if -p2 + 1 >= 64:
            return U64(0), True
        m = m >> U64(-p2 + 1)
        m = m + (m & U64(1))
        m = m >> U64(1)
        return m, True  # 2**52 after rounding up is the smallest normal: its bits are the same
    # exactly half way between two doubles: round to even
    if lo <= U64(1) and q >= -4 and q <= 23 and (m & U64(3)) == U64(1):
        if (m << U64(shift)) == hi:
            m = m & ~U64(1)
    m = m + (m & U64(1))
    m = m >> U64(1)
    if m >= U64(1 << 53):
        m = U64(1 << 52)
        p2 += 1
    if p2 >= 2047:
        return INF_BITS, True
    return (U64(p2) << U64(52)) | (m & ~U64(1 << 52)), True


@njit(inline="always", **JIT_OPTIONS)
def _lower(b):
    return np.int64(b) | 32


@intrinsic
def _ptr(typingctx, arr):
    """The data pointer of a C-contiguous array. The hot loop indexes pointers, not arrays: an array
    handed to an inlined helper is reference-counted per call (NRT incref/decref, atomic `lock`
    instructions on a counter both threads share: they serialised the threads), and an array index
    carries numba's negative-index test. The caller keeps the array alive and the index in range."""
    if not isinstance(arr, types.Array) or arr.layout != "C":
        return None
    sig = types.CPointer(arr.dtype)(arr)

    def codegen(context, builder, signature, args):
        return context.make_array(signature.args[0])(context, builder, args[0]).data

    return sig, codegen


@intrinsic
def _load8(typingctx, p, i):
    """p[i:i+8] as one little-endian uint64 (an unaligned load; the caller keeps i + 8 in range)."""
    if p != types.CPointer(types.uint8) or not isinstance(i, types.Integer):
        return None
    sig = types.uint64(p, i)

    def codegen(context, builder, signature, args):
        idx = context.cast(builder, args[1], signature.args[1], types.intp)
        ptr = builder.bitcast(builder.gep(args[0], [idx]), ir.IntType(64).as_pointer())
        return builder.load(ptr, align=1)

    return sig, codegen


@njit(inline="always", **JIT_OPTIONS)
def _eight_value(v):
    """The number 8 ASCII digits loaded little-endian spell: 3 multiplies where digit by digit
    takes 8 dependent multiply-adds (fast_float's parse_eight_digits_unrolled)."""
    mask = U64(0x000000FF000000FF)
    v = v - U64(0x3030303030303030)
    v = (v * U64(10)) + (v >> U64(8))
    return (((v & mask) * U64(0x000F424000000064)) + (((v >> U64(16)) & mask) * U64(0x0000271000000001))) >> U64(32)


@njit(inline="always", **JIT_OPTIONS)
def _digit_run(v):
    """How many of the 8 bytes of v, from the first (lowest), are ASCII digits: fast_float's test of
    8 digits at once (a digit byte becomes 0x33), then the first failing byte by its trailing zero
    bits. (A carry of the + 6 can only spoil the bytes after a non-digit, which are not counted.)"""
    x = ((v & U64(0xF0F0F0F0F0F0F0F0)) | (((v + U64(0x0606060606060606)) & U64(0xF0F0F0F0F0F0F0F0)) >> U64(4))) \
        ^ U64(0x3333333333333333)
    if x == U64(0):
        return 8
    return np.int64(trailing_zeros(x)) >> 3


@njit(inline="always", **JIT_OPTIONS)
def _digits(buf, i, e, w):
    """(w with the digits at buf[i:] appended, end): 8 bytes at a time, and the last 1-7 digits of a
    run as the tail of an 8-digit word instead of a loop over them, whose exit depends on each
    number's length (one thread, old and new interleaved, 4 MB files: repr() doubles 366 -> 394 MB/s,
    one-digit cells 123 -> 143); one by one only in the last 8 bytes before e. w wraps past 19
    digits; the caller counts digits and gives such numbers to Python."""
    while i + 8 <= e:
        v = _load8(buf, i)
        k = _digit_run(v)
        if k == 8:
            w = w * U64(100000000) + _eight_value(v)
            i += 8
            continue
        if k > 0:
            # the k digits after 8 - k '0's: shifted up, '0' bytes in from below
            sh = U64(8 * (8 - k))
            w = w * _POW10_INT[k] + _eight_value((v << sh) | (U64(0x3030303030303030) >> U64(8 * k)))
            i += k
        return w, i
    while i < e:
        d = U64(buf[i]) - U64(48)  # wraps for bytes below '0': one unsigned compare
        if d > U64(9):
            break
        w = w * U64(10) + d
        i += 1
    return w, i


@njit(inline="always", **JIT_OPTIONS)
def _parse_number(buf, i, e, pow_hi, pow_lo, pow10):
    """(kind, value, bits, end) of the number at buf[i:]: kind 1 gives the value, 2 its bit pattern,
    0 means let Python read the cell.

    Inlined into the row loop (no call, no tuple in memory). Leading zeros are skipped first, so
    every digit after them is significant and the digit loops need no per-digit test: their count
    (end - start) says whether w holds them all (<= 19)."""
    neg = False
    if i < e and (buf[i] == 43 or buf[i] == 45):
        neg = buf[i] == 45
        i += 1
    s0 = i
    while i < e and buf[i] == 48:
        i += 1
    s = i
    w, i = _digits(buf, i, e, U64(0))
    nd = i - s        # significant digits in w
    anydig = i > s0   # digits of any kind, leading zeros included
    q = 0
    if i < e and buf[i] == 46:
        i += 1
        f0 = i
        if nd == 0:  # 0.000123: zeros after the point only move it
            while i < e and buf[i] == 48:
                i += 1
        f = i
        w, i = _digits(buf, i, e, w)
        nd += i - f
        q = f0 - i
        anydig = anydig or i > f0
    if not anydig:
        # inf, infinity, nan (any case), straight after the sign: '.' alone or '.inf' is no number
        i = s0
        if i + 3 <= e and _lower(buf[i]) == 105 and _lower(buf[i + 1]) == 110 and _lower(buf[i + 2]) == 102:
            i += 3
            if (i + 5 <= e and _lower(buf[i]) == 105 and _lower(buf[i + 1]) == 110 and _lower(buf[i + 2]) == 105
                    and _lower(buf[i + 3]) == 116 and _lower(buf[i + 4]) == 121):
                i += 5
            v = np.inf
        elif i + 3 <= e and _lower(buf[i]) == 110 and _lower(buf[i + 1]) == 97 and _lower(buf[i + 2]) == 110:
            i += 3
            v = np.nan
        else:
            return 0, 0.0, U64(0), i
        return 1, (-v if neg else v), U64(0), i
    if nd > 19:
        return 0, 0.0, U64(0), i  # more than w holds: Python reads it
    if i < e and _lower(buf[i]) == 101:
        j = i + 1
        eneg = False
        if j < e and (buf[j] == 43 or buf[j] == 45):
            eneg = buf[j] == 45
            j += 1
        ex = 0
        nex = 0
        while j < e:
            d = np.int64(buf[j]) - 48
            if d < 0 or d > 9:
                break
            if ex < 100000:
                ex = ex * 10 + d
            nex += 1
            j += 1
        if nex == 0 or ex >= 100000:  # a 6-digit exponent stopped collecting digits: "0.<10⁶ zeros>1e1000005"
            return 0, 0.0, U64(0), j    # is 10⁴, not 0, so Python reads such a cell
        q += -ex if eneg else ex
        i = j
    if w == U64(0):
        return 1, (-0.0 if neg else 0.0), U64(0), i
    if -22 <= q <= 22 and w <= U64(1 << 53):
        v = float(w)  # exact; one correctly rounded operation
        v = v * pow10[q] if q >= 0 else v / pow10[-q]
        return 1, (-v if neg else v), U64(0), i
    bits, ok = _eisel_lemire(w, q, pow_hi, pow_lo)
    if not ok:
        return 0, 0.0, U64(0), i
    return 2, 0.0, (bits | SIGN_BIT if neg else bits), i


@njit(inline="always", **JIT_OPTIONS)
def _blank(b, delim):
    """Whitespace that str.strip() removes inside a line (other odd bytes end up in fallback cells)."""
    return (b == 32 or b == 9 or b == 13) and b != delim


@njit(inline="always", **JIT_OPTIONS)
def _lone_cr(buf, i, n):
    """A CR not followed by LF: str.splitlines() ends a line there, the kernel would not (n: the
    buffer's length)."""
    return buf[i] == 13 and (i + 1 >= n or buf[i + 1] != 10)


@njit(**JIT_OPTIONS)
def _count_newlines(buf, start, end):
    """Line ends in buf[start:end]. Indexed from 0 over a slice: with `for i in range(start, end)`
    the index may be negative as far as LLVM knows, numba's wraparound test stays in the loop and
    it is not vectorised (74 ms for 100 MB on one thread, 16 ms this way)."""
    b = buf[start:end]
    c = 0
    for i in range(len(b)):
        c += b[i] == 10
    return c


@njit(parallel=True, **JIT_OPTIONS)
def count_newlines(buf, starts, ends, counts):
    """Line ends per chunk: a bound on its data rows."""
    for k in prange(len(starts)):
        counts[k] = _count_newlines(buf, starts[k], ends[k])


@njit(parallel=True, **JIT_OPTIONS)
def parse_rows(buf, starts, ends, row0, ncols, delim, out, outbits, nrows, fb, fbn, bad, pow_hi, pow_lo, pow10):
    """Parse the data rows of chunk k into out[row0[k]:], nrows[k] of them. Cells the kernel does not
    read go to fb[k] as (row, col, start, end), fbn[k] their count (which may exceed the room).
    bad[k]: 1 a ragged row, 2 a line for csvparse to judge (a byte it would split lines at: lone CR, odd byte
    in a comment; a comment that may be a spreadsheet error cell)."""
    for k in prange(len(starts)):
        _parse_chunk(buf, k, starts[k], ends[k], row0[k], ncols, delim, out, outbits, nrows, fb, fbn, bad,
                     pow_hi, pow_lo, pow10)


@njit(**JIT_OPTIONS)
def _parse_chunk(buf, k, i, e, r, ncols, delim, out, outbits, nrows, fb, fbn, bad, pow_hi, pow_lo, pow10):
    """parse_rows' work on chunk k, buf[i:e], rows from r. A plain function called from the prange
    body: compiled as a parfor body, the same loop ran markedly slower (see count_newlines)."""
    r0 = r
    cap = fb.shape[1]
    # pointers, not arrays, in the hot loop (see _ptr); out and outbits are C-contiguous (rows, ncols)
    n = len(buf)
    p = _ptr(buf)
    po = _ptr(out)
    pb = _ptr(outbits)
    ph = _ptr(pow_hi)
    pl = _ptr(pow_lo)
    p10 = _ptr(pow10)
    nf = 0
    while i < e:
        while i < e and (p[i] == 32 or p[i] == 9 or p[i] == 13):
            if _lone_cr(p, i, n):
                bad[k] = 2
            i += 1
        if i >= e:
            break
        if p[i] == 10:
            i += 1
            continue
        if p[i] == 35:
            # a comment: skipped, but a control or non-ASCII byte could be a line end to csvparse, and
            # a spreadsheet's error value ("#N/A,3", "#DIV/0!") starts a row of data there: csvparse
            # decides a '#' followed by one of their initials
            if i + 1 < e:
                c = p[i + 1]
                if c == 78 or c == 68 or c == 86 or c == 82 or c == 83 or c == 67:  # N D V R S C
                    bad[k] = 2
            while i < e and p[i] != 10:
                b = p[i]
                if (b < 32 and b != 9 and b != 13) or b >= 128 or _lone_cr(p, i, n):
                    bad[k] = 2
                i += 1
            i += 1
            continue
        col = 0
        while True:
            cs = i
            kind, v, bits, j = _parse_number(p, i, e, ph, pl, p10)
            ok = kind != 0
            if ok:
                if delim == 0:
                    ok = j >= e or p[j] == 10 or _blank(p[j], 0)
                else:
                    while j < e and _blank(p[j], delim):
                        if _lone_cr(p, j, n):
                            bad[k] = 2
                        j += 1
                    ok = j >= e or p[j] == 10 or p[j] == delim
            if ok:
                if col < ncols:
                    if kind == 1:
                        po[r * ncols + col] = v
                    else:
                        pb[r * ncols + col] = bits
                i = j
            else:
                # the cell's extent as csvparse splits it, for Python to read or reject
                j = cs
                if delim == 0:
                    while j < e and p[j] != 10 and not _blank(p[j], 0):
                        j += 1
                    ce = j
                else:
                    while j < e and p[j] != 10 and p[j] != delim:
                        if _lone_cr(p, j, n):  # inside or after the cell ("1/3\r,2"): a line end to csvparse
                            bad[k] = 2
                        j += 1
                    ce = j
                    while ce > cs and _blank(p[ce - 1], delim):
                        ce -= 1
                if col < ncols:
                    if nf < cap:
                        fb[k, nf, 0] = r
                        fb[k, nf, 1] = col
                        fb[k, nf, 2] = cs
                        fb[k, nf, 3] = ce
                    nf += 1
                    po[r * ncols + col] = np.nan
                i = j
            col += 1
            # now at a delimiter, a blank (whitespace mode) or the line end
            if delim == 0:
                while i < e and _blank(p[i], 0):
                    if _lone_cr(p, i, n):
                        bad[k] = 2
                    i += 1
                if i >= e or p[i] == 10:
                    break
            else:
                if i >= e or p[i] == 10:
                    break
                i += 1  # the delimiter
                while i < e and _blank(p[i], delim):
                    if _lone_cr(p, i, n):
                        bad[k] = 2
                    i += 1
                if delim == 9 and (i >= e or p[i] == 10 or p[i] == 9):
                    # csvparse strips the line first: trailing tabs end it, they make no cells
                    j = i
                    while j < e and (p[j] == 32 or p[j] == 9 or p[j] == 13):
                        if _lone_cr(p, j, n):
                            bad[k] = 2
                        j += 1
                    if j >= e or p[j] == 10:
                        i = j
                        break
        i += 1  # past the '\n'
        if col != ncols:
            bad[k] = 1
            break
        r += 1
    nrows[k] = r - r0
    fbn[k] = nf
