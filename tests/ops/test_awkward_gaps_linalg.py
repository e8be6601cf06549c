"""Linear-algebra ops on the awkward cases no other test reaches, on both engines, against the NumPy
reference (or LAPACK in float64) on C-order float64 copies: the singular-value matrix norms (l2 /
spectral / nuc) for float32, wide and views; vector distances in float32 and on strided vectors;
projection of strided and float32 operands; general (non-symmetric) eig in float32, 1×1 and on views;
pinv in float32 and on views; inspect on the numba engine; inv / solve / det values in float32, 1×1
and on views; rank and rref in float32, 1×n, n×1 and on views; dot / matmul-by-a-vector in float32
on views."""

import math

import numpy as np
import pytest

from mlcalc import config

config.apply()

from mlcalc.kernels import reference  # noqa: E402
from mlcalc.ops import core, linalg, systems  # noqa: E402

ENGINES = ["numpy", "numba"]
DTYPES = [np.float64, np.float32]


def layouts(a):
    yield "C", a
    yield "F", np.asfortranarray(a)
    wide = np.zeros(a.shape[:-1] + (2 * a.shape[-1],), a.dtype)
    wide[..., 1::2] = a
    yield "strided", wide[..., 1::2]


def f64(a):
    return np.ascontiguousarray(a, dtype=np.float64)


def rtol(dtype, f64_tol=1e-10, f32_tol=2e-5):
    return f64_tol if dtype == np.float64 else f32_tol


def well_conditioned(m, n, dtype, seed):
    rng = np.random.default_rng(seed)
    u, _ = np.linalg.qr(rng.standard_normal((m, m)))
    v, _ = np.linalg.qr(rng.standard_normal((n, n)))
    s = np.linspace(3.0, 1.0, min(m, n))
    return ((u[:, :min(m, n)] * s) @ v[:min(m, n)]).astype(dtype)


# ---------------------------------------------------------------- norms and distances


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(2, 2), (5, 3), (3, 8), (17, 4)], ids=str)
@pytest.mark.parametrize("ord", ["l2", "spectral", "nuc"])
def test_singular_value_norms_on_every_shape_dtype_and_layout(engine, dtype, shape, ord):
    # test_linalg_norms.py checks these only for one float64 7×4 matrix on numba
    a = np.random.default_rng(1).standard_normal(shape).astype(dtype)
    s = np.linalg.svd(f64(a), compute_uv=False)
    want = s.sum() if ord == "nuc" else s[0]
    for lay, x in layouts(a):
        got = linalg.norm(x, ord, engine=engine)
        assert np.asarray(got).dtype == dtype, lay
        assert float(got) == pytest.approx(want, rel=rtol(dtype)), lay


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("ord", ["l1", "l2", "inf", "nuc", "spectral"])
def test_one_by_one_and_one_dimensional_norms(engine, dtype, ord):
    rng = np.random.default_rng(2)
    for a in (np.array([[-2.5]], dtype), rng.standard_normal(7).astype(dtype),
              rng.standard_normal(21).astype(dtype)[::3]):
        got = linalg.norm(a, ord, engine=engine)
        v = f64(a).reshape(-1)
        want = {"l1": np.abs(v).sum(), "inf": np.abs(v).max()}.get(ord, math.sqrt(float(v @ v)))
        assert np.asarray(got).dtype == dtype
        assert float(got) == pytest.approx(want, rel=rtol(dtype, 1e-13, 1e-6))


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("metric", ["euclidean", "manhattan", "chebyshev", "cosine"])
def test_vector_distances_in_float32_and_on_strided_vectors(engine, dtype, metric):
    # test_linalg_norms.py's vector distances are float64 and contiguous only
    rng = np.random.default_rng(3)
    for n in (2, 5, 1001):
        big = rng.standard_normal((2, 3 * n)).astype(dtype)
        for a, b in ((big[0, :n].copy(), big[1, :n].copy()), (big[0, ::3], big[1, 1::3]),
                     (big[0, :n].reshape(1, -1), big[1, :n].reshape(-1, 1))):  # a row against a column
            got = linalg.dist(a, b, metric, engine=engine)
            want = reference.dist(f64(a).reshape(-1), f64(b).reshape(-1), metric)
            assert np.asarray(got).dtype == dtype and np.ndim(got) == 0
            assert float(got) == pytest.approx(float(want), rel=rtol(dtype, 1e-12, 1e-5), abs=1e-6 if dtype == np.float32 else 1e-14)


@pytest.mark.parametrize("engine", ENGINES)
def test_pairwise_euclidean_scales_large_rows_beside_a_nan_or_inf(engine):
    # the power-of-two scaling came from max |A|, |B|: a NaN or inf anywhere made it non-finite, scaling
    # was skipped for every row, and 1e200 from 0 came out inf
    cases = [("1e200 0; nan 0", "0 0", [[1e200], [np.nan]]),
             ("1e308 0; inf 0", "0 0", [[1e308], [np.inf]]),
             ("1e-200 0; 0 0", "0 0; 3e-200 4e-200; inf 0", [[1e-200, math.hypot(2e-200, 4e-200), np.inf],
                                                              [0.0, 5e-200, np.inf]])]
    def rows(text):
        return np.array([[float(v) for v in row.split()] for row in text.split(";")])

    for a, b, want in cases:
        np.testing.assert_allclose(linalg.dist(rows(a), rows(b), "euclidean", engine=engine), want, rtol=1e-15)


# ---------------------------------------------------------------- projection


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("dtype", DTYPES)
def test_projection_onto_a_strided_vector_and_a_row(engine, dtype):
    rng = np.random.default_rng(4)
    big = rng.standard_normal((2, 30)).astype(dtype)
    for a, b in ((big[0, ::3], big[1, 1::3]), (big[0, :10], big[1, :10].reshape(1, -1)),
                 (big[0, :1], big[1, :1].reshape(1, 1))):
        got = linalg.project(a, b, engine=engine)
        want = reference.project(f64(a), f64(b).reshape(-1))
        assert got.dtype == dtype and got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=rtol(dtype, 1e-12, 1e-5), atol=rtol(dtype, 1e-14, 1e-6))


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(4, 2), (6, 3), (5, 5)], ids=str)
def test_projection_onto_a_column_space_in_float32_and_on_views(engine, dtype, shape):
    a = np.random.default_rng(5).standard_normal(shape[0]).astype(dtype)
    b = well_conditioned(*shape, dtype, seed=6)
    want = reference.project(f64(a), f64(b))
    for lay, x in layouts(b):
        got = linalg.project(a, x, engine=engine)
        assert got.dtype == dtype, lay
        np.testing.assert_allclose(got, want, rtol=rtol(dtype, 1e-9, 1e-4), atol=rtol(dtype, 1e-12, 1e-5), err_msg=lay)


# ---------------------------------------------------------------- eig, pinv, inspect


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", [1, 2, 5])
def test_general_eig_in_float32_one_by_one_and_on_views(engine, dtype, n):
    # test_linalg_decomp.py's general-eig test is float64, contiguous, n ≥ 2
    a = np.random.default_rng(7 + n).standard_normal((n, n)).astype(dtype)
    if n > 1:
        a[0, 1] += 1  # not symmetric
    want = np.linalg.eigvals(f64(a))
    want = want[np.lexsort((want.imag, np.round(want.real, 6)))]
    tol = rtol(dtype, 1e-9, 2e-4)
    for lay, x in layouts(a):
        r = linalg.eig(x, vectors=True, engine=engine)
        w, v = r["values"], r["vectors"]
        assert w.dtype in ((dtype,) if np.isrealobj(w) else (np.complex64 if dtype == np.float32 else np.complex128,)), lay
        np.testing.assert_allclose(w, want, rtol=tol, atol=tol, err_msg=lay)
        np.testing.assert_allclose(f64(a) @ v, v * w, atol=tol * 10, err_msg=lay)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("shape", [(1, 1), (1, 4), (4, 1), (5, 3), (3, 5)], ids=str)
def test_pinv_in_float32_and_on_views(engine, shape):
    # test_linalg_decomp.py's pinv against NumPy is float64 only (float32 only for a rank-deficient case)
    a = well_conditioned(*shape, np.float32, seed=8)
    want = np.linalg.pinv(f64(a))
    for lay, x in layouts(a):
        got = linalg.pinv(x, engine=engine)
        assert got.dtype == np.float32 and got.shape == want.shape, lay
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5, err_msg=lay)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", ["1x1", "1xn", "nx1", "wide", "tall", "spd", "rotation", "projector", "singular"])
def test_inspect_gives_the_same_facts_on_both_engines(dtype, case):
    # every inspect test runs on the default engine only: the numba SVD path was never compared
    rng = np.random.default_rng(9)
    c, s = math.cos(0.4), math.sin(0.4)
    v = np.array([[0.6], [0.8]])
    a = {"1x1": np.array([[3.0]]), "1xn": rng.standard_normal((1, 5)), "nx1": rng.standard_normal((5, 1)),
         "wide": rng.standard_normal((3, 6)), "tall": rng.standard_normal((6, 3)),
         "spd": np.array([[4.0, 1, 0], [1, 3, 1], [0, 1, 2]]), "rotation": np.array([[c, -s], [s, c]]),
         "projector": v @ v.T, "singular": np.array([[1.0, 2, 3], [2, 4, 6], [1, 0, 1]])}[case].astype(dtype)
    results = {}
    for engine in ENGINES:
        for lay, x in layouts(a):
            results[engine, lay] = linalg.inspect(x, engine=engine)
    base = results["numpy", "C"]
    want_rank = {"1x1": 1, "1xn": 1, "nx1": 1, "wide": 3, "tall": 3, "spd": 3, "rotation": 2, "projector": 1,
                 "singular": 2}[case]
    assert base["rank"] == want_rank
    for key, r in results.items():
        for fact in ("shape", "dtype", "rank", "sparsity", "symmetric", "orthogonal", "idempotent", "positive_definite",
                     "min", "max"):
            assert r[fact] == base[fact], (key, fact, r[fact], base[fact])
        if math.isinf(base["condition_number"]):
            assert math.isinf(r["condition_number"]), key
        else:
            assert r["condition_number"] == pytest.approx(base["condition_number"], rel=rtol(dtype, 1e-9, 1e-4)), key
    want_cond = np.linalg.cond(f64(a)) if case not in ("singular", "projector") else math.inf
    if math.isinf(want_cond):
        assert math.isinf(base["condition_number"])
    else:
        assert base["condition_number"] == pytest.approx(want_cond, rel=rtol(dtype, 1e-9, 1e-4))


# ---------------------------------------------------------------- inv, solve, det, rank, rref


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", [1, 2, 5, 12])
def test_inv_solve_det_values_in_float32_and_on_views(engine, dtype, n):
    # test_systems.py's float32 test checks only the dtype of det and solve, and the inverse's value,
    # at n = 12, contiguous; the views are checked on the numba inv kernel only (test_lu.py)
    rng = np.random.default_rng(10 + n)
    a = (rng.standard_normal((n, n)) + n * np.eye(n))[rng.permutation(n)].astype(dtype)
    b = rng.standard_normal((n, 3)).astype(dtype)
    a64, b64 = f64(a), f64(b)
    tol = rtol(dtype, 1e-10, 1e-4)
    for (lay, x), (_, y) in zip(layouts(a), layouts(b)):
        got = systems.inv(x, engine)
        assert got.dtype == dtype, lay
        np.testing.assert_allclose(got, np.linalg.inv(a64), rtol=tol, atol=tol * 0.1, err_msg=lay)
        got = systems.solve(x, y, engine)
        assert got.dtype == dtype and got.shape == (n, 3), lay
        np.testing.assert_allclose(got, np.linalg.solve(a64, b64), rtol=tol, atol=tol * 0.1, err_msg=lay)
        got = systems.solve(x, y[:, 1], engine)  # a strided vector right-hand side
        assert got.dtype == dtype and got.shape == (n,), lay
        np.testing.assert_allclose(got, np.linalg.solve(a64, b64[:, 1]), rtol=tol, atol=tol * 0.1, err_msg=lay)
        d = systems.det(x, engine)
        assert np.asarray(d).dtype == dtype, lay
        assert float(d) == pytest.approx(np.linalg.det(a64), rel=tol), lay


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("dtype", DTYPES)
def test_rank_in_float32_on_thin_shapes_and_views(engine, dtype):
    rng = np.random.default_rng(11)
    low = rng.standard_normal((6, 2)) @ rng.standard_normal((2, 5))
    cases = [(np.array([[0.0]]), 0), (np.array([[2.0]]), 1), (rng.standard_normal((1, 7)), 1),
             (rng.standard_normal((7, 1)), 1), (low, 2), (low.T, 2), (rng.standard_normal((4, 6)), 4)]
    for a, want in cases:
        a = a.astype(dtype)
        for lay, x in layouts(a):
            assert systems.rank(x, engine=engine) == want, (a.shape, lay)
            r, _, _ = reference.rank(np.ascontiguousarray(x))  # the reference, in the dtype's own eps
            assert r == want


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("dtype", DTYPES)
def test_rref_in_float32_on_thin_shapes_and_views(engine, dtype):
    rng = np.random.default_rng(12)
    cases = [np.array([[4.0]]), np.array([[0.0]]), rng.standard_normal((1, 5)), rng.standard_normal((5, 1)),
             rng.standard_normal((3, 5)), rng.standard_normal((5, 3)),
             np.array([[1.0, 2, 3], [2, 4, 6], [1, 0, 1]])]
    for a in cases:
        want, _ = reference.rref(f64(a))
        a = a.astype(dtype)
        for lay, x in layouts(a):
            got = systems.rref(x, engine=engine)
            assert got.dtype == dtype and got.shape == a.shape, lay
            np.testing.assert_allclose(got, want, atol=rtol(dtype, 1e-12, 1e-5), err_msg=f"{a.shape} {lay}")


# ---------------------------------------------------------------- core products on views


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("dtype", DTYPES)
def test_dot_and_matrix_vector_products_in_float32_on_views(engine, dtype):
    rng = np.random.default_rng(13)
    big = rng.standard_normal((2, 3001)).astype(dtype)
    for u, v in ((big[0, :1], big[1, :1]), (big[0, :3000:3], big[1, 1::3]), (big[0, :1000], big[1, 7:1007])):
        got = core.dot(u, v, engine=engine)
        want = float(f64(u) @ f64(v))
        assert np.asarray(got).dtype == dtype
        assert float(got) == pytest.approx(want, rel=rtol(dtype, 1e-12, 1e-4), abs=rtol(dtype, 1e-12, 1e-4) * math.sqrt(u.size))
    m = rng.standard_normal((7, 5)).astype(dtype)
    for lay, a in layouts(m):
        for x in (big[0, :5].copy(), big[0, :15:3]):
            got = core.matmul([a, x], engine=engine)
            assert got.dtype == dtype and got.shape == (7,), lay
            np.testing.assert_allclose(got, f64(m) @ f64(x), rtol=rtol(dtype, 1e-12, 1e-5), atol=rtol(dtype, 1e-13, 1e-5), err_msg=lay)
        for y in (big[1, :7].copy(), big[1, :21:3]):
            got = core.matmul([y, a], engine=engine)
            assert got.dtype == dtype and got.shape == (5,), lay
            np.testing.assert_allclose(got, f64(y) @ f64(m), rtol=rtol(dtype, 1e-12, 1e-5), atol=rtol(dtype, 1e-13, 1e-5), err_msg=lay)


def test_gen_random_in_float32_stays_below_1():
    # float64 draws within 2⁻²⁵ of 1 rounded up to 1.0 in float32 (seed 403 has one in 10⁶)
    from mlcalc.ops import generate
    a = generate.generate("random", 1000, 1000, seed=403, dtype="float32")
    assert a.dtype == np.float32 and a.max() < 1 and a.min() >= 0
