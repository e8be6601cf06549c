"""`mlcalc bench`: a compact suite that times mlcalc's numba kernels against the NumPy/LAPACK
reference of the same op (the engine registry's two entries), interleaved in one process, and
reports speed = reference time ÷ our time (above 1: we are faster). Memory-bound kernels are also
given as a fraction of a STREAM-like copy on as many threads, measured in the same run (into an
existing array; for the one-in, one-out kernels, which allocate their result, also of a copy into a
new array, which pays the same first touch of fresh pages). Reading a CSV file is timed
against np.loadtxt (and pandas' C parser where pandas is installed), and a small command as whole
processes against a minimal NumPy script (and Octave where it is installed). The fuller, per-area
scripts with the issue's sizes live in bench/ of the source tree.
"""

from __future__ import annotations

import functools
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from typing import Callable

import numpy as np


@dataclass
class Case:
    name: str
    op: str
    make_args: Callable[[np.random.Generator], tuple]
    kwargs: dict
    bytes_moved: int = 0  # for memory-bound cases: bytes read + written once by an ideal kernel
    one_to_one: bool = False  # reads one array and writes a new one of the same size (as np.copy)


def _cases(full: bool) -> list[Case]:
    n_gemm = 2048 if full else 768
    n_mem = 100_000_000 if full else 10_000_000
    batch, d_in, d_out = (4096, 1024, 1024) if full else (1024, 512, 512)
    f64 = np.float64

    def mat(m, n, dtype=f64):
        return lambda rng: (rng.standard_normal((m, n)).astype(dtype),)

    return [
        Case(f"matmul {n_gemm}² float64", "matmul",
             lambda r: (r.standard_normal((n_gemm, n_gemm)), r.standard_normal((n_gemm, n_gemm))), {}),
        Case(f"matmul {n_gemm}² float32", "matmul",
             lambda r: (r.standard_normal((n_gemm, n_gemm), dtype=np.float32),
                        r.standard_normal((n_gemm, n_gemm), dtype=np.float32)), {}),
        Case("matmul 1000³ float64", "matmul",
             lambda r: (r.standard_normal((1000, 1000)), r.standard_normal((1000, 1000))), {}),
        Case("matmul 1001×999×1003 float64", "matmul",
             lambda r: (r.standard_normal((1001, 999)), r.standard_normal((999, 1003))), {}),
        Case("matmul 100000×64×64 float64", "matmul",
             lambda r: (r.standard_normal((100_000, 64)), r.standard_normal((64, 64))), {}),
        Case(f"add {n_mem:.0e} float64", "add",
             lambda r: (r.standard_normal(n_mem), r.standard_normal(n_mem)), {}, 24 * n_mem),
        Case(f"norm l2 {n_mem:.0e} float64", "norm", lambda r: (r.standard_normal(n_mem),), {"ord": "l2"}, 8 * n_mem),
        Case(f"relu {n_mem:.0e} float64", "activation", mat(n_mem // 1000, 1000), {"fn": "relu"}, 16 * n_mem, True),
        Case(f"sigmoid {n_mem:.0e} float64", "activation", mat(n_mem // 1000, 1000), {"fn": "sigmoid"}, 16 * n_mem, True),
        Case(f"dense forward {batch}×{d_in}→{d_out} relu", "dense_forward",
             lambda r: (r.standard_normal((batch, d_in)), r.standard_normal((d_out, d_in)), r.standard_normal(d_out)),
             {"fn": "relu"}),
        Case("pairwise euclidean 1000×1000×32", "dist",
             lambda r: (r.standard_normal((1000, 32)), r.standard_normal((1000, 32))), {"metric": "euclidean"}),
        Case("symmetric eig 200", "eigh", lambda r: ((lambda a: (a + a.T,))(r.standard_normal((200, 200)))), {}),
        Case("solve 500", "solve", lambda r: (r.standard_normal((500, 500)) + 500 * np.eye(500),
                                              r.standard_normal(500)), {}),
    ]


def _best(fn, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


@functools.cache
def _copy_pool(threads: int):
    from concurrent.futures import ThreadPoolExecutor

    return ThreadPoolExecutor(threads)


def stream_copy(dst: np.ndarray, src: np.ndarray, threads: int) -> None:
    """STREAM's Copy, dst[:] = src (1-D, same size), on `threads` threads at once: np.copyto of equal
    parts, which NumPy runs without the GIL. The yardstick of the memory-bound kernels, which run on
    every thread; one thread's memcpy does not fill the memory bus on every host (a 2-core Zen 4 EPYC:
    22 GB/s alone, 39 GB/s two at once), and a one-thread copy made kernels look faster than memory."""
    if threads <= 1:
        np.copyto(dst, src)
        return
    cuts = [len(src) * i // threads for i in range(threads + 1)]
    list(_copy_pool(threads).map(lambda i: np.copyto(dst[cuts[i]:cuts[i + 1]], src[cuts[i]:cuts[i + 1]]), range(threads)))


def copy_seconds(nbytes: int, repeats: int = 5, new_array: bool = False) -> float:
    """Time of a STREAM-like copy moving `nbytes` (half read, half written) on numba's thread count,
    into an existing array or (new_array) into a new one."""
    import numba

    threads = numba.get_num_threads()
    src = np.ones(nbytes // 16)
    dst = None if new_array else np.empty_like(src)
    return _best(lambda: stream_copy(np.empty_like(src) if dst is None else dst, src, threads), repeats)


def run(full: bool = False, repeats: int = 5, progress: Callable[[str], None] = lambda name: None) -> list[list]:
    """Rows: case, reference, ours s, reference s, speed (reference ÷ ours), % of copy bandwidth
    (memory-bound only), % of a copy into a new array's (one-in, one-out only)."""
    from mlcalc import config, engine

    config.apply()
    rng = np.random.default_rng(0)
    rows = []
    for case in _cases(full):
        progress(case.name)
        try:
            ours = engine.kernel(case.op, "numba")
            ref = engine.kernel(case.op, "numpy")
        except Exception:  # an area not installed in this build
            continue
        args = case.make_args(rng)
        ours(*args, **case.kwargs)  # compile (or load from cache) and warm up
        ref(*args, **case.kwargs)
        t_ours, t_ref = float("inf"), float("inf")
        for _ in range(repeats):  # interleaved, so background load hits both alike
            t_ours = min(t_ours, _best(lambda: ours(*args, **case.kwargs), 1))
            t_ref = min(t_ref, _best(lambda: ref(*args, **case.kwargs), 1))
        of_copy = of_new_copy = ""
        if case.bytes_moved:
            of_copy = f"{copy_seconds(case.bytes_moved) / t_ours:.0%}"
        if case.one_to_one:
            of_new_copy = f"{copy_seconds(case.bytes_moved, new_array=True) / t_ours:.0%}"
        rows.append([case.name, "NumPy", f"{t_ours:.4f}", f"{t_ref:.4f}", f"{t_ref / t_ours:.2f}", of_copy, of_new_copy])
    progress("read CSV")
    rows += csv_rows(100 if full else 10, repeats)
    progress("start-up")
    rows += startup_rows(max(repeats, 5))
    return rows


def _row(name: str, reference: str, t_ours: float, t_ref: float) -> list:
    return [name, reference, f"{t_ours:.4f}", f"{t_ref:.4f}", f"{t_ref / t_ours:.2f}", "", ""]


def csv_rows(mb: int, repeats: int) -> list[list]:
    """mlcalc's CSV reader against np.loadtxt (and pandas' C parser, if installed) on a file of
    about `mb` MB of shortest-repr doubles, 10 columns; the values must agree bit for bit."""
    from mlcalc.io.read import read_operand

    rng = np.random.default_rng(1)
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "bench.csv")
        rows_n = max(1, mb * 1_000_000 // 208)  # ~20.8 bytes per repr() double with its comma
        with open(path, "w") as f:
            for row in rng.standard_normal((rows_n, 10)).tolist():
                f.write(",".join(map(repr, row)) + "\n")
        size = os.path.getsize(path) / 1e6
        ours = read_operand(path).values
        readers = {"np.loadtxt": lambda: np.loadtxt(path, delimiter=",")}
        try:
            import pandas

            readers["pandas read_csv"] = lambda: pandas.read_csv(path, header=None, engine="c").to_numpy()
        except ImportError:
            pass
        out = []
        for ref_name, ref in readers.items():
            if not np.array_equal(ours, ref()):
                raise RuntimeError(f"read CSV: mlcalc's values differ from {ref_name}'s")
            t_ours = _best(lambda: read_operand(path), repeats)
            t_ref = _best(ref, max(1, repeats // 2) if ref_name == "np.loadtxt" else repeats)
            out.append(_row(f"read CSV {size:.0f} MB", ref_name, t_ours, t_ref))
        return out


def _median_run(cmd: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - t)
    return sorted(times)[len(times) // 2]


def startup_rows(runs: int) -> list[list]:
    """Whole processes, median of `runs`: `mlcalc matmul` on two 3×3 CSV files against a minimal
    NumPy script that does the same (and `octave --eval`, if installed); `mlcalc --help` against
    the 0.3 s it must stay under."""
    mlcalc = shutil.which("mlcalc")
    cli = [mlcalc] if mlcalc else [sys.executable, "-m", "mlcalc"]
    with tempfile.TemporaryDirectory() as d:
        a, b, script = (os.path.join(d, n) for n in ("a.csv", "b.csv", "np_matmul.py"))
        for p, text in ((a, "1,2,3\n4,5,6\n7,8,10\n"), (b, "2,0,1\n1,3,0\n0,1,4\n"), (script, _NUMPY_SCRIPT)):
            with open(p, "w") as f:
                f.write(text)
        refs = {"NumPy script": [sys.executable, script, a, b]}
        octave = shutil.which("octave")
        if octave:
            refs["octave --eval"] = [octave, "--no-gui", "--quiet", "--eval",
                                     f"disp(dlmread('{a}', ',') * dlmread('{b}', ','))"]
        ours_cmd = cli + ["matmul", a, b, "-f", "csv"]
        for cmd in (ours_cmd, *refs.values()):  # warm the OS caches
            _median_run(cmd, 1)
        out = [_row("start-up: matmul of 3×3 CSV files", name, _median_run(ours_cmd, runs), _median_run(cmd, runs))
               for name, cmd in refs.items()]
        out.append(_row("start-up: mlcalc --help", "0.3 s limit", _median_run(cli + ["--help"], runs), 0.3))
        return out


_NUMPY_SCRIPT = """import sys, numpy as np
a = np.loadtxt(sys.argv[1], delimiter=","); b = np.loadtxt(sys.argv[2], delimiter=",")
np.savetxt(sys.stdout, a @ b, delimiter=",", fmt="%.17g")
"""


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    import numba

    from mlcalc import config
    return (f"{cpu}, {os.cpu_count()} CPUs; Python {platform.python_version()}, NumPy {np.__version__}, "
            f"numba {numba.__version__} ({numba.get_num_threads()} threads, {config.vector_isa()} GEMM tiles)")


COLUMNS = ["case", "reference", "ours_s", "reference_s", "speed", "of_copy_bw", "of_new_copy_bw"]
