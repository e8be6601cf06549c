"""CLI rules a second mutation audit found no test guarding: -o checked before any work (no model file
saved, no warning, for an output that cannot be written), float32's own condition limit, `gen --seed 0`,
no colour codes into a pipe, the ragged-row message's reference line under a header, gen's `2×3` and
`2,3` shapes, the auto threshold's boundary (a closed pipe's exit 0: test_conventions)."""

from __future__ import annotations

import json

from mlcalc import engine
from conftest import assert_one_error_line, run_cli


def test_an_unwritable_output_fails_before_the_work(tmp_path):
    model = tmp_path / "m.json"
    r = run_cli("train-linreg", "1 2; 2 4; 3 6.1", "--save", str(model), "-o", "/nonexistent/x.csv")
    assert_one_error_line(r, "cannot write /nonexistent/x.csv")
    assert not model.exists()
    # and nothing of the work's own messages (a nearly singular A warns) comes before the error
    r = run_cli("inv", "1 1; 1 1.0000000000000002", "-o", "/nonexistent/x.csv")
    assert r.stderr == "mlcalc: error: cannot write /nonexistent/x.csv: folder /nonexistent does not exist\n"


def test_float32_is_warned_at_its_own_condition_limit():
    r = run_cli("inv", "1 0; 0 1e-8", "--dtype", "float32")
    assert r.code == 0
    assert ("mlcalc: warning: inv: A is nearly singular: condition number κ₁ ≈ 1e+08 exceeds 1/eps = 8.39e+06 for "
            "float32; the result may be inaccurate") in r.stderr
    assert "nearly singular" not in run_cli("inv", "1 0; 0 1e-8").stderr  # float64's limit is 4.5e15


def test_seed_0_is_a_seed():
    first = run_cli("gen", "randn", "2", "--seed", "0", "-f", "json").stdout
    assert json.loads(first) == [0.1257302210933933, -0.1321048632913019]  # numpy.random.default_rng(0)
    assert run_cli("gen", "randn", "2", "--seed", "0", "-f", "json").stdout == first


def test_no_colour_codes_go_into_a_pipe():
    # svd's table has titles (bold on a terminal); stdout here is not a terminal and NO_COLOR is unset
    r = run_cli("svd", "1 2; 3 4", "-f", "table", env={"NO_COLOR": ""})
    assert r.code == 0 and "\x1b[" not in r.stdout and r.stdout.startswith("S\n"), r.stdout[:40]


def test_a_ragged_row_under_a_header_names_the_header_line(tmp_path):
    (tmp_path / "rag.csv").write_text("x,y\n1,2\n3\n")
    r = run_cli("det", str(tmp_path / "rag.csv"))
    assert_one_error_line(r)
    assert r.stderr.endswith("rag.csv line 3: 1 value, expected 2 as on line 1 (ragged rows)\n"), r.stderr


def test_gen_takes_the_shape_with_x_times_sign_or_comma():
    for shape in ("2x3", "2×3", "2,3", "2 x 3"):
        r = run_cli("gen", "ones", shape, "-f", "json")
        assert r.code == 0 and json.loads(r.stdout) == [[1, 1, 1], [1, 1, 1]], (shape, r.stderr)


def test_auto_switches_to_numba_at_its_threshold_not_after(monkeypatch):
    monkeypatch.setattr(engine, "numba_loaded", lambda: True)
    monkeypatch.setattr(engine, "jit_disabled", lambda: False)
    start = engine.AUTO_NUMBA_FROM["add"][0]
    assert engine.uses_numba("add", "auto", start)
    assert not engine.uses_numba("add", "auto", start - 1)


def test_precision_goes_up_to_17_digits():
    r = run_cli("transpose", "0.1", "--precision", "17")
    assert r.code == 0 and r.stdout.strip() == "0.10000000000000001"


def test_delimiter_tab_by_name(tmp_path):
    (tmp_path / "m.tsv").write_text("1\t2\n3\t4\n")
    r = run_cli("transpose", str(tmp_path / "m.tsv"), "--delimiter", "tab", "-f", "json")
    assert r.code == 0 and json.loads(r.stdout) == [[1, 3], [2, 4]]


def test_numba_disable_jit_0_means_enabled(monkeypatch):
    monkeypatch.setenv("NUMBA_DISABLE_JIT", "0")
    assert not engine.jit_disabled()
    monkeypatch.setenv("NUMBA_DISABLE_JIT", "1")
    assert engine.jit_disabled()
