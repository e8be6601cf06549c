"""Whole-process latency of a small command: `mlcalc matmul a.csv b.csv` on 3×3 files against a minimal
NumPy script doing the same (and Octave, if installed), interleaved, best and median of N runs.

    python bench/startup.py [--runs 20]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

NUMPY_SCRIPT = """import sys, numpy as np
a = np.loadtxt(sys.argv[1], delimiter=","); b = np.loadtxt(sys.argv[2], delimiter=",")
np.savetxt(sys.stdout, a @ b, delimiter=",", fmt="%.17g")
"""


def timed(cmd: list[str]) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=20)
    args = ap.parse_args()
    d = tempfile.mkdtemp()
    a, b, script = (os.path.join(d, n) for n in ("a.csv", "b.csv", "np_matmul.py"))
    for p, text in ((a, "1,2,3\n4,5,6\n7,8,10\n"), (b, "2,0,1\n1,3,0\n0,1,4\n"), (script, NUMPY_SCRIPT)):
        with open(p, "w") as f:
            f.write(text)
    mlcalc = shutil.which("mlcalc")
    cases = {
        "mlcalc matmul a.csv b.csv": ([mlcalc] if mlcalc else [sys.executable, "-m", "mlcalc"]) + ["matmul", a, b, "-f", "csv"],
        "mlcalc --help": ([mlcalc] if mlcalc else [sys.executable, "-m", "mlcalc"]) + ["--help"],
        "numpy script (loadtxt, @, savetxt)": [sys.executable, script, a, b],
        "python -c pass": [sys.executable, "-c", "pass"],
    }
    octave = shutil.which("octave")
    if octave:
        cases["octave --eval"] = [octave, "--no-gui", "--quiet", "--eval",
                                  f"disp(dlmread('{a}', ',') * dlmread('{b}', ','))"]
    for cmd in cases.values():  # warm the OS caches
        timed(cmd)
    times = {name: [] for name in cases}
    for _ in range(args.runs):  # interleaved, so background load hits every case alike
        for name, cmd in cases.items():
            times[name].append(timed(cmd))
    ref = statistics.median(times["numpy script (loadtxt, @, savetxt)"])
    print(f"machine: {os.cpu_count()} CPUs, {sys.version.split()[0]}; {args.runs} interleaved runs each")
    print(f"{'case':40} {'best s':>8} {'median s':>9} {'÷ numpy script':>15}")
    for name, ts in times.items():
        med = statistics.median(ts)
        print(f"{name:40} {min(ts):8.3f} {med:9.3f} {med / ref:15.2f}")
    if octave:
        print(f"mlcalc ÷ octave: {statistics.median(times['mlcalc matmul a.csv b.csv']) / statistics.median(times['octave --eval']):.2f}")


if __name__ == "__main__":
    main()
