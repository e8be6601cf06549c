"""conv2d, attention, embed and the losses on inputs Hypothesis draws, on each engine, against the
definitions written as plain loops or NumPy one-liners (not the im2col or fused code under test)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from mlcalc.ops import nn
from conftest import ENGINES, conv_by_loops

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
TOL = dict(rtol=1e-10, atol=1e-12)


@SETTINGS
@pytest.mark.parametrize("engine", ENGINES)
@given(st.integers(1, 3), st.integers(1, 3), st.integers(1, 9), st.integers(1, 9), st.integers(1, 4), st.integers(1, 4),
       st.integers(1, 3), st.integers(0, 2), st.integers(0, 2 ** 32))
def test_conv2d_is_the_direct_cross_correlation(engine, c, o, h, w, kh, kw, stride, padding, seed):
    assume(h + 2 * padding >= kh and w + 2 * padding >= kw)
    rng = np.random.default_rng(seed)
    x, k = rng.standard_normal((c, h, w)), rng.standard_normal((o, c, kh, kw))
    got = nn.conv2d(x, k, stride=stride, padding=padding, engine=engine)
    want = conv_by_loops(x, k, stride, padding)
    np.testing.assert_allclose(got, want[0] if o == 1 else want, **TOL)


@SETTINGS
@pytest.mark.parametrize("engine", ENGINES)
@given(st.integers(1, 6), st.integers(1, 6), st.integers(1, 5), st.integers(1, 5), st.booleans(),
       st.floats(0.1, 30), st.integers(0, 2 ** 32))
def test_attention_is_the_softmax_of_the_scaled_scores_times_v(engine, nq, nk, d, dv, causal, scale, seed):
    rng = np.random.default_rng(seed)
    q, k, v = rng.standard_normal((nq, d)) * scale, rng.standard_normal((nk, d)), rng.standard_normal((nk, dv))
    scores = q @ k.T / np.sqrt(d)
    if causal:  # PyTorch's is_causal: query i sees keys j ≤ i (the top-left-aligned lower triangle)
        scores = np.where(np.tril(np.ones((nq, nk), dtype=bool)), scores, -np.inf)
    weights = np.exp(scores - scores.max(axis=1, keepdims=True))
    weights /= weights.sum(axis=1, keepdims=True)
    got = nn.attention(q, k, v, causal=causal, engine=engine)
    np.testing.assert_allclose(got, weights @ v, **TOL)


@SETTINGS
@pytest.mark.parametrize("engine", ENGINES)
@given(st.integers(1, 8), st.integers(1, 5), st.lists(st.integers(0, 100), min_size=1, max_size=12), st.integers(0, 2 ** 32))
def test_embed_is_one_hot_times_e(engine, vocab, dim, ids, seed):
    ids = np.array([i % vocab for i in ids], dtype=np.float64)
    e = np.random.default_rng(seed).standard_normal((vocab, dim))
    one_hot = (ids[:, None] == np.arange(vocab)[None, :]).astype(np.float64)
    np.testing.assert_array_equal(nn.embed(ids, e, engine=engine), one_hot @ e)


@SETTINGS
@pytest.mark.parametrize("engine", ENGINES)
@given(st.integers(1, 5), st.integers(2, 5), st.booleans(), st.sampled_from(["mean", "sum"]), st.integers(0, 2 ** 32))
def test_cross_entropy_and_its_gradient_from_logits_and_from_probabilities(engine, n, c, from_probs, reduction, seed):
    rng = np.random.default_rng(seed)
    logits = rng.standard_normal((n, c)) * 3
    probs = np.exp(logits - logits.max(axis=1, keepdims=True))
    probs /= probs.sum(axis=1, keepdims=True)
    labels = rng.integers(0, c, n)
    target = np.eye(c)[labels]
    pred = probs if from_probs else logits
    per_row = -np.log(probs[np.arange(n), labels])
    want = per_row.mean() if reduction == "mean" else per_row.sum()
    want_grad = (-target / probs if from_probs else probs - target) / (n if reduction == "mean" else 1)

    got = nn.loss(pred, target, "cross-entropy", grad=True, from_probs=from_probs, engine=engine, reduction=reduction)
    np.testing.assert_allclose(got["loss"], want, **TOL)
    np.testing.assert_allclose(got["grad"], want_grad, rtol=1e-9, atol=1e-12)


@SETTINGS
@pytest.mark.parametrize("engine", ENGINES)
@given(st.integers(1, 5), st.integers(1, 5), st.sampled_from(["mean", "sum"]), st.integers(0, 2 ** 32))
def test_mse_and_its_gradient(engine, n, m, reduction, seed):
    rng = np.random.default_rng(seed)
    pred, target = rng.standard_normal((n, m)), rng.standard_normal((n, m))
    sq = (pred - target) ** 2
    want = sq.mean() if reduction == "mean" else sq.sum()
    got = nn.loss(pred, target, "mse", grad=True, engine=engine, reduction=reduction)
    np.testing.assert_allclose(got["loss"], want, **TOL)
    np.testing.assert_allclose(got["grad"], 2 * (pred - target) / (pred.size if reduction == "mean" else 1), **TOL)
