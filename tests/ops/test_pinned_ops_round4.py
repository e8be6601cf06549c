"""Rules of the products, the shared checks, the pure-Python path, warmup, the norms, distances,
projection and pseudo-inverse, the optimizers, the loss curve and the NumPy kernels that a fourth
mutation audit found no test guarding: each test fails if the rule it names is broken."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mlcalc.errors import ShapeError
from mlcalc.io.write import format_number
from mlcalc.ops import common, core, systems
from mlcalc.trace.steps import Tracer
from conftest import ENGINES, assert_one_error_line, run_cli


# ---------------------------------------------------------------- products (ops/core.py)


def test_matmul_refuses_one_operand_and_three_dimensional_ones():
    # the CLI checks both before calling; the function is the API's own guard
    with pytest.raises(ShapeError, match="needs at least two operands"):
        core.matmul([np.eye(2)])
    with pytest.raises(ShapeError, match=r"operands must be vectors or matrices, got shape \(2, 2, 2\)"):
        core.matmul([np.ones((2, 2, 2)), np.eye(2)])


def test_a_chain_trace_names_each_partial_product_in_its_formula():
    t = Tracer()
    core.matmul([np.eye(2), np.ones((2, 2)), np.ones((2, 1))], tracer=t)
    products = [s for s in t.steps if s.title.startswith("Matrix product")]
    assert [s.formula for s in products] == ["(A·B)ᵢⱼ = Σₖ Aᵢₖ·Bₖⱼ", "(A·B·C)ᵢⱼ = Σₖ (A·B)ᵢₖ·Cₖⱼ"]


def test_a_matmul_trace_shows_every_row_up_to_six_and_counts_the_entries_it_skips():
    # 6 rows (FULL_UP_TO) are all shown; of 7 columns the first and last: 6·2 entries, 42 − 12 = 30 skipped
    t = Tracer()
    core.matmul([np.arange(36.0).reshape(6, 6), np.ones((6, 7))], tracer=t)
    entries = [s for s in t.steps if s.title.startswith("c")]
    assert len(entries) == 12 and entries[-1].title == "c₆₇ = row 6 of A · column 7 of B"
    assert t.steps[-1].title == "…" and t.steps[-1].note == "the other 30 entries follow the same rule"
    # an inner dimension of exactly 6 is written out in full, without "…"
    assert entries[0].formula == "c₁₁ = 0·1 + 1·1 + 2·1 + 3·1 + 4·1 + 5·1 = 15"


def test_the_elementwise_trace_says_broadcasting_only_when_shapes_differ_and_writes_a_minus():
    t = Tracer()
    core.elementwise("sub", np.ones((2, 2)), np.ones(2), tracer=t)
    assert t.steps[0].formula == "cᵢⱼ = aᵢⱼ − bᵢⱼ (with broadcasting)"
    assert t.steps[0].note == "(2, 2) − (2,) → (2, 2)"
    t = Tracer()
    core.elementwise("add", np.ones((2, 2)), np.ones((2, 2)), tracer=t)
    assert t.steps[0].formula == "cᵢⱼ = aᵢⱼ + bᵢⱼ"


def test_dot_of_different_lengths_and_outer_of_a_matrix_name_the_operand():
    assert_one_error_line(run_cli("dot", "1 2", "1 2 3"), "dot: vectors of different lengths: 2 and 3")
    assert_one_error_line(run_cli("outer", "1 2", "1 2; 3 4"),
                          "outer: v must be a vector (one row or one column), got shape (2, 2)")


def test_a_column_and_a_one_row_matrix_are_vectors_to_dot():
    # ops/common.as_vector: one row OR one column (a 3×1 column from a file or "1;2;3")
    assert run_cli("dot", "1;2;3", "1 2 3").stdout == "14\n"
    assert run_cli("dot", "[[1,2,3]]", "4;5;6").stdout == "32\n"


def test_the_cross_trace_checks_the_result_against_u_and_against_v():
    # (u × v)·u and (u × v)·v are both 0 up to rounding, but not the same rounding: each is its own
    u, v = np.array([1.1, 2.3, 3.7]), np.array([0.3, 5.9, 1.3])
    t = Tracer()
    r = core.cross(u, v, tracer=t)
    du, dv = float(np.dot(r, u)), float(np.dot(r, v))
    assert du != dv
    assert t.steps[-1].note == f"(u × v)·u = {format_number(du, 6)}, (u × v)·v = {format_number(dv, 6)}"


def test_the_cross_trace_of_one_vector_against_rows_is_row_by_row():
    t = Tracer()
    r = core.cross(np.array([1.0, 2.0, 3.0]), np.array([[4.0, 5.0, 7.0], [1.0, 0.0, 0.0]]), tracer=t)
    assert [s.title for s in t.steps] == ["Cross product, row by row"]
    np.testing.assert_array_equal(r, np.cross([1.0, 2.0, 3.0], [[4.0, 5.0, 7.0], [1.0, 0.0, 0.0]]))


# ---------------------------------------------------------------- shared checks (ops/common.py)


def test_a_vector_given_to_a_square_matrix_command_is_a_shape_error():
    assert_one_error_line(run_cli("det", "1 2 3"), "det: A must be a square matrix, got shape (3,)")


def test_shapes_that_do_not_broadcast_are_named_in_the_message():
    assert_one_error_line(run_cli("add", "1 2; 3 4", "1 2 3"),
                          "add: shapes (2, 2) and (3,) cannot be broadcast together")


def test_an_entry_beyond_two_to_the_minus_501_is_equilibrated_away():
    # |a₁₁| = 2⁻⁵⁰⁵ is beyond 2^±501 (float64): the copy's column is scaled, so A is not "nearly singular"
    # and x is exact; at a threshold of 2^±512 the copy kept the 2⁻⁵⁰⁵ and warned κ₁ ≈ 1e152
    warnings = []
    x = systems.solve(np.array([[2.0 ** -505, 1.0], [0.0, 1.0]]), np.array([0.6 * 2.0 ** -505, 0.0]),
                      warn=warnings.append)
    assert x.tolist() == [0.6, 0.0] and warnings == []


@pytest.mark.parametrize("engine", ENGINES)
def test_a_float32_subnormal_column_is_scaled_to_a_normal_solution(engine):
    # float32(1e-44) = 7·2⁻¹⁴⁹ and float32(6e-45) = 4·2⁻¹⁴⁹: x₁ = 4/7. Each shift is at most 104 binades
    # (maxexp − 24), so the copy's x₁·2⁻ᵏ stays normal; at 127 it was subnormal and x₁ came out an ulp off
    x = systems.solve(np.array([[1e-44, 1.0], [0.0, 1.0]], np.float32), np.array([6e-45, 0.0], np.float32),
                      engine=engine)
    assert x.dtype == np.float32 and x[0] == np.float32(4 / 7) and x[1] == 0


def test_an_overflow_of_the_scaled_elimination_is_not_called_beyond_the_range():
    # the equilibrated copy's x is itself inf: "beyond float64" is said only where scaling back a finite
    # answer overflowed
    warnings = []
    x = systems.solve(np.array([[1e-200, 1e-200], [1.0, 1.000001]]), np.array([1.7e308, 1.6e308]),
                      warn=warnings.append)
    assert np.isinf(x).all()
    assert warnings == ["solve: the result has entries that overflowed float64 (printed as inf or nan): beyond "
                        "its range, or the elimination overflowed on the way"]


def test_a_zero_matrix_is_not_scaled():
    # its "largest exponent" is that of 0 (NO_EXPONENT): no shift, and no "Scale A" step in a trace
    a = np.zeros((2, 2))
    assert common.scaled_by_power_of_two(a)[1] == 1.0
    t = Tracer()
    assert systems.rank(a, tracer=t) == 0
    assert not any(s.title.startswith("Scale A") for s in t.steps)


# ---------------------------------------------------------------- the pure-Python path (ops/tiny.py)


def test_float32_products_do_not_take_the_float64_path():
    r = run_cli("--dtype", "float32", "matmul", "0.1 0.2; 0 1", "0.3; 0.4")
    assert r.stdout == "0.11000001\n0.4\n"  # float32's sum, not float64's 0.11000000000000001


def test_a_traced_product_prints_the_digits_of_the_untraced_one():
    plain = run_cli("matmul", "[[0.1, 0.2, 0.3]]", "1;1;1")
    traced = run_cli("matmul", "[[0.1, 0.2, 0.3]]", "1;1;1", "--trace")
    assert plain.stdout == traced.stdout == "0.6\n"  # math.fsum's, not BLAS's 0.6000000000000001


def test_a_sum_with_cancellation_is_left_to_numpy():
    # 0.1 + 1000 − 1000: fsum's 0.1 and NumPy's 0.10000000000002274 differ; the bound
    # 3·2⁻⁵³·2000.1 ≈ 6.7e-13 is beyond 1e-12·0.1, so the product is NumPy's in every format
    args = ("matmul", "[[0.1, 1000, -1000]]", "1;1;1")
    assert run_cli(*args).stdout == run_cli("--engine", "numpy", *args).stdout == "0.10000000000002274\n"


def test_a_folder_named_like_a_literal_is_not_read_as_one(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "7").mkdir()
    assert_one_error_line(run_cli("scale", "7", "--by", "2"), "7: is a directory, not a file")


# ---------------------------------------------------------------- warmup (ops/warm.py)


def _quiet_warmup(monkeypatch, calls):
    """warm.warmup with every kernel module's warmup() and the CSV reader's replaced by a record."""
    import importlib

    from mlcalc import engine
    from mlcalc.ops import warm
    for name in sorted({path.partition(":")[0] for _, path in engine.all_numba_kernels()}):
        monkeypatch.setattr(importlib.import_module(name), "warmup", lambda name=name: calls.append(name))
    monkeypatch.setattr(warm, "_warm_csv_reader", lambda: calls.append("csv"))
    return warm


def test_warmup_sets_numbas_environment_first_and_counts_what_it_compiled(monkeypatch, capsys):
    from mlcalc import config, jitcache
    calls = []
    warm = _quiet_warmup(monkeypatch, calls)
    monkeypatch.setattr(config, "apply", lambda *a, **k: calls.append("apply"))
    monkeypatch.setattr(config, "cache_is_temporary", False)
    monkeypatch.setattr(jitcache, "announce_compiling", True)
    done = warm.warmup(progress=True)
    assert calls[0] == "apply" and calls[-1] == "csv"  # the cache folder is set before any kernel compiles
    assert jitcache.announce_compiling is False  # warmup's own lines say what compiles
    last = capsys.readouterr().err.splitlines()[-1]
    assert last.startswith(f"compiled {len(done)} kernel modules; cache in ")
    assert "temporary" not in last


def test_warmup_says_when_its_cache_is_for_this_run_only(monkeypatch, capsys):
    from mlcalc import config
    warm = _quiet_warmup(monkeypatch, [])
    monkeypatch.setattr(config, "cache_is_temporary", True)
    warm.warmup(progress=True)
    assert "(a temporary folder, for this run only" in capsys.readouterr().err.splitlines()[-1]


def test_warmup_skips_a_kernel_module_that_is_not_installed(monkeypatch, capsys):
    from mlcalc import engine
    calls = []
    warm = _quiet_warmup(monkeypatch, calls)
    kernels = list(engine.all_numba_kernels()) + [("gone", "mlcalc.kernels.cpu.not_installed:f")]
    monkeypatch.setattr(engine, "all_numba_kernels", lambda: kernels)
    done = warm.warmup(progress=True)
    assert "mlcalc.kernels.cpu.not_installed" not in done and calls[-1] == "csv"
    # the count is of what compiled: every module but the missing one, and the CSV reader
    assert f"compiled {len(done)} kernel modules" in capsys.readouterr().err


# ---------------------------------------------------------------- optimizers and the loss curve (train/)

TUTORIAL = str(__import__("pathlib").Path(__file__).resolve().parents[2] / "samples" / "linreg_tutorial.csv")


@pytest.mark.parametrize("optimizer,lr", [("sgd", "0.03"), ("momentum", "0.005"), ("rmsprop", "0.003"),
                                          ("adam", "0.006")])
def test_each_optimizers_default_learning_rate_is_the_documented_one(optimizer, lr):
    # README and --help: sgd 0.03, momentum 0.005, rmsprop 0.003, adam 0.006
    args = ("train-linreg", TUTORIAL, "--optimizer", optimizer, "--epochs", "5", "-q", "-f", "csv")
    default, given = run_cli(*args), run_cli(*args, "--lr", lr)
    assert default.code == 0 and default.stdout == given.stdout


def test_rmsprops_state_is_its_mean_square():
    from mlcalc.train.optimizers import Optimizer
    opt = Optimizer("rmsprop", 0.1, 2)
    theta, g = np.zeros(2), np.array([2.0, -3.0])
    opt.step(theta, g)
    state = opt.state()
    assert list(state) == ["mean square s"]
    np.testing.assert_allclose(state["mean square s"], 0.1 * g * g, rtol=1e-15)  # (1 − ρ)·g², ρ = 0.9


def test_the_loss_curve_is_drawn_top_down_with_its_labels():
    from mlcalc.train.curve import loss_curve
    assert loss_curve([1000.0, 100.0, 10.0, 1.0], 4, width=60, height=4) == (
        "1e+03 │•   \n"
        "      │ •  \n"
        "      │  • \n"
        "    1 │   •\n"
        "      └────\n"
        "       loss (log scale) over 4 epochs\n")


def test_the_loss_curve_samples_long_histories_down_to_its_width_ending_on_the_last_loss():
    from mlcalc.train.curve import loss_curve
    history = [10.0 ** (-i / 10) for i in range(100)]
    assert loss_curve(history, 100, width=5, height=3, unicode=False) == (
        "       1 |*    \n"
        "         | *** \n"
        "1.26e-10 |    *\n"
        "         +-----\n"
        "          loss (log scale) over 100 epochs\n")


def test_the_loss_curve_leaves_out_zero_and_nan_and_draws_a_flat_line():
    from mlcalc.train.curve import loss_curve
    # log scale: 0 and NaN have no place on it; the footer still counts every epoch
    assert loss_curve([5.0, 0.0, float("nan"), 5.0], 4, height=3, unicode=False) == (
        "5 |  \n"
        "  |  \n"
        "5 |**\n"
        "  +--\n"
        "   loss (log scale) over 4 epochs\n")
    assert loss_curve([2.0], 1) == "" and loss_curve([2.0, 0.0, float("inf")], 3) == ""  # one point is no curve


# ---------------------------------------------------------------- the NumPy kernels (kernels/reference/linalg.py)


@pytest.mark.parametrize("engine", ENGINES)
def test_a_norm_whose_sum_of_squares_is_subnormal_is_computed_scaled(engine):
    # 9e-320 + 1.6e-319 is a subnormal sum (few bits): √ of it gave 4.999972167879245e-160
    from mlcalc.ops import linalg
    assert linalg.norm(np.array([3e-160, 4e-160]), engine=engine) == 5e-160


def test_the_euclidean_scale_comes_from_both_operands():
    # a = 0 needs no scaling, b = 1e200 does: (1e200)² overflowed to inf
    from mlcalc.kernels import reference
    assert reference.dist(np.array([0.0, 0.0]), np.array([1e200, 1e200])) == pytest.approx(math.sqrt(2) * 1e200,
                                                                                            rel=1e-15)


def test_tiny_distances_between_rows_with_entries_of_one_are_recomputed():
    # the difference 1e-170 (≈ 2⁻⁵⁶⁵) squares to 0: refine_tiny_distances recomputes it; it may skip only
    # where every entry is within 2^±300. And 3e-155 (≈ 2⁻⁵¹³, below 2⁻⁴⁸⁰) squares to a subnormal: recomputed too
    from mlcalc.kernels import reference
    assert reference.dist(np.array([1.0, 1e-170]), np.array([1.0, 0.0])) == 1e-170
    assert reference.dist(np.array([1.0, 3e-155]), np.array([1.0, 0.0])) == 3e-155


def test_the_cosine_distance_of_a_vector_to_itself_is_not_negative():
    # 1 − u·u rounds to −2.2e-16 for this unit vector: clipped to [0, 2], as SciPy does
    r = run_cli("dist", "1.3 0.95 -0.7", "1.3 0.95 -0.7", "--metric", "cosine")
    assert r.stdout == "0\n"


def test_the_reference_pinv_keeps_every_nonzero_singular_value_at_rcond_0():
    from mlcalc.kernels import reference
    a = np.diag([1.0, 1e-17])
    np.testing.assert_array_equal(reference.pinv(a, rcond=0.0), np.diag([1.0, 1e17]))
    np.testing.assert_array_equal(reference.pinv(a), np.diag([1.0, 0.0]))  # the default 1e-15 drops it


# ---------------------------------------------------------------- norm, project, pinv (ops/linalg.py)


def test_orders_that_equal_l2_for_a_vector_trace_as_l2():
    # fro, nuc and spectral of one row or column are its l2 norm: so says the trace too (a KeyError before)
    from mlcalc.ops import linalg
    t = Tracer()
    np.testing.assert_array_equal(linalg.norm(np.array([[3.0, 4.0], [1.0, 0.0]]), "fro", "rows", tracer=t), [5, 1])
    assert t.steps[0].title == "‖v‖₂ of every row"
    t = Tracer()
    assert linalg.norm(np.array([3.0, 4.0]), "nuc", tracer=t) == 5
    assert t.steps[-1].title == "Euclidean (L2) norm"


def test_the_norm_trace_says_whether_the_sum_of_squares_over_or_underflows():
    from mlcalc.ops import linalg
    cases = [([3e-160, 4e-160], "underflows] = 4e-160·√1.5625 = 5e-160"),  # a subnormal sum counts as underflow
             ([1e200, 1e200], "overflows] = 1e+200·√2 = 1.41421e+200"),
             ([1e-200, 1e-200], "underflows] = 1e-200·√2 = 1.41421e-200")]
    for v, tail in cases:
        t = Tracer()
        linalg.norm(np.array(v), tracer=t)
        assert t.steps[-1].formula == "‖v‖₂ = √(Σ vᵢ²) = s·√(Σ (vᵢ/s)²) [s = max|vᵢ|, as Σ vᵢ² " + tail


def test_the_norm_trace_works_on_columns_for_cols_and_column_sums_for_l1():
    from mlcalc.ops import linalg
    t = Tracer()
    linalg.norm(np.array([[3.0, 4.0], [1.0, 0.0]]), axis="cols", tracer=t)
    assert [s.formula for s in t.steps[1:3]] == ["√(Σ vᵢ²) = √(3² + 1²) = √10 = 3.16228",
                                                 "√(Σ vᵢ²) = √(4² + 0²) = √16 = 4"]
    t = Tracer()
    assert linalg.norm(np.array([[3.0, -4.0], [2.0, 0.0]]), "l1", tracer=t) == 5  # column sums 5, 4; row sums 7, 2
    np.testing.assert_array_equal(t.steps[0].values["sums"], [5, 4])
    assert t.steps[1].formula == "‖A‖₁ = max(5, 4) = 5"



def test_the_pairwise_distance_trace_works_two_rows_of_a_against_two_rows_of_b():
    from mlcalc.ops import linalg
    t = Tracer()
    linalg.dist(np.array([[0.0, 0.0]]), np.array([[3.0, 4.0], [1.0, 0.0], [0.0, 2.0]]), tracer=t)
    worked = [s.title for s in t.steps if s.title.startswith("Euclidean distance D")]
    assert worked == ["Euclidean distance D[1, 1]", "Euclidean distance D[1, 2]"]  # 1 row of A, 2 of B's 3
    assert [s.note for s in t.steps if s.title == "…"] == ["the other 1 entries follow the same rule"]
    t = Tracer()
    linalg.dist(np.array([[0.0, 0.0], [1.0, 1.0]]), np.array([[3.0, 4.0], [1.0, 0.0]]), tracer=t)
    assert not any(s.title == "…" for s in t.steps)  # all four entries were worked: none is left over

def test_projecting_a_huge_vector_scales_a_before_the_dot_product():
    # a·b and b·b are out of range, so p = (a·u)·u with u = b/‖b‖; a·u summed unscaled overflowed
    # (1.7e308·0.577 + 1.7e308·0.577 = inf) where p itself is 1.7e308/3
    from mlcalc.ops import linalg
    with np.errstate(invalid="ignore"):  # a·b is inf − inf (the CLI silences NumPy's warnings)
        p = linalg.project(np.array([1.7e308, 1.7e308, -1.7e308]), np.array([1e200, 1e200, 1e200]))
    np.testing.assert_allclose(p, [1.7e308 / 3] * 3, rtol=1e-15)


@pytest.mark.parametrize("engine", ENGINES)
def test_a_float32_column_space_drops_singular_values_below_its_own_cutoff(engine):
    # b's σ are 1 and 5e-7, below max(m, n)·eps = 8·1.19e-7 (lstsq's cutoff for float32): b has rank 1,
    # and a's part along the second column is not kept (at eps·σ_max alone it was)
    from mlcalc.ops import linalg
    b = np.zeros((8, 2), np.float32)
    b[0, 0], b[1, 1] = 1, 5e-7
    a = np.array([1, 1, 0, 0, 0, 0, 0, 0], np.float32)
    np.testing.assert_allclose(linalg.project(a, b, engine=engine), [1, 0, 0, 0, 0, 0, 0, 0], atol=1e-6)


def test_pinv_takes_rcond_0():
    r = run_cli("pinv", "1 2; 3 4", "--rcond", "0", "-f", "json")
    assert r.code == 0
    np.testing.assert_allclose(__import__("json").loads(r.stdout), [[-2, 1], [1.5, -0.5]], rtol=1e-14)


def test_float32_pinv_cuts_off_at_the_larger_dimension_times_eps():
    # σ = 1 and 5e-7; the cutoff is max(8, 2)·eps₃₂ = 9.5e-7 (Octave's), so 5e-7 counts as 0 (not 2e6)
    from mlcalc.ops import linalg
    a = np.zeros((8, 2), np.float32)
    a[0, 0], a[1, 1] = 1, 5e-7
    want = np.zeros((2, 8), np.float32)
    want[0, 0] = 1
    np.testing.assert_allclose(linalg.pinv(a), want, atol=1e-6)


@pytest.mark.parametrize("engine", ENGINES)
def test_pinv_of_a_zero_matrix_and_rcond_0_keep_only_positive_singular_values(engine):
    # σ ≤ cutoff counts as 0: a zero σ at cutoff 0 was inverted (inf·0 = nan)
    from mlcalc.ops import linalg
    np.testing.assert_array_equal(linalg.pinv(np.zeros((2, 2)), engine=engine), np.zeros((2, 2)))
    # a σ that is exactly 0 on every LAPACK (ones((2, 2))'s second σ is 0 on OpenBLAS's Haswell kernel,
    # 3.4e-17 on its SkylakeX one, which NumPy's rcond=0 then inverts too)
    np.testing.assert_allclose(linalg.pinv(np.array([[0.0, 2.0], [0.0, 0.0]]), rcond=0.0, engine=engine),
                               np.array([[0.0, 0.0], [0.5, 0.0]]), rtol=1e-14)


def test_the_pinv_trace_counts_the_singular_values_kept():
    from mlcalc.ops import linalg
    t = Tracer()
    linalg.pinv(np.ones((2, 2)), tracer=t)
    assert [s.note for s in t.steps if s.title == "Cutoff"] == ["1 of 2 singular values kept"]



def test_the_projection_traces_check_orthogonality_to_b_and_show_the_coefficients():
    from mlcalc.ops import linalg
    t = Tracer()
    linalg.project(np.array([1.0, 2.0]), np.array([1.0, 0.0]), tracer=t)
    assert t.steps[-1].formula == "(a − proj_b(a))·b = 0"  # (0, 2)·(1, 0); against a it is 4
    t = Tracer()
    linalg.project(np.array([1.0, 2.0, 3.0]), np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]]), tracer=t)
    coefficients = [s for s in t.steps if s.title == "Least-squares coefficients"]
    assert len(coefficients) == 1 and coefficients[0].result.tolist() == [1.0, 2.0]


def test_the_pinv_trace_names_the_power_of_two_it_scaled_by():
    from mlcalc.ops import linalg
    t = Tracer()
    linalg.pinv(np.array([[1e300, 0.0], [0.0, 1e300]]), tracer=t)
    assert t.steps[0].formula.startswith("A⁺ = (A·2^-997)⁺·2^-997: exact")


def test_an_unknown_metric_is_mlcalcs_own_error():
    from mlcalc.ops import linalg
    with pytest.raises(ShapeError, match="dist: unknown --metric 'nope'"):
        linalg.dist(np.array([1.0]), np.array([2.0]), metric="nope")


# ---------------------------------------------------------------- rank (ops/systems.py)


def test_rank_takes_tol_0():
    # --tol 0 counts every σ > 0 ("≥ 0" in the message: 0 is a tolerance, not a missing one)
    assert run_cli("rank", "1 0; 0 0", "--tol", "0").stdout == "1\n"
    assert run_cli("rank", "1 2; 3 4", "--tol", "0").stdout == "2\n"


def test_the_rank_trace_says_its_count_and_when_elimination_disagrees():
    t = Tracer()
    assert systems.rank(np.array([[1.0, 1.0], [1.0, 1.0 + 1e-15]]), tracer=t) == 1
    tolerance = [s for s in t.steps if s.title == "Tolerance"][0]
    assert tolerance.note == "1 singular value above it"
    assert [s.note for s in t.steps if s.title == "Note"] == [
        "elimination found 2 pivots; the SVD count 1 is the more reliable one in floating point"]


def test_the_rank_trace_near_the_float_limit_shows_the_scaled_matrix_and_its_singular_values():
    t = Tracer()
    assert systems.rank(np.array([[1e300, 0.0], [0.0, 1e300]]), tracer=t) == 2
    step = [s for s in t.steps if s.title == "Singular values of A"][0]
    scaled = 1e300 * 2.0 ** -997
    np.testing.assert_allclose(step.values["A"], np.diag([scaled, scaled]), rtol=1e-15)
    np.testing.assert_allclose(step.values["σ"], [scaled, scaled], rtol=1e-15)
    assert not any(s.title == "Note" for s in t.steps)  # elimination on the same scaled A finds 2 pivots

# ---------------------------------------------------------------- the NumPy NN kernels (kernels/reference/nn.py)


def test_a_class_whose_logit_is_minus_inf_adds_nothing_to_the_cross_entropy():
    # its log-probability is −inf and its target 0: 0·log 0 counts as 0 (PyTorch), not 0·(−inf) = nan
    for target in ("1 0", "0"):
        r = run_cli("--engine", "numpy", "loss", "0 -inf", target, "--fn", "cross-entropy")
        assert (r.code, r.stdout) == (0, "0\n"), (target, r.stderr)

