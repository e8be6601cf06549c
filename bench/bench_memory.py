"""Memory-bound numba kernels (element-wise, activations, dot) against a STREAM-like copy and NumPy, interleaved.

    python bench/bench_memory.py [--quick] [--threads N] [--crossover]

Bandwidth counts the bytes each kernel must move (add: read 2, write 1 arrays; dot: read 2) and is
compared with a STREAM-like copy (np.copyto into an existing array on as many threads as the
kernels, mlcalc.benchsuite.stream_copy: read 1, write 1) measured in the same run. "into" rows write
into an existing output (the kernel's own speed); the public functions allocate their result like
NumPy does, which adds the cost of first-touching fresh pages: those that read one array are also
given against a copy into a new array (which pays the same), "of new copy".
With --crossover: the smallest size where numba's kernel (through the engine, as the CLI calls it)
beats NumPy's, per op: the figures behind AUTO_NUMBA_FROM in mlcalc/engine.py.
"""

from __future__ import annotations

import argparse

import common


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="10^7 elements instead of 10^8")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--crossover", action="store_true")
    p.add_argument("--repeats", type=int, default=None, help="interleaved rounds (default 7, --quick 5)")
    p.add_argument("--only", default=None, help="comma-separated words: run the cases whose name has one (and the copy)")
    args = p.parse_args()
    common.clean_blas_env()
    from mlcalc import config
    config.apply(args.threads)
    import numpy as np
    from mlcalc.benchsuite import stream_copy
    from mlcalc.kernels import reference
    from mlcalc.kernels.cpu import elementwise as ew
    from mlcalc.kernels.cpu import nn
    from mlcalc.kernels.cpu import reductions as red

    ew.warmup()
    red.warmup()
    nn.warmup()
    print(common.machine())
    n = 10**7 if args.quick else 10**8
    rng = np.random.default_rng(0)
    x = rng.standard_normal(n)
    y = rng.standard_normal(n)
    out = np.empty(n)
    dst = np.empty(n)
    gb = 8 * n / 1e9
    def act_into(fn):  # the activation pass writing into an existing array, as `activate` runs it
        return lambda: nn.activation_into(x, out, fn)
    cases = {  # name: (function, gigabytes moved)
        "copy (STREAM-like)": (lambda: stream_copy(dst, x, args.threads), 2 * gb),
        "copy, new array": (lambda: stream_copy(np.empty_like(x), x, args.threads), 2 * gb),
        "add into (numba)": (lambda: ew._binary_flat(x, y, out, ew._ADD), 3 * gb),
        "add into (numpy)": (lambda: np.add(x, y, out=out), 3 * gb),
        "add (numba)": (lambda: ew.add(x, y), 3 * gb),
        "add (numpy)": (lambda: np.add(x, y), 3 * gb),
        "hadamard into (numba)": (lambda: ew._binary_flat(x, y, out, ew._MUL), 3 * gb),
        "hadamard (numba)": (lambda: ew.hadamard(x, y), 3 * gb),
        "hadamard (numpy)": (lambda: np.multiply(x, y), 3 * gb),
        "scale into (numba)": (lambda: ew._binary_scalar(x, 2.5, out, ew._MUL, False), 2 * gb),
        "scale (numba)": (lambda: ew.scale(x, 2.5), 2 * gb),
        "scale (numpy)": (lambda: x * 2.5, 2 * gb),
        "relu into (numba)": (act_into("relu"), 2 * gb),
        "relu (numba)": (lambda: nn.activation(x, "relu"), 2 * gb),
        "relu (numpy)": (lambda: reference.activation(x, "relu"), 2 * gb),
        "sigmoid into (numba)": (act_into("sigmoid"), 2 * gb),
        "sigmoid (numba)": (lambda: nn.activation(x, "sigmoid"), 2 * gb),
        "sigmoid (numpy)": (lambda: reference.activation(x, "sigmoid"), 2 * gb),
        "dot (numba)": (lambda: red.dot(x, y), 2 * gb),
        "dot (numpy)": (lambda: np.dot(x, y), 2 * gb),
    }
    if args.only:
        words = args.only.split(",")
        cases = {k: v for k, v in cases.items() if k.startswith("copy") or any(w in k for w in words)}
    t = common.best_times({k: f for k, (f, _) in cases.items()}, args.repeats or (5 if args.quick else 7))
    copy_bw = cases["copy (STREAM-like)"][1] / t["copy (STREAM-like)"]
    new_copy_bw = cases["copy, new array"][1] / t["copy, new array"]
    rows = []
    for k, (_, g) in cases.items():
        bw = g / t[k]
        ref = k.replace("(numba)", "(numpy)")
        vs_numpy = f"{t[ref] / t[k]:.2f}" if "(numba)" in k and ref in t else ""
        # one array in, a new one out, as np.copy (add and hadamard read two: their bytes per fresh
        # page differ, so they get no such figure)
        one_to_one = k.split()[0] in ("scale", "relu", "sigmoid") and "into" not in k
        of_new = f"{bw / new_copy_bw:.2f}" if one_to_one else ""
        rows.append((k, f"{t[k] * 1e3:.1f} ms", f"{bw:.1f} GB/s", f"{bw / copy_bw:.2f}", of_new, vs_numpy))
    print(f"# n = {n:.0e} float64")
    print(common.table(rows, ("case", "time", "bandwidth", "of copy", "of new copy", "vs numpy")))
    if args.crossover:
        crossover(np, rng)


def crossover(np, rng) -> None:
    """Smallest work size from which numba's kernel wins, per core op."""
    from mlcalc import engine
    sizes = [10**3, 10**4, 3 * 10**4, 10**5, 3 * 10**5, 10**6, 3 * 10**6, 10**7]
    rows = []
    for op in ("add", "sub", "hadamard", "scale", "dot", "outer", "transpose"):
        ours, ref = engine.kernel(op, "numba"), engine.kernel(op, "numpy")
        first, ratios = None, []
        for size in sizes:
            if op == "outer":
                u, v = rng.standard_normal(1000), rng.standard_normal(max(1, size // 1000))
                args = (u, v)
            elif op in ("dot",):
                args = (rng.standard_normal(size), rng.standard_normal(size))
            elif op == "scale":
                args = (rng.standard_normal((size // 1000 or 1, 1000)), 2.5)
            elif op == "transpose":
                args = (rng.standard_normal((size // 1000 or 1, 1000)),)
            else:
                a = rng.standard_normal((size // 1000 or 1, 1000))
                args = (a, a + 1)
            t = common.best_times({"ours": lambda: ours(*args), "ref": lambda: ref(*args)}, 5, min_time=0.1)
            ratios.append(f"{t['ref'] / t['ours']:.2f}")
            first = None if t["ref"] <= t["ours"] else (first or size)  # wins from here on
        rows.append((op, f"{first:.0e}" if first else "never", " ".join(ratios)))
    print(common.table(rows, ("op", "numba wins from (elements)",
                              "ratio at " + " ".join(f"{s:.0e}" for s in sizes))))


if __name__ == "__main__":
    main()
