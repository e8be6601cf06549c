"""Activation derivatives against central differences, the softmax vector-Jacobian product against its
Jacobian, pairwise distances against their definitions, and inspect's flags on matrices built to have
them, on inputs Hypothesis draws and on each engine."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from mlcalc.ops import linalg, nn
from conftest import ENGINES

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ELEMENT_WISE = [fn for fn in nn.ACTIVATIONS if fn != "softmax"]


@SETTINGS
@pytest.mark.parametrize("engine", ENGINES)
@given(st.sampled_from(ELEMENT_WISE + ["gelu-tanh"]), st.lists(st.floats(-30, 30), min_size=1, max_size=12),
       st.floats(0.01, 0.5))
def test_element_wise_derivatives_are_central_differences(engine, fn, xs, alpha):
    approx = "tanh" if fn == "gelu-tanh" else None
    fn = "gelu" if fn == "gelu-tanh" else fn
    x = np.array(xs)
    if fn in ("relu", "leaky-relu"):
        x = x[np.abs(x) > 1e-3]  # not at the kink
        if not x.size:
            return
    h = 1e-6
    up = nn.activate(x + h, fn, alpha=alpha, approx=approx, engine="numpy")
    down = nn.activate(x - h, fn, alpha=alpha, approx=approx, engine="numpy")
    got = nn.activate(x, fn, grad=True, alpha=alpha, approx=approx, engine=engine)
    np.testing.assert_allclose(got, (up - down) / (2 * h), rtol=1e-6, atol=1e-8)


@SETTINGS
@pytest.mark.parametrize("engine", ENGINES)
@given(st.integers(1, 4), st.integers(1, 6), st.floats(0.1, 50), st.integers(0, 2 ** 32))
def test_the_softmax_vector_jacobian_product_is_da_times_the_jacobian(engine, rows, cols, scale, seed):
    rng = np.random.default_rng(seed)
    x, da = rng.standard_normal((rows, cols)) * scale, rng.standard_normal((rows, cols))
    s = nn.activate(x, "softmax", engine="numpy")
    want = np.stack([da[i] @ (np.diag(s[i]) - np.outer(s[i], s[i])) for i in range(rows)])
    got = nn.activate(x, "softmax", grad_out=da, engine=engine)
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12)


def pairwise(a, b, metric):
    out = np.empty((len(a), len(b)))
    for i, u in enumerate(a):
        for j, v in enumerate(b):
            if metric == "euclidean":
                out[i, j] = np.sqrt(np.sum((u - v) ** 2))
            elif metric == "manhattan":
                out[i, j] = np.sum(np.abs(u - v))
            elif metric == "chebyshev":
                out[i, j] = np.max(np.abs(u - v))
            else:
                out[i, j] = 1 - u @ v / (np.linalg.norm(u) * np.linalg.norm(v))
    return out


@SETTINGS
@pytest.mark.parametrize("engine", ENGINES)
@given(st.integers(2, 7), st.integers(2, 7), st.integers(2, 5), st.sampled_from(["euclidean", "manhattan", "cosine",
                                                                                 "chebyshev"]), st.integers(0, 2 ** 32))
def test_pairwise_distances_are_their_definitions(engine, m, p, n, metric, seed):
    # (two one-column operands of one length are two vectors, as everywhere in mlcalc: n ≥ 2 here)
    rng = np.random.default_rng(seed)
    a, b = rng.standard_normal((m, n)), rng.standard_normal((p, n))
    got = linalg.dist(a, b, metric, engine=engine)
    np.testing.assert_allclose(got, pairwise(a, b, metric), rtol=1e-9, atol=1e-12)


@SETTINGS
@given(st.integers(1, 6), st.integers(1, 6), st.integers(0, 2 ** 32))
@example(4, 4, 1901912)
def test_inspect_flags_the_matrices_built_to_have_them(n, k, seed):
    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    r = linalg.inspect(q)
    assert r["orthogonal"] and r["rank"] == n
    k = min(k, n)
    # columns of condition at most 4: a Gaussian A of κ 1.3e4 (seed 1901912) made a "projection" 3.5e-9
    # from idempotent, which inspect rightly refused at its 1e-10
    a = np.linalg.qr(rng.standard_normal((n, k)))[0] * rng.uniform(0.5, 2.0, k)
    proj = a @ np.linalg.solve(a.T @ a, a.T)  # the projection onto A's columns
    proj = (proj + proj.T) / 2
    r = linalg.inspect(proj)
    assert r["idempotent"] and r["symmetric"] and r["rank"] == k
    g = rng.standard_normal((n, n))
    r = linalg.inspect(g @ g.T + n * np.eye(n))
    assert r["symmetric"] and r["positive_definite"]
    if n > 1:
        r = linalg.inspect(g + np.triu(np.ones((n, n)), 1) * 3)  # not symmetric
        assert not r["symmetric"] and not r["positive_definite"]
