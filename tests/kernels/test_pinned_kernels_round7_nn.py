"""Behaviour of the numba NN kernels (kernels/cpu/nn.py) and of the arithmetic exp they are built on
(kernels/cpu/vexp.py) that a mutation audit of those two files showed no test pinned: each test fails
if the rule it names is broken (the last block of rows of a streamed activation pass, the largest logit
in the last column, a zero-weight class with a −inf logit, the causal mask of a non-square attention,
attention scores far below 0, the float64 sums of db, an input whose size is a whole number of flat
rows, exp's overflow threshold)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mlcalc.kernels import reference as ref
from mlcalc.kernels.cpu import nn as cpu
from mlcalc.kernels.cpu import stream
from mlcalc.ops import nn


# ---------------------------------------------------------------- activations: the parts of the passes


def test_a_streamed_activation_pass_writes_the_last_partial_block_of_rows():
    # from stream.STREAM_FROM_BYTES on, a separate output is written with streaming stores in blocks of
    # _ROWS_PER_BLOCK rows; 8192-element flat rows, one block and one row more than the threshold holds:
    # with the blocks counted m // _ROWS_PER_BLOCK the last row was never written (np.empty's garbage)
    rows = stream.STREAM_FROM_BYTES // (8 * cpu._FLAT_ROW) + 1
    assert rows % cpu._ROWS_PER_BLOCK != 0
    x = np.linspace(-6.0, 6.0, rows * cpu._FLAT_ROW + 5)
    got = cpu.activation(x, "sigmoid")
    tail = slice((rows - 1) * cpu._FLAT_ROW, None)  # the last full row and the short row after it
    np.testing.assert_allclose(got[tail], ref.activation(x[tail], "sigmoid"), rtol=1e-14)
    np.testing.assert_allclose(got[:cpu._FLAT_ROW], ref.activation(x[:cpu._FLAT_ROW], "sigmoid"), rtol=1e-14)


@pytest.mark.parametrize("size", [cpu._FLAT_ROW, 2 * cpu._FLAT_ROW])
def test_element_wise_passes_over_a_whole_number_of_flat_rows(size):
    # the element-wise passes split their data into _FLAT_ROW-element rows and a last row of the rest:
    # when nothing is left, there is no last row (an empty one of width 0 cannot be reshaped)
    x = np.linspace(-3.0, 3.0, size)
    g = np.ones(size)
    np.testing.assert_allclose(cpu.activation(x, "tanh"), np.tanh(x), rtol=1e-14)
    np.testing.assert_allclose(cpu.activation_grad(x, "relu"), (x > 0).astype(float))
    np.testing.assert_allclose(cpu.activation_vjp(x, g, "sigmoid"), ref.activation_grad(x, "sigmoid"), rtol=1e-13)


# ---------------------------------------------------------------- cross-entropy from logits


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_cross_entropy_takes_the_row_maximum_from_the_last_column_too(dtype):
    # log-sum-exp shifts by the row's maximum: one missed in the last column left e^(1000 − 0) for the
    # exp of non-positive arguments, which has no overflow guard (garbage, not inf)
    z = np.array([[0.0, 1000.0], [-1000.0, 3.0]], dtype=dtype)
    t = np.array([[1.0, 0.0], [0.0, 1.0]], dtype=dtype)
    loss, grad = cpu.cross_entropy_loss(z, t)
    assert float(loss) == pytest.approx(500.0, rel=1e-6)  # (1000 + 0) / 2
    np.testing.assert_allclose(grad, [[-0.5, 0.5], [0.0, 0.0]], atol=1e-7)


@pytest.mark.parametrize("engine", ["numpy", "numba"])
def test_cross_entropy_skips_classes_the_target_gives_no_weight_with_a_minus_inf_logit(engine):
    # −Σ t·log p over the classes with t ≠ 0 only: 0·(−inf − lse) is NaN, and a logit of −inf (a class
    # ruled out) where the target is 0 made the loss NaN
    z = np.array([[-np.inf, 0.0, 0.0]])
    t = np.array([[0.0, 1.0, 0.0]])
    loss, grad = (cpu if engine == "numba" else ref).cross_entropy_loss(z, t)
    assert float(loss) == pytest.approx(math.log(2.0), rel=1e-15)
    np.testing.assert_allclose(grad, [[0.0, -0.5, 0.5]], rtol=1e-15)


# ---------------------------------------------------------------- attention


@pytest.mark.parametrize("lq, lk", [(2, 4), (3, 2)])
def test_causal_attention_of_unequal_lengths_is_the_top_left_lower_triangle(lq, lk):
    # PyTorch's is_causal: query i sees keys j ≤ i whatever the lengths (np.tril of the lq×lk scores);
    # aligned at the bottom right instead (j ≤ i + lk − lq), query 0 of 2 saw 3 keys of 4
    rng = np.random.default_rng(71)
    q, k, v = rng.standard_normal((lq, 3)), rng.standard_normal((lk, 3)), rng.standard_normal((lk, 2))
    want = np.zeros((lq, 2))
    for i in range(lq):
        w = np.array([math.exp(float(q[i] @ k[j]) / math.sqrt(3)) for j in range(min(i + 1, lk))])
        want[i] = (w / w.sum()) @ v[:len(w)]
    np.testing.assert_allclose(cpu.attention(q, k, v, causal=True), want, rtol=1e-12)
    np.testing.assert_allclose(nn.attention(q, k, v, causal=True, engine="numba"), want, rtol=1e-12)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_attention_of_scores_far_below_zero_shifts_by_the_rows_maximum(dtype):
    # the row's maximum starts from −inf: started from 0, scores of −1600 and −1560 underflowed e^(s − 0)
    # to 0 for every key and the row came out 0/0 = NaN (shifted by the true maximum, e^0 = 1 is kept)
    q = np.array([[40.0]], dtype=dtype)
    k = np.array([[-40.0], [-39.0]], dtype=dtype)
    v = np.array([[1.0], [2.0]], dtype=dtype)
    want = (math.exp(-40.0) * 1.0 + 2.0) / (1.0 + math.exp(-40.0))
    np.testing.assert_allclose(cpu.attention(q, k, v), [[want]], rtol=1e-7 if dtype == np.float32 else 1e-15)
    np.testing.assert_allclose(ref.attention(q, k, v), [[want]], rtol=1e-7 if dtype == np.float32 else 1e-15)


def test_attention_kernel_keeps_the_keys_of_any_non_zero_mask_value():
    # the kernel's contract is the reference's: `mask` keeps the pairs where it is non-zero (ops.nn
    # refuses anything but 0 and 1 before it); read as "positive keeps", −1 hid its keys
    rng = np.random.default_rng(72)
    q, k, v = rng.standard_normal((2, 3)), rng.standard_normal((3, 3)), rng.standard_normal((3, 2))
    mask = np.array([[-1.0, 0.0, 2.0], [0.5, -3.0, 0.0]])
    np.testing.assert_allclose(cpu.attention(q, k, v, mask=mask), ref.attention(q, k, v, mask=mask), rtol=1e-12)


# ---------------------------------------------------------------- dense layer backward


def test_dense_backward_sums_db_in_float64_for_float32_data():
    # db = Σ over the batch of δ, summed in float64 and rounded once: 10⁸ and 64 ones in float32 are
    # 100000064 (a float32), where a float32 running sum stays at 10⁸ (10⁸ + 1 rounds back to 10⁸)
    x = np.zeros((65, 1), dtype=np.float32)
    w = np.ones((1, 1), dtype=np.float32)
    g = np.ones((65, 1), dtype=np.float32)
    g[0, 0] = 1e8
    _, db, _ = cpu.dense_backward(x, w, np.zeros(1, dtype=np.float32), g)
    assert db.dtype == np.float32
    assert db[0] == np.float32(100000064.0)


# ---------------------------------------------------------------- vexp.exp's overflow threshold


def test_vexp_exp_is_finite_up_to_its_overflow_threshold():
    # 709.782712893384 is the largest float64 whose eˣ is finite (1.797…e308); a threshold cut short
    # (709.78) or taken with ≥ gave inf at or just below it
    pytest.importorskip("numba")
    from numba import njit
    from mlcalc.kernels.cpu import vexp

    @njit
    def run(x, out):
        for i in range(x.shape[0]):
            out[i] = vexp.exp(x[i])

    x = np.array([709.781, 709.7827128933839, 709.782712893384, np.nextafter(709.782712893384, np.inf)])
    got = np.empty_like(x)
    run(x, got)
    with np.errstate(over="ignore"):
        want = np.exp(x)
    assert np.all(np.isfinite(got[:3])) and got[3] == np.inf
    assert np.all(np.abs(got[:3] - want[:3]) <= np.spacing(want[:3]))
