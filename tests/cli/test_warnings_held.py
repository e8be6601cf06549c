"""Warnings are held until the command shows that it worked: a command that fails writes its error as the
one line on stderr (it had warned first: `gen ones 3x0 --seed 42` of the seed, a diverging training of the
checks it skipped); one that works writes them before its result, and a long run before its bar."""

from __future__ import annotations

from conftest import assert_one_error_line, run_cli


def test_a_failing_command_writes_its_error_alone(tmp_path):
    r = run_cli("gen", "ones", "3x0", "--seed", "42")
    assert r.code == 1 and r.stderr == "mlcalc: error: gen: dimensions must be at least 1, got 3x0\n", r.stderr
    data = tmp_path / "t.csv"
    data.write_text("x,y\n1,2\n2,4\n3,7\n")
    r = run_cli("train-linreg", str(data), "--lr", "1e10", "--epochs", "5", "--memory-limit", "0")
    assert_one_error_line(r, "training diverged at epoch 2")


def test_a_command_that_works_still_warns_before_its_result(tmp_path):
    r = run_cli("gen", "ones", "2x2", "--seed", "42", "-f", "csv")
    assert r.code == 0 and r.stdout == "1,1\n1,1\n"
    assert r.stderr == "mlcalc: warning: gen: ones is not random: --seed changes nothing\n"
    data = tmp_path / "t.csv"
    data.write_text("x,y\n1,2\n2,4\n3,7\n")
    r = run_cli("train-linreg", str(data), "--epochs", "5", "--memory-limit", "0", "-f", "json")
    assert r.code == 0 and r.stderr.startswith("mlcalc: warning: train-linreg: gd's fit was not compared"), r.stderr
    assert r.stderr.index("warning") < r.stderr.index("loss (log scale)")


def test_beside_a_trace_a_failing_command_keeps_its_warnings(tmp_path):
    data = tmp_path / "t.csv"
    data.write_text("x,y\n1,2\n2,4\n3,7\n")
    r = run_cli("train-linreg", str(data), "--lr", "1e10", "--epochs", "5", "--memory-limit", "0", "--trace")
    assert r.code == 1 and "mlcalc: warning: train-linreg: gd's fit was not compared" in r.stderr
    assert r.stderr.endswith("mlcalc: error: train-linreg: training diverged at epoch 2 (loss 2.78e+23); try a "
                             "smaller --lr than 1e+10, or --standardize\n"), r.stderr[-300:]


def test_a_progress_bar_writes_the_warnings_held_before_it(capsys, monkeypatch):
    from mlcalc.cli import base
    from mlcalc.progress import stderr_bar
    monkeypatch.setattr(base, "_settings", base.Settings())  # not an earlier invocation's --quiet or --trace
    base.hold_warnings(True)  # as main() does around a command
    try:
        base.warn("a note before a long run")
        assert capsys.readouterr().err == ""  # held
        stderr_bar()
        assert capsys.readouterr().err == "mlcalc: warning: a note before a long run\n"
    finally:
        base.hold_warnings(False)
    base.warn("from Python, outside a command")  # nothing would write a held warning: written at once
    assert capsys.readouterr().err == "mlcalc: warning: from Python, outside a command\n"


def test_a_result_refused_or_not_written_is_the_one_line(tmp_path):
    # emit() wrote the held warnings before rendering: a refusal there, or a failed -o, came after them
    import numpy as np
    np.save(tmp_path / "x3.npy", np.ones((2, 3, 1)))
    r = run_cli("--engine", "numpy", "activate", "--fn", "softmax", str(tmp_path / "x3.npy"))
    assert_one_error_line(r, "cannot print a 3-D result as text")
    r = run_cli("gen", "ones", "3", "--seed", "1", "-o", "/dev/full")
    assert_one_error_line(r, "cannot write /dev/full")
    r = run_cli("gen", "ones", "3", "--seed", "1", "-o", str(tmp_path / "ones.csv"))  # written: then the warning
    assert r.code == 0 and r.stderr == "mlcalc: warning: gen: ones is not random: --seed changes nothing\n"
