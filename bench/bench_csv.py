"""Reading a large numeric CSV: mlcalc's parallel reader against pandas' C parser (its default
fast float parsing, and float_precision='round_trip', which like mlcalc is correctly rounded) and
np.loadtxt, interleaved in one run, after checking that mlcalc's values equal float()'s bit for bit.

    python bench/bench_csv.py [--mb 100] [--quick]        (bench-only dependency: pandas)
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

import numpy as np


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--mb", type=float, default=100)
    ap.add_argument("--quick", action="store_true", help="a 20 MB file")
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    size_mb = 20 if args.quick else args.mb
    cols = 10
    rows = int(size_mb * 1e6 / (cols * 19.5))  # repr() of standard normals: ~19.5 bytes a cell
    rng = np.random.default_rng(0)
    a = rng.standard_normal((rows, cols))
    path = os.path.join(tempfile.mkdtemp(), "data.csv")
    with open(path, "w") as f:
        f.write(",".join(f"c{j}" for j in range(cols)) + "\n")
        for row in a:
            f.write(",".join(repr(float(x)) for x in row) + "\n")
    mb = os.path.getsize(path) / 1e6

    from mlcalc.io import csvfast
    import pandas as pd

    got, _ = csvfast.read(path, path, None)  # compile / load the cache, warm the page cache
    assert np.array_equal(got.view(np.uint64), a.view(np.uint64)), "mlcalc's values differ from float()"
    readers = {
        "mlcalc (parallel numba)": lambda: csvfast.read(path, path, None)[0],
        "pandas read_csv (C, default floats)": lambda: pd.read_csv(path).to_numpy(),
        "pandas read_csv (C, round_trip)": lambda: pd.read_csv(path, float_precision="round_trip").to_numpy(),
        "np.loadtxt": lambda: np.loadtxt(path, delimiter=",", skiprows=1),
    }
    exact = {}
    best = {name: float("inf") for name in readers}
    for _ in range(args.repeats):  # interleaved
        for name, fn in readers.items():
            t = time.perf_counter()
            values = fn()
            best[name] = min(best[name], time.perf_counter() - t)
            exact[name] = bool(np.array_equal(values.view(np.uint64), a.view(np.uint64)))
    ours = best["mlcalc (parallel numba)"]
    print(f"machine: {os.cpu_count()} CPUs; file {mb:.0f} MB, {rows:,} × {cols} shortest-repr floats")
    print(f"{'reader':38} {'seconds':>8} {'MB/s':>7} {'mlcalc speed-up':>16} {'bit-exact':>10}")
    for name, secs in best.items():
        print(f"{name:38} {secs:8.3f} {mb / secs:7.0f} {secs / ours:16.2f} {str(exact[name]):>10}")


if __name__ == "__main__":
    main()
