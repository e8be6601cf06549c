"""The dense layer's backward pass on layers Hypothesis draws (batch, inputs, outputs, activation, a
single vector or a batch, with or without a bias): dW, db, dX on each engine are the central finite
differences of L = Σ dA ⊙ g(X·Wᵀ + b), the forward pass the numpy engine computes."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from mlcalc.ops import nn
from conftest import ENGINES, numeric_grad

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@pytest.mark.parametrize("engine", ENGINES)
@given(st.integers(1, 4), st.integers(1, 5), st.integers(1, 5), st.sampled_from(nn.ACTIVATIONS + (None,)),
       st.booleans(), st.booleans(), st.integers(0, 2 ** 32))
def test_backward_is_the_finite_difference_of_the_forward(engine, batch, n_in, n_out, act, vector, with_bias, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(n_in) if vector else rng.standard_normal((batch, n_in))
    w = rng.standard_normal((n_out, n_in))
    b = rng.standard_normal(n_out) if with_bias else None
    da = rng.standard_normal(n_out) if vector else rng.standard_normal((batch, n_out))
    if act in ("relu", "leaky-relu"):  # no pre-activation at the kink, where the derivative jumps
        z = np.atleast_2d(x) @ w.T + (b if b is not None else 0)
        assume(np.abs(z).min() > 1e-3)

    def loss():
        return float(np.sum(da * nn.forward(x, w, b, act, engine="numpy")))

    got = nn.backward(x, w, b, grad_out=da, act=act, engine=engine)
    tol = dict(rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(got["dW"], numeric_grad(loss, w), **tol)
    np.testing.assert_allclose(got["dX"], numeric_grad(loss, x), **tol)
    if with_bias:
        np.testing.assert_allclose(got["db"], numeric_grad(loss, b), **tol)
