"""Every element-wise and reduction numba kernel against its NumPy reference, for the awkward shapes:
1×1, 1×n, n×1, non-square, non-contiguous, broadcasting, both dtypes."""

import numpy as np
import pytest

from mlcalc.kernels import reference as ref
from mlcalc.kernels.cpu import elementwise as ew
from mlcalc.kernels.cpu import reductions as red

DTYPES = [np.float64, np.float32]
BINARY = ["add", "sub", "hadamard"]


def _rng(seed=0):
    return np.random.default_rng(seed)


def _pairs(dt):
    """(a, b) operand pairs: same shape, broadcast rows/columns/scalars, strided views, long vectors."""
    r = _rng(1)
    m = r.standard_normal((5, 7)).astype(dt)
    big = r.standard_normal((40, 60)).astype(dt)
    long = r.standard_normal(100_003).astype(dt)  # several parallel chunks and a ragged tail
    return {
        "1x1": (m[:1, :1].copy(), m[1:2, 1:2].copy()),
        "1xn": (m[:1].copy(), m[1:2].copy()),
        "nx1": (m[:, :1].copy(), m[:, 1:2].copy()),
        "non-square": (m, m * 2),
        "vector": (m[0].copy(), m[1].copy()),
        "long vector": (long, long[::-1].copy()),
        "long row": (long.reshape(1, -1), long.reshape(1, -1) + 1),
        "row broadcast": (m, m[2].copy()),
        "row broadcast left": (m[2].copy(), m),
        "column broadcast": (m, m[:, 3:4].copy()),
        "outer broadcast": (m[:, :1].copy(), m[:1].copy()),
        "scalar right": (m, np.asarray(m[0, 0])),
        "scalar left": (np.asarray(m[0, 0]), m),
        "scalar 1x1 right": (m, m[:1, :1].copy()),
        "strided": (big[:39:3, ::4], big[1::3, 2::4]),
        "transposed": (big.T, big.T * 3),
        "strided with broadcast": (big[:39:3, ::4], big[0, 2::4]),
        "3-D": (r.standard_normal((2, 3, 4)).astype(dt), r.standard_normal((3, 1)).astype(dt)),
    }


@pytest.mark.parametrize("dt", DTYPES)
@pytest.mark.parametrize("op", BINARY)
def test_binary_ops_match_numpy_bit_for_bit(op, dt):
    for name, (a, b) in _pairs(dt).items():
        got, want = getattr(ew, op)(a, b), getattr(ref, op)(a, b)
        assert got.shape == want.shape and got.dtype == want.dtype, name
        np.testing.assert_array_equal(got, want, err_msg=name)


def test_binary_of_mixed_dtypes_has_numpys_result_type():
    a = np.ones((2, 3), dtype=np.float32)
    b = np.full((2, 3), 0.1)
    got = ew.add(a, b)
    assert got.dtype == np.float64
    np.testing.assert_array_equal(got, a + b)


def test_binary_with_empty_operand_gives_empty_result():
    assert ew.add(np.ones((0, 3)), np.ones(3)).shape == (0, 3)


def test_binary_propagates_nan_and_inf():
    a = np.array([np.nan, np.inf, -np.inf, 1.0])
    b = np.array([1.0, np.inf, np.inf, 0.0])
    with np.errstate(invalid="ignore"):
        for op in BINARY:
            np.testing.assert_array_equal(getattr(ew, op)(a, b), getattr(ref, op)(a, b))


@pytest.mark.parametrize("dt", DTYPES)
def test_scale_matches_numpy(dt):
    for name, (a, _) in _pairs(dt).items():
        a = np.asarray(a)
        got, want = ew.scale(a, -2.5), ref.scale(a, -2.5)
        assert got.dtype == want.dtype, name
        np.testing.assert_array_equal(got, want, err_msg=name)


@pytest.mark.parametrize("dt", DTYPES)
def test_transpose_matches_numpy(dt):
    r = _rng(2)
    for a in [r.standard_normal((1, 1)), r.standard_normal((1, 9)), r.standard_normal((9, 1)),
              r.standard_normal((33, 65)), r.standard_normal((70, 50))[::2, 1::3], r.standard_normal(5)]:
        a = a.astype(dt)
        got, want = ew.transpose(a), ref.transpose(a)
        np.testing.assert_array_equal(got, want)
        assert got.dtype == want.dtype


@pytest.mark.parametrize("dt", DTYPES)
def test_outer_matches_numpy(dt):
    r = _rng(3)
    for u, v in [(r.standard_normal(1), r.standard_normal(1)), (r.standard_normal(4), r.standard_normal(70_000)),
                 (r.standard_normal(30)[::2], r.standard_normal((3, 1))), (r.standard_normal((1, 6)), r.standard_normal(2))]:
        u, v = u.astype(dt), v.astype(dt)
        got, want = ew.outer(u, v), ref.outer(u, v)
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("dt", DTYPES)
@pytest.mark.parametrize("n", [1, 7, 8, 9, 1000, 100_003])
def test_dot_matches_numpy(dt, n):
    r = _rng(n)
    u, v = r.standard_normal(n).astype(dt), r.standard_normal(n).astype(dt)
    got = red.dot(u, v)
    exact = np.dot(u.astype(np.float64), v.astype(np.float64))
    assert np.asarray(got).dtype == dt
    tol = 1e-12 if dt is np.float64 else 1e-6
    assert abs(float(got) - exact) <= tol * max(1.0, float(np.abs(u.astype(np.float64) * v).sum()))


def test_dot_of_strided_and_column_vectors():
    r = _rng(9)
    x = r.standard_normal(3001)
    assert np.isclose(red.dot(x[:3000:3], x[1::3]), np.dot(x[:3000:3], x[1::3]), rtol=1e-12)
    assert np.isclose(red.dot(x[:50].reshape(-1, 1), x[50:100]), np.dot(x[:50], x[50:100]), rtol=1e-12)


def test_dot_counts_both_halves_the_odd_element_and_nan():
    # the kernel reads the two halves side by side and the last element of an odd length apart
    n = 2 * 40_000 + 1
    for where in (0, n // 2 - 1, n // 2, n - 2, n - 1):
        u, v = np.zeros(n), np.ones(n)
        u[where] = 3.0
        assert red.dot(u, v) == 3.0
        u[where] = np.nan
        assert np.isnan(red.dot(u, v))
    u = np.zeros(n)
    u[1], u[n - 1] = np.inf, -np.inf
    assert np.isnan(red.dot(u, np.ones(n)))


def test_dot_worked_example():
    assert red.dot(np.array([1.0, 2, 3]), np.array([4.0, 5, 6])) == 32.0


def test_warmup_runs():
    ew.warmup()
    red.warmup()


@pytest.mark.parametrize("dt", [np.float64, np.float32])
@pytest.mark.parametrize("offset", [0, 1, 3])
def test_results_larger_than_the_caches_are_streamed_and_exact(dt, offset):
    # from stream.STREAM_FROM_BYTES on, each chunk's line-aligned middle is written with streaming
    # stores: the result must not change, whatever the destination's alignment (offset elements
    # into a fresh buffer) and with ragged ends
    from mlcalc.kernels.cpu import nn, stream
    n = stream.STREAM_FROM_BYTES // np.dtype(dt).itemsize + 12345
    rng = np.random.default_rng(offset)
    a, b = rng.standard_normal(n).astype(dt), rng.standard_normal(n).astype(dt)
    out = np.full(n + offset, np.nan, dtype=dt)[offset:]
    for op, want in ((ew._ADD, a + b), (ew._SUB, a - b), (ew._MUL, a * b)):
        ew._binary_flat(a, b, out, op)
        assert np.array_equal(out, want)
    for op, want in ((ew._ADD, a + dt(2.5)), (ew._MUL, a * dt(2.5)), (ew._SUB, a - dt(2.5))):
        ew._binary_scalar(a, dt(2.5), out, op, False)
        assert np.array_equal(out, want)
    rows, orows = a[: n // 1000 * 1000].reshape(-1, 1000), out[: n // 1000 * 1000].reshape(-1, 1000)
    nn._bias_activation(rows, np.zeros(1000, dtype=dt), orows, nn._code("relu"), 0.01)
    assert np.array_equal(orows, np.maximum(rows, 0))
    assert np.array_equal(nn.activation(a, "relu"), np.maximum(a, 0))
    # the streamed rows of the sigmoids, tanh and gelu run in groups that ask for their input ahead:
    # the same values, bit for bit, as the in-place pass (one loop a row), with a bias, NaN and ±inf
    rows[3, [0, 7, 500, 999]] = [np.nan, np.inf, -np.inf, np.nan]
    bias = rng.standard_normal(1000).astype(dt)
    for code in (nn.SIGMOID, nn.SWISH, nn.TANH, nn.GELU, nn.GELU_TANH):
        nn._bias_activation(rows, bias, orows, code, 0.01)
        want = rows.copy()
        nn._bias_activation(want, bias, want, code, 0.01)
        assert np.array_equal(orows, want, equal_nan=True), code
