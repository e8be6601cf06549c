"""Out-of-core matmul: two N×N float64 NPY files multiplied under `--memory-limit`, time and peak
memory, beside dask.array's matmul with its defaults on the same files (a local cluster of 2
worker processes; bench-only dependency: mlcalc[dask]).

    python bench/bench_outofcore.py [--sizes 3000 6000 12000] [--limit 512MB] [--quick]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np

PROBE = """
import sys, time
from mlcalc.cli.app import main
sys.argv = ["mlcalc", *sys.argv[1:]]
t = time.perf_counter()
try:
    main()
except SystemExit as e:
    pass
hwm = [l for l in open("/proc/self/status") if l.startswith("VmHWM:")][0].split()[1]
sys.stderr.write("RESULT %f %s\\n" % (time.perf_counter() - t, hwm))
"""

DASK = """
import sys, time
import numpy as np, dask.array as da
from distributed import Client, LocalCluster
if __name__ == "__main__":
    a_path, b_path, out = sys.argv[1:4]
    with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None) as cl, Client(cl):
        t = time.perf_counter()
        a = da.from_array(np.load(a_path, mmap_mode="r"))
        b = da.from_array(np.load(b_path, mmap_mode="r"))
        c = a @ b
        target = np.lib.format.open_memmap(out, mode="w+", dtype=c.dtype, shape=c.shape)
        da.store(c, target, lock=True)
        target.flush()
        hwm = [l for l in open("/proc/self/status") if l.startswith("VmHWM:")][0].split()[1]
        sys.stderr.write("RESULT %f %s\\n" % (time.perf_counter() - t, hwm))
"""


def run(cmd: list[str]) -> tuple[float, float]:
    p = subprocess.run(cmd, capture_output=True, text=True)
    line = [l for l in p.stderr.splitlines() if l.startswith("RESULT")]
    if p.returncode != 0 or not line:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{p.stderr[-2000:]}")
    _, secs, kb = line[-1].split()
    return float(secs), int(kb) / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sizes", type=int, nargs="+", default=[3000, 6000, 12000])
    ap.add_argument("--limit", default="512MB")
    ap.add_argument("--quick", action="store_true", help="sizes 1000 2000 3000, limit 64MB")
    ap.add_argument("--no-dask", action="store_true")
    args = ap.parse_args()
    if args.quick:
        args.sizes, args.limit = [1000, 2000, 3000], "64MB"
    d = tempfile.mkdtemp(dir=os.environ.get("TMPDIR"))
    print(f"machine: {os.cpu_count()} CPUs; --memory-limit {args.limit}; float64")
    print(f"{'N':>6} {'mlcalc s':>9} {'peak MB':>8} {'ns/elem·N':>10} {'dask s':>8} {'peak MB':>8} {'dask/mlcalc':>11}")
    for n in args.sizes:
        a, b, c1, c2 = (os.path.join(d, f"{x}{n}.npy") for x in "abcd")
        rng = np.random.default_rng(n)
        for path in (a, b):  # written by rows so the generator never holds a whole matrix
            out = np.lib.format.open_memmap(path, mode="w+", dtype=np.float64, shape=(n, n))
            for r in range(0, n, 1000):
                out[r:r + 1000] = rng.standard_normal((min(1000, n - r), n))
            out.flush()
            del out
        t_ours, m_ours = run([sys.executable, "-c", PROBE, "matmul", a, b, "--memory-limit", args.limit, "-o", c1])
        per = t_ours / n**3 * 1e9
        if args.no_dask:
            print(f"{n:6d} {t_ours:9.2f} {m_ours:8.0f} {per:10.3f}")
        else:
            t_dask, m_dask = run([sys.executable, "-c", DASK, a, b, c2])
            print(f"{n:6d} {t_ours:9.2f} {m_ours:8.0f} {per:10.3f} {t_dask:8.2f} {m_dask:8.0f} {t_dask / t_ours:11.2f}")
        for path in (a, b, c1, c2):
            if os.path.exists(path):
                os.unlink(path)
    print("ns/elem·N: seconds / N³ × 1e9 — flat when the cost per element grows only with the inner dimension")
    print("dask peak MB is the client process only (its workers are separate processes)")


if __name__ == "__main__":
    main()
