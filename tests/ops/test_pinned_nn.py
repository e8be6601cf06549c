"""Behaviour of the NN commands that a mutation audit showed no test pinned: each test fails if the
rule it names is broken (a one-sample cross-entropy sum, soft targets whose rows do not sum to 1,
the causal mask in attention's up-front check, attention's trace, --from-probs' negative check, a 1×1
batch, a kernel that fits only with the padding)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mlcalc.errors import MlcalcError
from mlcalc.ops import nn
from mlcalc.trace.steps import Tracer
from conftest import ENGINES, assert_one_error_line, run_cli


@pytest.mark.parametrize("engine", ENGINES)
def test_the_sum_over_one_sample_is_its_mean(engine):
    # one sample (a 1-D PRED) is one row: summing over the rows is the row's own loss, as PyTorch's
    # cross_entropy(logits[None], target, reduction="sum")
    logits, label = np.array([2.0, 1.0, 0.1]), np.array([0.0])
    mean = nn.loss(logits, label, "cross-entropy", grad=True, engine=engine)
    total = nn.loss(logits, label, "cross-entropy", grad=True, engine=engine, reduction="sum")
    assert total["loss"] == pytest.approx(0.41703001627783354, rel=1e-14) == mean["loss"]
    np.testing.assert_allclose(total["grad"], mean["grad"], rtol=1e-14)


@pytest.mark.parametrize("engine", ENGINES)
def test_cross_entropy_gradient_with_soft_targets_that_do_not_sum_to_one(engine):
    # L = −(1/n)·Σᵢ Σⱼ tᵢⱼ·log softmax(zᵢ)ⱼ, so ∂L/∂zᵢ = (softmax(zᵢ)·Σⱼtᵢⱼ − tᵢ)/n
    z = np.array([[1.0, 2.0, 3.0], [0.0, 1.0, -1.0]])
    t = np.array([[0.5, 1.0, 0.0], [2.0, 0.0, 1.0]])
    s = np.exp(z - z.max(axis=1, keepdims=True))
    s /= s.sum(axis=1, keepdims=True)
    got = nn.loss(z, t, "cross-entropy", grad=True, engine=engine)
    np.testing.assert_allclose(got["loss"], -np.sum(t * np.log(s)) / 2, rtol=1e-14)
    np.testing.assert_allclose(got["grad"], (s * t.sum(axis=1, keepdims=True) - t) / 2, rtol=1e-13)
    np.testing.assert_allclose(got["grad"][0], [-0.18247707012221467, -0.31645364670890175, 0.49893071683111634],
                               rtol=1e-13)


def test_a_mask_that_with_the_causal_mask_hides_every_key_of_a_row_is_refused():
    eye = np.eye(2)
    with pytest.raises(MlcalcError, match="query row 1 may attend to no key"):
        nn.attention(eye, eye, eye, causal=True, mask=np.array([[0.0, 1.0], [1.0, 1.0]]))


def test_the_attention_trace_shows_the_scaled_scores_and_ends_on_the_result():
    rng = np.random.default_rng(3)
    q, k, v = rng.standard_normal((2, 4)), rng.standard_normal((3, 4)), rng.standard_normal((3, 2))
    t = Tracer()
    out = nn.attention(q, k, v, tracer=t)
    scaled = [s for s in t.steps if "√d" in s.title or "scale" in s.title.lower()]
    assert scaled, [s.title for s in t.steps]
    np.testing.assert_allclose(np.asarray(scaled[0].result, dtype=float), q @ k.T / math.sqrt(4), rtol=1e-12)
    np.testing.assert_allclose(np.asarray(t.steps[-1].result, dtype=float), out, rtol=1e-12)


def test_from_probs_refuses_a_negative_probability():
    r = run_cli("loss", "[[-0.1, 1.1]]", "[[0, 1]]", "--fn", "cross-entropy", "--from-probs")
    assert_one_error_line(r, "negative probability")


@pytest.mark.parametrize("engine", ENGINES)
def test_a_one_by_one_x_with_a_one_input_layer_is_a_batch_of_one(engine):
    x, w = np.array([[2.0]]), np.array([[1.0], [3.0]])
    a = nn.forward(x, w, engine=engine)
    assert a.shape == (1, 2) and a.tolist() == [[2.0, 6.0]]
    g = nn.backward(x, w, grad_out=np.array([[1.0, 1.0]]), engine=engine)
    assert g["dX"].shape == (1, 1) and g["dX"].tolist() == [[4.0]]


@pytest.mark.parametrize("engine", ENGINES)
def test_a_kernel_that_fits_only_with_the_padding_is_used(engine):
    assert nn.conv2d(np.ones((2, 2)), np.ones((4, 4)), padding=1, engine=engine).tolist() == [[4.0]]
    with pytest.raises(MlcalcError, match=r"the kernel \(3×3\) is larger than the padded input \(2×2"):
        nn.conv2d(np.ones((2, 2)), np.ones((3, 3)), engine=engine)
