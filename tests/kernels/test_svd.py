"""The numba SVD kernel against the definition A = U·Σ·Vᵀ and against numpy.linalg.svd."""

import math
from pathlib import Path

import numpy as np
import pytest

from mlcalc.errors import NumericError
from mlcalc.kernels.cpu import svd as K

RNG = np.random.default_rng(7)


def assert_thin_svd(a, u, s, vt, tol=1e-9):
    a = np.asarray(a, dtype=np.float64)
    m, n = a.shape
    k = min(m, n)
    assert u.shape == (m, k) and s.shape == (k,) and vt.shape == (k, n)
    assert np.all(s >= 0) and np.all(np.diff(s) <= 0), "singular values must descend, ≥ 0"
    scale = max(1.0, np.abs(a).max())
    np.testing.assert_allclose(u.T @ u, np.eye(k), atol=tol * max(1, m))
    np.testing.assert_allclose(vt @ vt.T, np.eye(k), atol=tol * max(1, n))
    np.testing.assert_allclose((u * s) @ vt, a, atol=tol * scale * max(m, n))
    np.testing.assert_allclose(s, np.linalg.svd(a, compute_uv=False), atol=tol * scale * max(m, n))


@pytest.mark.parametrize("shape", [(1, 1), (1, 6), (6, 1), (2, 2), (3, 5), (5, 3), (17, 17),
                                   (60, 25), (25, 60), (60, 60)])
def test_svd_of_random_matrix_matches_numpy(shape):
    a = RNG.standard_normal(shape)
    assert_thin_svd(a, *K.svd(a))


def test_svd_with_parallel_rounds_matches_numpy(monkeypatch):
    monkeypatch.setattr(K, "_PARALLEL_FROM", 8)
    a = RNG.standard_normal((70, 45))
    assert_thin_svd(a, *K.svd(a))


def test_svd_singular_values_are_accurate_relative_to_numpy():
    a = RNG.standard_normal((30, 20))
    s = K.svd(a)[1]
    np.testing.assert_allclose(s, np.linalg.svd(a, compute_uv=False), rtol=1e-10)


def test_svd_of_rank_deficient_matrix_completes_u():
    a = RNG.standard_normal((30, 4)) @ RNG.standard_normal((4, 12))
    u, s, vt = K.svd(a)
    assert_thin_svd(a, u, s, vt)
    assert np.all(s[4:] < 1e-12 * s[0])


def test_svd_of_wide_rank_deficient_matrix():
    a = RNG.standard_normal((9, 3)) @ RNG.standard_normal((3, 20))
    assert_thin_svd(a.T, *K.svd(a.T))
    assert_thin_svd(a, *K.svd(a))


def test_svd_of_matrix_with_zero_columns_gives_orthonormal_u():
    a = np.zeros((5, 4))
    a[:, 1] = [1.0, 2.0, 0.0, 0.0, 2.0]
    u, s, vt = K.svd(a)
    np.testing.assert_allclose(s, [3.0, 0.0, 0.0, 0.0], atol=1e-15)
    assert_thin_svd(a, u, s, vt)


@pytest.mark.parametrize("shape", [(4, 3), (3, 4), (3, 3), (1, 5), (5, 1)])
def test_svd_of_zero_matrix_is_zeros_with_orthonormal_factors(shape):
    u, s, vt = K.svd(np.zeros(shape))
    k = min(shape)
    assert u.shape == (shape[0], k) and vt.shape == (k, shape[1])  # a wide one got tall factors
    np.testing.assert_array_equal(s, np.zeros(k))
    assert_thin_svd(np.zeros(shape), u, s, vt)


def test_svd_of_graded_diagonal_keeps_the_small_singular_value():
    # divided by its largest entry, 1e-100 squared underflowed and came out 0
    u, s, vt = K.svd(np.diag([1e100, 1e-100]))
    np.testing.assert_allclose(s, [1e100, 1e-100], rtol=1e-15)
    np.testing.assert_array_equal(np.abs(u), np.eye(2))


def test_svd_of_a_column_beyond_the_rotations_reach_keeps_only_what_is_off_the_others():
    # [1e200 1; 1 1e-200]: scaled by 1e200, the second column's squares underflow; when no rotation saw
    # it, its length as it stood made σ₂ = 1 (LAPACK: 3.5e-217, and |det|/σ₁ ≤ 1e-216 says so)
    a = np.array([[1e200, 1.0], [1.0, 1e-200]])
    u, s, vt = K.svd(a)
    assert s[0] == pytest.approx(1e200, rel=1e-15) and 0 <= s[1] <= 1e-200
    np.testing.assert_allclose(u @ np.diag(s) @ vt, a, rtol=0, atol=1e200 * 1e-15)
    u, s, vt = K.svd(np.array([[1e100, 1.0], [0.0, 1e-100]]))  # graded, orthogonal enough: kept
    np.testing.assert_allclose(s, [1e100, 1e-100], rtol=1e-14)


@pytest.mark.parametrize("transpose", [False, True])
def test_svd_of_several_columns_beyond_reach_decomposes_them_on_their_own_scale(transpose):
    # beside 1e200, a block of ordinary columns has squares that underflow: projected off the large
    # column one by one it gave [1.414, 1] for [[1 1]; [0 1]]'s σ = 1.618, 0.618 (LAPACK's)
    rng = np.random.default_rng(4)
    b = rng.standard_normal((5, 3))
    cases = [np.array([[1e200, 0, 0], [0, 1, 1], [0, 0, 1]]), np.array([[1e200, 1, 1], [0, 1, 1], [0, 0, 1]]),
             np.block([[1e200 * np.eye(2), np.zeros((2, 3))], [np.zeros((5, 2)), b]]),
             np.array([[1e200, 0, 0], [0, 0, 0], [0, 0, 1]])]  # a zero column among them
    for a in cases:
        a = a.T if transpose else a
        u, s, vt = K.svd(a)
        np.testing.assert_allclose(s, np.linalg.svd(a, compute_uv=False), rtol=1e-13)
        k = len(s)
        np.testing.assert_allclose(u.T @ u, np.eye(k), atol=1e-14)
        np.testing.assert_allclose(vt @ vt.T, np.eye(k), atol=1e-14)
        np.testing.assert_allclose(u @ np.diag(s) @ vt, a, rtol=0, atol=1e-14 * s[0])


def test_svd_of_identity_is_ones():
    u, s, vt = K.svd(np.eye(5))
    np.testing.assert_allclose(s, np.ones(5), atol=1e-15)
    assert_thin_svd(np.eye(5), u, s, vt)


def test_svd_of_diagonal_matrix_sorts_absolute_values():
    a = np.diag([2.0, -5.0, 3.0])
    u, s, vt = K.svd(a)
    np.testing.assert_allclose(s, [5.0, 3.0, 2.0], atol=1e-15)
    assert_thin_svd(a, u, s, vt)


def test_svd_of_seed_example():
    # [[3, 0], [4, 5]]: singular values √45 and √5
    u, s, vt = K.svd(np.array([[3.0, 0.0], [4.0, 5.0]]))
    np.testing.assert_allclose(s, [np.sqrt(45.0), np.sqrt(5.0)], rtol=1e-15)


def test_svd_of_ill_conditioned_matrix_keeps_small_singular_values():
    q1, _ = np.linalg.qr(RNG.standard_normal((12, 12)))
    q2, _ = np.linalg.qr(RNG.standard_normal((8, 8)))
    sigma = np.logspace(0, -12, 8)
    a = q1[:, :8] @ np.diag(sigma) @ q2.T
    u, s, vt = K.svd(a)
    np.testing.assert_allclose(s, sigma, rtol=1e-3, atol=1e-15)
    assert_thin_svd(a, u, s, vt)


def test_svd_of_huge_and_tiny_entries_does_not_overflow():
    a = RNG.standard_normal((6, 4))
    for factor in (1e300, 1e-300):
        u, s, vt = K.svd(a * factor)
        np.testing.assert_allclose(s, np.linalg.svd(a, compute_uv=False) * factor, rtol=1e-12)


def test_svd_of_float32_returns_float32():
    a = RNG.standard_normal((10, 7)).astype(np.float32)
    u, s, vt = K.svd(a)
    assert u.dtype == s.dtype == vt.dtype == np.float32
    assert_thin_svd(a, u.astype(float), s.astype(float), vt.astype(float), tol=1e-5)


def test_svd_accepts_non_contiguous_input():
    a = np.asfortranarray(RNG.standard_normal((20, 14)))[::2, 1::2]
    assert_thin_svd(a, *K.svd(a))


def test_svd_of_non_finite_matrix_is_an_error():
    with pytest.raises(NumericError, match="non-finite"):
        K.svd(np.array([[1.0, np.inf], [0.0, 1.0]]))


def test_svd_that_does_not_converge_is_a_numeric_error(monkeypatch):
    monkeypatch.setattr(K, "MAX_SWEEPS", 1)
    with pytest.raises(NumericError, match="did not converge after 1 sweeps"):
        K.svd(RNG.standard_normal((8, 8)))


def test_warmup_runs():
    K.warmup()


def test_svd_of_rank_deficient_integer_matrices_converges():
    # what the rotations left of a dependent column is rounding in the others' span: it met them sweep
    # after sweep and "did not converge after 60 sweeps" (about 3 % of small integer matrices like these)
    cases = [np.array([[0.0, 1, 1, 1], [1, 1, 1, 1], [1, 1, 1, 1], [1, 1, 1, 1]]),
             np.array([[-2.0, -2, -2], [-4, -4, -4], [2, 2, -3]])]
    rng = np.random.default_rng(0)
    for _ in range(400):
        m, n = rng.integers(2, 7, size=2)
        a = rng.integers(-3, 4, (m, n)).astype(float)
        a[:, rng.integers(n)] = a[:, rng.integers(n)]  # a repeated column (or none, by chance)
        cases.append(a)
    for a in cases:
        u, s, vt = K.svd(a)
        np.testing.assert_allclose(s, np.linalg.svd(a, compute_uv=False), rtol=0, atol=1e-13 * max(s[0], 1))
        np.testing.assert_allclose(u.T @ u, np.eye(len(s)), atol=1e-13)
        np.testing.assert_allclose(u @ np.diag(s) @ vt, a, atol=1e-13 * max(s[0], 1))


def test_svd_of_row_graded_matrices_keeps_the_small_singular_values():
    # A = D·Qᵀ, Q orthogonal: σ = |d| exactly, to full relative accuracy by Jacobi. Zeroing a column that
    # cancels twice (the rank-deficient fix) on the first try lost σ_min in 243 of 300 such 3×3 matrices:
    # it is the retry's rule only
    rng = np.random.default_rng(0)
    for _ in range(100):
        q, _ = np.linalg.qr(rng.standard_normal((3, 3)))
        d = 10.0 ** -rng.uniform(0, 60, 3)
        s = K.svd((q * d).T.copy())[1]
        np.testing.assert_allclose(s, np.sort(d)[::-1], rtol=1e-12)
    a = np.array([[9.083610125652998e-63, 5.237717674117439e-64], [1.1063812197659763e-138, -7.418393810253734e-138]])
    assert K.svd(a)[1][1] == pytest.approx(7.46978156e-138, rel=1e-8)


def test_svd_of_matrices_graded_over_280_orders_keeps_every_singular_value():
    # A = D·Qᵀ, Q orthogonal: σ = |d|. Squares of the small entries are subnormal or 0 beside the largest:
    # rotations built from them never made a pair orthogonal ("did not converge after 60 sweeps"), and ζ²
    # overflowed to a rotation that changed nothing
    rng = np.random.default_rng(1)
    for _ in range(60):
        n = rng.integers(2, 9)
        q, _ = np.linalg.qr(rng.standard_normal((n, n)))
        d = 10.0 ** -rng.uniform(0, 280, n)
        u, s, vt = K.svd((q * d).T.copy())
        np.testing.assert_allclose(s, np.sort(d)[::-1], rtol=1e-12)
        np.testing.assert_allclose(u.T @ u, np.eye(n), atol=1e-13)
        np.testing.assert_allclose(vt @ vt.T, np.eye(n), atol=1e-13)


def test_svd_of_a_graded_matrix_that_did_not_converge():
    # a random B graded by columns (found by a stress test); σ from mpmath at 600 digits. LAPACK's gesdd
    # gives the last two as 1.4e-166 and 0
    a = np.array([[-2.98451750749215e-167, 3.757807000607185e-216, -6.286456034771018e-115, 1.259853919593859e-55],
                  [-2.5544256649368902e-166, 8.689015907955637e-215, -1.1595235874141454e-114, -8.718503209519627e-57],
                  [2.5214373902225197e-166, 3.197426428742679e-217, 7.179174502938225e-115, -5.646616645507973e-56],
                  [-1.2787921694110694e-167, 4.4774855974422384e-215, 8.561612517216898e-115, -2.0874061347784585e-55],
                  [5.916570785941944e-167, -1.486512949063476e-215, 2.6751983442352e-115, 8.148866326621019e-56]])
    u, s, vt = K.svd(a)
    np.testing.assert_allclose(s, [2.63343511778e-55, 1.42660964797e-114, 1.55894887707e-166, 4.59062292424e-215],
                               rtol=1e-10)
    np.testing.assert_allclose(u.T @ u, np.eye(4), atol=1e-13)
    np.testing.assert_allclose(vt @ vt.T, np.eye(4), atol=1e-13)
    np.testing.assert_allclose(u @ np.diag(s) @ vt, a, rtol=0, atol=1e-15 * s[0])


def test_svd_of_a_45_by_46_rank_34_matrix_converges():
    # 1 of ~4,400 rank-deficient cases of a fuzz (a product of Gaussian 45×34 and 34×46) that did not
    # converge even on the retry: its dependent columns cancelled on down into subnormals, where they are
    # now zeroed
    a = np.load(Path(__file__).parent / "data" / "svd_rank34_45x46.npy")
    u, s, vt = K.svd(a)
    ref = np.linalg.svd(a, compute_uv=False)
    np.testing.assert_allclose(s, ref, rtol=0, atol=1e-13 * ref[0])
    np.testing.assert_allclose(u.T @ u, np.eye(45), atol=1e-13)
    np.testing.assert_allclose(vt @ vt.T, np.eye(45), atol=1e-13)


def test_svd_keeps_a_tiny_column_orthogonal_to_the_rest():
    # only a tiny column that is not orthogonal to another (rounding of a dependent one) is zeroed
    np.testing.assert_allclose(K.svd(np.diag([1, 1e-295]))[1], [1, 1e-295], rtol=1e-15)
    q, _ = np.linalg.qr(np.random.default_rng(2).standard_normal((5, 3)))
    np.testing.assert_allclose(K.svd(q * [1, 1e-200, 1e-295])[1], [1, 1e-200, 1e-295], rtol=1e-13)


def test_svd_of_graded_matrices_converges_and_matches_lapack():
    # without gesvj's QR preconditioning these take 63–87 sweeps: at a cap of 60 each was "did not converge"
    rows = 10.0 ** np.linspace(-60, 60, 60)[:, None] * np.random.default_rng(0).standard_normal((60, 60))
    pascal = np.array([[math.comb(i + j, i) for j in range(150)] for i in range(150)], dtype=float)
    for a in (rows, pascal):
        s = K.svd(a)[1]
        np.testing.assert_allclose(s[0], np.linalg.svd(a, compute_uv=False)[0], rtol=1e-12)
