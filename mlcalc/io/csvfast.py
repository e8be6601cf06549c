"""Large numeric CSV files: a memory-mapped, parallel numba parser with correctly rounded numbers.

How it works (the small-file path, csvparse, stays the definition of the format):
1. The first lines are read in Python and handed to csvparse's own functions: BOM, comment and
   blank lines (data_lines), the delimiter (detect_delimiter), and the header (header_names).
2. The data after the header is split at line boundaries into chunks (8 per thread); a parallel
   pass counts each chunk's line ends, which bounds its rows, so every chunk knows where its
   rows go in one preallocated float64 array (blank and comment lines leave gaps, closed after).
3. A second parallel pass parses each cell in place into a preallocated float64 array: Clinger's
   fast path, else Eisel-Lemire (64-bit mantissa x 128-bit power of five), which gives the same
   correctly rounded double as Python's float(). A cell it cannot decide, with more than 19
   significant digits, or any other text (a fraction, an empty cell, a word) is recorded by
   position and re-read in Python with csvparse.to_number afterwards.
4. Any problem (ragged row, a cell csvparse rejects, a byte csvparse would treat differently: a
   lone CR, a control or non-ASCII byte in a comment) re-reads the whole file with
   csvparse, so the error message (file, line, column) is exactly the small-file path's.

Importing this module is cheap: numba is imported (after mlcalc.config.apply()) only on first use.
"""

from __future__ import annotations

import os
import re

from mlcalc.io import csvparse

# Where the parallel parser pays for itself (bench/bench_csv.py, docs/csv.md): csvparse reads about
# 15-25 MB/s, while importing numba and loading the cached kernels costs about 0.5 s once per process,
# so a cold start pays off from about 8 MB; once numba is loaded (an earlier operand or kernel) the
# kernels win from a few dozen KB, and 256 KB keeps tiny files on the simple path.
THRESHOLD = 8 << 20
WARM_THRESHOLD = 256 << 10

# single-byte delimiters the kernel handles; any other --delimiter goes through csvparse
_FAST_DELIMS = {",": 44, "\t": 9, ";": 59, "|": 124, ":": 58}
# characters that str.splitlines() treats as line ends besides \n and \r\n: csvparse then numbers lines differently
_ODD_LINE_ENDS = re.compile("[\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]|\r(?!\n)")
_FALLBACK_CAP = 256  # recorded fallback cells per chunk before the pass is re-run with room for all

_kernels = None


def should_use(path: str) -> bool:
    """True for a text file big enough for the parallel parser that holds rows of delimited text."""
    from mlcalc.engine import jit_disabled, numba_loaded

    if jit_disabled():  # the parser is a numba kernel: Python's reads the file instead
        return False
    limit = min(THRESHOLD, WARM_THRESHOLD) if numba_loaded() else THRESHOLD
    try:
        if os.path.getsize(path) < limit:
            return False
        import mmap
        with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as mm:
            return holds_rows(mm)
    except (OSError, ValueError):
        return False


def holds_rows(buf) -> bool:
    """Whether text (bytes or a memory map) is rows for this reader. The small-file path's other forms
    are not: mlcalc's JSON (nested lists, or an object of several results, whose message is read.py's),
    an Octave matrix in brackets, and one line of Octave rows ("1 2; 3 4") or of one CSV row."""
    start, end = (3 if buf[:3] == b"\xef\xbb\xbf" else 0), len(buf)
    while start < end and buf[start] in b" \t\r\n":
        start += 1
    while end > start and buf[end - 1] in b" \t\r\n":
        end -= 1
    return start < end and buf[start] not in b"[{" and buf.find(b"\n", start, end) >= 0


def read(path: str, source: str, delimiter: str | None):
    """(float64 2-D array, header names or None), the same values and errors as csvparse."""
    import mmap

    import numpy as np

    plan = _plan(path, source, delimiter)
    if plan is None:
        return _slow(path, source, delimiter)
    data_start, delim_byte, ncols, names = plan
    with open(path, "rb") as f:
        mm = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    try:
        buf = np.frombuffer(mm, dtype=np.uint8)
        try:
            values = _parse(mm, buf, data_start, delim_byte, ncols)
        finally:
            del buf
    finally:
        try:
            mm.close()
        except BufferError:  # an exception's traceback still holds views of the map (^C mid-parse): it is
            pass             # unmapped when they go, and the exception itself, not this, is what to report
    if values is None:
        return _slow(path, source, delimiter)
    return values, names


def _slow(path: str, source: str, delimiter: str | None):
    """The small-file path on the whole file: its values, or its exact error message."""
    import numpy as np

    from mlcalc.io.read import _decode

    with open(path, "rb") as f:
        text = _decode(f.read(), source)
    table = csvparse.parse_text(text, source, delimiter)
    values = np.array(table.rows, dtype=np.float64).reshape(len(table.rows), table.ncols)
    return values, table.names


def _plan(path: str, source: str, delimiter: str | None):
    """(data start byte, delimiter byte or 0 for whitespace, columns, names) from the first lines,
    using csvparse's own rules; None when the file needs the small-file path."""
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        nhead = 1 << 16
        while True:
            f.seek(0)
            head = f.read(nhead)
            whole = len(head) >= size
            complete = head if whole else head[: head.rfind(b"\n") + 1]
            try:
                text = complete.decode("utf-8")
            except UnicodeDecodeError:
                return None
            lines = csvparse.data_lines(text)
            if whole or len(lines) > 50:
                break
            nhead *= 4
    if not lines or _ODD_LINE_ENDS.search(text):
        return None
    if delimiter is None:
        delim = csvparse.detect_delimiter([line for _, line in lines])
    else:
        delim = csvparse.given_delimiter(delimiter, [line for _, line in lines], source)
    if delim is not None and delim not in _FAST_DELIMS:
        return None
    first_no, first = lines[0]
    names = csvparse.header_names(first, delim, source, first_no, [line for _, line in lines[1:51]])
    # data starts after the header's line end, or at the first data line (past comments the kernel would
    # not skip: Octave's '%' lines, Excel's "sep=;")
    before = first_no if names is not None else first_no - 1
    pos = -1
    for _ in range(before):
        pos = complete.find(b"\n", pos + 1)
        if pos < 0:
            return None  # a header and nothing after it: csvparse's error
    data_start = pos + 1 if before else (3 if complete.startswith(b"\xef\xbb\xbf") else 0)
    ncols = len(names) if names is not None else len(csvparse.split_line(first, delim))
    return data_start, (0 if delim is None else _FAST_DELIMS[delim]), ncols, names


def _parse(mm, buf, data_start: int, delim_byte: int, ncols: int):
    """The parallel passes; None when csvparse must decide (an error, odd bytes, a cell it rejects)."""
    import numpy as np

    k = _get_kernels()
    import numba  # loaded by now (the kernels imported it)

    n = len(buf)
    nthreads = numba.get_num_threads()
    nchunks = max(1, min((n - data_start) // (1 << 16), nthreads * 8))
    starts = [data_start]
    for c in range(1, nchunks):
        p = mm.find(b"\n", max(data_start + (n - data_start) * c // nchunks, starts[-1]))
        if p < 0:
            break
        if p + 1 > starts[-1]:
            starts.append(p + 1)
    starts = np.array(starts, dtype=np.int64)
    ends = np.append(starts[1:], n).astype(np.int64)
    # room per chunk: its line ends, so rows land where they belong and nothing moves afterwards
    # (a spare row per chunk left gaps whose closing and the trimming copy cost a third of the
    # parse: 80 MB moved and page-faulted twice). Every chunk but the last ends just after a '\n';
    # the last gets one more row when the file has no final line end. Only comment and blank lines
    # then leave gaps, closed after the parse.
    room = np.zeros(len(starts), dtype=np.int64)
    k.count_newlines(buf, starts, ends, room)
    if n > 0 and buf[n - 1] != 10:
        room[-1] += 1
    row0 = np.concatenate(([0], np.cumsum(room)[:-1])).astype(np.int64)
    out = np.empty((int(room.sum()), ncols), dtype=np.float64)
    nrows = np.zeros(len(starts), dtype=np.int64)
    cap = _FALLBACK_CAP
    while True:
        fb = np.empty((len(starts), cap, 4), dtype=np.int64)
        fbn = np.zeros(len(starts), dtype=np.int64)
        bad = np.zeros(len(starts), dtype=np.int64)
        k.parse_rows(buf, starts, ends, row0, ncols, delim_byte, out, out.view(np.uint64), nrows, fb, fbn, bad,
                     k.POW5_HI, k.POW5_LO, k.POW10)
        if bad.any():
            return None
        if fbn.max() <= cap:
            break
        cap = int(fbn.max())  # more odd cells than room: run again with room for every one
    # the cells the kernel left to csvparse, read once per distinct text (a column of pandas' True/False
    # is millions of them: one at a time through NumPy scalars it was slower than csvparse on the whole file)
    known: dict[bytes, float] = {}
    for c in range(len(starts)):
        cells = fb[c, : fbn[c]]
        values = []
        for s, e in cells[:, 2:].tolist():
            text = buf[s:e].tobytes()
            value = known.get(text)
            if value is None:
                try:
                    value = csvparse.to_number(text.decode("ascii"))
                except (ValueError, ZeroDivisionError, UnicodeDecodeError):
                    return None
                if len(known) < 65536:
                    known[text] = value
            values.append(value)
        out[cells[:, 0], cells[:, 1]] = values
    total = int(nrows.sum())
    if total == 0:
        return None  # only comments after the header: csvparse's error
    if total != len(out):
        # close the gaps: chunk c's rows move down to where the previous chunk's rows end
        dest = 0
        for c in range(len(starts)):
            out[dest: dest + nrows[c]] = out[row0[c]: row0[c] + nrows[c]]
            dest += nrows[c]
        out = out[:total].copy()
    return out


def _get_kernels():
    global _kernels
    if _kernels is None:
        from mlcalc import config

        config.apply()
        from mlcalc.io import _csvkernels

        _kernels = _csvkernels
    return _kernels
