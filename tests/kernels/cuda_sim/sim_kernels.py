"""Every CUDA kernel against the NumPy reference, run on numba's CUDA simulator.

Not collected by the main test run (the name does not start with test_): tests/kernels/test_cuda_sim.py
runs this file in a subprocess with NUMBA_ENABLE_CUDASIM=1, which numba reads once at import, so
the rest of the suite never sees the simulator. Shapes stay ≤ 32: the simulator runs each CUDA
thread as a Python thread. They include 1×1, shapes that are not multiples of the tiles, and
(with a 16×16 GEMM tile) grids of several blocks.
"""

import math

import numpy as np
import pytest

from mlcalc.kernels.cuda import simulated

if not simulated():
    pytest.skip("needs NUMBA_ENABLE_CUDASIM=1 (see tests/kernels/test_cuda_sim.py)", allow_module_level=True)

import sys  # noqa: E402
import threading  # noqa: E402
import traceback  # noqa: E402

from numba.core import types  # noqa: E402
from numba.cuda.simulator import kernelapi  # noqa: E402
from numba.np import numpy_support  # noqa: E402

_unlocked_shared_array = kernelapi.FakeCUDAShared.array
_shared_lock = threading.Lock()


def _shared_array(self, shape, dtype):
    """numba's FakeCUDAShared.array with its check-then-create under a lock. The simulator runs a
    block's threads as Python threads and creates the block's shared array at the first call without
    one, so two threads can each make their own and one thread's writes are lost (seen once in a CI
    run: an l1 norm of 45 floats came out 24.96 instead of 30.31). Keyed by the calling line as the
    original is; this frame is called by the kernel itself, so stack[-2] is still that line."""
    if shape == 0:  # dynamic shared memory: one preallocated buffer, no race
        return _unlocked_shared_array(self, shape, dtype)
    if isinstance(dtype, types.Type):
        dtype = numpy_support.as_dtype(dtype)
    caller = traceback.extract_stack(sys._getframe())[-2][0:2]
    with _shared_lock:
        res = self._allocations.get(caller)
        if res is None:
            res = self._allocations[caller] = np.empty(shape, dtype)
    return res


kernelapi.FakeCUDAShared.array = _shared_array

from mlcalc.errors import MlcalcError  # noqa: E402
from mlcalc.kernels import reference as ref  # noqa: E402
from mlcalc.kernels.cuda import elementwise, gemm, nn, reductions  # noqa: E402

# the simulator squares NumPy scalars, which warn on overflow where a GPU just gives inf
pytestmark = pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")

DTYPES = (np.float32, np.float64)
SMALL_TILE = (16, 16, 4, 4, 4)  # 16 threads: several blocks even for shapes ≤ 32
ACTS = ("relu", "leaky-relu", "sigmoid", "tanh", "swish", "gelu")


def close(got, want, dtype):
    assert got.dtype == np.dtype(dtype), (got.dtype, dtype)
    assert got.shape == np.shape(want), (got.shape, np.shape(want))
    tol = 2e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol)


def rand(rng, shape, dtype):
    return rng.standard_normal(shape).astype(dtype)


@pytest.fixture
def rng():
    return np.random.default_rng(7)


# --- GEMM ---

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("m,k,n", [(1, 1, 1), (3, 7, 2), (17, 9, 20), (32, 32, 32)])
def test_matmul_full_tile_matches_numpy(rng, m, k, n, dtype):
    a, b = rand(rng, (m, k), dtype), rand(rng, (k, n), dtype)
    close(gemm.matmul(a, b), a @ b, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("m,k,n", [(1, 1, 1), (1, 5, 31), (31, 3, 1), (17, 33, 20)])
def test_matmul_small_tile_over_several_blocks_matches_numpy(rng, m, k, n, dtype):
    a, b = rand(rng, (m, k), dtype), rand(rng, (k, n), dtype)
    close(gemm.matmul(a, b, tile=SMALL_TILE), a @ b, dtype)


@pytest.mark.parametrize("max_grid", [1, 2])
def test_matmul_with_a_capped_grid_walks_the_remaining_tiles(rng, max_grid):
    # a real grid holds at most 65535 blocks along y (m > 8.4 million rows): blocks loop over the rest
    a, b = rand(rng, (70, 9), np.float64), rand(rng, (9, 37), np.float64)
    close(gemm.matmul(a, b, tile=SMALL_TILE, max_grid=max_grid), a @ b, np.float64)


def test_matmul_treats_vectors_as_numpy_at_does(rng):
    a, v = rand(rng, (5, 3), np.float64), rand(rng, (3,), np.float64)
    u = rand(rng, (5,), np.float64)
    close(gemm.matmul(a, v), a @ v, np.float64)
    close(gemm.matmul(u, a), u @ a, np.float64)
    got = gemm.matmul(v, v)
    assert np.ndim(got) == 0 and math.isclose(got, v @ v, rel_tol=1e-12)


def test_matmul_of_non_contiguous_and_mixed_dtype_operands(rng):
    a = rand(rng, (6, 5), np.float64).T  # a transposed view
    b = rand(rng, (6, 4), np.float32)
    close(gemm.matmul(a, b), a @ b.astype(np.float64), np.float64)


@pytest.mark.parametrize("dtype", DTYPES)
def test_gemm_epilogue_with_transposed_b_bias_scale_and_activation(rng, dtype):
    cuda = gemm.cuda
    x, w, bias = rand(rng, (19, 6), dtype), rand(rng, (21, 6), dtype), rand(rng, (21,), dtype)
    out = cuda.device_array((19, 21), dtype)
    gemm.launch(cuda.to_device(x), cuda.to_device(w), out, bias_d=cuda.to_device(bias), trans_b=True,
                act="tanh", scale=0.5, tile=SMALL_TILE)
    close(out.copy_to_host(), np.tanh(0.5 * (x @ w.T) + bias), dtype)


# --- element-wise ---

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("op", ["add", "sub", "hadamard"])
@pytest.mark.parametrize("sa,sb", [((1, 1), (1, 1)), ((5, 7), (5, 7)), ((5, 7), (7,)), ((5, 1), (1, 7)), ((), (3, 2))])
def test_binary_ops_broadcast_as_numpy(rng, op, sa, sb, dtype):
    a, b = rand(rng, sa, dtype), rand(rng, sb, dtype)
    close(getattr(elementwise, op)(a, b), getattr(ref, op)(a, b), dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_scale(rng, dtype):
    a = rand(rng, (9, 4), dtype)
    close(elementwise.scale(a, -2.5), ref.scale(a, -2.5), dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("fn", ACTS)
def test_activations_match_the_reference(rng, fn, dtype):
    x = np.concatenate([rand(rng, 20, dtype) * 4, np.array([0, -0.0, 50, -50, 800, -800], dtype)])
    close(elementwise.activation(x, fn, alpha=0.1), ref.activation(x, fn, alpha=0.1), dtype)


def test_gelu_tanh_form(rng):
    x = rand(rng, (3, 11), np.float64) * 3
    close(elementwise.activation(x, "gelu", approx="tanh"), ref.activation(x, "gelu", approx="tanh"), np.float64)


@pytest.mark.parametrize("fn", ACTS)
def test_activations_carry_nan_through(fn):
    got = elementwise.activation(np.array([np.nan, 1.0]), fn)
    assert np.isnan(got[0])


def test_relu_of_minus_infinity_is_zero():
    # 0·z made it NaN; negative inputs give +0, as np.maximum(z, 0)
    got = elementwise.activation(np.array([-np.inf, -1.0, 2.0, np.inf]), "relu")
    np.testing.assert_array_equal(got, [0.0, 0.0, 2.0, np.inf])
    assert not np.signbit(got[:2]).any()
    np.testing.assert_array_equal(nn.dense_forward(np.array([[-np.inf]]), np.array([[1.0]]), None, "relu"), [[0.0]])


# --- reductions ---

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("size", [1, 7, 300])  # 300 > threads × blocks: the grid-stride loop goes round
def test_sum_and_l2_match_numpy(rng, size, dtype):
    x = rand(rng, size, dtype)
    got = reductions.total(x)
    assert got.dtype == dtype and math.isclose(got, x.sum(dtype=np.float64), rel_tol=1e-5 if dtype == np.float32 else 1e-12)
    close(np.asarray(reductions.l2(x)), ref.norm(x), dtype)


def test_l2_norm_of_3_4_is_5():
    assert reductions.l2(np.array([3.0, 4.0])) == 5.0


@pytest.mark.parametrize("x,want", [([1e200, 1e200], math.sqrt(2) * 1e200), ([1e-200, 1e-200], math.sqrt(2) * 1e-200),
                                    ([0.0, 0.0], 0.0), ([1.0, np.inf], np.inf), ([np.inf, np.nan], np.nan),
                                    # subnormals (2^1073 overflowed as a scale) and a norm beyond the range
                                    ([1e-310, 1e-310], math.sqrt(2) * 1e-310), ([5e-324], 5e-324),
                                    ([1.7e308, 1.7e308], np.inf)])
def test_l2_norm_neither_overflows_nor_underflows(x, want):
    got = reductions.l2(np.array(x))
    assert (math.isnan(got) and math.isnan(want)) or math.isclose(got, want, rel_tol=1e-15)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("ord", ["l1", "l2", "inf"])
def test_vector_norms_match_the_reference(rng, ord, dtype):
    v = rand(rng, 45, dtype)
    close(np.asarray(reductions.norm(v, ord)), np.asarray(ref.norm(v, ord)), dtype)


def test_worked_example_norms_of_1_minus2_3():
    v = np.array([1.0, -2.0, 3.0])
    assert reductions.norm(v, "l1") == 6.0 and math.isclose(reductions.norm(v), math.sqrt(14), rel_tol=1e-15)


def test_frobenius_norm_of_a_matrix(rng):
    a = rand(rng, (7, 9), np.float64)
    close(np.asarray(reductions.norm(a)), np.asarray(ref.norm(a)), np.float64)


def test_matrix_norms_without_a_cuda_kernel_are_an_error(rng):
    with pytest.raises(MlcalcError, match="not available with --device cuda"):
        reductions.norm(rand(rng, (3, 3), np.float64), "nuc")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(1, 1), (3, 40), (5,)])
def test_softmax_rows_match_the_reference(rng, shape, dtype):
    x = rand(rng, shape, dtype) * 5
    close(reductions.softmax(x), ref.softmax(x), dtype)


def test_softmax_is_stable_for_large_logits():
    got = reductions.softmax(np.array([[1000.0, 1001.0, 1002.0]]))
    close(got, ref.softmax(np.array([[0.0, 1.0, 2.0]])), np.float64)


# --- neural-network blocks ---

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("fn", [None, "relu", "softmax", "gelu"])
def test_dense_forward_matches_the_reference(rng, fn, dtype):
    x, w, b = rand(rng, (6, 5), dtype), rand(rng, (9, 5), dtype), rand(rng, (9,), dtype)
    close(nn.dense_forward(x, w, b, fn), ref.dense_forward(x, w, b, fn), dtype)


def test_dense_forward_of_one_vector_without_bias(rng):
    x, w = rand(rng, (5,), np.float64), rand(rng, (3, 5), np.float64)
    close(nn.dense_forward(x, w, None, "sigmoid"), ref.dense_forward(x, w, None, "sigmoid"), np.float64)


@pytest.mark.parametrize("causal,dtype", [(False, np.float64), (True, np.float32)])
def test_attention_matches_the_reference(rng, causal, dtype):
    q, k, v = rand(rng, (5, 4), dtype), rand(rng, (7, 4), dtype), rand(rng, (7, 3), dtype)
    close(nn.attention(q, k, v, causal=causal), ref.attention(q, k, v, causal=causal), dtype)


def test_attention_with_a_mask(rng):
    q, k, v = rand(rng, (3, 4), np.float64), rand(rng, (6, 4), np.float64), rand(rng, (6, 2), np.float64)
    mask = (rng.random((3, 6)) > 0.4).astype(np.float64)
    mask[:, 0] = 1  # every query keeps a key
    close(nn.attention(q, k, v, mask=mask), ref.attention(q, k, v, mask=mask), np.float64)


# --- pinned edges (mutation round 9) ---

def test_dense_forward_leaky_relu_uses_its_alpha_once(rng):
    # leaky-relu is fused in GEMM's epilogue: a second element-wise launch applied it twice (α² on
    # negatives), and a dense_forward that did not pass alpha on used the default 0.01
    x, w, b = rand(rng, (6, 5), np.float64), rand(rng, (9, 5), np.float64), rand(rng, (9,), np.float64)
    want = ref.dense_forward(x, w, b, "leaky-relu", alpha=0.2)
    assert (want < 0).any()
    close(nn.dense_forward(x, w, b, "leaky-relu", alpha=0.2), want, np.float64)


def test_dense_forward_gelu_tanh_form(rng):
    # approx="tanh" must reach the GEMM's activation (the exact gelu differs by ~1e-4)
    x, w, b = rand(rng, (4, 5), np.float64), rand(rng, (7, 5), np.float64), rand(rng, (7,), np.float64)
    close(nn.dense_forward(x, w, b, "gelu", approx="tanh"), ref.dense_forward(x, w, b, "gelu", approx="tanh"), np.float64)


def test_attention_mask_keeps_every_non_zero_entry_negative_ones_too():
    # "keeps the pairs where it is non-zero": a -1 keeps its key, as the reference does (mask > 0 hid it)
    q, k, v = np.array([[1.0, 0.0]]), np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([[1.0], [3.0]])
    mask = np.array([[1.0, -1.0]])
    got = nn.attention(q, k, v, mask=mask)
    close(got, ref.attention(q, k, v, mask=mask), np.float64)
    assert got[0, 0] > 1.5  # the second key's value counts


def test_causal_softmax_row_max_skips_hidden_entries():
    # the row max must be taken over the visible entries only: a hidden score of 1000 as the max
    # made every visible e^(x − max) underflow to 0, and the row 0/0 = NaN
    q, k, v = np.array([[1.0], [1.0]]), np.array([[0.0], [1000.0]]), np.array([[2.0], [5.0]])
    got = nn.attention(q, k, v, causal=True)
    np.testing.assert_array_equal(got, [[2.0], [5.0]])


def test_float32_l2_norm_squares_in_float64():
    # a float32 input's squares are taken in float64: (1e20)² overflowed float32 to inf
    got = reductions.l2(np.array([1e20, 1e20], np.float32))
    assert got.dtype == np.float32 and math.isclose(got, math.sqrt(2) * 1e20, rel_tol=1e-6)
    assert math.isclose(reductions.norm(np.array([3e19, 4e19], np.float32), "l2"), 5e19, rel_tol=1e-6)


@pytest.mark.parametrize("x", [[np.nan, 1.0], [1.0] * 40 + [np.nan]])  # one block; the NaN in the second block
def test_inf_norm_carries_nan(x):
    # the max lets NaN win, in each block's tree and in the combine across blocks (CUDA's fmax drops it)
    assert math.isnan(reductions.norm(np.array(x), "inf"))


def test_relu_of_minus_zero_is_plus_zero():
    # np.maximum(-0.0, 0) is +0.0: relu must not pass −0.0 through
    got = elementwise.activation(np.array([-0.0, 0.0, -1.0]), "relu")
    np.testing.assert_array_equal(got, [0.0, 0.0, 0.0])
    assert not np.signbit(got).any()


def test_gelu_keeps_its_negative_tail():
    # z·Φ(z) with Φ = ½·erfc(−z/√2): ½·(1 + erf(z/√2)) loses the tail (gelu(−9) came out 0)
    x = np.array([-8.0, -9.0, -12.0])
    got = elementwise.activation(x, "gelu")
    want = ref.activation(x, "gelu")
    assert (want < 0).all()
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=0)


def test_l2_norm_whose_squares_are_subnormal_is_rescaled():
    # Σ x² = 2.5e-319 is a subnormal with ~5 digits: √ of it is not the norm to 15 digits; below
    # n·2⁻¹⁰⁰⁰ the elements are rescaled first (the test was sumsq > 0)
    assert math.isclose(reductions.l2(np.array([3e-160, 4e-160])), 5e-160, rel_tol=1e-15)


# --- views, non-finite values and edge rows (a test-matrix audit found these cells untested) ---

def _views(rng, dtype):
    """A transposed, a strided and a reversed view, each (4, 5)."""
    base = rand(rng, (5, 4), dtype)
    wide = rand(rng, (4, 10), dtype)
    tall = rand(rng, (4, 5), dtype)
    return {"transposed": base.T, "strided": wide[:, ::2], "reversed": tall[::-1, ::-1]}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("view", ["transposed", "strided", "reversed"])
def test_element_wise_kernels_read_views_as_numpy(rng, view, dtype):
    a, b = _views(rng, dtype)[view], rand(rng, (4, 5), dtype)
    for op in ("add", "sub", "hadamard"):
        close(getattr(elementwise, op)(a, b), getattr(ref, op)(a, b), dtype)
        close(getattr(elementwise, op)(b, a), getattr(ref, op)(b, a), dtype)
    close(elementwise.scale(a, 3.0), ref.scale(a, 3.0), dtype)
    close(elementwise.activation(a, "swish"), ref.activation(a, "swish"), dtype)
    close(reductions.softmax(a), ref.softmax(a), dtype)
    close(gemm.matmul(a, b.T), a @ b.T, dtype)


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")  # a GPU gives NaN quietly
def test_non_finite_values_go_through_as_numpy_carries_them():
    a = np.array([[np.inf, np.nan, 1.0], [-np.inf, 0.0, 2.0]])
    b = np.array([[np.inf, 1.0, np.inf], [np.inf, np.inf, 0.0]])
    with np.errstate(invalid="ignore"):
        for op in ("add", "sub", "hadamard"):
            np.testing.assert_array_equal(getattr(elementwise, op)(a, b), getattr(ref, op)(a, b))
        np.testing.assert_array_equal(elementwise.scale(a, 0.0), a * 0.0)  # inf·0 and nan·0: NaN
        want = np.array([[0.0, np.inf]]) @ np.array([[1.0], [0.0]])  # inf·0 in a product: NaN
        np.testing.assert_array_equal(gemm.matmul(np.array([[0.0, np.inf]]), np.array([[1.0], [0.0]])), want)


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")  # a GPU gives NaN quietly
@pytest.mark.parametrize("dtype", DTYPES)
def test_softmax_of_a_column_and_of_a_row_of_minus_infinity(dtype):
    close(reductions.softmax(np.array([[1.0], [2.0], [-3.0]], dtype)), np.ones((3, 1), dtype), dtype)
    got = reductions.softmax(np.array([[-np.inf, -np.inf], [0.0, -np.inf]], dtype))
    with np.errstate(invalid="ignore"):
        want = ref.softmax(np.array([[-np.inf, -np.inf], [0.0, -np.inf]], dtype))
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("size", [7e9, 1e15])
def test_float32_attention_keeps_huge_scores_finite(size):
    # d = 2: the scale rounds; the CPU kernel once took its maximum before the float32 rounding (NaN)
    q = np.array([[size, 0.0]], np.float32)
    k = np.array([[1.0, 0.0], [0.5, 0.0], [0.0, 1.0]], np.float32)
    v = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], np.float32)
    close(nn.attention(q, k, v), np.array([[1.0, 2.0]], np.float32), np.float32)
