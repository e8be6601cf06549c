"""inv, solve, det, rank, rref in floating point: every engine against NumPy, and the error policy."""

import numpy as np
import pytest

from mlcalc.errors import InputError, NumericError, ShapeError
from mlcalc.ops import systems

ENGINES = ["numpy", "numba"]
SIZES = [1, 2, 3, 6, 17, 64, 200]


def well_conditioned(n, dtype=np.float64, seed=0):
    """n·I + noise with its rows shuffled: κ stays small and partial pivoting has to swap the rows back
    (n·I + noise as it is needs no swap, and an inverse with its permutation transposed went unseen)."""
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((n, n)) + n * np.eye(n)
    return a[rng.permutation(n)].astype(dtype)


def rel_err(x, y):
    return np.max(np.abs(x - y)) / max(np.max(np.abs(y)), 1e-300)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("n", SIZES)
def test_inverse_agrees_with_numpy(engine, n):
    a = well_conditioned(n)
    assert rel_err(systems.inv(a, engine), np.linalg.inv(a)) < 1e-9


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("n", SIZES)
def test_solve_agrees_with_numpy_for_vector_and_matrix_rhs(engine, n):
    a = well_conditioned(n)
    b = np.random.default_rng(1).standard_normal((n, 3))
    assert rel_err(systems.solve(a, b, engine), np.linalg.solve(a, b)) < 1e-9
    x = systems.solve(a, b[:, 0], engine)
    assert x.shape == (n,)
    assert rel_err(x, np.linalg.solve(a, b[:, 0])) < 1e-9


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("n", SIZES)
def test_determinant_agrees_with_numpy(engine, n):
    a = well_conditioned(n) / n  # keeps det within float range at n = 200
    assert systems.det(a, engine) == pytest.approx(np.linalg.det(a), rel=1e-9)


@pytest.mark.parametrize("engine", ENGINES)
def test_float32_input_gives_float32_results(engine):
    a = well_conditioned(12, np.float32)
    a_inv = systems.inv(a, engine)
    x = systems.solve(a, np.ones(12, np.float32), engine)
    d = systems.det(a, engine)
    assert a_inv.dtype == x.dtype == d.dtype == np.float32
    assert rel_err(a_inv, np.linalg.inv(a.astype(np.float64))) < 1e-5


@pytest.mark.parametrize("engine", ENGINES)
def test_worked_example_inverse(engine):
    np.testing.assert_allclose(systems.inv(np.array([[2.0, 1.0], [1.0, 1.0]]), engine), [[1, -1], [-1, 2]])


def test_single_number_is_a_one_by_one_matrix():
    assert systems.inv(np.array([4.0]))[0, 0] == 0.25
    assert systems.det(np.array([4.0])) == 4


def test_one_row_b_is_the_vector_b():
    a = np.array([[2.0, 1.0], [1.0, 3.0]])
    x = systems.solve(a, np.array([[3.0, 5.0]]))
    np.testing.assert_allclose(x, [0.8, 1.4])


@pytest.mark.parametrize("engine", ENGINES)
def test_inverse_of_singular_matrix_is_an_error(engine):
    with pytest.raises(NumericError, match=r"inv: A is singular \(pivot 0 in column 2\)"):
        systems.inv(np.array([[1.0, 2.0], [2.0, 4.0]]), engine)


@pytest.mark.parametrize("engine", ENGINES)
def test_solve_with_singular_matrix_is_an_error(engine):
    with pytest.raises(NumericError, match="solve: A is singular"):
        systems.solve(np.zeros((2, 2)), np.ones(2), engine)


@pytest.mark.parametrize("engine", ENGINES)
def test_determinant_of_singular_matrix_is_zero(engine):
    assert systems.det(np.array([[1.0, 2.0], [2.0, 4.0]]), engine) == 0


def test_classic_rank_two_matrix_is_singular_for_numpy_engine():
    with pytest.raises(NumericError, match=r"pivot 0 in column 3"):
        systems.inv(np.arange(1.0, 10.0).reshape(3, 3), "numpy")


@pytest.mark.parametrize("engine", ENGINES)
def test_near_singular_matrix_warns_with_condition_number(engine):
    warnings = []
    systems.inv(np.array([[1.0, 1.0], [1.0, 1.0 + 2.0 ** -52]]), engine, warn=warnings.append)
    assert len(warnings) == 1 and "condition number" in warnings[0] and "e+" in warnings[0]


def test_well_conditioned_matrix_gives_no_warning():
    warnings = []
    systems.solve(well_conditioned(5), np.ones(5), warn=warnings.append)
    assert warnings == []


def test_determinant_overflow_is_reported_not_hidden():
    warnings = []
    d = systems.det(np.diag(np.full(400, 10.0)), warn=warnings.append)
    assert d == np.inf and "10^400" in warnings[0]


@pytest.mark.parametrize("fn", [systems.inv, systems.det, lambda a: systems.solve(a, np.ones(2))])
def test_nan_is_an_error_naming_its_position(fn):
    with pytest.raises(InputError, match="row 2, column 1"):
        fn(np.array([[1.0, 2.0], [np.nan, 3.0]]))


def test_infinite_right_hand_side_is_an_error():
    with pytest.raises(InputError, match="b has a non-finite value"):
        systems.solve(np.eye(2), np.array([1.0, np.inf]))


@pytest.mark.parametrize("fn", [systems.inv, systems.det])
def test_non_square_matrix_is_an_error(fn):
    with pytest.raises(ShapeError, match=r"must be a square matrix, got shape \(2, 3\)"):
        fn(np.ones((2, 3)))


def test_mismatched_solve_names_both_shapes():
    with pytest.raises(ShapeError, match=r"shapes \(3, 3\) and \(4,\) do not fit"):
        systems.solve(np.eye(3), np.ones(4))


def test_rank_uses_numpys_tolerance_rule():
    a = np.arange(1.0, 10.0).reshape(3, 3)
    assert systems.rank(a) == np.linalg.matrix_rank(a) == 2
    assert systems.rank(np.ones((4, 7))) == 1
    assert systems.rank(np.array([1.0, 2.0])) == 1


def test_rank_with_explicit_tolerance():
    a = np.diag([1.0, 1e-6, 1e-12])
    assert systems.rank(a) == 3
    assert systems.rank(a, tol=1e-9) == 2
    with pytest.raises(NumericError, match="--tol"):
        systems.rank(a, tol=-1)


def test_rref_of_rank_deficient_matrix():
    r = systems.rref(np.arange(1.0, 10.0).reshape(3, 3))
    np.testing.assert_allclose(r, [[1, 0, -1], [0, 1, 2], [0, 0, 0]], atol=1e-12)


def test_rref_of_wide_and_tall_matrices():
    np.testing.assert_allclose(systems.rref(np.array([[1.0, 2, 3], [4, 5, 6]])), [[1, 0, -1], [0, 1, 2]], atol=1e-12)
    np.testing.assert_allclose(systems.rref(np.array([[1.0], [2.0]])), [[1], [0]])


@pytest.mark.parametrize("seed", range(15))
def test_exactly_singular_matrices_are_singular_on_every_engine(seed):
    # rank-deficient integer matrices: whether LU meets an exactly zero pivot depended on each
    # engine's rounding (an error on one, values near 1e16 on the other); now the contract's rule
    rng = np.random.default_rng(seed)
    n = int(rng.integers(3, 7))
    a = (rng.integers(-5, 6, (n, n - 1)) @ rng.integers(-3, 4, (n - 1, n))).astype(float)
    messages = set()
    for engine in ENGINES:
        with pytest.raises(NumericError, match="A is singular") as e:
            systems.solve(a, np.ones(n), engine)
        messages.add(str(e.value))
        with pytest.raises(NumericError, match="A is singular"):
            systems.inv(a, engine)
        assert systems.det(a, engine) == 0
    assert len(messages) == 1


def test_det_below_the_smallest_float_warns():
    warnings = []
    assert systems.det(np.diag([1e-200, 1e-200]), "numpy", warn=warnings.append) == 0
    assert len(warnings) == 1 and "below the smallest float64" in warnings[0]


@pytest.mark.parametrize("engine", ["numpy", "numba"])
def test_small_determinants_are_exact_for_the_entries_as_typed(engine):
    from fractions import Fraction

    from mlcalc.ops import exact
    cases = {"5": 5, "1 2; 3 4": -2, "2 1 1; 1 3 2; 1 0 0": -1, "1 2 3; 4 5 6; 7 8 10": -3,
             "0.1 0.2; 0.3 0.4": -0.02, "2 0 0; 0 3 0; 0 0 7": 42}
    for text, expected in cases.items():
        a = np.array([[float(x) for x in row.split()] for row in text.split(";")])
        assert systems.det(a, engine=engine) == expected, (text, engine)
    # a random 12×12: values of 16–17 digits were computed, not typed: the exact determinant of the values
    # stored (of the shortest decimal for the few of at most 15 digits), rounded once
    a = np.random.default_rng(5).standard_normal((12, 12))
    rows = [[Fraction(repr(x)) if len(repr(abs(x)).replace(".", "").lstrip("0").partition("e")[0]) <= 15 else Fraction(x)
             for x in row] for row in a.tolist()]
    want = float(exact.det(rows))
    assert systems.det(a, engine=engine) == want
    assert systems.det(a, engine=engine) == pytest.approx(np.linalg.det(a), rel=1e-11)


@pytest.mark.parametrize("engine", ["numpy", "numba"])
def test_small_determinants_of_computed_values_are_those_of_the_values_stored(engine):
    # read as shortest decimals, [1 2⁻⁴⁰; 3 3·2⁻⁴⁰] (singular as stored; NumPy: 0) had det 1e-28, and a float32
    # Hilbert 9×9 had −3.6e-39 for 6.7e-40 (the wrong sign): its 8-digit decimals are not what it holds
    assert systems.det(np.array([[1, 2.0 ** -40], [3, 3 * 2.0 ** -40]]), engine=engine) == 0
    h = (1 / (np.arange(9)[:, None] + np.arange(9) + 1)).astype(np.float32)
    assert systems.det(h, engine=engine) > 0


def test_entries_beyond_exact_arithmetics_reach_fall_back_to_floating_point():
    # 1e-300 beside 1e300 as decimal fractions outgrow the digit limit: that was an error naming
    # "--exact", which the user never gave; now the floating-point answer (inf here, with its warning)
    rng = np.random.default_rng(0)
    a = rng.standard_normal((12, 12)) * 10.0 ** rng.integers(-300, 300, (12, 12))
    assert systems.det(a) == np.inf
    systems.inv(a)


@pytest.mark.parametrize("engine", ["numpy", "numba"])
@pytest.mark.parametrize("dtype, span", [(np.float32, 22), (np.float64, 165), (np.float64, -1)])
def test_det_of_graded_and_subnormal_matrices_works_on_the_equilibrated_copy(engine, dtype, span):
    # rows from 10^-span to 10^span (span −1: every entry near 1e-310, subnormal). Unequilibrated, the
    # float32 LU lost its multipliers to underflow (178.6 for −3573.8), float64 rows over 330 orders gave
    # the wrong sign on both engines, and subnormals LAPACK's exponent 8 decades off, with a κ ≈ nan warning
    rng = np.random.default_rng(13)
    b = rng.standard_normal((13, 13))
    d = 10.0 ** np.linspace(-span, span, 13) if span > 0 else np.full(13, 1e-310)
    a = (d[:, None] * b).astype(dtype)
    # reference: the same matrix with its rows scaled by exact powers of two, in float64
    a64 = a.astype(np.float64)
    k = np.frexp(np.abs(a64).max(axis=1))[1]
    sign, logabs = np.linalg.slogdet(np.ldexp(a64, -k[:, None]))
    logabs += k.sum() * np.log(2)
    warnings = []
    got = systems.det(a, engine, warn=warnings.append)
    assert not any("nan" in w for w in warnings)
    if span < 0:
        assert got == 0 and any(f"10^{logabs / np.log(10):.6g}" in w for w in warnings)
    else:
        np.testing.assert_allclose(got, sign * np.exp(logabs), rtol=1e-4 if dtype == np.float32 else 1e-9)


@pytest.mark.parametrize("engine", ENGINES)
def test_det_falls_back_to_a_as_given_where_the_equilibrated_copy_is_singular(engine):
    # scaling the first two rows down by 2^-996 flushes 1e-30 to 0 in the copy: det printed 0 without a
    # word, for −1e270 (inv and solve already fell back to A as given)
    a = np.eye(13)
    a[:3, :3] = [[1e300, 1e-30, 0], [1e300, 0, 0], [0, 1, 1]]
    assert systems.det(a, engine) == pytest.approx(-1e270, rel=1e-12)


def test_a_condition_estimate_that_overflowed_is_reported_as_inf():
    # graded 3×3 whose inverse has an entry of −4.2e315: numba's estimate overflowed to nan ("κ₁ ≈ nan");
    # LAPACK's LU meets a zero pivot here (an error)
    engine = "numba"
    a = np.array([[-0.6538286094183394, -1.2961363369276945e-76, -1.9614858282550184e-150],
                  [1.4934311452207607e-75, -1.25906553210412e-150, 4.4802934356622824e-225],
                  [1.3458754237823045e-150, 7.813114007004276e-226, 4.0376262713469135e-300]])
    warnings = []
    systems.inv(a, engine, warn=warnings.append)
    assert any("κ₁ ≈ inf" in w for w in warnings) and not any("κ₁ ≈ nan" in w for w in warnings)


@pytest.mark.parametrize("seed", range(12))
def test_rank_and_rref_of_the_numba_engine_agree_with_the_reference(seed):
    # both ops have their own numba kernels (the SVD's singular values; a Gauss–Jordan loop): low-rank
    # integer products and random matrices, tall, wide and square, float64 and float32, up to a size
    # that runs the row updates on several threads
    from mlcalc.kernels.cpu import echelon, svd as own_svd
    from mlcalc.kernels.reference import systems as ref

    rng = np.random.default_rng(seed)
    m, n = (int(v) for v in rng.integers(1, 9 if seed < 8 else 140, 2))
    r = int(rng.integers(0, min(m, n) + 1))
    low = (rng.integers(-4, 5, (m, r)) @ rng.integers(-4, 5, (r, n))).astype(float)
    for a in (low, rng.standard_normal((m, n))):
        for dtype in (np.float64, np.float32):
            x = a.astype(dtype)
            got_r, got_s, got_t = own_svd.rank(x)
            want_r, want_s, want_t = ref.rank(x)
            assert got_r == want_r, (m, n, dtype)
            np.testing.assert_allclose(got_s, want_s, rtol=1e-4 if dtype == np.float32 else 1e-10,
                                       atol=want_s[0] * (1e-5 if dtype == np.float32 else 1e-12) if want_s.size else 0)
            got, pivots = echelon.rref(x)
            want, want_pivots = ref.rref(x)
            # the same roundings as NumPy's row operations (no fused multiply-adds): the same bits
            assert pivots == want_pivots, (m, n, dtype)
            np.testing.assert_array_equal(got, want)
            assert got.dtype == want.dtype


def test_rank_and_rref_through_the_ops_on_both_engines():
    a = np.array([[1.0, 2, 3], [4, 5, 6], [7, 8, 9]])
    for engine in ENGINES:
        assert systems.rank(a, engine=engine) == 2
        assert systems.rank(a, tol=10.0, engine=engine) == 1
        np.testing.assert_allclose(systems.rref(a, engine=engine), [[1, 0, -1], [0, 1, 2], [0, 0, 0]], atol=1e-12)


def test_an_exact_det_of_an_ill_conditioned_matrix_says_it_is_exact_and_sensitive():
    # "the result may be inaccurate" was wrong of a value computed in fractions: it is the entries that matter
    n = 12
    hilbert = 1 / (np.arange(1, n + 1)[:, None] + np.arange(n))
    said = []
    systems.det(hilbert, warn=said.append)
    assert len(said) == 1 and "exact for the entries as given" in said[0] and "κ·δ" in said[0], said
    said.clear()
    systems.det(1 / (np.arange(1, 15)[:, None] + np.arange(14)), warn=said.append)  # 14×14: on a log scale
    assert len(said) == 1 and "may be inaccurate" in said[0]
