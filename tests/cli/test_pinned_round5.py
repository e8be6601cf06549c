"""Rules a fifth mutation audit found no test guarding. The command layer: --device cuda reaching the
element-wise ops and scale, matmul's operand count, --trace by blocks, --tol with --exact, the one-row b
of an exact solve, rref's --tol, the exact size limit's names; train-linreg's --save/--lr refusals, the
loss curve's fences and ASCII, the progress bar's delay and events, predict's trace and its paths by
blocks (the half-budget boundary, a short 1-D NPY, float32); gen's shape forms and dtype, warmup's and
bench's progress. The progress helpers, and the Python glue of the CUDA backend (the simulator switch,
require_gpu's reasons, one-line driver errors, load_cuda's settings, launch shapes and dtypes)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from conftest import assert_one_error_line, run_cli


@pytest.fixture
def no_gpu(monkeypatch):
    """--device cuda on a machine without a GPU, whatever this machine has: require_gpu raises."""
    from mlcalc.errors import MlcalcError
    from mlcalc.kernels import cuda

    def require_gpu():
        raise MlcalcError("--device cuda: no CUDA GPU is available (test)")
    monkeypatch.setattr(cuda, "require_gpu", require_gpu)


# ---------------------------------------------------------------- cli/linalg.py

def test_matmul_of_one_operand_is_a_usage_error():
    # '< 1' let a single operand through to the op: exit 1 (and a missing file read first) instead of exit 2
    r = run_cli("matmul", "1 2; 3 4")
    assert r.code == 2 and "matmul needs at least two operands" in r.stderr, (r.code, r.stderr)


@pytest.mark.parametrize("command", [["add", "1 2", "3 4"], ["sub", "1 2", "3 4"], ["hadamard", "1 2", "3 4"],
                                     ["scale", "1 2", "--by", "2"], ["matmul", "1 2; 3 4", "5 6; 7 8"]])
def test_device_cuda_reaches_the_op(no_gpu, command):
    # the element-wise ops and scale dropped device=: --device cuda computed on the CPU without a word
    r = run_cli(*command, "--device", "cuda")
    assert_one_error_line(r, "--device cuda: no CUDA GPU is available")


def test_trace_by_blocks_says_it_is_not_available(tmp_path):
    a = tmp_path / "A.npy"
    np.save(a, np.ones((20, 30)))
    r = run_cli("add", str(a), str(a), "--memory-limit", "4KB", "--trace", "-o", str(tmp_path / "out.npy"))
    assert r.code == 0, r.stderr
    assert "add: --trace is not available when the operands are worked through by blocks" in r.stderr
    np.testing.assert_array_equal(np.load(tmp_path / "out.npy"), 2 * np.ones((20, 30)))


# ---------------------------------------------------------------- cli/systems.py

@pytest.mark.parametrize("command", ["rank", "rref"])
def test_tol_0_with_exact_is_refused_too(command):
    # 'if tol:' let --tol 0 through with --exact, where every other --tol is refused
    r = run_cli(command, "1 2; 2 4", "--exact", "--tol", "0")
    assert r.code == 2 and "'--tol': it has no meaning with --exact" in r.stderr, (r.code, r.stderr)


def test_exact_solve_of_a_1x1_system_keeps_a_matrix_b_a_matrix():
    # a one-row b is read as the vector b only when A is larger than 1×1: [[4]] is a 1×1 matrix
    assert json.loads(run_cli("solve", "2", "[[4]]", "--exact", "-f", "json").stdout) == [[2]]
    assert json.loads(run_cli("solve", "2", "[[4]]", "-f", "json").stdout) == [[2]]  # as in floating point
    assert json.loads(run_cli("solve", "2", "4", "--exact", "-f", "json").stdout) == [2]


def test_exact_solve_reads_a_one_row_b_as_the_vector_b():
    # as the floating-point solve does: a 1×2 b against a 2×2 A is the right-hand side [3, 5]
    assert json.loads(run_cli("solve", "2 1; 1 3", "[[3, 5]]", "-f", "json").stdout) == [0.8, 1.4]
    assert json.loads(run_cli("solve", "2 1; 1 3", "[[3, 5]]", "--exact", "-f", "json").stdout) == ["4/5", "7/5"]


def test_exact_rank_explains_its_elimination_under_trace():
    r = run_cli("rank", "1 2; 2 4", "--exact", "--trace")
    assert r.code == 0 and r.stdout == "1\n"
    assert "the number of pivots is the rank" in r.stderr and "R2 ← R2 − 2·R1" in r.stderr


def test_rref_uses_its_tol():
    # |x| ≤ 0.01 counts as zero: the second row of [1 2; 2 4.001] vanishes (the default tolerance keeps it)
    assert json.loads(run_cli("rref", "1 2; 2 4.001", "--tol", "0.01", "-f", "json").stdout) == [[1, 2.0005], [0, 0]]
    assert json.loads(run_cli("rref", "1 2; 2 4.001", "-f", "json").stdout) == [[1, 0], [0, 1]]


@pytest.mark.parametrize("command, operands, named", [("rank", ["A"], "rank --exact: A is 51×51"),
                                                      ("rref", ["A"], "rref --exact: A is 51×51"),
                                                      ("solve", ["I", "A"], "solve --exact: b is 51×51")])
def test_exact_size_limit_names_the_command_and_operand(tmp_path, command, operands, named):
    np.save(tmp_path / "A.npy", np.eye(51))
    paths = {"A": str(tmp_path / "A.npy"), "I": "1 0; 0 1"}
    r = run_cli(command, *[paths[o] for o in operands], "--exact")
    assert_one_error_line(r, named)
    assert named in r.stderr


# ---------------------------------------------------------------- cli/train.py

@pytest.fixture
def table(tmp_path):
    path = tmp_path / "lin.csv"
    path.write_text("a,b,y\n1,2,3\n2,1,3\n3,3,6\n4,1,5\n")
    return str(path)


def test_a_blank_or_infinite_training_option_is_a_usage_error(table, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # (a bug here writes a model named "  ")
    r = run_cli("train-linreg", table, "--save", "  ")
    assert r.code == 2 and "needs a file name" in r.stderr
    r = run_cli("train-linreg", table, "--lr", "inf")
    assert r.code == 2 and "must be a finite number" in r.stderr


def test_save_and_o_naming_one_file_by_different_paths_is_refused(table, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = run_cli("train-linreg", table, "--save", "./m.json", "-o", str(tmp_path / "m.json"))
    assert r.code == 2 and "also -o's file" in r.stderr


def test_save_into_a_missing_folder_is_refused_before_training(table, tmp_path, monkeypatch):
    from mlcalc.train import linreg
    monkeypatch.setattr(linreg, "fit", lambda *a, **k: pytest.fail("trained before refusing"))
    r = run_cli("train-linreg", table, "--save", str(tmp_path / "no" / "m.json"))
    assert_one_error_line(r, "folder", "does not exist")


def test_predict_explains_its_one_step_under_trace(table, tmp_path):
    model = str(tmp_path / "m.json")
    assert run_cli("train-linreg", table, "--method", "normal", "--save", model, "-q").code == 0
    r = run_cli("predict", model, "1 2; 2 1", "--trace", "-f", "json")
    assert r.code == 0 and json.loads(r.stdout) == [3, 3]
    assert "Prediction" in r.stderr and "ŷ = X·w + b" in r.stderr and "(2 features: a, b)" in r.stderr
    assert "w = [ 1  1 ]" in r.stderr  # a value, sampled as others are (the note had held every weight)


@pytest.mark.parametrize("form, opening, closing", [("markdown", "```\n", "```\n"),
                                                  ("latex", "\\begin{verbatim}\n", "\\end{verbatim}\n")])
def test_the_loss_curve_sits_in_a_verbatim_block_of_the_trace_document(table, form, opening, closing):
    r = run_cli("train-linreg", table, "--epochs", "3", "--log-every", "1", "--trace", "--trace-format", form, "-f", "json")
    assert r.code == 0, r.stderr
    block = r.stderr[r.stderr.rindex(opening, 0, r.stderr.index("loss (log scale) over 3 epochs")):]
    assert block.endswith("loss (log scale) over 3 epochs\n" + closing), block
    assert ("verbatim" in r.stderr) == (form == "latex")


def test_the_loss_curve_is_ascii_off_a_terminal(table, monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    r = run_cli("train-linreg", table, "--epochs", "3", "--log-every", "1", "-f", "json")
    assert r.code == 0 and "loss (log scale) over 3 epochs" in r.stderr
    assert r.stderr.isascii() and "*" in r.stderr, r.stderr


def test_a_two_value_npy_by_blocks_is_two_rows_for_a_one_feature_model(tmp_path):
    # only a model of two or more features reads a short 1-D NPY as one row (features, target): for
    # one feature, [1, 5] is two rows, as in memory
    data = tmp_path / "one.csv"
    data.write_text("x,y\n1,2\n2,4\n3,6\n")
    model = str(tmp_path / "m.json")
    assert run_cli("train-linreg", str(data), "--method", "normal", "--save", model, "-q").code == 0
    np.save(tmp_path / "v.npy", np.array([1.0, 5.0]))
    for budget in ([], ["--memory-limit", "16"]):  # in memory, then by blocks
        r = run_cli("predict", model, str(tmp_path / "v.npy"), *budget, "-f", "json")
        assert r.code == 0 and json.loads(r.stdout) == [2, 10], (budget, r.stdout, r.stderr)


def test_an_npy_of_exactly_half_the_budget_is_trained_and_predicted_in_memory(tmp_path):
    # working size ≤ half of --memory-limit stays in memory (where --trace works); '<' sent it by blocks
    rng = np.random.default_rng(5)
    x = rng.standard_normal((10, 2))
    np.save(tmp_path / "d.npy", np.column_stack([x, x @ [1.0, 2.0] + 3.0]))  # 30 float64: 240 bytes
    model = str(tmp_path / "m.json")
    r = run_cli("train-linreg", str(tmp_path / "d.npy"), "--method", "normal", "--save", model, "--memory-limit", "480",
                "--trace", "-f", "json")
    assert r.code == 0 and "not available" not in r.stderr and "Step 1" in r.stderr, r.stderr
    r = run_cli("predict", model, str(tmp_path / "d.npy"), "--memory-limit", "480", "--trace", "-f", "json")
    assert r.code == 0 and "not available" not in r.stderr and "Prediction" in r.stderr, r.stderr
    for command in (["train-linreg", str(tmp_path / "d.npy"), "--method", "normal"], ["predict", model, str(tmp_path / "d.npy")]):
        r = run_cli(*command, "--memory-limit", "479", "--trace", "-f", "json")  # a byte less: by blocks
        assert r.code == 0 and "--trace is not available" in r.stderr, r.stderr


def test_a_short_1d_npy_by_blocks_is_one_row_of_features_and_target(table, tmp_path):
    # a 2-feature model and [1, 2, 3] (a, b and y): one row, as in memory
    model = str(tmp_path / "m.json")
    assert run_cli("train-linreg", table, "--method", "normal", "--save", model, "-q").code == 0
    np.save(tmp_path / "v.npy", np.array([1.0, 2.0, 3.0]))
    for budget in ([], ["--memory-limit", "16"]):
        r = run_cli("predict", model, str(tmp_path / "v.npy"), *budget, "-f", "json")
        assert r.code == 0 and json.loads(r.stdout) == [3], (budget, r.stdout, r.stderr)


def test_predictions_by_blocks_are_float32_under_dtype_float32(table, tmp_path):
    model = str(tmp_path / "m.json")
    assert run_cli("train-linreg", table, "--method", "normal", "--save", model, "-q").code == 0
    np.save(tmp_path / "d.npy", np.array([[1.0, 2.0], [2.0, 1.0], [0.5, 0.25]] * 20))
    r = run_cli("predict", model, str(tmp_path / "d.npy"), "--memory-limit", "256", "--dtype", "float32",
                "-o", str(tmp_path / "p.npy"))
    assert r.code == 0, r.stderr
    got = np.load(tmp_path / "p.npy")
    assert got.dtype == np.float32 and got.shape == (60,)
    np.testing.assert_allclose(got[:3], [3, 3, 0.75])


class _FakeBar:
    def __init__(self, log):
        self.log = log

    def add_task(self, name, total, loss):
        self.log.append(("add", total, loss))
        return 7

    def start(self):
        self.log.append(("start",))

    def update(self, task, completed, loss):
        self.log.append(("update", task, completed, loss))

    def stop(self):
        self.log.append(("stop",))


@pytest.mark.parametrize("quiet, terminal", [(False, True), (True, True), (False, False)])
def test_the_training_bar_starts_after_a_second_on_a_terminal_and_counts_epochs(monkeypatch, quiet, terminal):
    import time

    from mlcalc import progress
    from mlcalc.cli import train
    from mlcalc.train.linreg import Event
    log, clock = [], [100.0]
    monkeypatch.setattr(train, "stderr_is_terminal", lambda: terminal)
    monkeypatch.setattr(progress, "stderr_bar", lambda *columns: _FakeBar(log))
    monkeypatch.setattr(time, "perf_counter", lambda: clock[0])
    bar = train._progress(quiet)
    callback = bar.__enter__()
    clock[0] = 100.5
    callback(Event("epoch", 1, 4.0, 10))  # under a second: no bar yet
    clock[0] = 101.5
    callback(Event("start", 0, 4.0, 10))  # not an epoch
    callback(Event("epoch", 2, 3.0, 10))
    callback(Event("epoch", 3, 2.0, 10))
    bar.__exit__(None, None, None)
    if quiet or not terminal:
        assert log == []
    else:
        assert log == [("add", 10, 3.0), ("start",), ("update", 7, 2, 3.0), ("update", 7, 3, 2.0), ("stop",)]


# ---------------------------------------------------------------- cli/tools.py

@pytest.mark.parametrize("shape", ["2X2", " 2x2 "])
def test_gen_takes_an_upper_case_x_and_spaces_around_the_shape(shape):
    r = run_cli("gen", "eye", shape, "-f", "json")
    assert r.code == 0 and json.loads(r.stdout) == [[1, 0], [0, 1]], r.stderr


def test_gen_writes_float32_under_dtype_float32(tmp_path):
    r = run_cli("gen", "randn", "3x2", "--seed", "1", "--dtype", "float32", "-o", str(tmp_path / "g.npy"))
    assert r.code == 0, r.stderr
    got = np.load(tmp_path / "g.npy")
    assert got.dtype == np.float32 and got.shape == (3, 2)


@pytest.mark.parametrize("quiet, progress", [([], True), (["--quiet"], False)])
def test_warmup_shows_its_progress_unless_quiet(monkeypatch, quiet, progress):
    from mlcalc.ops import warm
    seen = []
    monkeypatch.setattr(warm, "warmup", lambda progress: seen.append(progress))
    assert run_cli("warmup", *quiet).code == 0
    assert seen == [progress]


@pytest.mark.parametrize("quiet, terminal, bar", [([], False, False), (["-q"], True, False), ([], True, True)])
def test_bench_draws_its_bar_only_on_a_terminal_and_not_quiet(monkeypatch, quiet, terminal, bar):
    from mlcalc import benchsuite
    from mlcalc.cli import tools
    calls = []
    monkeypatch.setattr(tools, "stderr_is_terminal", lambda: terminal)
    monkeypatch.setattr(benchsuite, "run", lambda full, repeats, *progress: calls.append(progress) or [])
    monkeypatch.setattr(benchsuite, "machine", lambda: "test machine")
    r = run_cli("bench", *quiet, "-f", "csv")
    assert r.code == 0, r.stderr
    assert [bool(p) for p in calls] == [bar]
    assert ("machine: test machine" in r.stderr) == (not quiet)


# ---------------------------------------------------------------- kernels/cuda/__init__.py and launch.py

@pytest.mark.parametrize("value, on", [("1", True), ("-1", True), ("0", False), ("true", False), (None, False)])
def test_the_simulator_switch_is_read_as_numba_reads_it(monkeypatch, value, on):
    # numba takes any non-zero integer for on (-1 too), anything else for off, and off when unset
    from mlcalc.kernels import cuda
    if value is None:
        monkeypatch.delenv("NUMBA_ENABLE_CUDASIM", raising=False)
    else:
        monkeypatch.setenv("NUMBA_ENABLE_CUDASIM", value)
    assert cuda.simulated() is on


class _FakeCuda:
    def __init__(self, available, context_error=None):
        self.available, self.context_error = available, context_error

    def is_available(self):
        return self.available

    def current_context(self):
        if self.context_error is not None:
            raise self.context_error


def test_require_gpu_passes_a_gpu_and_the_simulator(monkeypatch):
    from mlcalc.kernels import cuda
    monkeypatch.setattr(cuda, "simulated", lambda: False)
    monkeypatch.setattr(cuda, "load_cuda", lambda: _FakeCuda(True))
    cuda.require_gpu()
    monkeypatch.setattr(cuda, "simulated", lambda: True)
    monkeypatch.setattr(cuda, "load_cuda", lambda: _FakeCuda(False))
    cuda.require_gpu()  # the simulator needs no device


def test_require_gpu_gives_numbas_reason_or_no_usable_device(monkeypatch):
    from mlcalc.errors import MlcalcError
    from mlcalc.kernels import cuda
    monkeypatch.setattr(cuda, "simulated", lambda: False)
    monkeypatch.setattr(cuda, "load_cuda", lambda: _FakeCuda(False))
    with pytest.raises(MlcalcError, match=r"^--device cuda: no CUDA GPU is available \(no usable device\)$"):
        cuda.require_gpu()
    monkeypatch.setattr(cuda, "load_cuda", lambda: _FakeCuda(False, RuntimeError("Error at driver init:\n  no driver :")))
    with pytest.raises(MlcalcError, match=r"^--device cuda: no CUDA GPU is available \(Error at driver init: no driver\)$"):
        cuda.require_gpu()


def test_require_gpu_without_numba_cuda_says_what_to_install(monkeypatch):
    from mlcalc.errors import MlcalcError
    from mlcalc.kernels import cuda

    def missing():
        raise ImportError("No module named 'numba.cuda'")
    monkeypatch.setattr(cuda, "load_cuda", missing)
    with pytest.raises(MlcalcError, match=r"^--device cuda: no CUDA GPU is available \(numba\.cuda cannot be imported: "
                                          r"No module named 'numba\.cuda'; install numba-cuda\[cu12\], mlcalc's cuda extra\)$"):
        cuda.require_gpu()


def test_a_driver_error_is_named_by_its_type_when_it_has_no_message():
    from mlcalc.kernels.cuda import _one_line

    class CudaSupportError(Exception):
        pass
    assert _one_line(CudaSupportError("")) == "CudaSupportError"
    assert _one_line(CudaSupportError("  cuInit   failed:\n\n  code 100 : ")) == "cuInit failed: code 100"


def test_load_cuda_applies_mlcalcs_settings_first(monkeypatch):
    from mlcalc import config
    from mlcalc.kernels import cuda
    calls = []
    monkeypatch.setattr(cuda, "_cuda", None)
    monkeypatch.setattr(config, "apply", lambda *a, **k: calls.append("apply"))
    assert cuda.load_cuda().__name__ == "numba.cuda" and calls == ["apply"]


def test_load_cuda_restores_np_row_stack_for_numba_cuda(monkeypatch):
    # numba-cuda still registers np.row_stack, which NumPy 2.5 removed: vstack stands in for it
    from mlcalc.kernels import cuda
    monkeypatch.setattr(cuda, "_cuda", None)
    monkeypatch.delattr(np, "row_stack", raising=False)
    cuda.load_cuda()
    assert np.row_stack is np.vstack


def test_only_errors_of_cudas_driver_become_one_line():
    # an error from elsewhere in numba.cuda or in mlcalc's kernels is a bug: it stays visible as it is
    from mlcalc.kernels.cuda import driver_errors_as_one_line

    class TypingError(Exception):
        pass
    TypingError.__module__ = "numba.cuda.compiler"

    def bug():
        raise TypingError("a bug\nover lines")
    with pytest.raises(TypingError):
        driver_errors_as_one_line("matmul", bug)()


def test_launch_grid_covers_the_work_with_at_least_one_block():
    from mlcalc.kernels.cuda import launch
    assert launch.THREADS & (launch.THREADS - 1) == 0  # a power of two: the reductions halve it
    assert launch.blocks_for(0) == 1 and launch.blocks_for(1) == 1
    assert launch.blocks_for(launch.THREADS) == 1 and launch.blocks_for(launch.THREADS + 1) == 2
    assert launch.blocks_for(10 ** 12) == launch.MAX_BLOCKS > 1


def test_launch_dtype_is_float32_only_when_every_operand_is():
    from mlcalc.kernels.cuda import launch
    f32, f64 = np.zeros(2, np.float32), np.zeros(2)
    assert launch.common_dtype(f32, f32) == np.float32
    assert launch.common_dtype(f32, f64) == np.float64 and launch.common_dtype(f64, f32) == np.float64


def test_launch_aligns_a_vector_right_as_a_row():
    from mlcalc.kernels.cuda import launch
    assert launch.as_2d(np.arange(3.0)).shape == (1, 3)
    assert launch.as_2d(np.float64(2)).shape == (1, 1)
    assert launch.as_2d(np.ones((2, 3))).shape == (2, 3)


# ---------------------------------------------------------------- progress.py

def test_progress_bars_leave_nothing_behind():
    from mlcalc.progress import stderr_bar
    assert stderr_bar().live.transient  # a finished bar is erased: stderr keeps only the messages


def test_stderr_is_no_terminal_when_closed_or_missing(monkeypatch):
    import io
    import sys

    from mlcalc.progress import stderr_is_terminal
    monkeypatch.setattr(sys, "stderr", None)  # 2>&-
    assert stderr_is_terminal() is False
    closed = io.StringIO()
    closed.close()
    monkeypatch.setattr(sys, "stderr", closed)
    assert stderr_is_terminal() is False
