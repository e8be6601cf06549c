"""`mlcalc bench`: a compact suite that times mlcalc's numba kernels against the NumPy/LAPACK
reference of the same op (the engine registry's two entries), interleaved in one process, and
reports speed = reference time ÷ our time (above 1: we are faster). Memory-bound kernels are also
given as a fraction of a STREAM-like copy measured in the same run. The fuller, per-area scripts
with the issue's sizes live in bench/ of the source tree.
"""

from __future__ import annotations

import os
import platform
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
        Case("matmul 1001×999×1003 float64", "matmul",
             lambda r: (r.standard_normal((1001, 999)), r.standard_normal((999, 1003))), {}),
        Case(f"add {n_mem:.0e} float64", "add",
             lambda r: (r.standard_normal(n_mem), r.standard_normal(n_mem)), {}, 24 * n_mem),
        Case(f"norm l2 {n_mem:.0e} float64", "norm", lambda r: (r.standard_normal(n_mem),), {"ord": "l2"}, 8 * n_mem),
        Case(f"relu {n_mem:.0e} float64", "activation", mat(n_mem // 1000, 1000), {"fn": "relu"}, 16 * n_mem),
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


def copy_seconds(nbytes: int, repeats: int = 5) -> float:
    """Time of a STREAM-like copy moving `nbytes` (half read, half written) with NumPy."""
    src = np.ones(nbytes // 16)
    dst = np.empty_like(src)
    return _best(lambda: np.copyto(dst, src), repeats)


def run(full: bool = False, repeats: int = 5, progress: Callable[[str], None] = lambda name: None) -> list[list]:
    """Rows: case, ours s, reference s, speed (reference ÷ ours), % of copy bandwidth (memory-bound only)."""
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
        of_copy = ""
        if case.bytes_moved:
            of_copy = f"{copy_seconds(case.bytes_moved) / t_ours:.0%}"
        rows.append([case.name, f"{t_ours:.4f}", f"{t_ref:.4f}", f"{t_ref / t_ours:.2f}", of_copy])
    return rows


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    import numba
    return (f"{cpu}, {os.cpu_count()} CPUs; Python {platform.python_version()}, NumPy {np.__version__}, "
            f"numba {numba.__version__} ({numba.get_num_threads()} threads)")


COLUMNS = ["case", "ours_s", "numpy_s", "speed", "of_copy_bw"]
