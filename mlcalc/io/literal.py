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
_NONFINITE = re.compile(r'(?i)"?(-?(?:nan|inf(?:inity)?))"?')


def looks_like_literal(spec: str) -> bool:
    return bool(spec.strip()) and bool(_LITERAL_CHARS.fullmatch(spec)) and any(c.isdigit() or c in "nN" for c in spec)


def parse_literal(spec: str, label: str, exact: bool = False) -> tuple[list[list], bool]:
    """(rows of float — or Fraction when exact —, whether it is one-dimensional)."""
    text = spec.strip()
    if text.startswith("[["):
        try:
            # keep each number's text: json would turn "-0" into int 0 and lose the sign
            nested = json.loads(_NONFINITE.sub(r'"\1"', text), parse_int=str, parse_float=str)
        except json.JSONDecodeError:
            raise InputError(f"{label}: not a valid matrix literal (nested lists like [[1,2],[3,4]])") from None
        if not all(isinstance(r, list) for r in nested) or len({len(r) for r in nested}) != 1:
            raise InputError(f"{label}: rows of a matrix literal must all have the same length")
        rows = [" ".join(str(x) for x in r) for r in nested]
        one_dimensional = False
    else:
        if text.startswith("[") and text.endswith("]"):
            text = text[1:-1]
        rows = text.replace('"', " ").split(";")
        if rows and not rows[-1].strip():
            rows = rows[:-1]  # a trailing ';' as Octave allows
        one_dimensional = len(rows) == 1
    cells = []
    for i, row in enumerate(rows, start=1):
        items = [c for c in re.split(r"[\s,]+", row.strip()) if c]
        if not items:
            raise InputError(f"{label}: row {i} of the literal is empty")
        cells.append(items)
    width = len(cells[0])
    for i, row in enumerate(cells, start=1):
        if len(row) != width:
            raise InputError(f"{label}: row {i} has {len(row)} values, row 1 has {width} (rows must have equal length)")
    values = []
    for i, row in enumerate(cells, start=1):
        out = []
        for j, cell in enumerate(row, start=1):
            try:
                out.append(csvparse.to_number(cell, exact))
            except (ValueError, ZeroDivisionError):
                what = (f"{cell!r} cannot be used in exact arithmetic (only finite numbers)"
                        if exact and csvparse.is_number(cell) else f"{cell!r} is not a number")
                raise InputError(f"{label}: row {i}, column {j}: {what}") from None
        values.append(out)
    return values, one_dimensional
