"""Traces of inv, solve, det, rank, rref as recorded steps: the row operations and their numbers."""

import re
from fractions import Fraction as F

import numpy as np
import pytest

from mlcalc.ops import exact, systems
from mlcalc.trace.render import render
from mlcalc.trace.steps import Tracer

OP = re.compile(r"R(\d+) ← (?:R(\d+) ([+−]) (?:\(?([^()·]+)\)?·)?R(\d+)|\(?([^()·]+)\)?·R(\d+)|R(\d+) / \(?([^()]+)\)?)$")
SWAP = re.compile(r"R(\d+) ↔ R(\d+)$")


def number(text, exact_):
    text = text.replace("−", "-")
    return F(text) if exact_ else float(text)


def replay(rows, steps, exact_=True):
    """Apply the row operations named in the step titles to `rows`; yields the matrix after each."""
    rows = [list(r) for r in rows]
    for s in steps:
        if m := SWAP.match(s.title):
            i, j = int(m[1]) - 1, int(m[2]) - 1
            rows[i], rows[j] = rows[j], rows[i]
        elif m := OP.match(s.title):
            if m[2]:  # R_i ← R_i ± f·R_j
                i, j = int(m[2]) - 1, int(m[5]) - 1
                f = number(m[4], exact_) if m[4] else 1
                f = -f if m[3] == "+" else f
                rows[i] = [x - f * y for x, y in zip(rows[i], rows[j])]
            elif m[6]:  # R_i ← f·R_i
                i = int(m[7]) - 1
                rows[i] = [number(m[6], exact_) * x for x in rows[i]]
            else:  # R_i ← R_i / p
                i = int(m[8]) - 1
                rows[i] = [x / number(m[9], exact_) for x in rows[i]]
        else:
            continue
        yield s, rows


def row_ops(steps):
    return [s for s in steps if SWAP.match(s.title) or OP.match(s.title)]


def test_exact_inverse_trace_is_the_textbook_gauss_jordan():
    t = Tracer(exact=True)
    exact.inv(exact.fractions([[2, 1], [1, 1]], "inv"), t)
    titles = [s.title for s in row_ops(t.steps)]
    assert titles == ["R1 ← (1/2)·R1", "R2 ← R2 − R1", "R2 ← 2·R2", "R1 ← R1 − (1/2)·R2"]
    assert [s.note for s in row_ops(t.steps)] == ["scale pivot row to 1", "make (2,1) zero",
                                                   "scale pivot row to 1", "make (1,2) zero"]
    assert t.steps[0].title.startswith("Augmented matrix [A | I]")
    result = next(s for s in t.steps if s.title.startswith("Result"))
    assert result.result == [[1, -1], [-1, 2]]
    check = t.steps[-1]
    assert check.title == "Check: A·A⁻¹ = I" and check.formula.endswith("= 0")


@pytest.mark.parametrize("a", [[[0, 2, 1], [1, 1, 1], [3, 0, 4]], [[1, 2], [3, 4]], [[0, 0, 1], [0, 1, 0], [1, 0, 0]]])
def test_replaying_the_exact_row_operations_turns_a_i_into_i_ainv(a):
    t = Tracer(exact=True)
    n = len(a)
    a_inv = exact.inv(exact.fractions(a, "inv"), t)
    start = [[F(x) for x in row] + [F(int(i == j)) for j in range(n)] for i, row in enumerate(a)]
    last = None
    for _, rows in replay(start, row_ops(t.steps)):
        last = rows
    assert [r[:n] for r in last] == [[int(i == j) for j in range(n)] for i in range(n)]
    assert [r[n:] for r in last] == a_inv


def test_float_inverse_trace_replays_to_the_inverse_and_reports_residual():
    a = np.array([[4.0, 7, 2], [3, 6, 1], [2, 5, 3]])
    t = Tracer()
    a_inv = systems.inv(a, tracer=t)
    start = [list(r) + list(e) for r, e in zip(a, np.eye(3))]
    last = None
    for _, rows in replay(start, row_ops(t.steps), exact_=False):
        last = rows
    np.testing.assert_allclose(np.array(last)[:, 3:], a_inv, rtol=1e-5)  # the trace shows 6 digits
    assert any("largest pivot" in s.note for s in t.steps)
    residual = float(t.steps[-1].formula.split("=")[-1])
    assert residual < 1e-14


def test_swap_reason_in_exact_mode_is_the_zero_pivot():
    t = Tracer(exact=True)
    exact.inv(exact.fractions([[0, 1], [1, 0]], "inv"), t)
    swap = row_ops(t.steps)[0]
    assert swap.title == "R1 ↔ R2" and swap.note == "swap R1 and R2: (1,1) is 0"


def test_determinant_trace_tracks_the_sign_through_swaps():
    t = Tracer(exact=True)
    d = exact.det(exact.fractions([[0, 2, 1, 3], [1, 1, 1, 1], [2, 0, 1, 5], [3, 1, 0, 2]], "det"), t)
    swaps = [s for s in t.steps if SWAP.match(s.title)]
    assert len(swaps) == 2 and all("changes the sign" in s.note for s in swaps)
    final = t.steps[-1]
    assert final.result == d == -24 and "2 swaps → sign +1" in final.formula


def test_small_determinant_uses_cofactor_expansion():
    t = Tracer()
    systems.det(np.array([[2.0, 0, 1], [1, 3, 2], [1, 1, 1]]), tracer=t)
    minors = [s.result for s in t.steps if s.title.startswith("Minor")]
    assert minors == [1, -1, -2]
    assert t.steps[-1].result == pytest.approx(2 * 1 - 0 * -1 + 1 * -2)


def test_solve_trace_back_substitutes_and_checks_the_residual():
    t = Tracer(exact=True)
    a = exact.fractions([[2, 1, 1], [1, 3, 2], [1, 0, 0]], "solve")
    x = exact.solve(a, exact.fractions([[4], [5], [6]], "solve"), vector=True, tracer=t)
    back = [s for s in t.steps if s.title.startswith("Back-substitution")]
    assert [s.title for s in back] == [f"Back-substitution: row {i}" for i in (3, 2, 1)]
    assert back[0].note == "x₃ = (23/5) / (−1/5) = −23"
    assert x == [6, 15, -23]
    assert t.steps[-1].title == "Check: A·x = b" and t.steps[-1].formula.endswith("= 0")


def test_float_solve_trace_ends_with_residual_norm():
    t = Tracer()
    systems.solve(np.array([[1.0, 1, 1], [0, 2, 5], [2, 5, -1]]), np.array([6.0, -4, 27]), tracer=t)
    assert t.steps[-1].formula.startswith("‖A·x − b‖ = ")


def test_rank_trace_shows_echelon_form_and_pivot_columns():
    t = Tracer()
    assert systems.rank(np.arange(1.0, 10.0).reshape(3, 3), tracer=t) == 2
    echelon = next(s for s in t.steps if s.title == "Row echelon form")
    assert echelon.formula == "pivot columns: 1, 2"


def test_rref_trace_names_pivot_and_free_columns():
    t = Tracer(exact=True)
    exact.rref(exact.fractions([[1, 2, 3], [2, 4, 7]], "rref"), t)
    assert t.steps[-1].formula == "pivot columns: 1, 3; free columns: 2"


@pytest.mark.parametrize("command", ["inv", "solve", "det", "rank", "rref"])
def test_trace_of_a_large_operand_is_a_short_summary(command):
    n = 120
    a = np.random.default_rng(0).standard_normal((n, n)) + n * np.eye(n)
    t = Tracer()
    {"inv": lambda: systems.inv(a, tracer=t), "solve": lambda: systems.solve(a, np.ones(n), tracer=t),
     "det": lambda: systems.det(a / n, tracer=t), "rank": lambda: systems.rank(a, tracer=t),
     "rref": lambda: systems.rref(a, tracer=t)}[command]()
    text = render(t.steps)
    assert text.count("\n") < 60
    assert "…" in text  # a sample, not every number


def test_large_exact_inverse_trace_is_a_summary_with_counts():
    n = 8
    t = Tracer(exact=True)
    exact.inv([[F(1, i + j + 1) for j in range(n)] for i in range(n)], t)
    text = render(t.steps)
    assert text.count("\n") < 60
    summary = next(s for s in t.steps if s.title.startswith("Gauss–Jordan"))
    # the Hilbert matrix's first pivot is already 1: n − 1 scalings; no zero below a pivot: n(n − 1) eliminations
    assert f"{n - 1} scalings" in summary.note and f"{n * (n - 1)} eliminations" in summary.note


def test_markdown_and_latex_traces_render():
    t = Tracer(exact=True)
    exact.inv(exact.fractions([[2, 1], [1, 1]], "inv"), t)
    assert "R2 ← R2 − R1" in render(t.steps, "markdown")
    assert r"R2 $\leftarrow$ R2 $-$ R1" in render(t.steps, "latex")


def test_det_trace_says_which_value_is_printed_when_rounding_differs():
    from conftest import run_cli
    r = run_cli("det", "0.1 0.2; 0.3 0.4", "--trace", "-f", "csv")
    assert r.stdout.strip() == "-0.02"  # exact in fractions of the entries as typed, rounded once
    assert "det A = -0.02: computed in fractions" in r.stderr
    assert "the floating-point steps above give -0.01999999999999999" in r.stderr
    assert "The printed value" not in run_cli("det", "1 5 -2; 3 2 -5; -1 4 1", "--trace").stderr  # both 4
    assert "by LU" not in run_cli("det", "1 2; 3 4", "--trace", "--exact").stderr  # exact: one value


def test_det_trace_of_an_exactly_singular_matrix_ends_with_the_zero_it_prints():
    from conftest import run_cli
    for a in ("0.1 0.3; 1 3", "1 2 3 4; 5 6 7 8; 9 10 11 12; 13 14 15 16"):
        r = run_cli("det", a, "--trace", "-f", "csv")
        assert r.stdout.strip() == "0"
        last = r.stderr.split("Step ")[-1]
        assert "singular in exact arithmetic" in last and "det A = 0" in last, r.stderr
    r = run_cli("det", "0.1 0.2; 0.3 0.4", "--trace", "--dtype", "float32", "-f", "csv")
    assert f"det A = {r.stdout.strip()}: computed in fractions" in r.stderr  # float32's digits, as printed


def test_exact_traces_stay_short_and_show_a_sample(tmp_path):
    import numpy as np
    from conftest import run_cli
    for n in (6, 7):
        np.save(tmp_path / f"g{n}.npy", np.random.default_rng(3).standard_normal((n, n)))
        r = run_cli("inv", str(tmp_path / f"g{n}.npy"), "--exact", "--trace", "-f", "csv")
        assert r.code == 0 and len(r.stderr) < 20000  # a 6×6 of decimals wrote 200 KB of fractions
        assert "at the end =" in r.stderr and "…" in r.stderr or n == 6


def test_exact_trace_of_values_beyond_float_range_and_float_traces_in_full(tmp_path):
    import numpy as np
    from conftest import run_cli
    r = run_cli("rank", "1 1e200 0; 1e200 1 0; 0 0 1", "--exact", "--trace", "-f", "csv")
    assert r.code == 0 and r.stdout.strip() == "3"
    # the width limit is for growing fractions: a 6×6 of floats still shows every row operation
    rng = np.random.default_rng(0)
    np.save(tmp_path / "a.npy", -(1 + rng.random((6, 6))) * 1e-5 - 1e-4 * np.eye(6))
    np.save(tmp_path / "b.npy", -(1 + rng.random((6, 6))) * 1e-5)
    r = run_cli("solve", str(tmp_path / "a.npy"), str(tmp_path / "b.npy"), "--trace", "-f", "csv")
    assert r.stderr.count("Step ") > 20 and "grow too long" not in r.stderr


@pytest.mark.parametrize("seed", range(6))
def test_the_column_sample_of_a_large_inverse_zeroes_its_entries(seed):
    # after R1 ↔ Rp the rows were numbered as if the old first row had moved to the second place: with
    # the pivot in row 3 or below, "R2 ← R2 − 0.1·R1" used the old row 1's ratio for the old row 2
    a = np.random.default_rng(seed).uniform(-5, 5, (9, 9))
    if seed == 0:
        a[2, 0] = 10.0  # the pivot in row 3
    t = Tracer()
    systems.inv(a, tracer=t)
    sample = next(s for s in t.steps if s.title.startswith("Column 1"))
    rows = [list(r) for r in a]
    ops = [op.strip() for op in sample.formula.split(";")][:-1]  # the last is "…"
    if (m := re.match(r"R1 ↔ R(\d+)", ops[0])):
        p = int(m[1]) - 1
        rows[0], rows[p] = rows[p], rows[0]
        ops = ops[1:]
    assert len(ops) == 3
    for s in ops:
        m = OP.match(s)
        i, j, f = int(m[2]) - 1, int(m[5]) - 1, float(m[4])
        f = -f if m[3] == "+" else f
        rows[i] = [x - f * y for x, y in zip(rows[i], rows[j])]
        assert abs(rows[i][0]) <= 1e-5 * abs(rows[0][0])  # the factors show 6 digits
