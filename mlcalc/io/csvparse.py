"""Delimited numeric text (CSV/TSV/TXT, standard input, inline rows) into a float array.

The rules: `#` comment lines and blank lines are skipped; the delimiter is detected from the
data (comma, tab, semicolon, else runs of whitespace) unless given; a first row with any
non-numeric cell is a header; a UTF-8 BOM and CRLF line ends are accepted. An empty cell, a
ragged row or text where a number belongs is an error naming the source, line and column
(1-based, as an editor counts): never silently 0 or NaN.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mlcalc.errors import InputError

# what float() accepts that a data file should not mean: '1_000', ' 1', 'infinity' spelled oddly is fine
# (digits, then an optional fraction part: "\d+\.?\d*" could split a run of digits in every way, and a
# 16,000-digit cell ending in a letter took 14 s to fail)
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?|inf|infinity|nan)", re.I)
_FRACTION = re.compile(r"[+-]?\d+/\d+")
# booleans as pandas ("True"), R ("TRUE") and Julia ("true") write them: read as 1 and 0 (CLI.md: "integers
# and booleans are read as floats"), as NumPy's bool arrays and JSON's true/false are
BOOLEANS = {"true": 1, "false": 0}

DELIMITERS = (",", "\t", ";")


@dataclass
class Table:
    """Parsed text: `rows` of float (or Fraction with exact=True) and the header's names, if any."""

    rows: list[list]
    names: list[str] | None
    ncols: int
    lines_of_rows: list[int] | None = None  # the 1-based line of each row in the text


def shown(cell: str, limit: int = 40) -> str:
    """A cell quoted for an error message, cut short when long (the message stays one readable line)."""
    return repr(cell) if len(cell) <= limit else repr(cell[:limit]) + f"… ({len(cell)} characters)"


def is_number(cell: str) -> bool:
    """Whether a cell is a number (booleans, which to_number reads too, are names in a header: pandas'
    get_dummies names its columns False and True)."""
    return bool(_NUMBER.fullmatch(cell) or _FRACTION.fullmatch(cell))


EXACT_DIGITS = 1000  # the most digits a numerator or denominator may have under --exact (also ops.rowops')


class TooLongForExact(ValueError):
    """A cell whose exact value needs more than EXACT_DIGITS digits."""


def exact_digits(cell: str) -> int:
    """About how many digits the exact value of a number cell needs (its digits plus its exponent's
    size), read from the text: Fraction("1e10000000") itself took 15 s to build."""
    body = cell.lstrip("+-")
    if "/" in body:
        return max(len(part) for part in body.split("/"))
    mantissa, _, exponent = body.lower().partition("e")
    if len(exponent.lstrip("+-")) > 9:
        return 10 ** 9
    return len(mantissa) + abs(int(exponent or 0))


def to_number(cell: str, exact: bool = False):
    """One cell as float (or Fraction when exact); ValueError when it is not a number, TooLongForExact
    (a ValueError) when exact and its value needs more than EXACT_DIGITS digits. A quoted number ("1.5",
    as csv.QUOTE_ALL and some spreadsheets write it) is that number, as pandas reads it."""
    cell = _unquote_number(cell)
    if _NUMBER.fullmatch(cell):
        if exact:
            low = cell.lower().lstrip("+-")
            if low in ("inf", "infinity", "nan"):
                raise ValueError("exact arithmetic needs finite numbers")
            if exact_digits(cell) > EXACT_DIGITS:
                raise TooLongForExact(cell)
            from fractions import Fraction  # here, not at import: 2 ms of a small command's start-up
            return Fraction(cell)
        return float(cell)
    if _FRACTION.fullmatch(cell):
        if exact and exact_digits(cell) > EXACT_DIGITS:
            raise TooLongForExact(cell)
        num, den = cell.split("/")
        if int(den) == 0:
            raise ValueError("division by zero")
        from fractions import Fraction
        f = Fraction(int(num), int(den))
        return f if exact else as_float(f)  # 10⁴⁰⁰/3 is inf, as 1e400 is
    if cell.lower() in BOOLEANS:
        from fractions import Fraction
        return Fraction(BOOLEANS[cell.lower()]) if exact else float(BOOLEANS[cell.lower()])
    raise ValueError(cell)


def _unquote_number(cell: str) -> str:
    """A cell without the double quotes around it ("1.5" as csv.QUOTE_ALL writes it)."""
    return cell[1:-1].strip() if len(cell) >= 2 and cell[0] == cell[-1] == '"' else cell


def not_exact_text(cell: str, e: Exception) -> str:
    """Why a number cell cannot be read exactly, for an error message."""
    if isinstance(e, TooLongForExact):
        return (f"{shown(cell)} needs more than {EXACT_DIGITS} digits, the limit of exact arithmetic "
                "(drop --exact to compute in floating point)")
    return f"{shown(cell)} cannot be used in exact arithmetic (only finite numbers)"


def as_float(x) -> float:
    """A number (or an exact Fraction) as float; ±inf beyond float's range (1e400 is a fine fraction)."""
    try:
        return float(x)
    except OverflowError:
        return float("inf") if x > 0 else float("-inf")


# the error values a spreadsheet writes into a cell (Excel's, as pandas' na_values spell #N/A): a row that
# starts with one is data with a missing value, not a `#` comment to skip
_SHEET_ERROR = re.compile(r"#(?:N/A(?: N/A)?|NA|NULL!|DIV/0!|VALUE!|REF!|NAME\?|NUM!|SPILL!|CALC!)(?=[\s,;]|$)")


# the line Excel writes first (and reads) to name a file's delimiter: "sep=;" ("sep=" once a tab is stripped)
_SEP_DIRECTIVE = re.compile(r"sep=[,;\t]?")
# Octave's and MATLAB's comment lines: "% Created by …", "%% section", "%" (not a header's "%fat,protein")
_PERCENT_COMMENT = re.compile(r"%(?:[%\s]|$)")


def is_comment(stripped: str) -> bool:
    """Whether a stripped, non-empty line is a comment: a `#` line, unless it starts with a spreadsheet's
    error value followed by nothing but numbers and missing values ("#N/A,3", "#DIV/0!"): a row of data,
    whose parse names the bad cell. "#NA values removed" stays a comment. So are Octave's and MATLAB's
    `%` lines, and the `sep=;` line Excel reads and writes first (it names the delimiter, which the data shows)."""
    if _PERCENT_COMMENT.match(stripped) or _SEP_DIRECTIVE.fullmatch(stripped):
        return True
    if not stripped.startswith("#"):
        return False
    error = _SHEET_ERROR.match(stripped)
    if error is None:
        return True
    rest = [c for c in re.split(r"[\s,;]+", stripped[error.end():]) if c]
    return not all(is_number(_unquote(c)) or c in _MISSING_MARKS for c in rest)


def data_lines(text: str) -> list[tuple[int, str]]:
    """(1-based line number, line) for every line that holds data."""
    if text.startswith("\ufeff"):
        text = text[1:]
    out, raw = [], []  # raw: the first two data lines as written
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped and not is_comment(stripped):
            if len(raw) < 2:
                raw.append(line.lstrip(" "))
            out.append((number, stripped))
    if (len(raw) == 2 and raw[0].startswith("\t") and not raw[1].startswith("\t") and "\t" in out[0][1]
            and raw[0].rstrip().count("\t") == raw[1].rstrip().count("\t")):
        # a leading tab on the first line alone (not an indent of every line), which makes it as many cells
        # as the next line, is an empty first name: pandas' to_csv(sep="\t") writes its index column so
        # ("\tx\ty" over "0\t1\t3"), and a spreadsheet's tab-separated export an empty corner cell
        out[0] = (out[0][0], raw[0].rstrip())
    return out


# what Microsoft's C runtime prints for non-finite numbers ("-1.#IND", "1.#INF", "1.#QNAN"): its '#' is the cell's
_MSVC_NONFINITE = re.compile(r"(?<=1\.)#(?:IND|INF|QNAN|SNAN)\d*")
_MSVC_INFINITY = re.compile(r"[+-]?1\.#INF\d*")


def _comment_at(line: str) -> int:
    """Where a comment starts within a line of data (-1: none). The `#` of a spreadsheet's error cell
    ("1,#N/A,3") or of MSVC's NaN ("-1.#IND") is the cell's, which the row's parse names."""
    i = line.find("#")
    while i >= 0 and (_SHEET_ERROR.match(line, i) or _MSVC_NONFINITE.match(line, i)):
        i = line.find("#", i + 1)
    return i


def detect_delimiter(lines: list[str]) -> str | None:
    """The delimiter that appears the same number of times (at least once) on every sampled line.

    None means runs of whitespace. Written for numeric data: csv.Sniffer guesses '.' or 'e' there.
    """
    sample = lines[:50]
    for delim in DELIMITERS:
        counts = {line.count(delim) for line in sample}
        if len(counts) == 1 and next(iter(counts)) > 0:
            return delim
    # no comma or semicolon, and blanks split every line into the same number of cells (two or more):
    # columns aligned with tabs and spaces ("x y" over "1<tab>2", "0<tab> 0" over "1 2"), which NumPy's
    # loadtxt and Octave's load read as whitespace; by the tabs alone they were ragged rows
    widths = {len(line.split()) for line in sample}
    if len(widths) == 1 and min(widths) > 1 and not any("," in line or ";" in line for line in sample):
        return None
    # ragged data: the delimiter on the first line wins (tab, comma, semicolon), so that "1,2\n3"
    # reads "1,2" as two values and the error names the short row instead of calling "1,2" a header
    for delim in ("\t", ",", ";"):
        if sample and delim in sample[0]:
            return delim
    # else the delimiter present on most lines
    for delim in DELIMITERS:
        if sum(delim in line for line in sample) > len(sample) // 2:
            return delim
    return None


_DELIMITER_NAMES = {",": "comma", "\t": "tab", ";": "semicolon", " ": "whitespace"}
WHITESPACE_NAMES = ("whitespace", " ", "space")


def given_delimiter(delimiter: str, lines: list[str], source: str) -> str | None:
    """--delimiter as the splitting takes it (None: runs of whitespace). One that no sampled line holds,
    where the lines hold another delimiter, is an error that says so: read as one column, the first line
    of "1,2" over "3,4" became a header or a cell that is "not a number (a decimal comma?)"."""
    delim = None if delimiter in WHITESPACE_NAMES else delimiter
    sample = [line.strip() for line in lines[:50]]
    if not any((len(line.split()) > 1) if delim is None else (delim in line) for line in sample):
        seen = _on_every_line(sample)
        if seen is not None and seen != (delim or " "):
            given = "whitespace" if delim is None else _DELIMITER_NAMES.get(delim, repr(delim))
            if seen == "," and all(_DECIMAL_COMMA.fullmatch(_unquote(line)) for line in sample):
                # "1,5" a line: two cells, or one number with a decimal comma (a European one-column export,
                # which --delimiter comma would read as two columns without a word): both readings
                first = _unquote(sample[0])
                raise InputError(f"{source}: --delimiter {given} does not occur in its first lines ({first!r}): if "
                                 "the commas separate cells, drop --delimiter or give --delimiter comma; if they are "
                                 f"decimal commas, mlcalc reads '.' as the decimal point: write {first.replace(',', '.')!r}")
            raise InputError(f"{source}: --delimiter {given} does not occur in its first lines, which are "
                             f"{_DELIMITER_NAMES[seen]}-separated: drop --delimiter, or give --delimiter "
                             f"{_DELIMITER_NAMES[seen]}")
    return delim


def _on_every_line(sample: list[str]) -> str | None:
    """The delimiter each sampled line holds as often (" ": runs of whitespace splitting each into as many
    cells), or None; stricter than detect_delimiter, which also guesses for ragged data."""
    for delim in DELIMITERS:
        counts = {line.count(delim) for line in sample}
        if len(counts) == 1 and min(counts) > 0:
            return delim
    widths = {len(line.split()) for line in sample}
    return " " if len(widths) == 1 and min(widths) > 1 else None


def split_line(line: str, delimiter: str | None) -> list[str]:
    if delimiter is None:
        return line.split()
    return [c.strip() for c in line.split(delimiter)]


def _quoted_over_unquoted(line: str, delimiter: str | None, rows: list[str]) -> bool:
    """Whether every cell of a line is quoted ("2019","2020") and the next line's cells are not (1.5,2.5):
    names of numbers as R's write.csv writes them, which quotes names and never numbers."""
    def quoted(cell: str) -> bool:
        return len(cell) >= 2 and cell[0] == cell[-1] == '"'
    return bool(rows) and all(map(quoted, split_line(line, delimiter))) and not any(
        map(quoted, split_line(rows[0], delimiter)))


def _cell_count(line: str, delimiter: str | None) -> int:
    """How many cells a line holds, a quoted cell holding the delimiter ("1,234.5") counted once."""
    return len(_header_cells(line, delimiter) if '"' in line else split_line(line, delimiter))


def _unquote(cell: str) -> str:
    if len(cell) >= 2 and cell[0] == cell[-1] and cell[0] in "\"'":
        return cell[1:-1].strip()
    return cell


def _header_cells(line: str, delimiter: str | None) -> list[str]:
    """A header line's cells; a quoted name may hold the delimiter ("rooms, total") and doubled
    quotes, read as Python's csv module and pandas read them."""
    if delimiter is not None and '"' in line:
        import csv

        return [c.strip() for c in next(csv.reader([line], delimiter=delimiter, skipinitialspace=True))]
    return [_unquote(c) for c in split_line(line, delimiter)]


# cells that mark a missing value in exported tables (pandas' default na_values, which match case and all, the
# '?', '-' and '.' of other tools, and a spreadsheet's error values): a missing value, never a column name
_MISSING_MARKS = frozenset({"NA", "N/A", "n/a", "#N/A", "#N/A N/A", "#NA", "<NA>", "NULL", "null", "None",
                            "-1.#IND", "1.#IND", "-1.#QNAN", "1.#QNAN", "?", "-", "--", ".",
                            "#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#SPILL!", "#CALC!"})


def header_names(line: str, delimiter: str | None, source: str, number: int, rows: list[str]) -> list[str] | None:
    """The first data line's cells as column names when it is a header, else None (data). `rows`: the data
    lines after it that detect_delimiter samples (for a header over one column, one_column_header).

    A header (CLI.md: "a non-numeric first row") has a cell that is a name: neither a number, nor empty,
    nor a missing-value mark; numbers may stand beside names ("country,2019,2020", "q,0.25,0.5"). A first
    row of numbers with a missing value in it ("1,NA", "1,,3") is data, and its error names the cell: as a
    header it silently dropped the row ("1,NA" trained on the rest), while on any later line it is an
    error. So is a row of marks alone ("NA"), and a comment after the numbers ("1,2  # note")."""
    cells = _header_cells(line, delimiter)
    if not any(c and not is_number(c) for c in cells):
        if _quoted_over_unquoted(line, delimiter, rows):
            return cells  # R's write.csv quotes its names and never its numbers: "2019","2020" over 1.5,2.5
        if len(cells) > 2 and not cells[0] and cells[1:] == [str(j) for j in range(len(cells) - 1)]:
            raise InputError(f"{source} line {number}, column 1: an empty cell (pandas' header of its index and "
                             "columns numbered 0, 1, …? write it with index=False and header=False, or name the columns)")
        return None
    if _booleans_over_booleans(cells, delimiter, rows):
        return None  # "true,1" over "false,2" (pandas' True/False, R's TRUE/FALSE): a row of data
    if all(is_number(c) or formatted_number(c) for c in cells if c):
        # numbers formatted for people ("1,234.5"; "1,5;2,5" split at its commas): data, whose error says why
        bad = next(j for j, c in enumerate(cells, 1) if c and not is_number(c))
        raise InputError(f"{source} line {number}, column {bad}: {not_a_number(cells[bad - 1])}")
    at = _comment_at(line)
    if at >= 0 and line[:at].strip():
        before = [_unquote(c) for c in split_line(line[:at].strip(), delimiter)]
        if all(is_number(c) for c in before if c) and any(before):
            raise InputError(_comment_after_data(source, number, line[at + 1:]))
    missing = [(j, c) for j, c in enumerate(cells, 1) if not c or c in _MISSING_MARKS]
    if missing and (any(is_number(c) for c in cells) or len(missing) == len(cells)):
        column, cell = missing[0]
        what = empty_cell(line, delimiter, column == len(cells)) if not cell else not_a_number(cell)
        raise InputError(f"{source} line {number}, column {column}: {what}")
    if rows and all(_cell_count(row, delimiter) == len(cells) + 1 for row in rows):
        # one name fewer than every row has values: the first column is row names, unnamed, as R's
        # write.table and pandas' to_string write them and pandas' read_csv reads them
        return [""] + cells
    return one_column_header(cells, line, delimiter, rows)


def _booleans_over_booleans(cells: list[str], delimiter: str | None, rows: list[str]) -> bool:
    """Whether the row's only non-numbers are booleans with booleans below each in every sampled row (or
    no row below): data of booleans, not names; "True" over numbers stays a name. A row of several cells,
    booleans all, stays names too: pandas' get_dummies names its columns False and True, and since
    pandas 2 writes True/False under them."""
    words = [j for j, c in enumerate(cells) if c and not is_number(c)]
    if not all(cells[j].lower() in BOOLEANS for j in words) or (len(words) == len(cells) > 1):
        return False
    for row in rows:
        below = _header_cells(row, delimiter)
        if len(below) != len(cells) or not all(below[j].lower() in BOOLEANS for j in words):
            return False
    return True


def one_column_header(names: list[str], line: str, delimiter: str | None, rows: list[str]) -> list[str]:
    """The header's names, read as one name where blanks split it over rows of one value ("house price"
    above "1", "2", ...), as pandas and NumPy's loadtxt read such a file: split, every row was ragged."""
    if delimiter is not None or len(names) < 2 or not rows or any(len(row.split()) != 1 for row in rows):
        return names
    return [_unquote(line.strip())]


# what a Chinese or Japanese input method types for ',' ';' '-' '.' and a space: inline literals read them
# as those (literal.py), a file written with them has no delimiter to detect (its cells are named)
FULL_WIDTH = {"\uff0c": ",", "\uff1b": ";", "\uff0d": "-", "\uff0e": ".", "\u3000": " "}


# numbers as a spreadsheet formats them for people: decimal commas and ';' between cells (a German, French or
# Russian locale's export; split at the commas such a file reads "5;2" cells, at ';' "1,5" cells) and
# thousands separators ("1,234.5", quoted where ',' is the delimiter). None of them is a column name.
_DECIMAL_COMMA = re.compile(r"[+-]?\d+,\d+")
_JOINED = re.compile(r"[+-]?\d+(,\d+)?([;\s]+[+-]?\d+(,\d+)?)+")
_THOUSANDS = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d*)?")
_POINTS_AND_COMMA = re.compile(r"[+-]?\d{1,3}(\.\d{3})+,\d*")  # 1.234,5: a German or Italian locale's
_SPACED_THOUSANDS = re.compile(r"[+-]?\d{1,3}( \d{3})+(\.\d*)?")  # 1 234.5: a French or Swedish locale's
# numbers a person or a program mistyped or wrote in another notation: an exponent without digits ("1e"), digits
# grouped by '_' (Python's 1_000), hexadecimal ("0x10"); not_a_number says which. Not formatted_number's: on a
# first row they stay names, as CLI.md has it ("2019_01", "0x00" are column names as often as data)
_BARE_EXPONENT = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)e[+-]?", re.I)
_UNDERSCORED = re.compile(r"[+-]?\d+(_\d+)+(\.\d+(_\d+)*)?(e[+-]?\d+)?", re.I)
_HEXADECIMAL = re.compile(r"[+-]?0x[0-9a-f]+", re.I)


def formatted_number(cell: str) -> bool:
    """Whether a cell is a number formatted for people ("1,5", "1,234.5") or, split at the commas of a
    decimal-comma export, the digits either side of a ';' or blank between its cells ("5;2", "5 2")."""
    cell = _unquote(cell)
    return any(pattern.fullmatch(cell)
               for pattern in (_DECIMAL_COMMA, _JOINED, _THOUSANDS, _POINTS_AND_COMMA, _SPACED_THOUSANDS))


def empty_cell(line: str, delimiter: str | None, last: bool) -> str:
    """What an empty cell is; the last one of a line that ends with the delimiter ("1,2,", as some
    exporters end every line) says so."""
    if last and delimiter is not None and line.rstrip(" \r\n").endswith(delimiter):
        return f"an empty cell (the line ends with {delimiter!r}: a missing last value, or a delimiter too many?)"
    return "an empty cell"


def not_a_number(cell: str) -> str:
    """What is wrong with a cell that is not a number; a missing-value mark ("NA", "#N/A"), full-width
    punctuation ("1，2") and a number formatted for people ("1,5", "1,234.5") say so."""
    bare = _unquote(cell)
    if bare in _MISSING_MARKS:
        return f"{shown(cell)} is not a number (a missing value: every cell needs one)"
    for wide, plain in FULL_WIDTH.items():
        if wide in cell:
            return f"{shown(cell)} is not a number (it holds a full-width {wide!r}: write {plain!r})"
    if _MSVC_INFINITY.fullmatch(bare):
        sign = "-" if bare.startswith("-") else ""
        return f"{shown(cell)} is not a number (Microsoft's C library's infinity: write {sign}inf)"
    point = "mlcalc reads '.' as the decimal point, as NumPy does"
    if _THOUSANDS.fullmatch(bare) and "." in bare:
        return f"{shown(cell)} is not a number (a thousands separator? write {bare.replace(',', '')!r})"
    if _THOUSANDS.fullmatch(bare):
        return (f"{shown(cell)} is not a number (a thousands separator or a decimal comma? {point}, without "
                f"separators: write {bare.replace(',', '')!r} or {bare.replace(',', '.')!r})")
    if _DECIMAL_COMMA.fullmatch(bare):
        return f"{shown(cell)} is not a number (a decimal comma? {point}: write {bare.replace(',', '.')!r})"
    if _POINTS_AND_COMMA.fullmatch(bare):
        plain = bare.replace(".", "").replace(",", ".")
        return f"{shown(cell)} is not a number (a decimal comma after thousands points? {point}: write {plain!r})"
    if _SPACED_THOUSANDS.fullmatch(bare):
        return f"{shown(cell)} is not a number (a space between thousands? write {bare.replace(' ', '')!r})"
    if _JOINED.fullmatch(bare):
        return f"{shown(cell)} is not a number (decimal commas? {point})"
    if _BARE_EXPONENT.fullmatch(bare):
        return f"{shown(cell)} is not a number (its exponent has no digits)"
    if _UNDERSCORED.fullmatch(bare):
        plain = bare.replace("_", "")
        return f"{shown(cell)} is not a number (digits grouped by '_'" + (f": write {plain!r})" if len(plain) <= 40 else ")")
    if _HEXADECIMAL.fullmatch(bare):  # (a long one's decimal digits would pass Python's limit on int to str)
        return f"{shown(cell)} is not a number (hexadecimal" + (f": write '{int(bare, 16)}')" if len(bare) <= 18 else ")")
    if bare[-1:] in ("j", "J", "i", "I", ")") and _COMPLEX.fullmatch(bare) and any(ch.isdigit() for ch in bare):
        # eig's complex values as CSV writes them, piped on
        return f"{shown(cell)} is a complex number: mlcalc's operands are real"
    return f"{shown(cell)} is not a number"


# one way to match each number (a digit run cannot split between \d+ and \d*): a million digits in a cell
# stay linear to reject
_COMPLEX = re.compile(r"\(?(?:[+-]?(?:(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?|nan|inf)?[+-])?"
                      r"(?:(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?|nan|inf)?[ij]\)?", re.I)


def _refuse_quoted_delimiters(line: str, delimiter: str | None, source: str, number: int) -> None:
    """A row made ragged by a quoted cell that holds the delimiter (a number with thousands separators,
    "1,234.5", or text, "Smith, John") names that cell: the ragged-rows message did not say why."""
    if delimiter is None or '"' not in line:
        return
    for column, cell in enumerate(_header_cells(line, delimiter), 1):
        if delimiter in cell:
            quoted = f'"{cell}"'
            raise InputError(f"{source} line {number}, column {column}: {not_a_number(quoted)}")


def _comment_after_data(source: str, number: int, note: str) -> str:
    return f"{source} line {number}: a comment after the data ('#{note.rstrip()}'): put comments on lines of their own"


# line ends of str.splitlines() (data_lines) that a file's own line iteration does not split at
_OTHER_LINE_ENDS = re.compile("[\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


def line_of_data_row(lines, row: int, header: bool) -> int | None:
    """The 1-based line, as data_lines numbers them, of data row `row` (0-based; after the header where
    there is one) among `lines`: a file opened with newline="" (one line at a time, so a big file
    costs no memory). None where the row is not there, or a line holds a line end the two count apart."""
    want, seen = row + header, -1
    for number, line in enumerate(lines, start=1):
        body = line.rstrip("\r\n")
        if _OTHER_LINE_ENDS.search(body):
            return None
        stripped = body.strip()
        if stripped and not is_comment(stripped):
            seen += 1
            if seen == want:
                return number
    return None


def parse_text(text: str, source: str, delimiter: str | None = None, exact: bool = False) -> Table:
    """Parse numeric delimited text; `source` names it in errors ('a.csv', 'standard input')."""
    lines = data_lines(text)
    if not lines:
        raise InputError(f"{source}: no data (the file is empty or holds only comments)")
    if delimiter is None:
        delim = detect_delimiter([line for _, line in lines])
    else:
        delim = given_delimiter(delimiter, [line for _, line in lines], source)
    first_no, first = lines[0]
    names = header_names(first, delim, source, first_no, [line for _, line in lines[1:51]])
    if names is not None:
        lines = lines[1:]
        if not lines:
            raise InputError(f"{source}: a header row but no data rows")
    ncols = len(names) if names is not None else len(split_line(lines[0][1], delim))
    ref_line = first_no if names is not None else lines[0][0]
    rows = []
    for number, line in lines:
        at = _comment_at(line)  # no number holds a '#'
        if at >= 0:
            raise InputError(_comment_after_data(source, number, line[at + 1:]))
        cells = split_line(line, delim)
        if len(cells) != ncols:
            _refuse_quoted_delimiters(line, delim, source, number)
            raise InputError(
                f"{source} line {number}: {len(cells)} value{'' if len(cells) == 1 else 's'}, expected {ncols} as on "
                f"line {ref_line} (ragged rows)"
            )
        if not any(cells) and delim is not None:
            raise InputError(f"{source} line {number}: only delimiters, no values (a spreadsheet writes its empty "
                             "rows so): delete the line")
        row = []
        for col, cell in enumerate(cells, start=1):
            try:
                row.append(to_number(cell, exact))
            except (ValueError, ZeroDivisionError) as e:
                bare = _unquote_number(cell)
                what = empty_cell(line, delim, col == len(cells)) if not bare else not_a_number(cell)
                if exact and is_number(bare):
                    what = not_exact_text(bare, e)
                raise InputError(f"{source} line {number}, column {col}: {what}") from None
        rows.append(row)
    return Table(rows=rows, names=names, ncols=ncols, lines_of_rows=[number for number, _ in lines])
