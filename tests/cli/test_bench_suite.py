"""`mlcalc bench`'s own cases beyond the kernels: CSV reading and whole-process start-up (tiny sizes:
the figures are not judged here, only that each row has its reference beside it)."""

from __future__ import annotations

from mlcalc import benchsuite


def _check(row, reference):
    name, ref_name, ours, theirs, speed, of_copy, of_new_copy = row
    assert ref_name == reference
    ours, theirs, speed = float(ours), float(theirs), float(speed)
    assert ours > 0 and theirs > 0
    # the times are printed to 4 decimals (±0.00005 s each) and the speed to 2, from the unrounded
    # times: a 5 ms time alone can move the quotient by 1 %
    rounding = speed * (0.00005 / ours + 0.00005 / theirs) + 0.005
    assert abs(speed - theirs / ours) <= rounding + 1e-9


def test_csv_rows_compare_with_loadtxt_after_checking_the_values():
    rows = benchsuite.csv_rows(1, 1)
    assert rows[0][0].startswith("read CSV")
    _check(rows[0], "np.loadtxt")


def test_startup_rows_time_a_small_matmul_and_help():
    rows = benchsuite.startup_rows(1)
    assert [r[0] for r in rows][0] == "start-up: matmul of 3×3 CSV files"
    _check(rows[0], "NumPy script")
    _check(rows[-1], "0.3 s limit")
    assert rows[-1][0] == "start-up: mlcalc --help"
