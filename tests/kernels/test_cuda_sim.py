"""`--device cuda`: the kernels' logic on numba's CUDA simulator, the error without a GPU, and
checks that need a real GPU (marked `gpu`, skipped without one).

NUMBA_ENABLE_CUDASIM is read once, when numba is imported, so the simulator runs only in
subprocesses: the rest of the test suite keeps the real numba.
"""

from __future__ import annotations

import atexit
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest

from conftest import assert_one_error_line, run_process

ROOT = Path(__file__).resolve().parents[2]
SIM_CASES = Path(__file__).with_name("cuda_sim") / "sim_kernels.py"


def _env(simulator: bool) -> dict:
    env = {"NUMBA_ENABLE_CUDASIM": "1" if simulator else "0",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    return env


def _gpu_available() -> bool:
    if os.environ.get("NUMBA_ENABLE_CUDASIM", "0") not in ("", "0"):
        return False  # the simulator is not a GPU
    try:
        from mlcalc.kernels.cuda import load_cuda
        return bool(load_cuda().is_available())
    except Exception:
        return False


_sim_run: tuple | None = None  # (the simulator's pytest process, its output file)


def _start_simulator_run() -> tuple:
    """Start the simulator's own pytest run once, writing to a temporary file (a pipe could fill
    up and stall it while nobody reads); conftest calls this at collection time."""
    global _sim_run
    if _sim_run is None:
        out = tempfile.TemporaryFile(mode="w+")
        p = subprocess.Popen([sys.executable, "-m", "pytest", "-o", "addopts=", "-q", "-p", "no:cacheprovider", "-x",
                              str(SIM_CASES)], cwd=ROOT, env=dict(os.environ, **_env(simulator=True)),
                             stdout=out, stderr=subprocess.STDOUT, text=True)
        atexit.register(lambda: p.poll() is None and p.kill())  # the suite stopped before collecting it
        _sim_run = (p, out)
    return _sim_run


def test_every_cuda_kernel_matches_numpy_on_the_simulator():
    p, out = _start_simulator_run()
    # the timeout only guards against a hang: on a loaded 2-core host the simulator (pure Python)
    # took 474 s for this file on its own
    p.wait(timeout=1800)
    out.seek(0)
    log = out.read()
    assert p.returncode == 0, log[-9000:]
    summary = log.strip().splitlines()[-1]
    assert " passed" in summary and "skipped" not in summary, log[-2000:]


test_every_cuda_kernel_matches_numpy_on_the_simulator.start_early = _start_simulator_run


def test_matmul_on_the_simulator_through_the_cli():
    r = run_process("matmul", "1 2; 3 4", "5 6; 7 8", "--device", "cuda", "-f", "json", env=_env(simulator=True))
    assert r.code == 0, r.stderr
    assert json.loads(r.stdout) == [[19, 22], [43, 50]]


def test_device_cuda_without_a_gpu_is_one_error_line():
    if _gpu_available():
        pytest.skip("this machine has a CUDA GPU")
    r = run_process("matmul", "1 2; 3 4", "5 6; 7 8", "--device", "cuda", env=_env(simulator=False))
    assert_one_error_line(r, "--device cuda", "no CUDA GPU")
    assert "--device cuda: no CUDA GPU is available (" in r.stderr


def test_a_non_integer_simulator_setting_is_read_as_numba_reads_it():
    # numba takes NUMBA_ENABLE_CUDASIM=true for 0 (not an integer): no simulator, so the no-GPU line
    # (taken for "on", the driver's multi-line error came out as an internal error)
    if _gpu_available():
        pytest.skip("this machine has a CUDA GPU")
    r = run_process("matmul", "1 2; 3 4", "5 6; 7 8", "--device", "cuda",
                    env=dict(_env(simulator=False), NUMBA_ENABLE_CUDASIM="true"))
    assert_one_error_line(r, "--device cuda", "no CUDA GPU")


@pytest.mark.parametrize("command", [["matmul", "A.npy", "B.npy"], ["add", "A.npy", "A.npy"],
                                     ["scale", "A.npy", "--by", "2"]])
def test_operands_over_the_budget_do_not_fall_back_to_the_cpu(tmp_path, command):
    # by blocks the work would run on the CPU: with --device cuda that is an error, and nothing is written
    np.save(tmp_path / "A.npy", np.ones((20, 30)))
    np.save(tmp_path / "B.npy", np.ones((30, 20)))
    args = [str(tmp_path / a) if a.endswith(".npy") else a for a in command]
    r = run_process(*args, "--memory-limit", "4KB", "--device", "cuda", "-o", str(tmp_path / "out.npy"),
                    env=_env(simulator=True))
    assert_one_error_line(r, "--device cuda works in memory", "--memory-limit")
    assert not (tmp_path / "out.npy").exists()


def test_mlcalc_kernels_cuda_does_not_import_numba_until_asked():
    code = "import sys, mlcalc.kernels.cuda; print('numba' in sys.modules)"
    p = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=dict(os.environ, **_env(simulator=False)),
                       capture_output=True, text=True, timeout=60)
    assert p.stdout.strip() == "False", p.stderr


# --- on a real GPU ---

@pytest.fixture
def gpu():
    """Skip unless a real GPU is there (checked when a gpu test runs, so collecting imports no numba)."""
    if not _gpu_available():
        pytest.skip("needs a CUDA GPU (numba.cuda.is_available() is false)")


@pytest.mark.gpu
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_gemm_on_the_gpu_matches_numpy_for_sizes_beyond_one_tile(gpu, dtype):
    from mlcalc.kernels.cuda import gemm
    rng = np.random.default_rng(1)
    a = rng.standard_normal((300, 257)).astype(dtype)
    b = rng.standard_normal((257, 129)).astype(dtype)
    tol = 1e-4 if dtype == np.float32 else 1e-11
    np.testing.assert_allclose(gemm.matmul(a, b), a @ b, rtol=tol, atol=tol)


@pytest.mark.gpu
def test_kernels_on_the_gpu_match_the_reference(gpu):
    from mlcalc.kernels import reference as ref
    from mlcalc.kernels.cuda import elementwise, nn, reductions
    rng = np.random.default_rng(2)
    x = rng.standard_normal((70, 300))
    w, b = rng.standard_normal((50, 300)), rng.standard_normal(50)
    np.testing.assert_allclose(elementwise.activation(x, "gelu"), ref.activation(x, "gelu"), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(reductions.l2(x), np.linalg.norm(x), rtol=1e-12)
    np.testing.assert_allclose(reductions.softmax(x), ref.softmax(x), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(nn.dense_forward(x, w, b, "relu"), ref.dense_forward(x, w, b, "relu"), rtol=1e-10, atol=1e-10)
    q, k, v = x[:20, :16], x[20:60, :16], x[20:60, 16:40]
    np.testing.assert_allclose(nn.attention(q, k, v, causal=True), ref.attention(q, k, v, causal=True), rtol=1e-10, atol=1e-12)


@pytest.mark.gpu
def test_matmul_through_the_cli_on_the_gpu(gpu):
    r = run_process("matmul", "1 2; 3 4", "5 6; 7 8", "--device", "cuda", "-f", "json", env=_env(simulator=False))
    assert r.code == 0, r.stderr
    assert json.loads(r.stdout) == [[19, 22], [43, 50]]


def test_every_kernel_compiles_to_ptx_for_an_h100():
    """numba-cuda's real typing and lowering, without a GPU (the simulator cannot check those)."""
    import importlib.util
    if importlib.util.find_spec("numba_cuda") is None:
        pytest.skip("needs numba-cuda with its toolkit wheels (pip install 'numba-cuda[cu12]')")
    p = subprocess.run([sys.executable, str(SIM_CASES.with_name("compile_ptx.py"))], cwd=ROOT,
                       env=dict(os.environ, **_env(simulator=False)), capture_output=True, text=True, timeout=600)
    assert p.returncode == 0 and p.stdout.startswith("compiled "), p.stdout[-3000:] + p.stderr[-3000:]


def test_driver_errors_are_one_line_and_other_errors_stay_visible():
    # out of GPU memory, a missing NVVM: errors of numba's cudadrv modules passed require_gpu() and
    # came out as a multi-line internal error
    from mlcalc.errors import MlcalcError
    from mlcalc.kernels.cuda import driver_errors_as_one_line

    class CudaAPIError(Exception):
        pass
    CudaAPIError.__module__ = "numba.cuda.cudadrv.driver"

    def out_of_memory(*args):
        raise CudaAPIError("[2] Call to cuMemAlloc results in\nCUDA_ERROR_OUT_OF_MEMORY")

    def bug(*args):
        raise IndexError("a bug")

    with pytest.raises(MlcalcError, match=r"^matmul: the GPU could not run it \(\[2\] Call to cuMemAlloc results in "
                                          r"CUDA_ERROR_OUT_OF_MEMORY\)$"):
        driver_errors_as_one_line("matmul", out_of_memory)(1)
    with pytest.raises(IndexError):
        driver_errors_as_one_line("matmul", bug)(1)
