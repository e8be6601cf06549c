"""LU solve / inverse / determinant: the numba kernels against NumPy (LAPACK), interleaved.

    python bench/bench_solve.py            # n = 100 … 2000
    python bench/bench_solve.py --quick    # small sizes, a few seconds

Each row: best-of-R wall time of numpy.linalg.{solve,inv,slogdet} and of mlcalc.kernels.cpu.lu
(which also estimates κ₁ from its factors, as LAPACK's gecon would), measured alternately in the
same process and threads, and the ratio numba/numpy (below 1: numba faster).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from mlcalc import config  # noqa: E402

config.apply()

import numpy as np  # noqa: E402

from mlcalc.kernels.cpu import lu  # noqa: E402


def best_of(fn, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def interleaved(f_ref, f_new, repeats: int) -> tuple[float, float]:
    """Alternate the two so that machine noise hits both alike; best time of each."""
    ref = new = float("inf")
    for _ in range(repeats):
        ref = min(ref, best_of(f_ref, 1))
        new = min(new, best_of(f_new, 1))
    return ref, new


def machine() -> str:
    blas = "?"
    try:
        from threadpoolctl import threadpool_info
        infos = [i for i in threadpool_info() if i.get("user_api") == "blas"]
        if infos:
            blas = f"{infos[0].get('internal_api')} {infos[0].get('version')} ({infos[0].get('architecture')}, " \
                   f"{infos[0].get('num_threads')} threads)"
    except ImportError:
        pass
    import numba
    return (f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores; numpy {np.__version__}, "
            f"numba {numba.__version__} ({numba.get_num_threads()} threads); BLAS {blas}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="small sizes only")
    p.add_argument("--sizes", type=str, default=None, help="comma-separated n, e.g. 100,500")
    args = p.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else ([50, 200, 400] if args.quick else
                                                                       [100, 300, 600, 1000, 2000])
    lu.warmup()
    print(machine())
    print(f"{'n':>6} {'op':>6} {'numpy s':>10} {'numba s':>10} {'numba/numpy':>12} {'max rel diff':>13}")
    rng = np.random.default_rng(0)
    for n in sizes:
        a = rng.standard_normal((n, n)) + np.sqrt(n) * np.eye(n)
        b = rng.standard_normal(n)
        repeats = 5 if n <= 600 else 3
        cases = [
            ("solve", lambda: np.linalg.solve(a, b), lambda: lu.solve(a, b)[0]),
            ("inv", lambda: np.linalg.inv(a), lambda: lu.inv(a)[0]),
            ("det", lambda: np.linalg.slogdet(a)[1], lambda: lu.det(a)[1]),
        ]
        for name, f_ref, f_new in cases:
            t_ref, t_new = interleaved(f_ref, f_new, repeats)
            r, x = np.asarray(f_ref()), np.asarray(f_new())
            diff = float(np.max(np.abs(x - r)) / max(np.max(np.abs(r)), 1e-300))
            print(f"{n:>6} {name:>6} {t_ref:>10.4f} {t_new:>10.4f} {t_new / t_ref:>12.2f} {diff:>13.1e}", flush=True)


if __name__ == "__main__":
    main()
