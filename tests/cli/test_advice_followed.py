"""Advice that an audit followed as a learner would, and which led nowhere: an NPY that cannot hold the
result now names files when -o names one (told '-f csv or -f json' beside -o inv.npy, a learner wrote CSV
text into inv.npy, which mlcalc then refused to read as NPY); refusals with no way on now give one."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import assert_one_error_line, run_cli


def test_fractions_for_an_npy_file_are_sent_to_a_csv_or_json_file_and_that_works(tmp_path):
    out = tmp_path / "inv.npy"
    assert_one_error_line(run_cli("--exact", "inv", "1 2; 3 4", "-o", str(out)),
                          f"which NPY cannot: write -o {tmp_path / 'inv'}.csv or -o {tmp_path / 'inv'}.json "
                          "(or leave out --exact for floats)")
    assert not out.exists()
    assert run_cli("--exact", "inv", "1 2; 3 4", "-o", str(tmp_path / "inv.csv")).code == 0
    back = run_cli("matmul", "1 2; 3 4", str(tmp_path / "inv.csv"), "-f", "json")
    assert back.code == 0 and json.loads(back.stdout) == [[1, 0], [0, 1]], back.stderr
    # on standard output the formats are the advice
    assert_one_error_line(run_cli("--exact", "inv", "1 2; 3 4", "-f", "npy"), "which NPY cannot: use -f csv or -f json")


def test_several_results_for_an_npy_file_are_sent_to_an_npz_or_json_file(tmp_path):
    assert_one_error_line(run_cli("svd", "1 2; 3 4", "-o", str(tmp_path / "U.npy")),
                          f"several results cannot be written as one NPY: write -o {tmp_path / 'U'}.npz or "
                          f"-o {tmp_path / 'U'}.json")
    # -f npy and a .json file: the advice says to drop -f npy, which would write NPY bytes into U.json
    assert_one_error_line(run_cli("svd", "1 2; 3 4", "-o", str(tmp_path / "U.json"), "-f", "npy"),
                          "without -f npy")
    assert run_cli("svd", "1 2; 3 4", "-o", str(tmp_path / "U.npz")).code == 0
    with np.load(tmp_path / "U.npz") as z:
        np.testing.assert_allclose(z["S"], np.linalg.svd([[1.0, 2.0], [3.0, 4.0]])[1])
    assert_one_error_line(run_cli("svd", "1 2; 3 4", "-f", "npy"),
                          "several results cannot be written as one NPY: use -o FILE.npz or -f json")


def test_a_3d_result_is_sent_to_an_npy_file_which_mlcalc_reads_back(tmp_path):
    r = run_cli("embed", "0 1; 2 0", "1 2; 3 4; 5 6")
    assert_one_error_line(r, "cannot print a 3-D result as text: write it with -o FILE.npy (mlcalc reads 3-D data "
                             "from NPY), or see it with -f json")
    assert run_cli("embed", "0 1; 2 0", "1 2; 3 4; 5 6", "-o", str(tmp_path / "e.npy")).code == 0
    back = run_cli("activate", str(tmp_path / "e.npy"), "--fn", "relu", "-o", str(tmp_path / "r.npy"))
    assert back.code == 0, back.stderr
    np.testing.assert_array_equal(np.load(tmp_path / "r.npy"), [[[1, 2], [3, 4]], [[5, 6], [1, 2]]])



def test_a_3d_result_under_f_csv_into_an_npy_file_is_told_to_drop_f(tmp_path):
    # 'write it with -o FILE.npy' told someone who had written -o e.npy; -f csv, which overrides the
    # extension (CLI.md), is what to leave out
    out = tmp_path / "e.npy"
    r = run_cli("embed", "0 1; 2 0", "1 2; 3 4; 5 6", "-f", "csv", "-o", str(out))
    assert_one_error_line(r, f"cannot write a 3-D result as csv text: drop -f csv (-o {out} then writes NPY)")
    assert not out.exists()
    assert run_cli("embed", "0 1; 2 0", "1 2; 3 4; 5 6", "-o", str(out)).code == 0
    assert np.load(out).shape == (2, 2, 2)
    r = run_cli("embed", "0 1; 2 0", "1 2; 3 4; 5 6", "-f", "tsv", "-o", str(tmp_path / "e.npz"))
    assert_one_error_line(r, f"drop -f tsv (-o {tmp_path / 'e.npz'} then writes NPZ)")
    # a text file named by -o keeps the NPY advice
    assert_one_error_line(run_cli("embed", "0 1; 2 0", "1 2; 3 4; 5 6", "-f", "csv", "-o", str(tmp_path / "e.csv")),
                          "write it with -o FILE.npy")


# ---------------------------------------------------------------- other advice an audit followed to a dead end


def test_a_singular_or_non_square_inverse_points_to_the_pseudo_inverse():
    for args in (("inv", "1 2; 2 4"), ("--exact", "inv", "1 2; 2 4"), ("inv", "1 2 3; 4 5 6")):
        assert_one_error_line(run_cli(*args), "(its pseudo-inverse: mlcalc pinv A)")
    r = run_cli("pinv", "1 2; 2 4", "-f", "json")
    assert r.code == 0 and np.allclose(json.loads(r.stdout), np.linalg.pinv([[1, 2], [2, 4]]))


def test_a_nearly_singular_inverse_names_exact_arithmetic_on_the_entries_as_typed():
    r = run_cli("inv", "1 2; 2 4.000000000000001", "-f", "json")
    assert r.code == 0 and "nearly singular" in r.stderr
    assert "; --exact works in fractions of the entries as typed" in r.stderr
    r = run_cli("--exact", "inv", "1 2; 2 4.000000000000001", "-f", "json")
    assert r.code == 0 and json.loads(r.stdout) == [[4000000000000001, -2000000000000000],
                                                    [-2000000000000000, 1000000000000000]]


def test_out_of_core_refusals_say_how_to_go_on(tmp_path):
    np.save(tmp_path / "r.npy", np.random.default_rng(1).standard_normal((300, 300)))
    assert_one_error_line(run_cli("--memory-limit", "100KB", "norm", str(tmp_path / "r.npy"), "--ord", "spectral"),
                          "raise --memory-limit to hold it, or use --ord fro, l1 or inf")
    assert run_cli("--memory-limit", "2MB", "norm", str(tmp_path / "r.npy"), "--ord", "spectral").code == 0
    np.save(tmp_path / "tr.npy", np.random.default_rng(1).standard_normal((2000, 3)))
    assert_one_error_line(run_cli("--memory-limit", "20KB", "train-linreg", str(tmp_path / "tr.npy"), "--val-split",
                                  "0.2"), "raise --memory-limit to hold it in memory, or leave out --val-split")
    # a 0-d NPY in an out-of-core product: hadamard broadcasts it
    np.save(tmp_path / "k.npy", np.array(3.0))
    assert_one_error_line(run_cli("--memory-limit", "100KB", "matmul", str(tmp_path / "k.npy"), str(tmp_path / "r.npy"),
                                  "-o", str(tmp_path / "kr.npy")), "multiply by it with hadamard")
    assert run_cli("--memory-limit", "100KB", "hadamard", str(tmp_path / "k.npy"), str(tmp_path / "r.npy"),
                   "-o", str(tmp_path / "kr.npy")).code == 0
    np.testing.assert_allclose(np.load(tmp_path / "kr.npy"), 3 * np.load(tmp_path / "r.npy"))


@pytest.mark.parametrize("act", ["relu", "leaky-relu"])
def test_gradcheck_at_the_kink_says_finite_differences_do_not_apply_there(act):
    # z = 1·1 + 2·(−0.5) = 0 exactly: the central differences average the two slopes (the failure read as a
    # wrong backward pass); a step away the same layer passes
    r = run_cli("gradcheck", "1 2", "-W", "1 -0.5", "--act", act, "--target", "1")
    assert_one_error_line(r, "differs from finite differences", f"Z = X·Wᵀ + b has 1 entry within a step of {act}'s "
                          "kink at 0, where the derivative jumps and finite differences mix the slopes of its two "
                          "sides: move X, W or b off it")
    assert run_cli("gradcheck", "1 2", "-W", "1 -0.4", "--act", act, "--target", "1").code == 0


def test_embed_with_its_operands_swapped_asks_whether_they_were():
    r = run_cli("embed", "0.5 1.5; 2.5 3.5; 4.5 5.5", "0 1")  # E first, then the ids
    assert_one_error_line(r, "0.5 is not an integer id in 0..1 (E has 2 rows); embed takes IDS first, then E: were "
                             "they swapped?")
    assert run_cli("embed", "0 1", "0.5 1.5; 2.5 3.5; 4.5 5.5").code == 0
    # an integer id out of range is a slip, also beside a one-hot E whose entries read as ids: no such question
    for ids, e in (("0 5", "1 2; 3 4"), ("0 1 3", "1 0 0; 0 1 0; 0 0 1")):
        r = run_cli("embed", ids, e)
        assert_one_error_line(r, "is not an integer id in 0..")
        assert "swapped" not in r.stderr


def test_fractions_for_an_npz_file_are_sent_to_a_csv_or_json_file(tmp_path):
    assert_one_error_line(run_cli("--exact", "solve", "1 2; 3 4.5", "1 1", "-o", str(tmp_path / "s.npz")),
                          f"which NPZ cannot hold as numbers: write -o {tmp_path / 's'}.csv or -o {tmp_path / 's'}.json")
