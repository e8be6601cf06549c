"""Every core command gives the same answer on the numba and NumPy engines."""

from __future__ import annotations

import json

import numpy as np
import pytest

from conftest import run_cli
from mlcalc import engine
from mlcalc.kernels import reference

CASES = [
    ("matmul", "1 2; 3 4", "5 6; 7 8"), ("matmul", "1 2 3; 4 5 6", "[1,2,3]"), ("matmul", "[1,2]", "1 2 3; 4 5 6"),
    ("add", "1 2 3; 4 5 6", "10 20 30"), ("sub", "1 2; 3 4", "[[1],[2]]"), ("hadamard", "1 2; 3 nan", "2 2; 2 2"),
    ("scale", "1 2; 3 4", "--by", "-0.5"), ("transpose", "1 2 3; 4 5 6"), ("dot", "[1,2,3]", "[4,5,6]"),
    ("outer", "[1,2]", "[3,4,5]"),
]


def test_matmul_19_22_43_50_on_both_engines():
    for eng in ("numba", "numpy"):
        assert run_cli("matmul", "1 2; 3 4", "5 6; 7 8", "-f", "csv", "--engine", eng).stdout.split() == ["19,22", "43,50"]


@pytest.mark.parametrize("args", CASES, ids=lambda a: a[0])
def test_engines_agree(args):
    a = run_cli(*args, "-f", "json", "--engine", "numba")
    b = run_cli(*args, "-f", "json", "--engine", "numpy")
    assert a.code == b.code == 0, a.stderr
    assert json.loads(a.stdout) == json.loads(b.stdout)


@pytest.mark.parametrize("op", ["add", "sub", "hadamard"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shapes", [((1, 1), (1, 1)), ((1, 7), (5, 7)), ((6, 1), (6, 4)), ((9,), (9,)), ((300, 301), (300, 301))])
def test_elementwise_kernels_match_numpy(op, dtype, shapes):
    rng = np.random.default_rng(0)
    a, b = (rng.standard_normal(s).astype(dtype) for s in shapes)
    got = engine.kernel(op, "numba")(a, b)
    want = getattr(reference, op)(a, b)
    assert got.dtype == want.dtype and np.array_equal(got, want)


def test_elementwise_on_non_contiguous_views():
    a = np.arange(60.0).reshape(6, 10)[::2, ::3]
    assert np.array_equal(engine.kernel("add", "numba")(a, a.T.T), a + a)
    assert np.array_equal(engine.kernel("transpose", "numba")(a), a.T)
    assert np.array_equal(engine.kernel("scale", "numba")(a, 3.0), a * 3.0)
