"""numba kernels of csvfast.py (imported only when a large file is read). Compiled WITHOUT fastmath:
the double-double products below are error-free transformations that FMA contraction would break."""

import math

import numpy as np
from numba import get_num_threads, njit, prange

_OPTS = dict(cache=True, nogil=True)
_POW_RANGE = 300
_POW_HI = np.zeros(2 * _POW_RANGE + 1)
_POW_LO = np.zeros(2 * _POW_RANGE + 1)
_EXACT = np.array([10.0 ** i for i in range(23)])  # exactly representable powers of ten

OK, BAD, TOO_MANY_SLOW = 0, 1, 2


def set_powers(hi, lo):
    _POW_HI[:] = hi
    _POW_LO[:] = lo


def num_threads():
    return get_num_threads()


@njit(**_OPTS)
def chunk_bounds(data, start, nchunks):
    """Chunk edges just after a newline, so every chunk holds whole lines."""
    n = data.shape[0]
    bounds = np.empty(nchunks + 1, dtype=np.int64)
    bounds[0] = start
    for c in range(1, nchunks):
        pos = max(start + (n - start) * c // nchunks, bounds[c - 1])
        while pos < n and data[pos - 1] != 10:
            pos += 1
        bounds[c] = pos
    bounds[nchunks] = n
    return bounds


@njit(**_OPTS)
def _is_data_line(data, pos, end):
    """First non-blank byte of the line: data unless the line is blank or a # comment."""
    while pos < end and (data[pos] == 32 or data[pos] == 9 or data[pos] == 13):
        pos += 1
    return pos < end and data[pos] != 10 and data[pos] != 35


@njit(parallel=True, **_OPTS)
def count_rows(data, bounds):
    nchunks = bounds.shape[0] - 1
    counts = np.zeros(nchunks, dtype=np.int64)
    for c in prange(nchunks):
        pos, end = bounds[c], bounds[c + 1]
        rows = 0
        while pos < end:
            if _is_data_line(data, pos, end):
                rows += 1
            while pos < end and data[pos] != 10:
                pos += 1
            pos += 1
        counts[c] = rows
    return counts


@njit(**_OPTS)
def _two_prod(a, b):
    """(p, e) with p + e = a·b exactly (Dekker/Veltkamp splitting, no FMA needed)."""
    p = a * b
    t = 134217729.0 * a
    ah = t - (t - a)
    al = a - ah
    t = 134217729.0 * b
    bh = t - (t - b)
    bl = b - bh
    e = ((ah * bh - p) + ah * bl + al * bh) + al * bl
    return p, e


@njit(**_OPTS)
def _decimal_to_double(mant, exp10, pow_hi, pow_lo):
    """mant·10^exp10 correctly rounded, or NaN with ok=False when it cannot be decided here."""
    if mant == 0:
        return 0.0, True
    if mant <= 9007199254740992 and -22 <= exp10 <= 22:  # Clinger: both exact, one rounding
        m = float(mant)
        return (m * _EXACT[exp10] if exp10 >= 0 else m / _EXACT[-exp10]), True
    if exp10 < -290 or exp10 > 290:
        return np.nan, False  # near the ends of the range (subnormals, overflow): Python decides
    m_hi = float(mant)
    m_lo = float(np.int64(mant - np.uint64(m_hi))) if m_hi < 9.2e18 else np.nan
    if m_lo != m_lo:
        return np.nan, False
    p_hi, p_lo = pow_hi[exp10 + _POW_RANGE], pow_lo[exp10 + _POW_RANGE]
    x, y = _two_prod(m_hi, p_hi)
    y += m_hi * p_lo + m_lo * p_hi  # the cross terms, each ~2^-53 of x: their rounding is far below
    s = x + y                       # a double-double (s, t) of the exact product, error ~2^-100·|s|
    t = y - (s - x)
    # round s + t to a double twice, with t nudged by more than the error both ways: if both agree,
    # so does the exact value (powers of two, where the ulp below is half, included: the additions
    # are real double additions); if not, the value sits on a rounding boundary and Python decides
    delta = abs(s) * 2.0 ** -90
    up = s + (t + delta)
    down = s + (t - delta)
    if up != down:
        return np.nan, False
    return up, True


@njit(**_OPTS)
def _lower(b):
    return b | 32 if 65 <= b <= 90 else b


@njit(**_OPTS)
def _word(data, pos, end, text):
    """Does `text` (lower-case bytes) start at pos?"""
    if pos + len(text) > end:
        return False
    for i in range(len(text)):
        if _lower(data[pos + i]) != text[i]:
            return False
    return True


@njit(**_OPTS)
def _parse_number(data, pos, end, pow_hi, pow_lo):
    """(value, next position, status): status 0 ok, 1 not a number here, 2 a number Python must read."""
    neg = False
    if pos < end and (data[pos] == 45 or data[pos] == 43):
        neg = data[pos] == 45
        pos += 1
    if pos < end and (_lower(data[pos]) == 110 or _lower(data[pos]) == 105):
        if _word(data, pos, end, np.array([105, 110, 102, 105, 110, 105, 116, 121], dtype=np.uint8)):
            return (-np.inf if neg else np.inf), pos + 8, 0
        if _word(data, pos, end, np.array([105, 110, 102], dtype=np.uint8)):
            return (-np.inf if neg else np.inf), pos + 3, 0
        if _word(data, pos, end, np.array([110, 97, 110], dtype=np.uint8)):
            return np.nan, pos + 3, 0
        return 0.0, pos, 1
    mant = np.uint64(0)
    digits = 0
    exp10 = 0
    seen = False
    while pos < end and 48 <= data[pos] <= 57:
        seen = True
        if mant == 0 and data[pos] == 48:
            pass  # leading zeros carry no digits
        elif digits < 19:
            mant = mant * np.uint64(10) + np.uint64(data[pos] - 48)
            digits += 1
        else:
            exp10 += 1
            if data[pos] != 48:
                digits += 1  # a 20th significant digit: precision lost, Python decides
        pos += 1
    if pos < end and data[pos] == 46:
        pos += 1
        while pos < end and 48 <= data[pos] <= 57:
            seen = True
            if mant == 0 and data[pos] == 48:
                exp10 -= 1
            elif digits < 19:
                mant = mant * np.uint64(10) + np.uint64(data[pos] - 48)
                digits += 1
                exp10 -= 1
            elif data[pos] != 48:
                digits += 1
            pos += 1
    if not seen:
        return 0.0, pos, 1
    if pos < end and (data[pos] == 101 or data[pos] == 69):
        pos += 1
        eneg = False
        if pos < end and (data[pos] == 45 or data[pos] == 43):
            eneg = data[pos] == 45
            pos += 1
        if pos >= end or not (48 <= data[pos] <= 57):
            return 0.0, pos, 1
        e = 0
        while pos < end and 48 <= data[pos] <= 57:
            if e < 100000:
                e = e * 10 + (data[pos] - 48)
            pos += 1
        exp10 += -e if eneg else e
    if digits > 19:
        return 0.0, pos, 2
    value, ok = _decimal_to_double(mant, exp10, pow_hi, pow_lo)
    if not ok:
        return 0.0, pos, 2
    return (-value if neg else value), pos, 0


@njit(parallel=True, **_OPTS)
def _parse(data, bounds, offsets, delim, out, slow_cells, pow_hi, pow_lo):
    nchunks = bounds.shape[0] - 1
    ncols = out.shape[1]
    status = np.zeros(nchunks, dtype=np.int64)
    for c in prange(nchunks):
        pos, end = bounds[c], bounds[c + 1]
        row = offsets[c]
        nslow = 0
        while pos < end and status[c] == 0:
            if not _is_data_line(data, pos, end):
                while pos < end and data[pos] != 10:
                    pos += 1
                pos += 1
                continue
            col = 0
            while True:
                while pos < end and (data[pos] == 32 or data[pos] == 9 and delim != 9):
                    pos += 1
                if col >= ncols:
                    status[c] = BAD  # more cells than columns
                    break
                cell = pos
                value, pos, st = _parse_number(data, pos, end, pow_hi, pow_lo)
                if st == 1:
                    status[c] = BAD
                    break
                if st == 2:
                    if nslow == slow_cells.shape[1]:
                        status[c] = TOO_MANY_SLOW
                        break
                    slow_cells[c, nslow, 0] = row
                    slow_cells[c, nslow, 1] = col
                    slow_cells[c, nslow, 2] = cell
                    nslow += 1
                out[row, col] = value
                col += 1
                while pos < end and (data[pos] == 32 or data[pos] == 13 or data[pos] == 9 and delim != 9):
                    pos += 1
                if pos >= end or data[pos] == 10:
                    break
                if delim == -1:
                    continue  # whitespace-separated: the spaces skipped were the separator
                if data[pos] != delim:
                    status[c] = BAD
                    break
                pos += 1
            if status[c] != 0:
                break
            if col != ncols:
                status[c] = BAD
                break
            row += 1
            pos += 1
    return status.max()


def parse_rows(data, bounds, offsets, delim, out, slow_cells):
    return _parse(data, bounds, offsets, delim, out, slow_cells, _POW_HI, _POW_LO)
