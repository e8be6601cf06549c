"""norm and dist: every engine against the reference, the worked examples, and the edge cases."""

import math

import numpy as np
import pytest

from mlcalc.errors import MlcalcError
from mlcalc.kernels import reference
from mlcalc.ops import linalg
from mlcalc.trace.steps import Tracer
from conftest import ENGINES

RNG = np.random.default_rng(7)
SHAPES = [(1, 1), (1, 6), (6, 1), (5, 3), (3, 8), (40, 17)]


def _tol(dtype):
    return dict(rtol=1e-12, atol=0) if dtype == np.float64 else dict(rtol=2e-6, atol=0)


def _operands(shape, dtype):
    a = RNG.standard_normal(shape).astype(dtype)
    yield "contiguous", a
    yield "fortran", np.asfortranarray(a)
    wide = RNG.standard_normal((shape[0], 2 * shape[1])).astype(dtype)
    yield "strided", wide[:, ::2]


# ---------------------------------------------------------------- worked examples


@pytest.mark.parametrize("engine", ENGINES)
def test_length_of_3_4_is_5(engine):
    assert linalg.norm(np.array([3.0, 4.0]), engine=engine) == 5


@pytest.mark.parametrize("engine", ENGINES)
def test_l1_and_l2_of_1_minus2_3(engine):
    v = np.array([1.0, -2.0, 3.0])
    assert linalg.norm(v, "l1", engine=engine) == 6
    assert math.isclose(linalg.norm(v, "l2", engine=engine), math.sqrt(14), rel_tol=1e-15)


def test_l2_trace_shows_the_squares_and_the_root():
    t = Tracer()
    linalg.norm(np.array([1.0, -2.0, 3.0]), "l2", tracer=t)
    text = " ".join(s.formula for s in t.steps)
    assert "1² + (−2)² + 3² = 14" in text
    assert "√14" in text


@pytest.mark.parametrize("engine", ENGINES)
def test_euclidean_and_manhattan_distance_from_origin_to_3_4(engine):
    o, p = np.array([0.0, 0.0]), np.array([3.0, 4.0])
    assert linalg.dist(o, p, "euclidean", engine=engine) == 5
    assert linalg.dist(o, p, "manhattan", engine=engine) == 7


# ---------------------------------------------------------------- norms against the reference


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("ord", ["l1", "l2", "inf"])
def test_row_and_column_norms_match_reference(engine, dtype, shape, ord):
    for _, a in _operands(shape, dtype):
        for axis in ("rows", "cols"):
            got = linalg.norm(a, ord, axis, engine=engine)
            want = reference.norm(np.ascontiguousarray(a), ord, axis)
            assert got.dtype == dtype and got.shape == want.shape
            np.testing.assert_allclose(got, want, **_tol(dtype))


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("ord", ["l1", "inf", "fro"])
def test_elementwise_matrix_norms_match_reference(engine, dtype, shape, ord):
    for _, a in _operands(shape, dtype):
        got = linalg.norm(a, ord, engine=engine)
        vector = 1 in shape
        want = reference.norm(a.reshape(-1) if vector else a, "l2" if (vector and ord == "fro") else ord)
        assert got.dtype == dtype
        np.testing.assert_allclose(got, want, **_tol(dtype))


def test_matrix_norms_follow_numpy():
    a = np.array([[1.0, -7.0, 2.0], [3.0, 4.0, -5.0]])
    for ours, numpys in (("l1", 1), ("inf", np.inf), ("fro", "fro"), ("l2", 2), ("spectral", 2), ("nuc", "nuc")):
        assert math.isclose(linalg.norm(a, ours, engine="numpy"), np.linalg.norm(a, numpys), rel_tol=1e-13)


@pytest.mark.parametrize("ord", ["l2", "spectral", "nuc"])
def test_singular_value_norms_on_numba_engine(ord):
    pytest.importorskip("mlcalc.kernels.cpu.svd")
    a = RNG.standard_normal((7, 4))
    assert math.isclose(linalg.norm(a, ord, engine="numba"), reference.norm(a, ord), rel_tol=1e-9)


def test_one_row_and_one_column_operands_are_vectors():
    v = np.array([[1.0, -2.0, 3.0]])
    assert linalg.norm(v, "l1", engine="numpy") == 6          # as a 1×3 matrix, l1 would be 3
    assert linalg.norm(v.T, "inf", engine="numpy") == 3       # as a 3×1 matrix, inf would be 3 too
    assert linalg.norm(v, "inf", engine="numpy") == 3         # as a 1×3 matrix, inf would be 6


@pytest.mark.parametrize("engine", ENGINES)
def test_l2_does_not_overflow_or_underflow(engine):
    big = linalg.norm(np.array([1e200, 1e200]), engine=engine)
    small = linalg.norm(np.array([1e-200, 1e-200]), engine=engine)
    assert math.isclose(big, math.sqrt(2) * 1e200, rel_tol=1e-15)
    assert math.isclose(small, math.sqrt(2) * 1e-200, rel_tol=1e-15)
    rows = linalg.norm(np.array([[1e200, 1e200], [1e-200, 1e-200]]), "l2", "rows", engine=engine)
    np.testing.assert_allclose(rows, [math.sqrt(2) * 1e200, math.sqrt(2) * 1e-200], rtol=1e-15)
    cols = linalg.norm(np.array([[1e200, 1e-200], [1e200, 1e-200]]), "l2", "cols", engine=engine)
    np.testing.assert_allclose(cols, [math.sqrt(2) * 1e200, math.sqrt(2) * 1e-200], rtol=1e-15)
    assert math.isclose(linalg.norm(np.full((3, 3), 1e300), "fro", engine=engine), 3e300, rel_tol=1e-15)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("cols", [8, 100])
def test_row_norms_of_many_rows_rescue_only_the_rows_out_of_range(engine, cols):
    # the numba engine takes the roots of 64 short rows (or a block of long ones) at once and redoes
    # only the rows whose sum of squares overflowed or underflowed: those rows sit inside blocks,
    # at their edges, and in the last, partial block, among ordinary rows that must stay exact
    a = RNG.standard_normal((1000, cols))
    for i, scale in [(0, 1e200), (63, 1e-200), (64, 1e180), (300, 1e-170), (511, 1e300), (999, 1e-300)]:
        a[i] *= scale
    a[700, 3] = np.inf
    a[701, 5] = np.nan
    want = np.array([math.sqrt(math.fsum((x / max(abs(r))) ** 2 for x in r)) * max(abs(r))
                     if np.isfinite(r).all() else np.linalg.norm(r) for r in a])
    got = linalg.norm(a, "l2", "rows", engine=engine)
    np.testing.assert_allclose(got, want, rtol=1e-14)
    assert got[700] == np.inf and math.isnan(got[701])
    np.testing.assert_allclose(linalg.norm(a[:, :7], "inf", "rows", engine=engine), np.abs(a[:, :7]).max(axis=1))


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape", [(1, 64), (3, 64), (5, 70), (257, 100), (1031, 65), (5, 4000), (4099, 9)])
def test_long_row_and_column_norms_match_reference_in_every_quarter(engine, dtype, shape):
    # the numba engine reads four far-apart quarters of each block of rows side by side: a block's rows
    # need not divide by four, the last block may be short, and (columns) a block may be empty
    a = RNG.standard_normal(shape).astype(dtype)
    m = shape[0]
    for i in {0, m // 4, m // 2, m - 1}:
        a[i] *= 3  # rows that stand out, at the quarters' edges
    for ord in ("l1", "l2"):
        for axis in ("rows", "cols"):
            got = linalg.norm(a, ord, axis, engine=engine)
            assert got.dtype == dtype
            np.testing.assert_allclose(got, reference.norm(a, ord, axis), **_tol(dtype))


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("cols", [2, 4, 16, 32])
def test_short_row_norms_match_reference_across_blocks(engine, dtype, cols):
    # the numba engine sums rows of 2-32 columns by halving, in blocks of rows per task: rows in
    # every block and task, a NaN, an inf, and (float64) a row whose squares overflow
    plain = RNG.standard_normal((2000, cols)).astype(dtype)
    a = plain.copy()
    a[3, 0], a[600, cols - 1] = np.nan, np.inf
    for ord in ("l1", "l2"):
        got = linalg.norm(a, ord, "rows", engine=engine)
        assert got.dtype == dtype
        np.testing.assert_allclose(got, reference.norm(a, ord, "rows"), **_tol(dtype))
    if dtype == np.float64:
        a = plain.copy()
        a[1999] *= 1e200
        want = reference.norm(plain, "l2", "rows")
        want[1999] *= 1e200
        np.testing.assert_allclose(linalg.norm(a, "l2", "rows", engine=engine), want, rtol=1e-14)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("order", ["C", "F"])
def test_max_abs_norms_see_every_block_of_rows(engine, dtype, order):
    # the numba engine takes the max over blocks of rows: the largest entries in the last block and in
    # the first (an F-order operand's row norms go through the column kernel)
    a = RNG.standard_normal((4000, 5)).astype(dtype)
    a[3999, 1], a[0, 3], a[2000, 4] = -50, 40, 30
    a = np.asarray(a, order=order)
    for axis in ("rows", "cols"):
        np.testing.assert_array_equal(linalg.norm(a, "inf", axis, engine=engine),
                                      reference.norm(np.ascontiguousarray(a), "inf", axis))
    want = reference.norm(np.ascontiguousarray(a), "inf")  # the largest row sum: summed in another order
    assert linalg.norm(a, "inf", engine=engine) == pytest.approx(want, rel=1e-6 if dtype == np.float32 else 1e-12)


@pytest.mark.parametrize("engine", ENGINES)
def test_nan_and_inf_carry_through_norms(engine):
    assert math.isnan(linalg.norm(np.array([1.0, np.nan, 2.0]), "l2", engine=engine))
    assert math.isnan(linalg.norm(np.array([1.0, np.nan, 2.0]), "inf", engine=engine))
    assert linalg.norm(np.array([1.0, np.inf]), "l2", engine=engine) == np.inf


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_cosine_distance_of_a_nonfinite_vector_is_nan_not_zero(engine, bad):
    # Python's max(0.0, nan) is 0.0: the numba vector path called such vectors identical
    with np.errstate(invalid="ignore"):  # inf/inf, as NumPy warns
        assert math.isnan(linalg.dist(np.array([bad, 1.0]), np.array([1.0, 1.0]), "cosine", engine=engine))


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_max_abs_keeps_nan_inf_and_signs_in_every_direction(engine, dtype):
    # the numba engine takes max|x| as an integer max of the bit patterns: NaN must still win over
    # inf, -inf count as inf, -0.0 as 0, negative numbers by their size, and rows/columns stay apart
    a = np.array([[-0.0, -3.0, 2.0], [np.nan, 1.0, -np.inf], [-5.0, np.inf, 0.5], [0.0, -0.0, -0.0]], dtype=dtype)
    rows = linalg.norm(a, "inf", axis="rows", engine=engine)
    cols = linalg.norm(a, "inf", axis="cols", engine=engine)
    assert rows.dtype == dtype and cols.dtype == dtype
    assert rows[0] == 3 and math.isnan(rows[1]) and rows[2] == np.inf and rows[3] == 0
    assert not np.signbit(rows[3])
    assert math.isnan(cols[0]) and cols[1] == np.inf and cols[2] == np.inf
    assert linalg.norm(a[[0, 2, 3]].ravel(), "inf", engine=engine) == np.inf
    assert math.isnan(linalg.norm(a.ravel(), "inf", engine=engine))
    big = RNG.standard_normal(70_001).astype(dtype)
    big[54_321] = -40.0
    assert linalg.norm(big, "inf", engine=engine) == 40.0


@pytest.mark.parametrize("engine", ENGINES)
def test_long_vector_norms_match_reference(engine):
    v = RNG.standard_normal(100_003)
    for ord in ("l1", "l2", "inf"):
        assert math.isclose(linalg.norm(v, ord, engine=engine), reference.norm(v, ord), rel_tol=1e-12)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("n", [7, 4 * 16384 + 3, 4 * 40_000 + 1])
def test_vector_norms_see_every_part_and_the_tail(engine, n):
    # the numba engine reads a long vector as four parts side by side plus the last n mod 4
    # elements: an extreme value (or a NaN) in any of them must count
    for where in (0, n // 4, n // 2 + 1, 3 * (n // 4) + 2, n - 1):
        v = RNG.standard_normal(n)
        v[where] = -1e3
        for ord in ("l1", "l2", "inf"):
            assert math.isclose(linalg.norm(v, ord, engine=engine), reference.norm(v, ord), rel_tol=1e-12)
        v[where] = np.nan
        assert all(math.isnan(linalg.norm(v, ord, engine=engine)) for ord in ("l1", "l2", "inf"))


def test_unknown_ord_is_an_error():
    with pytest.raises(MlcalcError, match="unknown --ord"):
        linalg.norm(np.ones(3), "l3")


# ---------------------------------------------------------------- distances


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("mpn", [(1, 1, 1), (2, 1, 4), (1, 3, 5), (1, 40, 9), (5, 7, 3), (9, 6, 1), (21, 700, 17),
                                 (139, 1030, 261)])  # the numba kernel's tasks, column blocks and k panels
@pytest.mark.parametrize("metric", ["euclidean", "manhattan", "chebyshev", "cosine"])
def test_pairwise_distances_match_reference(engine, dtype, mpn, metric):
    m, p, n = mpn
    a = RNG.standard_normal((m, 2 * n)).astype(dtype)[:, ::2]     # non-contiguous
    b = np.asfortranarray(RNG.standard_normal((p, n)).astype(dtype))
    if n == 1 or m == p == 1:  # one column, or one row each, are vectors (test_vector_distances_match_reference)
        a = RNG.standard_normal((max(m, 2), 2 * n + 2)).astype(dtype)[:, ::2]
        b = np.asfortranarray(RNG.standard_normal((max(p, 2), n + 1)).astype(dtype))
    got = linalg.dist(a, b, metric, engine=engine)
    want = reference.dist(np.ascontiguousarray(a), np.ascontiguousarray(b), metric)
    assert got.dtype == dtype and got.shape == (a.shape[0], b.shape[0])
    np.testing.assert_allclose(got, want, rtol=_tol(dtype)["rtol"], atol=1e-13 if dtype == np.float64 else 1e-6)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("metric", ["euclidean", "manhattan", "chebyshev", "cosine"])
def test_vector_distances_match_reference(engine, metric):
    for n in (1, 3, 50_001):
        a, b = RNG.standard_normal(n), RNG.standard_normal(n)
        if n == 1 and metric == "cosine":
            continue
        assert math.isclose(linalg.dist(a, b, metric, engine=engine), reference.dist(a, b, metric),
                            rel_tol=1e-12, abs_tol=1e-15)


@pytest.mark.parametrize("engine", ENGINES)
def test_euclidean_distance_of_nearly_equal_rows_keeps_its_digits(engine):
    base = RNG.uniform(1e3, 2e3, size=(4, 30))
    delta = RNG.standard_normal((4, 30)) * 1e-9
    near = base + delta
    got = linalg.dist(base, near, "euclidean", engine=engine)
    exact = np.sqrt(np.sum((base - near) ** 2, axis=1))   # differences of the stored values are exact here
    np.testing.assert_allclose(np.diag(got), exact, rtol=1e-12)


@pytest.mark.parametrize("engine", ENGINES)
def test_euclidean_distance_does_not_overflow(engine):
    a = np.array([[1e200, 1e200], [1e200, 1e200]])
    assert math.isclose(linalg.dist(a, -a, "euclidean", engine=engine)[0, 1], 2 * math.sqrt(2) * 1e200, rel_tol=1e-14)
    assert math.isclose(linalg.dist(a[0], -a[0], engine=engine), 2 * math.sqrt(2) * 1e200, rel_tol=1e-14)


def test_matrix_against_a_vector_gives_a_column_of_distances():
    got = linalg.dist(np.array([[0.0, 0.0], [3.0, 4.0]]), np.array([0.0, 0.0]), engine="numpy")
    np.testing.assert_array_equal(got, [[0.0], [5.0]])


def test_cosine_distance_of_orthogonal_and_parallel_vectors():
    assert linalg.dist(np.array([1.0, 0.0]), np.array([0.0, 2.0]), "cosine") == 1
    assert linalg.dist(np.array([1.0, 1.0]), np.array([3.0, 3.0]), "cosine") == pytest.approx(0, abs=1e-15)


@pytest.mark.parametrize("engine", ENGINES)
def test_cosine_with_a_zero_vector_is_an_error(engine):
    with pytest.raises(MlcalcError, match="zero vector"):
        linalg.dist(np.array([1.0, 2.0]), np.zeros(2), "cosine", engine=engine)
    with pytest.raises(MlcalcError, match="row 2 of B"):
        linalg.dist(np.ones((2, 2)), np.array([[1.0, 0.0], [0.0, 0.0]]), "cosine", engine=engine)


def test_mismatched_shapes_are_an_error():
    with pytest.raises(MlcalcError, match="different lengths: 2 and 3"):
        linalg.dist(np.zeros(2), np.zeros(3))
    with pytest.raises(MlcalcError, match="3 columns"):
        linalg.dist(np.zeros((2, 3)), np.zeros((2, 4)))


def test_dist_trace_shows_differences_and_terms():
    t = Tracer()
    linalg.dist(np.array([0.0, 0.0]), np.array([3.0, 4.0]), "euclidean", tracer=t)
    text = " ".join(s.formula for s in t.steps)
    assert "(−3)² + (−4)²" in text and "√25" in text


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("cols", [1, 2, 4, 8, 3])
def test_column_norms_of_narrow_matrices_in_lanes(engine, cols):
    # 1, 2, 4 and 8 columns are summed as one flat run in 8 lanes (lane l: column l % n), across
    # block boundaries that fall inside the 8-element groups; 3 columns take the row-by-row path
    rng = np.random.default_rng(cols)
    a = rng.standard_normal((30011, cols))
    for ord in ("l1", "l2"):
        want = reference.norm(a, ord, "cols")
        np.testing.assert_allclose(linalg.norm(a, ord, "cols", engine=engine), want, rtol=1e-12)
    a[17, 0] = np.nan
    assert np.isnan(linalg.norm(a, "l2", "cols", engine=engine)[0])


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("ord_", ["nuc", "spectral", "l2"])
def test_svd_norms_of_a_nonfinite_matrix_are_one_clear_error(engine, ord_):
    # LAPACK's SVD raised LinAlgError on NaN (an internal error) and gave nan for inf; numba named svd
    from mlcalc.errors import InputError
    with pytest.raises(InputError, match=rf"norm --ord {ord_}: A has a non-finite value \(inf\) at row 1, column 2"):
        linalg.norm(np.array([[1.0, np.inf], [2, 3]]), ord_, engine=engine)


@pytest.mark.parametrize("engine", ENGINES)
def test_euclidean_distance_keeps_tiny_differences(engine):
    # the squares of 1e-300 underflow to 0: the pairs concerned are recomputed scaled
    assert linalg.dist(np.array([1.0, 1e-300]), np.array([1.0, 0.0]), engine=engine) == 1e-300
    got = linalg.dist(np.array([[1.0, 1e-200], [1.0, 3e-200], [0.0, 0.0]]), np.array([[1.0, 0.0]]), engine=engine)
    np.testing.assert_allclose(got[:, 0], [1e-200, 3e-200, 1.0], rtol=1e-15)


@pytest.mark.parametrize("engine", ENGINES)
def test_tiny_distances_beside_huge_entries_or_a_nan_row(engine):
    # the refinement was skipped when the entries were rescaled (1e300 beside 1e-100), or when a NaN
    # anywhere made the smallest entry NaN
    got = linalg.dist(np.array([[1e300, 1e-100], [1.0, 1.0]]), np.array([[1e300, 0.0]]), engine=engine)
    assert got[0, 0] == 1e-100
    got = linalg.dist(np.array([[1e-300, 0.0], [np.nan, 0.0]]), np.array([[0.0, 0.0]]), engine=engine)
    assert got[0, 0] == 1e-300 and math.isnan(got[1, 0])


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("metric", ["euclidean", "manhattan", "chebyshev", "cosine"])
def test_one_feature_point_sets_of_different_sizes_give_the_pairwise_matrix(engine, metric):
    # (3, 1) and (2, 1) were both read as vectors and refused as "vectors of different lengths"; scipy's
    # cdist gives the 3×2 matrix, and no vector reading fits
    a, b = np.array([[1.0], [-2], [4]]), np.array([[0.5], [10]])
    got = linalg.dist(a, b, metric=metric, engine=engine)
    want = np.array([[reference.dist(x, y, metric) for y in b] for x in a])
    assert got.shape == (3, 2) and np.allclose(got, want, rtol=1e-12, atol=1e-15)
    assert np.isclose(linalg.dist(a, np.array([[0.0], [1], [2]]), engine=engine), math.sqrt(1 + 9 + 4))  # equal: vectors
    with pytest.raises(MlcalcError, match=r"^dist: vectors of different lengths: 3 and 2 \(shapes \(3,\) and \(2,\)\)$"):
        linalg.dist(np.array([1.0, 2, 4]), np.array([0.0, 10]), engine=engine)
