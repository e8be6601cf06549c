"""train-linreg --no-intercept: ŷ = X·w with b held at 0 (scikit-learn's fit_intercept=False), on every
method, optimizer, engine and by blocks; --standardize then scales without centring."""

from __future__ import annotations

import json

import numpy as np
import pytest

from conftest import run_cli
from mlcalc.io.read import read_operand
from mlcalc.train import linreg
from mlcalc.train.optimizers import NAMES


@pytest.fixture(scope="module")
def housing():
    op = read_operand("samples/housing.csv")
    return linreg.prepare(op.values, op.names, "price")


@pytest.fixture(scope="module")
def lstsq(housing):
    """The least-squares w through the origin, and its MSE."""
    w = np.linalg.lstsq(housing.x, housing.y, rcond=None)[0]
    return w, float(np.mean((housing.x @ w - housing.y) ** 2))


def fit(data, **kw):
    engine = kw.pop("engine", "auto")
    return linreg.fit(data, linreg.Config(intercept=False, **kw), engine=engine)


@pytest.mark.parametrize("standardize", [False, True])
def test_normal_equation_is_least_squares_through_the_origin(housing, lstsq, standardize):
    r = fit(housing, method="normal", standardize=standardize)
    np.testing.assert_allclose(r["coef"], lstsq[0], rtol=1e-9)
    assert r["intercept"] == 0.0
    assert r["loss"] == pytest.approx(lstsq[1], rel=1e-12)


def test_ridge_through_the_origin(housing):
    x, y, l2 = housing.x, housing.y, 0.5
    n = len(y)
    w = np.linalg.solve(x.T @ x / n + l2 * np.eye(x.shape[1]), x.T @ y / n)
    np.testing.assert_allclose(fit(housing, method="normal", l2=l2)["coef"], w, rtol=1e-9)


@pytest.mark.parametrize("engine", ["numpy", "numba"])
@pytest.mark.parametrize("method", ["gd", "sgd"])
@pytest.mark.parametrize("optimizer", NAMES)
def test_every_optimizer_keeps_b_at_zero_and_descends(housing, lstsq, optimizer, method, engine):
    r = fit(housing, method=method, optimizer=optimizer, standardize=True, seed=1, epochs=300, engine=engine)
    assert r["intercept"] == 0.0  # exactly: b's gradient is 0, so no optimizer moves it
    start = float(np.mean(housing.y ** 2))  # the loss at w = 0
    assert lstsq[1] <= r["loss"] < 0.1 * start


def test_tutorial_through_the_origin_gives_w_2():
    # seed 001's model ŷ = x·w (no intercept) on x = 1..5, y = 2x
    for method in ("normal", "gd", "sgd"):
        r = run_cli("train-linreg", "samples/linreg_tutorial.csv", "--no-intercept", "--method", method,
                    "--lr", "0.01", "-f", "json")
        assert r.code == 0, r.stderr
        got = json.loads(r.stdout)
        assert got["coef"][0] == pytest.approx(2, rel=1e-12) and got["intercept"] == 0


def test_engines_agree(housing):
    a = fit(housing, method="gd", optimizer="adam", standardize=True, epochs=200, engine="numpy")
    b = fit(housing, method="gd", optimizer="adam", standardize=True, epochs=200, engine="numba")
    np.testing.assert_allclose(a["coef"], b["coef"], rtol=1e-9)
    np.testing.assert_allclose(a["history"], b["history"], rtol=1e-9)


def test_l1_gives_the_lasso_zeros_through_the_origin(housing):
    lasso = fit(housing, method="normal", standardize=True, l1=0.2)
    assert (lasso["coef"] == 0).any() and lasso["intercept"] == 0
    got = fit(housing, method="gd", optimizer="sgd", standardize=True, l1=0.2, epochs=5000)
    np.testing.assert_array_equal(got["coef"] == 0, lasso["coef"] == 0)


def test_standardize_scales_without_centring():
    # a constant (non-zero) feature is fine without centring; an all-zero one cannot be scaled
    data = linreg.prepare(np.array([[1.0, 3.0, 2.0], [1.0, 5.0, 4.0], [1.0, 7.0, 6.5]]), None, None)
    r = linreg.fit(data, linreg.Config(method="normal", standardize=True, intercept=False))
    w = np.linalg.lstsq(data.x, data.y, rcond=None)[0]
    np.testing.assert_allclose(r["coef"], w, rtol=1e-9)
    zero = linreg.prepare(np.array([[0.0, 3.0, 2.0], [0.0, 5.0, 4.0], [0.0, 7.0, 6.0]]), None, None)
    with pytest.raises(Exception, match="'x1' is all zeros"):
        linreg.fit(zero, linreg.Config(method="gd", standardize=True, intercept=False))


@pytest.mark.parametrize("method", ["normal", "gd", "sgd"])
def test_by_blocks_as_in_memory(tmp_path, housing, lstsq, method):
    np.save(tmp_path / "h.npy", read_operand("samples/housing.csv").values)
    args = ("train-linreg", str(tmp_path / "h.npy"), "--target", "6", "--no-intercept", "--standardize",
            "--method", method, "--seed", "1", "--epochs", "300", "-f", "json")
    mem, blk = run_cli(*args), run_cli(*args, "--memory-limit", "8KB")
    assert mem.code == 0 and blk.code == 0, mem.stderr + blk.stderr
    mem, blk = json.loads(mem.stdout), json.loads(blk.stdout)
    assert blk["intercept"] == 0 and mem["intercept"] == 0
    if method == "sgd":  # another path through the rows by blocks: the same neighbourhood
        assert lstsq[1] <= blk["loss"] < 1.5 * mem["loss"]
    else:
        np.testing.assert_allclose(blk["coef"], mem["coef"], rtol=1e-6)
    if method == "normal":
        np.testing.assert_allclose(blk["coef"], lstsq[0], rtol=1e-8)


def test_trace_and_saved_model(tmp_path):
    r = run_cli("train-linreg", "samples/linreg_tutorial.csv", "--no-intercept", "--epochs", "2", "--lr", "0.01",
                "--trace", "--save", str(tmp_path / "m.json"), "-f", "json")
    assert r.code == 0, r.stderr
    assert "ŷ = X·w;" in r.stderr and "b is held at 0" in r.stderr and "∂L/∂b" not in r.stderr
    saved = json.loads((tmp_path / "m.json").read_text())
    assert saved["intercept"] == 0
    p = run_cli("predict", str(tmp_path / "m.json"), "samples/linreg_tutorial.csv", "-f", "json")
    np.testing.assert_allclose(json.loads(p.stdout), np.arange(1, 6) * saved["coef"][0], rtol=1e-15)
    t = run_cli("train-linreg", "samples/linreg_tutorial.csv", "--no-intercept", "--method", "normal", "--trace")
    assert "b = 0 (no intercept)" in t.stderr
