"""The linear-algebra commands as a user types them: results on stdout, errors as one line."""

import json

import numpy as np
import pytest

from conftest import assert_one_error_line, run_cli, run_process


def test_norm_of_3_4_is_5():
    r = run_cli("norm", "[3,4]")
    assert r.code == 0 and r.stdout == "5\n"


def test_norm_l1_of_1_minus2_3_is_6():
    assert run_cli("norm", "[1,-2,3]", "--ord", "l1").stdout == "6\n"


def test_norm_trace_goes_to_stderr_with_the_squares():
    r = run_cli("norm", "[1,-2,3]", "--ord", "l2", "--trace")
    assert r.stdout == "3.7416573867739413\n"
    assert "1² + (−2)² + 3² = 14" in r.stderr and "√14" in r.stderr


def test_norm_of_every_row_as_json():
    r = run_cli("norm", "3 4; 6 8", "--axis", "rows", "-f", "json")
    assert json.loads(r.stdout) == [5, 10]


def test_matrix_norm_defaults_to_frobenius_and_follows_numpy_for_l1():
    assert run_cli("norm", "1 2; 3 4").stdout.startswith("5.477225575051661")
    assert run_cli("norm", "1 -7; 3 4", "--ord", "l1").stdout == "11\n"
    assert run_cli("norm", "1 -7; 3 4", "--ord", "inf").stdout == "8\n"


def test_dist_euclidean_and_manhattan():
    assert run_cli("dist", "[0,0]", "[3,4]").stdout == "5\n"
    assert run_cli("dist", "[0,0]", "[3,4]", "--metric", "manhattan").stdout == "7\n"


def test_dist_of_two_matrices_is_the_pairwise_matrix():
    r = run_cli("dist", "0 0; 3 4", "0 0; 6 8; 3 4", "-f", "json")
    assert json.loads(r.stdout) == [[0, 10, 5], [5, 5, 0]]


def test_dist_with_mismatched_shapes_is_one_error_line():
    assert_one_error_line(run_cli("dist", "[1,2]", "[1,2,3]"), "dist:", "different lengths")
    assert_one_error_line(run_cli("dist", "1 2; 3 4", "1 2 3; 4 5 6"), "dist:", "columns")


def test_cosine_distance_with_a_zero_vector_is_one_error_line():
    assert_one_error_line(run_cli("dist", "[1,2]", "[0,0]", "--metric", "cosine"), "dist:", "zero vector")


def test_project_3_4_onto_1_0():
    assert run_cli("project", "[3,4]", "[1,0]").stdout == "3\n0\n"


def test_project_trace_shows_the_coefficient():
    r = run_cli("project", "[3,4]", "[1,0]", "--trace")
    assert "a·b = 3·1 + 4·0 = 3" in r.stderr and "c = a·b / b·b" in r.stderr


def test_project_onto_the_zero_vector_is_one_error_line():
    assert_one_error_line(run_cli("project", "[3,4]", "[0,0]"), "project:", "zero vector")


def test_eig_of_the_rotation_prints_plus_minus_i():
    r = run_cli("eig", "0 -1; 1 0")
    assert r.code == 0 and r.stdout == "0-1j\n0+1j\n"


def test_eig_json_has_named_values_and_vectors():
    out = json.loads(run_cli("eig", "0 -1; 1 0", "--vectors", "-f", "json").stdout)
    assert out["values"] == [{"re": 0, "im": -1}, {"re": 0, "im": 1}]
    assert len(out["vectors"]) == 2


def test_eig_of_a_symmetric_matrix_is_real_and_ascending():
    out = json.loads(run_cli("eig", "2 1; 1 2", "-f", "json").stdout)
    assert out == {"values": [1, 3]}


def test_eig_of_a_non_square_matrix_is_one_error_line():
    assert_one_error_line(run_cli("eig", "1 2 3; 4 5 6"), "eig:", "square")


def test_eig_with_nan_is_one_error_line_naming_the_position():
    assert_one_error_line(run_cli("eig", "1 nan; 3 4"), "eig:", "row 1, column 2")


def test_eig_trace_shows_the_characteristic_polynomial():
    r = run_cli("eig", "2 1; 1 2", "--trace")
    assert "det(A − λI)" in r.stderr and "λ² − 4λ + 3" in r.stderr


def test_svd_csv_prints_singular_values_alone():
    r = run_cli("svd", "3 0; 4 5", "-f", "csv")
    assert r.stdout == "6.708203932499369\n2.23606797749979\n" or len(r.stdout.splitlines()) == 2


def test_svd_json_has_S_U_Vt():
    out = json.loads(run_cli("svd", "3 0; 4 5", "-f", "json").stdout)
    assert list(out) == ["S", "U", "Vt"]


def test_svd_to_npz(tmp_path):
    import numpy as np
    path = tmp_path / "usv.npz"
    assert run_cli("svd", "3 0; 4 5", "-o", str(path)).code == 0
    with np.load(path) as z:
        np.testing.assert_allclose((z["U"] * z["S"]) @ z["Vt"], [[3, 0], [4, 5]], atol=1e-14)


def test_pinv_of_a_singular_matrix():
    out = json.loads(run_cli("pinv", "1 2; 2 4", "-f", "json").stdout)
    assert out[0] == pytest.approx([0.04, 0.08]) and out[1] == pytest.approx([0.08, 0.16])


def test_inspect_json_object():
    out = json.loads(run_cli("inspect", "1 0; 0 0", "-f", "json").stdout)
    assert out["shape"] == [2, 2] and out["rank"] == 1 and out["condition_number"] == "inf"
    assert out["idempotent"] is True and out["positive_definite"] is False and out["sparsity"] == 0.75


def test_inspect_table_on_a_terminal_lists_every_result():
    r = run_cli("inspect", "2 1; 1 2", "-f", "table")
    for name in ("shape", "dtype", "rank", "condition_number", "symmetric", "positive_definite"):
        assert name in r.stdout


def test_commands_in_a_real_process_keep_stdout_clean():
    r = run_process("norm", "[3,4]", "--trace")
    assert r.code == 0 and r.stdout == "5\n" and "√25" in r.stderr
    assert_one_error_line(run_process("eig", "1 2 3; 4 5 6"), "eig:")


def test_numba_engine_gives_the_same_answers():
    assert run_cli("--engine", "numba", "norm", "[1,-2,3]", "--ord", "l1").stdout == "6\n"
    assert run_cli("--engine", "numba", "dist", "[0,0]", "[3,4]").stdout == "5\n"
    assert run_cli("--engine", "numba", "project", "[3,4]", "[1,0]").stdout == "3\n0\n"


def test_dist_reads_standard_input_once():
    assert float(run_cli("dist", "4 5 6", "-", stdin="1 2 3\n").stdout) == pytest.approx(27 ** 0.5)


def test_a_column_against_a_vector_broadcasts_as_numpy_does_and_warns():
    # `mlcalc solve … | mlcalc sub - "0.8 1.4"`: the piped vector is a column, and (2, 1) − (2,) is 2×2
    r = run_cli("sub", "-", "0.8 1.4", "-f", "json", stdin="0.8\n1.4\n")
    assert r.code == 0 and np.array(json.loads(r.stdout)).shape == (2, 2)
    assert "column (2, 1)" in r.stderr and "vector (2,)" in r.stderr and "-f json" in r.stderr
    assert run_cli("add", "1; 2", "1; 2").stderr == ""  # same shapes: nothing to say
    assert run_cli("add", "1 2; 3 4", "1 2").stderr == ""  # a row broadcast over rows: the usual case
    assert run_cli("add", "0.8 1.4", "1; 2", "-q").stderr == ""


def test_results_that_keep_a_tables_columns_keep_their_names(tmp_path):
    # pandas keeps a DataFrame's columns through df * 2 and df.apply(norm); --header printed nothing before
    data = tmp_path / "h.csv"
    data.write_text("a,b\n1,2\n3,4\n")
    for args in (("scale", str(data), "--by", "2"), ("add", str(data), str(data)), ("add", "1 1; 1 1", str(data)),
                 ("activate", str(data), "--fn", "relu"), ("norm", str(data), "--axis", "cols")):
        r = run_cli(*args, "--header")
        assert r.code == 0 and r.stdout.splitlines()[0] == "a,b", (args, r.stdout)
        assert run_cli(*args).stdout.splitlines()[0] != "a,b", args  # no header unless asked
    assert "a" in run_cli("scale", str(data), "--by", "2", "-f", "table").stdout.splitlines()[0]
    assert json.loads(run_cli("scale", str(data), "--by", "2", "-f", "json").stdout) == [[2, 4], [6, 8]]
    # rows, a changed shape, or no header: no names
    assert run_cli("norm", str(data), "--axis", "rows", "--header").stdout == "2.23606797749979\n5\n"
    assert run_cli("transpose", str(data), "--header").stdout == "1,3\n2,4\n"


def test_two_headed_tables_with_different_names_warn_that_columns_pair_by_position(tmp_path):
    # pandas aligns by name, so `sub t1 t2` of (a, b) and (b, a) gave -99, 99 under a,b with nothing said
    (tmp_path / "t1.csv").write_text("a,b\n1,100\n")
    (tmp_path / "t2.csv").write_text("b,a\n100,1\n")
    r = run_cli("sub", str(tmp_path / "t1.csv"), str(tmp_path / "t2.csv"))
    assert r.stdout == "-99,99\n" and "paired by position" in r.stderr and "(a, b)" in r.stderr
    assert run_cli("sub", str(tmp_path / "t1.csv"), str(tmp_path / "t1.csv")).stderr == ""


def test_scale_by_a_fraction_as_literals_take_it():
    # `--by 1/60` (a mean's 1/n) was "not a valid float"
    assert run_cli("scale", "60 120", "--by", "1/60", "-f", "json").stdout.strip() == "[1, 2]"
    assert run_cli("scale", "1 2", "--by", "-0.5", "-f", "json").stdout.strip() == "[-0.5, -1]"
    assert run_cli("scale", "1 2", "--by", "\u22122", "-f", "json").stdout.strip() == "[-2, -4]"  # a typed minus
    for bad in ("x", "1/0", ""):
        r = run_cli("scale", "1 2", "--by", bad)
        assert r.code == 2 and "is not a number" in r.stderr, (bad, r.stderr)
