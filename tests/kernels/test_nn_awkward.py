"""NN kernels on the awkward cases the reference tests do not reach: 1×1 and n×1 shapes, non-contiguous
operands (F-order and strided views), float32, and softmax rows whose maximum sits anywhere (the largest
at the last position included). The oracles are float64: softmax, attention, conv2d and cross-entropy
written out here; the activations' derivatives are the reference's in float64 on C-order input (itself
checked against closed forms and finite differences in test_nn_kernels.py)."""

import math

import numpy as np
import pytest

from mlcalc.kernels import reference as ref
from mlcalc.kernels.cpu import nn as cpu

KERNELS = {"numpy": ref, "numba": cpu}
DTYPES = [np.float64, np.float32]


def tol(dtype):
    return dict(rtol=1e-11, atol=1e-12) if dtype == np.float64 else dict(rtol=3e-5, atol=3e-6)


def layouts(a):
    """a as it is, in F order, and as a strided view of a larger array."""
    yield a
    yield np.asfortranarray(a)
    wide = np.zeros(a.shape[:-1] + (2 * a.shape[-1],), a.dtype)
    wide[..., ::2] = a
    yield wide[..., ::2]


def softmax_oracle(z):
    z = np.asarray(z, np.float64)
    out = np.empty_like(z)
    for i, row in enumerate(z.reshape(-1, z.shape[-1])):
        top = max(row)
        e = [math.exp(v - top) for v in row]
        out.reshape(-1, z.shape[-1])[i] = [v / math.fsum(e) for v in e]
    return out


@pytest.mark.parametrize("engine", KERNELS)
@pytest.mark.parametrize("dtype", DTYPES)
def test_softmax_with_the_maximum_anywhere_in_a_wide_spread(engine, dtype):
    rng = np.random.default_rng(21)  # its own: values do not depend on which tests run
    rows = [[0.0, 1000.0], [1000.0, 0.0], [5.0], [-1e4, 3.0, 2.0, 1e4]]
    for row in rows:
        got = KERNELS[engine].activation(np.array(row, dtype), "softmax")
        np.testing.assert_allclose(got, softmax_oracle(row), **tol(dtype))
    z = (rng.standard_normal((40, 33)) * 300).astype(dtype)  # spreads of hundreds, the max in every column
    z[np.arange(33), np.arange(33)] += 2000
    for a in layouts(z):
        np.testing.assert_allclose(KERNELS[engine].activation(a, "softmax"), softmax_oracle(z), **tol(dtype))


@pytest.mark.parametrize("engine", KERNELS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("fn", ["relu", "sigmoid", "tanh", "swish", "gelu", "softmax"])
def test_activation_grad_and_vjp_on_views_and_one_by_one(engine, dtype, fn):
    rng = np.random.default_rng(22)  # its own: values do not depend on which tests run
    k = KERNELS[engine]
    for shape in [(1, 1), (6, 1), (1, 7), (9, 5)]:
        x = rng.standard_normal(shape).astype(dtype) + 0.05  # away from relu's kink at 0
        g = rng.standard_normal(shape).astype(dtype)
        want = ref.activation_vjp(x.astype(np.float64), g.astype(np.float64), fn)
        for xa, ga in zip(layouts(x), layouts(g)):
            got = k.activation_vjp(xa, ga, fn)
            assert got.dtype == dtype and got.shape == shape
            np.testing.assert_allclose(got, want, **tol(dtype))
            if fn != "softmax":
                np.testing.assert_allclose(k.activation_grad(xa, fn), ref.activation_grad(x.astype(np.float64), fn),
                                           **tol(dtype))


@pytest.mark.parametrize("engine", KERNELS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("fn", [None, "relu", "tanh", "softmax"])
def test_dense_layer_on_views_and_one_by_one(engine, dtype, fn):
    rng = np.random.default_rng(23)  # its own: values do not depend on which tests run
    k = KERNELS[engine]
    for batch, n_in, n_out in [(1, 1, 1), (5, 1, 3), (1, 4, 1), (7, 6, 5)]:
        x = rng.standard_normal((batch, n_in)).astype(dtype)
        w = rng.standard_normal((n_out, n_in)).astype(dtype)
        b = rng.standard_normal(n_out).astype(dtype)
        g = rng.standard_normal((batch, n_out)).astype(dtype)
        x64, w64, b64, g64 = (v.astype(np.float64) for v in (x, w, b, g))
        z = x64 @ w64.T + b64
        a_want = z if fn is None else ref.activation(z, fn)
        delta = ref.activation_vjp(z, g64, fn) if fn else g64
        grads_want = (delta.T @ x64, delta.sum(axis=0), delta @ w64)
        for xa, wa in zip(layouts(x), layouts(w)):
            a = k.dense_forward(xa, wa, b, fn)
            assert a.dtype == dtype
            np.testing.assert_allclose(a, a_want, **tol(dtype))
            for got, want in zip(k.dense_backward(xa, wa, b, g, fn), grads_want):
                assert got.dtype == dtype
                np.testing.assert_allclose(got, want, **tol(dtype))


def attention_oracle(q, k, v, causal=False):
    q, k, v = (np.asarray(t, np.float64) for t in (q, k, v))
    s = q @ k.T / math.sqrt(q.shape[1])
    if causal:
        s = np.where(np.tril(np.ones(s.shape, bool)), s, -np.inf)
    return softmax_oracle(s) @ v


@pytest.mark.parametrize("engine", KERNELS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("causal", [False, True])
def test_attention_on_views_float32_and_one_by_one(engine, dtype, causal):
    rng = np.random.default_rng(24)  # its own: values do not depend on which tests run
    for lq, lk, d, dv in [(1, 1, 1, 1), (3, 3, 1, 2), (4, 4, 5, 1), (6, 6, 8, 3)]:
        q, kk, v = (rng.standard_normal(s).astype(dtype) * 4 for s in [(lq, d), (lk, d), (lk, dv)])
        want = attention_oracle(q, kk, v, causal)
        for qa, ka, va in zip(layouts(q), layouts(kk), layouts(v)):
            got = KERNELS[engine].attention(qa, ka, va, causal)
            assert got.dtype == dtype and got.shape == (lq, dv)
            # float32 scores of ~40 carry errors of ~40·eps into the weights: measured against |V|'s scale
            scale = 1.0 if dtype == np.float64 else 40 * float(np.abs(v).max())
            np.testing.assert_allclose(got, want, rtol=tol(dtype)["rtol"], atol=tol(dtype)["atol"] * scale)


def conv_oracle(x, k, stride, padding):
    x, k = np.asarray(x, np.float64), np.asarray(k, np.float64)
    c, h, w = x.shape
    o, _, kh, kw = k.shape
    xp = np.pad(x, ((0, 0), (padding, padding), (padding, padding)))
    ho, wo = (h + 2 * padding - kh) // stride + 1, (w + 2 * padding - kw) // stride + 1
    out = np.zeros((o, ho, wo))
    for y in range(ho):
        for xx in range(wo):
            patch = xp[:, y * stride:y * stride + kh, xx * stride:xx * stride + kw]
            out[:, y, xx] = [math.fsum((patch * k[oc]).reshape(-1)) for oc in range(o)]
    return out


@pytest.mark.parametrize("engine", KERNELS)
@pytest.mark.parametrize("dtype", DTYPES)
def test_conv2d_on_views_float32_and_edge_kernels(engine, dtype):
    rng = np.random.default_rng(25)  # its own: values do not depend on which tests run
    # 1×1 kernels, a kernel the size of the image (one output), a one-pixel image padded, non-contiguous x
    cases = [((1, 1, 1), (1, 1, 1, 1), 1, 0), ((1, 1, 1), (2, 1, 3, 3), 1, 1), ((2, 5, 4), (3, 2, 1, 1), 2, 0),
             ((3, 4, 6), (2, 3, 4, 6), 1, 0), ((2, 7, 5), (2, 2, 3, 2), 2, 2)]
    for xs, ks, stride, padding in cases:
        x = rng.standard_normal(xs).astype(dtype)
        kern = rng.standard_normal(ks).astype(dtype)
        want = conv_oracle(x, kern, stride, padding)
        for xa in layouts(x):
            got = KERNELS[engine].conv2d(xa, kern, stride, padding)
            assert got.dtype == dtype and got.shape == want.shape
            np.testing.assert_allclose(got, want, **tol(dtype))


@pytest.mark.parametrize("engine", KERNELS)
@pytest.mark.parametrize("dtype", DTYPES)
def test_embed_and_cross_entropy_on_views_and_float32(engine, dtype):
    rng = np.random.default_rng(26)  # its own: values do not depend on which tests run
    k = KERNELS[engine]
    e = rng.standard_normal((6, 3)).astype(dtype)
    ids = np.array([5.0, 0.0, 5.0, 2.0])
    for ea in layouts(e):
        got = k.embed(ids, ea)
        assert got.dtype == dtype
        np.testing.assert_array_equal(got, e[[5, 0, 5, 2]])
    z = (rng.standard_normal((5, 4)) * 30).astype(dtype)
    t = np.eye(4, dtype=dtype)[[3, 0, 1, 1, 2]]
    z64 = z.astype(np.float64)
    p = softmax_oracle(z64)
    loss_want = -math.fsum(math.log(p[i, c]) for i, c in enumerate([3, 0, 1, 1, 2])) / 5
    for za in layouts(z):
        loss, grad = k.cross_entropy_loss(za, t)
        assert float(loss) == pytest.approx(loss_want, rel=tol(dtype)["rtol"], abs=tol(dtype)["atol"])
        np.testing.assert_allclose(grad, (p - t) / 5, **tol(dtype))


@pytest.mark.parametrize("engine", KERNELS)
@pytest.mark.parametrize("dtype", DTYPES)
def test_cross_entropy_of_large_logits_does_not_cancel(engine, dtype):
    # log p = (z − max) − log Σ e^(z − max), as NumPy and PyTorch: numba's z − (max + log Σ) lost the log Σ
    # beside a large max (logits 1e16 and 1e16 gave a loss of 0 and a gradient [0, 1], not log 2, [−½, ½])
    k = KERNELS[engine]
    big = 1e16 if dtype == np.float64 else 1e8
    loss, grad = k.cross_entropy_loss(np.array([[big, big]], dtype), np.array([[1.0, 0.0]], dtype))
    assert float(loss) == pytest.approx(math.log(2), rel=tol(dtype)["rtol"])
    np.testing.assert_allclose(grad, [[-0.5, 0.5]], **tol(dtype))
    z, t = np.array([[1000.5, 1000.0, 999.0]]), np.array([[0.2, 0.3, 0.5]])
    shifted = z[0] - 1000.5
    log_s = math.log(math.fsum(math.exp(v) for v in shifted))
    want = -math.fsum(ti * (si - log_s) for ti, si in zip(t[0], shifted))
    loss, _ = k.cross_entropy_loss(z.astype(dtype), t.astype(dtype))
    assert float(loss) == pytest.approx(want, rel=1e-15 if dtype == np.float64 else 3e-6)


@pytest.mark.parametrize("engine", KERNELS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("fn", ["relu", "leaky-relu", "sigmoid", "tanh", "swish", "gelu"])
def test_activations_keep_the_sign_of_zero_as_numpy_and_pytorch(engine, dtype, fn):
    # tanh(−0) = −0 (NumPy, PyTorch); numba's pass added a bias of +0, which made every −0 a +0
    x = np.array([[-0.0, 0.0, -0.0]], dtype)
    for alpha in (0.01, -0.5):
        want = ref.activation(x.astype(np.float64), fn, alpha)
        got = KERNELS[engine].activation(x, fn, alpha)
        np.testing.assert_array_equal(np.signbit(got), np.signbit(want))
    assert np.signbit(ref.activation(x, "tanh")).tolist() == [[True, False, True]]


@pytest.mark.parametrize("engine", KERNELS)
@pytest.mark.parametrize("dtype", DTYPES)
def test_relu_gradient_where_x_is_at_most_zero_is_chosen_not_multiplied(engine, dtype):
    # PyTorch's threshold_backward: dA where x > 0, else 0 (leaky: α·dA); NumPy's dA·heaviside(x) made an
    # inf or NaN dA there NaN, which spread through dW, db and dX; a NaN x still gives NaN
    k = KERNELS[engine]
    x = np.array([[-1.0, 2.0, np.nan, -0.0]], dtype)
    g = np.array([[np.inf, -1.0, 1.0, -3.0]], dtype)
    got = k.activation_vjp(x, g, "relu")
    np.testing.assert_array_equal(got, [[0.0, -1.0, np.nan, 0.0]])
    assert not np.signbit(got[0, [0, 3]]).any()
    np.testing.assert_array_equal(k.activation_vjp(x, g, "leaky-relu", 0.5), [[np.inf, -1.0, np.nan, -1.5]])
    dw, db, dx = k.dense_backward(np.array([[2.0]], dtype), np.array([[-1.0]], dtype), None,
                                  np.array([[np.nan]], dtype), "relu")
    assert dw.tolist() == [[0.0]] and db.tolist() == [0.0] and dx.tolist() == [[0.0]]
    if engine == "numpy":  # the dtype dA · g′(x) has, as for every other activation: not dA's alone
        got = k.activation_vjp(np.array([-1.0, 2.0], dtype), np.array([3, 4]), "leaky-relu")
        assert got.dtype == np.result_type(dtype, np.int64, np.float32) and got.tolist() == pytest.approx([0.03, 4.0])
