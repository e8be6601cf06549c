"""Behaviour of the numba eigen kernels (mlcalc.kernels.cpu.eig) that a mutation audit showed no test
pinned: each test fails if the rule it names is broken (dgebal's permutations, undoing them on the
eigenvectors, a 2×2 block whose discriminant is exactly 0, a trace-free symmetric 2×2, eig_order's
tolerance relative to max|λ|, the iteration budgets in the non-convergence messages)."""

import numpy as np
import pytest

from mlcalc.errors import NumericError
from mlcalc.kernels.cpu import eig as K


def _isolate(a):
    A = np.array(a, dtype=float)
    perm = np.empty(A.shape[0], dtype=np.int64)
    lo, hi = K._isolate(A, perm)
    return lo, hi, perm.tolist(), A


def test_isolate_leaves_a_dense_block_alone():
    # a row (column) counts as isolated only if every off-diagonal entry of it in the block is 0: the
    # last column (row) of the block counts too ([1 2; 3 4] was split into two "triangular" 1×1 parts)
    lo, hi, perm, A = _isolate([[1.0, 2.0], [3.0, 4.0]])
    assert (lo, hi, perm) == (0, 1, [0, 1])
    np.testing.assert_array_equal(A, [[1.0, 2.0], [3.0, 4.0]])


def test_isolate_permutes_a_permuted_triangular_matrix_to_upper_triangular():
    a = np.array([[1.0, 0.0, 0.0], [0.0, 2.0, 5.0], [7.0, 0.0, 3.0]])
    lo, hi, perm, A = _isolate(a)
    assert (lo, hi, perm) == (0, 0, [1, 2, 0])
    np.testing.assert_array_equal(A, a[perm][:, perm])
    np.testing.assert_array_equal(np.tril(A, -1), 0)
    lo, hi, perm, A = _isolate([[1.0, 0.0, 0.0], [2.0, 3.0, 0.0], [4.0, 5.0, 6.0]])  # lower triangular
    assert (lo, hi, perm) == (0, 0, [2, 1, 0])


def test_eig_undoes_a_three_cycle_permutation_on_the_vectors():
    # _isolate's permutation here is the 3-cycle [1, 2, 0]: its inverse is not itself, so applying perm
    # instead of undoing it (Z = Z[perm]) gives vectors of another matrix. Exact eigenvectors:
    # λ=1: (2, 35, −7)/√1278, λ=2: e₁, λ=3: (0, 5, 1)/√26
    a = np.array([[1.0, 0.0, 0.0], [0.0, 2.0, 5.0], [7.0, 0.0, 3.0]])
    w, v = K.eig(a)
    np.testing.assert_array_equal(w, [1, 2, 3])
    want = np.array([[2.0, 0.0, 0.0], [35.0, 1.0, 5.0], [-7.0, 0.0, 1.0]])
    want /= np.linalg.norm(want, axis=0)
    np.testing.assert_allclose(v, want, atol=1e-15)
    np.testing.assert_allclose(a @ v, v * w, atol=1e-15)


def test_eig_of_a_2x2_block_with_zero_discriminant_is_a_real_double_root_with_its_vector():
    # [0 1; −1 2]: (trace/2)² − det = 0 exactly, a defective double root 1 with the single vector
    # (1, 1)/√2. q ≥ 0 is the real-pair branch that rotates the block to triangular form; taking q = 0
    # as a complex pair of imaginary part 0 left the block unrotated and gave (1, 0) as a second vector
    a = np.array([[0.0, 1.0], [-1.0, 2.0]])
    w, v = K.eig(a)
    np.testing.assert_array_equal(w, [1, 1])
    np.testing.assert_allclose(v, np.full((2, 2), np.sqrt(0.5)), atol=1e-15)
    np.testing.assert_allclose(a @ v, v * w, atol=1e-15)


def test_eig_order_tolerance_is_relative_to_the_largest_eigenvalue():
    # the existing test's values times 1e6: real parts 2e6 and 2e6·(1 + 2⁻⁵¹) agree to 1e-10·max|λ|
    # (an absolute 1e-10 split them, and the real eigenvalue went after 2e6 + 3e6i)
    w = 1e6 * np.array([2 + 3j, 2.0000000000000004 + 0j, 2 - 3j, -1 + 0j])
    np.testing.assert_array_equal(w[K.eig_order(w)], 1e6 * np.array([-1, 2 - 3j, 2.0000000000000004, 2 + 3j]))


@pytest.mark.parametrize("n, budget", [(2, 300), (5, 300), (12, 360)])
def test_eig_iteration_budget_is_30_per_row_with_at_least_10_rows(monkeypatch, n, budget):
    # max_iter = 30·max(10, n): small matrices get 300 iterations, not 30·n; the message says how many
    seen = []

    def fail(H, V, d, e, want_vectors, max_iter):
        seen.append(max_iter)
        return -1

    monkeypatch.setattr(K, "_schur", fail)
    with pytest.raises(NumericError, match=f"did not converge after {budget} iterations$"):
        K.eig(np.random.default_rng(0).standard_normal((n, n)))
    assert seen == [budget]


def test_eigh_non_convergence_message_names_the_budget_and_the_eigenvalue_from_1(monkeypatch):
    # _tridiagonal_ql returns −1 − l for eigenvalue l (0-based) left unconverged; the message counts from 1
    # and states the whole budget, 30·n
    monkeypatch.setattr(K, "_tridiagonal_ql", lambda d, e, W, want_vectors: -1 - 2)
    a = np.eye(4) + np.diag([1.0, 1.0, 1.0], 1) + np.diag([1.0, 1.0, 1.0], -1)
    with pytest.raises(NumericError, match=r"after 120 iterations \(eigenvalue 3\)$"):
        K.eigh(a)
    with pytest.raises(NumericError, match=r"after 120 iterations \(eigenvalue 3\)$"):
        K.eigvalsh(a)


def test_eigh_of_a_trace_free_2x2_is_an_exact_plus_minus_pair():
    # [a b; b −a] has eigenvalues ±√(a² + b²). dlaev2 takes sm = a + c = 0 as its own case, rt2 = −rt1;
    # sending sm = 0 through the sm < 0 branch made rt2 from the determinant, a rounding away from −rt1
    # (0.7071067811865474 against −0.7071067811865476)
    for a, b in ((0.1, 0.7), (0.3, 0.9), (2.0, 3.0)):
        m = np.array([[a, b], [b, -a]])
        w, v = K.eigh(m)
        assert w[0] == -w[1]
        np.testing.assert_allclose(w[1], np.hypot(a, b), rtol=2e-16)
        np.testing.assert_allclose(m @ v, v * w, atol=4e-16)
        np.testing.assert_allclose(v.T @ v, np.eye(2), atol=4e-16)
