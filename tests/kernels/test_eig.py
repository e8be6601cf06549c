"""The numba eigen kernels against the definition A·V = V·Λ and against numpy.linalg."""

import numpy as np
import pytest

from mlcalc.errors import NumericError
from mlcalc.kernels.cpu import eig as K

RNG = np.random.default_rng(20240601)


def symmetric(n, rng=RNG):
    b = rng.standard_normal((n, n))
    return (b + b.T) / 2


def assert_symmetric_decomposition(a, w, v, tol=1e-9):
    a = np.asarray(a, dtype=np.float64)
    n = a.shape[0]
    scale = max(1.0, np.abs(a).max())
    assert w.shape == (n,) and v.shape == (n, n)
    assert np.all(np.diff(w) >= 0), "eigenvalues must ascend"
    np.testing.assert_allclose(v.T @ v, np.eye(n), atol=tol * max(1, n))
    np.testing.assert_allclose(a @ v, v * w, atol=tol * scale * max(1, n))
    np.testing.assert_allclose(w, np.linalg.eigvalsh(a), atol=tol * scale * max(1, n))


def assert_general_decomposition(a, w, v, tol=1e-9):
    a = np.asarray(a, dtype=np.float64)
    n = a.shape[0]
    scale = max(1.0, np.abs(a).max())
    assert np.iscomplexobj(w) and np.iscomplexobj(v)
    np.testing.assert_allclose(np.linalg.norm(v, axis=0), np.ones(n), atol=1e-12)
    np.testing.assert_allclose(a @ v, v * w, atol=tol * scale * max(1, n))
    ref = np.linalg.eigvals(a)
    ref = ref[K.eig_order(ref)]
    np.testing.assert_allclose(w, ref, atol=tol * scale * max(1, n))


# ---- eigh ----------------------------------------------------------------------------------

@pytest.mark.parametrize("n", [1, 2, 3, 4, 7, 16, 33, 60])
def test_eigh_of_random_symmetric_matrix_matches_numpy(n):
    a = symmetric(n)
    w, v = K.eigh(a)
    assert_symmetric_decomposition(a, w, v)


def test_eigh_at_order_400_matches_numpy():
    # large enough for the parallel tridiagonalisation, accumulation and batched rotations
    a = symmetric(400)
    w, v = K.eigh(a)
    assert_symmetric_decomposition(a, w, v)


def test_eigh_of_identity_is_ones_and_orthonormal_vectors():
    w, v = K.eigh(np.eye(5))
    np.testing.assert_array_equal(w, np.ones(5))
    np.testing.assert_allclose(v.T @ v, np.eye(5), atol=1e-15)


def test_eigh_of_zero_matrix_is_zeros():
    w, v = K.eigh(np.zeros((4, 4)))
    np.testing.assert_array_equal(w, np.zeros(4))
    np.testing.assert_allclose(v.T @ v, np.eye(4), atol=1e-15)


def test_eigh_of_diagonal_matrix_sorts_the_diagonal():
    a = np.diag([3.0, -1.0, 2.0, 0.5])
    w, v = K.eigh(a)
    np.testing.assert_allclose(w, [-1.0, 0.5, 2.0, 3.0])
    assert_symmetric_decomposition(a, w, v)


def test_eigh_with_repeated_eigenvalues_keeps_vectors_orthonormal():
    q, _ = np.linalg.qr(RNG.standard_normal((8, 8)))
    a = q @ np.diag([1.0, 1.0, 1.0, 2.0, 2.0, 5.0, 5.0, 5.0]) @ q.T
    a = (a + a.T) / 2
    w, v = K.eigh(a)
    np.testing.assert_allclose(w, [1, 1, 1, 2, 2, 5, 5, 5], atol=1e-13)
    assert_symmetric_decomposition(a, w, v)


def test_eigh_of_seed_example_2x2():
    # [[2, 1], [1, 2]]: eigenvalues 1 and 3, eigenvectors (1, -1)/√2 and (1, 1)/√2
    w, v = K.eigh(np.array([[2.0, 1.0], [1.0, 2.0]]))
    np.testing.assert_allclose(w, [1.0, 3.0], atol=1e-15)
    np.testing.assert_allclose(np.abs(v), np.full((2, 2), np.sqrt(0.5)), atol=1e-15)


def test_eigh_of_badly_scaled_matrix_is_accurate():
    a = symmetric(10) * 1e200
    w, v = K.eigh(a)
    np.testing.assert_allclose(w, np.linalg.eigvalsh(a), rtol=0, atol=1e-12 * 1e200 * 10)
    np.testing.assert_allclose(v.T @ v, np.eye(10), atol=1e-12)


def test_eigh_of_float32_returns_float32():
    a = symmetric(12).astype(np.float32)
    w, v = K.eigh(a)
    assert w.dtype == np.float32 and v.dtype == np.float32
    assert_symmetric_decomposition(a, w.astype(float), v.astype(float), tol=1e-5)


def test_eigh_accepts_non_contiguous_input():
    big = symmetric(20)
    a = big[::2, ::2]
    w, v = K.eigh(a)
    assert_symmetric_decomposition(a, w, v)


def test_eigvalsh_matches_eigh():
    a = symmetric(15)
    np.testing.assert_allclose(K.eigvalsh(a), K.eigh(a)[0], atol=1e-13)


def test_eigh_of_non_finite_matrix_is_an_error():
    a = np.eye(3)
    a[1, 1] = np.nan
    with pytest.raises(NumericError, match="non-finite"):
        K.eigh(a)


# ---- eig -----------------------------------------------------------------------------------

@pytest.mark.parametrize("n", [1, 2, 3, 5, 8, 17, 40, 60])
def test_eig_of_random_general_matrix_matches_numpy(n):
    a = RNG.standard_normal((n, n))
    w, v = K.eig(a)
    assert_general_decomposition(a, w, v)


def test_eig_of_rotation_by_90_degrees_is_plus_minus_i():
    a = np.array([[0.0, -1.0], [1.0, 0.0]])
    w, v = K.eig(a)
    np.testing.assert_allclose(w, [-1j, 1j], atol=1e-15)
    assert_general_decomposition(a, w, v)


def test_eig_orders_by_real_part_then_imaginary_part():
    # blocks with eigenvalues 2 ± 3i, -1, 2 (real), 0.5
    a = np.zeros((5, 5))
    a[0:2, 0:2] = [[2.0, -3.0], [3.0, 2.0]]
    a[2, 2], a[3, 3], a[4, 4] = -1.0, 2.0, 0.5
    q, _ = np.linalg.qr(RNG.standard_normal((5, 5)))
    w, v = K.eig(q @ a @ q.T)
    np.testing.assert_allclose(w, [-1, 0.5, 2 - 3j, 2, 2 + 3j], atol=1e-12)


def test_eig_conjugate_pairs_have_conjugate_vectors():
    a = RNG.standard_normal((9, 9))
    w, v = K.eig(a)
    for k in np.flatnonzero(w.imag > 1e-12):
        j = int(np.argmin(np.abs(w - np.conj(w[k]))))
        np.testing.assert_allclose(v[:, j], np.conj(v[:, k]), atol=1e-12)


def test_eig_vector_has_largest_component_real_and_positive():
    w, v = K.eig(RNG.standard_normal((7, 7)))
    top = v[np.abs(v).argmax(axis=0), np.arange(7)]
    np.testing.assert_allclose(top.imag, 0, atol=1e-15)
    assert np.all(top.real > 0)


def test_eig_of_identity_and_zero_and_diagonal():
    for a in (np.eye(4), np.zeros((3, 3)), np.diag([3.0, 1.0, 2.0])):
        w, v = K.eig(a)
        assert_general_decomposition(a, w, v)
    np.testing.assert_allclose(K.eig(np.diag([3.0, 1.0, 2.0]))[0], [1, 2, 3])


def test_eig_of_symmetric_matrix_agrees_with_eigh():
    a = symmetric(20)
    np.testing.assert_allclose(K.eig(a)[0].real, K.eigh(a)[0], atol=1e-12)
    np.testing.assert_allclose(K.eig(a)[0].imag, 0, atol=1e-12)


def test_eig_of_nearly_defective_matrix_gives_both_eigenvalues():
    a = np.array([[1.0, 1.0], [1e-10, 1.0]])  # eigenvalues 1 ± 1e-5
    w, v = K.eig(a)
    np.testing.assert_allclose(w, [1 - 1e-5, 1 + 1e-5], rtol=0, atol=1e-12)
    np.testing.assert_allclose(a @ v, v * w, atol=1e-12)


def test_eig_of_jordan_block_is_a_double_eigenvalue():
    w, v = K.eig(np.array([[2.0, 1.0], [0.0, 2.0]]))
    np.testing.assert_allclose(w, [2, 2], atol=1e-15)
    np.testing.assert_allclose(np.linalg.norm(v, axis=0), [1, 1], atol=1e-15)


def test_eig_of_badly_scaled_matrix_is_balanced():
    d = np.diag([1e-6, 1.0, 1e6])
    a0 = RNG.standard_normal((3, 3))
    a = d @ a0 @ np.linalg.inv(d)  # same eigenvalues as a0, entries from 1e-12 to 1e12
    w, v = K.eig(a)
    ref = np.linalg.eigvals(a0)
    np.testing.assert_allclose(w, ref[K.eig_order(ref)], atol=1e-9)


def test_eig_of_float32_returns_complex64():
    a = RNG.standard_normal((6, 6)).astype(np.float32)
    w, v = K.eig(a)
    assert w.dtype == np.complex64 and v.dtype == np.complex64
    assert_general_decomposition(a, w.astype(complex), v.astype(complex), tol=1e-5)


def test_eigvals_matches_eig():
    a = RNG.standard_normal((11, 11))
    np.testing.assert_allclose(K.eigvals(a), K.eig(a)[0], atol=1e-12)


def test_eig_at_order_200_matches_numpy():
    a = RNG.standard_normal((200, 200))
    w, v = K.eig(a)
    assert_general_decomposition(a, w, v)


def test_eig_that_does_not_converge_is_a_numeric_error(monkeypatch):
    # no real matrix defeats Francis QR in practice, so the budget is cut to zero iterations
    real_schur = K._schur
    monkeypatch.setattr(K, "_schur", lambda H, V, d, e, wv, mx: real_schur(H, V, d, e, wv, 0))
    with pytest.raises(NumericError, match="did not converge"):
        K.eig(RNG.standard_normal((5, 5)))


def test_warmup_runs():
    K.warmup()


def test_eig_order_treats_nearly_equal_real_parts_as_equal():
    w = np.array([2 + 3j, 2.0000000000000004 + 0j, 2 - 3j, -1 + 0j])
    np.testing.assert_array_equal(w[K.eig_order(w)], [-1, 2 - 3j, 2.0000000000000004, 2 + 3j])


# ---- defects a stress test found (each failed before its fix) --------------------------------

def _residual(a, w, v):
    """‖A·V − V·Λ‖ over ‖A‖ (largest entries)."""
    return np.abs(a @ v - v * w).max() / np.abs(a).max()


def test_eig_of_rank_deficient_matrices_converges_with_finite_vectors():
    # their Hessenberg sub-diagonals decay into subnormals: an exact 0 did not deflate when eps·s underflowed
    # (ZeroDivisionError, "internal error" on the command line), tiny reflectors overflowed Q (NaN
    # eigenvectors, exit 0), and shifts built from products that underflowed stalled the iteration
    rng = np.random.default_rng(5)
    cases = []
    for n in (15, 19, 27, 40):
        a = np.ones((n, n))
        a[0, 1] = 2
        cases.append(a)
    for _ in range(40):
        n, r = rng.integers(13, 61), rng.integers(1, 4)
        cases.append((rng.integers(-3, 4, (n, r)) @ rng.integers(-3, 4, (r, n))).astype(float))
        cases.append(np.outer(rng.standard_normal(n), rng.standard_normal(n)))
    for a in cases:
        w, v = K.eig(a)
        assert np.isfinite(w).all() and np.isfinite(v).all()
        assert _residual(a, w, v) < 100 * a.shape[0] * np.finfo(float).eps


def test_eig_vectors_of_a_nearly_triangular_matrix():
    # EISPACK's balancing (off-diagonal norms) scaled the tiny lower part up until it mattered: [2 1e-300;
    # 1 1] gave [1, 0] for λ = 2. LAPACK ≥ 3.5 counts the diagonal, as the kernel now does
    w, v = K.eig(np.array([[2.0, 1e-300], [1.0, 1.0]]))
    np.testing.assert_allclose(w, [1, 2])
    np.testing.assert_allclose(v[:, 1], [np.sqrt(0.5), np.sqrt(0.5)], atol=1e-15)
    rng = np.random.default_rng(1)
    for k in (10, 20, 35, 300):
        for _ in range(10):
            n = rng.integers(2, 21)
            a = np.triu(rng.standard_normal((n, n))) + 10.0 ** -k * np.tril(rng.standard_normal((n, n)), -1)
            w, v = K.eig(a)
            assert _residual(a, w, v) < 100 * n * np.finfo(float).eps


def test_eig_of_triangular_matrices_is_their_diagonal():
    # without dgebal's permutations a lower-triangular 60×60 had eigenvalues 0.1 off
    rng = np.random.default_rng(0)
    for n in (5, 20, 60):
        for a in (np.tril(rng.standard_normal((n, n))), np.triu(rng.standard_normal((n, n)))):
            w, v = K.eig(a)
            np.testing.assert_allclose(np.sort(w.real), np.sort(np.diag(a)), rtol=0, atol=1e-15)
            assert_general_decomposition(a, w, v)
    # partly triangular: isolated eigenvalues at both ends around a dense block
    b = rng.standard_normal((6, 6))
    b[3:, :3] = 0
    b[4:, 3] = 0
    b[1:, 0] = 0
    w, v = K.eig(b)
    assert_general_decomposition(b, w, v)


def test_eig_of_a_tiny_block_beside_a_large_one():
    # blockdiag(1, 1e-170·B): unscaled shift products underflowed (no convergence in 300 iterations), the
    # 2×2 discriminant too (a complex pair came out real), and a zero-diagonal 2×2 was split by ‖H‖
    m = np.zeros((4, 4))
    m[0, 0] = 1
    m[1:, 1:] = 1e-170 * np.array([[3, -2, 0], [-2, -3, 2], [-3, -2, 0]])
    w, v = K.eig(m)
    np.testing.assert_allclose(np.sort_complex(w[np.abs(w) < 0.5] / 1e-170),
                               [-1.9470049194 - 1.54028713833j, -1.9470049194 + 1.54028713833j, 3.8940098388],
                               rtol=1e-9)
    assert np.abs(m @ v - v * w)[1:].max() < 1e-183  # the tiny block's residual on its own scale
    m = np.diag([1.0, 0, 0])
    m[1, 2], m[2, 1] = -1e-166, -3e-166
    np.testing.assert_allclose(np.sort(K.eigvals(m).real), [-np.sqrt(3) * 1e-166, np.sqrt(3) * 1e-166, 1])


def test_eig_of_graded_matrices_converges():
    rng = np.random.default_rng(11)
    for i in range(60):
        n = rng.integers(2, 41)
        d = 10.0 ** -np.sort(rng.uniform(0, rng.uniform(0, 280), n))
        a = (d[:, None] * rng.standard_normal((n, n))) * d[None, :]
        if i % 2:
            p = rng.permutation(n)
            a = a[p][:, p]
        w, v = K.eig(a)
        assert np.isfinite(v).all() and _residual(a, w, v) < 100 * n * np.finfo(float).eps


def test_eigh_of_low_rank_gram_matrices_converges():
    # X·Xᵀ of rank 1–3: 30 QL iterations for each eigenvalue were too few (about 7 % "did not converge");
    # now dsteqr's 30·n for all, and its floor for e between zero eigenvalues
    rng = np.random.default_rng(5)
    for _ in range(60):
        n, r = rng.integers(13, 61), rng.integers(1, 4)
        x = rng.integers(-3, 4, (n, r)).astype(float)
        a = x @ x.T
        w, v = K.eigh(a)
        assert_symmetric_decomposition(a, w, v, tol=1e-13)


def test_eigh_of_graded_matrices_keeps_v_orthonormal():
    # reflectors from rows whose squares (and pivot) were subnormal did not match their tau: VᵀV − I was
    # 1e-2 for [0 1e-161 1e-161; …]; graded D·B·D over 80–280 orders did not converge (NaN in T)
    a = np.array([[0, 1e-161, 1e-161], [1e-161, 1, 0], [1e-161, 0, 2]])
    w, v = K.eigh(a)
    np.testing.assert_allclose(w, [0, 1, 2], atol=1e-300)
    np.testing.assert_allclose(v.T @ v, np.eye(3), atol=1e-15)
    rng = np.random.default_rng(1)
    for i in range(45):
        n = rng.integers(8, 81)
        d = 10.0 ** -np.sort(rng.uniform(0, rng.uniform(0, 280), n))
        d = [d, d[::-1], rng.permutation(d)][i % 3]
        b = rng.standard_normal((n, n))
        a = (d[:, None] * (b + b.T)) * d[None, :]
        w, v = K.eigh(a)
        np.testing.assert_allclose(v.T @ v, np.eye(n), atol=100 * n * np.finfo(float).eps)
        assert _residual(a, w, v) < 100 * n * np.finfo(float).eps


def test_eigh_keeps_the_small_eigenvalue_of_a_graded_2x2():
    # [1 b; b c]: λ_min = c − b² + … The deflation test ε(|d_m| + |d_m+1|) dropped b while b² still
    # mattered ([1 1e-17; 1e-17 2e-34] gave 2e-34 for 1e-34); dsteqr's ε²·|d_m|·|d_m+1| keeps it
    np.testing.assert_allclose(K.eigvalsh(np.array([[1, 1e-17], [1e-17, 2e-34]])), [1e-34, 1], rtol=1e-14)
    rng = np.random.default_rng(0)
    for _ in range(200):
        b, c = 10.0 ** -rng.uniform(0, 140), 10.0 ** -rng.uniform(0, 280) * rng.choice([1, -1])
        # λ_min exactly, without cancellation: c − b²/(λ_max − c) with λ_max = (1 + c)/2 + √(((1 − c)/2)² + b²)
        big = (1 + c) / 2 + np.hypot((1 - c) / 2, b)
        np.testing.assert_allclose(K.eigvalsh(np.array([[1, b], [b, c]]))[0], c - b * (b / (big - c)), rtol=1e-12)


def test_eigh_keeps_a_tiny_block_beside_a_large_one():
    # dsteqr's floor √safmin is absolute: applied without its scaling of a tiny block first, it dropped
    # ±1e-160 to 0, 0
    w, v = K.eigh(np.array([[1, 0, 0], [0, 0, 1e-160], [0, 1e-160, 0]]))
    np.testing.assert_allclose(w, [-1e-160, 1e-160, 1], rtol=1e-15)
    np.testing.assert_allclose(np.abs(v[1:, :2]), np.sqrt(0.5), rtol=1e-15)
    np.testing.assert_allclose(K.eigvalsh(np.diag([1, 1e-300, -1e-300])), [-1e-300, 1e-300, 1])


def test_eig_vector_of_a_triangular_matrix_near_underflow_is_exact():
    # a pivot of 1e-295 is a pivot: replacing small ones by eps·‖H‖ turned (1, 1e-295) into (1, −2.2e-16)
    w, v = K.eig(np.array([[1e-295, 1], [0, 2e-295]]))
    np.testing.assert_allclose(w, [1e-295, 2e-295])
    np.testing.assert_allclose(v[:, 1].real, [1, 1e-295], rtol=1e-15)


def test_eigh_of_a_2x2_is_in_closed_form():
    # dsteqr's dlaev2 for a 2×2 block: iterated, the zero eigenvalue of [1 2; 2 4] came out −4e-34
    for a, want in (([[1, 2], [2, 4]], [0, 5]), ([[2, 1], [1, 2]], [1, 3]), ([[0, 1], [1, 0]], [-1, 1]),
                    ([[1, 1], [1, 1 + 2.0 ** -52]], [2.0 ** -53, 2])):
        a = np.array(a, dtype=float)
        w, v = K.eigh(a)
        np.testing.assert_allclose(w, want, rtol=1e-15, atol=0)
        assert_symmetric_decomposition(a, w, v, tol=1e-15)


def test_eig_of_textbook_matrices_keeps_their_exact_eigenvalues():
    # the shifts and 2×2 blocks are scaled by powers of two only, so where nothing under- or overflows the
    # arithmetic is the unscaled one: a scale of 2.5 turned [4 1; 2 3]'s 2 into 1.9999999999999998
    for a, want in (([[4, 1], [2, 3]], [2, 5]), ([[1, 1e10], [1e-10, 1]], [0, 2]), ([[1, 2], [2, 4]], [0, 5])):
        np.testing.assert_array_equal(K.eigvals(np.array(a, dtype=float)).real, want)
