"""NN kernels: the reference against closed forms and finite differences, the numba kernels against the reference."""

import math

import numpy as np
import pytest

from conftest import conv_by_loops, numeric_grad
from mlcalc.kernels import reference as ref
from mlcalc.kernels.cpu import nn as cpu

ELEMENTWISE = ["relu", "leaky-relu", "sigmoid", "tanh", "swish", "gelu", "gelu-tanh"]
KERNELS = {"numpy": ref, "numba": cpu}


def split(name):
    return ("gelu", "tanh") if name == "gelu-tanh" else (name, None)


def closed_form(x, name):
    """The textbook formulas, one float at a time (math module), as an oracle independent of NumPy."""
    def one(v):
        if name == "relu":
            return max(v, 0.0)
        if name == "leaky-relu":
            return v if v > 0 else 0.01 * v
        if name == "sigmoid":
            return 1 / (1 + math.exp(-v)) if v > -700 else math.exp(v)
        if name == "tanh":
            return math.tanh(v)
        if name == "swish":
            return v / (1 + math.exp(-v))
        if name == "gelu":
            return 0.5 * v * math.erfc(-v / math.sqrt(2))  # x·Φ(x), its negative tail kept
        if name == "gelu-tanh":  # 1 + tanh(u) written without cancelling as tanh(u) → −1
            u = math.sqrt(2 / math.pi) * (v + 0.044715 * v ** 3)
            return 0.5 * v * (2 * math.exp(2 * u) / (1 + math.exp(2 * u)) if u < 0 else 2 / (1 + math.exp(-2 * u)))
    return np.array([one(float(v)) for v in x.reshape(-1)]).reshape(x.shape)


POINTS = np.array([-7.5, -3.0, -1.2, -0.3, 0.2, 0.7, 1.9, 4.0, 9.0])  # away from relu's kink


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_reference_activation_matches_closed_form(name):
    fn, approx = split(name)
    np.testing.assert_allclose(ref.activation(POINTS, fn, approx=approx), closed_form(POINTS, name), rtol=1e-14, atol=1e-300)


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_reference_derivative_matches_central_differences(name):
    fn, approx = split(name)
    h = 1e-6
    fd = (closed_form(POINTS + h, name) - closed_form(POINTS - h, name)) / (2 * h)
    np.testing.assert_allclose(ref.activation_grad(POINTS, fn, approx=approx), fd, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("engine", KERNELS)
def test_derivatives_keep_their_digits_far_out(engine):
    # σ′ = 1/(4·cosh²(x/2)) and tanh′ = 1/cosh²(x), exact forms without cancelling: σ·(1 − σ) gave
    # σ′(40) = 0, and 1 − tanh² lost 5 digits at 7 and all by 19 (the engines printed different rounding)
    x = np.array([-300.0, -40.0, -19.0, -7.3, -0.4, 0.0, 0.9, 7.3, 19.0, 40.0, 300.0])
    k = KERNELS[engine]
    np.testing.assert_allclose(k.activation_grad(x, "sigmoid"), [0.25 / math.cosh(v / 2) ** 2 for v in x], rtol=1e-14)
    np.testing.assert_allclose(k.activation_grad(x[1:-1], "tanh"), [1 / math.cosh(v) ** 2 for v in x[1:-1]], rtol=1e-14)
    swish = [1 / (1 + math.exp(-v)) + v * 0.25 / math.cosh(v / 2) ** 2 for v in x]
    np.testing.assert_allclose(k.activation_grad(x, "swish"), swish, rtol=1e-14, atol=1e-300)
    np.testing.assert_array_equal(k.activation_grad(np.array([np.inf, -np.inf, np.nan]), "swish"), [1, 0, np.nan])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("engine", KERNELS)
@pytest.mark.parametrize("approx", [None, "tanh"])
def test_gelu_derivative_at_infinities_is_its_limits(engine, approx, dtype):
    # the exact form's Φ + x·φ was inf·0 = NaN at ±inf, where swish's and the tanh form's gave 1 and 0
    x = np.array([np.inf, -np.inf, np.nan, 40.0, -40.0], dtype=dtype)
    np.testing.assert_array_equal(KERNELS[engine].activation_grad(x, "gelu", approx=approx), [1, 0, np.nan, 1, 0])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", ELEMENTWISE + ["softmax"])
def test_numba_activation_matches_reference(name, dtype):
    fn, approx = split(name)
    x = (np.random.default_rng(1).standard_normal((7, 5)) * 3).astype(dtype)
    got = cpu.activation(x, fn, approx=approx)
    assert got.dtype == dtype
    rtol = 1e-12 if dtype == np.float64 else 1e-5
    # float32: against the float64 reference (the kernel computes in float64 inside; NumPy's float32
    # formulas lose digits to cancellation, e.g. 1 + tanh(u) near u = −4)
    want = ref.activation(x.astype(np.float64), fn, approx=approx)
    np.testing.assert_allclose(got, want, rtol=rtol, atol=1e-300 if dtype == np.float64 else 1e-7)


@pytest.mark.parametrize("engine", KERNELS)
def test_gelu_keeps_its_negative_tail(engine):
    # Φ(−10) = 7.6198530241605260660e−24 (tables of the normal CDF); as ½·(1 + erf(x/√2)) it was 0
    phi = 7.6198530241605260660e-24
    got = KERNELS[engine].activation(np.array([-10.0, -8.0]), "gelu")
    np.testing.assert_allclose(got[0], -10.0 * phi, rtol=1e-13)
    assert got[1] < 0  # −8·Φ(−8) ≈ −5.0e−15, not rounded to 0
    # the derivative there: Φ(−10) − 10·φ(−10), φ(−10) = e^(−50)/√(2π)
    want = phi - 10.0 * math.exp(-50.0) / math.sqrt(2.0 * math.pi)
    np.testing.assert_allclose(KERNELS[engine].activation_grad(np.array([-10.0]), "gelu")[0], want, rtol=1e-12)


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_numba_element_wise_passes_over_several_flat_rows(name):
    # a long vector runs as rows of _FLAT_ROW elements and a shorter last row (the passes' threads
    # take rows): value, derivative and vector-Jacobian product against the reference in every part
    fn, approx = split(name)
    rng = np.random.default_rng(4)
    x = rng.standard_normal(2 * cpu._FLAT_ROW + 123) * 4
    x[[0, cpu._FLAT_ROW, -1]] = [np.nan, np.inf, -np.inf]
    g = rng.standard_normal(x.size)
    with np.errstate(invalid="ignore", over="ignore"):
        pairs = [(cpu.activation(x, fn, approx=approx), ref.activation(x, fn, approx=approx), 1e-12),
                 (cpu.activation_grad(x, fn, approx=approx), ref.activation_grad(x, fn, approx=approx), 1e-8),
                 (cpu.activation_vjp(x, g, fn, approx=approx), g * ref.activation_grad(x, fn, approx=approx), 1e-8)]
    for got, want, rtol in pairs:
        np.testing.assert_allclose(got, want, rtol=rtol, atol=rtol * 1e-3)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", ELEMENTWISE)
def test_numba_derivative_matches_reference(name, dtype):
    fn, approx = split(name)
    x = (np.random.default_rng(2).standard_normal((4, 9)) * 3).astype(dtype)
    got = cpu.activation_grad(x, fn, approx=approx)
    assert got.dtype == dtype
    tol = 1e-8 if dtype == np.float64 else 1e-5
    np.testing.assert_allclose(got, ref.activation_grad(x.astype(np.float64), fn, approx=approx), rtol=tol, atol=tol * 1e-3)


@pytest.mark.parametrize("engine", KERNELS)
def test_sigmoid_is_finite_at_plus_and_minus_1000(engine):
    s = KERNELS[engine].activation(np.array([-1000.0, 0.0, 1000.0]), "sigmoid")
    assert np.all(np.isfinite(s))
    np.testing.assert_array_equal(s, [0.0, 0.5, 1.0])


@pytest.mark.parametrize("engine", KERNELS)
def test_softmax_of_1000_1001_1002_is_finite_and_sums_to_one(engine):
    s = KERNELS[engine].activation(np.array([1000.0, 1001.0, 1002.0]), "softmax")
    e = np.exp([-2.0, -1.0, 0.0])
    np.testing.assert_allclose(s, e / e.sum(), rtol=1e-15)
    assert s.sum() == pytest.approx(1.0, abs=1e-15)


@pytest.mark.parametrize("engine", KERNELS)
def test_activations_carry_nan_through(engine):
    x = np.array([[np.nan, 1.0, -1.0]])
    for fn in ["relu", "leaky-relu", "sigmoid", "tanh", "swish", "gelu"]:
        assert np.isnan(KERNELS[engine].activation(x, fn)[0, 0]), fn
        assert np.isnan(KERNELS[engine].activation_grad(x, fn)[0, 0]), fn
        assert not np.isnan(KERNELS[engine].activation(x, fn)[0, 1:]).any(), fn


def test_relu_derivative_at_zero_is_zero_and_leaky_is_alpha():
    for k in KERNELS.values():
        assert k.activation_grad(np.array([0.0]), "relu")[0] == 0.0
        assert k.activation_grad(np.array([0.0]), "leaky-relu", alpha=0.2)[0] == pytest.approx(0.2)


@pytest.mark.parametrize("engine", KERNELS)
def test_gelu_tanh_derivative_is_finite_for_huge_inputs(engine):
    g = KERNELS[engine].activation_grad(np.array([-1e200, 1e200]), "gelu", approx="tanh")
    np.testing.assert_array_equal(g, [0.0, 1.0])


@pytest.mark.parametrize("engine", KERNELS)
def test_softmax_vjp_equals_the_jacobian_product(engine):
    rng = np.random.default_rng(3)
    x, g = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    got = KERNELS[engine].activation_vjp(x, g, "softmax")
    for i in range(3):
        s = ref.softmax(x[i])
        jac = np.diag(s) - np.outer(s, s)
        np.testing.assert_allclose(got[i], g[i] @ jac, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_numba_vjp_is_upstream_times_derivative(name):
    fn, approx = split(name)
    rng = np.random.default_rng(4)
    x, g = rng.standard_normal((5, 3)), rng.standard_normal((5, 3))
    np.testing.assert_allclose(cpu.activation_vjp(x, g, fn, approx=approx), g * ref.activation_grad(x, fn, approx=approx),
                               rtol=1e-12, atol=1e-15)


def test_numba_activation_accepts_non_contiguous_and_1d_input():
    x = np.random.default_rng(5).standard_normal((6, 8))[::2, ::3]
    np.testing.assert_allclose(cpu.activation(x, "tanh"), np.tanh(x), rtol=1e-14)
    np.testing.assert_allclose(cpu.activation(x.T, "softmax"), ref.softmax(x.T), rtol=1e-14)
    v = np.array([0.5])
    np.testing.assert_allclose(cpu.activation(v, "softmax"), [1.0])


# ---------------------------------------------------------------- dense layer


def test_dense_forward_of_one_vector_is_the_seed_formula():
    # a = g(W·a_prev + b), the tutorial's layer, with relu: W·x = [1, 2, 3], + b = [1, -2, 3.5]
    w = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    x = np.array([[1.0, 2.0]])
    b = np.array([0.0, -4.0, 0.5])
    for k in KERNELS.values():
        np.testing.assert_array_equal(k.dense_forward(x, w, b, "relu"), [[1.0, 0.0, 3.5]])
        np.testing.assert_array_equal(k.dense_forward(x, w, None, None), [[1.0, 2.0, 3.0]])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("fn", [None, "relu", "leaky-relu", "sigmoid", "tanh", "softmax", "swish", "gelu"])
def test_numba_dense_forward_matches_reference(fn, dtype):
    rng = np.random.default_rng(6)
    x, w, b = (rng.standard_normal(s).astype(dtype) for s in [(5, 4), (3, 4), (3,)])
    got = cpu.dense_forward(x, w, b, fn)
    assert got.dtype == dtype
    tol = 1e-12 if dtype == np.float64 else 1e-5
    np.testing.assert_allclose(got, ref.dense_forward(x, w, b, fn), rtol=tol, atol=tol)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("fn", [None, "relu", "leaky-relu"])
def test_dense_forward_with_the_activation_in_the_gemm_equals_the_separate_pass(fn, dtype, monkeypatch):
    # where mlcalc's GEMM is chosen (large products on AVX-512 hosts) the cheap activations are applied
    # to each finished tile; forced on here for a small layer, on every host
    from mlcalc.kernels.cpu.gemm import gemm as own_gemm
    rng = np.random.default_rng(9)
    x, w, b = (rng.standard_normal(s).astype(dtype) for s in [(37, 300), (70, 300), (70,)])
    monkeypatch.setattr(cpu, "_own_gemm", lambda a, b: True)
    for bias in (b, None):
        z = own_gemm(x, w.T)
        want = np.empty_like(z)
        cpu._bias_activation(z, np.zeros(70, dtype) if bias is None else bias, want, cpu._code(fn), 0.02)
        got = cpu.dense_forward(x, w, bias, fn, alpha=0.02)
        assert got.dtype == dtype and np.array_equal(got, want)


@pytest.mark.parametrize("engine", KERNELS)
@pytest.mark.parametrize("fn", [None, "relu", "leaky-relu", "sigmoid", "tanh", "softmax", "swish", "gelu", "gelu-tanh"])
def test_dense_backward_matches_finite_differences_of_a_scalar_loss(engine, fn):
    fn, approx = split(fn) if fn else (None, None)
    rng = np.random.default_rng(7)
    x, w, b, g = rng.standard_normal((4, 3)), rng.standard_normal((2, 3)), rng.standard_normal(2), rng.standard_normal((4, 2))
    if fn in ("relu", "leaky-relu"):
        x += 0.0  # the seed keeps every Z away from the kink: checked below
        assert np.min(np.abs(x @ w.T + b)) > 1e-3

    def loss():
        return float(np.sum(g * ref.dense_forward(x, w, b, fn, approx=approx)))
    dW, db, dX = KERNELS[engine].dense_backward(x, w, b, g, fn, approx=approx)
    np.testing.assert_allclose(dW, numeric_grad(loss, w), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(db, numeric_grad(loss, b), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(dX, numeric_grad(loss, x), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_numba_dense_backward_matches_reference_over_many_row_blocks(dtype):
    rng = np.random.default_rng(8)
    x, w, b, g = (rng.standard_normal(s).astype(dtype) for s in [(130, 7), (5, 7), (5,), (130, 5)])
    for fn in ["sigmoid", "softmax", None]:
        got = cpu.dense_backward(x, w, b, g, fn)
        want = ref.dense_backward(x, w, b, g, fn)
        tol = 1e-11 if dtype == np.float64 else 2e-4
        for a, e in zip(got, want):
            assert a.dtype == dtype
            np.testing.assert_allclose(a, e, rtol=tol, atol=tol)


def test_dense_backward_of_one_vector_is_the_seed_formulas():
    # dW = δ·xᵀ, db = δ, dx = Wᵀ·δ for a linear layer
    w = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    x = np.array([[1.0, -1.0]])
    delta = np.array([[1.0, 0.5, -2.0]])
    for k in KERNELS.values():
        dW, db, dX = k.dense_backward(x, w, None, delta, None)
        np.testing.assert_allclose(dW, np.outer(delta[0], x[0]))
        np.testing.assert_allclose(db, delta[0])
        np.testing.assert_allclose(dX[0], w.T @ delta[0])


# ---------------------------------------------------------------- losses


@pytest.mark.parametrize("engine", KERNELS)
def test_mse_is_the_mean_of_squares_and_its_gradient(engine):
    p, t = np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[1.0, 0.0], [3.0, 5.0]])
    loss, g = KERNELS[engine].mse_loss(p, t)
    assert loss == pytest.approx((0 + 4 + 0 + 1) / 4)
    np.testing.assert_allclose(g, 2 * (p - t) / 4)


@pytest.mark.parametrize("engine", KERNELS)
def test_cross_entropy_from_logits_matches_closed_form_and_finite_differences(engine):
    rng = np.random.default_rng(9)
    z = rng.standard_normal((3, 4)) * 3
    t = np.eye(4)[[0, 3, 1]]
    loss, g = KERNELS[engine].cross_entropy_loss(z, t)
    want = -np.mean([z[i, c] - math.log(sum(math.exp(v) for v in z[i])) for i, c in enumerate([0, 3, 1])])
    assert loss == pytest.approx(want, rel=1e-13)
    fd = numeric_grad(lambda: float(ref.cross_entropy_loss(z, t)[0]), z)
    np.testing.assert_allclose(g, fd, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("engine", KERNELS)
def test_cross_entropy_is_stable_for_huge_logits(engine):
    loss, g = KERNELS[engine].cross_entropy_loss(np.array([[1000.0, 0.0]]), np.array([[0.0, 1.0]]))
    assert loss == pytest.approx(1000.0)
    np.testing.assert_allclose(g, [[1.0, -1.0]])


@pytest.mark.parametrize("engine", KERNELS)
def test_cross_entropy_from_probabilities(engine):
    p, t = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]]), np.array([[1.0, 0, 0], [0, 0, 1.0]])
    loss, g = KERNELS[engine].cross_entropy_loss(p, t, True)
    assert loss == pytest.approx(-(math.log(0.7) + math.log(0.8)) / 2)
    fd = numeric_grad(lambda: float(ref.cross_entropy_loss(p, t, True)[0]), p)
    np.testing.assert_allclose(g, fd, rtol=1e-6, atol=1e-9)


# ---------------------------------------------------------------- attention


def attention_by_formula(q, k, v, causal=False, mask=None):
    out = np.zeros((q.shape[0], v.shape[1]))
    for i in range(q.shape[0]):
        w = np.array([math.exp(float(q[i] @ k[j]) / math.sqrt(q.shape[1]))
                      if (not causal or j <= i) and (mask is None or mask[i, j]) else 0.0 for j in range(k.shape[0])])
        out[i] = (w / w.sum()) @ v
    return out


@pytest.mark.parametrize("engine", KERNELS)
@pytest.mark.parametrize("causal", [False, True])
def test_attention_matches_the_direct_formula(engine, causal):
    rng = np.random.default_rng(10)
    q, k, v = rng.standard_normal((4, 3)), rng.standard_normal((4, 3)), rng.standard_normal((4, 2))
    np.testing.assert_allclose(KERNELS[engine].attention(q, k, v, causal), attention_by_formula(q, k, v, causal), rtol=1e-12)


@pytest.mark.parametrize("engine", KERNELS)
def test_attention_with_a_mask_and_unequal_lengths(engine):
    rng = np.random.default_rng(11)
    q, k, v = rng.standard_normal((2, 3)), rng.standard_normal((5, 3)), rng.standard_normal((5, 4))
    mask = np.array([[1, 0, 1, 0, 1], [0, 1, 1, 1, 0]], dtype=float)
    np.testing.assert_allclose(KERNELS[engine].attention(q, k, v, False, mask), attention_by_formula(q, k, v, False, mask),
                               rtol=1e-12)


def test_attention_is_stable_for_huge_scores():
    q = np.array([[100.0, 100.0]])
    k = np.array([[100.0, 100.0], [99.0, 99.0]])
    v = np.array([[1.0], [2.0]])
    for kern in KERNELS.values():
        out = kern.attention(q, k, v)
        assert np.isfinite(out).all() and out[0, 0] == pytest.approx(1.0)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("size", [1e5, 7e9, 1e10, 1e15])
def test_attention_keeps_huge_scores_finite_in_each_dtype(size, dtype):
    # d = 2: the scale 1/√2 rounds, so a float32 score of 10⁹ or more is stored a few units from the
    # float64 product it came from; the softmax's maximum must be that of the stored row (it was NaN)
    q = np.array([[size, 0.0]], dtype)
    k = np.array([[1.0, 0.0], [0.5, 0.0], [0.0, 1.0]], dtype)
    v = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], dtype)
    for kern in KERNELS.values():
        out = kern.attention(q, k, v)
        np.testing.assert_allclose(out, [[1.0, 2.0]], rtol=1e-6)


# ---------------------------------------------------------------- convolution


@pytest.mark.parametrize("engine", KERNELS)
@pytest.mark.parametrize("stride", [1, 2])
@pytest.mark.parametrize("padding", [0, 1, 2])
@pytest.mark.parametrize("channels", [(1, 1), (3, 2)])
def test_conv2d_matches_nested_loop_cross_correlation(engine, stride, padding, channels):
    c, o = channels
    rng = np.random.default_rng(12)
    x, k = rng.standard_normal((c, 6, 5)), rng.standard_normal((o, c, 3, 2))
    np.testing.assert_allclose(KERNELS[engine].conv2d(x, k, stride, padding), conv_by_loops(x, k, stride, padding),
                               rtol=1e-12, atol=1e-12)


def test_numba_im2col_matches_reference_in_float32():
    x = np.arange(2 * 5 * 4, dtype=np.float32).reshape(2, 5, 4)
    got = cpu.im2col(x, 3, 3, 2, 1)
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got, ref.im2col(x, 3, 3, 2, 1))


# ---------------------------------------------------------------- embeddings


@pytest.mark.parametrize("engine", KERNELS)
def test_embedding_lookup_equals_one_hot_times_e(engine):
    e = np.arange(12.0).reshape(4, 3)
    ids = np.array([2.0, 0.0, 2.0, 3.0])
    onehot = np.eye(4)[ids.astype(int)]
    np.testing.assert_array_equal(KERNELS[engine].embed(ids, e), onehot @ e)


def test_numba_warmup_runs():
    cpu.warmup()
