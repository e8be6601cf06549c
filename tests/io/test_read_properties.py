"""Delimited files laid out as Hypothesis draws them (delimiter, header, comments, blank lines, CRLF,
BOM, spaces around cells, numbers in several spellings, a final newline or none) read back as the
matrix written, with the header's names, by the small-file reader and by the parallel one."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mlcalc.io import csvfast, read

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

cell = st.one_of(
    st.integers(-10 ** 6, 10 ** 6).map(str),
    st.builds(lambda v, d: f"{v:.{d}f}", st.floats(-1e4, 1e4), st.integers(1, 6)),
    st.builds(lambda v, d: f"{v:.{d}e}", st.floats(-1e30, 1e30), st.integers(0, 8)),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.sampled_from(["+3", ".5", "-.5", "5.", "1E5", "1e-5", "-0", "+0.0", "007", "1_0"[:1], "2.5E+03"]),
)


@st.composite
def delimited_files(draw):
    rows, cols = draw(st.integers(1, 6)), draw(st.integers(1, 5))
    cells = [[draw(cell) for _ in range(cols)] for _ in range(rows)]
    delim = draw(st.sampled_from([",", "\t", ";", " "]))
    # spaces after a comma or semicolon; runs of blanks where blanks delimit
    pad = draw(st.sampled_from(["", " "])) if delim in ",;" else draw(st.sampled_from(["", " ", "  ", "\t"])) if delim == " " else ""
    names = [f"col_{chr(97 + j)}" for j in range(cols)] if draw(st.booleans()) else None
    # names with a space in them (a one-column file has no delimiter to tell them from two names)
    if names and delim != " " and cols > 1 and draw(st.booleans()):
        names = [f"{n} (m)" for n in names]
    quote = delim != " " and draw(st.booleans())  # numbers in double quotes, as spreadsheets export them
    indent = draw(st.sampled_from(["", " ", "\t"]))  # blanks before and after each line
    lines = []
    if draw(st.booleans()):
        lines.append("# written by a test")
    if names:
        lines.append(indent + delim.join(f'"{n}"' if quote else n for n in names) + indent)
    for r in cells:
        lines.append(indent + (pad + delim).join(f'"{c}"' if quote else c for c in r) + indent)
        extra = draw(st.integers(0, 7))
        if extra == 0:
            lines.append("")  # a blank line between rows
        elif extra == 1:
            lines.append("  # a comment between rows")
    eol = draw(st.sampled_from(["\n", "\r\n"]))
    text = eol.join(lines) + (eol if draw(st.booleans()) else "")
    bom = "\ufeff" if draw(st.booleans()) else ""
    want = np.array([[float(c) for c in r] for r in cells])
    return bom + text, want, names


@SETTINGS
@pytest.mark.parametrize("parallel", [False, True])
@given(delimited_files())
def test_a_delimited_file_reads_as_written(parallel, drawn):
    text, want, names = drawn
    with tempfile.TemporaryDirectory() as d, pytest.MonkeyPatch.context() as mp:
        if parallel:  # the parallel parser for any size (it serves 8 MB and more)
            mp.setattr(csvfast, "THRESHOLD", 0)
            mp.setattr(csvfast, "WARM_THRESHOLD", 0)
        path = Path(d) / "m.csv"
        path.write_bytes(text.encode())
        op = read.read_operand(str(path))
    got = op.values
    assert got.size == want.size, (text, got)
    # a one-row or one-column file may be read as a vector: compare in row order
    assert (got.reshape(want.shape).view(np.uint64) == want.view(np.uint64)).all(), (text, got)
    assert op.names == names, (text, op.names)
