"""The numba GEMM against numpy.matmul (OpenBLAS), same threads, interleaved in one run.

    python bench/bench_gemm.py [--quick] [--threads N] [--crossover]

Prints case, ours, reference (ms and GFLOP/s), ratio = reference time / our time (>1: we are faster),
and with --crossover the smallest n where numba's matmul (called through the engine, as the CLI does)
beats NumPy's for n×n×n: the figure behind AUTO_NUMBA_FROM["matmul"] in mlcalc/engine.py.
"""

from __future__ import annotations

import argparse

import common

FULL = [((2048, 2048, 2048), "float64"), ((2048, 2048, 2048), "float32"), ((1000, 1000, 1000), "float64"),
        ((1001, 999, 1003), "float64"), ((100000, 64, 64), "float64"), ((4096, 4096, 4096), "float64"),
        ((1000, 1000, 1000), "float32"), ((300, 300, 300), "float64"), ((64, 64, 64), "float64")]
QUICK = [((1024, 1024, 1024), "float64"), ((1024, 1024, 1024), "float32"), ((1001, 999, 1003), "float64"),
         ((20000, 64, 64), "float64"), ((200, 200, 200), "float64")]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="small sizes (seconds)")
    p.add_argument("--threads", type=int, default=2, help="threads for both numba and OpenBLAS (default 2)")
    p.add_argument("--crossover", action="store_true", help="also find the size where numba starts to win")
    args = p.parse_args()
    common.clean_blas_env()
    from mlcalc import config
    config.apply(args.threads)
    import numpy as np
    from mlcalc.kernels.cpu import gemm

    gemm.warmup()
    print(common.machine())
    rng = np.random.default_rng(0)
    rows = []
    for (m, k, n), dt in (QUICK if args.quick else FULL):
        a = rng.standard_normal((m, k)).astype(dt)
        b = rng.standard_normal((k, n)).astype(dt)
        flops = 2.0 * m * n * k
        reps = max(3, min(20, int(3e10 / flops)))
        t = common.best_times({"ours": lambda: gemm.gemm(a, b), "ref": lambda: np.matmul(a, b)}, reps)
        rows.append((f"{m}x{k}x{n} {dt}", f"{t['ours'] * 1e3:.1f} ms {flops / t['ours'] / 1e9:.0f} GF",
                     f"{t['ref'] * 1e3:.1f} ms {flops / t['ref'] / 1e9:.0f} GF", f"{t['ref'] / t['ours']:.2f}"))
        print(rows[-1], flush=True)
    print(common.table(rows, ("case", "ours (numba)", "numpy.matmul", "ratio")))
    if args.crossover:
        crossover(np, rng)


def crossover(np, rng) -> None:
    """Smallest n (n×n×n, float64) from which the numba path wins, through the engine's kernels."""
    from mlcalc import engine
    ours = engine.kernel("matmul", "numba")
    ref = engine.kernel("matmul", "numpy")
    rows, first = [], None
    for n in (8, 16, 32, 48, 64, 96, 128, 192, 256, 384, 512):
        a = rng.standard_normal((n, n))
        b = rng.standard_normal((n, n))
        t = common.best_times({"ours": lambda: ours(a, b), "ref": lambda: ref(a, b)}, 7, min_time=0.2)
        ratio = t["ref"] / t["ours"]
        rows.append((n, f"{t['ours'] * 1e6:.0f} us", f"{t['ref'] * 1e6:.0f} us", f"{ratio:.2f}"))
        first = None if ratio <= 1.0 else (first or n)  # wins from here on, not just once
    print(common.table(rows, ("n (matmul n×n×n)", "numba", "numpy", "ratio")))
    print(f"# numba wins from n = {first} (work n³ = {first ** 3 if first else None})")


if __name__ == "__main__":
    main()
