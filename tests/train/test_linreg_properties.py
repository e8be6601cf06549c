"""train-linreg on data sets Hypothesis draws (rows, features, noise, penalties): the normal equation is
the least-squares (ridge) solution, an L1 fit meets the lasso's optimality conditions, and gradient
descent with each optimizer lands on the closed form. The objective (mlcalc/train/reference.py):
(1/n)·Σ(ŷ − y)² + l2·‖w‖² + l1·‖w‖₁, the intercept unpenalised."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import run_cli

SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def data_set(n, p, noise, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, p)) * rng.uniform(0.5, 3, p) + rng.uniform(-2, 2, p)
    y = x @ rng.uniform(-3, 3, p) + rng.uniform(-5, 5) + noise * rng.standard_normal(n)
    return x, y


def fit(x, y, *options):
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "data.npy"
        np.save(path, np.column_stack([x, y]))
        r = run_cli("train-linreg", str(path), *options, "-f", "json", "-q")
    assert r.code == 0, r.stderr
    model = json.loads(r.stdout)
    return np.array(model["coef"]), model["intercept"]


def ridge(x, y, l2):
    """The minimiser of (1/n)·‖y − X·w − b‖² + l2·‖w‖², by the centred normal equation."""
    n = len(y)
    xm, ym = x.mean(axis=0), y.mean()
    xc, yc = x - xm, y - ym
    w = np.linalg.solve(xc.T @ xc / n + l2 * np.eye(x.shape[1]), xc.T @ yc / n)
    return w, ym - xm @ w


@SETTINGS
@given(st.integers(6, 60), st.integers(1, 4), st.sampled_from([0.0, 0.1, 1.0]), st.sampled_from([0.0, 0.01, 0.5]),
       st.integers(0, 2 ** 32))
def test_the_normal_equation_is_the_least_squares_or_ridge_solution(n, p, noise, l2, seed):
    x, y = data_set(n, p, noise, seed)
    w, b = fit(x, y, "--method", "normal", "--l2", str(l2))
    w_ref, b_ref = ridge(x, y, l2)
    np.testing.assert_allclose(w, w_ref, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(b, b_ref, rtol=1e-7, atol=1e-9)


def assert_optimal(x, y, w, b, l1, l2, rtol=1e-6):
    """The optimality conditions of (1/n)·‖y − X·w − b‖² + l2·‖w‖² + l1·‖w‖₁: a zero mean residual, and for
    each coefficient the smooth part's slope l1·sign(wⱼ) where wⱼ ≠ 0, at most l1 where wⱼ = 0."""
    n, p = x.shape
    r = y - x @ w - b
    assert abs(r.mean()) <= rtol * max(1.0, np.abs(y).max())  # the unpenalised intercept
    g = 2.0 / n * (x.T @ r) - 2 * l2 * w  # minus the smooth part's gradient in w
    scale = rtol * max(1.0, np.abs(2.0 / n * (x.T @ y)).max())
    for j in range(p):
        if w[j] != 0:
            assert abs(g[j] - l1 * np.sign(w[j])) <= scale, (j, w, g)
        else:
            assert abs(g[j]) <= l1 + scale, (j, w, g)


@SETTINGS
@given(st.integers(6, 60), st.integers(1, 4), st.sampled_from([0.01, 0.1, 1.0]), st.sampled_from([0.0, 0.1]),
       st.integers(0, 2 ** 32))
def test_an_l1_fit_meets_the_lasso_optimality_conditions(n, p, l1, l2, seed):
    x, y = data_set(n, p, 0.5, seed)
    w, b = fit(x, y, "--method", "normal", "--l1", str(l1), "--l2", str(l2))
    assert_optimal(x, y, w, b, l1, l2)


@SETTINGS
@given(st.integers(10, 60), st.integers(1, 3), st.sampled_from([0.0, 0.05, 0.5]), st.sampled_from([0.0, 0.05, 0.5]),
       st.integers(0, 2 ** 32))
def test_gradient_descent_with_penalties_reaches_their_optimum(n, p, l1, l2, seed):
    # features of unit scale and no offset: plain gd (no --standardize, which would move the penalty to
    # standardized units) converges at its default rate
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, p))
    y = x @ rng.uniform(-3, 3, p) + rng.uniform(-1, 1) + 0.3 * rng.standard_normal(n)
    w, b = fit(x, y, "--method", "gd", "--l1", str(l1), "--l2", str(l2), "--epochs", "20000", "--tol", "0")
    assert_optimal(x, y, w, b, l1, l2, rtol=1e-5)


@SETTINGS
@given(st.integers(10, 60), st.integers(1, 3), st.sampled_from(["sgd", "momentum", "rmsprop", "adam"]),
       st.integers(0, 2 ** 32))
def test_gradient_descent_with_each_optimizer_reaches_the_closed_form(n, p, optimizer, seed):
    x, y = data_set(n, p, 0.3, seed)
    # RMSprop's and Adam's steps stay about lr long near the optimum (g/√v does not shrink with g): their
    # rate decays to 0 (--schedule linear) to settle
    schedule = "constant" if optimizer in ("sgd", "momentum") else "linear"
    w, b = fit(x, y, "--method", "gd", "--optimizer", optimizer, "--standardize", "--epochs", "20000", "--tol", "0",
               "--schedule", schedule)
    w_ref, b_ref = ridge(x, y, 0.0)
    np.testing.assert_allclose(w, w_ref, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(b, b_ref, rtol=1e-6, atol=1e-6)
