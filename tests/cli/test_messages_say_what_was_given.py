"""Error messages in the user's terms: the shapes, operands and options they gave, counts that agree with
their nouns, and advice that applies (found by a review of every message the CLI can print)."""

import json

import numpy as np
import pytest

from conftest import assert_one_error_line, run_cli, run_process


def test_attention_with_a_one_dimensional_v_gets_attentions_own_message():
    # the budget check read V's second-last axis first: "internal error: IndexError"
    assert_one_error_line(run_cli("attention", "1 0; 0 1", "1 0; 0 1", "1 2"),
                          "attention: V needs one row per key: K is (2, 2), V is (2,)")


def test_a_matmul_chain_names_the_product_whose_shape_the_user_never_gave():
    r = run_cli("matmul", "1 2 3", "1 2; 3 4; 5 6", "1 2 3; 4 5 6; 7 8 9")
    assert_one_error_line(r, "matmul: the product of operands 1–2, (2,), and operand 3, (3, 3), do not align: 2 != 3")
    assert_one_error_line(run_cli("matmul", "1 2 3", "1 2; 3 4"), "matmul: shapes (3,) and (2, 2) do not align: 3 != 2")


@pytest.mark.parametrize("command", ["forward", "backward", "gradcheck"])
def test_approx_without_an_activation_says_which_option_to_add(command):
    extra = {"backward": ["--grad-out", "1 1"], "gradcheck": ["--target", "1 1"]}.get(command, [])
    r = run_cli(command, "1,2", "-W", "1 2; 3 4", "--approx", "tanh", *extra)
    assert_one_error_line(r, f"{command}: --approx tanh applies to --act gelu only, and no --act was given: add --act gelu")
    assert "None" not in r.stderr
    assert_one_error_line(run_cli("activate", "1 2", "--fn", "relu", "--approx", "tanh"),
                          "activate: --approx tanh applies to --fn gelu only, not relu")


def test_gradcheck_names_its_target_option_and_the_layers_output():
    # it said "TARGET is (3,) but PRED is (2,)": operands of the loss command, not of gradcheck
    r = run_cli("gradcheck", "1,2", "-W", "1 2; 3 4", "--target", "1 2 3")
    assert_one_error_line(r, "gradcheck: --target is (3,) but the layer's output is (2,)")
    r = run_cli("gradcheck", "1,2", "-W", "1 2; 3 4", "--target", "5", "--loss", "cross-entropy")
    assert_one_error_line(r, "gradcheck: --target row 1: class id 5")
    assert_one_error_line(run_cli("gradcheck", "1,2", "-W", "1 2; 3 4", "--target", "1 nan"),
                          "gradcheck: --target has a non-finite value")


def test_dist_describes_a_vector_operand_as_given_not_as_the_row_it_became():
    # "rows of A have 2 columns (shapes (1, 2) and (2, 3))" for A = (2, 1)
    assert_one_error_line(run_cli("dist", "1;2", "1 2 3; 4 5 6"),
                          "dist: A is one point of 2 coordinates and rows of B have 3 columns",
                          "(shapes (2, 1) and (2, 3))")


def test_dist_by_blocks_refuses_rows_of_different_lengths_before_weighing_the_result(tmp_path):
    # over the budget it first said "write it with -o FILE.npy"; following that only then gave the real error
    np.save(tmp_path / "a.npy", np.ones((200, 100)))
    np.save(tmp_path / "b.npy", np.ones((200, 101)))
    r = run_cli("--memory-limit", "200KB", "dist", str(tmp_path / "a.npy"), str(tmp_path / "b.npy"))
    assert_one_error_line(r, "dist: rows of A have 100 columns and rows of B have 101 columns",
                          "(shapes (200, 100) and (200, 101))")


@pytest.mark.parametrize("args, words", [
    (("forward", "5", "-W", "1 2; 3 4"), "X has 1 feature but W expects 2"),
    (("forward", "1 2", "-W", "1 2", "-b", "1 2"), "b has 2 values but W has 1 output"),
    (("solve", "5", "1 2"), "A has 1 row, b has 2"),
    (("project", "1 2", "1 2; 3 4; 5 6"), "a has 2 elements but b has 3 rows"),
    (("embed", "3", "1 2; 3 4"), "(E has 2 rows)"),
    (("cross", "1 2 3; 4 5 6", "1 2 3; 4 5 6; 7 8 9"), "u has 2 rows and v 3"),
])
def test_counts_agree_with_their_nouns(args, words):
    assert_one_error_line(run_cli(*args), words)


def test_conv2d_counts_channels_without_parentheses(tmp_path):
    np.save(tmp_path / "x.npy", np.ones((1, 4, 4)))
    np.save(tmp_path / "k.npy", np.ones((1, 2, 2, 2)))
    assert_one_error_line(run_cli("conv2d", str(tmp_path / "x.npy"), str(tmp_path / "k.npy")),
                          "X has 1 channel but K expects 2")


@pytest.mark.parametrize("text, given, seen", [
    ("1,2,3\n4,5,6\n", "tab", "comma"),
    ("1\t2\n3\t4\n", ",", "tab"),
    ("1,2,3\n4,5,6\n", ";", "comma"),   # the first line was read as a header and line 2 blamed
    ("1 2\n3 4\n", ",", "whitespace"),
    ("1,2,3\n3,4,5\n", "whitespace", "comma"),
])
def test_a_delimiter_absent_from_the_file_says_so_instead_of_blaming_a_decimal_comma(tmp_path, text, given, seen):
    path = tmp_path / "m.csv"
    path.write_text(text)
    name = {",": "comma", ";": "semicolon"}.get(given, given)
    r = run_cli("--delimiter", given, "det", str(path))
    assert_one_error_line(r, f"--delimiter {name} does not occur in its first lines, which are {seen}-separated",
                          f"give --delimiter {seen}")
    assert "decimal comma" not in r.stderr


def test_an_absent_delimiter_over_decimal_commas_gives_both_readings(tmp_path):
    # a European one-column export: "which are comma-separated: give --delimiter comma" read 1,5 as 1 and 5
    path = tmp_path / "dec.csv"
    path.write_text("1,5\n2,5\n3,5\n")
    assert_one_error_line(run_cli("--delimiter", ";", "transpose", str(path)),
                          "--delimiter semicolon does not occur in its first lines ('1,5'): if the commas separate "
                          "cells, drop --delimiter or give --delimiter comma; if they are decimal commas",
                          "write '1.5'")


def test_a_given_delimiter_still_reads_one_column_and_its_own_files(tmp_path):
    one = tmp_path / "one.csv"
    one.write_text("price usd\n3\n4\n")  # no comma anywhere, and no other delimiter on every line
    r = run_cli("--delimiter", ",", "norm", str(one))
    assert r.code == 0 and float(r.stdout) == 5.0, r.stderr
    semi = tmp_path / "s.csv"
    semi.write_text("1;2\n3;4\n")
    assert run_cli("--delimiter", ";", "det", str(semi)).stdout.strip() == "-2"


def test_a_delimiter_of_several_characters_is_a_usage_error():
    r = run_cli("--delimiter", "||", "det", "1 2; 3 4")
    assert r.code == 2 and "must be one character" in r.stderr


def test_an_l2_penalty_that_overflows_fits_its_limit_without_lapack_noise_on_stdout(tmp_path):
    # n·l2/scale² overflowed to inf: LAPACK printed "** On entry to DLASCL" on stdout, then an internal error
    data = tmp_path / "d.csv"
    data.write_text("a,b,y\n1,2,3\n2,1,4\n3,5,2\n4,4,7\n")
    r = run_process("train-linreg", str(data), "--method", "normal", "--l2", "1e308", "-f", "json")
    assert r.code == 0, r.stderr
    fit = json.loads(r.stdout)  # the whole of stdout is the result
    assert fit["coef"] == [0, 0] and fit["intercept"] == 4


def test_a_tiny_l2_on_tiny_columns_keeps_its_coefficients(tmp_path):
    # scale² of 1e-170 underflowed to 0, so n·l2/scale² was inf and the coefficient set to 0, for a ridge w of
    # (xcᵀyc/n) / (xcᵀxc/n + l2) = 1.25e130
    data = tmp_path / "t.csv"
    data.write_text("a,b,y\n1e-170,2,3\n2e-170,1,4\n3e-170,5,2\n4e-170,4,7\n")
    fit = json.loads(run_cli("train-linreg", str(data), "--method", "normal", "--l2", "1e-300", "-f", "json").stdout)
    assert fit["coef"][0] == pytest.approx(1.25e130, rel=1e-12)


def test_gradient_descent_diverging_through_its_l2_step_says_so(tmp_path):
    data = tmp_path / "d.csv"
    data.write_text("a,b,y\n1,2,3\n2,1,4\n3,5,2\n4,4,7\n")
    r = run_cli("train-linreg", str(data), "--l2", "40", "--lr", "0.03")
    assert_one_error_line(r, "training diverged", "--lr × --l2 must stay below 1 (here 0.03 × 40): lower --lr or --l2")
    r = run_cli("train-linreg", str(data), "--lr", "5")
    assert_one_error_line(r, "try a smaller --lr than 5, or --standardize")


@pytest.mark.parametrize("args, words", [
    (("activate", "-1 2", "--fn", "relu", "--alpha", "0.2"), "activate: --alpha applies to --fn leaky-relu only, not relu"),
    (("forward", "1 2", "-W", "1 0; 0 -1", "--alpha", "0.5"),
     "forward: --alpha applies to --act leaky-relu only, and no --act was given: add --act leaky-relu"),
    (("backward", "1 2", "-W", "1 0; 0 1", "--act", "tanh", "--alpha", "0.5", "--grad-out", "1 1"),
     "backward: --alpha applies to --act leaky-relu only, not tanh"),
])
def test_alpha_with_another_activation_is_refused_not_ignored(args, words):
    # `--fn relu --alpha 0.2` printed ReLU's numbers without a word
    assert_one_error_line(run_cli(*args), words)


def test_alpha_still_sets_leaky_relus_slope_and_defaults_to_001():
    assert run_cli("activate", "-1 2", "--fn", "leaky-relu", "--alpha", "0.2", "-f", "json").stdout.strip() == "[-0.2, 2]"
    assert run_cli("activate", "-1 2", "--fn", "leaky-relu", "-f", "json").stdout.strip() == "[-0.01, 2]"


def test_training_options_the_method_does_not_use_are_named_in_a_warning(tmp_path):
    data = tmp_path / "d.csv"
    data.write_text("x,y\n1,2\n2,4\n3,6\n4,8\n5,10\n")
    r = run_cli("train-linreg", str(data), "--method", "normal", "--optimizer", "adam", "--lr", "0.1",
                "--epochs", "5", "--seed", "3", "-f", "json")
    assert r.code == 0 and json.loads(r.stdout)["coef"] == [2]
    assert "--method normal solves in closed form: --optimizer, --lr, --epochs, --seed change nothing" in r.stderr
    r = run_cli("train-linreg", str(data), "--method", "gd", "--batch-size", "2", "--epochs", "10", "-f", "json")
    assert "--method gd takes every row at each step: --batch-size changes nothing" in r.stderr
    r = run_cli("train-linreg", str(data), "--method", "gd", "--seed", "3", "--epochs", "10", "-f", "json")
    assert "--method gd takes every row at each step: --seed changes nothing" in r.stderr  # it had said nothing
    r = run_cli("train-linreg", str(data), "--method", "normal", "--seed", "3", "--val-split", "0.2", "-f", "json")
    assert "change nothing" not in r.stderr  # the seed shuffles the held-out rows
    r = run_cli("train-linreg", str(data), "--method", "gd", "--seed", "3", "--val-split", "0.2", "-f", "json")
    assert "change nothing" not in r.stderr
    r = run_cli("train-linreg", str(data), "--method", "sgd", "--batch-size", "2", "--epochs", "10", "-f", "json")
    assert "change nothing" not in r.stderr


def test_a_number_beyond_float64_is_named_as_typed_not_as_an_inf(tmp_path):
    # "A has a non-finite value (inf)" for a literal holding 1e999: an inf nobody typed
    assert_one_error_line(run_cli("inv", "1e999 2; 3 4"), "inv: A has a non-finite value (inf) at row 1, column 1 "
                          "(typed as about 1e999, beyond float64's largest number, 1.8e308)")
    path = tmp_path / "big.csv"
    path.write_text("1,2\n3,-1e400\n")
    assert_one_error_line(run_cli("det", str(path)), "big.csv line 2, column 2; typed as about -1e400")
    r = run_cli("inv", "inf 2; 3 4")  # typed as inf: nothing to add
    assert_one_error_line(r, "non-finite value (inf) at row 1, column 1")
    assert "typed" not in r.stderr


@pytest.mark.parametrize("engine", ["numpy", "numba", "--exact"])
def test_a_singular_solve_says_whether_there_is_no_solution_or_infinitely_many(engine):
    # the textbooks' three cases: both said only "A is singular"
    engine = ["--exact"] if engine == "--exact" else ["--engine", engine]
    assert_one_error_line(run_cli("solve", "1 2; 2 4", "3 6", *engine),
                          "A is singular (pivot 0 in column 2); b is in A's column space: there are infinitely many solutions")
    assert_one_error_line(run_cli("solve", "1 2; 2 4", "3 7", *engine),
                          "A is singular (pivot 0 in column 2); b is not in A's column space: there is no solution")


@pytest.mark.parametrize("engine", ["numpy", "numba"])
def test_eigenvectors_hold_no_negative_zero(engine):
    # e₁'s first entry came out −0 (a table printed "-0" beside "0")
    from mlcalc.ops.linalg import eig
    v = eig(np.array([[2.0, 0, 0], [0, 3, 4], [0, 4, 9]]), vectors=True, engine=engine)["vectors"]
    assert not np.any(np.signbit(v) & (v == 0))


def test_gen_says_a_seed_changes_nothing_for_a_matrix_that_is_not_random():
    r = run_cli("gen", "eye", "2", "--seed", "3", "-f", "json")
    assert r.code == 0 and r.stdout.strip() == "[[1, 0], [0, 1]]"
    assert r.stderr == "mlcalc: warning: gen: eye is not random: --seed changes nothing\n"
    assert run_cli("gen", "randn", "2", "--seed", "3", "-f", "json").stderr == ""
