"""Results to text or bytes: table | csv | tsv | json | npy | plain, and atomic `-o` files.

A result is an array (of any rank, 0–2-D for table/csv/tsv/plain; float, complex or bool), a Python
number/bool/str, a list of str, or a `dict` of named results (several results: JSON object, NPZ
archive, titled tables; the first one alone in CSV/TSV/plain). Everything is rendered in memory first,
so a failure never leaves a partial file or half a result on stdout.
"""

from __future__ import annotations

import math
import os
import re
import sys
from contextlib import contextmanager
from dataclasses import dataclass

from mlcalc.errors import InputError, MlcalcError

# NumPy is imported only when a result is an array: a small command that computed with Python
# lists (mlcalc.ops.tiny) prints without paying NumPy's import.

FORMATS = ("table", "csv", "tsv", "json", "npy", "plain")
EXTENSION_FORMATS = {".csv": "csv", ".tsv": "tsv", ".json": "json", ".npy": "npy", ".npz": "npz",
                     ".txt": "plain", ".tab": "tsv"}


@dataclass
class OutputOptions:
    format: str | None = None     # None: table on a terminal, csv otherwise (or from -o's extension)
    output: str | None = None
    precision: int | None = None
    header: bool = False
    memory_limit: str | None = None  # --memory-limit's text: the budget the rendered text must fit


@dataclass
class Labeled:
    """An array with column (or element) names, printed as a header with --header / in tables."""

    values: object
    names: list[str]


# ---------------------------------------------------------------- numbers


def _numpy():
    return sys.modules.get("numpy")


_FLOAT32_MAX = 3.4028234663852886e38


def format_number(x, precision: int | None = None) -> str:
    """Shortest round-trip text of one value; integral floats without '.0' ("19", not "19.0")."""
    if isinstance(x, str):
        return x
    if isinstance(x, bool):
        return "true" if x else "false"
    if isinstance(x, int):
        return str(x)
    np = _numpy()
    if not isinstance(x, float) and np is not None:
        if isinstance(x, np.bool_):
            return "true" if x else "false"
        if isinstance(x, np.integer):
            return str(int(x))
        if isinstance(x, np.floating) and x.dtype == np.float32 and precision is not None and precision >= 9:
            precision = None  # 9 digits round-trip any float32: more printed float64 noise (0.10000000149)
        if isinstance(x, np.floating) and x.dtype == np.float32 and precision is None and math.isfinite(x):
            shortest = str(x).removesuffix(".0")  # NumPy's shortest repr that round-trips float32 ("0.1", not
            f = float(x)                          # 0.10000000149...)
            if not (f.is_integer() and abs(f) < 1e16):
                return shortest
            # a whole number as an int (19, 3000000000) unless its digits are noise of a shorter one: float32's
            # 1e13 is 9999999827968, printed 1e+13
            whole = str(int(f)) if f or math.copysign(1.0, f) > 0 else "-0"
            digits = len(whole.lstrip("-").rstrip("0"))
            return whole if digits <= len(shortest.lstrip("-").partition("e")[0].replace(".", "").strip("0")) else shortest
    if isinstance(x, complex) or (np is not None and isinstance(x, np.complexfloating)):
        # the parts as they are (a complex64's are float32, printed shortest as float32)
        re_, im = format_number(x.real, precision), format_number(abs(x.imag), precision)
        sign = "-" if math.copysign(1.0, float(x.imag)) < 0 else "+"
        return f"{re_}{sign}{im}j"
    f = float(x)
    if math.isnan(f):
        return "nan"
    if math.isinf(f):
        return "inf" if f > 0 else "-inf"
    if precision is not None:
        text = f"{f:.{precision}g}"
        largest = _FLOAT32_MAX if np is not None and isinstance(x, np.float32) else sys.float_info.max
        if abs(float(text)) > largest:  # 1.8e308 to 2e+308 reads back as inf (3.4028235e38 to 3.403e38 in
            # float32, out of range): round towards 0 instead
            from decimal import ROUND_DOWN, Context
            text = format(Context(prec=precision, rounding=ROUND_DOWN).create_decimal(f), "g")
        if "e" in text and f.is_integer() and float(text) == f and abs(f) < 1e16:
            text = str(int(f))  # a whole number the rounding kept as it is prints as an integer: 10, not 1e+01
        return "0" if text == "-0" and math.copysign(1, f) > 0 else text
    if f.is_integer() and abs(f) < 1e16:
        return "-0" if f == 0 and math.copysign(1, f) < 0 else str(int(f))
    return repr(f)


def _float_text(f: float) -> str:
    """format_number for a Python float without --precision, the same text, for the text formats' rows of
    float64 results (a 2000×2000 result as CSV: the general function's checks cost half the time)."""
    if f.is_integer() and -1e16 < f < 1e16:  # never inf or NaN
        return str(int(f)) if f or math.copysign(1.0, f) > 0 else "-0"
    return repr(f)  # 'nan', 'inf', '-inf' included


def _json_number(text: str) -> str:
    """A number's text as JSON: non-finite values as strings (CLI.md), and −0 as -0.0, since JSON
    readers such as Python's json and JavaScript read "-0" as the integer 0 and lose the sign."""
    if text in ("nan", "inf", "-inf"):
        return f'"{text}"'
    return "-0.0" if text == "-0" else text


def _json_float_text(f: float) -> str:
    return _json_number(_float_text(f))


def _json_value(x, precision):
    if isinstance(x, str):
        import json
        return json.dumps(x, ensure_ascii=False)
    np = _numpy()
    if isinstance(x, complex) or (np is not None and isinstance(x, np.complexfloating)):
        return '{"re": %s, "im": %s}' % (_json_value(x.real, precision), _json_value(x.imag, precision))
    return _json_number(format_number(x, precision))


# ---------------------------------------------------------------- shapes of results


def _as_array(value):
    """An ndarray, or the value itself when it is already a plain Python list/number (no NumPy needed)."""
    if isinstance(value, Labeled):
        value = value.values
    if _is_plain(value):
        return value
    import numpy as np
    if isinstance(value, np.ndarray):
        return value
    if isinstance(value, (list, tuple)):
        return np.asarray(value, dtype=object if any(isinstance(v, str) for v in value) else None)
    return np.asarray(value)


def _is_plain(value) -> bool:
    """A Python number or str, or a (nested) list of them: printable without NumPy."""
    if isinstance(value, (int, float, complex, str)):
        return True
    if isinstance(value, list):
        return all(isinstance(v, (int, float, str)) or (isinstance(v, list) and _is_plain(v)) for v in value)
    return False


def _ndim(arr) -> int:
    if isinstance(arr, list):
        return 2 if arr and isinstance(arr[0], list) else 1
    if isinstance(arr, (int, float, complex, str)):
        return 0
    return arr.ndim


def _scalar(arr):
    """The value of a 0-d result: NumPy's own scalar for float32 (printed with float32's shortest repr,
    0.11000001), a Python number otherwise."""
    if isinstance(arr, (int, float, complex, str)):
        return arr
    return arr[()] if arr.dtype.kind == "f" and arr.dtype.itemsize == 4 else arr.item()


def _rows(value) -> list[list]:
    """The rows a text format prints: a 1-D result is one value per line (a column, as Octave)."""
    arr = _as_array(value)
    nd = _ndim(arr)
    if nd == 0:
        return [[_scalar(arr)]]
    if not isinstance(arr, list) and arr.dtype.kind in "fb" and arr.dtype.itemsize != 4:
        arr = arr.tolist()  # Python floats format ~10x faster than NumPy scalars (float32 keeps its own repr)
    if nd == 1:
        return [[v] for v in arr]
    if nd == 2:
        return [list(r) for r in arr]
    raise MlcalcError(f"cannot print a {nd}-D result as text: write it with -o FILE.npy (mlcalc reads {nd}-D data "
                      "from NPY), or see it with -f json")


def _check_text_holds(result, fmt: str, opts: OutputOptions) -> None:
    """Refuse a result of 3 or more dimensions for the grid formats when -o names an NPY or NPZ file that -f
    overrode: _rows' 'write it with -o FILE.npy' told someone who had written `-f csv -o y.npy` what they had
    done."""
    kind = os.path.splitext(opts.output or "")[1].lower()
    if fmt in ("csv", "tsv", "plain", "table") and kind in (".npy", ".npz"):
        nd = _ndim(_as_array(_first(result)))
        if nd > 2:
            raise MlcalcError(f"cannot write a {nd}-D result as {fmt} text: drop -f {fmt} (-o {opts.output} then "
                              f"writes {kind[1:].upper()}), or see it with -f json")


def _first(result):
    return next(iter(result.values())) if isinstance(result, dict) else result


def render_delimited(result, delim: str, precision=None, header=False) -> str:
    value = _first(result)
    lines = []
    rows = _rows(value)
    if header and isinstance(value, Labeled):
        lines.append(delim.join(_header_cell(str(name), delim) for name in value.names))
        if _ndim(_as_array(value)) == 1:  # one value per name: one row under the names, not a column
            rows = [[x for r in rows for x in r]]
    fmt = _float_text if precision is None and _is_float64(value) else lambda x: format_number(x, precision)
    for row in rows:
        lines.append(delim.join(map(fmt, row)))
    return "\n".join(lines) + "\n"


def _is_float64(value) -> bool:
    """Whether a result's values are a float64 array, whose rows _rows gives as Python floats."""
    arr = _as_array(value)
    return not isinstance(arr, list) and getattr(arr, "dtype", None) is not None and arr.dtype.kind == "f" \
        and arr.dtype.itemsize == 8 and _ndim(arr) > 0


def _header_cell(name: str, delim: str) -> str:
    """A column name as CSV quotes it (RFC 4180, as Python's csv and pandas write and read it) when
    it holds the delimiter, a quote, a line break or blanks at its ends, or reads as a value (2019, nan,
    true): a header of such names would read back as a row of data, quoted ones read back as names
    (as R's write.csv quotes them); else as it is."""
    if delim in name or '"' in name or "\n" in name or "\r" in name or name != name.strip() or _reads_as_value(name) \
            or _reads_as_not_a_cell(name):
        return '"' + name.replace('"', '""') + '"'
    return name


def _reads_as_not_a_cell(name: str) -> bool:
    """Whether the reader would take this name, unquoted, for something else: a comment ('#id', Octave's
    '% share'), Excel's 'sep=;' line, or, in a header of one column, a delimiter it detects (`x;y` read back
    as two names over one value a row). Quoted, each reads back as the name."""
    return name.startswith(("#", "%")) or name.lower().startswith("sep=") or any(d in name for d in ",\t;")


def _reads_as_value(name: str) -> bool:
    """Whether the CSV reader would take this cell for a value (a number, a fraction, a boolean)."""
    from mlcalc.io import csvparse
    return csvparse.is_number(name) or name.lower() in csvparse.BOOLEANS


def render_plain(result, precision=None) -> str:
    return render_delimited(result, " ", precision)


def _json_of(value, precision) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f'"{k}": {_json_of(v, precision)}' for k, v in value.items()) + "}"
    arr = _as_array(value)
    nd = _ndim(arr)
    if nd == 0:
        return _json_value(_scalar(arr), precision)
    if precision is None and _is_float64(arr):
        rows = arr.tolist()  # Python floats, formatted without the general function's checks
        if nd == 1:
            return "[" + ", ".join(map(_json_float_text, rows)) + "]"
        if nd == 2:
            return "[" + ", ".join("[" + ", ".join(map(_json_float_text, r)) + "]" for r in rows) + "]"
    if nd == 1:
        return "[" + ", ".join(_json_value(x, precision) for x in arr) + "]"
    return "[" + ", ".join(_json_of(row, precision) for row in arr) + "]"


def render_json(result, precision=None) -> str:
    return _json_of(result, precision) + "\n"


def render_npy(result, opts: OutputOptions | None = None) -> bytes:
    from mlcalc.io.npyfile import save_npy_bytes
    if isinstance(result, dict):
        if len(result) != 1:
            raise MlcalcError(several_results_npy(opts))
        (result,) = result.values()  # e.g. eig without --vectors: its values alone
    import numpy as np
    value = result.values if isinstance(result, Labeled) else result
    arr = _exact_integers(value, np.asarray(value))
    if arr.dtype == object or arr.dtype.kind in "US":
        texts = [x for x in arr.ravel().tolist() if isinstance(x, str)]
        if texts and all(_EXACT_TEXT.fullmatch(x) for x in texts):  # --exact fractions are text ("3/2")
            raise MlcalcError(f"this result holds fractions, which NPY cannot: {text_instead(opts)} "
                              "(or leave out --exact for floats)")
        raise MlcalcError(f"this result holds text, which NPY cannot: {text_instead(opts)}")
    return save_npy_bytes(arr)


def refuse_npy_output(opts: OutputOptions, why: str | None = None) -> None:
    """Before the work: an NPY output for a command whose result never fits one (several named
    results, or text: why, which text_instead(opts) completes), refused at once instead of after
    minutes of training or benchmarking."""
    if choose_format(opts) == "npy" and not (opts.output or "").lower().endswith(".npz"):
        raise MlcalcError(f"{why}: {text_instead(opts)}" if why else several_results_npy(opts))


def _instead(opts: OutputOptions | None, first: str, second: str, on_stdout: str) -> str:
    """What to write in place of an NPY that cannot hold the result: files of the other kinds when -o names
    one (told '-f csv', a learner wrote text into x.npy, which mlcalc then refused to read as NPY), else
    on_stdout."""
    if opts is None or not opts.output:
        return on_stdout
    stem = os.path.splitext(opts.output)[0]
    return f"write -o {stem}.{first} or -o {stem}.{second}" + (" without -f npy" if opts.format == "npy" else "")


def several_results_npy(opts: OutputOptions | None = None) -> str:
    return "several results cannot be written as one NPY: " + _instead(opts, "npz", "json",
                                                                      "use -o FILE.npz or -f json")


def text_instead(opts: OutputOptions | None = None) -> str:
    """The formats that hold text or fractions, as _instead words them."""
    return _instead(opts, "csv", "json", "use -f csv or -f json")


def _exact_integers(value, arr):
    """arr, with an --exact result of whole numbers beyond int64 (NumPy makes them uint64 up to 2⁶⁴,
    float64, rounded, or objects) as float64 where float64 holds them exactly (10**22), else an error:
    NPY/NPZ wrote 10000000000000000001 as 1e19, and a single one as uint64."""
    import numpy as np
    if isinstance(value, np.ndarray) or arr.dtype.kind not in "fOu" or not _all_ints(value):
        return arr
    if not _exactly_float(value):
        raise MlcalcError("this exact result holds integers that NPY's int64 and float64 cannot hold "
                          "exactly: use -f csv or -f json (or leave out --exact for floats)")
    return np.array(value, dtype=np.float64)


def _all_ints(value) -> bool:
    if isinstance(value, (list, tuple)):
        return all(_all_ints(v) for v in value)
    return isinstance(value, int) and not isinstance(value, bool)


def _exactly_float(value) -> bool:
    """Whether every number of a nested list (an --exact result) is a float64 exactly."""
    if isinstance(value, (list, tuple)):
        return all(_exactly_float(v) for v in value)
    return not isinstance(value, int) or float(value) == value


def render_npz(result, opts: OutputOptions | None = None) -> bytes:
    from mlcalc.io.npyfile import save_npz_bytes
    import numpy as np
    items = result if isinstance(result, dict) else {"result": result}
    arrays = {}
    for k, v in items.items():
        value = v.values if isinstance(v, Labeled) else v
        arr = _exact_integers(value, np.asarray(value))
        if arr.dtype == object or arr.dtype.kind in "US":
            # names (train-linreg's features) are text an archive holds well; --exact fractions as text
            # ("-3/2" beside whole numbers) would be an archive mlcalc itself cannot read back
            texts = [x for x in arr.ravel().tolist() if isinstance(x, str)]
            if any("/" in x for x in texts) and all(_EXACT_TEXT.fullmatch(x) for x in texts):
                raise MlcalcError(f"this result holds fractions, which NPZ cannot hold as numbers: {text_instead(opts)} "
                                  "(or leave out --exact for floats)")
            arr = arr.astype(str)
        arrays[k] = arr
    return save_npz_bytes(arrays)


_EXACT_TEXT = re.compile(r"-?\d+(/\d+)?")  # an exact result's entries as text: 3, -3/2


def render_table(result, precision=None, color=True) -> str:
    """For a person at a terminal: aligned numbers (6 significant digits), each named result titled."""
    import shutil

    from mlcalc.io.grid import grid_lines, printable

    precision = precision or 6

    def shown(x) -> str:  # a number, or text (a feature's name, the target's) escaped for the terminal
        return printable(x) if isinstance(x, str) else format_number(x, precision)

    width = shutil.get_terminal_size((100, 24)).columns
    bold = (lambda t: f"\x1b[1m{t}\x1b[0m") if color else (lambda t: t)
    items = result.items() if isinstance(result, dict) else [(None, result)]
    out = []
    for title, value in items:
        names = value.names if isinstance(value, Labeled) else None
        arr = _as_array(value)
        if _ndim(arr) == 0 and names is None:
            text = shown(_scalar(arr))
            out.append(f"{bold(title)}: {text}" if title else text)
            continue
        if title:
            out.append(bold(title))
        if names is not None and _ndim(arr) == 1:
            values = list(arr)
            lines = grid_lines((len(names), 2),
                               lambda i, j: printable(str(names[i])) if j == 0 else shown(values[i]),
                               max_rows=60, width=width)
            if len(names) > 60:
                lines.append(f"({len(names)} × 1)")
            out.extend("  " + line if title else line for line in lines)
            continue
        grid = _rows(value)  # a 1-D result shows as a column
        if not grid or not grid[0]:  # e.g. the loss history of the normal equation, which has no steps
            out.append(("  " if title else "") + "(none)")
            continue
        m, n = len(grid), len(grid[0])
        if names is not None:  # a header row above the numbers
            shape = (m + 1, n)
            cell = lambda i, j: printable(str(names[j])) if i == 0 else shown(grid[i - 1][j])  # noqa: E731
        else:
            shape, cell = (m, n), (lambda i, j: shown(grid[i][j]))
        lines = grid_lines(shape, cell, width=width - (2 if title else 0))
        if m > 40 or "…" in lines[0]:
            lines.append(f"({m} × {n})")
        out.extend("  " + line if title else line for line in lines)
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------- destinations


def choose_format(opts: OutputOptions) -> str:
    if opts.format:
        return opts.format
    if opts.output:
        ext = os.path.splitext(opts.output)[1].lower()
        return EXTENSION_FORMATS.get(ext, "csv")
    return "table" if sys.stdout is not None and sys.stdout.isatty() else "csv"


# peak memory of rendering one value as text (the list of rows, each number's str, the joined text;
# measured: 1.2 GB for 10⁷ values as CSV)
TEXT_BYTES_PER_VALUE = 120


def _check_text_size(result, memory_limit: str | None = None) -> None:
    """Refuse, before rendering, a result whose text would not fit the memory budget: the whole text is
    built in memory, so that a failure never leaves half of it written. (--memory-limit 1GB printed 25
    million values as 2.7 GB of text.) With --memory-limit, text over 64 MB is weighed against it (a
    budget of kilobytes, as the block tests set, still prints a vector); without it, only text over
    4 GB, against the default budget."""
    np = _numpy()
    if np is None:
        return
    items = result.values() if isinstance(result, dict) else [result]
    arrays = [v.values if isinstance(v, Labeled) else v for v in items]
    need = sum(a.size for a in arrays if isinstance(a, np.ndarray)) * TEXT_BYTES_PER_VALUE
    if need <= (4 << 30 if not memory_limit else 64 << 20):
        return
    from mlcalc.blocks.storage import default_budget, parse_size, size_text
    limit = parse_size(memory_limit) if memory_limit else default_budget()
    if need > limit:
        raise MlcalcError(f"the result has {need // TEXT_BYTES_PER_VALUE:,} values: as text that needs about "
                          f"{size_text(need)} of memory, more than the memory budget ({size_text(limit)}); "
                          "write it with -o FILE.npy (or -f npy)")


def render(result, opts: OutputOptions, color: bool = True) -> bytes:
    fmt = choose_format(opts)
    if fmt not in ("npy", "npz") and not (opts.output or "").lower().endswith(".npz"):
        _check_text_size(result, opts.memory_limit)
    if opts.output and os.path.splitext(opts.output)[1].lower() == ".npz" and fmt in ("npz", "npy"):
        return render_npz(result, opts)
    if fmt == "npz":
        return render_npz(result, opts)
    if fmt == "npy":
        return render_npy(result, opts)
    _check_text_holds(result, fmt, opts)
    if fmt == "csv":
        text = render_delimited(result, ",", opts.precision, opts.header)
    elif fmt == "tsv":
        text = render_delimited(result, "\t", opts.precision, opts.header)
    elif fmt == "json":
        text = render_json(result, opts.precision)
    elif fmt == "plain":
        text = render_plain(result, opts.precision)
    elif fmt == "table":
        text = render_table(result, opts.precision, color and not opts.output)
    else:
        raise MlcalcError(f"unknown format {fmt!r}: choose one of {', '.join(FORMATS)}")
    return text.encode("utf-8")


def check_output_path(path: str) -> None:
    """Fail before any work if `-o` cannot be written (missing folder, a directory)."""
    if os.path.isdir(path):
        raise InputError(f"cannot write {path}: it is a directory")
    archive, sep, member = path.rpartition(":")
    if sep and archive.lower().endswith(".npz"):  # it wrote a CSV file named "p.npz:W"
        raise InputError(f"cannot write {path}: -o writes a whole file, not one member of an NPZ archive (write "
                         f"{member or 'NAME'}.npy, or -o {archive} for a command with several results)")
    if path.endswith(("/", os.sep)):
        named = path.rstrip("/" + os.sep)
        what = f"{named} is a file, not a folder" if os.path.exists(named) else "no such folder"
        raise InputError(f"cannot write {path}: {what} (a name ending in '/' is a folder's): -o takes a file's path")
    descriptor = _names_a_descriptor(path)
    if descriptor or (os.path.exists(path) and not os.path.isfile(path)):  # written into as it is
        if descriptor and not os.path.exists(path):  # `-o /dev/stdout >&-`
            raise InputError(f"cannot write {path}: that file descriptor is closed")
        if not os.access(path, os.W_OK):
            raise InputError(f"cannot write {path}: permission denied")
        return
    if os.path.islink(path):
        path = os.path.realpath(path)  # a symlink's target is what gets replaced (or made)
    try:
        folder = os.path.dirname(os.path.abspath(path))
    except FileNotFoundError:  # a relative path in a working folder that was deleted (os.getcwd fails)
        raise InputError(f"cannot write {path}: the current folder no longer exists") from None
    if not os.path.isdir(folder):
        what = "is a file, not a folder" if os.path.exists(folder) else "does not exist"
        raise InputError(f"cannot write {path}: folder {os.path.dirname(path) or '.'} {what}")
    if not os.access(folder, os.W_OK):
        raise InputError(f"cannot write {path}: permission denied")


class AtomicTarget:
    """Where `-o PATH` goes, and how a result becomes it only once complete.

    A regular file (or none yet) is replaced by renaming a finished temporary file over it: the temp
    sits in the same folder, and takes the old file's mode, or the umask's for a new one (mkstemp's
    0600 would hide a result from the rest of a team). A symlink is followed: the link stays and its
    target gets the result. A device or FIFO (`-o /dev/null`, a named pipe) is written into as it
    is, and /dev/stdout or /dev/fd/N written through the descriptor the process holds, as its own writes
    go: reopening it "wb" truncated a `>> log` file, and "ab" started at the file's end, not at the
    shell's offset, so that `{ mlcalc ... -o /dev/stdout; echo done; } > f` lost the result under "done"."""

    def __init__(self, path: str):
        import stat

        check_output_path(path)
        try:
            st = os.stat(path)  # follows a symlink
        except FileNotFoundError:
            st = None
        except OSError as e:  # a folder that may not be entered, a loop of links, a name too long
            raise InputError(f"cannot write {path}: {e.strerror or e}") from None
        self.path = path
        self.append = _names_a_descriptor(path)
        self.into = self.append or (st is not None and not stat.S_ISREG(st.st_mode))
        self.target = os.path.realpath(path) if os.path.islink(path) else path
        self.mode = stat.S_IMODE(st.st_mode) if st is not None and not self.into else 0o666 & ~_umask()

    def write_into(self, source) -> None:
        """Copy a binary file object (or bytes) into the device, FIFO or descriptor."""
        import shutil

        try:
            fd = _open_descriptor(self.path) if self.append else None
            if fd == 1:
                sys.stdout.flush()  # (nothing of ours should be there: the result goes to -o)
            with (os.fdopen(os.dup(fd), "wb") if fd is not None else
                  open(self.path, "ab" if self.append else "wb")) as f:
                if isinstance(source, bytes):
                    f.write(source)
                else:
                    shutil.copyfileobj(source, f, 1 << 20)
        except BrokenPipeError:
            raise  # its reader left (`-o /dev/stdout | head`): a quiet end, as for standard output
        except OSError as e:
            raise self.error(e) from None

    def error(self, e: OSError) -> InputError:
        """An OSError while writing (no space, a file size limit) as one error line."""
        return InputError(f"cannot write {self.path}: {e.strerror or e}")

    def temp(self, suffix: str = ".tmp") -> str:
        """A new empty temporary file for the result: beside the target, or in the system's temp
        folder when the result is to be written into a device (whose folder may be /dev)."""
        import tempfile  # only when writing a file: it costs a small command ~5 ms to import

        folder = tempfile.gettempdir() if self.into else os.path.dirname(os.path.abspath(self.target))
        try:
            fd, tmp = tempfile.mkstemp(prefix=".mlcalc-", suffix=suffix, dir=folder)
        except OSError as e:
            raise self.error(e) from None
        os.fchmod(fd, self.mode)
        os.close(fd)
        return tmp

    def commit(self, tmp: str) -> None:
        """The finished temporary file becomes the result (and is gone either way)."""
        try:
            with open(tmp, "rb+") as f:
                os.fsync(f.fileno())
                if self.into:
                    f.seek(0)
                    self.write_into(f)
            if not self.into:
                os.replace(tmp, self.target)
        except BrokenPipeError:
            raise
        except OSError as e:
            raise self.error(e) from None
        finally:
            discard(tmp)


@contextmanager
def terminable():
    """While a temporary `-o` file exists: SIGTERM (kill, timeout(1)) and SIGHUP (the terminal closed)
    end the command through SystemExit, as ^C does through KeyboardInterrupt, so that the file is removed
    instead of left beside the target (exit status 143, 129, the shell's for the signal). Only around
    the writing: a Python handler runs only between bytecodes, and installed for the whole command it
    kept `timeout 2 mlcalc eig` running until LAPACK returned (34 s). The previous handlers come back
    afterwards (main() also runs inside the test suite); a signal set to be ignored (nohup) stays so."""
    import signal

    def leave(signum, frame):
        raise SystemExit(128 + signum)

    previous = {}
    try:
        for sig in (signal.SIGTERM, signal.SIGHUP):
            if signal.getsignal(sig) == signal.SIG_DFL:
                previous[sig] = signal.signal(sig, leave)
    except ValueError:  # not the main thread: signals stay as they are
        pass
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def discard(tmp: str) -> None:
    try:
        os.unlink(tmp)
    except OSError:
        pass


def write_atomic(path: str, data: bytes) -> None:
    """`data` as the file at `path`, by AtomicTarget's rules: complete or not at all."""
    target = AtomicTarget(path)
    if target.into:
        target.write_into(data)
        return
    with terminable():
        tmp = target.temp()
        try:
            with open(tmp, "wb") as f:
                f.write(data)
            target.commit(tmp)
        except OSError as e:  # no space, a file size limit
            discard(tmp)
            raise target.error(e) from None
        except BaseException:  # commit's own errors, ^C, SIGTERM/SIGHUP (terminable): no temp file is left
            discard(tmp)
            raise


_PROC_DESCRIPTOR = re.compile(r"/proc/(self|thread-self|\d+)/(task/\d+/)?fd/")


def _descriptor_path(path: str) -> str | None:
    """The /dev/fd/N or /proc/…/fd/N that path is or links to (/dev/stdout, /dev/fd/3, /proc/self/fd/1),
    else None: following the link would name the file behind it, which is not ours to replace."""
    for _ in range(8):
        if path.startswith("/dev/fd/") or _PROC_DESCRIPTOR.match(path):
            return path
        if not os.path.islink(path):
            return None
        path = os.path.join(os.path.dirname(path), os.readlink(path))
    return None


def _names_a_descriptor(path: str) -> bool:
    return _descriptor_path(path) is not None


def _open_descriptor(path: str) -> int | None:
    """N where path names this process's open descriptor N (its writes then share the offset the shell
    set up), else None (another process's, or one not open here: the path is opened as a file)."""
    found = _descriptor_path(path)
    owner = _PROC_DESCRIPTOR.match(found) if found else None
    if found is None or (owner and owner.group(1) not in ("self", "thread-self", str(os.getpid()))):
        return None
    tail = found.rsplit("/", 1)[-1]
    if not tail.isdigit():
        return None
    try:
        import fcntl
        if fcntl.fcntl(int(tail), fcntl.F_GETFL) & os.O_ACCMODE == os.O_RDONLY:
            return None  # open for reading only (`3< f`): the path is opened for appending, as before
    except OSError:
        return None
    return int(tail)


def _umask() -> int:
    mask = os.umask(0)  # the only way to read it is to set it
    os.umask(mask)
    return mask


def emit(result, opts: OutputOptions, color: bool = True, ready=None) -> None:
    """Render and write the result; ready() (the CLI's held warnings) once it is rendered and, for -o, written:
    a refusal in rendering (a 3-D result as text) or a failed -o write is then the one line on stderr."""
    data = render(result, opts, color)
    if opts.output:
        write_atomic(opts.output, data)
        if ready is not None:
            ready()
        return
    if sys.stdout is None:  # started with stdout closed (`>&-`): Python has no stream to give
        raise MlcalcError("standard output is closed: the result cannot be written (use -o FILE)")
    if ready is not None:
        ready()  # on a terminal the warnings belong above the result
    out = sys.stdout.buffer if hasattr(sys.stdout, "buffer") else None
    try:
        if out is not None:
            out.write(data)
            out.flush()
        else:
            sys.stdout.write(data.decode("utf-8", errors="replace"))
            sys.stdout.flush()
    except BrokenPipeError:
        raise  # the reader left (`| head`): ends quietly in cli.app
    except OSError as e:  # e.g. `> /dev/full`
        raise MlcalcError(f"cannot write to standard output: {e.strerror or e}") from None
