"""loss --reduction sum (PyTorch's reduction="sum"): the sum of what mean averages, and its gradient."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import run_cli
from mlcalc.ops import nn

ENGINES = ["numpy", "numba"]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_mse_sum_is_the_sum_of_squares_and_its_gradient_2e(engine, dtype):
    rng = np.random.default_rng(0)
    p, t = rng.standard_normal((7, 3)).astype(dtype), rng.standard_normal((7, 3)).astype(dtype)
    got = nn.loss(p, t, "mse", grad=True, engine=engine, reduction="sum")
    e = p.astype(np.float64) - t
    tol = 1e-6 if dtype == np.float32 else 1e-14
    assert got["loss"] == pytest.approx(float(np.sum(e * e)), rel=tol)
    np.testing.assert_allclose(got["grad"], 2 * e, rtol=tol)
    assert got["grad"].dtype == dtype


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("from_probs", [False, True])
def test_cross_entropy_sum_is_rows_times_the_mean(engine, from_probs):
    rng = np.random.default_rng(1)
    z = rng.standard_normal((5, 4))
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True) if from_probs else z
    ids = np.array([0, 3, 1, 1, 2.0])
    mean = nn.loss(p, ids, "cross-entropy", grad=True, from_probs=from_probs, engine=engine)
    total = nn.loss(p, ids, "cross-entropy", grad=True, from_probs=from_probs, engine=engine, reduction="sum")
    logp = np.log(p) if from_probs else z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    assert total["loss"] == pytest.approx(-logp[np.arange(5), ids.astype(int)].sum(), rel=1e-14)
    np.testing.assert_allclose(total["grad"], 5 * mean["grad"], rtol=1e-14)


def test_seed_001_sum_of_squares_through_the_cli():
    # the article's loss is ½·Σ(y − ŷ)² = 110 at w = 0: the sum is 220, its gradient 2·e
    r = run_cli("loss", "0 0 0 0 0", "2 4 6 8 10", "--fn", "mse", "--reduction", "sum", "--grad", "-f", "json")
    assert r.code == 0, r.stderr
    assert r.stdout.strip() == '{"loss": 220, "grad": [-4, -8, -12, -16, -20]}'


def test_an_unknown_reduction_is_a_usage_error():
    r = run_cli("loss", "1", "2", "--fn", "mse", "--reduction", "max")
    assert r.code == 2 and "'max' is not one of 'mean', 'sum'" in r.stderr
