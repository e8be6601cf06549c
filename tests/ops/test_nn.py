"""mlcalc.ops.nn: shape rules, error messages naming both shapes, engines agreeing, traces."""

import numpy as np
import pytest

from mlcalc.errors import InputError, MlcalcError, NumericError, ShapeError
from mlcalc.kernels import reference as ref
from mlcalc.ops import nn
from mlcalc.trace.steps import Tracer

ENGINES = ["numpy", "numba"]


def test_unknown_activation_lists_the_valid_ones():
    with pytest.raises(MlcalcError, match="choose one of relu, leaky-relu, sigmoid, tanh, softmax, swish, gelu"):
        nn.activate(np.array([1.0]), "elu")


def test_softmax_grad_without_grad_out_is_an_error_that_says_why():
    with pytest.raises(MlcalcError, match="softmax --grad needs --grad-out"):
        nn.activate(np.array([1.0, 2.0]), "softmax", grad=True)


def test_approx_tanh_is_for_gelu_only():
    with pytest.raises(MlcalcError, match="gelu only"):
        nn.activate(np.array([1.0]), "relu", approx="tanh")


@pytest.mark.parametrize("engine", ENGINES)
def test_activate_grad_out_gives_the_chain_rule_product(engine):
    x, g = np.array([[-1.0, 0.5, 2.0]]), np.array([[2.0, 3.0, 4.0]])
    got = nn.activate(x, "tanh", grad_out=g, engine=engine)
    np.testing.assert_allclose(got, g * (1 - np.tanh(x) ** 2))


def test_activate_grad_out_shape_must_match_naming_both():
    with pytest.raises(ShapeError, match=r"dA \(--grad-out\) is \(2,\) but X is \(3,\)"):
        nn.activate(np.array([1.0, 2, 3]), "softmax", grad_out=np.array([1.0, 2]))


@pytest.mark.parametrize("engine", ENGINES)
def test_forward_of_one_vector_gives_a_vector(engine):
    w = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    a = nn.forward(np.array([1.0, 2.0]), w, np.array([0.0, 0.0, -4.0]), "relu", engine=engine)
    assert a.shape == (3,)
    np.testing.assert_array_equal(a, [1.0, 2.0, 0.0])


def test_forward_takes_a_one_column_x_as_the_vector_x():
    w = np.array([[1.0, 2.0, 3.0]])
    np.testing.assert_array_equal(nn.forward(np.array([[1.0], [1.0], [1.0]]), w), [6.0])


def test_forward_feature_mismatch_names_both_shapes():
    with pytest.raises(ShapeError, match=r"forward: X has 3 features but W expects 4 \(X is \(5, 3\), W is \(2, 4\)\)"):
        nn.forward(np.zeros((5, 3)), np.zeros((2, 4)))


def test_forward_bias_mismatch_names_both_shapes():
    with pytest.raises(ShapeError, match=r"b has 3 values but W has 2 outputs \(b is \(3,\), W is \(2, 4\)\)"):
        nn.forward(np.zeros((5, 4)), np.zeros((2, 4)), np.zeros(3))


def test_backward_grad_out_mismatch_names_both_shapes():
    with pytest.raises(ShapeError, match=r"dA is \(5, 3\) but the layer's output is \(5, 2\)"):
        nn.backward(np.zeros((5, 4)), np.zeros((2, 4)), None, np.zeros((5, 3)))


@pytest.mark.parametrize("engine", ENGINES)
def test_backward_returns_dW_db_dX_in_that_order(engine):
    rng = np.random.default_rng(0)
    x, w, b, g = rng.standard_normal((3, 4)), rng.standard_normal((2, 4)), rng.standard_normal(2), rng.standard_normal((3, 2))
    r = nn.backward(x, w, b, g, "swish", engine=engine)
    assert list(r) == ["dW", "db", "dX"]
    for got, want in zip(r.values(), ref.dense_backward(x, w, b, g, "swish")):
        np.testing.assert_allclose(got, want, rtol=1e-12)


def test_backward_of_one_vector_gives_vector_db_and_dx():
    r = nn.backward(np.array([1.0, 2.0]), np.array([[1.0, 1.0]]), np.array([0.5]), np.array([2.0]), None)
    np.testing.assert_array_equal(r["dW"], [[2.0, 4.0]])
    np.testing.assert_array_equal(r["db"], [2.0])
    np.testing.assert_array_equal(r["dX"], [2.0, 2.0])


def test_forward_carries_nan_through():
    a = nn.forward(np.array([[np.nan, 1.0], [0.0, 1.0]]), np.eye(2), None, "sigmoid")
    assert np.isnan(a[0]).all()  # NaN·0 is NaN: the whole row, as NumPy computes it
    np.testing.assert_allclose(a[1], [0.5, 1 / (1 + np.exp(-1))])


@pytest.mark.parametrize("engine", ENGINES)
def test_float32_operands_give_float32_results(engine):
    rng = np.random.default_rng(3)
    x, w, g = (rng.standard_normal(s).astype(np.float32) for s in [(2, 3), (4, 3), (2, 4)])
    a = nn.forward(x, w, None, "gelu", engine=engine)
    assert a.dtype == np.float32
    np.testing.assert_allclose(a, ref.dense_forward(x.astype(float), w.astype(float), None, "gelu"), rtol=2e-5, atol=1e-6)
    grads = nn.backward(x, w, None, g, "gelu", engine=engine)
    want = ref.dense_backward(x.astype(float), w.astype(float), None, g.astype(float), "gelu")
    for name, value in zip(("dW", "db", "dX"), want):
        assert grads[name].dtype == np.float32
        np.testing.assert_allclose(grads[name], value, rtol=2e-5, atol=1e-6)


def test_backward_trace_explains_the_chain_rule_and_checks_it():
    t = Tracer()
    nn.backward(np.array([[1.0, 2.0]]), np.array([[0.5, -1.0], [1.0, 1.0]]), np.array([0.1, 0.2]),
                np.array([[1.0, -1.0]]), "tanh", tracer=t)
    titles = " | ".join(s.title for s in t.steps)
    for part in ["Z = X·Wᵀ + b", "g′(Z)", "δ = dA ⊙ g′(Z)", "dW", "db", "dX", "finite differences"]:
        assert part in titles, (part, titles)
    assert t.steps[-1].result < 1e-6


def test_forward_trace_shows_z_and_activation():
    t = Tracer()
    nn.forward(np.array([1.0, 2.0]), np.eye(2), None, "relu", tracer=t)
    assert [s.title for s in t.steps] == ["Weighted input z = W·x + b", "Activation a = relu(z)"]


# ---------------------------------------------------------------- losses


def test_mse_loss_value_and_gradient_by_name():
    r = nn.loss(np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 5.0]), "mse", grad=True)
    assert list(r) == ["loss", "grad"]
    assert r["loss"] == pytest.approx(4 / 3)
    np.testing.assert_allclose(r["grad"], [0, 0, -4 / 3])


@pytest.mark.parametrize("engine", ENGINES)
def test_cross_entropy_takes_one_column_of_class_ids_like_one_hot_rows(engine):
    z = np.array([[2.0, 1.0, 0.1], [0.5, 2.5, 0.3]])
    by_ids = nn.loss(z, np.array([[0.0], [1.0]]), "cross-entropy", grad=True, engine=engine)
    by_onehot = nn.loss(z, np.array([[1.0, 0, 0], [0, 1.0, 0]]), "cross-entropy", grad=True, engine=engine)
    assert by_ids["loss"] == pytest.approx(by_onehot["loss"])
    np.testing.assert_allclose(by_ids["grad"], by_onehot["grad"])


def test_cross_entropy_of_one_sample_vector():
    z = np.array([2.0, 1.0, 0.1])
    want = -(2.0 - np.log(np.exp(z).sum()))
    assert nn.loss(z, np.array([1.0, 0.0, 0.0]), "cross-entropy") == pytest.approx(want)
    assert nn.loss(z, np.array([0.0]), "cross-entropy") == pytest.approx(want)


def test_cross_entropy_bad_class_id_names_the_row():
    with pytest.raises(InputError, match="TARGET row 2: class id 3 is not an integer in 0..2"):
        nn.loss(np.zeros((2, 3)), np.array([[0.0], [3.0]]), "cross-entropy")


def test_loss_shape_mismatch_names_both_shapes():
    with pytest.raises(ShapeError, match=r"TARGET is \(2, 2\) but PRED is \(2, 3\)"):
        nn.loss(np.zeros((2, 3)), np.zeros((2, 2)), "cross-entropy")
    with pytest.raises(ShapeError, match=r"TARGET is \(4,\) but PRED is \(3,\)"):
        nn.loss(np.zeros(3), np.zeros(4), "mse")


# ---------------------------------------------------------------- attention, conv2d, embed


@pytest.mark.parametrize("engine", ENGINES)
def test_attention_of_one_query_vector_gives_a_vector(engine):
    out = nn.attention(np.array([1.0, 0.0]), np.eye(2), np.array([[1.0, 2.0], [3.0, 4.0]]), engine=engine)
    w = np.exp([1 / np.sqrt(2), 0.0])
    w /= w.sum()
    np.testing.assert_allclose(out, w @ np.array([[1.0, 2.0], [3.0, 4.0]]))


def _attention_by_definition(q, k, v, causal=False, mask=None):
    s = q.astype(np.float64) @ np.swapaxes(k.astype(np.float64), -1, -2) / np.sqrt(q.shape[-1])
    keep = np.ones(s.shape[-2:], dtype=bool)
    if causal:
        keep = np.tril(keep)
    if mask is not None:
        keep &= mask != 0
    s = np.where(keep, s, -np.inf)
    w = np.exp(s - s.max(axis=-1, keepdims=True))
    return (w / w.sum(axis=-1, keepdims=True)) @ v.astype(np.float64)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shapes", [((2, 4, 5), (2, 6, 5), (2, 6, 3)),            # (B, L, d)
                                    ((2, 3, 4, 5), (2, 3, 6, 5), (2, 3, 6, 3)),  # (B, H, L, d)
                                    ((2, 3, 4, 5), (6, 5), (3, 6, 3)),           # broadcast batch dimensions
                                    ((1, 1, 1), (1, 1, 1), (1, 1, 1))])
@pytest.mark.parametrize("causal", [False, True])
def test_batched_attention_attends_each_slice_as_pytorch(engine, dtype, shapes, causal):
    # (B, L, d) and (B, H, L, d), scaled_dot_product_attention's layouts, were refused as 3-D
    rng = np.random.default_rng(7)
    q, k, v = (rng.standard_normal(shape).astype(dtype) for shape in shapes)
    mask = (rng.uniform(size=(q.shape[-2], k.shape[-2])) < 0.7).astype(dtype)
    mask[:, 0] = 1  # every query sees a key
    for m in (None, mask):
        out = nn.attention(q, k, v, causal=causal, mask=m, engine=engine)
        want = _attention_by_definition(q, k, v, causal, m)
        assert out.dtype == dtype and out.shape == want.shape
        np.testing.assert_allclose(out, want, rtol=1e-4 if dtype == np.float32 else 1e-12,
                                   atol=1e-5 if dtype == np.float32 else 1e-13)
        first = nn.attention(q[(0,) * (q.ndim - 2)], k[(0,) * (k.ndim - 2)], v[(0,) * (v.ndim - 2)],
                             causal=causal, mask=m, engine=engine)
        np.testing.assert_array_equal(out[(0,) * (out.ndim - 2)], first)


def test_batched_attention_names_the_batch_shapes_and_traces_its_first_slice():
    with pytest.raises(ShapeError, match=r"do not broadcast: Q is \(2, 4, 5\), K is \(3, 6, 5\), V is \(3, 6, 3\)"):
        nn.attention(np.ones((2, 4, 5)), np.ones((3, 6, 5)), np.ones((3, 6, 3)))
    with pytest.raises(ShapeError, match=r"same width d: Q is \(2, 4, 5\), K is \(2, 6, 4\), V is \(2, 6, 3\)"):
        nn.attention(np.ones((2, 4, 5)), np.ones((2, 6, 4)), np.ones((2, 6, 3)))
    with pytest.raises(ShapeError, match=r"each \(\.\.\., L, d\): Q is \(2, 4, 5\), K is \(5,\)"):
        nn.attention(np.ones((2, 4, 5)), np.ones(5), np.ones((2, 1, 3)))
    t = Tracer()
    nn.attention(np.ones((2, 3, 2)), np.ones((2, 3, 2)), np.ones((2, 3, 2)), causal=True, tracer=t)
    assert t.steps[0].title == "A batch of 2 attentions" and t.steps[1].title.startswith("Scores")
    assert sum(step.title.startswith("Scores") for step in t.steps) == 1


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("fn", ["relu", "leaky-relu", "sigmoid", "tanh", "softmax", "swish", "gelu"])
def test_activations_of_nd_arrays_are_their_rows_as_pytorch(engine, dtype, fn):
    # (B, T, C) and (B, H, L, L), PyTorch's usual layouts, were refused as 3-D: softmax runs along the last
    # dimension, the rest element-wise
    rng = np.random.default_rng(11)
    x = rng.standard_normal((2, 3, 4, 5)).astype(dtype)
    g = rng.standard_normal(x.shape).astype(dtype)
    rows = x.reshape(-1, 5)
    out = nn.activate(x, fn, engine=engine)
    assert out.shape == x.shape and out.dtype == dtype
    np.testing.assert_array_equal(out, nn.activate(rows, fn, engine=engine).reshape(x.shape))
    vjp = nn.activate(x, fn, grad_out=g, engine=engine)
    np.testing.assert_array_equal(vjp, nn.activate(rows, fn, grad_out=g.reshape(rows.shape), engine=engine).reshape(x.shape))
    if fn == "softmax":
        np.testing.assert_allclose(out.sum(axis=-1), 1, rtol=1e-6)
    else:
        np.testing.assert_array_equal(nn.activate(x, fn, grad=True, engine=engine),
                                      nn.activate(rows, fn, grad=True, engine=engine).reshape(x.shape))
    with pytest.raises(ShapeError, match=r"dA \(--grad-out\) is \(2, 3, 4\) but X is \(2, 3, 4, 5\)"):
        nn.activate(x, fn, grad_out=g[..., 0])


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("act", [None, "relu", "tanh", "softmax"])
def test_a_dense_layer_takes_star_in_inputs_as_nn_linear(engine, act):
    # nn.Linear takes (*, in): (B, T, in) was "X must be (batch, in) or one vector"
    rng = np.random.default_rng(12)
    x, w, b = rng.standard_normal((2, 3, 5)), rng.standard_normal((4, 5)), rng.standard_normal(4)
    da = rng.standard_normal((2, 3, 4))
    a = nn.forward(x, w, b, act, engine=engine)
    z = x @ w.T + b
    want = {None: z, "relu": np.maximum(z, 0), "tanh": np.tanh(z)}.get(act)
    if act == "softmax":
        want = np.exp(z - z.max(-1, keepdims=True))
        want /= want.sum(-1, keepdims=True)
    np.testing.assert_allclose(a, want, rtol=1e-12, atol=1e-14)
    grads = nn.backward(x, w, b, da, act, engine=engine)
    flat = nn.backward(x.reshape(6, 5), w, b, da.reshape(6, 4), act, engine=engine)
    assert grads["dX"].shape == x.shape
    np.testing.assert_array_equal(grads["dX"], flat["dX"].reshape(x.shape))
    np.testing.assert_array_equal(grads["dW"], flat["dW"])
    np.testing.assert_array_equal(grads["db"], flat["db"])
    with pytest.raises(ShapeError, match=r"dA is \(6, 4\) but the layer's output is \(2, 3, 4\)"):
        nn.backward(x, w, b, da.reshape(6, 4), act)
    with pytest.raises(ShapeError, match=r"X has 5 features but W expects 2 \(X is \(2, 3, 5\), W is \(3, 2\)\)"):
        nn.forward(x, np.ones((3, 2)))


@pytest.mark.parametrize("engine", ENGINES)
def test_mse_of_nd_arrays_is_the_mean_over_every_element(engine):
    rng = np.random.default_rng(13)
    p, t = rng.standard_normal((2, 3, 5)), rng.standard_normal((2, 3, 5))
    out = nn.loss(p, t, "mse", grad=True, engine=engine)
    assert out["loss"] == pytest.approx(np.mean((p - t) ** 2), rel=1e-13)
    np.testing.assert_allclose(out["grad"], 2 * (p - t) / p.size, rtol=1e-13)
    summed = nn.loss(p, t, "mse", grad=True, engine=engine, reduction="sum")
    assert summed["loss"] == pytest.approx(np.sum((p - t) ** 2), rel=1e-13)
    with pytest.raises(ShapeError, match="PyTorch's \\(N, C, d…\\) logits: move C last"):
        nn.loss(p, np.zeros((2, 5)), "cross-entropy")


@pytest.mark.parametrize("engine", ENGINES)
def test_embed_of_b_t_ids_gives_b_t_dim_as_nn_embedding(engine):
    e = np.arange(20.0).reshape(10, 2)
    ids = np.array([[1.0, 2, 3], [4, 5, 9]])
    out = nn.embed(ids, e, engine=engine)
    assert out.shape == (2, 3, 2)
    np.testing.assert_array_equal(out, e[ids.astype(int)])
    assert nn.embed(np.array([[1.0, 2, 3]]), e, engine=engine).shape == (3, 2)  # one row: a vector, as documented
    with pytest.raises(InputError, match="embed: IDS row 2, column 3: 10 is not an integer id in 0..9"):
        nn.embed(np.array([[1.0, 2, 3], [4, 5, 10]]), e)


def test_causal_attention_with_a_mask_names_both_when_they_hide_every_key():
    mask = np.ones((3, 3))
    mask[0, 0] = 0  # alone it hides one pair; with --causal, all row 1 could see
    nn.attention(np.eye(3), np.eye(3), np.eye(3), mask=mask)
    with pytest.raises(ShapeError, match=r"query row 1 may attend to no key \(--causal and the mask hide them all\)"):
        nn.attention(np.eye(3), np.eye(3), np.eye(3), causal=True, mask=mask)


def test_attention_width_mismatch_names_both_shapes():
    with pytest.raises(ShapeError, match=r"Q is \(2, 3\), K is \(2, 4\)"):
        nn.attention(np.zeros((2, 3)), np.zeros((2, 4)), np.zeros((2, 4)))


def test_attention_mask_hiding_a_whole_row_is_an_error():
    with pytest.raises(ShapeError, match="query row 2 may attend to no key"):
        nn.attention(np.eye(2), np.eye(2), np.eye(2), mask=np.array([[1.0, 0], [0, 0]]))


@pytest.mark.parametrize("value", [-np.inf, 2.0, 0.5, np.nan])
def test_attention_mask_holds_ones_and_zeros_only(value):
    # PyTorch's float mask is additive (0 keeps, -inf hides): read as "non-zero keeps" it would invert
    with pytest.raises(InputError, match="row 1, column 2: it must be 1 .attend. or 0 .hide."):
        nn.attention(np.eye(2), np.eye(2), np.eye(2), mask=np.array([[1.0, value], [1, 1]]))


def test_causal_attention_first_row_sees_only_the_first_value():
    v = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    out = nn.attention(np.ones((3, 2)), np.ones((3, 2)), v, causal=True)
    np.testing.assert_allclose(out, [[1, 2], [2, 3], [3, 4]])


def test_attention_trace_has_scores_scaling_softmax_weighted_sum():
    t = Tracer()
    nn.attention(np.eye(2), np.eye(2), np.eye(2), causal=True, tracer=t)
    titles = [s.title for s in t.steps]
    assert titles[0].startswith("Scores") and titles[1].startswith("Scale") and titles[2] == "Mask"
    assert "softmax" in titles[3] and titles[4].startswith("Weighted sum")


@pytest.mark.parametrize("engine", ENGINES)
def test_conv2d_single_channel_gives_a_matrix(engine):
    x = np.arange(16.0).reshape(4, 4)
    k = np.array([[1.0, 0.0], [0.0, -1.0]])
    out = nn.conv2d(x, k, engine=engine)
    assert out.shape == (3, 3)
    np.testing.assert_array_equal(out, np.full((3, 3), -5.0))


def test_conv2d_several_output_channels_give_3d():
    out = nn.conv2d(np.ones((2, 4, 4)), np.ones((3, 2, 3, 3)), padding=1)
    assert out.shape == (3, 4, 4) and out[0, 1, 1] == 18 and out[0, 0, 0] == 8


def test_conv2d_channel_mismatch_names_both_shapes():
    with pytest.raises(ShapeError, match=r"X has 2 channels but K expects 3 \(X is \(2, 4, 4\), K is \(1, 3, 2, 2\)\)"):
        nn.conv2d(np.ones((2, 4, 4)), np.ones((1, 3, 2, 2)))


def _direct_conv2d(x, k, stride, padding):
    """A batch (N, C, H, W) with K (O, C, kh, kw) by the definition's sum, one output at a time."""
    n, c, h, w = x.shape
    o, _, kh, kw = k.shape
    xp = np.pad(x.astype(np.float64), ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    ho, wo = (h + 2 * padding - kh) // stride + 1, (w + 2 * padding - kw) // stride + 1
    out = np.zeros((n, o, ho, wo))
    for b in range(n):
        for f in range(o):
            for i in range(ho):
                for j in range(wo):
                    out[b, f, i, j] = np.sum(xp[b, :, i * stride:i * stride + kh, j * stride:j * stride + kw] * k[f])
    return out


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("stride,padding", [(1, 0), (2, 1), (2, 2)])
@pytest.mark.parametrize("o", [1, 4])
def test_conv2d_of_a_batch_is_each_image_as_pytorch_takes_it(engine, dtype, stride, padding, o):
    # (N, C, H, W) was "4-D array, this command takes at most 3-D": PyTorch's layout for a batch
    rng = np.random.default_rng(5)
    x = rng.standard_normal((3, 2, 6, 5)).astype(dtype)
    k = rng.standard_normal((o, 2, 3, 2)).astype(dtype)
    out = nn.conv2d(x, k, stride=stride, padding=padding, engine=engine)
    want = _direct_conv2d(x, k, stride, padding)
    assert out.dtype == dtype and out.shape == want.shape  # (N, O, H′, W′) also for O = 1, as PyTorch
    np.testing.assert_allclose(out, want, rtol=1e-4 if dtype == np.float32 else 1e-12, atol=1e-5 if dtype == np.float32 else 1e-12)
    for b in range(3):  # each image as its own (C, H, W) X
        one = nn.conv2d(x[b], k, stride=stride, padding=padding, engine=engine)
        np.testing.assert_array_equal(out[b], one if o > 1 else one[None])
    nonc = np.asfortranarray(x)  # a Fortran-order NPY
    np.testing.assert_array_equal(nn.conv2d(nonc, k, stride=stride, padding=padding, engine=engine), out)


def test_conv2d_of_a_batch_names_its_shapes_and_traces_its_first_image():
    with pytest.raises(ShapeError, match=r"X has 3 channels but K expects 2 \(X is \(2, 3, 4, 4\), K is \(1, 2, 2, 2\)\)"):
        nn.conv2d(np.ones((2, 3, 4, 4)), np.ones((1, 2, 2, 2)))
    with pytest.raises(ShapeError, match=r"X must be \(H, W\), \(C, H, W\) or a batch \(N, C, H, W\), got shape \(1, 1, 1, 2, 2\)"):
        nn.conv2d(np.ones((1, 1, 1, 2, 2)), np.ones((2, 2)))
    t = Tracer()
    x = np.arange(18.0).reshape(2, 1, 3, 3)
    out = nn.conv2d(x, np.ones((2, 2)), tracer=t)
    assert out.shape == (2, 1, 2, 2) and "image 1 of the batch's 2, the others alike" in t.steps[0].note
    np.testing.assert_array_equal(t.steps[0].result, ref.im2col(x[0], 2, 2, 1, 0))


def test_conv2d_trace_shows_the_im2col_matrix():
    t = Tracer()
    nn.conv2d(np.arange(9.0).reshape(3, 3), np.ones((2, 2)), tracer=t)
    assert t.steps[0].title.startswith("im2col")
    assert t.steps[0].result.shape == (4, 4)
    assert t.steps[-1].result == 0


@pytest.mark.parametrize("engine", ENGINES)
def test_embed_returns_rows_for_ids(engine):
    e = np.array([[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]])
    np.testing.assert_array_equal(nn.embed(np.array([2.0, 0.0, 2.0]), e, engine=engine), e[[2, 0, 2]])


@pytest.mark.parametrize("bad, fragment", [(1.5, "position 2: 1.5 is not an integer id"),
                                           (3.0, "position 2: 3 is not an integer id in 0..2"),
                                           (-1.0, "position 2: -1"), (np.nan, "position 2: nan")])
def test_embed_bad_id_names_the_position(bad, fragment):
    with pytest.raises(InputError, match=fragment):
        nn.embed(np.array([0.0, bad]), np.zeros((3, 2)))


# ---------------------------------------------------------------- gradcheck


@pytest.mark.parametrize("act", [None, "sigmoid", "tanh", "softmax", "swish", "gelu"])
def test_gradcheck_passes_for_correct_gradients(act):
    rng = np.random.default_rng(1)
    r = nn.gradcheck(rng.standard_normal((3, 4)), rng.standard_normal((2, 4)), rng.standard_normal(2), act, "mse",
                     rng.standard_normal((3, 2)))
    assert list(r) == ["dW", "db", "dX"]
    assert max(r.values()) < 1e-6


def test_gradcheck_with_cross_entropy_on_class_ids():
    rng = np.random.default_rng(2)
    r = nn.gradcheck(rng.standard_normal((4, 3)), rng.standard_normal((5, 3)), None, None, "cross-entropy",
                     np.array([[0.0], [4.0], [2.0], [1.0]]))
    assert max(r.values()) < 1e-6


def test_gradcheck_above_tolerance_is_an_error():
    # a relu unit sitting exactly on its kink: the one-sided slopes disagree with the analytic 0
    with pytest.raises(NumericError, match="relative error .* > --tol 1e-06"):
        nn.gradcheck(np.array([[1.0, -1.0]]), np.array([[1.0, 1.0]]), None, "relu", "mse", np.array([[1.0]]))


def test_gradcheck_passes_a_saturated_layer_whose_gradients_are_rounding_alone():
    # tanh of 20-odd: gradients of 1e-20, finite differences of ±2e-12 that are the loss's rounding over h;
    # without a floor for that rounding it failed at 2.2e-6 > 1e-6 (PyTorch's gradcheck passes it on atol)
    a = np.array([[4.0, 1, 2], [1, 5, 3], [2, 3, 6]])
    r = nn.gradcheck(a, a.copy(), np.array([3.0, 1, 2]), "tanh", "mse", a.copy())
    assert max(r.values()) <= 1e-6


@pytest.mark.parametrize("off", [1e-5, 1e-6])
def test_gradcheck_still_catches_a_small_wrong_gradient(monkeypatch, off):
    # the rounding floor is 10⁶·12·eps·|L|/h, about 1e-5 here, below these gradients of 0.1 or so:
    # a dW 1e-6 off (relative 1e-5) is still a failure, also under a tiny --tol (the floor does not use it)
    real = ref.dense_backward
    monkeypatch.setattr(ref, "dense_backward", lambda *a, **k: (real(*a, **k)[0] + off,) + real(*a, **k)[1:])
    x = np.array([[1.0, 2.0], [3.0, -1.0]])
    for tol in (1e-6, 1e-320):
        with pytest.raises(NumericError, match="dW differs"):
            nn.gradcheck(x, np.array([[0.5, -0.2], [0.1, 0.3]]), np.array([0.1, 0.0]), "tanh", "mse", np.eye(2),
                         tol=tol)


def test_gradcheck_rejects_nan():
    with pytest.raises(InputError, match="non-finite"):
        nn.gradcheck(np.array([[np.nan, 1.0]]), np.eye(2), None, None, "mse", np.zeros((1, 2)))


@pytest.mark.parametrize("engine", ENGINES)
def test_conv2d_bias_adds_one_value_per_output_channel_as_nn_conv2d(engine):
    rng = np.random.default_rng(9)
    x, k, b = rng.standard_normal((2, 3, 5, 5)), rng.standard_normal((4, 3, 3, 3)), rng.standard_normal(4)
    out = nn.conv2d(x, k, padding=1, bias=b, engine=engine)
    np.testing.assert_allclose(out, _direct_conv2d(x, k, 1, 1) + b[:, None, None], rtol=1e-12, atol=1e-12)
    one = nn.conv2d(np.arange(9.0).reshape(3, 3), np.ones((2, 2)), bias=np.array([10.0]), engine=engine)
    np.testing.assert_array_equal(one, nn.conv2d(np.arange(9.0).reshape(3, 3), np.ones((2, 2)), engine=engine) + 10)
    with pytest.raises(ShapeError, match=r"b must hold one value per output channel, 4, got shape \(3,\)"):
        nn.conv2d(x, k, bias=b[:3])


def test_a_weight_laid_out_in_out_and_a_channels_last_image_say_which_layout_is_meant():
    with pytest.raises(ShapeError, match=r"W is \(out, in\), as nn.Linear's weight: transpose it"):
        nn.forward(np.ones((2, 3)), np.ones((3, 4)))
    with pytest.raises(ShapeError, match=r"\(N, C, H, W\), PyTorch's layout"):
        nn.conv2d(np.ones((1, 5, 5, 3)), np.ones((2, 3, 3, 3)))
    with pytest.raises(ShapeError, match=r"read as \(C, H, W\), PyTorch's layout"):  # one image, 3-D
        nn.conv2d(np.ones((5, 5, 3)), np.ones((2, 3, 3, 3)))
    with pytest.raises(ShapeError) as e:  # a plain mismatch gets no layout hint
        nn.forward(np.ones((2, 3)), np.ones((4, 5)))
    assert "transpose" not in str(e.value)
