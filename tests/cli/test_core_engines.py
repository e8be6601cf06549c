"""The core commands give the same answers on every engine."""

import numpy as np
import pytest

from conftest import ENGINES, run_cli


@pytest.mark.parametrize("engine", ENGINES)
def test_matmul_of_the_2x2_example_on_each_engine(engine):
    r = run_cli("matmul", "1 2; 3 4", "5 6; 7 8", "-f", "csv", "--engine", engine)
    assert r.code == 0, r.stderr
    assert r.stdout.splitlines() == ["19,22", "43,50"]


A = "1.5 -2 3; 4 5.25 -6; 0 1 2; -1 -1 8"
B = "2 0 -1; 1 3.5 2; -4 1 1; 0.5 0.5 0.5"
U = "[1, -2, 3.5, 4]"
V = "[0.5, 2, -1, 3]"

CASES = [
    ("matmul", A, "1 2; 3 4; 5 6"),
    ("matmul", U, A),
    ("add", A, B),
    ("add", A, "[1, 2, 3]"),
    ("sub", A, B),
    ("sub", A, "10"),
    ("hadamard", A, B),
    ("hadamard", A, "[2; 3; 4; 5]"),
    ("scale", A, "--by", "-1.5"),
    ("transpose", A),
    ("dot", U, V),
    ("outer", U, "[1, 2, 3]"),
]


def _numbers(out: str) -> np.ndarray:
    return np.array([[float(x) for x in line.split(",")] for line in out.strip().splitlines()])


@pytest.mark.parametrize("args", CASES, ids=lambda a: a[0])
def test_core_commands_agree_across_engines(args):
    results = {}
    for engine in ENGINES + ["auto"]:
        r = run_cli(*args, "-f", "csv", "--engine", engine)
        assert r.code == 0, (engine, r.stderr)
        results[engine] = _numbers(r.stdout)
    for engine, got in results.items():
        np.testing.assert_allclose(got, results["numpy"], rtol=1e-14, err_msg=engine)


@pytest.mark.parametrize("engine", ENGINES)
def test_matmul_in_float32_on_each_engine(engine):
    r = run_cli("matmul", A, "1 2; 3 4; 5 6", "-f", "csv", "--dtype", "float32", "--engine", engine)
    assert r.code == 0, r.stderr
    a = np.array([[1.5, -2, 3], [4, 5.25, -6], [0, 1, 2], [-1, -1, 8]])
    np.testing.assert_allclose(_numbers(r.stdout), a @ [[1, 2], [3, 4], [5, 6]], rtol=1e-6)


@pytest.mark.parametrize("args", CASES, ids=lambda a: a[0])
def test_auto_above_its_thresholds_runs_numba_and_agrees(args, monkeypatch):
    # the cases are small, so `auto` above takes the pure-Python path or NumPy: here every threshold is 0,
    # as for operands past the table's crossovers, and the literals skip the tiny path (--trace declines it)
    from mlcalc import engine
    engine._register_all()
    monkeypatch.setattr(engine, "AUTO_NUMBA_FROM", {op: (0, 0) for op in engine.AUTO_NUMBA_FROM})
    picked = []
    real = engine.uses_numba
    monkeypatch.setattr(engine, "uses_numba", lambda *a: picked.append(real(*a)) or picked[-1])
    auto = run_cli(*args, "-f", "csv", "--engine", "auto", "--trace")
    assert auto.code == 0, auto.stderr
    assert picked and all(picked), picked  # numba ran every kernel it has
    np.testing.assert_allclose(_numbers(auto.stdout), _numbers(run_cli(*args, "-f", "csv", "--engine", "numpy").stdout),
                               rtol=1e-14)
