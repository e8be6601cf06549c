"""Inline matrix literals, in pure Python (no NumPy: small commands must start fast).

Octave rows ("1 2; 3 4", "[1 2; 3 4]", "1,2;3,4"), JSON-style nesting ("[[1,2],[3,4]]"), a flat
list ("[3,4]", "1 2 3": a vector), a single number ("5"), fractions ("1/3"), nan/inf.
"""

from __future__ import annotations

import json
import re

from mlcalc.errors import InputError
from mlcalc.io import csvparse

# characters an inline literal may hold (numbers, fractions, nan/inf, separators, brackets)
_LITERAL_CHARS = re.compile(r"[\s\d.,;+\-eE/\[\]infaINFAty\"]*")
_JSON_BOOLEANS = re.compile(r"\[[\s\d.,+\-eE\[\]]*\b(true|false)\b[\s\d.,+\-eE\[\]truefals]*")
_BOOLEAN_WORDS = re.compile(r"(?i)(?<![\w.])(true|false)(?![\w.])")
NONFINITE = re.compile(r'(?i)"?(-?(?:nan|inf(?:inity)?))"?')


# the typographic minus that traces print ("(−2)"), so that a number copied from one reads back, and the
# full-width punctuation and brackets a Chinese or Japanese input method types ("1，2；3，4", "［1　2］")
_TYPED = str.maketrans({"\u2212": "-", "\uff3b": "[", "\uff3d": "]", **csvparse.FULL_WIDTH})


def looks_like_literal(spec: str) -> bool:
    spec = spec.translate(_TYPED)
    if _JSON_BOOLEANS.fullmatch(spec.strip()):
        return True  # "[true, false]": JSON booleans, read as 1 and 0
    spec = _BOOLEAN_WORDS.sub("1", spec)  # "1 true", "True False": booleans, as in files (csvparse)
    return bool(spec.strip()) and bool(_LITERAL_CHARS.fullmatch(spec)) and any(c.isdigit() or c in "nN" for c in spec)


def meant_as_literal(spec: str) -> bool:
    """A mistyped literal rather than a missing file: rows (';') or brackets holding a number, or
    several cells mostly numbers ("1 2; 3 x", "1 2 x"). Its parse then names the bad cell instead of
    'no such file'. A name with a file extension or a path ("week 3 results.csv") stays a file."""
    text = spec.translate(_TYPED).strip()
    if not text or "/" in text or _EXTENSION.search(text):
        return False
    tokens = [t for t in re.split(r"[\s,;\[\]]+", text) if t]
    numbers = sum(csvparse.is_number(t) for t in tokens)
    if ";" in text or text.startswith("["):
        return numbers > 0 or not tokens  # "[]", "[[]]" or ";": an empty literal, which its parse names
    return len(tokens) > 1 and 2 * numbers > len(tokens)


_EXTENSION = re.compile(r"\.[A-Za-z][A-Za-z0-9]{0,4}\)?$")


def parse_literal(spec: str, label: str, exact: bool = False, typed: bool = True) -> tuple[list[list], bool]:
    """(rows of float — or Fraction when exact —, whether it is one-dimensional). typed: the text was typed
    as an operand (where a line break ends an Octave row also in text that is JSON too), not a file's."""
    label = "; ".join(line.strip() for line in label.splitlines() if line.strip()) or label  # one line
    text = spec.translate(_TYPED).strip()
    _refuse_octave_expressions(text, label)
    text = _CONTINUATION.sub(" ", text)  # Octave's "..." joins a row's lines
    nested = _json_list(text)
    if typed and nested is not None and not any(isinstance(r, list) for r in nested) and octave_rows(text):
        nested = None  # "[1, 2,\n3, 4]" typed: JSON's flat list too, but a line break ends an Octave row
    if nested is not None:
        if not nested:
            raise InputError(f"{label}: {'the literal is empty' if typed else 'an empty list: no values'}")
        one_dimensional = not any(isinstance(r, list) for r in nested)
        if one_dimensional:
            nested = [nested]
        elif not all(isinstance(r, list) for r in nested):
            raise InputError(f"{label}: rows of a matrix literal must all have the same length")
        elif any(isinstance(x, list) for r in nested for x in r):
            depth = _depth(nested)
            if depth > MAX_ARRAY_DIMS:
                raise InputError(f"{label}: not a valid matrix literal: lists nested {depth} deep (a matrix's rows "
                                 "are lists in one list, [[1,2],[3,4]])")
            raise InputError(f"{label}: lists nested deeper than a matrix's rows (a {depth}-D array, as -f json "
                             f"writes one): {depth}-D data reads from NPY (-o FILE.npy)")
        cells = [[_json_cell(x) for x in r] for r in nested]
    elif text.startswith("[["):
        raise InputError(f"{label}: not a valid matrix literal (nested lists like [[1,2],[3,4]])")
    else:
        if text.startswith("[") and text.endswith("]"):
            text = text[1:-1]
        # rows end at ';' or, as in Octave, at a line break
        # (a line may end in ';' already, as Octave users type "1 2;\n3 4")
        rows_given = ";" in text  # "1 2 3;" is a 1×3 matrix, as Octave's [1 2 3;]: only "1 2 3" is 1-D
        lines = text.replace('"', " ").splitlines()
        text = ";".join(line.rstrip().removesuffix(";") for line in lines if line.strip())
        rows = text.split(";")
        if rows and not rows[-1].strip():
            rows = rows[:-1]  # a trailing ';' as Octave allows
        one_dimensional = len(rows) == 1 and not rows_given
        cells = [_row_cells(row, i, label) for i, row in enumerate(rows, start=1)]
        if not cells:  # ";" or "[;]"
            raise InputError(f"{label}: {'the literal is empty' if typed else 'an empty list: no values'}")
    width = len(cells[0])
    for i, row in enumerate(cells, start=1):
        if not row:
            raise InputError(f"{label}: row {i} of the {'literal' if typed else 'matrix'} is empty")
        if len(row) != width:
            # the rows' lengths named for both spellings, [[1,2],[3]] and "1 2; 3"
            raise InputError(f"{label}: row {i} has {len(row)} value{'' if len(row) == 1 else 's'}, row 1 has {width} "
                             "(rows must have equal length)")
    values = []
    for i, row in enumerate(cells, start=1):
        out = []
        for j, cell in enumerate(row, start=1):
            try:
                out.append(csvparse.to_number(cell, exact))
            except (ValueError, ZeroDivisionError) as e:
                what = (csvparse.not_exact_text(cell, e) if exact and csvparse.is_number(cell)
                        else f"a lone {cell!r} (a sign apart from its number? write {cell}2: a literal holds numbers, "
                             "not expressions)" if cell in ("-", "+")
                        else csvparse.not_a_number(cell))
                raise InputError(f"{label}: row {i}, column {j}: {what}") from None
        values.append(out)
    return values, one_dimensional


# Octave's line continuation: "..." and the rest of its line (a comment there is Octave's too)
_CONTINUATION = re.compile(r"\.\.\.[^\n]*\n")  # at a line's end only: "1, 2, ..., 10" is no row of three
# an Octave expression around a bracketed literal: "[1 2 3]'", "[1 2]*2", "[1 2; 3 4] + 1"
_AFTER_BRACKET = re.compile(r"\[[^\[\]]*\]\s*(\.?'.*|[-+*/^\\].*)", re.S)


# bracketed rows side by side without the pair around them, as Python prints a tuple of lists
_ROWS_WITHOUT_OUTER = re.compile(r"\[[^\[\]]*\](\s*,\s*\[[^\[\]]*\])+,?")


def _refuse_octave_expressions(text: str, label: str) -> None:
    if _ROWS_WITHOUT_OUTER.fullmatch(text):  # "[1, 2], [3, 4]" said "'2]' is not a number"
        raise InputError(f"{label}: bracketed rows need a pair of brackets around them all: "
                         f"[{text.rstrip(',')}] (or rows split by ';': 1 2; 3 4)")
    after = _AFTER_BRACKET.fullmatch(text)
    if after:
        what = ("Octave's transpose (')" if after.group(1).lstrip(".").startswith("'")
                else f"{after.group(1).strip()[:20]!r} after the ']'")
        raise InputError(f"{label}: {what} is not read: a literal holds numbers, and the operations are commands "
                         "(mlcalc transpose, scale, add, matmul …)")


def octave_rows(text: str) -> bool:
    """Whether a flat bracketed list typed as an operand is a matrix over several lines ("[1, 2,\n3, 4]": a
    line break ends a row, as in Octave): several lines hold cells and one of them several. An element a
    line (as jq and json.dumps(indent=…) write a vector) stays a vector; JSON files are JSON's."""
    if "\n" not in text.strip():
        return False
    filled, several, start = 0, False, 0
    for _ in range(1000):  # the first lines tell (a big JSON vector may have millions)
        end = text.find("\n", start)
        cells = [c for c in re.split(r"[,\s\[\]]+", text[start:] if end < 0 else text[start:end]) if c]
        filled += bool(cells)
        several = several or len(cells) > 1
        if filled > 1 and several:
            return True
        if end < 0:
            break
        start = end + 1
    return False


# NumPy's most dimensions (numpy 2; 32 before): a deeper literal is no array's JSON
MAX_ARRAY_DIMS = 64


def _depth(nested: list) -> int:
    """How deep lists nest (a list of numbers: 1), level by level without recursion: Python 3.13's json
    parses a literal nested thousands deep, where 3.11's stopped at its recursion limit."""
    depth, level = 0, [nested]
    while level:
        depth += 1
        level = [x for v in level for x in v if isinstance(x, list)]
    return depth


def _json_list(text: str) -> list | None:
    """The list a JSON literal holds ("[3,4]", "[[1,2],[3,4]]", as -f json writes them), each number
    kept as its text (json would turn "-0" into int 0 and lose the sign); None if text is not JSON
    (then it may be an Octave literal such as "[1 2; 3 4]")."""
    if not text.startswith("["):
        return None
    try:
        value = json.loads(NONFINITE.sub(r'"\1"', text), parse_int=str, parse_float=str)
    except (json.JSONDecodeError, RecursionError):  # nested beyond Python's recursion limit: not a matrix either
        return None
    return value if isinstance(value, list) else None


# strings a JSON matrix may hold for numbers: the non-finite values as -f json writes them
_QUOTED = re.compile(r'"([^"]*)"')
_NONFINITE_WORDS = frozenset({"nan", "inf", "-inf", "infinity", "-infinity"})


def json_floats(text: str):
    """A large JSON matrix or vector (as -f json writes them) as a float64 array, by json's C parser and
    one NumPy conversion: through parse_literal, cell by cell in Python, 77 MB took 14.5 s where this takes
    about 2. None where anything needs parse_literal's rules or messages: fractions or other text in
    quotes, null, ragged rows, deeper nesting, an Octave literal. The numbers are the same: json reads each
    with float(), correctly rounded, as csvparse does, integers too (parse_int=float keeps −0's sign)."""
    import numpy as np

    text = text.strip()
    if not text.startswith("[") or "null" in text:
        return None
    if '"' in text and not {w.lower() for w in _QUOTED.findall(text)} <= _NONFINITE_WORDS:
        return None
    try:
        try:
            value = json.loads(text, parse_int=float)
        except json.JSONDecodeError:  # bare nan/inf as NumPy prints them: quoted first (slow: only then)
            value = json.loads(NONFINITE.sub(r'"\1"', text), parse_int=float)
        arr = np.array(value, dtype=np.float64)
    except (ValueError, TypeError, RecursionError):  # not JSON, ragged, an object: parse_literal says what
        return None
    if arr.ndim not in (1, 2) or arr.size == 0:
        return None
    if np.isinf(arr).any() and "inf" not in text.lower():  # 1e400: parse_literal's rules for the out of range
        return None
    return arr


def _json_cell(x) -> str:
    """One JSON element as number text: booleans read as 1 and 0, as the contract says."""
    if isinstance(x, bool):
        return "1" if x else "0"
    if isinstance(x, str):
        return x
    return "null" if x is None else json.dumps(x)  # a nested list or object: reported as not a number


def _row_cells(row: str, i: int, label: str) -> list[str]:
    """The cells of one Octave row: separated by commas and/or blanks; an empty cell between commas
    ("1,,2") is an error, never skipped or read as 0."""
    parts = row.split(",")
    if len(parts) > 1 and parts[-1].strip() == "":
        parts = parts[:-1]  # "1, 2," as Octave allows
    cells = []
    for part in parts:
        items = part.split()
        if not items and len(parts) > 1:
            raise InputError(f"{label}: row {i}, column {len(cells) + 1}: an empty cell")
        cells.extend(items)
    return cells
