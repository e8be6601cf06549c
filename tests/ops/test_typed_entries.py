"""Entries as typed: fractions such as 1/3 outside --exact (det, and the singularity checks of inv and
solve), --exact's digit limits on input, exact integers in NPY/NPZ, and rank/rref/inspect at the ends of
the float range."""

from __future__ import annotations

import json

import numpy as np
import pytest

from conftest import assert_one_error_line, run_cli

ENGINES = ["numpy", "numba"]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("a", ["1/3 1/5; 5 3", "1/7 1/11; 11 7"])
@pytest.mark.parametrize("command", ["inv", "solve"])
def test_a_matrix_singular_as_typed_is_singular_on_every_engine(engine, a, command):
    # no float holds 1/3: its LU gave one engine a zero pivot and the other an "inverse" of 1e16
    args = ["inv", a] if command == "inv" else ["solve", a, "1 2"]
    r = run_cli(*args, "--engine", engine)
    assert_one_error_line(r, f"{args[0]}: A is singular (pivot 0 in column 2)")


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("a, want", [("1/3 1; 1 3", 0.0), ("1/3 0; 0 3", 1.0), ("1/2 1/3; 1/4 1/5", 1 / 60)])
def test_det_of_typed_fractions_is_exact_rounded_once(engine, a, want):
    r = run_cli("det", a, "--engine", engine, "-f", "json")
    assert r.code == 0, r.stderr
    assert json.loads(r.stdout) == want


def test_typed_fractions_from_a_file_and_stdin(tmp_path):
    (tmp_path / "a.csv").write_text("a,b\n1/3,1\n1,3\n")
    assert run_cli("det", str(tmp_path / "a.csv")).stdout.strip() == "0"
    r = run_cli("inv", "-", stdin="1/3,1/5\n5,3\n")
    assert_one_error_line(r, "A is singular")


def test_an_invertible_matrix_of_fractions_still_inverts():
    r = run_cli("inv", "1/3 1; 0 2", "-f", "json")
    assert json.loads(r.stdout) == [[3, -1.5], [0, 0.5]]


@pytest.mark.parametrize("args", [["det", "1e3000 0; 0 1e3000"], ["det", "1e5000"], ["solve", "1e5000", "1"],
                                  ["rank", "1e5000", "--trace"], ["rank", "1e10000000 1"],
                                  ["rank", "1e100000000000000 1"], ["det", "1" * 5000]])
def test_exact_input_beyond_its_digit_limit_is_refused_at_once(args):
    # 4300+ digit results were an internal error (Python's int-to-text limit); 1e10000000 took 15 s
    r = run_cli(*args, "--exact")
    assert_one_error_line(r, "needs more than 1000 digits", "drop --exact")
    assert len(r.stderr) < 400  # a long literal is named by its start


def test_exact_input_within_the_limit():
    r = run_cli("det", "1e999", "--exact", "-f", "json")
    assert r.code == 0 and json.loads(r.stdout) == 10 ** 999


def test_exact_integers_in_npy_are_exact_or_refused(tmp_path):
    r = run_cli("inv", "-1 0; 0 1/10000000000000000001", "--exact", "-o", str(tmp_path / "z.npy"))
    assert_one_error_line(r, "cannot hold exactly")  # it was written as 1e19
    assert not (tmp_path / "z.npy").exists()
    assert run_cli("det", "1e22", "--exact", "-o", str(tmp_path / "d.npy")).code == 0
    assert np.load(tmp_path / "d.npy") == 1e22  # exactly 10**22
    assert run_cli("det", "1e22", "--exact", "-o", str(tmp_path / "d.npz")).code == 0
    assert np.load(tmp_path / "d.npz")["result"] == 1e22  # a number, not the text '10000…'
    r = run_cli("inv", "2 1; 1 1", "--exact", "-o", str(tmp_path / "i.npy"))
    assert r.code == 0 and np.load(tmp_path / "i.npy").tolist() == [[1, -1], [-1, 2]]
    # a single value between 2⁶³ and 2⁶⁴ became a uint64 NPY that NumPy wrote without complaint
    for ext in ("npy", "npz"):
        r = run_cli("det", "10000000000000000001", "--exact", "-o", str(tmp_path / f"u.{ext}"))
        assert_one_error_line(r, "cannot hold exactly")
        assert not (tmp_path / f"u.{ext}").exists()
    assert run_cli("det", "9223372036854775808", "--exact", "-o", str(tmp_path / "p.npy")).code == 0
    p = np.load(tmp_path / "p.npy")
    assert p.dtype == np.float64 and p == 2.0 ** 63  # 2⁶³ is a float64 exactly


@pytest.mark.parametrize("engine", ENGINES)
def test_rank_and_rref_near_the_float_limit(engine):
    big = "1e308 1e308; -1e308 1e308"
    assert run_cli("rank", big, "--engine", engine).stdout.strip() == "2"  # was 0 (σ overflowed)
    assert json.loads(run_cli("rref", big, "--engine", engine, "-f", "json").stdout) == [[1, 0], [0, 1]]
    tiny = "1e-310 2e-310; 3e-310 4e-310"
    assert run_cli("rank", tiny, "--engine", engine).stdout.strip() == "2"
    assert json.loads(run_cli("rref", tiny, "--engine", engine, "-f", "json").stdout) == [[1, 0], [0, 1]]
    # --tol is in A's units: σ = √2·1e308 is above 1e308, not above 2e308
    assert run_cli("rank", big, "--tol", "1e308").stdout.strip() == "2"
    assert run_cli("rank", big, "--tol", "1.5e308").stdout.strip() == "0"


@pytest.mark.parametrize("a, idempotent", [("0 1e10; 0 0", False), ("1 1e200; 0 0", True), ("0.5 0.5; 0.5 0.5", True),
                                           ("1e200 1e200; 1e200 1e200", False), ("2 -2 -4; -1 3 4; 1 -2 -3", True),
                                           ("1/3 1/3 1/3; 1/3 1/3 1/3; 1/3 1/3 1/3", True), ("1 0; 0 2", False),
                                           # a projection computed in floats: 0 up to rounding off the diagonal
                                           ("1 -7.9e-17; -7.9e-17 1", True), ("0.5 0.5; 0.5 0.5000000000000001", True)])
def test_idempotent_entry_by_entry(a, idempotent):
    got = json.loads(run_cli("inspect", a, "-f", "json").stdout)["idempotent"]
    assert got is idempotent


def test_exact_reads_float32_by_its_own_digits(tmp_path):
    np.save(tmp_path / "f.npy", np.array([[0.1, 0.2], [0.3, 0.4]], np.float32))
    r = run_cli("det", str(tmp_path / "f.npy"), "--exact", "--dtype", "float32")
    assert r.stdout.strip() == "-1/50"


@pytest.mark.parametrize("dtype, want", [(np.int64, 2 ** 62 * (2 ** 63 - 1) - 3), (np.uint64, (2 ** 64 - 1) * 5 - 3)])
def test_exact_reads_integer_npy_as_integers(tmp_path, dtype, want):
    # through float64, 2⁶³ − 1 became 2⁶³ before --exact saw it
    big = 2 ** 62 if dtype == np.int64 else 2 ** 64 - 1
    last = 2 ** 63 - 1 if dtype == np.int64 else 5
    np.save(tmp_path / "a.npy", np.array([[big, 1], [3, last]], dtype))
    r = run_cli("det", str(tmp_path / "a.npy"), "--exact", "-f", "json")
    assert json.loads(r.stdout) == want
    r = run_cli("det", "-", "--exact", "-f", "json", stdin=(tmp_path / "a.npy").read_bytes())
    assert json.loads(r.stdout) == want


@pytest.mark.parametrize("engine", ENGINES)
def test_inverse_solve_and_pinv_at_the_ends_of_the_float_range(engine):
    # on A·2ᵏ, then ·2ᵏ: a 1e-310 diagonal's inverse gave NaN; now inf with a warning, zeros elsewhere
    r = run_cli("inv", "1e-310 0; 0 1e-310", "--engine", engine, "-f", "json")
    assert r.code == 0 and r.stdout.strip() == '[["inf", 0], [0, "inf"]]'
    assert "beyond float64: printed as inf" in r.stderr
    got = np.array(json.loads(run_cli("inv", "1e-300 2e-300; 3e-300 4e-300", "--engine", engine, "-f", "json").stdout))
    np.testing.assert_allclose(got, [[-2e300, 1e300], [1.5e300, -5e299]], rtol=1e-14)
    got = np.array(json.loads(run_cli("solve", "1e308 1e308; -1e308 1e308", "1e308 0", "--engine", engine,
                                      "-f", "json").stdout))
    np.testing.assert_allclose(got, [0.5, 0.5], rtol=1e-14)  # (1e308 + 1e308 overflowed in the LU)
    got = np.array(json.loads(run_cli("pinv", "1e-200 0; 0 2e-200", "--engine", engine, "-f", "json").stdout))
    np.testing.assert_allclose(got, [[1e200, 0], [0, 5e199]], rtol=1e-14)


@pytest.mark.parametrize("engine", ENGINES)
def test_huge_and_tiny_columns_together_keep_both(engine):
    # scaling the whole matrix by its largest entry made 1e-200 a zero pivot ("singular") and 1e-160 NaN
    for big, small in ((1e160, 1e-160), (1e200, 1e-200)):
        r = run_cli("inv", f"{big} 0; 0 {small}", "--engine", engine, "-f", "json")
        assert r.code == 0, r.stderr
        np.testing.assert_allclose(json.loads(r.stdout), [[1 / big, 0], [0, 1 / small]], rtol=1e-15)
        r = run_cli("solve", f"{big} 0; 0 {small}", "1 1", "--engine", engine, "-f", "json")
        np.testing.assert_allclose(json.loads(r.stdout), [1 / big, 1 / small], rtol=1e-15)


@pytest.mark.parametrize("engine", ENGINES)
def test_singular_only_in_floating_point_is_worked_in_fractions(engine):
    # as typed, det is 1/3 − 0.3333333333333333 = 3.3e-17; the floats are equal, so LU has no pivot: inv and
    # solve work in fractions of the entries as typed, as det does, and round once
    from fractions import Fraction as F
    a = "1/3 1; 0.3333333333333333 1"
    d = F(1, 3) - F("0.3333333333333333")
    assert float(run_cli("det", a, "--engine", engine).stdout) == float(d)
    want = [[float(1 / d), float(-1 / d)], [float(-F("0.3333333333333333") / d), float(F(1, 3) / d)]]
    r = run_cli("inv", a, "--engine", engine, "-f", "json")
    assert r.code == 0 and json.loads(r.stdout) == want and "computed in fractions of its entries as typed" in r.stderr
    r = run_cli("solve", a, "1 2", "--engine", engine, "-f", "json")
    assert json.loads(r.stdout) == [want[0][0] + 2 * want[0][1], float((-F("0.3333333333333333") + 2 * F(1, 3)) / d)]
    assert_one_error_line(run_cli("inv", "1/3 1; 1/3 1", "--engine", engine), "A is singular")  # singular as typed


@pytest.mark.parametrize("engine", ENGINES)
def test_equilibration_by_rows_then_columns(engine):
    # scaling A's columns alone overflowed x (diag(1e300, 1)·x = (1.5e308, 1) gave inf for 1.5e8) and left
    # [1e200 1e150; −1e-150 0] singular (its pivot underflowed); rows first, as LAPACK's gesvx does
    got = json.loads(run_cli("solve", "1e300 0; 0 1", "1.5e308 1", "--engine", engine, "-f", "json").stdout)
    np.testing.assert_allclose(got, [1.5e8, 1], rtol=1e-15)
    got = json.loads(run_cli("solve", "1e300 1e300; 1 -1", "1e300 2e300", "--engine", engine, "-f", "json").stdout)
    np.testing.assert_allclose(got, [1e300, -1e300], rtol=1e-15)  # exactly 1e300 + 1/2, −1e300 + 1/2
    r = run_cli("inv", "1e200 1e150; -1e-150 0", "--engine", engine, "-f", "json")
    assert r.code == 0, r.stderr
    got = np.array(json.loads(r.stdout))
    np.testing.assert_allclose(got[:, 1], [-1e150, 1e200], rtol=1e-15)
    np.testing.assert_allclose(got[1, 0], 1e-150, rtol=1e-15)
    assert abs(got[0, 0]) < 1e-200  # exactly 0
    r = run_cli("inv", "1e-320 0.5; 0 1e-320", "--engine", engine, "-f", "json")
    assert json.loads(r.stdout) == [["inf", "-inf"], [0, "inf"]]  # the exact inverse, beyond the range


@pytest.mark.parametrize("engine", ENGINES)
def test_float32_near_its_own_limits(engine):
    # 2^±500 is float64's threshold; float32's range ends at 3.4e38
    big = ["3e38 3e38; -3e38 3e38", "--dtype", "float32", "--engine", engine]
    assert run_cli("rank", *big).stdout.strip() == "2"
    assert json.loads(run_cli("rref", *big, "-f", "json").stdout) == [[1, 0], [0, 1]]
    got = np.array(json.loads(run_cli("pinv", *big, "-f", "json").stdout), dtype=float)
    np.testing.assert_allclose(got, np.array([[1, -1], [1, 1]]) / 6e38, rtol=1e-6)
    r = run_cli("pinv", "1e-40 0; 0 1e-40", "--dtype", "float32", "--engine", engine, "-f", "json")
    assert json.loads(r.stdout) == [["inf", 0], [0, "inf"]] and "beyond float32" in r.stderr


@pytest.mark.parametrize("engine", ENGINES)
def test_equilibration_in_exponents_rounds_once_and_keeps_b_in_range(engine):
    # row factors then column factors as products overflowed half way (inf where the answer is 3e8), a
    # row-scaled copy zeroed a tiny entry ("singular"), and R·b overflowed (inf for 1.5e308)
    got = json.loads(run_cli("inv", "1e-8 1e305; 2e-8 3e305", "--engine", engine, "-f", "json").stdout)
    np.testing.assert_allclose(got, [[3e8, -1e8], [-2e-305, 1e-305]], rtol=1e-15)
    r = run_cli("inv", "1e37 0 1e-27; 0 1 0; 1e37 0 2e-27", "--dtype", "float32", "--engine", engine, "-f", "json")
    np.testing.assert_allclose(json.loads(r.stdout), [[2e-37, 0, -1e-37], [0, 1, 0], [-1e27, 0, 1e27]], rtol=1e-6)
    r = run_cli("inv", "1e300 0 1e-300; 0 1 0; 1e300 0 2e-300", "--engine", engine, "-f", "json")
    np.testing.assert_allclose(json.loads(r.stdout), [[2e-300, 0, -1e-300], [0, 1, 0], [-1e300, 0, 1e300]],
                               rtol=1e-15)
    got = json.loads(run_cli("solve", "1e-300 1e-300; 1 -1", "3e8 0", "--engine", engine, "-f", "json").stdout)
    np.testing.assert_allclose(got, [1.5e308, 1.5e308], rtol=1e-15)
    r = run_cli("solve", "1e-310", "1", "--engine", engine, "-f", "json")  # 1e310: beyond, and said so
    assert json.loads(r.stdout) == ["inf"] and "float64" in r.stderr and "inf" in r.stderr


@pytest.mark.parametrize("engine", ENGINES)
def test_typed_fractions_are_the_same_answer_on_every_engine(engine):
    # the fractions path ran only where an engine's LU met an exact zero pivot: numba (a tiny pivot)
    # gave the opposite signs; now also where κ is beyond 1/eps, as det is exact on both
    r = run_cli("inv", "1/3 1/5; 5 3.0000000000000001", "--engine", engine, "-f", "json")
    np.testing.assert_allclose(json.loads(r.stdout), [[9e16, -6e15], [-1.5e17, 1e16]], rtol=1e-15)
    # b's typed fractions count too
    r = run_cli("solve", "1/3 1; 0.3333333333333333 1", "1/3 0.3333333333333333", "--engine", engine, "-f", "json")
    assert json.loads(r.stdout) == [1, 0]


def test_typed_entries_depend_on_cells_not_on_a_slash_anywhere(tmp_path):
    # a header "x/y" made every cell "typed"; now an entry counts as typed where its text and its float differ
    (tmp_path / "a.csv").write_text("x/y,z\n0.33333333333333333,1\n0.3333333333333333,1\n")
    (tmp_path / "b.csv").write_text("x,z\n0.33333333333333333,1\n0.3333333333333333,1\n")
    assert run_cli("det", str(tmp_path / "a.csv")).stdout == run_cli("det", str(tmp_path / "b.csv")).stdout
    assert run_cli("inv", "2/2 0; 0 1", "-f", "json").stdout == run_cli("inv", "1 0; 0 1", "-f", "json").stdout


def test_round_trip_digits_are_the_float_not_typed_entries():
    # %.17g text is the float it was written from (0.10000000000000001 is 0.1); 18 digits are typed
    assert run_cli("det", "0.10000000000000001 0.2; 0.3 0.6").stdout.strip() == "0"
    assert float(run_cli("det", "0.333333333333333333 1; 1 3").stdout) == pytest.approx(-1e-18, rel=1e-12)
    # float32: its own 9 digits (0.1 is not "typed"); the inverse of the float32 matrix, as before
    r = run_cli("inv", "1 1; 1 1.0000001", "--dtype", "float32", "-f", "json")
    assert json.loads(r.stdout)[0][0] == 8388609


def test_float32_subnormal_column_keeps_its_solution_normal():
    # scaling a subnormal column all the way to 1 made the scaled solution subnormal (0.6 became 0.59375)
    r = run_cli("solve", "3e-44 1e-7; 1e-44 2e-7", "2e-44 1e-44", "--dtype", "float32", "--engine", "numpy",
                "-f", "json")
    assert json.loads(r.stdout)[0] == pytest.approx(0.6, rel=1e-6)


def test_an_overflow_on_the_way_is_not_called_beyond_the_range():
    # the LU of [1 2; 3 4] overflows on (1.7e308, 1.7e308) though x = (−1.7e308, 1.7e308) is finite
    r = run_cli("solve", "1 2; 3 4", "1.7e308 1.7e308")
    assert "beyond its range, or the elimination overflowed on the way" in r.stderr
    r = run_cli("inv", "1e-120 1 0; 0 1e-120 1; 0 0 1e-120")  # unscaled, with an inf: said too
    assert "overflowed float64" in r.stderr


@pytest.mark.parametrize("engine", ENGINES)
def test_float32_result_of_fractions_is_rounded_once(engine):
    # det of (2⁶⁰ + 2³⁶ + 1)/2⁶⁰ = 1 + 2⁻²⁴ + 2⁻⁶⁰: through float64 it became 1 + 2⁻²⁴, a float32 tie, then 1
    r = run_cli("det", "1152921573326323713/1152921504606846976", "--dtype", "float32", "--engine", engine,
                "-f", "json")
    assert r.code == 0 and np.float32(json.loads(r.stdout)) == np.nextafter(np.float32(1), np.float32(2))
