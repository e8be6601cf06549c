"""Reading a big numeric CSV: mlcalc's reader vs pandas.read_csv (C engine) vs np.loadtxt.

    python bench/bench_csv.py [--quick] [--mb 100] [--threads N] [--repeats 10]

A CSV of random doubles written with repr() (17 significant digits, the worst case for a parser)
is generated in a temporary folder; every reader's values are checked identical (bit for bit)
before timing; calls are interleaved and the best of --repeats is reported with MB/s and ratios.
Also reports where the parallel reader starts to beat the small-file path (csvfast.THRESHOLD).
pandas is a bench-only dependency (pip install pandas); without it that column is skipped.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from common import best_times  # noqa: E402


def write_csv(path: str, mb: float, ncols: int = 10, seed: int = 0) -> int:
    import numpy as np

    rng = np.random.default_rng(seed)
    rows = max(1, int(mb * 1e6 / (ncols * 20)))
    with open(path, "w") as f:
        f.write(",".join(f"c{i}" for i in range(ncols)) + "\n")
        for start in range(0, rows, 50000):
            block = rng.standard_normal((min(50000, rows - start), ncols)) * 10.0 ** rng.integers(-5, 5, ncols)
            f.write("\n".join(",".join(map(repr, r)) for r in block.tolist()) + "\n")
    return os.path.getsize(path)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="a 10 MB file (seconds)")
    p.add_argument("--mb", type=float, default=None, help="file size in MB (default 100)")
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--repeats", type=int, default=10,
                   help="best of N interleaved calls (shared machines vary several-fold between runs)")
    args = p.parse_args()
    from mlcalc import config

    config.apply(args.threads)
    import numpy as np

    from mlcalc.io import csvfast
    from mlcalc.io.read import ReadOptions, read_operand

    mb = args.mb or (10 if args.quick else 100)
    try:
        import pandas as pd
    except ImportError:
        pd = None
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "data.csv")
        size = write_csv(path, mb)
        fns = {"mlcalc": lambda: read_operand(path, ReadOptions()).values,
               "np.loadtxt": lambda: np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2)}
        if pd is not None:
            fns["pandas"] = lambda: pd.read_csv(path, engine="c").to_numpy(dtype=np.float64)
        ours = fns["mlcalc"]()  # also compiles/loads the kernels
        for name, fn in fns.items():
            if name != "mlcalc":
                other = fn()
                same = other.shape == ours.shape and np.array_equal(other.view(np.uint64), ours.view(np.uint64))
                print(f"values identical to {name}: {same}")
                if not same:
                    sys.exit(f"{name} read different values")
        best = best_times(fns, args.repeats)

        # where the parallel path pays off: small files through both paths
        small = {}
        for kb in (64, 256, 1024, 4096):
            sp = os.path.join(d, f"s{kb}.csv")
            write_csv(sp, kb / 1000)
            # csvparse on the whole file vs the kernels (already loaded: the warm case)
            small[kb] = best_times({"csvparse": lambda: csvfast._slow(sp, sp, None),
                                    "csvfast": lambda: csvfast.read(sp, sp, None)}, args.repeats)

    import numba

    print(f"\n{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, numba threads "
          f"{numba.get_num_threads()}, file {size / 1e6:.1f} MB ({ours.shape[0]} x {ours.shape[1]}, repr() doubles)")
    print(f"{'reader':<12} {'seconds':>8} {'MB/s':>8} {'mlcalc speed-up':>16}")
    for name, t in best.items():
        print(f"{name:<12} {t:8.3f} {size / 1e6 / t:8.1f} {t / best['mlcalc']:15.2f}x")
    print(f"\n{'file KB':>8} {'csvparse s':>11} {'csvfast s':>10} {'ratio':>6}")
    for kb, t in small.items():
        print(f"{kb:8d} {t['csvparse']:11.4f} {t['csvfast']:10.4f} {t['csvparse'] / t['csvfast']:6.1f}")


if __name__ == "__main__":
    main()
