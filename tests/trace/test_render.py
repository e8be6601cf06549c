"""Rendered traces: snapshot files under NO_COLOR, one per format, and the size rule for big operands."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from conftest import run_cli, run_process
from mlcalc.ops import core
from mlcalc.trace.steps import Tracer

SNAPSHOTS = Path(__file__).parent / "snapshots"


@pytest.mark.parametrize("fmt", ["text", "markdown", "latex"])
def test_matmul_trace_matches_its_snapshot(fmt):
    r = run_cli("matmul", "1 2; 3 4", "5 6; 7 8", "-f", "csv", "--trace", "--trace-format", fmt,
                env={"NO_COLOR": "1", "COLUMNS": "100"})
    assert r.code == 0
    expected = (SNAPSHOTS / f"matmul_2x2.{fmt}").read_text(encoding="utf-8")
    assert r.stderr == expected


def test_a_trace_format_alone_asks_for_the_trace():
    # --trace-format markdown without --trace printed no trace and said nothing
    with_both = run_cli("matmul", "1 2; 3 4", "5 6; 7 8", "-f", "csv", "--trace", "--trace-format", "markdown",
                        env={"NO_COLOR": "1", "COLUMNS": "100"})
    alone = run_cli("matmul", "1 2; 3 4", "5 6; 7 8", "-f", "csv", "--trace-format", "markdown",
                    env={"NO_COLOR": "1", "COLUMNS": "100"})
    assert alone.code == 0 and alone.stdout == with_both.stdout
    assert alone.stderr == with_both.stderr == (SNAPSHOTS / "matmul_2x2.markdown").read_text(encoding="utf-8")
    assert run_cli("matmul", "1 2; 3 4", "5 6; 7 8", "-f", "csv").stderr == ""


def test_matmul_steps_hold_the_numbers_of_the_result():
    tracer = Tracer()
    a, b = np.array([[1.0, 2], [3, 4]]), np.array([[5.0, 6], [7, 8]])
    c = core.matmul([a, b], engine="numpy", tracer=tracer)
    entries = [s for s in tracer.steps if s.title.startswith("c")]
    assert [s.result for s in entries] == c.ravel().tolist()
    assert entries[0].formula == "c₁₁ = 1·5 + 2·7 = 19"


def test_trace_of_a_2000x2000_operand_is_short_and_changes_nothing(tmp_path):
    # a summary, not 4,000,000 steps (no timing asserted: the tests never measure speed)
    a = tmp_path / "a.npy"
    np.save(a, np.random.default_rng(0).standard_normal((2000, 2000)))
    plain = run_process("matmul", str(a), str(a), "--engine", "numpy", "-o", str(tmp_path / "c1.npy"))
    traced = run_process("matmul", str(a), str(a), "--engine", "numpy", "--trace", "-o", str(tmp_path / "c2.npy"))
    assert plain.code == traced.code == 0
    assert len(traced.stderr.splitlines()) < 60
    assert "…" in traced.stderr and "2000×2000" in traced.stderr
    assert np.array_equal(np.load(tmp_path / "c1.npy"), np.load(tmp_path / "c2.npy"))


def test_wide_matrices_go_in_column_blocks_not_wrapped_rows():
    # on an 80-column terminal Rich wrapped each row of a 5×10 [A | I] inside its panel: 10 rows to the eye
    from mlcalc.trace.render import column_blocks
    lines = ["[ 1  -0.633333  0.684411  |     0.197719  2 ]",
             "[ 0     3.9667      -0.1  |  -0.00760456  0 ]"]
    blocks = column_blocks(lines, 30)
    assert len(blocks) > 1 and all(len(line) <= 30 for block in blocks for line in block)
    joined = [" ".join(parts) for parts in zip(*blocks)]  # every row's cells, in order, nothing lost
    assert [row.split() for row in joined] == [line.split() for line in lines]
    assert column_blocks(lines, 80) == [lines]


def test_rich_trace_of_a_5x5_inverse_fits_80_columns(monkeypatch):
    import io

    from mlcalc.ops import systems
    from mlcalc.trace.render import print_rich
    monkeypatch.setenv("COLUMNS", "80")
    t = Tracer()
    systems.inv(np.array([[4.0, -2, 1, 3, 1], [3, 6, -4, 2, 0], [2, 1, 8, -5, 1], [1, 3, 2, 7, 2], [0, 1, 1, 1, 9]]),
                tracer=t)
    out = io.StringIO()
    print_rich(t.steps, out)
    assert max(len(line) for line in out.getvalue().splitlines()) <= 80
    assert "⋯" in out.getvalue()


def test_a_rich_trace_with_no_terminal_width_still_prints(monkeypatch):
    # COLUMNS=0: Rich drew panels of no width, so the trace printed nothing and said nothing
    import io

    from mlcalc.ops import systems
    from mlcalc.trace.render import print_rich
    monkeypatch.setenv("COLUMNS", "0")
    t = Tracer()
    systems.inv(np.array([[4.0, 1], [2, 3]]), tracer=t)
    out = io.StringIO()
    print_rich(t.steps, out)
    assert "Step 1" in out.getvalue() and "[ 4  1  |  1  0 ]" in out.getvalue()


@pytest.mark.parametrize("columns", [24, 30, 34, 40, 60, 80])
def test_a_rich_trace_never_cuts_a_step_title(monkeypatch, columns):
    # Rich cropped a title too long for the panel's border with no mark: "R1 ← R1 − 0.28571" for 0.285714·R2
    import io

    from mlcalc.ops import systems
    from mlcalc.trace.render import print_rich
    monkeypatch.setenv("COLUMNS", str(columns))
    t = Tracer()
    systems.inv(np.array([[7.0, 2, 1], [3, 5, 2], [4, 1, 6]]), tracer=t)
    out = io.StringIO()
    print_rich(t.steps, out)
    for i, s in enumerate(t.steps, start=1):
        assert f"Step {i}: {s.title}" in out.getvalue()


def test_a_rich_trace_keeps_a_value_wider_than_the_terminal_on_one_line(monkeypatch):
    # a 12×12 Hilbert determinant's denominator was folded inside its panel: its last digits read as a value
    import io

    from mlcalc.trace.render import print_rich
    from mlcalc.trace.steps import Step
    monkeypatch.setenv("COLUMNS", "80")
    value = "1/" + "37910657943630451715188547903479639188018868786411846410432430473216" + "0" * 10
    vector = np.arange(1.5, 40.5)
    out = io.StringIO()
    print_rich([Step("det", formula="det A = " + value), Step("v", values={"v": vector})], out)
    assert value in out.getvalue()
    assert "v = [ 1.5  2.5" in out.getvalue() and "39.5 ]" in out.getvalue()
    assert all("39.5 ]" not in line or "1.5" in line for line in out.getvalue().splitlines())


def test_latex_sets_numbers_options_and_user_text_as_a_reader_expects():
    # math mode had set 2e-06 as "2e − 06", --target as "−−target", Σ_c,i,j with c alone under the Σ,
    # "parallelogram's" with a prime, ‖v‖∞ without its subscript; text mode | < > as — ¡ ¿
    from mlcalc.trace.render import latex_math, latex_text
    assert latex_math("h = 2e-06") == r"h = 2 \times 10^{-6}"
    assert latex_math("1e-05² + 2²") == r"\left(1 \times 10^{-5}\right)^{2} + 2^{2}"
    assert latex_math("T = --target") == r"T = \texttt{-{}-target}"
    assert latex_math("Σ_c,i,j K") == r"\sum _{c,i,j} K"
    assert r"\text{ is the parallelogram's area}" in latex_math("|u × v| is the parallelogram's area")
    assert latex_math("‖v‖∞") == r"\| v\|_{\infty}"
    assert latex_text("[A | I] <x> 50% a_1 {b}^~\\") == \
        r"[A \textbar{} I] \textless{}x\textgreater{} 50\% a\_1 \{b\}\^{}\~{}\textbackslash{}"
    assert latex_text("Gauss–Jordan (--reduction sum)") == "Gauss--Jordan (-{}-reduction sum)"
    assert latex_text("λ_min > 0") == r"$\lambda_{\text{min}}$ \textgreater{} 0"  # not λ\_min


def test_latex_sets_an_augmented_matrixs_bar_as_a_rule_between_columns():
    # the bar was a column of its own: 2 & 1 & | & 1 & 0
    from mlcalc.ops import systems
    from mlcalc.trace.render import render_latex
    t = Tracer()
    systems.inv(np.array([[2.0, 1], [1, 3]]), tracer=t)
    tex = render_latex(t.steps)
    assert r"\left[\begin{array}{cc|cc} 2 & 1 & 1 & 0 \\ 1 & 3 & 0 & 1 \end{array}\right]" in tex and "& |" not in tex


def test_markdown_escapes_user_text_and_latex_cells_read_as_numbers(tmp_path):
    # a feature named <script>…</script> reached the Markdown trace as HTML, *s* as emphasis
    from mlcalc.trace.render import render_latex, render_markdown
    from mlcalc.trace.steps import Step
    md = render_markdown([Step("x_1 <b>", note="features <script>alert(1)</script>, *s*, _u_")])
    assert "<script>" not in md and r"\<script\>" in md and r"\*s\*" in md and r"\_u\_" in md
    tex = render_latex([Step("t", values={"A": np.array([[-np.inf, 2.5e-16], [np.nan, 1]])})])
    assert r"-\infty & 2.5 \times 10^{-16} \\ \text{nan} & 1" in tex
    tex = render_latex([Step("z", result=np.array([0.5 - 1e-20j, 2j])), Step("big", values={"A": np.eye(9)})])
    assert r"0.5 - 1 \times 10^{-20}i & 0 + 2i" in tex  # not Python's 0.5-1e-20j
    assert r"\vdots & \ddots & \vdots" in tex  # where the elided rows cross the elided columns


def test_a_warning_beside_a_latex_or_markdown_trace_is_that_formats_comment_or_quote(tmp_path):
    # stderr pasted into a document: a raw warning naming c_1%$ broke the LaTeX, <b> was HTML in Markdown
    (tmp_path / "cw.csv").write_text("c_1%$<b>,x,y\n1,1,2\n1,2,4\n1,3,6.1\n1,4,8\n")
    latex = run_cli("train-linreg", str(tmp_path / "cw.csv"), "--method", "normal", "--trace-format", "latex")
    warning = next(line for line in latex.stderr.splitlines() if "warning" in line)
    assert warning.startswith("% mlcalc: warning: train-linreg: feature 'c_1%$<b>' is constant")
    markdown = run_cli("train-linreg", str(tmp_path / "cw.csv"), "--method", "normal", "--trace-format", "markdown")
    warning = next(line for line in markdown.stderr.splitlines() if "warning" in line)
    assert warning.startswith(r"> mlcalc: warning: train-linreg: feature 'c\_1%$\<b\>' is constant")
    text = run_cli("train-linreg", str(tmp_path / "cw.csv"), "--method", "normal", "--trace")
    assert "\nmlcalc: warning: train-linreg: feature 'c_1%$<b>' is constant" in "\n" + text.stderr
