"""Own eigen/SVD kernels against numpy.linalg (LAPACK), measured interleaved in the same run.

    python bench/bench_eig.py            # eigh at n = 100, 300, 1000; eig and svd at a few sizes
    python bench/bench_eig.py --quick    # small sizes only

Speed is printed as numpy_time / own_time: 1.00 means as fast as LAPACK, 0.50 half as fast.
Each figure is the best of several interleaved repetitions (own, numpy, own, numpy, ...).
"""

import argparse
import os
import platform
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from mlcalc import config  # noqa: E402

config.apply()

import numpy as np  # noqa: E402

from mlcalc.kernels.cpu import eig as eigk  # noqa: E402
from mlcalc.kernels.cpu import svd as svdk  # noqa: E402


def best_interleaved(own, ref, budget_s):
    """Best times of own() and ref(), alternating, until the budget is spent (3..25 rounds)."""
    own()
    ref()  # compile, warm caches
    t_own, t_ref = [], []
    start = time.perf_counter()
    while len(t_own) < 3 or (time.perf_counter() - start < budget_s and len(t_own) < 25):
        t = time.perf_counter()
        own()
        t_own.append(time.perf_counter() - t)
        t = time.perf_counter()
        ref()
        t_ref.append(time.perf_counter() - t)
    return min(t_own), min(t_ref)


def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes only")
    ap.add_argument("--budget", type=float, default=3.0, help="seconds per case (default 3)")
    args = ap.parse_args()

    import numba

    rng = np.random.default_rng(0)
    print(f"# {cpu_name()}, {os.cpu_count()} CPUs, numba threads {numba.get_num_threads()}, "
          f"numpy {np.__version__}, numba {numba.__version__}")
    try:
        from threadpoolctl import threadpool_info

        for p in threadpool_info():
            print(f"# BLAS: {p.get('internal_api')} {p.get('version')} "
                  f"{p.get('architecture')} threads {p.get('num_threads')}")
    except ImportError:
        pass
    print(f"{'case':<28}{'own ms':>10}{'numpy ms':>10}{'speed':>8}")

    def row(name, own, ref):
        t_own, t_ref = best_interleaved(own, ref, args.budget)
        print(f"{name:<28}{t_own * 1e3:>10.2f}{t_ref * 1e3:>10.2f}{t_ref / t_own:>7.2f}x", flush=True)

    sizes = [100, 300] if args.quick else [100, 300, 1000]
    for n in sizes:
        b = rng.standard_normal((n, n))
        a = (b + b.T) / 2
        row(f"eigh n={n}", lambda: eigk.eigh(a), lambda: np.linalg.eigh(a))
    for n in ([50, 100] if args.quick else [100, 300]):
        a = rng.standard_normal((n, n))
        row(f"eig n={n}", lambda: eigk.eig(a), lambda: np.linalg.eig(a))
    shapes = [(60, 40), (100, 100)] if args.quick else [(100, 100), (300, 300), (1000, 100)]
    for m, n in shapes:
        a = rng.standard_normal((m, n))
        row(f"svd {m}x{n}", lambda: svdk.svd(a),
            lambda: np.linalg.svd(a, full_matrices=False))


if __name__ == "__main__":
    main()
