"""Norms and distances of the numba engine, measured interleaved with their baselines in one run.

    python bench/bench_linalg.py [--quick] [--threads N]

* norm / row norms / column norms: bandwidth (bytes read per second) as a fraction of a STREAM-like
  copy (np.copyto on numba's thread count, bytes read + written) measured in the same run, beside
  NumPy's np.linalg.norm.
* pairwise distance: numba kernel vs the NumPy broadcast formulation
  sqrt(((A[:, None] - B[None]) ** 2).sum(-1)) and vs mlcalc's blocked reference.
Each figure is the best of several interleaved repeats (the machine is shared; best-of filters noise).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from common import best_times  # noqa: E402


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="small sizes (seconds)")
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--norms-only", action="store_true", help="skip the pairwise distances (their NumPy broadcast is slow)")
    args = p.parse_args()
    from mlcalc import config
    config.apply(args.threads)
    import numba
    import numpy as np
    from mlcalc.benchsuite import stream_copy
    from mlcalc.kernels import reference
    from mlcalc.kernels.cpu import distance, norms

    norms.warmup()
    distance.warmup()
    rng = np.random.default_rng(0)
    n = 2_000_000 if args.quick else 100_000_000  # the performance issue's 10⁸ elements
    repeats = 5 if args.quick else 9
    print(f"# {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, numba threads "
          f"{numba.get_num_threads()}, numpy {np.__version__}")
    x = rng.standard_normal(n)
    dst = np.empty_like(x)
    t = best_times({"copy": lambda: stream_copy(dst, x, numba.get_num_threads()),
                    "numba l2": lambda: norms.norm(x, "l2"),
                    "numba l1": lambda: norms.norm(x, "l1"),
                    "numba inf": lambda: norms.norm(x, "inf"),
                    "numpy l2": lambda: np.linalg.norm(x),
                    "numpy l1": lambda: np.linalg.norm(x, 1),
                    "numpy inf": lambda: np.linalg.norm(x, np.inf)}, repeats)
    copy_bw = 2 * x.nbytes / t["copy"]
    print(f"\n## vector norms, n = {n:,} float64 (copy: {copy_bw / 1e9:.1f} GB/s read+write)")
    print(f"{'op':12} {'GB/s':>7} {'× copy':>7} {'numpy GB/s':>11} {'× numpy':>8}")
    for ord in ("l2", "l1", "inf"):
        ours, theirs = x.nbytes / t[f"numba {ord}"], x.nbytes / t[f"numpy {ord}"]
        print(f"{'norm ' + ord:12} {ours / 1e9:7.1f} {ours / copy_bw:7.2f} {theirs / 1e9:11.1f} {ours / theirs:8.2f}")

    for cols in (1000, 8):
        a = x.reshape(-1, cols)
        row_out = np.empty(a.shape[0])
        t = best_times({"copy": lambda: stream_copy(dst, x, numba.get_num_threads()),
                        "numba rows": lambda: norms.norm(a, "l2", "rows"),
                        # the kernel alone, into an existing result (as bench_memory's "into" rows):
                        # a fresh result's pages are first-touched inside the timing above, and
                        # the NumPy calls' big temporaries make the allocator hand back new pages
                        "numba rows into": lambda: norms.row_norms(a, norms.SUMSQ, row_out),
                        "numba cols": lambda: norms.norm(a, "l2", "cols"),
                        "numpy rows": lambda: np.linalg.norm(a, axis=1),
                        "numpy cols": lambda: np.linalg.norm(a, axis=0)}, repeats)
        copy_bw = 2 * x.nbytes / t["copy"]
        print(f"\n## l2 norm of every row / column, {a.shape[0]:,}×{cols} (copy {copy_bw / 1e9:.1f} GB/s)")
        print(f"{'op':12} {'GB/s':>7} {'× copy':>7} {'numpy GB/s':>11} {'× numpy':>8}")
        for axis in ("rows", "rows into", "cols"):
            ours, theirs = x.nbytes / t[f"numba {axis}"], x.nbytes / t[f"numpy {axis.split()[0]}"]
            print(f"{axis:12} {ours / 1e9:7.1f} {ours / copy_bw:7.2f} {theirs / 1e9:11.1f} {ours / theirs:8.2f}")

    sizes = [(300, 300, 32)] if args.quick else [(1000, 1000, 32), (2000, 2000, 64)]
    if args.norms_only:
        return
    print("\n## pairwise distance (rows of A × rows of B), time in ms")
    print(f"{'m×p×n':16} {'metric':10} {'numba':>8} {'broadcast':>10} {'× bcast':>8} {'reference':>10} {'× ref':>7}")
    for m, q, d in sizes:
        a, b = rng.standard_normal((m, d)), rng.standard_normal((q, d))
        for metric in ("euclidean", "manhattan", "chebyshev"):
            op = {"euclidean": lambda: np.sqrt(((a[:, None] - b[None]) ** 2).sum(-1)),
                  "manhattan": lambda: np.abs(a[:, None] - b[None]).sum(-1),
                  "chebyshev": lambda: np.abs(a[:, None] - b[None]).max(-1)}[metric]
            t = best_times({"numba": lambda: distance.dist(a, b, metric), "bcast": op,
                            "ref": lambda: reference.dist(a, b, metric)}, 3)
            print(f"{f'{m}×{q}×{d}':16} {metric:10} {t['numba'] * 1e3:8.1f} {t['bcast'] * 1e3:10.1f} "
                  f"{t['bcast'] / t['numba']:8.1f} {t['ref'] * 1e3:10.1f} {t['ref'] / t['numba']:7.1f}")


if __name__ == "__main__":
    main()
