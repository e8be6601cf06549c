"""Behaviour of the numba kernels (kernels/cpu: reductions, echelon, distance, elementwise, linreg, lu,
norms) that a mutation audit of the kernel files showed no test pinned: each test fails if the rule it
names is broken (float64 accumulation of float32 products, the result dtype of mixed operands, a user
tolerance reaching the kernel, NaN in a Chebyshev maximum, ...)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mlcalc.kernels import reference
from mlcalc.ops import core, linalg, systems


# ---------------------------------------------------------------- reductions (dot)


def test_dot_of_float32_vectors_multiplies_in_float64():
    # the products are taken in float64 before they are summed: (1+2⁻¹²)² rounded in float32 loses
    # its 2⁻²⁴, and (1+2⁻¹²)² − 1 came out 2⁻¹¹ instead of 2⁻¹¹ + 2⁻²⁴ (exact in float32)
    from mlcalc.kernels.cpu import reductions
    u = np.array([1 + 2.0 ** -12, 1.0], dtype=np.float32)
    v = np.array([1 + 2.0 ** -12, -1.0], dtype=np.float32)
    got = reductions.dot(u, v)
    assert got.dtype == np.float32
    assert got == np.float32(2.0 ** -11 + 2.0 ** -24)


def test_dot_of_float32_and_float64_is_float64_on_numba():
    # the result dtype is NumPy's promotion of both operands, not the first one's
    u, v = np.array([3.0], dtype=np.float32), np.array([0.1])
    got = core.dot(u, v, engine="numba")
    assert got.dtype == np.float64
    assert got == core.dot(u, v, engine="numpy") == 3.0 * 0.1


# ---------------------------------------------------------------- echelon (rref)


@pytest.mark.parametrize("engine", ["numpy", "numba"])
def test_rref_honours_the_given_tolerance_on_both_engines(engine):
    # --tol reaches the numba kernel: a pivot of 0.5 is zero under tol 0.5 (|x| ≤ tol), kept under 0.4;
    # the default tolerance (≈ 1e-15) would keep it either way
    a = np.array([[1.0, 2.0], [0.0, 0.5]])
    np.testing.assert_array_equal(systems.rref(a, tol=0.5, engine=engine), [[1.0, 2.0], [0.0, 0.0]])
    np.testing.assert_array_equal(systems.rref(a, tol=0.4, engine=engine), [[1.0, 0.0], [0.0, 1.0]])


# ---------------------------------------------------------------- distance


@pytest.mark.parametrize("engine", ["numpy", "numba"])
def test_chebyshev_distance_keeps_a_nan_that_comes_before_larger_differences(engine):
    # max|aᵢ − bᵢ| propagates NaN as NumPy's max does, wherever the NaN sits (a plain `d > acc` drops it)
    a, b = np.array([1.0, np.nan, 2.0, 5.0, -3.0]), np.zeros(5)
    assert math.isnan(linalg.dist(a, b, "chebyshev", engine=engine))
    got = linalg.dist(np.array([[1.0, np.nan, 7.0], [3.0, -4.0, 0.0]]), np.zeros((1, 3)), "chebyshev", engine=engine)
    assert math.isnan(got[0, 0]) and got[1, 0] == 4.0


# ---------------------------------------------------------------- norms: Blue's scaled pass and max|x|

# entries on both sides of Blue's thresholds (2^486 above, 2^-511 below): the scaled pass must add the
# medium range to the big or small one, and keep a NaN found among the medium entries
MIXED_RANGES = [[2.0 ** 520, 2.0 ** 485], [2.0 ** -510, 2.0 ** -512]]


@pytest.mark.parametrize("v", MIXED_RANGES, ids=["big+medium", "small+medium"])
def test_l2_of_entries_in_two_of_blues_ranges(v):
    from mlcalc.kernels.cpu import norms
    v = np.array(v)
    want = math.hypot(*v)  # 2^520 (its square overflows: the scaled pass) and 2^-512·√17
    assert math.isclose(norms.norm(v, "l2"), want, rel_tol=1e-15)
    tiled = np.tile(v, (3, 40))  # rows of 80 (the long-row kernel) and 3-row columns
    np.testing.assert_allclose(norms.norm(tiled, "l2", "rows"), math.sqrt(40) * want, rtol=1e-15)
    np.testing.assert_allclose(norms.norm(v[:, None], "l2", "cols"), [want], rtol=1e-15)
    np.testing.assert_allclose(norms.norm(v[None, :], "l2", "rows"), [want], rtol=1e-15)


@pytest.mark.parametrize("big", [2.0 ** 500, 1e-300], ids=["big", "small"])
def test_l2_keeps_a_nan_beside_entries_that_need_the_scaled_pass(big):
    from mlcalc.kernels.cpu import norms
    v = np.array([big, np.nan, 1.0])
    assert math.isnan(norms.norm(v, "l2"))
    assert np.isnan(norms.norm(v[None, :], "l2", "rows")).all()
    assert np.isnan(norms.norm(v[:, None], "l2", "cols")).all()
    assert math.isnan(linalg.dist(v, np.zeros(3), "euclidean", engine="numba"))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_max_abs_is_exact_to_the_last_bit(dtype):
    # max|x| is an integer max of the bit patterns with only the sign bit cleared: an entry whose last
    # mantissa bit is set keeps it (1 + 1 ulp, not 1)
    from mlcalc.kernels.cpu import norms
    one_up = np.nextafter(dtype(1), dtype(2))
    v = np.array([0.5, -one_up, 1.0], dtype=dtype)
    assert norms.norm(v, "inf") == one_up
    a = np.array([[0.5, -one_up], [1.0, 0.25]], dtype=dtype)
    np.testing.assert_array_equal(norms.norm(a, "inf", "rows"), np.array([one_up, 1.0], dtype=dtype))
    np.testing.assert_array_equal(norms.norm(a, "inf", "cols"), np.array([1.0, one_up], dtype=dtype))
    rng = np.random.default_rng(11)
    x = rng.standard_normal((300, 70)).astype(dtype)
    np.testing.assert_array_equal(norms.norm(x, "inf", "rows"), np.abs(x).max(axis=1))
    np.testing.assert_array_equal(norms.norm(x, "inf", "cols"), np.abs(x).max(axis=0))
    assert norms.norm(x.reshape(-1), "inf") == np.abs(x).max()


@pytest.mark.parametrize("metric", ["euclidean", "manhattan", "chebyshev", "cosine"])
def test_distance_of_float32_and_float64_operands_is_float64(metric):
    # the result dtype is the promotion of both operands (as the reference's), not A's alone
    a, b = np.array([[0.1, 0.2], [1.0, 2.0]], dtype=np.float32), np.array([[0.3, 0.7]])
    got, want = linalg.dist(a, b, metric, engine="numba"), linalg.dist(a, b, metric, engine="numpy")
    assert got.dtype == want.dtype == np.float64
    np.testing.assert_allclose(got, want, rtol=1e-12)
    got, want = linalg.dist(a[0], b[0], metric, engine="numba"), linalg.dist(a[0], b[0], metric, engine="numpy")
    assert got.dtype == np.float64 and got == pytest.approx(want, rel=1e-12)


# ---------------------------------------------------------------- elementwise


def test_scale_of_float32_casts_k_to_float32_first():
    # k·A in A's dtype with k cast first (the reference's rule): float32(0.1)·9 rounds to another float32
    # than float64(0.1)·9 does, for many of the integers 1..240
    x = np.arange(1, 241, dtype=np.float32)
    want = x * np.float32(0.1)
    for a in (x, x.reshape(3, -1)[:, ::2], x.reshape(-1, 1)):  # contiguous, strided, a column
        got = core.scale(a, 0.1, engine="numba")
        assert got.dtype == np.float32
        np.testing.assert_array_equal(got, core.scale(a, 0.1, engine="numpy"))
    np.testing.assert_array_equal(core.scale(x, 0.1, engine="numba"), want)


# ---------------------------------------------------------------- linear-regression training kernel


def _big_regression(n, p, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, p)) * 2 + 30  # a common offset: the statistics sum about the first row
    y = x @ rng.standard_normal(p) + 0.5 + rng.standard_normal(n)
    return x, y


@pytest.mark.parametrize("name", ["sgd", "adam"])
def test_full_batch_epochs_on_the_parallel_gradient_path_match_the_reference(name):
    # a batch of 16384 rows or more splits its gradient over chunks of 4096 rows (the last one partial):
    # θ, the loss (the mean of the squared residuals) and the MSE must be the serial reference's
    from mlcalc.kernels.cpu.linreg import EpochRunner
    from mlcalc.train import reference as train_ref
    from mlcalc.train.optimizers import CODES, Optimizer
    x, y = _big_regression(16384 + 4096 + 7, 3, 1)
    runner = EpochRunner(x, y, CODES[name], 1e-3, 0.0, 0.0, 0, True)
    opt = Optimizer(name, 1e-3, 4)
    th_k, th_r = np.zeros(4), np.zeros(4)
    for _ in range(3):
        lk = runner.epoch(th_k, None, x.shape[0])
        lr_ = train_ref.epoch(x, y, th_r, opt, None, x.shape[0], 0.0, 0.0, 0, True)
        assert lk == pytest.approx(lr_, rel=1e-12)
        np.testing.assert_allclose(th_k, th_r, rtol=1e-11, atol=1e-14)
    assert runner.mse(th_k) == pytest.approx(train_ref.mse(x, y, th_r), rel=1e-12)
    r = x @ th_k[:-1] + th_k[-1] - y
    assert runner.mse(th_k) == pytest.approx(float(r @ r) / x.shape[0], rel=1e-12)


def test_column_statistics_see_every_chunk_of_rows():
    # the means and variances are summed in chunks of 4096 rows: a row past the last full chunk counts
    from mlcalc.kernels.cpu.linreg import shuffled_standardized
    x, y = _big_regression(2 * 4096 + 1, 2, 2)
    x[-1] += 500.0  # the last row, alone in its chunk, stands out
    y[-1] -= 500.0
    perm = np.arange(x.shape[0])
    xs, ys, mu, sigma, my, sy = shuffled_standardized(x, y, perm, True)
    np.testing.assert_allclose(mu, x.mean(0), rtol=1e-13)
    np.testing.assert_allclose(sigma, x.std(0), rtol=1e-10)
    assert my == pytest.approx(y.mean(), rel=1e-13) and sy == pytest.approx(y.std(), rel=1e-10)
    np.testing.assert_allclose(xs, (x - x.mean(0)) / x.std(0), rtol=1e-8, atol=1e-9)


@pytest.mark.parametrize("engine", ["numpy", "numba"])
def test_cosine_distance_spans_0_to_2(engine):
    # opposite vectors are at distance 2 (not clipped to 1); parallel rows are at 0, never at the
    # −2.2e-16 that 1 − (â·b̂) gives when the unit rows' product rounds to 1.0000000000000002
    assert linalg.dist(np.array([1.0, 0.0]), np.array([-1.0, 0.0]), "cosine", engine=engine) == 2.0
    np.testing.assert_array_equal(linalg.dist(np.array([[1.0, 0.0], [0.0, 3.0]]), np.array([[-2.0, 0.0]]), "cosine",
                                              engine=engine), [[2.0], [1.0]])
    got = linalg.dist(np.array([[1.0, 1.0, 1.0], [1.0, 1.0, 2.0]]), np.array([[2.0, 2.0, 2.0], [2.0, 2.0, 4.0]]),
                      "cosine", engine=engine)
    assert got[0, 0] == 0.0 and got[1, 1] == 0.0 and (got >= 0).all()


# ---------------------------------------------------------------- LU


def test_lu_pivot_ties_keep_the_first_row():
    # partial pivoting takes the first largest |entry| (LAPACK's idamax): |1| = |−1| keeps row 0
    from mlcalc.kernels.cpu import lu
    from mlcalc.kernels.reference import systems as ref
    a = np.array([[1.0, 2.0], [-1.0, 3.0]])
    lu_k, perm_k, info_k = lu.lu_factor(a)
    lu_r, perm_r, info_r = ref.lu_factor(a)
    np.testing.assert_array_equal(perm_k, [0, 1])
    np.testing.assert_array_equal(perm_k, perm_r)
    np.testing.assert_array_equal(lu_k, [[1.0, 2.0], [-1.0, 5.0]])
    assert info_k == info_r == -1


def test_lu_reports_the_first_zero_pivot_of_several():
    # info is the first zero-pivot column (LAPACK's getrf), not the last: columns 0 and 1 are zero here
    # (the CLI names the column from exact arithmetic for a small A, so this is the kernel's own rule)
    from mlcalc.kernels.cpu import lu
    from mlcalc.kernels.reference import systems as ref
    a = np.zeros((3, 3))
    a[2, 2] = 1.0
    assert lu.lu_factor(a)[2] == ref.lu_factor(a)[2] == 0
    with pytest.raises(ref.SingularMatrix) as e:
        lu.inv(a)
    assert e.value.column == 0


def test_blocked_lu_reports_the_first_zero_pivot_not_a_later_panels(monkeypatch):
    # the blocked factorisation keeps the first panel's zero pivot when a later panel has one too
    from mlcalc.kernels.cpu import lu
    from mlcalc.kernels.reference import systems as ref
    monkeypatch.setattr(lu, "BLOCK_FROM", 8)
    monkeypatch.setattr(lu, "NB", 4)
    a = np.random.default_rng(0).standard_normal((10, 10))
    a[:, 1] = 0.0
    a[:, 6] = 0.0
    assert lu.lu_factor(a)[2] == ref.lu_factor(a)[2] == 1
    with pytest.raises(ref.SingularMatrix) as e:
        lu.solve(a, np.ones(10))
    assert e.value.column == 1


def test_scale_of_a_non_contiguous_array_of_more_than_two_dimensions():
    # neither C-contiguous nor 2-D: a contiguous copy is scaled (multiplied, as every other layout)
    from mlcalc.kernels.cpu import elementwise
    a = np.arange(24.0).reshape(2, 3, 4).transpose(2, 0, 1)
    got = elementwise.scale(a, 3)
    assert got.shape == (4, 2, 3)
    np.testing.assert_array_equal(got, a * 3)


def test_condition_estimate_takes_highams_alternating_vector_when_it_is_larger():
    # A = [[2, 1], [0, 2]], A⁻¹ = [[1/2, −1/4], [0, 1/2]], ‖A‖₁ = 3, ‖A⁻¹‖₁ = 3/4. Hager's iteration
    # stops at ‖A⁻¹e₁‖₁ = 1/2; Higham's vector x = (1, −2) gives A⁻¹x = (1, −1) and 2·‖A⁻¹x‖₁/(3n) = 2/3,
    # so κ₁ ≈ 3·2/3 = 2 (the exact κ₁ is 9/4)
    from mlcalc.kernels.cpu import lu
    a = np.array([[2.0, 1.0], [0.0, 2.0]])
    for cond in (lu.inv(a)[1], lu.solve(a, np.ones(2))[1], lu.det(a)[2]):
        assert cond == pytest.approx(2.0, rel=1e-14)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_max_abs_of_long_rows_counts_the_rows_after_the_four_quarters(dtype):
    # rows of 64 columns or more are read in four quarters of each block; a block of 7 rows leaves
    # rows 4, 5, 6 to the tail loop. A first call with other values makes sure that the last row's
    # result is computed, not left over in a reused buffer
    from mlcalc.kernels.cpu import norms
    rng = np.random.default_rng(5)
    for top in (3.0, 99.0):
        a = rng.uniform(-1, 1, (7, 64)).astype(dtype)
        a[6, 63] = -top
        got = norms.norm(a, "inf", "rows")
        np.testing.assert_array_equal(got, np.abs(a).max(axis=1))
        assert got[6] == top


def test_norm_without_ord_is_frobenius_for_a_matrix_and_l2_for_a_vector():
    # the kernel's defaults are the reference's (mlcalc.kernels.reference.norm)
    from mlcalc.kernels.cpu import norms
    a = np.array([[1.0, -2.0], [2.0, 4.0]])  # Frobenius 5; l1 6, inf 6
    assert norms.norm(a) == 5.0 == reference.norm(a)
    assert norms.norm(np.array([3.0, -4.0])) == 5.0 == reference.norm(np.array([3.0, -4.0]))
    np.testing.assert_array_equal(norms.norm(a, axis="rows"), reference.norm(a, axis="rows"))


@pytest.mark.parametrize("shape", [(257, 4), (1025, 8), (2001, 2)])
def test_rows_summed_by_halving_reach_the_last_row_when_tasks_do_not_divide_them(shape):
    # rows of 2-32 columns are shared among tasks of ⌈m/ntasks⌉ rows: 257 rows over 2 tasks leave row
    # 256 to the second. Two calls with other values: the last row is computed, not left over
    from mlcalc.kernels.cpu import norms
    rng = np.random.default_rng(shape[0])
    for last in (2.0, 50.0):
        a = rng.standard_normal(shape)
        a[-1] = last
        for kind in ("l1", "l2"):
            got = norms.norm(a, kind, "rows")
            np.testing.assert_allclose(got, reference.norm(a, kind, "rows"), rtol=1e-14)
        assert got[-1] == pytest.approx(last * math.sqrt(shape[1]), rel=1e-15)


def test_l2_whose_sum_of_squares_is_subnormal_takes_the_scaled_pass():
    # 1e-160² = 1e-320 is a subnormal with a few significant bits: a sum that small is not trusted
    # (it is below n·2⁻¹⁰⁰⁰) and the scaled pass gives the full precision
    from mlcalc.kernels.cpu import norms
    v = np.array([1e-160, 3e-161])
    assert norms.norm(v, "l2") == pytest.approx(math.hypot(1e-160, 3e-161), rel=1e-15)
    np.testing.assert_allclose(norms.norm(v[None, :], "l2", "rows"), [math.hypot(*v)], rtol=1e-15)
    np.testing.assert_allclose(norms.norm(v[:, None], "l2", "cols"), [math.hypot(*v)], rtol=1e-15)
