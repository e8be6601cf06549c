"""project, eig, svd, pinv, inspect: worked examples, both engines against the reference, bad input.

The numba engine's eigen and SVD kernels live in mlcalc.kernels.cpu.eig / .svd; their cases are
skipped until those modules exist.
"""

import math

import numpy as np
import pytest

from mlcalc.errors import MlcalcError
from mlcalc.kernels import reference
from mlcalc.ops import linalg
from mlcalc.trace.steps import Tracer

RNG = np.random.default_rng(11)


def _engine(name, module):
    if name == "numba":
        pytest.importorskip(module)
    return name


ENGINES = ["numpy", "numba"]


def _well_conditioned(m, n, dtype=np.float64):
    u, _ = np.linalg.qr(RNG.standard_normal((m, m)))
    v, _ = np.linalg.qr(RNG.standard_normal((n, n)))
    s = np.linspace(2.0, 1.0, min(m, n))
    a = (u[:, :min(m, n)] * s) @ v[:min(m, n)]
    return a.astype(dtype)


def _layouts(a):
    yield a
    yield np.asfortranarray(a)
    wide = np.repeat(a, 2, axis=1)
    yield wide[:, ::2]


# ---------------------------------------------------------------- project


@pytest.mark.parametrize("engine", ENGINES)
def test_projection_of_3_4_onto_1_0_is_3_0(engine):
    np.testing.assert_array_equal(linalg.project(np.array([3.0, 4.0]), np.array([1.0, 0.0]), engine=engine), [3, 0])


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("n", [1, 2, 7, 1000])
def test_vector_projection_matches_reference(engine, dtype, n):
    a, b = RNG.standard_normal(n).astype(dtype), RNG.standard_normal(n).astype(dtype)
    got = linalg.project(a, b.reshape(-1, 1) if n > 1 else b, engine=engine)  # a column operand is a vector
    assert got.dtype == dtype
    np.testing.assert_allclose(got, reference.project(a, b), rtol=1e-12 if dtype == np.float64 else 1e-5)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("shape", [(4, 2), (6, 3), (5, 5), (3, 1)])
def test_projection_onto_a_column_space_matches_lstsq(engine, shape):
    _engine(engine, "mlcalc.kernels.cpu.svd")
    a = RNG.standard_normal(shape[0])
    for b in _layouts(_well_conditioned(*shape)):
        got = linalg.project(a, b, engine=engine)
        if shape[1] == 1:
            b = b.reshape(-1)
        np.testing.assert_allclose(got, reference.project(a, b), rtol=1e-9, atol=1e-12)
        assert np.linalg.norm(np.atleast_2d(b.T) @ (a - got)) < 1e-10   # the rest is orthogonal to b


def test_projection_onto_a_rank_deficient_matrix_is_onto_its_column_space():
    b = np.array([[1.0, 2.0], [0.0, 0.0], [0.0, 0.0]])   # column space: the first axis
    np.testing.assert_allclose(linalg.project(np.array([3.0, 4.0, 5.0]), b), [3, 0, 0], atol=1e-14)


@pytest.mark.parametrize("engine", ENGINES)
def test_float32_projection_onto_a_rank_deficient_matrix_ignores_its_rounding(engine):
    # column 2 = 3·column 1 in decimal, not in float32: with float64's cutoff the rounding noise was a
    # second dimension and (1, 0, 0) projected to (0.2, 0.4, 0) instead of (1, 2, 7)/54
    b = np.array([[0.1, 0.3], [0.2, 0.6], [0.7, 2.1]], dtype=np.float32)
    got = linalg.project(np.array([1.0, 0, 0], dtype=np.float32), b, engine=engine)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, np.array([1, 2, 7]) / 54, rtol=1e-5)


def test_projection_onto_the_zero_vector_is_an_error():
    with pytest.raises(MlcalcError, match="zero vector"):
        linalg.project(np.array([3.0, 4.0]), np.zeros(2))


def test_projection_trace_shows_dot_products_coefficient_and_result():
    t = Tracer()
    linalg.project(np.array([3.0, 4.0]), np.array([1.0, 0.0]), tracer=t)
    text = " ".join(s.formula for s in t.steps)
    assert "a·b = 3·1 + 4·0 = 3" in text and "b·b = 1² + 0² = 1" in text and "c = a·b / b·b = 3 / 1 = 3" in text
    assert any(s.result is not None and np.array_equal(s.result, [3, 0]) for s in t.steps)


def test_projection_with_mismatched_lengths_is_an_error():
    with pytest.raises(MlcalcError, match="different lengths"):
        linalg.project(np.ones(3), np.ones(2))


# ---------------------------------------------------------------- eig


@pytest.mark.parametrize("engine", ENGINES)
def test_eigenvalues_of_the_90_degree_rotation_are_plus_minus_i(engine):
    _engine(engine, "mlcalc.kernels.cpu.eig")
    w = linalg.eig(np.array([[0.0, -1.0], [1.0, 0.0]]), engine=engine)["values"]
    np.testing.assert_allclose(w, [-1j, 1j], atol=1e-14)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("n", [1, 2, 3, 8])
def test_symmetric_eigen_is_real_ascending_and_orthonormal(engine, dtype, n):
    _engine(engine, "mlcalc.kernels.cpu.eig")
    x = RNG.standard_normal((n, n))
    a = (x + x.T).astype(dtype)
    for layout in _layouts(a):
        r = linalg.eig(layout, vectors=True, engine=engine)
        w, v = r["values"], r["vectors"]
        assert w.dtype == dtype and v.dtype == dtype
        assert np.all(np.diff(w) >= 0)
        tol = 1e-10 if dtype == np.float64 else 1e-4
        np.testing.assert_allclose(w, np.linalg.eigvalsh(a.astype(np.float64)), rtol=tol, atol=tol)
        np.testing.assert_allclose(v.T @ v, np.eye(n), atol=tol)
        np.testing.assert_allclose(a @ v, v * w, atol=tol * 10)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("n", [2, 3, 6])
def test_general_eigen_matches_reference_sorted_by_real_then_imaginary(engine, n):
    _engine(engine, "mlcalc.kernels.cpu.eig")
    a = RNG.standard_normal((n, n))
    r = linalg.eig(a, vectors=True, engine=engine)
    w, v = r["values"], r["vectors"]
    want = np.linalg.eigvals(a)
    want = want[np.lexsort((want.imag, np.round(want.real, 10)))]
    np.testing.assert_allclose(w, want, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(a @ v, v * w, atol=1e-10)
    np.testing.assert_allclose(np.linalg.norm(v, axis=0), 1, rtol=1e-10)


def test_numpy_and_numba_eigen_results_agree_entry_by_entry():
    pytest.importorskip("mlcalc.kernels.cpu.eig")
    x = RNG.standard_normal((5, 5))
    for a in (x + x.T, x):
        r1 = linalg.eig(a, vectors=True, engine="numpy")
        r2 = linalg.eig(a, vectors=True, engine="numba")
        np.testing.assert_allclose(r2["values"], r1["values"], rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(r2["vectors"], r1["vectors"], rtol=1e-7, atol=1e-9)


def test_real_eigenvalues_of_a_nonsymmetric_matrix_are_real():
    r = linalg.eig(np.array([[4.0, 1.0], [2.0, 3.0]]), vectors=True)
    assert r["values"].dtype == np.float64
    np.testing.assert_allclose(r["values"], [2, 5])


def test_eigen_of_a_non_square_matrix_is_an_error():
    with pytest.raises(MlcalcError, match="square"):
        linalg.eig(np.ones((2, 3)))


def test_eigen_of_a_matrix_with_nan_names_the_position():
    with pytest.raises(MlcalcError, match="row 2, column 1"):
        linalg.eig(np.array([[1.0, 2.0], [np.nan, 3.0]]))


def test_eigen_trace_of_2x2_goes_through_the_characteristic_polynomial():
    t = Tracer()
    linalg.eig(np.array([[0.0, -1.0], [1.0, 0.0]]), tracer=t)
    text = " ".join(s.formula for s in t.steps)
    assert "det(A − λI)" in text and "λ² + 1" in text
    assert any("null space" in s.formula for s in t.steps)
    assert "max |A·V − V·Λ| = 0" in text


def test_eigen_trace_of_3x3_shows_the_cubic():
    t = Tracer()
    linalg.eig(np.diag([1.0, 2.0, 3.0]), tracer=t)
    assert any("λ³ − 6λ² + 11λ − 6" in s.formula for s in t.steps)


def test_eigen_trace_of_values_near_float64s_end_still_explains():
    # |p(λ)| of a root near 1e300 is beyond float64: Python's abs() of that complex raised, an internal error
    t = Tracer()
    w = linalg.eig(np.array([[1e-300, -1e300], [1e300, -1e-300]]), tracer=t)["values"]
    assert np.allclose(np.abs(w), 1e300)
    assert any("overflows float64" in s.formula for s in t.steps)
    assert any("= −inf; λ = (tr ± i·√(−Δ))/2" in s.formula for s in t.steps)
    # Δ = (2e300)² − 4e600 = 0 exactly: inf − inf was NaN, which picked the complex formula
    t = Tracer()
    linalg.eig(np.array([[1e300, -1e300], [1e300, -1e300]]), tracer=t)
    assert any("= 0; λ = (tr ± √Δ)/2" in s.formula for s in t.steps)


def test_eigen_trace_of_a_large_matrix_names_method_and_check():
    t = Tracer()
    linalg.eig(np.eye(8) * 2, tracer=t)
    assert any("LAPACK" in s.note for s in t.steps)
    assert "A·V − V·Λ" in t.steps[-1].formula


# ---------------------------------------------------------------- svd, pinv


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape", [(1, 1), (1, 5), (5, 1), (4, 3), (3, 6)])
def test_svd_reconstructs_and_matches_reference_singular_values(engine, dtype, shape):
    _engine(engine, "mlcalc.kernels.cpu.svd")
    a0 = RNG.standard_normal(shape).astype(dtype)
    for a in _layouts(a0):
        r = linalg.svd(a, engine=engine)
        s, u, vt = r["S"], r["U"], r["Vt"]
        k = min(shape)
        assert s.shape == (k,) and u.shape == (shape[0], k) and vt.shape == (k, shape[1])
        tol = 1e-10 if dtype == np.float64 else 1e-4
        np.testing.assert_allclose(s, np.linalg.svd(a0.astype(np.float64), compute_uv=False), rtol=tol)
        np.testing.assert_allclose((u * s) @ vt, a0, atol=tol * 10)


def test_svd_results_are_named_and_in_the_contract_order():
    assert list(linalg.svd(np.array([[3.0, 0.0], [4.0, 5.0]]))) == ["S", "U", "Vt"]


def test_svd_of_3_0_4_5():
    np.testing.assert_allclose(linalg.svd(np.array([[3.0, 0.0], [4.0, 5.0]]))["S"], [math.sqrt(45), math.sqrt(5)])


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("a", [[[1.0, 0.0], [0.0, -0.0]], [[0.0, 0.0], [0.0, -0.0]], [[-0.0]]])
def test_svd_has_no_negative_zeros(engine, a):
    # NumPy 2.4's OpenBLAS gave S = [1, −0] for [1 0; 0 −0]: a singular value printed "-0"
    _engine(engine, "mlcalc.kernels.cpu.svd")
    for part in linalg.svd(np.array(a), engine=engine).values():
        assert not np.signbit(part[part == 0]).any(), part


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("shape", [(1, 1), (1, 4), (4, 1), (5, 3), (3, 5)])
def test_pinv_matches_numpy(engine, shape):
    _engine(engine, "mlcalc.kernels.cpu.svd")
    a0 = _well_conditioned(*shape)
    for a in _layouts(a0):
        np.testing.assert_allclose(linalg.pinv(a, engine=engine), np.linalg.pinv(a0), rtol=1e-9, atol=1e-12)


def test_pinv_of_a_singular_matrix_drops_the_zero_singular_value():
    a = np.array([[1.0, 2.0], [2.0, 4.0]])
    np.testing.assert_allclose(linalg.pinv(a), np.array([[1.0, 2.0], [2.0, 4.0]]) / 25, atol=1e-15)


def test_pinv_rcond_cuts_small_singular_values():
    a = np.diag([1.0, 1e-8])
    np.testing.assert_allclose(linalg.pinv(a), np.diag([1.0, 1e8]))
    np.testing.assert_allclose(linalg.pinv(a, rcond=1e-6), np.diag([1.0, 0.0]))


@pytest.mark.parametrize("engine", ENGINES)
def test_float32_pinv_drops_singular_values_at_float32_rounding(engine):
    # rank 2 in float32: its other singular values are rounding, ~1e-7·σ_max, which 1e-15 would invert
    rng = np.random.default_rng(3)
    a = (rng.standard_normal((6, 2)) @ rng.standard_normal((2, 5))).astype(np.float32)
    p = linalg.pinv(a, engine=engine)
    assert p.dtype == np.float32 and np.abs(p).max() < 10
    np.testing.assert_allclose(a @ p @ a, a, atol=1e-5)
    np.testing.assert_allclose(p, np.linalg.pinv(a.astype(np.float64), rcond=1e-6), atol=1e-5)  # NumPy 1.26: no rtol


def test_pinv_trace_shows_reciprocals_and_check():
    t = Tracer()
    linalg.pinv(np.array([[1.0, 2.0], [2.0, 4.0]]), tracer=t)
    recip = next(s for s in t.steps if s.title == "Reciprocals").result
    np.testing.assert_allclose(recip, [0.2, 0.0])
    assert "‖A·A⁺·A − A‖" in t.steps[-1].formula


def test_svd_trace_goes_through_the_gram_matrix_and_checks():
    t = Tracer()
    linalg.svd(np.array([[3.0, 0.0], [4.0, 5.0]]), tracer=t)
    assert any("AᵀA" in s.title for s in t.steps)
    assert "√45, √5" in " ".join(s.formula for s in t.steps)
    assert "U·diag(S)·Vt − A" in t.steps[-1].formula



def test_svd_trace_of_a_wide_matrix_derives_v_from_the_u_it_took():
    # a wide A takes the eigenvectors of AAᵀ (U); the trace had said V came from AᵀA and U from A·vᵢ/σᵢ
    t = Tracer()
    linalg.svd(np.array([[1.0, 2, 3], [4, 5, 6]]), tracer=t)
    vectors = next(s for s in t.steps if s.title == "Singular vectors")
    assert vectors.formula.startswith("U: eigenvectors of AAᵀ; V: vᵢ = Aᵀ·uᵢ / σᵢ")


@pytest.mark.parametrize("engine, method", [("numpy", "LAPACK gesdd"), ("numba", "one-sided Jacobi")])
def test_svd_trace_of_a_large_matrix_names_the_engines_method(engine, method):
    t = Tracer()
    linalg.svd(np.arange(64.0).reshape(8, 8) ** 1.5, engine=engine, tracer=t)
    assert method in t.steps[0].note


# ---------------------------------------------------------------- inspect


def test_inspect_lists_the_contract_results_in_order():
    r = linalg.inspect(np.array([[2.0, 1.0], [1.0, 2.0]]))
    assert list(r) == ["shape", "dtype", "rank", "condition_number", "sparsity", "symmetric", "orthogonal",
                       "idempotent", "positive_definite", "min", "max"]
    assert r["shape"] == [2, 2] and r["dtype"] == "float64" and r["rank"] == 2
    assert math.isclose(r["condition_number"], 3, rel_tol=1e-12)
    assert r["symmetric"] and r["positive_definite"] and not r["orthogonal"] and not r["idempotent"]
    assert r["min"] == 1 and r["max"] == 2 and r["sparsity"] == 0


def test_inspect_of_a_singular_matrix():
    r = linalg.inspect(np.array([[1.0, 0.0], [0.0, 0.0]]))
    assert r["rank"] == 1 and r["condition_number"] == math.inf and r["sparsity"] == 0.75
    assert r["idempotent"] and r["symmetric"] and not r["positive_definite"]


def test_inspect_recognises_a_rotation_as_orthogonal():
    c, s = math.cos(0.3), math.sin(0.3)
    r = linalg.inspect(np.array([[c, -s], [s, c]]))
    assert r["orthogonal"] and not r["symmetric"]


def test_inspect_tolerance_scales_with_the_matrix():
    a = np.array([[1e12, 3e11], [3e11 + 1e-2, 1e12]])   # off by 1e-2 in 1e12: symmetric within RTOL
    assert linalg.inspect(a)["symmetric"]
    assert not linalg.inspect(np.array([[1.0, 0.3], [0.3001, 1.0]]))["symmetric"]


def test_inspect_of_a_non_square_matrix():
    r = linalg.inspect(np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]))
    assert r["shape"] == [2, 3] and r["rank"] == 2 and r["condition_number"] == 1
    assert not (r["symmetric"] or r["orthogonal"] or r["idempotent"] or r["positive_definite"])


def test_inspect_gives_a_vector_its_own_shape_as_numpy_does():
    # it was [1, 3], and [3, 1] for the same values read back from CSV; the facts are those of the row
    r = linalg.inspect(np.array([1.0, 2.0, 3.0]))
    assert r["shape"] == [3] and r["rank"] == 1 and not r["symmetric"]
    assert linalg.inspect(np.array([[1.0], [2.0], [3.0]]))["shape"] == [3, 1]


def test_inspect_of_a_float32_matrix():
    r = linalg.inspect(np.eye(3, dtype=np.float32))
    assert r["dtype"] == "float32" and r["orthogonal"] and r["idempotent"] and r["positive_definite"]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("a,b,want", [([1e200, 1e200], [1e200, 0], [1e200, 0]),   # a·b, b·b overflow
                                      ([1, 1], [1e-170, 0], [1, 0]),                 # b·b underflows to 0
                                      ([1e300, 1e300], [1, 1], [1e300, 1e300]),
                                      ([1e-170, 1e-170], [1e-150, 0], [1e-170, 0]),   # a·b subnormal
                                      ([1e-320, 0], [1e-10, 0], [1e-320, 0]),         # a·b underflows to 0
                                      ([1, 0], [0, 1], [0, 0])])
def test_project_onto_a_vector_beyond_the_float_range(engine, a, b, want):
    got = linalg.project(np.array(a, dtype=float), np.array(b, dtype=float), engine=engine)
    np.testing.assert_allclose(got, want, rtol=1e-15)
    if max(abs(x) for x in a + b) < 1e30:  # float32: b·b = 1e-44 is subnormal there
        got32 = linalg.project(np.array([1, 1], dtype=np.float32), np.array([1e-22, 0], dtype=np.float32), engine=engine)
        np.testing.assert_allclose(got32, [1, 0], rtol=1e-6)


def test_inspect_in_float32_finds_orthogonal_and_idempotent_matrices():
    # a fixed 1e-10 is below one float32 ulp: no float32 matrix but I passed
    t = 0.3
    rot = np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]], dtype=np.float32)
    v = np.array([[0.6], [0.8]])
    proj = (v @ v.T).astype(np.float32)
    assert linalg.inspect(rot)["orthogonal"] and linalg.inspect(proj)["idempotent"]
    assert not linalg.inspect(rot * np.float32(1.001))["orthogonal"]
    q = np.linalg.qr(np.random.default_rng(0).standard_normal((200, 200)))[0]
    assert linalg.inspect(q.astype(np.float32))["orthogonal"]
    assert not linalg.inspect((1.01 * q).astype(np.float32))["orthogonal"]  # AᵀA − I = 0.02


SPLIT_PAST_N_EPS = np.array([  # eigenvalues 1, 1, 2: LAPACK split the pair by 1.4e-15, past n·eps·max|w|
    [1.91958702406982, 0.25033821423208624, -0.10619561067822737],
    [0.25033821423208624, 1.06814931035842, -0.02890952007871617],
    [-0.10619561067822737, -0.02890952007871617, 1.012263665571759]])


@pytest.mark.parametrize("a", [np.diag([1.0, -1, 1, -1]), np.array([[2.0, 1, 1], [1, 2, 1], [1, 1, 2]]),
                               np.eye(3), None, SPLIT_PAST_N_EPS])
def test_repeated_eigenvalues_get_the_same_eigenvectors_on_every_engine(a):
    if a is None:  # a triple eigenvalue hidden by a rotation: rounding splits it by ~n·eps·‖A‖
        q = np.linalg.qr(np.random.default_rng(1).standard_normal((100, 100)))[0]
        a = q @ np.diag(np.concatenate([[1.0, 1, 1], np.arange(4.0, 101)])) @ q.T
        a = (a + a.T) / 2
    # any orthonormal basis of a repeated eigenvalue's eigenspace is an answer: one canonical basis is printed
    got = [linalg.eig(a, vectors=True, engine=e) for e in ENGINES]
    np.testing.assert_allclose(got[0]["vectors"], got[1]["vectors"], atol=1e-12)
    for g in got:
        v, w = g["vectors"], g["values"]
        np.testing.assert_allclose(a @ v, v * w, atol=1e-12)
        np.testing.assert_allclose(v.T @ v, np.eye(len(w)), atol=1e-12)
    np.testing.assert_array_equal(linalg.eig(np.diag([1.0, -1, 1, -1]), vectors=True)["vectors"][:, 2:],
                                  np.array([[1.0, 0], [0, 0], [0, 1], [0, 0]]))


@pytest.mark.parametrize("a", [[[3, 1, 0, 0], [0, 2, 1, 0], [0, 0, 1, 1], [0, 0, 0, 1e11]],
                               [[1.000000000001, 1, 0], [0, 1, 1], [0, 0, 5]]])
def test_real_eigenvalues_equal_to_ten_digits_of_the_largest_still_ascend(a):
    # 1, 2, 3 beside 1e11 count as "equal" real parts (the rule that keeps conjugate pairs together):
    # the engines printed them in their solvers' orders, 3, 2, 1 and 1, 2, 3
    a = np.array(a)
    for e in ENGINES:
        w = linalg.eig(a, engine=e)["values"]
        assert np.all(np.diff(w.real) >= 0), (e, w)


@pytest.mark.parametrize("diagonal", [[1e16, 3, 2, 1], [1e12, 1.0001, 1], [1e16, 1, 1, 2]])
def test_eigenvalues_tiny_beside_the_largest_keep_their_exact_vectors(diagonal):
    # 1, 2, 3 are within n·eps·max|w| of each other, but the solver resolves them exactly (residual 0):
    # they are distinct, and each keeps its own axis (a repeated 1 still gets the canonical basis)
    a = np.diag(diagonal)
    for engine in ENGINES:
        got = linalg.eig(a, vectors=True, engine=engine)
        v, w = got["vectors"], got["values"]
        np.testing.assert_array_equal(w, np.sort(diagonal))
        np.testing.assert_array_equal(a @ v, v * w)
        np.testing.assert_array_equal(np.abs(v), np.eye(4 if len(diagonal) == 4 else 3)[:, np.argsort(diagonal)])


def test_distinct_small_eigenvalues_keep_their_own_eigenvectors():
    c = s = math.sqrt(0.5)
    r = np.array([[1.0, 0, 0], [0, c, -s], [0, s, c]])
    a = r @ np.diag([1e6, 1e-9, 0]) @ r.T
    v = linalg.eig((a + a.T) / 2, vectors=True)["vectors"]
    np.testing.assert_allclose(np.abs(v[1:, :2]), math.sqrt(0.5), rtol=1e-6)  # not e₂, e₃


@pytest.mark.parametrize("case", ["clustered", "repeated"])
def test_eigenvectors_of_close_and_repeated_eigenvalues_answer_as_lapacks_do(case):
    # a chain of neighbours within 16·n·eps of each other became one "repeated eigenvalue" whatever its
    # width (I + 1e-14·noise: 100 values over 4.8e-12), rebuilt as the identity's axes: A·V − V·Λ 2.6e-13
    # against LAPACK's 5e-16; and a 60-fold eigenvalue's basis, Gram–Schmidt in column order, lost
    # orthogonality to 2e-12
    rng = np.random.default_rng(0)
    if case == "clustered":
        e = rng.standard_normal((100, 100))
        a = np.eye(100) + 1e-14 * (e + e.T)
    else:
        q = np.linalg.qr(rng.standard_normal((300, 300)))[0]
        a = q @ np.diag(rng.integers(1, 6, 300).astype(float)) @ q.T
        a = (a + a.T) / 2
    n, eps = len(a), np.finfo(float).eps
    for engine in ENGINES:
        got = linalg.eig(a, vectors=True, engine=engine)
        v, w = got["vectors"], got["values"]
        assert np.abs(a @ v - v * w).max() <= n * eps * np.abs(w).max(), engine  # the solvers' own bound
        assert np.abs(v.T @ v - np.eye(n)).max() <= 100 * eps, engine


def test_an_eigenvalue_beyond_the_float_range_keeps_true_vectors_and_warns():
    # 0 and inf counted as one repeated eigenvalue (every tolerance was inf): the vectors became e₁, e₂
    a = np.array([[1e308, 1e308], [1e308, 1e308]])
    warnings = []
    for engine in ENGINES:
        got = linalg.eig(a, vectors=True, engine=engine, warn=warnings.append)
        np.testing.assert_allclose(np.abs(got["vectors"]), np.sqrt(0.5), rtol=1e-12)
        assert got["values"][0] == 0 and got["values"][1] == np.inf
    assert len(warnings) == 2 and "beyond float64's range" in warnings[0]
