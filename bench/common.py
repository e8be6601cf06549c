"""Shared benchmark helpers: a clean BLAS environment, interleaved best-of timing, the machine.

Every bench script measures ours and the reference interleaved in one run (the machine is shared,
so load changes hit both alike) and reports the best of several repeats, as a ratio.
"""

from __future__ import annotations

import os
import platform
import sys
import time

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

# These force OpenBLAS onto a slower kernel (Haswell, small L2) on some machines here: the reference
# must be OpenBLAS at its best, so a bench run re-executes itself without them.
CRIPPLING = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


def clean_blas_env() -> None:
    """Re-run this script without the variables that cripple OpenBLAS (before numpy is imported)."""
    if any(v in os.environ for v in CRIPPLING):
        env = {k: v for k, v in os.environ.items() if k not in CRIPPLING}
        os.execve(sys.executable, [sys.executable, *sys.argv], env)


# The shared hosts here run a process 2-10x slower for seconds at a time (a dependent scalar loop
# too, so it is the CPU, not memory): a best of 3-5 rounds is often a best of slow rounds. More rounds
# give the quiet figure a chance; run_all.sh asks for a floor of seconds per case through this.
MIN_TIME = float(os.environ.get("MLCALC_BENCH_MIN_TIME") or 0)


def best_times(fns: dict, repeats: int, min_time: float = 0.0) -> dict:
    """Best wall time of each function over `repeats` interleaved rounds (and at least `min_time`
    seconds of rounds in all, or MLCALC_BENCH_MIN_TIME's), calls interleaved so that load changes
    hit all alike."""
    min_time = max(min_time, MIN_TIME)
    best = {k: float("inf") for k in fns}
    start = time.perf_counter()
    r = 0
    while r < repeats or time.perf_counter() - start < min_time:
        for k, fn in fns.items():
            t = time.perf_counter()
            fn()
            best[k] = min(best[k], time.perf_counter() - t)
        r += 1
    return best


def cpu_name() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def blas_kernel() -> str:
    """OpenBLAS's (or another BLAS's) name, version, kernel and threads, via threadpoolctl if present."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "BLAS kernel unknown (pip install threadpoolctl)"
    import numpy  # noqa: F401  (loads the BLAS)
    blas = [i for i in threadpool_info() if i.get("user_api") == "blas"]
    # NumPy's own BLAS first (SciPy may load a second one)
    blas.sort(key=lambda i: "numpy" not in str(i.get("filepath", "")))
    if not blas:
        return "no BLAS found"
    i = blas[0]
    return f"{i.get('internal_api')} {i.get('version')} kernel {i.get('architecture')}, {i.get('num_threads')} threads"


def machine() -> str:
    """One line naming the CPU, the threads on each side and the library versions."""
    import numba
    import numpy as np
    from mlcalc import config
    return (f"# {cpu_name()}, {os.cpu_count()} CPUs; numba {numba.__version__} threads {numba.get_num_threads()} "
            f"(cpu features {'512-bit preferred' if '-prefer-256-bit' in os.environ.get('NUMBA_CPU_FEATURES', '') else 'default'}, "
            f"{config.vector_isa()} GEMM tiles); "
            f"numpy {np.__version__}, {blas_kernel()}")


def table(rows: list[tuple], headers: tuple) -> str:
    """A plain aligned text table."""
    cells = [tuple(str(c) for c in headers)] + [tuple(str(c) for c in r) for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = ["  ".join(c.rjust(w) if j else c.ljust(w) for j, (c, w) in enumerate(zip(r, widths))) for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
