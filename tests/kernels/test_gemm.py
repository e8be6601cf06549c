"""The packed numba GEMM against NumPy: awkward shapes, both dtypes, any layout, NumPy's @ rules."""

import numpy as np
import pytest

from mlcalc.kernels.cpu import gemm as g

# around the register tiles (avx512: 6×32 float64, 6×64 float32; avx2: 5×8, 5×16): exact, one over,
# one under
SHAPES = [(1, 1, 1), (1, 5, 1), (1, 7, 40), (40, 7, 1), (5, 1, 9), (37, 51, 29), (6, 16, 32), (7, 17, 33),
          (6, 9, 64), (5, 3, 63), (13, 11, 65), (200, 300, 17), (13, 600, 70), (5, 4, 8), (4, 9, 7),
          (11, 5, 17), (10, 3, 16)]
# every generated kernel set runs on any x86 host (slowly where its tile does not fit the registers),
# so each is checked here whichever one this host would pick
ISAS = sorted(g.KERNELS)


def _rel_err(c, ref):
    return np.abs(c - ref).max() / max(np.abs(ref).max(), 1e-300)


@pytest.mark.parametrize("isa", ISAS)
@pytest.mark.parametrize("m,k,n", SHAPES)
def test_gemm_float64_matches_numpy_to_1e12(m, k, n, isa):
    rng = np.random.default_rng(m * 1000 + k * 10 + n)
    a, b = rng.standard_normal((m, k)), rng.standard_normal((k, n))
    c = g.gemm(a, b, isa=isa)
    assert c.dtype == np.float64 and c.shape == (m, n)
    assert _rel_err(c, a @ b) < 1e-12


@pytest.mark.parametrize("isa", ISAS)
@pytest.mark.parametrize("m,k,n", SHAPES)
def test_gemm_float32_stays_float32_and_matches(m, k, n, isa):
    rng = np.random.default_rng(7)
    a = rng.standard_normal((m, k)).astype(np.float32)
    b = rng.standard_normal((k, n)).astype(np.float32)
    c = g.gemm(a, b, isa=isa)
    assert c.dtype == np.float32
    ref = a.astype(np.float64) @ b.astype(np.float64)
    assert _rel_err(c, ref) < 1e-5


@pytest.mark.parametrize("isa", ISAS)
def test_float32_products_of_a_long_inner_dimension_are_as_accurate_as_openblas(isa):
    # a float32 register sum over KC = 2048 terms was 3-4 times less accurate than OpenBLAS's: 2.5e-6 of
    # Σ|a||b| at worst on 96×2048×192, against 7e-7 (KC 512)
    rng = np.random.default_rng(11)
    a, b = rng.random((96, 2048)).astype(np.float32), rng.random((2048, 192)).astype(np.float32)
    truth = a.astype(np.float64) @ b.astype(np.float64)
    scale = np.abs(a).astype(np.float64) @ np.abs(b).astype(np.float64)
    assert np.max(np.abs(g.gemm(a, b, isa=isa) - truth) / scale) < 1.5e-6


def test_gemm_of_mixed_dtypes_has_numpys_result_type():
    a = np.ones((3, 4), dtype=np.float32)
    b = np.ones((4, 2), dtype=np.float64)
    c = g.gemm(a, b)
    assert c.dtype == np.result_type(a, b) == np.float64
    assert np.array_equal(c, np.full((3, 2), 4.0))


def test_gemm_of_non_contiguous_views_matches_numpy():
    rng = np.random.default_rng(3)
    big = rng.standard_normal((90, 120))
    a = big[::3, 1::2]          # strided rows and columns
    b = big[5:65, 7:52:2]
    assert not a.flags.c_contiguous and not b.flags.c_contiguous
    assert _rel_err(g.gemm(a, b), a @ b) < 1e-12
    assert _rel_err(g.gemm(a.T.T, big[:60, :30].T.T), a @ big[:60, :30]) < 1e-12
    at = np.asfortranarray(a)
    assert _rel_err(g.gemm(at, b), a @ b) < 1e-12


@pytest.mark.parametrize("isa", ISAS)
@pytest.mark.parametrize("dt", [np.float64, np.float32])
@pytest.mark.parametrize("m,k,n", [(13, 11, 65), (5, 3, 63), (37, 51, 29), (200, 2100, 70)])
def test_gemm_of_transposed_views_matches_numpy(dt, m, k, n, isa):
    # W.T and δ.T in the dense layer: F-order views that the driver packs from without a copy
    # (2100 > KC for both dtypes, so the transposed packing also runs for a second k slice)
    rng = np.random.default_rng(7)
    at = rng.standard_normal((k, m)).astype(dt).T
    bt = rng.standard_normal((n, k)).astype(dt).T
    assert at.flags.f_contiguous and bt.flags.f_contiguous
    ref = at.astype(np.float64) @ bt.astype(np.float64)
    tol = 1e-12 if dt is np.float64 else 1e-5
    for a, b in ((at, bt), (at, np.ascontiguousarray(bt)), (np.ascontiguousarray(at), bt)):
        c = g.gemm(a, b, isa=isa)
        assert c.dtype == dt and c.flags.c_contiguous
        assert _rel_err(c, ref) < tol


def test_gemm_across_the_block_edges():
    # k over one KC slice, m over one MC block, n over one NC panel would each take another path
    # through the blocking; these sizes also leave ragged edge tiles everywhere
    rng = np.random.default_rng(4)
    a, b = rng.standard_normal((1001, 1100)), rng.standard_normal((1100, 1003))
    assert _rel_err(g.gemm(a, b), a @ b) < 1e-12
    # float32's A blocks are 96 rows: 1700 rows give each of 2 threads full blocks and a ragged one
    a, b = rng.standard_normal((1700, 300)).astype(np.float32), rng.standard_normal((300, 70)).astype(np.float32)
    assert _rel_err(g.gemm(a, b), a.astype(np.float64) @ b.astype(np.float64)) < 1e-5


def test_gemm_size_2000():
    rng = np.random.default_rng(5)
    a, b = rng.standard_normal((2000, 2000)), rng.standard_normal((2000, 2000))
    assert _rel_err(g.gemm(a, b), a @ b) < 1e-12


@pytest.mark.parametrize("isa", ISAS)
def test_gemm_blocking_with_small_blocks_covers_every_loop(isa):
    # tiny block sizes force many jc/pc/ib iterations (and several NC panels) on a small problem
    rng = np.random.default_rng(6)
    a, b = rng.standard_normal((50, 70)), rng.standard_normal((70, 90))
    for dt in (np.float64, np.float32):
        x, y = a.astype(dt), b.astype(dt)
        c = np.full((50, 90), np.nan, dtype=dt)  # the driver must not read C before writing it
        MR, NR, parallel, serial = g.KERNELS[isa][np.dtype(dt)]
        for driver, threads in ((parallel, 2), (serial, 1)):
            c[:] = np.nan
            MC, KC, NC, ap, bp = g._packing_buffers(np.dtype(dt), 50, 90, 70, threads, (12, 16, 40), False,
                                                    (MR, NR))
            # each operand as it is and as the C-order transpose the driver packs from
            for a_t in (False, True):
                for b_t in (False, True):
                    c[:] = np.nan
                    xa = np.ascontiguousarray(x.T) if a_t else x
                    yb = np.ascontiguousarray(y.T) if b_t else y
                    driver(xa, yb, c, MC, KC, NC, np.dtype(dt).type(0), ap, bp, a_t, b_t, np.empty(0, dt), g.EPI_NONE, 0.0)
                    assert _rel_err(c, a @ b) < (1e-12 if dt is np.float64 else 1e-5)


@pytest.mark.parametrize("isa", ISAS)
@pytest.mark.parametrize("act", [None, "relu", "leaky-relu"])
def test_epilogue_equals_the_separate_pass_bit_for_bit(isa, act):
    # act(A·B + bias) on each finished tile = the same formulas after the product; the shapes give
    # edge tiles in both directions, two k slices (k > KC for float64), and both operand layouts
    rng = np.random.default_rng(8)
    for dt in (np.float64, np.float32):
        for m, k, n in [(1, 1, 1), (37, 1100, 70), (300, 2100, 97)]:
            a = rng.standard_normal((m, k)).astype(dt)
            wt = rng.standard_normal((n, k)).astype(dt)
            bias = rng.standard_normal(n).astype(dt)
            z = g.gemm(a, wt.T, isa=isa) + bias
            want = {None: z, "relu": np.where(z < 0, dt(0), z), "leaky-relu": np.where(z > 0, z, (0.1 * z.astype(np.float64)).astype(dt))}[act]
            got = g.gemm(a, wt.T, isa=isa, bias=bias, act=act, alpha=0.1)
            assert got.dtype == dt and np.array_equal(got, want), (dt, m, k, n)


def test_epilogue_with_an_empty_inner_dimension_and_a_wrong_bias():
    got = g.gemm(np.ones((3, 0)), np.ones((0, 2)), bias=np.array([-1.0, 2.0]), act="relu")
    assert np.array_equal(got, [[0.0, 2.0]] * 3)
    with pytest.raises(ValueError, match="bias"):
        g.gemm(np.ones((3, 4)), np.ones((4, 2)), bias=np.ones(3))


def test_gemm_of_empty_dimensions_gives_zeros_like_numpy():
    for m, k, n in [(0, 3, 2), (3, 0, 2), (3, 2, 0)]:
        a, b = np.ones((m, k)), np.ones((k, n))
        assert np.array_equal(g.gemm(a, b), a @ b)


def test_gemm_propagates_nan_and_inf_like_numpy():
    a = np.array([[1.0, np.nan], [2.0, 3.0]])
    b = np.array([[np.inf, 1.0], [1.0, 1.0]])
    np.testing.assert_array_equal(g.gemm(a, b), a @ b)


def test_gemm_rejects_shapes_that_do_not_fit():
    with pytest.raises(ValueError, match="do not fit"):
        g.gemm(np.ones((2, 3)), np.ones((2, 3)))


@pytest.mark.parametrize("sa,sb", [((4,), (4, 3)), ((3, 4), (4,)), ((4,), (4,)), ((2, 4), (4, 5))])
def test_matmul_follows_numpy_at_for_vectors(sa, sb):
    rng = np.random.default_rng(8)
    a, b = rng.standard_normal(sa), rng.standard_normal(sb)
    r, ref = g.matmul(a, b), a @ b
    assert np.shape(r) == np.shape(ref)
    np.testing.assert_allclose(r, ref, rtol=1e-12)


def test_warmup_runs():
    g.warmup()


@pytest.mark.parametrize("env,isa", [({"NUMBA_CPU_FEATURES": "+avx2,+fma,+avx512f,-prefer-256-bit"}, "avx512"),
                                     ({"NUMBA_CPU_FEATURES": "+avx2,+fma,-avx512f"}, "avx2"),
                                     ({"NUMBA_CPU_NAME": "generic"}, "avx2")])
def test_the_tile_set_follows_what_numba_compiles_for(monkeypatch, env, isa):
    from mlcalc import config
    monkeypatch.delenv("NUMBA_CPU_FEATURES", raising=False)
    monkeypatch.delenv("NUMBA_CPU_NAME", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert config.vector_isa() == isa
