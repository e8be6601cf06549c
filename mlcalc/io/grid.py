"""Aligned text grids of numbers for people (terminal tables, traces), eliding what does not fit.

Pure text, no Rich: a table on a terminal should not cost Rich's import time, and traces use the
same layout so a learner sees one style everywhere. Only the cells shown are ever formatted, so
a 2000×2000 operand costs no more than a 6×6 one.
"""

from __future__ import annotations

import unicodedata
from typing import Callable

ELLIPSIS_COL = "…"
ELLIPSIS_ROW = "⋮"


def _char_width(c: str) -> int:
    if unicodedata.category(c) in ("Mn", "Me", "Cf") or "\u1160" <= c <= "\u11ff" or "\ud7b0" <= c <= "\ud7ff" \
            or "\U0001f3fb" <= c <= "\U0001f3ff":
        return 0  # marks (Thai and Indic vowel signs, variation selectors), joiners, Hangul's medial and
        # final jamo (macOS writes names decomposed), emoji skin tones: drawn over the character before
    return 2 if unicodedata.east_asian_width(c) in "WF" else 1


def cell_width(text: str) -> int:
    """Columns a terminal gives `text`: two for a wide (CJK, emoji) character, none for a mark drawn over
    its neighbour. len() had put a header of Japanese or accented names over the wrong column."""
    if text.isascii():
        return len(text)
    return sum(_char_width(c) for c in text)


# bidirectional controls: U+202E turned the rest of a header line around
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def printable(text: str) -> str:
    """A name fit to show on a terminal: control characters, line separators and bidirectional controls
    escaped as Python writes them (\\x1b, \\u202e). A header holding ESC[8m had hidden every number
    after it, and ESC[2K erased its neighbour."""
    if text.isprintable():
        return text
    return "".join(ascii(c)[1:-1] if unicodedata.category(c) in ("Cc", "Zl", "Zp") or c in _BIDI else c
                   for c in text)


def _keep(n: int, limit: int) -> list[int | None]:
    """Indices to show out of n: all of them, or the first and last few around a None gap."""
    if n <= limit:
        return list(range(n))
    head = (limit + 1) // 2
    tail = limit - head
    return list(range(head)) + [None] + list(range(n - tail, n))


def grid_lines(shape: tuple[int, int], cell: Callable[[int, int], str], max_rows: int = 40,
               max_cols: int = 12, width: int | None = None, brackets: bool = False) -> list[str]:
    """Right-aligned columns of `cell(i, j)`; rows/columns beyond the limits (or the width) elided."""
    nrows, ncols = shape
    if nrows == 0 or ncols == 0:
        return []
    keep_r = _keep(nrows, max_rows)
    cache: dict[tuple[int, int], str] = {}

    def text(i, j):
        if (i, j) not in cache:
            cache[i, j] = cell(i, j)
        return cache[i, j]

    def layout(keep_c):
        table = [[ELLIPSIS_ROW if i is None else (ELLIPSIS_COL if j is None else text(i, j)) for j in keep_c]
                 for i in keep_r]
        return table, [max(cell_width(r[k]) for r in table) for k in range(len(keep_c))]

    keep_c = _keep(ncols, max_cols)
    table, widths = layout(keep_c)
    while width is not None and len(keep_c) > 3 and sum(widths) + 2 * len(widths) + 4 > width:
        keep_c = _keep(ncols, max(2, len([c for c in keep_c if c is not None]) - 2))
        table, widths = layout(keep_c)
    lines = []
    for row in table:
        body = "  ".join(" " * (w - cell_width(c)) + c for c, w in zip(row, widths))
        lines.append(f"[ {body} ]" if brackets else body)
    return lines


def rows_of(value) -> tuple[tuple[int, int], Callable[[int, int], object]]:
    """(shape, getter) of a 2-D view of an array or nested list; a 1-D value is one row."""
    if isinstance(value, list):
        rows = value if (value and isinstance(value[0], list)) else [value]
        return (len(rows), len(rows[0]) if rows else 0), lambda i, j: rows[i][j]
    if value.ndim == 1:
        return (1, value.shape[0]), lambda i, j: value[j]
    return value.shape, lambda i, j: value[i, j]
