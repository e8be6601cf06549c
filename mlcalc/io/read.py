"""Every operand form of the contract into a validated array.

`read_operand(spec)` takes what the user typed: a CSV/TSV/TXT/NPY path (other names are read by
their content, NPY or text: `data`, /dev/stdin, bash's <(...)), `file.npz:key`, `-` for standard
input, or an inline literal ("1 2; 3 4", "[[1,2],[3,4]]", "[3,4]", "5", "1/3 1; 0 2").
"""

from __future__ import annotations

import contextlib
import math
import os
import re
import sys
from dataclasses import dataclass, field

import numpy as np

from mlcalc.errors import InputError, NonFiniteError
from mlcalc.io import csvparse, literal, npyfile, readahead

TEXT_EXTENSIONS = (".csv", ".tsv", ".txt", ".dat", ".json")
NPY_EXTENSIONS = (".npy",)


@dataclass
class Operand:
    """An operand as read: its values, its column names (from a header) and what to call it."""

    values: np.ndarray
    source: str
    names: list[str] | None = None
    exact: list | None = field(default=None, repr=False)  # rows of Fraction, with --exact
    # for a small text operand: reads its text again in exact fractions (typed_rows)
    reparse: object = field(default=None, repr=False)
    # for delimited text: a function from a 0-based data row to its 1-based line in the text (comments,
    # blank lines and the header make them differ), for error messages
    line_of_row: object = field(default=None, repr=False)


def file_position(op: Operand, position: tuple) -> str | None:
    """'a.csv line 4, column 2' for a 1-based (row, column) of op's values, where it came from text; for an
    NPY file or NPZ member, its index as NumPy counts it ('w.npy[1, 2]', from 0)."""
    if op.line_of_row is None and len(position) == op.values.ndim and (
            op.source.lower().endswith(".npy") or ".npz:" in op.source.lower()):
        return f"{op.source}[{', '.join(str(p - 1) for p in position)}], counted from 0 as NumPy does"
    if op.line_of_row is None or len(position) != 2 or op.values.ndim != 2:
        return None
    try:
        line = op.line_of_row(position[0] - 1)
    except (IndexError, OSError, ValueError, MemoryError):  # no line rather than a wrong one, or a failure
        return None
    return f"{op.source} line {line}, column {position[1]}" if line is not None else None


# the most cells an operand may have for typed_rows (ops.systems.EXACT_CHECK_UP_TO squared)
TYPED_UP_TO = 144


def typed_rows(op: Operand) -> list | None:
    """A small text operand's entries as typed, rows of Fraction, where some entry no float of its dtype
    stands for: a fraction such as 1/3, or a decimal of more significant digits than the dtype's
    round-trip text (17 float64, 9 float32: %.17g output is the float it was written from); None
    otherwise, or where exact arithmetic refuses a cell. What det, inv and solve call "as typed"
    (ops.systems); read on demand, so that other commands pay nothing (the fractions module alone is
    2 ms of start-up)."""
    if op.reparse is None:
        return None
    try:
        rows = op.reparse()
    except InputError:
        return None
    values = np.atleast_2d(op.values)
    if len(rows) != values.shape[0] or any(len(r) != values.shape[1] for r in rows):
        return None
    round_trip = 9 if values.dtype == np.float32 else 17
    return rows if any(_beyond_floats(x, round_trip) for row in rows for x in row) else None


def _beyond_floats(x, round_trip: int) -> bool:
    """Whether a typed Fraction is a fraction no decimal is (1/3), or a decimal of more significant
    digits than round_trip."""
    d, k2, k5 = x.denominator, 0, 0
    while d % 2 == 0:
        d, k2 = d // 2, k2 + 1
    while d % 5 == 0:
        d, k5 = d // 5, k5 + 1
    if d != 1:
        return True
    k = max(k2, k5)  # x = n/10^k
    digits = str(abs(x.numerator) * 10 ** k // x.denominator).strip("0")
    return len(digits) > round_trip


@dataclass
class ReadOptions:
    dtype: str = "float64"
    delimiter: str | None = None
    exact: bool = False
    max_ndim: int = 2
    memory_limit: str | None = None  # --memory-limit as typed (None: the default budget), for pipes and devices
    quiet: bool = False  # --quiet: no prompt for standard input at a terminal either


class StdinGuard:
    """Standard input can be read once: a second `-` operand is an error."""

    used = False


def read_operand(spec: str, opts: ReadOptions | None = None, name: str | None = None) -> Operand:
    opts = opts or ReadOptions()
    spec = spec.strip() if spec.strip().startswith("-") and spec.strip() != "-" else spec
    label = name or "; ".join(line.strip() for line in spec.splitlines() if line.strip()) or spec  # one line
    if not spec.strip():  # `mlcalc det ""` (an unset shell variable): ": no such file" named nothing
        raise InputError("an operand is empty (''): give a file, '-' or a literal such as \"1 2; 3 4\"")
    if spec == "-":
        if StdinGuard.used:
            raise InputError("only one operand may be '-' (standard input can be read once)")
        StdinGuard.used = True
        return _read_stdin(opts)
    npz_path, sep, key = spec.rpartition(":")
    if sep and npz_path.lower().endswith(".npz") and not os.path.isfile(spec):  # a file of that name is the file
        check_readable(npz_path)
        arr = npyfile.load_npz_member(npz_path, key, spec, opts.max_ndim, opts.exact)
        return _typed(Operand(arr, spec), opts)
    if os.path.exists(spec):
        return _read_path(spec, opts)
    if literal.looks_like_literal(spec) or literal.meant_as_literal(spec):
        if name is None and len(label) > 60:  # named by its start (a 5000-digit cell was repeated whole)
            label = f"the literal {label[:40]!r}… ({len(label)} characters)"
        return _read_literal(spec, opts, label, typed=True)
    if name is not None:  # what was typed, then its role: "Q: no such file" read as a file named Q
        typed = "; ".join(line.strip() for line in spec.splitlines() if line.strip())
        label = f"{typed if len(typed) <= 60 else repr(typed[:40]) + '…'} ({name})"
    problem = _unreachable(spec)
    if problem is not None:
        raise InputError(f"{label}: {problem}")
    if "#" in spec and literal.looks_like_literal(spec.partition("#")[0]):
        raise InputError(f"{label}: a literal has no comments ('#' is for files): drop the '#' and what follows")
    if _OCTAVE_RANGE.fullmatch(spec.strip()):  # gen makes no range: its values are the literal
        raise InputError(f"{label}: no such file, and Octave's ranges are not literals: write the values, "
                         "e.g. \"1 2 3 4 5\" for 1:5")
    if _OCTAVE_MAKERS.fullmatch(spec.strip()):
        raise InputError(f"{label}: no such file, and Octave's functions are not literals: mlcalc gen "
                         "(eye, zeros, ones, random, randn) makes a matrix, e.g. mlcalc gen eye 3x3")
    raise InputError(f"{label}: no such file (and not a matrix literal such as \"1 2; 3 4\")")


# what an Octave user types for a matrix: eye(3), zeros(2,3), rand(2), linspace(0,1,5); and 1:5, 0:0.5:2
_OCTAVE_MAKERS = re.compile(r"(eye|zeros|ones|rand|randn|magic|linspace|diag)\s*\(.*\)")
_OCTAVE_RANGE = re.compile(r"[-+]?[\d.]+(:[-+]?[\d.]+){1,2}")


def _unreachable(path: str) -> str | None:
    """Why a path that os.path.exists calls missing cannot be reached, where it is not simply absent: a
    folder on the way that may not be entered, a loop of links (both were "no such file")."""
    try:
        os.stat(path)
    except (FileNotFoundError, NotADirectoryError, ValueError):  # (ValueError: a NUL in the name)
        return None
    except OSError as e:
        return (e.strerror or str(e)).lower()
    return None


def check_readable(path: str) -> None:
    """One line for a path that cannot be read as a file: missing, a directory, or not readable."""
    if not os.path.exists(path):
        raise InputError(f"{path}: {_unreachable(path) or 'no such file'}")
    if os.path.isdir(path):
        raise InputError(f"{path}: is a directory, not a file")
    if not os.access(path, os.R_OK):
        raise InputError(f"{path}: permission denied")


def _read_path(path: str, opts: ReadOptions) -> Operand:
    check_readable(path)
    ext = os.path.splitext(path)[1].lower()
    if ext in NPY_EXTENSIONS and not os.path.isfile(path):
        ext = ""  # a FIFO or a link to /dev/stdin named x.npy has no size to check: read it as a stream
    try:
        if ext in NPY_EXTENSIONS:
            return _typed(Operand(npyfile.load_npy_file(path, path, opts.max_ndim, opts.exact), path), opts)
        if ext in TEXT_EXTENSIONS:
            return _read_text_file(path, opts)
    except PermissionError:
        raise InputError(f"{path}: permission denied") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, not a file") from None
    if ext == ".npz":
        names = npyfile.npz_names(path)
        if names is None:
            raise InputError(f"{path}: not an NPZ archive (not a ZIP file)")
        held = ", ".join(names[:12]) + (", …" if len(names) > 12 else "") or "nothing"  # what to write after the colon
        raise InputError(f"{path}: an NPZ archive needs a member name: {path}:NAME (it has: {held})")
    # no telling extension (a file named `data`, /dev/stdin, <(gen ...) in bash): the content
    # decides, as for standard input: NPY by its magic, else delimited text
    try:
        with open(path, "rb") as f:
            data = read_whole(f, path, opts.memory_limit)
    except PermissionError:
        raise InputError(f"{path}: permission denied") from None
    except OSError as e:
        raise InputError(f"{path}: cannot be read ({e.strerror or e})") from None
    return _from_bytes(data, path, opts)


def _read_text_file(path: str, opts: ReadOptions) -> Operand:
    from mlcalc.io import csvfast

    if not opts.exact and csvfast.should_use(path) and not _wide_text_or_npy(path):
        values, names = csvfast.read(path, path, opts.delimiter)

        def line_of_row(row: int) -> int | None:  # on demand (an error message): the file read again, a line at a time
            with open(path, encoding="utf-8-sig", newline="") as f:
                return csvparse.line_of_data_row(f, row, names is not None)
        return _typed(Operand(values, path, names, line_of_row=line_of_row), opts)
    with open(path, "rb") as f:
        data = read_whole(f, path, opts.memory_limit)
    return _from_bytes(data, path, opts)  # as standard input's: NPY bytes named .csv, UTF-16 text made UTF-8


# Excel's "Unicode Text" and Windows' Notepad save UTF-16 with a byte-order mark; the mark says the encoding
_WIDE_ENCODINGS = ((b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32"),
                   (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))


def _wide_encoding(data: bytes) -> str | None:
    return next((encoding for mark, encoding in _WIDE_ENCODINGS if data.startswith(mark)), None)


def _wide_text_or_npy(path: str) -> bool:
    """Whether a text-named file is UTF-16 or UTF-32 text or NPY bytes (for _from_bytes: the parallel
    reader takes bytes as UTF-8 text)."""
    with open(path, "rb") as f:
        head = f.read(len(npyfile.MAGIC))
    return _wide_encoding(head) is not None or head == npyfile.MAGIC


# bytes that no text file holds (control characters other than tab, line ends and form feed)
_BINARY_BYTES = re.compile(rb"[\x00-\x08\x0e-\x1f\x7f]")


def _decode(data: bytes, source: str) -> str:
    """Text from UTF-8 (or UTF-16/32 with a byte-order mark); one line for anything else."""
    wide = _wide_encoding(data)
    if wide is None:
        _refuse_binary(data, source)
    try:
        return data.decode(wide or "utf-8")
    except UnicodeDecodeError as e:
        if wide:
            raise InputError(f"{source}: not {wide.upper()} text after its byte-order mark (byte {e.start + 1})") from None
        if _BINARY_BYTES.search(data, 0, 1 << 16):
            raise InputError(f"{source}: not UTF-8 text (byte {e.start + 1}); is it a binary file?") from None
        # text in a legacy encoding (Latin-1, Windows-1252, GBK), which NumPy and pandas refuse too
        line = data.count(b"\n", 0, e.start) + 1
        raise InputError(f"{source} line {line}: not UTF-8 text (byte {e.start + 1} is {data[e.start]:#04x}): "
                         "save the file as UTF-8") from None


def _from_text(text: str, source: str, opts: ReadOptions) -> Operand:
    body = text.lstrip("\ufeff \t\r\n")
    one_line = body.rstrip("\r\n")
    json_file = source.lower().endswith(".json")
    if json_file and not body.startswith("["):
        _require_json(text, source)  # a number or an object, as -f json writes them; not CSV, not Octave's rows
    if (";" in one_line and "," not in one_line and not json_file and literal.looks_like_literal(one_line)
            and any(len(row.split()) > 1 for row in one_line.split(";")) and len(one_line.splitlines()) == 1):
        # `echo "1 2; 3 4" | mlcalc inv -`: an Octave row list, as typed on a command line (as CSV, cells of
        # several numbers made a header and nothing else); "1;2;3" stays one semicolon-separated row. One
        # line as the CSV reader counts lines: a file with CR-only line ends (an old Mac export) has no "\n"
        # and is rows of CSV, whose ';' cells split() as whitespace took for an Octave row list
        return _read_literal(one_line, opts, source)
    if body.startswith("["):
        # JSON as mlcalc writes it (-f json): nested lists, or one flat list for a vector; or an Octave
        # matrix, whose line breaks end rows as in a literal. A CSV whose first header cell starts with
        # '[' ("[s],[m]") is neither: read as CSV; if that fails too, the error of the form the first
        # row looks like is the apt one
        try:
            return _read_literal(body, opts, source, json_text=text if json_file else None)
        except InputError as literal_error:
            if json_file:  # a .json file is JSON's to judge ('[s],[m]' over rows is CSV in any other file)
                raise
            try:
                return _from_csv(text, source, opts)
            except InputError as csv_error:
                json_value = _json_value(body)
                if isinstance(json_value, list) and json_value and all(isinstance(x, dict) for x in json_value):
                    raise InputError(f"{source}: a list of JSON objects (records), not a matrix (nested lists): write "
                                     "it with pandas' to_json(orient='values'), or jq 'map([.[]])'") from None
                # valid JSON (a null in it, a string) is the literal's to judge, on one line as on several
                raise (csv_error if json_value is None and _names_in_first_row(body) else literal_error) from None
    return _from_csv(text, source, opts)


def _require_json(text: str, source: str) -> None:
    """A .json file's bracketed text is JSON (its non-finite values as -f json writes them, "nan", or bare as
    NumPy prints them): '[1, 2 3]' in m.json was read as Octave's row [1 2 3], as it is typed on a command
    line. The error's line and column are the file's (text: all of it, BOM and leading blank lines too)."""
    import json
    text = text.removeprefix("\ufeff")
    shifts = []  # (where a quoted value starts in the quoted text, characters added up to its end)

    def quoted(match):
        replacement = f'"{match.group(1)}"'
        before = shifts[-1][1] if shifts else 0
        shifts.append((match.start() + before, before + len(replacement) - len(match.group(0))))
        return replacement

    try:
        json.loads(literal.NONFINITE.sub(quoted, text))
    except json.JSONDecodeError as e:
        pos = e.pos - max((after for start, after in shifts if start < e.pos), default=0)
        line = text.count("\n", 0, pos) + 1
        column = pos - (text.rfind("\n", 0, pos) + 1) + 1
        raise InputError(f"{source} line {line}, column {column}: not valid JSON ({e.msg.lower()})") from None
    except RecursionError:
        raise InputError(f"{source}: not a valid matrix literal: lists nested beyond Python's recursion limit") from None


def _names_in_first_row(text: str) -> bool:
    """Whether the first row (up to a line end or ';') holds a word that is no number: a CSV header
    ("[s],[m]"), not a literal's first row ("[1 2", "[[1,2],")."""
    first = text.splitlines()[0].split(";")[0] if text.strip() else ""
    cells = first.replace(",", " ").replace("\t", " ").replace("[", " ").replace("]", " ").split()
    return any(not csvparse.is_number(c.strip("\"'")) for c in cells)


def _from_csv(text: str, source: str, opts: ReadOptions) -> Operand:
    try:
        table = csvparse.parse_text(text, source, opts.delimiter, exact=opts.exact)
    except InputError:
        if _json_object(text):  # -f json of a command with several results
            raise InputError(f"{source}: a JSON object, not a matrix (nested lists): take one of its results, "
                             "e.g. with jq .NAME") from None
        first = text.lstrip("\ufeff \t\r\n").partition("\n")[0]
        if first.startswith("{") and isinstance(_json_value(first), dict):  # pandas' to_json(lines=True)
            raise InputError(f"{source}: JSON Lines (an object a line), not a matrix: write it with pandas' "
                             "to_json(orient='values'), or jq -s 'map([.[]])'") from None
        raise
    values = np.array([[csvparse.as_float(x) for x in row] for row in table.rows] if opts.exact else table.rows,
                      dtype=np.float64).reshape(len(table.rows), table.ncols)
    reparse = None
    if not opts.exact and values.size <= TYPED_UP_TO:
        reparse = lambda: csvparse.parse_text(text, source, opts.delimiter, exact=True).rows  # noqa: E731
    return _typed(Operand(values, source, table.names, table.rows if opts.exact else None, reparse,
                          table.lines_of_rows.__getitem__), opts)


def _json_value(text: str):
    """The value JSON text holds; None where it is not JSON (or holds null alone)."""
    import json
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None


def _json_object(text: str) -> bool:
    return text.lstrip("\ufeff \t\r\n").startswith("{") and isinstance(_json_value(text.lstrip("\ufeff")), dict)


def _read_stdin(opts: ReadOptions) -> Operand:
    return _from_bytes(stdin_bytes(opts), "standard input", opts)


def stdin_bytes(opts: ReadOptions) -> bytes:
    """All of standard input, within the memory budget; a terminal gets a prompt first."""
    if sys.stdin is None or sys.stdin.closed:
        raise InputError("standard input: nothing to read")
    try:
        if sys.stdin.isatty() and sys.stderr is not None and not opts.quiet:  # a prompt, not a silent wait
            sys.stderr.write("mlcalc: reading the operand '-' from the terminal: type rows, then Ctrl-D\n")
            sys.stderr.flush()
    except (ValueError, OSError):
        pass
    stream = getattr(sys.stdin, "buffer", None)
    ahead = readahead.take()  # what the tiny path read first, to go on from
    try:
        data = (read_whole(stream, "standard input", opts.memory_limit, ahead) if stream is not None else
                ahead + sys.stdin.read().encode())
    except OSError as e:  # `0>file` (opened for writing), a device that fails: it was an internal error
        raise InputError(f"standard input cannot be read ({e.strerror or e})") from None
    return data


# Reading text in Python takes about 6 times its size at the peak (78 MB of CSV on standard input: 497 MB),
# NPY bytes about twice theirs. A pipe or a device has no size to check up front, and /dev/zero or
# `yes | mlcalc norm -` never ends: such a source is read in chunks, up to these shares of the memory
# budget (--memory-limit, by default half the RAM), and binary data that is not NPY is refused at its first chunk.
_CHUNK = 1 << 24
_NUL = bytes(1)
_TEXT_SHARE, _NPY_SHARE = 8, 2


def _refuse_binary(head: bytes, source: str) -> None:
    """One line for bytes that are neither text nor NPY, judged by their first _CHUNK bytes (a text
    file holds no NUL; UTF-16 and NPY bytes are told apart before this)."""
    if head.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):  # ZIP (.xlsx, .ods, .npz), OLE2 (.xls)
        raise InputError(f"{source}: a spreadsheet workbook or an archive, not text or NPY: save the sheet as CSV "
                         "(an NPZ member is read as FILE.npz:NAME)")
    if (nul := head.find(_NUL, 0, _CHUNK)) >= 0:
        raise InputError(f"{source}: binary data (a NUL byte at byte {nul + 1}), neither text nor NPY")


def read_whole(f, source: str, memory_limit: str | None = None, ahead: bytes = b"") -> bytes:
    """All of a binary file object's bytes, after `ahead` (its first bytes, read already: readahead); from
    a pipe or device, within the memory budget (memory_limit as --memory-limit takes it, else half the RAM)."""
    import stat

    try:
        regular = stat.S_ISREG(os.fstat(f.fileno()).st_mode)
    except (OSError, ValueError, AttributeError):  # no descriptor (a test's BytesIO): a stream
        regular = False
    if regular:
        return ahead + f.read()
    from mlcalc.blocks.storage import default_budget, parse_size, size_text

    chunks, total, limit = [], 0, None
    while True:
        read = f.read(_CHUNK)
        chunk = ahead + read if limit is None else read  # the checks below see the input's first bytes
        if not chunk:
            break
        if limit is None:
            npy = chunk.startswith(npyfile.MAGIC)
            if not (npy or _wide_encoding(chunk)):
                _refuse_binary(chunk, source)
            budget = parse_size(memory_limit) if memory_limit else default_budget()
            limit = budget // (_NPY_SHARE if npy else _TEXT_SHARE)
        chunks.append(chunk)
        total += len(chunk)
        if total > limit:
            advice = ("write it to a file first (NPY files that large are worked through by blocks)" if npy else
                      "write it to a file first (or make it NPY, -f npy)")
            raise InputError(f"{source}: more than {size_text(limit)} from a pipe or device, more "
                             f"than the memory budget can {'hold' if npy else 'parse'}: {advice}, or raise --memory-limit")
        if len(read) < _CHUNK:  # a buffered read comes back short only at the end: asking again would
            break               # make a terminal's user press Ctrl-D twice
    return b"".join(chunks)


def _from_bytes(data: bytes, source: str, opts: ReadOptions) -> Operand:
    """An operand's whole content: NPY by its magic, else CSV/TSV/JSON text."""
    if data.startswith(npyfile.MAGIC):
        return _typed(Operand(npyfile.load_npy_bytes(data, source, opts.max_ndim, opts.exact), source), opts)
    if _wide_encoding(data):  # UTF-16 text (Excel's "Unicode Text"): as UTF-8, the parallel reader's bytes
        data = _decode(data, source).encode("utf-8")
    spilled = _through_the_parallel_parser(data, source, opts)
    if spilled is not None:
        return spilled
    return _from_text(_decode(data, source), source, opts)


def _through_the_parallel_parser(data: bytes, source: str, opts: ReadOptions) -> Operand | None:
    """Large CSV text from a pipe or device, parsed as a file of it would be: written to a temporary
    file for csvfast, which needs a file to map (78 MB of CSV on standard input took 6.4 s through
    csvparse, and 1.7 s from a file). None where the small-file path is the one to take, or the
    temporary folder cannot hold it."""
    from mlcalc.engine import jit_disabled
    from mlcalc.io import csvfast

    if opts.exact or len(data) < csvfast.THRESHOLD or not csvfast.holds_rows(data) or jit_disabled():
        return None  # _from_text's own forms: one line of Octave rows, JSON, an Octave matrix
    with contextlib.ExitStack() as stack:
        try:
            f, path = stack.enter_context(_spill_file())  # the size and holds_rows, should_use's tests: above
            f.write(data)
            f.flush()
            values, names = csvfast.read(path, source, opts.delimiter)
        except OSError:  # no room in the temporary folder: the small-file path reads it from memory
            return None
        # the spilled text stays open (on disk: holding the bytes doubled the memory of a big `cat x | mlcalc`)
        # as long as the operand's line_of_row does, for a message's line number; closed with it
        spilled = stack.pop_all()

    def line_of_row(row: int, _keep=spilled) -> int | None:  # on demand (an error message), a line at a time
        with open(path, encoding="utf-8-sig", newline="") as lines:
            return csvparse.line_of_data_row(lines, row, names is not None)
    return _typed(Operand(values, source, names, line_of_row=line_of_row), opts)


@contextlib.contextmanager
def _spill_file():
    """A temporary file and a path that opens it. On Linux the file has no name in the temporary
    folder from the start (opened through /proc/self/fd), so even a SIGKILL mid-parse leaves nothing
    behind; elsewhere it is a named file that is removed on exit."""
    import tempfile

    if os.path.isdir("/proc/self/fd"):
        with tempfile.TemporaryFile(prefix=".mlcalc-", suffix=".csv") as f:
            path = f"/proc/self/fd/{f.fileno()}"
            if os.path.exists(path):
                yield f, path
                return
    with tempfile.NamedTemporaryFile(prefix=".mlcalc-", suffix=".csv") as f:
        yield f, f.name


# from this size a JSON operand is tried with json's C parser first (literal.json_floats)
_JSON_FAST_FROM = 1 << 16


def _read_literal(spec: str, opts: ReadOptions, label: str, typed: bool = False,
                  json_text: str | None = None) -> Operand:
    """A literal's values; typed: it was typed as the operand (not a file's or standard input's text); json_text:
    a .json file's whole text, which must be JSON (_require_json) where the fast path did not read it."""
    if not opts.exact and len(spec) >= _JSON_FAST_FROM and not (typed and literal.octave_rows(spec)):
        arr = literal.json_floats(spec)
        if arr is not None:
            return _typed(Operand(arr, label), opts)
    if json_text is not None:
        _require_json(json_text, label)
    rows, one_dimensional = literal.parse_literal(spec, label, opts.exact, typed)
    arr = np.array([[csvparse.as_float(x) for x in row] for row in rows], dtype=np.float64)
    if one_dimensional:
        arr = arr.reshape(-1)
    reparse = None
    if not opts.exact and arr.size <= TYPED_UP_TO:
        reparse = lambda: literal.parse_literal(spec, label, True, typed)[0]  # noqa: E731
    return _typed(Operand(arr, label, None, rows if opts.exact else None, reparse), opts)


def _typed(op: Operand, opts: ReadOptions) -> Operand:
    if opts.exact and op.exact is None and op.values.dtype.kind in "iub" and op.values.ndim <= 2:
        # an integer NPY's values as Python ints: through float64, 2⁶² + 1 became 2⁶² before --exact saw it
        op.exact = np.atleast_2d(op.values).tolist()
    want = np.float32 if opts.dtype == "float32" else np.float64
    if op.values.dtype != want:
        # a text operand's position by its line (an NPY's "at row 3, column 4", as by blocks)
        locate = (lambda position: file_position(op, position)) if op.line_of_row is not None else None
        op.values = as_working_dtype(op.values, want, op.source, locate=locate)
    return op


def as_working_dtype(values: np.ndarray, dtype, source: str, first: tuple[int, int] = (0, 0),
                     locate=None) -> np.ndarray:
    """values in the working dtype. A finite number beyond float32's range is an error naming it: as
    inf, a later error would blame an inf the user never wrote. first: the block's first (row, column)
    in its file, for the position (work by blocks); locate: a 1-based (row, column) as the text file's
    'a.csv line 4, column 2', or None where there are no lines (file_position)."""
    with np.errstate(over="ignore"):
        typed = values.astype(dtype, copy=False)
    if values.dtype.kind == "f" and values.dtype.itemsize > typed.dtype.itemsize:  # float64, long double
        beyond = np.isinf(typed) & np.isfinite(values)
        if beyond.any():
            pos = np.unravel_index(int(np.argmax(beyond)), values.shape)
            from mlcalc.io.write import format_number
            with np.errstate(over="ignore"):
                wide = float(values[pos])
            value = format_number(wide) if math.isfinite(wide) else str(values[pos])  # 1e+400 as a long double
            advice = ("is beyond float32's range (±3.4e38): use float64 (leave out --dtype float32)"
                      if math.isfinite(wide) else
                      "is beyond float64's range (±1.8e308), where mlcalc computes: scale the data down where "
                      "it was made")
            line = locate(tuple(int(p) + 1 for p in pos)) if locate is not None else None
            if line:  # as the reader names a cell it cannot read: the line a user opens the file at
                raise InputError(f"{line}: {value} {advice}")
            where = (f" at row {first[0] + pos[0] + 1}, column {first[1] + pos[1] + 1}" if len(pos) == 2 else
                     f" at element {first[0] + pos[0] + 1}" if len(pos) == 1 else "")
            raise InputError(f"{source}: {value}{where} {advice}")
    return typed


def first_nonfinite(a: np.ndarray) -> tuple[int, ...] | None:
    """1-based position of the first NaN/Inf, or None."""
    bad = ~np.isfinite(a)
    if not bad.any():
        return None
    return tuple(int(i) + 1 for i in np.unravel_index(int(np.argmax(bad)), a.shape))


def require_finite(a: np.ndarray, command: str, operand: str) -> None:
    """The contract's rule for decompositions, solvers and training: reject NaN/Inf, naming where."""
    pos = first_nonfinite(a)
    if pos is not None:
        where = f"row {pos[0]}, column {pos[1]}" if len(pos) == 2 else f"element {pos[0]}" if pos else "value"
        value = a[tuple(p - 1 for p in pos)]
        raise NonFiniteError(f"{command}: {operand} has a non-finite value ({value}) at {where}", a, pos)
