"""Rules a fourth mutation audit found no test guarding. Reading: the typed-entries limit, long-literal
labels, a '.npz' with no member, one semicolon row on standard input, the pipe budget's boundary, error
positions (an invalid UTF-8 byte, an element of a 1-D NPY by blocks), a dash-named file behind a space, a
written inf under float32, csvfast's thresholds and BOM check. Grids of tables and traces: elision,
alignment, width. By blocks: binary units and cgroup v1, tile and panel sizes, positions in messages,
train-linreg's no-intercept scaling, schedule, loss and refusals. CLI plumbing of options (--alpha,
--approx, --reduction, --rcond, --stride, NPY refusals before the work). Trace rendering, and the
reference solvers' pivots, condition number and tolerances."""

from __future__ import annotations

import io
import json
import threading

import numpy as np
import pytest

from mlcalc.errors import InputError
from mlcalc.io import csvfast, read
from mlcalc.io.grid import grid_lines
from conftest import assert_one_error_line, run_cli


# ---------------------------------------------------------------- io/read.py

def test_a_12x12_literal_is_still_read_as_typed():
    # 144 cells (EXACT_CHECK_UP_TO²) is the last size whose entries det/inv/solve see as typed ('<' lost it)
    rows = [" ".join("1/3" if i == j else "0" for j in range(12)) for i in range(12)]
    op = read.read_operand("; ".join(rows))
    typed = read.typed_rows(op)
    assert typed is not None and str(typed[0][0]) == "1/3"


def test_a_long_literal_is_named_by_its_start():
    bad = "1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 x 27 28 29"  # 79 characters
    r = run_cli("det", bad)
    assert_one_error_line(r, "the literal '1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 1'… (79 characters): "
                             "row 1, column 27: 'x' is not a number")
    short = "1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 x 2"  # 60 characters: named whole
    assert_one_error_line(run_cli("det", short), f"{short}: row 1, column 23")


def test_a_missing_npz_without_a_member_is_no_such_file(tmp_path):
    # it asked for a member name, and with one said "no such file": that first
    r = run_cli("det", str(tmp_path / "m.npz"))
    assert_one_error_line(r, "m.npz: no such file")


def test_one_semicolon_separated_line_on_stdin_is_one_row():
    # "1;2;3" is a CSV row with ';' between cells, not Octave's column (only "1 2; 3 4" is Octave rows)
    r = run_cli("transpose", "-", "-f", "json", stdin="1;2;3\n")
    assert r.code == 0 and json.loads(r.stdout) == [[1], [2], [3]], r.stderr


def test_a_bracketed_file_that_is_neither_form_gets_the_literal_error(tmp_path):
    # the first row up to ';' ("[1 2") is numbers: the literal's error, not the CSV reading's
    (tmp_path / "b.txt").write_text("[1 2; 3 x]\n")
    r = run_cli("det", str(tmp_path / "b.txt"))
    assert_one_error_line(r, "b.txt: row 2, column 2: 'x' is not a number")


def test_a_pipe_may_bring_exactly_its_share_of_the_budget():
    # text's share is 1/8: 800 B allows 100 bytes, and only the 101st is too many
    assert read.read_whole(io.BytesIO(b"1\n" * 50), "the pipe", "800B") == b"1\n" * 50
    with pytest.raises(InputError, match="more than 100 bytes from a pipe"):
        read.read_whole(io.BytesIO(b"1\n" * 50 + b"1"), "the pipe", "800B")


def test_invalid_utf8_names_its_1_based_byte(tmp_path):
    (tmp_path / "bad.csv").write_bytes(b"1,2\n3,\xff4\n")
    assert_one_error_line(run_cli("det", str(tmp_path / "bad.csv")), "bad.csv line 2: not UTF-8 text (byte 7 is 0xff)")


def test_float32_overflow_in_a_1d_npy_by_blocks_names_the_element(tmp_path):
    v = np.zeros(1000)
    v[700] = 1e39  # in a later block than the first at 2KB
    np.save(tmp_path / "v.npy", v)
    r = run_cli("norm", str(tmp_path / "v.npy"), "--dtype", "float32", "--memory-limit", "2KB")
    assert_one_error_line(r, "v.npy: 1e+39 at element 701 is beyond float32's range")


def test_a_leading_space_lets_a_dash_named_file_through(tmp_path, monkeypatch):
    # " -m.csv": the space keeps the option parser off it; the reader strips it again and finds the file
    monkeypatch.chdir(tmp_path)
    (tmp_path / "-m.csv").write_text("1,2\n3,4\n")
    np.testing.assert_array_equal(read.read_operand(" -m.csv").values, [[1, 2], [3, 4]])


def test_an_inf_as_written_is_no_float32_overflow():
    # only a finite number beyond float32's range is refused; an inf the user wrote stays inf
    r = run_cli("add", "inf 1", "1 1", "--dtype", "float32", "-f", "json")
    assert r.code == 0 and r.stderr == "" and json.loads(r.stdout) == ["inf", 2], r.stderr


# ---------------------------------------------------------------- io/csvfast.py

def test_the_parallel_parser_starts_lower_once_numba_is_loaded(tmp_path, monkeypatch):
    from mlcalc import engine
    p = tmp_path / "a.csv"
    p.write_text("1,2\n" * (300 << 8))  # 300 KB: above WARM_THRESHOLD, far below THRESHOLD
    monkeypatch.setattr(engine, "jit_disabled", lambda: False)
    monkeypatch.setattr(engine, "numba_loaded", lambda: True)
    assert csvfast.should_use(str(p))
    monkeypatch.setattr(engine, "numba_loaded", lambda: False)
    assert not csvfast.should_use(str(p))


def test_json_behind_a_bom_is_not_rows():
    assert not csvfast.holds_rows(b"\xef\xbb\xbf[[1, 2],\n [3, 4]]\n")
    assert not csvfast.holds_rows(b"\xef\xbb\xbf{\"a\": [1, 2],\n \"b\": [3]}\n")
    assert csvfast.holds_rows(b"\xef\xbb\xbf1,2\n3,4\n")


# ---------------------------------------------------------------- io/grid.py

def _row(n, **kw):
    return grid_lines((1, n), lambda i, j: str(j), **kw)[0]


def test_an_elided_row_keeps_the_larger_half_first():
    # 5 of 9 columns: the first three, a gap, the last two
    assert _row(9, max_cols=5) == "0  1  2  …  7  8"
    assert _row(9, max_cols=4) == "0  1  …  7  8"


def test_as_many_columns_as_the_limit_are_all_shown():
    assert _row(5, max_cols=5) == "0  1  2  3  4"
    assert grid_lines((3, 1), lambda i, j: str(i), max_rows=2) == ["0", "⋮", "2"]


def test_numbers_are_right_aligned():
    lines = grid_lines((2, 2), lambda i, j: ["1", "-250", "100", "7"][2 * i + j])
    assert lines == ["  1  -250", "100     7"]


def test_columns_are_dropped_two_at_a_time_to_fit_the_width():
    # 11 columns of 10 characters (136 wide with gutters and margin) in 103: 9 shown and the gap (115)
    # are still too wide, 7 (91) fit; 8 (103) would too, but the count drops by two
    cell = lambda i, j: f"{j:>10}"  # noqa: E731
    assert grid_lines((1, 11), cell, width=103)[0].split() == ["0", "1", "2", "3", "…", "8", "9", "10"]
    assert grid_lines((1, 11), cell, width=115)[0].split() == ["0", "1", "2", "3", "4", "…", "7", "8", "9", "10"]
    # the 4 columns of margin count: 7 cells of 10 (7·10 + 2·7 = 84) fit 88, not 87
    assert len(grid_lines((1, 7), cell, width=88)[0].split()) == 7
    assert "…" in grid_lines((1, 7), cell, width=87)[0]


def test_a_grid_narrower_than_three_columns_stops_shrinking():
    # a terminal too narrow for even 2 columns and the gap: the layout stops at that, it does not loop
    done = []
    t = threading.Thread(target=lambda: done.append(grid_lines((1, 9), lambda i, j: "x" * 20, width=10)),
                         daemon=True)
    t.start()
    t.join(10)
    assert done and done[0][0].split() == ["x" * 20, "…", "x" * 20]
    assert grid_lines((1, 3), lambda i, j: "x" * 20, width=10)[0].split() == ["x" * 20] * 3


def test_an_empty_grid_has_no_lines():
    assert grid_lines((0, 3), lambda i, j: "1") == []
    assert grid_lines((3, 0), lambda i, j: "1") == []


def test_a_flat_list_is_one_row():
    from fractions import Fraction
    from mlcalc.trace.render import matrix_lines
    assert matrix_lines([Fraction(1, 3), 2]) == ["[ 1/3  2 ]"]


# ---------------------------------------------------------------- blocks/storage.py

def test_a_cgroup_v1_memory_controller_mounted_with_others_is_found(tmp_path):
    from mlcalc.blocks import storage
    (tmp_path / "memory" / "c").mkdir(parents=True)
    (tmp_path / "memory" / "c" / "memory.limit_in_bytes").write_text("2000000\n")
    (tmp_path / "own").write_text("4:hugetlb,memory:/c\n")
    assert storage.cgroup_memory_limit(str(tmp_path), str(tmp_path / "own")) == 2000000


# ---------------------------------------------------------------- blocks/local.py

def test_a_product_by_blocks_whose_tiles_are_wider_than_tall(tmp_path):
    # (10×20)·(20×300) at 16KB: tiles of 10 rows and 14 columns (matmul_tiles), so a B block is bn wide, not bm
    rng = np.random.default_rng(1)
    a, b = rng.standard_normal((10, 20)), rng.standard_normal((20, 300))
    np.save(tmp_path / "a.npy", a)
    np.save(tmp_path / "b.npy", b)
    r = run_cli("matmul", str(tmp_path / "a.npy"), str(tmp_path / "b.npy"), "--memory-limit", "16KB",
                "-o", str(tmp_path / "c.npy"))
    assert r.code == 0, r.stderr
    np.testing.assert_allclose(np.load(tmp_path / "c.npy"), a @ b, rtol=1e-12, atol=1e-12)


def test_a_zero_row_of_b_in_a_later_panel_is_named_by_its_own_row(tmp_path):
    rng = np.random.default_rng(0)
    b = rng.standard_normal((300, 4))
    b[250] = 0
    np.save(tmp_path / "a.npy", rng.standard_normal((40, 4)))
    np.save(tmp_path / "b.npy", b)
    r = run_cli("dist", str(tmp_path / "a.npy"), str(tmp_path / "b.npy"), "--metric", "cosine",
                "--memory-limit", "2KB", "-o", str(tmp_path / "d.npy"))
    assert_one_error_line(r, "dist: cosine distance is undefined for a zero vector (row 251 of B)")


def test_distance_panels_hold_at_least_16_rows_where_they_fit():
    # a small budget still gives panels of min(16, words // 2d) rows: 1-row panels made a kernel call per pair
    from mlcalc.blocks import local
    a = np.random.default_rng(0).standard_normal((64, 4))
    out = np.empty((64, 64))
    totals = []
    local.pairwise_dist(a, a, "euclidean", out, 2000, "numpy", progress=lambda done, total: totals.append(total))
    assert totals[-1] == 25  # 15-row panels (125 words // 8): 5 × 5, not 6-row panels' 11 × 11
    np.testing.assert_allclose(out, np.sqrt(((a[:, None, :] - a[None, :, :]) ** 2).sum(-1)), atol=1e-12)


def test_a_product_keeps_the_whole_inner_dimension_for_a_few_rows():
    # 10 rows of A: tiles of all 20 inner columns (A's panel read once), not 16×16 squares
    from mlcalc.blocks.local import matmul_tiles
    assert matmul_tiles(10, 20, 300, 8, 16000) == (10, 20, 14)


# ---------------------------------------------------------------- blocks/train.py

def _table(tmp_path, ncols=3, rows=400):
    rng = np.random.default_rng(0)
    d = rng.standard_normal((rows, ncols))
    d[:, -1] = 2 * d[:, 0] - (d[:, 1] if ncols > 2 else 0) + 0.5
    np.save(tmp_path / "d.npy", d)
    return d


def test_one_column_by_blocks_is_refused_as_in_memory(tmp_path):
    np.save(tmp_path / "one.npy", np.arange(1000.0)[:, None])  # 8000 bytes: over half of 8KB, by blocks
    r = run_cli("train-linreg", str(tmp_path / "one.npy"), "--memory-limit", "8KB")
    assert_one_error_line(r, "train-linreg: DATA needs at least two columns (features and a target)")


def test_a_model_fit_by_blocks_records_the_1_based_target_column(tmp_path):
    _table(tmp_path)
    for target, column in ((None, 3), ("x1", 1)):
        extra = ("--target", target) if target else ()
        r = run_cli("train-linreg", str(tmp_path / "d.npy"), "--method", "normal", "--memory-limit", "8KB",
                    "--save", str(tmp_path / "m.json"), *extra)
        assert r.code == 0, r.stderr
        assert json.loads((tmp_path / "m.json").read_text())["target_column"] == column


def test_a_non_finite_value_in_a_later_block_names_its_row_and_column(tmp_path):
    d = _table(tmp_path)
    d[300, 1] = np.nan  # 41-row blocks at 8KB: in the eighth
    np.save(tmp_path / "d.npy", d)
    r = run_cli("train-linreg", str(tmp_path / "d.npy"), "--memory-limit", "8KB")
    assert_one_error_line(r, "train-linreg: DATA has a non-finite value (nan) at row 301, column 2")


def test_a_constant_target_by_blocks_has_r2_1_as_in_memory(tmp_path):
    d = _table(tmp_path)
    d[:, -1] = 3.0
    np.save(tmp_path / "d.npy", d)
    for extra in ((), ("--memory-limit", "8KB")):
        r = run_cli("train-linreg", str(tmp_path / "d.npy"), "--method", "normal", "-f", "json", *extra)
        assert r.code == 0 and json.loads(r.stdout)["r2"] == 1, (extra, r.stdout, r.stderr)


def _offset_table(tmp_path):
    """y ≈ 10·x with both far from 0: without an intercept the mean square of y (≈ 10⁴) is its scale,
    a hundred times its variance."""
    rng = np.random.default_rng(0)
    x = rng.normal(10, 1, 600)
    np.save(tmp_path / "big.npy", np.column_stack([x, 10 * x + rng.normal(0, 1, 600)]))
    return str(tmp_path / "big.npy")


def test_without_intercept_the_l1_fit_by_blocks_scales_y_by_its_mean_square(tmp_path):
    # the l1 penalty acts on θ in units of y's scale, √(var + ȳ²) without an intercept: a wrong scale changes the fit
    args = ("train-linreg", _offset_table(tmp_path), "--method", "normal", "--no-intercept", "--standardize",
            "--l1", "0.5", "-f", "json")
    mem, blk = run_cli(*args), run_cli(*args, "--memory-limit", "8KB")
    assert mem.code == 0 and blk.code == 0, mem.stderr + blk.stderr
    np.testing.assert_allclose(json.loads(blk.stdout)["coef"], json.loads(mem.stdout)["coef"], rtol=1e-9)


def test_without_intercept_the_convergence_check_starts_from_theta_0(tmp_path):
    # 70 epochs: loss 2.66 against 0.92 at the optimum, a small step of the way from θ = 0 (mean square of y,
    # ≈ 10⁴): no warning, by blocks as in memory (from var(y) ≈ 100 it was one)
    args = ("train-linreg", _offset_table(tmp_path), "--method", "gd", "--no-intercept", "--standardize",
            "--epochs", "70", "-f", "json")
    for extra in ((), ("--memory-limit", "8KB")):
        r = run_cli(*args, *extra)
        assert r.code == 0 and "warning" not in r.stderr, (extra, r.stderr)  # (the loss curve is there)


@pytest.mark.parametrize("extra", [("--schedule", "linear"), ("--l2", "0.5")])
def test_gd_by_blocks_is_the_in_memory_path(tmp_path, extra):
    # the rate of epoch t is lr·(1 − t/T), t counted from 0 as in memory; l2·‖w‖²'s gradient is 2·l2·w
    _table(tmp_path)
    args = ("train-linreg", str(tmp_path / "d.npy"), "--method", "gd", "--epochs", "20", "--standardize",
            "-f", "json", *extra)
    mem, blk = run_cli(*args), run_cli(*args, "--memory-limit", "8KB")
    assert mem.code == 0 and blk.code == 0, mem.stderr + blk.stderr
    mem, blk = json.loads(mem.stdout), json.loads(blk.stdout)
    np.testing.assert_allclose(blk["coef"] + [blk["intercept"]], mem["coef"] + [mem["intercept"]], rtol=1e-9)


def test_without_intercept_or_scaling_divergence_is_measured_from_the_mean_square(tmp_path):
    # θ = 0's loss is the mean square of y (≈ 10⁴), not its variance (≈ 100): diverged at 10¹⁰, epoch 37
    args = ("train-linreg", _offset_table(tmp_path), "--method", "gd", "--no-intercept", "--lr", "0.011",
            "--epochs", "100")
    for extra in ((), ("--memory-limit", "8KB")):
        assert_one_error_line(run_cli(*args, *extra), "training diverged at epoch 37 (loss 1.03e+10)")


def test_sgd_by_blocks_decays_over_the_steps_it_takes(tmp_path, monkeypatch):
    # 41-row blocks at 8KB in batches of 32: two steps a block (one a short batch), so the linear
    # schedule's horizon counts them all, and the rate never goes below 0
    from mlcalc.train import reference
    _table(tmp_path)
    calls, orig = [], reference.epoch
    monkeypatch.setattr(reference, "epoch", lambda x, y, theta, opt, starts, bs, l1, l2, total, icpt:
                        calls.append((len(starts), total)) or orig(x, y, theta, opt, starts, bs, l1, l2, total, icpt))
    r = run_cli("train-linreg", str(tmp_path / "d.npy"), "--method", "sgd", "--epochs", "3", "--seed", "0",
                "--memory-limit", "8KB", "-f", "json")
    assert r.code == 0, r.stderr
    assert calls and {total for _, total in calls} == {sum(n for n, _ in calls)} == {3 * (9 * 2 + 1)}  # 9 blocks of 41 rows, one of 31


def test_val_split_by_blocks_is_refused(tmp_path):
    _table(tmp_path)
    r = run_cli("train-linreg", str(tmp_path / "d.npy"), "--val-split", "0.2", "--memory-limit", "8KB")
    assert_one_error_line(r, "--val-split is not available when DATA is worked through by blocks: raise --memory-limit")


def test_the_loss_by_blocks_is_the_mean_over_the_rows(tmp_path):
    rng = np.random.default_rng(2)
    d = rng.standard_normal((400, 3))
    d[:, 2] += d[:, 0]
    np.save(tmp_path / "d.npy", d)
    args = ("train-linreg", str(tmp_path / "d.npy"), "--method", "normal", "-f", "json")
    mem, blk = json.loads(run_cli(*args).stdout), json.loads(run_cli(*args, "--memory-limit", "8KB").stdout)
    assert blk["loss"] == pytest.approx(mem["loss"], rel=1e-9)
    assert blk["r2"] == pytest.approx(mem["r2"], rel=1e-9)


# ---------------------------------------------------------------- cli/linalg_more.py

def test_eig_svd_inspect_refuse_one_npy_only_for_several_results(tmp_path):
    several = "several results cannot be written as one NPY"
    r = run_cli("eig", "2 1; 1 2", "-f", "npy")  # the values alone are one array
    assert r.code == 0 and np.load(io.BytesIO(r.stdout_bytes)).tolist() == [1, 3], r.stderr
    assert_one_error_line(run_cli("eig", "2 1; 1 2", "--vectors", "-f", "npy"), several)
    # refused before the work: no trace of it before the error line
    assert_one_error_line(run_cli("svd", "2 1; 1 2", "-o", str(tmp_path / "s.npy"), "--trace"), several)
    assert_one_error_line(run_cli("inspect", "2 1; 1 2", "-o", str(tmp_path / "i.npy"), "--trace"), several)
    assert not (tmp_path / "s.npy").exists() and not (tmp_path / "i.npy").exists()


def test_inspect_keeps_its_float64_facts_under_float32():
    # the condition number is a fact about the data, not a value in float32: not rounded to 7 digits
    r = run_cli("inspect", "1 2; 3 4.1", "--dtype", "float32", "-f", "json")
    cond = json.loads(r.stdout)["condition_number"]
    assert r.code == 0 and len(repr(cond).replace(".", "")) > 9, cond  # 16.153883083992834, not 16.153883


def test_pinv_refuses_a_negative_rcond():
    r = run_cli("pinv", "1 2; 3 4", "--rcond", "-1")
    assert r.code == 2 and "--rcond" in r.stderr and r.stdout == ""


# ---------------------------------------------------------------- cli/nn.py

def test_forward_passes_alpha_to_leaky_relu():
    r = run_cli("forward", "-1 2", "-W", "1 0; 0 1", "--act", "leaky-relu", "--alpha", "0.2", "-f", "json")
    assert r.code == 0 and json.loads(r.stdout) == [-0.2, 2], r.stderr


def test_loss_reduction_sum_reaches_the_op():
    # (0 + 0 + 4): sum 4, mean 4/3
    assert run_cli("loss", "1 2 3", "1 2 5", "--fn", "mse", "--reduction", "sum").stdout == "4\n"
    assert json.loads(run_cli("loss", "1 2 3", "1 2 5", "--fn", "mse", "-f", "json").stdout) == pytest.approx(4 / 3)


def test_loss_is_one_npy_and_only_its_gradient_makes_several():
    r = run_cli("loss", "1 2 3", "1 2 5", "--fn", "mse", "-f", "npy")
    assert r.code == 0 and float(np.load(io.BytesIO(r.stdout_bytes))) == pytest.approx(4 / 3), r.stderr
    assert_one_error_line(run_cli("loss", "1 2 3", "1 2 5", "--fn", "mse", "--grad", "-f", "npy"),
                          "several results cannot be written as one NPY")


def test_backward_refuses_one_npy_before_the_work():
    r = run_cli("backward", "1 2", "-W", "1 0; 0 1", "--grad-out", "1 1", "-f", "npy", "--trace")
    assert_one_error_line(r, "several results cannot be written as one NPY")


def test_backward_passes_the_tanh_approximation_of_gelu():
    # g'(1.5) of 0.5·z·(1 + tanh(c·(z + 0.044715·z³))), c = √(2/π); the erf form's is 1.1274691922299795
    z, c = 1.5, np.sqrt(2 / np.pi)
    t = np.tanh(c * (z + 0.044715 * z ** 3))
    want = 0.5 * (1 + t) + 0.5 * z * (1 - t * t) * c * (1 + 3 * 0.044715 * z * z)
    r = run_cli("backward", "1.5", "-W", "1", "--act", "gelu", "--approx", "tanh", "--grad-out", "1", "-f", "json")
    assert r.code == 0 and json.loads(r.stdout)["dX"] == [pytest.approx(want, rel=1e-12)], r.stderr


def test_gradcheck_tolerance_defaults_to_1e_6():
    # relu's kink at z = 0: finite differences see half a slope
    r = run_cli("gradcheck", "0 0", "-W", "1 1", "--act", "relu", "--target", "1")
    assert_one_error_line(r, "relative error 1 > --tol 1e-06")


def test_gradcheck_passes_alpha_to_leaky_relu():
    # at the kink the finite difference sees (1 + α)/2 against the analytic slope: α = 0.5 gives 1/3, 0.01 0.98
    r = run_cli("gradcheck", "0 0", "-W", "1 1", "--act", "leaky-relu", "--alpha", "0.5", "--target", "1")
    assert_one_error_line(r, "relative error 0.333 > --tol 1e-06")


def test_conv2d_refuses_stride_0_and_negative_padding():
    for args in (("--stride", "0"), ("--padding", "-1")):
        r = run_cli("conv2d", "1 2; 3 4", "1", *args)
        assert r.code == 2 and args[0] in r.stderr and r.stdout == "", (args, r.stderr)


# ---------------------------------------------------------------- trace/steps.py, trace/render.py

def test_a_tracer_is_on_before_its_first_step():
    from mlcalc.trace.steps import Tracer
    assert Tracer() and not Tracer().steps


def test_trace_text_numbers_values_and_results():
    from mlcalc.trace.render import render_text
    from mlcalc.trace.steps import Step
    text = render_text([Step("t", values={"x": np.array(2.5)}),          # a 0-d array is a number
                        Step("u", formula="a = 15", result=5.0),        # "= 15" does not show the result 5
                        Step("v", formula="a = 1/3", result=1 / 3)])    # 6 significant digits
    assert text == "Step 1: t\n  x = 2.5\nStep 2: u\n  a = 15\n  → 5\nStep 3: v\n  a = 1/3\n  → 0.333333\n"


def test_column_blocks_cut_at_a_gutter_and_keep_the_columns_aligned():
    from mlcalc.trace.render import column_blocks
    lines = ["[     1  22  333  4444 ]", "[ 55555   6   77     8 ]"]
    assert column_blocks(lines, 14) == [["[     1  22", "[ 55555   6"], ["  333  4444 ]", "   77     8 ]"]]
    assert column_blocks(lines, 10) == [["[     1", "[ 55555"], ["  22  333", "   6   77"], ["  4444 ]", "     8 ]"]]


def test_a_rich_trace_splits_a_row_that_would_overrun_its_panel(monkeypatch):
    # a 76-character row: with the panel's borders, padding and indent 82 > 80, so it goes in column blocks
    from mlcalc.trace.render import print_rich
    from mlcalc.trace.steps import Step
    monkeypatch.setenv("COLUMNS", "80")
    a = np.array([[-0.0123457] * 5 + [-1.23457e-05]] * 2)
    out = io.StringIO()
    print_rich([Step("t", values={"A": a})], out)
    assert "⋯" in out.getvalue() and max(len(line) for line in out.getvalue().splitlines()) <= 80


def test_trace_shows_a_complex_number_as_mlcalc_writes_it():
    from mlcalc.trace.render import render_text
    from mlcalc.trace.steps import Step
    assert render_text([Step("w", result=complex(1, -2))]) == "Step 1: w\n  → 1-2j\n"


def test_a_rich_trace_does_not_repeat_a_result_its_formula_shows():
    from mlcalc.trace.render import print_rich
    from mlcalc.trace.steps import Step
    out = io.StringIO()
    print_rich([Step("t", formula="u·v = 1·3 + 2·4 = 11", result=11.0)], out)
    assert "u·v = 1·3 + 2·4 = 11" in out.getvalue() and "→" not in out.getvalue()


# ---------------------------------------------------------------- kernels/reference/systems.py

def test_reference_lu_names_the_first_zero_pivot():
    from mlcalc.kernels.reference import systems as ref
    assert ref.lu_factor(np.array([[0.0, 0, 0], [0, 0, 0], [0, 0, 1]]))[2] == 0


def test_reference_singular_names_the_first_pivot_within_n_eps_of_zero():
    # LAPACK's zero pivot may be a residue of a few ulps here: up to n·eps·max|A| counts, the first one named
    from mlcalc.kernels.reference import systems as ref
    assert ref._singular(np.diag([1.0, 1, 3e-16])).column == 2   # eps < 3e-16 ≤ 3·eps
    assert ref._singular(np.diag([1.0, 1e-17, 1e-17])).column == 1
    assert ref._singular(np.diag([1.0, 1, 3 * np.finfo(float).eps])).column == 2  # at the bound itself


def test_reference_condition_number_is_the_1_norm_one():
    from mlcalc.kernels.reference import systems as ref
    a = np.array([[4.0, 1, 0], [2, 5, 1], [0, 3, 6]])
    assert np.linalg.cond(a, 1) != pytest.approx(np.linalg.cond(a, np.inf))
    assert ref.inv(a)[1] == pytest.approx(np.linalg.cond(a, 1), rel=1e-12)
    assert ref.solve(a, np.ones(3))[1] == pytest.approx(np.linalg.cond(a, 1), rel=1e-12)


def test_rref_tolerance_uses_the_largest_row_sum():
    # Octave's eps·max(m, n)·‖A‖∞: for one row 1 2 3, 3·6·eps (not ‖A‖₁'s 3·3·eps)
    from mlcalc.kernels.reference import systems as ref
    assert ref.rref_tolerance(np.array([[1.0, 2, 3]])) == 18 * np.finfo(float).eps


def test_rank_tolerance_scales_with_the_larger_dimension():
    # NumPy's matrix_rank: σ_max·max(m, n)·eps; for ones(2, 3), σ_max = √6 and max(m, n) = 3
    from mlcalc.kernels.reference import systems as ref
    assert ref.rank(np.ones((2, 3)))[2] == pytest.approx(np.sqrt(6) * 3 * np.finfo(float).eps, rel=1e-12, abs=0)


def test_reference_lu_carries_on_past_a_zero_pivot():
    # as LAPACK's getrf: every column factored, P·A = L·U, info the first zero pivot's column
    from mlcalc.kernels.reference import systems as ref
    a = np.array([[0.0, 1, 2], [0, 3, 4], [0, 5, 7]])
    lu, perm, info = ref.lu_factor(a)
    assert info == 0
    np.testing.assert_allclose((np.tril(lu, -1) + np.eye(3)) @ np.triu(lu), a[perm], atol=1e-15)


def test_reference_det_of_a_singular_matrix_is_0_with_an_infinite_condition():
    from mlcalc.kernels.reference import systems as ref
    assert ref.det(np.array([[1.0, 2], [2, 4]])) == (0.0, -np.inf, np.inf)


def test_rref_tolerance_of_an_empty_matrix_is_0():
    from mlcalc.kernels.reference import systems as ref
    assert ref.rref_tolerance(np.zeros((0, 3))) == 0.0


def test_reference_inv_of_a_zero_first_column_names_column_0():
    from mlcalc.kernels.reference import systems as ref
    with pytest.raises(ref.SingularMatrix) as e:
        ref.inv(np.array([[0.0, 1], [0, 2]]))
    assert e.value.column == 0


# ---------------------------------------------------------------- blocks/cluster.py

def test_cluster_chunks_are_square_ish_up_to_the_longer_side():
    # a tall, narrow operand: chunks of 362 rows (√(8 MB / 8 / 8)), not of its 3 columns
    from mlcalc.blocks import cluster
    assert cluster.chunk_rows((1000, 3), 8, 8 << 20) == 362
    assert cluster.chunk_rows((100, 3), 8, 8 << 20) == 100


def test_a_scheduler_address_with_spaces_around_it_is_an_address(monkeypatch):
    pytest.importorskip("distributed")
    from mlcalc.blocks import cluster
    from mlcalc.errors import MlcalcError

    def probe(address, seconds):  # reached with the address stripped: no connection tried here
        raise MlcalcError(f"probed {address!r}")
    monkeypatch.setattr(cluster, "_probe", probe)
    with pytest.raises(MlcalcError, match="probed 'tcp://127.0.0.1:9'"):
        cluster.connect(" tcp://127.0.0.1:9 ")


def test_a_service_whose_identity_has_no_type_is_not_a_scheduler(monkeypatch):
    distributed = pytest.importorskip("distributed")
    from mlcalc.blocks import cluster
    from mlcalc.errors import MlcalcError

    class Comm:
        async def write(self, msg):
            pass

        async def read(self):
            return {"status": "OK"}  # a dict, but no "type": "Scheduler"

        def abort(self):
            pass

    async def connect(address, timeout):
        return Comm()
    monkeypatch.setattr(distributed.comm, "connect", connect)
    with pytest.raises(MlcalcError, match="the service there is not a Dask scheduler"):
        cluster._probe("tcp://127.0.0.1:9", 5)


def test_a_cluster_failure_is_reported_by_its_first_line():
    pytest.importorskip("distributed")
    from mlcalc.blocks import cluster
    from mlcalc.errors import MlcalcError

    class Client:
        def compute(self, graph):
            raise RuntimeError("worker died\nTraceback (most recent call last): ...")

        def gather(self, futures):
            return futures
    with pytest.raises(MlcalcError, match=r"could not run the graph \(worker died\); the scheduler"):
        cluster.run(Client(), [1])


def test_train_moments_on_a_cluster_are_the_local_passes(tmp_path):
    # the cluster's reductions, computed here by dask itself: n, x̄, ȳ, XcᵀXc/n, Xcᵀyc/n, yc·yc/n as _moments's
    pytest.importorskip("distributed")
    import dask
    from mlcalc.blocks import storage, train

    class Client:  # runs the graphs in this process
        def compute(self, graphs):
            return list(dask.compute(*graphs, scheduler="sync"))

        def gather(self, results):
            return results
    _table(tmp_path)
    table = train.Table(storage.NpyBlocks.open(str(tmp_path / "d.npy")), None, 8000)
    here, there = train._moments(table), train._moments_on_cluster(table, Client())
    assert here[0] == there[0]
    for a, b in zip(here[1:], there[1:]):
        np.testing.assert_allclose(b, a, rtol=1e-9, atol=1e-12)
