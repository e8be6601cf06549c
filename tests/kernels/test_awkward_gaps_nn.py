"""NN kernels on the awkward cases no other test reaches, on both engines, against the NumPy reference
evaluated in float64 on C-order copies (the oracle): the forward activations other than softmax/tanh on
1×1, 1×n, n×1, non-square, F-order and strided input and float32; leaky-relu and gelu-tanh derivatives on
those shapes; dense layers with the remaining activations and without a bias; mse on every shape and
layout (with its gradient against finite differences); cross-entropy from probabilities and with one
sample or two classes; attention with a mask on views; conv2d with a non-contiguous kernel; embed of a
1-row / 1-column table."""

import math
import zlib

import numpy as np
import pytest

from conftest import numeric_grad
from mlcalc import config

config.apply()

from mlcalc.kernels import reference as ref  # noqa: E402
from mlcalc.kernels.cpu import nn as cpu  # noqa: E402

KERNELS = {"numpy": ref, "numba": cpu}
ENGINES = list(KERNELS)
DTYPES = [np.float64, np.float32]
SHAPES = [(1, 1), (1, 7), (6, 1), (5, 3), (3, 8), (9,)]
ALL_FNS = ["relu", "leaky-relu", "sigmoid", "tanh", "swish", "gelu", "gelu-tanh", "softmax"]


def split(name):
    return ("gelu", "tanh") if name == "gelu-tanh" else (name, None)


def tol(dtype):
    return dict(rtol=1e-11, atol=1e-13) if dtype == np.float64 else dict(rtol=2e-5, atol=2e-6)


def layouts(a):
    """(name, view): a as it is, F order, and a strided view of a larger array: all hold a's values."""
    yield "C", a
    yield "F", np.asfortranarray(a)
    wide = np.zeros(a.shape[:-1] + (2 * a.shape[-1],), a.dtype)
    wide[..., ::2] = a
    yield "strided", wide[..., ::2]


def f64(a):
    return np.ascontiguousarray(a, dtype=np.float64)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("name", ALL_FNS)
def test_activation_forward_on_awkward_shapes_and_layouts(engine, dtype, shape, name):
    fn, approx = split(name)
    rng = np.random.default_rng(zlib.crc32(f"{shape}{name}".encode()))
    x = (rng.standard_normal(shape) * 3).astype(dtype)
    want = ref.activation(f64(x), fn, alpha=0.1, approx=approx)
    for lay, xa in layouts(x):
        got = KERNELS[engine].activation(xa, fn, alpha=0.1, approx=approx)
        assert got.dtype == dtype and got.shape == shape, lay
        np.testing.assert_allclose(got, want, **tol(dtype), err_msg=f"{lay}")


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ["leaky-relu", "gelu-tanh"])
def test_derivative_and_vjp_of_leaky_relu_and_gelu_tanh_on_awkward_shapes(engine, dtype, name):
    # test_nn_awkward.py covers relu, sigmoid, tanh, swish, gelu and softmax, not these two
    fn, approx = split(name)
    rng = np.random.default_rng(5)
    for shape in SHAPES:
        x = (rng.standard_normal(shape) * 2).astype(dtype) + dtype(0.05)
        g = rng.standard_normal(shape).astype(dtype)
        want_grad = ref.activation_grad(f64(x), fn, alpha=0.2, approx=approx)
        want_vjp = f64(g) * want_grad
        for (lay, xa), (_, ga) in zip(layouts(x), layouts(g)):
            got = KERNELS[engine].activation_grad(xa, fn, alpha=0.2, approx=approx)
            assert got.dtype == dtype and got.shape == shape
            np.testing.assert_allclose(got, want_grad, **tol(dtype), err_msg=f"{shape} {lay}")
            got = KERNELS[engine].activation_vjp(xa, ga, fn, alpha=0.2, approx=approx)
            assert got.dtype == dtype and got.shape == shape
            np.testing.assert_allclose(got, want_vjp, **tol(dtype), err_msg=f"{shape} {lay}")


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ["leaky-relu", "sigmoid", "swish", "gelu", "gelu-tanh"])
@pytest.mark.parametrize("bias", [True, False])
def test_dense_layer_other_activations_and_no_bias_on_awkward_shapes(engine, dtype, name, bias):
    fn, approx = split(name)
    rng = np.random.default_rng(31)
    k = KERNELS[engine]
    for batch, n_in, n_out in [(1, 1, 1), (5, 1, 3), (1, 4, 1), (7, 6, 5), (2, 9, 1)]:
        x = rng.standard_normal((batch, n_in)).astype(dtype)
        w = rng.standard_normal((n_out, n_in)).astype(dtype)
        b = rng.standard_normal(n_out).astype(dtype) if bias else None
        g = rng.standard_normal((batch, n_out)).astype(dtype)
        a_want = ref.dense_forward(f64(x), f64(w), None if b is None else f64(b), fn, 0.2, approx)
        grads_want = ref.dense_backward(f64(x), f64(w), None if b is None else f64(b), f64(g), fn, 0.2, approx)
        for (lay, xa), (_, wa), (_, ga) in zip(layouts(x), layouts(w), layouts(g)):
            a = k.dense_forward(xa, wa, b, fn, 0.2, approx)
            assert a.dtype == dtype and a.shape == (batch, n_out)
            np.testing.assert_allclose(a, a_want, **tol(dtype), err_msg=f"forward {batch, n_in, n_out} {lay}")
            for what, got, want in zip(("dW", "db", "dX"), k.dense_backward(xa, wa, b, ga, fn, 0.2, approx),
                                       grads_want):
                assert got.dtype == dtype and got.shape == want.shape, what
                np.testing.assert_allclose(got, want, **tol(dtype), err_msg=f"{what} {batch, n_in, n_out} {lay}")


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_mse_on_awkward_shapes_and_layouts(engine, dtype, shape):
    rng = np.random.default_rng(41)
    p, t = rng.standard_normal(shape).astype(dtype), rng.standard_normal(shape).astype(dtype)
    loss_want, grad_want = ref.mse_loss(f64(p), f64(t))
    for (lay, pa), (_, ta) in zip(layouts(p), layouts(t)):
        loss, grad = KERNELS[engine].mse_loss(pa, ta)
        assert np.asarray(loss).dtype == dtype and grad.dtype == dtype and grad.shape == shape, lay
        assert float(loss) == pytest.approx(float(loss_want), rel=tol(dtype)["rtol"]), lay
        np.testing.assert_allclose(grad, grad_want, **tol(dtype), err_msg=lay)


@pytest.mark.parametrize("engine", ENGINES)
def test_mse_gradient_matches_finite_differences(engine):
    rng = np.random.default_rng(42)
    p, t = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    _, g = KERNELS[engine].mse_loss(p, t)
    fd = numeric_grad(lambda: float(np.mean((p - t) ** 2)), p)
    np.testing.assert_allclose(g, fd, rtol=1e-6, atol=1e-9)


def _ce_oracle(z, t, from_probs):
    """(loss, grad) in float64 written out row by row with math.fsum."""
    z, t = f64(z), f64(t)
    n = z.shape[0]
    if from_probs:
        loss = -math.fsum(t[i, j] * math.log(z[i, j]) for i in range(n) for j in range(z.shape[1]) if t[i, j])
        grad = np.where(t != 0, -t / np.where(t != 0, z, 1.0), 0.0) / n
        return loss / n, grad
    lse = np.array([max(r) + math.log(math.fsum(math.exp(v - max(r)) for v in r)) for r in z])
    logp = z - lse[:, None]
    loss = -math.fsum(t[i, j] * logp[i, j] for i in range(n) for j in range(z.shape[1]) if t[i, j])
    return loss / n, (np.exp(logp) * t.sum(axis=1, keepdims=True) - t) / n


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("from_probs", [False, True])
@pytest.mark.parametrize("shape", [(1, 2), (1, 5), (6, 2), (4, 7)], ids=str)
def test_cross_entropy_one_sample_two_classes_and_probabilities_on_views(engine, dtype, from_probs, shape):
    rng = np.random.default_rng(51)
    n, c = shape
    z = (rng.standard_normal(shape) * 3)
    if from_probs:
        z = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    z = z.astype(dtype)
    t = rng.random(shape)
    t = (t / t.sum(axis=1, keepdims=True)).astype(dtype)  # soft targets
    t[0] = 0
    t[0, c - 1] = 1  # and a one-hot row
    loss_want, grad_want = _ce_oracle(z, t, from_probs)
    for (lay, za), (_, ta) in zip(layouts(z), layouts(t)):
        loss, grad = KERNELS[engine].cross_entropy_loss(za, ta, from_probs)
        assert grad.dtype == dtype and grad.shape == shape, lay
        assert float(loss) == pytest.approx(loss_want, rel=tol(dtype)["rtol"], abs=tol(dtype)["atol"]), lay
        np.testing.assert_allclose(grad, grad_want, **tol(dtype), err_msg=lay)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("dtype", DTYPES)
def test_attention_with_a_mask_on_views_float32_and_single_key(engine, dtype):
    rng = np.random.default_rng(61)
    for lq, lk, d, dv in [(1, 1, 1, 1), (3, 1, 2, 4), (1, 5, 3, 1), (4, 6, 5, 3)]:
        q, k, v = (rng.standard_normal(s).astype(dtype) for s in [(lq, d), (lk, d), (lk, dv)])
        mask = (rng.random((lq, lk)) < 0.6).astype(np.float64)
        mask[:, 0] = 1  # every query keeps a key
        want = ref.attention(f64(q), f64(k), f64(v), False, mask)
        for (lay, qa), (_, ka), (_, va), (_, ma) in zip(layouts(q), layouts(k), layouts(v), layouts(mask)):
            got = KERNELS[engine].attention(qa, ka, va, False, ma)
            assert got.dtype == dtype and got.shape == (lq, dv), lay
            np.testing.assert_allclose(got, want, **tol(dtype), err_msg=f"{lq, lk, d, dv} {lay}")


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("dtype", DTYPES)
def test_conv2d_with_a_non_contiguous_kernel(engine, dtype):
    rng = np.random.default_rng(71)
    for xs, ks, stride, padding in [((1, 1, 1), (1, 1, 1, 1), 1, 0), ((2, 5, 4), (3, 2, 2, 3), 1, 1),
                                    ((3, 6, 7), (2, 3, 3, 1), 2, 0)]:
        x = rng.standard_normal(xs).astype(dtype)
        k = rng.standard_normal(ks).astype(dtype)
        want = ref.conv2d(f64(x), f64(k), stride, padding)
        for lay, ka in layouts(k):
            got = KERNELS[engine].conv2d(x, ka, stride, padding)
            assert got.dtype == dtype and got.shape == want.shape, lay
            np.testing.assert_allclose(got, want, **tol(dtype), err_msg=lay)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("eshape", [(1, 1), (1, 4), (5, 1), (4, 3)], ids=str)
def test_embed_of_one_row_and_one_column_tables_on_views(engine, dtype, eshape):
    rng = np.random.default_rng(81)
    e = rng.standard_normal(eshape).astype(dtype)
    ids_full = rng.integers(0, eshape[0], size=12).astype(np.float64)
    for ids in (ids_full[:1], ids_full, ids_full[::3]):  # one id, many, a strided vector
        want = e[ids.astype(np.intp)]
        for lay, ea in layouts(e):
            got = KERNELS[engine].embed(ids, ea)
            assert got.dtype == dtype and got.shape == want.shape, lay
            np.testing.assert_array_equal(got, want, err_msg=lay)
