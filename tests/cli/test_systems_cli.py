"""inv, solve, det, rank, rref from the command line: outputs, --exact formats, warnings, errors."""

import json

import numpy as np
import pytest

from conftest import assert_one_error_line, run_cli, run_process


def test_exact_inverse_prints_integers_as_csv():
    r = run_cli("inv", "2 1; 1 1", "--exact", "-f", "csv")
    assert r.code == 0 and r.stdout == "1,-1\n-1,2\n"


def test_exact_inverse_of_fractions_prints_fractions():
    r = run_cli("inv", "1/3 1; 0 2", "--exact", "-f", "csv")
    assert r.stdout == "3,-3/2\n0,1/2\n"


def test_exact_results_in_json_are_numbers_and_fraction_strings():
    r = run_cli("inv", "1/3 1; 0 2", "--exact", "-f", "json")
    assert json.loads(r.stdout) == [[3, "-3/2"], [0, "1/2"]]


def test_exact_results_in_a_table():
    r = run_cli("inv", "1/3 1; 0 2", "--exact", "-f", "table")
    assert r.code == 0 and "-3/2" in r.stdout and "1/2" in r.stdout


def test_exact_from_a_csv_file_with_fractions(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("1/2,1/3\n1/4,1/5\n")
    assert run_cli("det", str(path), "--exact").stdout == "1/60\n"


def test_exact_solve_det_rank_rref():
    assert run_cli("solve", "2 1; 1 3", "3 5", "--exact").stdout == "4/5\n7/5\n"
    assert run_cli("det", "1 2; 3 4", "--exact").stdout == "-2\n"
    assert run_cli("rank", "1 2; 2 4", "--exact").stdout == "1\n"
    assert run_cli("rref", "1 2 3; 4 5 6", "--exact").stdout == "1,0,-1\n0,1,2\n"


def test_exact_from_npy_file(tmp_path):
    path = tmp_path / "a.npy"
    np.save(path, np.array([[0.5, 0.0], [0.0, 0.1]]))
    assert run_cli("inv", str(path), "--exact").stdout == "2,0\n0,10\n"


@pytest.mark.parametrize("engine", ["numpy", "numba"])
def test_float_commands(engine):
    assert run_cli("--engine", engine, "inv", "2 1; 1 1").stdout == "1,-1\n-1,2\n"
    x = [float(v) for v in run_cli("--engine", engine, "solve", "2 1; 1 3", "3 5").stdout.split()]
    assert x == pytest.approx([0.8, 1.4])
    assert float(run_cli("--engine", engine, "det", "1 2; 3 4").stdout) == pytest.approx(-2)


def test_solve_with_two_right_hand_sides():
    out = run_cli("solve", "2 1; 1 3", "3 1; 5 0", "-f", "json").stdout
    np.testing.assert_allclose(json.loads(out), [[0.8, 0.6], [1.4, -0.2]])


def test_rank_and_rref():
    assert run_cli("rank", "1 2 3; 4 5 6; 7 8 9").stdout == "2\n"
    assert run_cli("rank", "1 0; 0 1e-10", "--tol", "1e-8").stdout == "1\n"
    assert run_cli("rref", "1 2; 3 4").stdout == "1,0\n0,1\n"


def test_near_singular_warning_goes_to_stderr_and_quiet_silences_it():
    r = run_cli("inv", "1 1; 1 1.0000000000000002")
    assert r.code == 0 and r.stdout and "mlcalc: warning: inv:" in r.stderr and "condition number" in r.stderr
    assert run_cli("inv", "1 1; 1 1.0000000000000002", "--quiet").stderr == ""


def test_singular_determinant_prints_zero():
    assert run_cli("det", "1 2; 2 4").stdout == "0\n"


@pytest.mark.parametrize("args, fragments", [
    (("inv", "1 nan; 2 3"), ("inv", "row 1, column 2")),
    (("solve", "1 2; 3 inf", "1 2"), ("solve", "row 2, column 2")),
    (("solve", "1 2; 3 4", "1 nan"), ("solve", "b", "element 2")),
    (("det", "1 2 3; 4 5 6"), ("det", "square", "(2, 3)")),
    (("inv", "1 2 3; 4 5 6"), ("inv", "square", "(2, 3)")),
    (("inv", "1 2; 2 4"), ("inv: A is singular (pivot 0 in column 2)",)),
    (("solve", "1 2; 3 4", "1 2 3"), ("solve", "(2, 2)", "(3,)")),
    (("inv", "1 2; 2 4", "--exact"), ("inv: A is singular (pivot 0 in column 2)",)),
    (("inv", "1 nan; 2 3", "--exact"), ("row 1, column 2",)),
    (("solve", "1 2; 3 4", "1 2 3", "--exact"), ("solve", "(2, 2)", "(3,)")),
    (("det", "1 2 3", "--exact"), ("det", "square")),
])  # (a negative --tol is a usage error, exit 2: tests/cli/test_conventions.py)
def test_bad_input_is_one_error_line(args, fragments):
    assert_one_error_line(run_cli(*args), *fragments)


def test_too_large_for_exact_is_one_error_line():
    big = "; ".join(" ".join("1" for _ in range(51)) for _ in range(51))
    assert_one_error_line(run_cli("det", big, "--exact"), "50×50")


def test_exact_trace_goes_to_stderr_and_result_to_stdout():
    r = run_process("inv", "2 1; 1 1", "--exact", "--trace")
    assert r.code == 0 and r.stdout == "1,-1\n-1,2\n"
    assert "R2 ← R2 − R1" in r.stderr and "R1 ← (1/2)·R1" in r.stderr
    assert "[I | A⁻¹]" in r.stderr


def test_exact_on_a_command_that_has_no_fractions_is_a_usage_error():
    # it was silently ignored: matmul "1/3 1; 0 2" ... --exact printed floats
    r = run_cli("matmul", "1/3 1; 0 2", "3 0; 0 1", "--exact")
    assert r.code == 2 and "--exact" in r.stderr and "det, inv, rank, rref, solve" in r.stderr


def test_rref_prints_no_negative_zero():
    assert run_cli("rref", "1 2 3; 2 4 6; 1 0 1", "-f", "csv").stdout.split() == ["1,0,1", "0,1,1", "0,0,0"]


@pytest.mark.parametrize("engine", ["numpy", "numba"])
@pytest.mark.parametrize("command", ["inv", "det", "solve"])
@pytest.mark.parametrize("dtype,a", [
    ("float64", "5e-152 5e-152; 5e-152 1e-151"), ("float64", "6e150 6e150; 6e150 1.2e151"),
    ("float32", "1e-19 1e-19; 1e-19 2e-19")])
def test_rows_on_either_side_of_the_scaling_threshold_are_not_called_nearly_singular(engine, command, dtype, a):
    # κ₁ = 9, but only the row beyond 2^±501 was brought towards 1: the scaled copy's rows were 2^500
    # apart, and its condition number (2.6e151) gave "A is nearly singular"
    args = [command, a] + (["1 2"] if command == "solve" else [])
    r = run_cli("--engine", engine, "--dtype", dtype, "-f", "json", *args)
    assert r.code == 0 and r.stderr == "", r.stderr
    want = {"inv": np.linalg.inv, "det": np.linalg.det,
            "solve": lambda m: np.linalg.solve(m, [1.0, 2.0])}[command](np.array(np.matrix(a), dtype))
    got = np.array(json.loads(r.stdout), dtype=float)
    scale = np.abs(want).max()
    assert np.allclose(got / scale, want / scale, rtol=1e-5, atol=1e-6)
