"""Dense layer on the numba engine against the same written in NumPy, interleaved, same threads.

    python bench/bench_nn.py            # batch 4096 × 1024 → 1024
    python bench/bench_nn.py --quick    # batch 1024 × 256 → 256

Rows: the whole forward a = g(X·Wᵀ + b) and backward (dW, db, dX); the fused passes alone (bias +
activation after the product; δ = dA ⊙ g′(Z + b) with db), which are this module's own work; and the
GEMM they call (mlcalc.kernels.cpu.gemm, another module), so the totals can be read against it.
Ratio = NumPy time / numba time (above 1: numba faster); best of --repeat runs, each pair interleaved.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from common import best_times  # noqa: E402
from mlcalc import config  # noqa: E402

config.apply()

import numpy as np  # noqa: E402

from mlcalc.kernels import reference as ref  # noqa: E402
from mlcalc.kernels.cpu import nn as cpu  # noqa: E402
from mlcalc.kernels.cpu.gemm import gemm  # noqa: E402

# the NumPy side as its user would write it, in the operand's dtype: the reference itself works float32
# σ, σ′, tanh′, swish and GELU in float64 for accuracy, which would make NumPy look slower than it is
activation, activation_grad = ref.activation.__wrapped__, ref.activation_grad.__wrapped__


def numpy_forward(x, w, b, fn):
    return activation(x @ w.T + b, fn)


def numpy_backward(x, w, b, g, fn):
    z = x @ w.T + b
    delta = g * activation_grad(z, fn)
    return delta.T @ x, delta.sum(axis=0), delta @ w


def numpy_epilogue(z, b, fn):
    return activation(z + b, fn)


def numba_epilogue(z, b, fn):
    out = np.empty_like(z)  # a new array, as NumPy's z + b makes (dense_forward works in place)
    cpu._bias_activation(z, b, out, cpu._code(fn), 0.01)
    return out


def numpy_delta(z, b, g, fn):
    delta = g * activation_grad(z + b, fn)
    return delta, delta.sum(axis=0)


def numba_delta(z, b, g, fn):
    out = np.empty_like(z)
    db = cpu._delta_and_db(z, b, g, out, cpu._code(fn), 0.01)
    return out, db


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="batch 1024 × 256 → 256")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--acts", default="relu,sigmoid,gelu")
    args = ap.parse_args()
    batch, n_in, n_out = (1024, 256, 256) if args.quick else (4096, 1024, 1024)
    import numba
    print(f"# {platform.processor() or platform.machine()}, {os.cpu_count()} cores, numba threads "
          f"{numba.get_num_threads()}, NumPy {np.__version__}, numba {numba.__version__}")
    print(f"# batch {batch} × {n_in} → {n_out}; ratio = NumPy time / numba time (best of {args.repeat}+ rounds)")
    print(f"{'dtype':8} {'act':8} {'what':28} {'NumPy ms':>9} {'numba ms':>9} {'ratio':>6}")
    rng = np.random.default_rng(0)
    for dtype in (np.float32, np.float64):
        x = rng.standard_normal((batch, n_in)).astype(dtype)
        w = (rng.standard_normal((n_out, n_in)) / np.sqrt(n_in)).astype(dtype)
        b = rng.standard_normal(n_out).astype(dtype)
        g = rng.standard_normal((batch, n_out)).astype(dtype)
        z = x @ w.T
        cpu.warmup()
        gemm(x[:8], w[:8].T)
        rows = [("gemm X·Wᵀ (not this module)", None, lambda: x @ w.T, lambda: gemm(x, w.T))]
        for fn in args.acts.split(","):
            rows += [
                ("forward (gemm + fused)", fn, lambda fn=fn: numpy_forward(x, w, b, fn),
                 lambda fn=fn: cpu.dense_forward(x, w, b, fn)),
                ("  bias+activation pass", fn, lambda fn=fn: numpy_epilogue(z, b, fn),
                 lambda fn=fn: numba_epilogue(z, b, fn)),
                ("backward (3 gemm + fused)", fn, lambda fn=fn: numpy_backward(x, w, b, g, fn),
                 lambda fn=fn: cpu.dense_backward(x, w, b, g, fn)),
                ("  δ + db pass", fn, lambda fn=fn: numpy_delta(z, b, g, fn),
                 lambda fn=fn: numba_delta(z, b, g, fn)),
            ]
        for what, fn, f_np, f_nb in rows:
            f_np()
            f_nb()  # compile / first touch outside the timing
            t = best_times({"np": f_np, "nb": f_nb}, args.repeat)
            t_np, t_nb = t["np"], t["nb"]
            print(f"{np.dtype(dtype).name:8} {fn or '-':8} {what:28} {t_np * 1e3:9.2f} {t_nb * 1e3:9.2f} "
                  f"{t_np / t_nb:6.2f}", flush=True)


if __name__ == "__main__":
    main()
