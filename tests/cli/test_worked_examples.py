"""The worked examples a learner of the seed articles (../shared/seeds) would type, through the CLI,
with values checked by hand or against NumPy; and the traces' wording for those steps."""

from __future__ import annotations

import json

import numpy as np
import pytest

from conftest import run_cli

TUTORIAL = "samples/linreg_tutorial.csv"  # x = 1..5, y = 2x (seed 001)


def values(*args):
    r = run_cli(*args, "-f", "json")
    assert r.code == 0, r.stderr
    return json.loads(r.stdout)


@pytest.mark.parametrize("args, expected", [
    # seed 002: dot products, matrix operations, norms and distances
    (("dot", "[1,0]", "[0,1]"), 0),
    (("dot", "[1,0]", "[-1,0]"), -1),
    (("dot", "[1,2,3]", "[4,5,6]"), 32),
    (("matmul", "1 2 3; 4 5 6", "7 8; 9 10; 11 12"), [[58, 64], [139, 154]]),
    (("add", "1 2 3; 4 5 6", "7 8 9; 10 11 12"), [[8, 10, 12], [14, 16, 18]]),
    (("hadamard", "1 2 3; 4 5 6", "7 8 9; 10 11 12"), [[7, 16, 27], [40, 55, 72]]),
    (("norm", "1 2 3; 4 5 6; 7 8 9"), np.sqrt(285)),
    (("dist", "[1,2]", "[4,6]"), 5),
    (("dist", "[1,2]", "[4,6]", "--metric", "manhattan"), 7),
    # seed 004: linear maps on a vector
    (("matmul", "2 0; 0 2", "[3,4]"), [6, 8]),          # scaling
    (("matmul", "0 -1; 1 0", "[1,0]"), [0, 1]),         # rotation by 90°
    (("matmul", "1 1; 0 1", "[1,2]"), [3, 2]),          # shear
    (("eig", "2 -1 0; -1 2 -1; 0 -1 2"), {"values": [2 - np.sqrt(2), 2, 2 + np.sqrt(2)]}),
    # seed 001: the loss at w = b = 0 (the mean of the squares; the article's ½·SSE is 110)
    (("loss", "0 0 0 0 0", "2 4 6 8 10", "--fn", "mse"), 44),
])
def test_worked_values(args, expected):
    got = values(*args)
    if isinstance(expected, dict):
        for key, want in expected.items():
            np.testing.assert_allclose(got[key], want, rtol=1e-12, atol=1e-14)
    else:
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-15)


def test_projection_is_geometric():
    # (a·b / b·b)·b: the article's "length of the projection" is a·b only for a unit b
    np.testing.assert_allclose(values("project", "[3,4]", "[2,0]"), [3, 0], rtol=1e-15)


def test_activations_of_seed_003():
    x = "-2 -1 0 1 2"
    v = np.array([-2.0, -1, 0, 1, 2])
    sig = 1 / (1 + np.exp(-v))
    np.testing.assert_allclose(values("activate", x, "--fn", "tanh"), np.tanh(v), rtol=1e-15)
    np.testing.assert_allclose(values("activate", x, "--fn", "tanh", "--grad"), 1 - np.tanh(v) ** 2, rtol=1e-14)
    np.testing.assert_allclose(values("activate", x, "--fn", "swish"), v * sig, rtol=1e-15, atol=1e-300)
    assert values("activate", x, "--fn", "swish", "--grad")[2] == 0.5
    assert values("activate", x, "--fn", "leaky-relu", "--grad")[2] == 0.01
    np.testing.assert_allclose(values("activate", x, "--fn", "softmax"), np.exp(v) / np.exp(v).sum(), rtol=1e-15)


def test_dense_layer_gradients_and_one_update_by_pipe():
    # seed 004: one step of gradient descent on a dense layer, ΔW = −η·dW, as a learner pipes it
    got = values("backward", "1 -1", "-W", "1 2; 3 4; 5 6", "--grad-out", "1 0.5 -2")
    np.testing.assert_allclose(got["dW"], [[1, -1], [0.5, -0.5], [-2, 2]])
    np.testing.assert_allclose(got["db"], [1, 0.5, -2])
    np.testing.assert_allclose(got["dX"], [-7.5, -8])
    # the same chain through CSV text, as in a shell: dW → scale by −0.1 → add to W
    step = run_cli("scale", "1 -1; 0.5 -0.5; -2 2", "--by", "-0.1", "-f", "csv")
    assert step.code == 0, step.stderr
    updated = run_cli("add", "1 2; 3 4; 5 6", "-", "-f", "json", stdin=step.stdout)
    np.testing.assert_allclose(json.loads(updated.stdout), [[0.9, 2.1], [2.95, 4.05], [5.2, 5.8]], rtol=1e-15)


def test_conv2d_with_stride_and_padding():
    got = values("conv2d", "1 2 3; 4 5 6; 7 8 9", "1 0; 0 -1", "--stride", "2", "--padding", "1")
    np.testing.assert_allclose(got, [[-1, -3], [-7, -4]])


def test_attention_small_example():
    got = values("attention", "1 0; 0 1", "1 0; 0 1; 1 1", "1 2; 3 4; 5 6")
    e = np.exp(1 / np.sqrt(2))
    second = (1 + 8 * e) / (1 + 2 * e)  # query 2: weights 1, e, e on the values 1, 3, 5
    np.testing.assert_allclose(got, [[3, 4], [second, second + 1]], rtol=1e-14)


def test_tutorial_fits_exactly_with_penalties():
    # the normal equations with an L2 penalty on w only: (Σx² + λn)·w + Σx·b = Σxy, Σx·w + n·b = Σy
    # with the MSE's 1/n: w = 4/2.1, b = 2/7 for λ = 0.1; the lasso with λ = 1 gives w = 1.75, b = 0.75
    ridge = values("train-linreg", TUTORIAL, "--method", "normal", "--l2", "0.1")
    np.testing.assert_allclose(ridge["coef"], [4 / 2.1], rtol=1e-12)
    np.testing.assert_allclose(ridge["intercept"], 2 / 7, rtol=1e-12)
    lasso = values("train-linreg", TUTORIAL, "--method", "gd", "--l1", "1", "--lr", "0.01", "--epochs", "5000")
    np.testing.assert_allclose(lasso["coef"], [1.75], rtol=1e-6)
    np.testing.assert_allclose(lasso["intercept"], 0.75, rtol=1e-5)


def test_tutorial_gd_first_epochs_by_hand():
    # epoch 1 from w = b = 0 with η = 0.01: ∂L/∂w = (2/5)·Σ x(ŷ − y) = −44, ∂L/∂b = −12,
    # so w = 0.44, b = 0.12 and the loss there is (1/5)·Σ (1.56x − 0.12)² ... = 25.6608
    fit = values("train-linreg", TUTORIAL, "--method", "gd", "--lr", "0.01", "--epochs", "1", "-q")
    np.testing.assert_allclose(fit["coef"], [0.44], rtol=1e-14)
    np.testing.assert_allclose(fit["intercept"], 0.12, rtol=1e-14)
    np.testing.assert_allclose(fit["history"][0], 25.6608, rtol=1e-13)


# ------------------------------------------------------------------ traces


def trace(*args):
    r = run_cli(*args, "--trace")
    assert r.code == 0, r.stderr
    return r.stderr


def test_training_trace_says_where_each_number_is_taken():
    # the gradient shown with an epoch is at the weights that epoch ended with; m and v include its steps
    t = trace("train-linreg", TUTORIAL, "--optimizer", "adam", "--lr", "0.1", "--epochs", "1", "-f", "json")
    assert "∂L/∂w = (2/n)·Xᵀ·r" in t and "[ -44  -12 ]" in t
    assert "m = [ -4.4  -1.2 ]" in t  # (1 − β₁)·g of the gradient applied, −44 and −12
    epoch = t[t.index("Epoch 1 done"):]
    assert "loss at the new w, b" in epoch and "gradient there" in epoch
    assert "m and v as this epoch's updates left them" in epoch


def test_trace_wording():
    assert "cᵢⱼ = aᵢⱼ · bᵢⱼ" in trace("hadamard", "1 2; 3 4", "5 6; 7 8")
    t = trace("dist", "[1,2]", "[4,6]")
    assert "δᵢ = aᵢ − bᵢ" in t and "√(Σ δᵢ²) = √((−3)² + (−4)²) = √25 = 5" in t
    assert "Σ|δᵢ| = |−3| + |−4| = 7" in trace("dist", "[1,2]", "[4,6]", "--metric", "manhattan")
    assert "softmax(S/√d)" in trace("attention", "1 0; 0 1", "1 0; 0 1; 1 1", "1 2; 3 4; 5 6")
    # the 2×2 characteristic polynomial from ad − bc, so the roots check to exactly 0
    t = trace("eig", "2 1; 1 2")
    assert "det(A − λI) = λ² − 4λ + 3" in t and "max |p(λ)| = 0\n" in t
    t = trace("conv2d", "1 2 3; 4 5 6; 7 8 9", "1 0; 0 -1", "--padding", "1")
    assert "K[0, c, i, j]·X[c, i − 1, j − 1]" in t


def test_inspect_trace_shows_the_measured_deviations():
    t = trace("inspect", "0.5 0.5; 0.5 0.5")
    assert "counts as 0, so the condition number is inf" in t
    assert "idempotent: max|A² − A| = 0, within" in t and "orthogonal: max|AᵀA − I| = 0.5 >" in t
    assert "not square" in trace("inspect", "1 2 3; 4 5 6")


def test_gradcheck_trace_names_the_loss():
    t = trace("gradcheck", "1 2; 3 -1", "-W", "0.5 -0.2; 0.1 0.3", "--act", "tanh", "--target", "1 0; 0 1")
    assert "a = tanh(X·Wᵀ + b)" in t and "L = (1/N)·Σ (aᵢⱼ − tᵢⱼ)²" in t
