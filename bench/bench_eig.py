"""Own eigen/SVD kernels against numpy.linalg (LAPACK), measured interleaved in the same run.

    python bench/bench_eig.py            # eigh at n = 100, 300, 1000; eig and svd at a few sizes
    python bench/bench_eig.py --quick    # small sizes only

Speed is printed as numpy_time / own_time: 1.00 means as fast as LAPACK, 0.50 half as fast.
Each figure is the best of interleaved repetitions (own, numpy, own, numpy, ...) over --budget seconds.
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from common import best_times, blas_kernel, cpu_name  # noqa: E402
from mlcalc import config  # noqa: E402

config.apply()

import numpy as np  # noqa: E402

from mlcalc.kernels.cpu import eig as eigk  # noqa: E402
from mlcalc.kernels.cpu import svd as svdk  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes only")
    ap.add_argument("--budget", type=float, default=3.0, help="seconds per case (default 3)")
    args = ap.parse_args()

    import numba

    rng = np.random.default_rng(0)
    print(f"# {cpu_name()}, {os.cpu_count()} CPUs, numba threads {numba.get_num_threads()}, "
          f"numpy {np.__version__}, numba {numba.__version__}")
    print(f"# BLAS: {blas_kernel()}")
    print(f"{'case':<28}{'own ms':>10}{'numpy ms':>10}{'speed':>8}")

    def row(name, own, ref):
        own()
        ref()  # compile, warm the caches
        t = best_times({"own": own, "ref": ref}, 3, args.budget)
        t_own, t_ref = t["own"], t["ref"]
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
