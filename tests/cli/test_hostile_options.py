"""Options and operands a careless or hostile user gives (found by a command-level fuzz): each is one
clear line, before any work where it can be, or the right answer."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

from conftest import assert_one_error_line, run_cli


@pytest.fixture
def table(tmp_path):
    path = tmp_path / "lin.csv"
    path.write_text("a,b,y\n1,2,3\n2,1,3\n3,3,6\n4,1,5\n")
    return str(path)


@pytest.mark.parametrize("option, value, says", [("--epochs", "99999999999999999999", "is not in the range"),
                                                 ("--batch-size", "99999999999999999999999", "is not in the range"),
                                                 ("--lr", "-0.1", "must be above 0"), ("--lr", "0", "must be above 0")])
def test_training_options_out_of_range_are_usage_errors(table, option, value, says):
    # a count beyond int64 reached numba's typing (an internal error); a negative rate trained, then
    # "diverged, try a smaller --lr than -0.1"; 0 trained 1000 epochs without moving
    r = run_cli("train-linreg", table, option, value)
    assert r.code == 2 and says in r.stderr


def test_save_needs_a_file_of_its_own(table, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # a regression would write "-" here, not into the checkout
    r = run_cli("train-linreg", table, "--save", "")  # wrote nothing and said nothing
    assert r.code == 2 and "needs a file name" in r.stderr
    r = run_cli("train-linreg", table, "--save", "-")  # wrote a file named "-"
    assert r.code == 2 and "needs a file name" in r.stderr and not os.path.exists("-")
    model = str(tmp_path / "m.json")
    r = run_cli("train-linreg", table, "--save", model, "-o", model)  # the results replaced the model
    assert r.code == 2 and "also -o's file" in r.stderr


def test_an_empty_memory_limit_is_a_usage_error():
    r = run_cli("--memory-limit", "", "matmul", "1 2; 3 4", "1; 1")
    assert r.code == 2 and "needs a size" in r.stderr


@pytest.mark.parametrize("args", [["bench"], ["train-linreg", "TABLE"], ["svd", "1 2; 3 4"],
                                  ["backward", "1 2", "-W", "1 2; 3 4", "--grad-out", "1 1"],
                                  ["inspect", "1 2; 3 4"], ["loss", "1", "2", "--fn", "mse", "--grad"]])
def test_npy_output_of_several_results_is_refused_before_the_work(args, table):
    # bench ran for 9 s, then blamed --exact; training refused -f npy after training
    args = [table if a == "TABLE" else a for a in args]
    r = run_cli(*args, "-f", "npy")
    assert_one_error_line(r, "NPY")  # one line: no loss curve, no bench machine line, so nothing ran
    assert "--exact" not in r.stderr


def test_predict_by_blocks_takes_a_vector_as_memory_does(tmp_path, table):
    run_cli("train-linreg", table, "--method", "normal", "--save", str(tmp_path / "m.json"), "-q")
    np.save(tmp_path / "v.npy", np.arange(20000.0))
    mem = run_cli("predict", str(tmp_path / "m.json"), str(tmp_path / "v.npy"))
    blk = run_cli("predict", str(tmp_path / "m.json"), str(tmp_path / "v.npy"), "--memory-limit", "16KB")
    assert_one_error_line(mem, "has 20000 columns but the model has 2 features")
    assert blk.stderr == mem.stderr  # by blocks it counted a block's length: 333 columns, or 1333
    np.save(tmp_path / "row.npy", np.array([1.0, 2.0, 3.0]))  # one row: features and target
    mem = run_cli("predict", str(tmp_path / "m.json"), str(tmp_path / "row.npy"))
    blk = run_cli("predict", str(tmp_path / "m.json"), str(tmp_path / "row.npy"), "--memory-limit", "1B")
    assert mem.code == 0 and blk.code == 0 and blk.stdout == mem.stdout


def test_integer_npy_is_weighed_in_the_working_dtype(tmp_path):
    # a uint8 file of 30 KB is 240 KB as float64: it went neither by blocks nor into memory
    np.save(tmp_path / "u8.npy", np.ones((100, 300), np.uint8))
    r = run_cli("norm", str(tmp_path / "u8.npy"), "--ord", "fro", "--memory-limit", "64KB", "-f", "json")
    assert r.code == 0, r.stderr
    assert json.loads(r.stdout) == pytest.approx(np.sqrt(30000), rel=1e-15)


def test_distances_by_blocks_of_a_tiny_budget_take_panels_of_16_rows(tmp_path):
    # one-row panels ran one kernel call per pair of rows: 300×300 took 56 s against 0.75 in memory
    x = np.random.default_rng(0).standard_normal((300, 30))
    np.save(tmp_path / "x.npy", x)
    r = run_cli("dist", str(tmp_path / "x.npy"), str(tmp_path / "x.npy"), "--memory-limit", "1B",
                "-o", str(tmp_path / "d.npy"))
    assert r.code == 0, r.stderr
    want = np.sqrt(np.maximum(((x[:, None, :] - x[None, :, :]) ** 2).sum(-1), 0))
    np.testing.assert_allclose(np.load(tmp_path / "d.npy"), want, rtol=1e-10, atol=1e-12)


def test_precision_keeps_whole_numbers_whole():
    r = run_cli("matmul", "1 2; 3 4", "1 2; 3 4", "--precision", "1", "-f", "csv")
    assert r.stdout == "7,10\n2e+01,2e+01\n"  # 10 was 1e+01; 15 and 22 rounded stay visibly rounded
    assert run_cli("scale", "1200 1234.5", "--by", "1", "--precision", "2", "-f", "json").stdout.strip() == "[1200, 1.2e+03]"


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_precision_never_rounds_a_finite_value_to_a_text_that_reads_as_inf(fmt):
    # the largest double at 1 digit was 2e+308, which reads back as inf; rounded towards 0 it is 1e+308
    r = run_cli("scale", "1.7976931348623157e308 -1.7976931348623157e308 1.25", "--by", "1", "--precision", "1",
                "-f", fmt)
    assert r.stdout.replace("\n", ",").strip(",[]") in ("1e+308,-1e+308,1", "1e+308, -1e+308, 1")
    assert run_cli("scale", "1.7976931348623157e308", "--by", "1", "--precision", "2").stdout == "1.7e+308\n"
    # float32's largest at 4 digits was 3.403e+38, beyond float32's range when read back
    r = run_cli("scale", "3.4028235e38", "--by", "1", "--dtype", "float32", "--precision", "4")
    assert r.stdout == "3.402e+38\n"
    assert run_cli("scale", "-", "--by", "1", "--dtype", "float32", stdin=r.stdout).code == 0


@pytest.mark.parametrize("shape", ["abc", "x3", "3x", "3x3x3", "-3"])
def test_gen_with_a_malformed_shape_is_a_usage_error(shape):
    # it exited 1, as for bad data, where a bad KIND or --seed exits 2
    r = run_cli("gen", "randn", shape)
    assert r.code == 2 and "ROWSxCOLS" in r.stderr


def test_inspect_in_float32_keeps_its_float64_facts_whole():
    # sparsity and the condition number are float64 facts about the data: --dtype float32 printed 0.6666667
    r = run_cli("inspect", "1 0 0; 0 1 0; 0 0 1.1", "--dtype", "float32", "-f", "json")
    got = json.loads(r.stdout)
    assert r.code == 0 and got["sparsity"] == 2 / 3 and got["max"] == 1.1  # float32 1.1, printed shortest


@pytest.mark.parametrize("option", [["-o", "w.csv"], ["-f", "json"], ["--trace"], ["--trace-format", "latex"],
                                    ["-o", "/no/such/folder/w.csv"], ["--device", "cuda", "-f", "json"]])
def test_warmup_refuses_options_about_a_result_it_does_not_have(tmp_path, monkeypatch, option):
    # they were accepted and ignored: `mlcalc warmup -o w.csv` compiled for minutes and wrote no file
    from mlcalc.ops import warm
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(warm, "warmup", lambda progress: pytest.fail("compiled before refusing"))
    r = run_cli("warmup", *option)
    assert r.code == 2 and "warmup has no result to write or explain" in r.stderr, (r.code, r.stderr)
    assert not (tmp_path / "w.csv").exists()


@pytest.mark.parametrize("value", ["0", "-1"])
def test_numba_thread_count_of_zero_in_the_environment_is_one_clear_line(value):
    # numba refused it at its import: an internal error on every numba command and every large CSV read
    import subprocess
    import sys
    env = dict(os.environ, NUMBA_NUM_THREADS=value)
    p = subprocess.run([sys.executable, "-m", "mlcalc", "--engine", "numba", "scale", "1 2", "--by", "2"], env=env,
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 1 and p.stdout == ""
    assert p.stderr == (f"mlcalc: error: NUMBA_NUM_THREADS={value} in the environment: numba needs at least 1 "
                        "thread (unset it, or give --threads N)\n")


def test_numba_disable_jit_in_the_environment_keeps_auto_on_numpy_and_names_itself(tmp_path):
    # numba's debugging switch runs functions as Python, where mlcalc's kernels (compiled intrinsics)
    # cannot run: a large CSV under --engine numpy and every numba command were internal errors
    import subprocess
    import sys
    big = tmp_path / "big.csv"
    a = np.random.default_rng(3).standard_normal((1100, 500))
    np.savetxt(big, a, delimiter=",", fmt="%.17g")  # over 8 MB: the parallel reader's size
    assert big.stat().st_size >= 8 << 20
    env = dict(os.environ, NUMBA_DISABLE_JIT="1")

    def run(*args):
        return subprocess.run([sys.executable, "-m", "mlcalc", *args], env=env, capture_output=True, text=True,
                              timeout=300)
    p = run("norm", str(big))
    assert p.returncode == 0 and float(p.stdout) == pytest.approx(np.linalg.norm(a), rel=1e-12), p.stderr
    p = run("--engine", "numba", "norm", "3 4")
    assert p.returncode == 1 and p.stdout == ""
    assert p.stderr == ("mlcalc: error: norm: --engine numba cannot run with NUMBA_DISABLE_JIT set in the environment "
                        "(mlcalc's kernels need numba's compiler): unset it, or use --engine numpy\n")
    p = run("warmup")
    assert p.returncode == 1 and "NUMBA_DISABLE_JIT is set" in p.stderr and len(p.stderr.splitlines()) == 1
