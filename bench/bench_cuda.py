"""The CUDA kernels on a GPU against cuBLAS and against the device's own copy bandwidth.

    python bench/bench_cuda.py [--quick] [--size 4096] [--elements 67108864] [--repeats 5]

GEMM (size² float32 and float64): mlcalc.kernels.cuda.gemm against cuBLAS through CuPy, else
torch (TF32 off: both sides then run plain FP32 FMAs), measured in the same run, calls
interleaved, the best of --repeats; the results are compared before timing. Element-wise, norm
and softmax kernels: GB/s against a device-to-device copy of the same array (the bandwidth a
memory-bound kernel can hope for). Operands live on the GPU: no host transfers are timed.

Needs a CUDA GPU; says so and exits 2 without one. See docs/cuda.md for the H100 machine.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))


def best_times(fns: dict, repeats: int, sync, inner: int = 1) -> dict:
    """Best time per call of each function, `inner` calls between synchronisations, interleaved."""
    best = {k: math.inf for k in fns}
    for fn in fns.values():  # compile / warm up
        fn()
    sync()
    for _ in range(repeats):
        for k, fn in fns.items():
            sync()
            t = time.perf_counter()
            for _ in range(inner):
                fn()
            sync()
            best[k] = min(best[k], (time.perf_counter() - t) / inner)
    return best


def cublas_matmul(np_dtype):
    """(name, to_lib(host array), matmul(a, b, out), sync) for cuBLAS via CuPy or torch, or None."""
    try:
        import cupy

        def mm(a, b, out):
            cupy.matmul(a, b, out=out)

        return "cuBLAS (CuPy)", cupy.asarray, mm, cupy.cuda.Device().synchronize
    except Exception:
        pass
    try:
        import torch
        if not torch.cuda.is_available():
            return None
        torch.backends.cuda.matmul.allow_tf32 = False  # compare FP32 with FP32, not tensor-core TF32

        def mm(a, b, out):
            torch.matmul(a, b, out=out)

        return "cuBLAS (torch)", lambda x: torch.from_numpy(x).cuda(), mm, torch.cuda.synchronize
    except Exception:
        return None


def bench_gemm(n: int, repeats: int, rows: list) -> None:
    import numpy as np

    from mlcalc.kernels.cuda import gemm

    cuda = gemm.cuda
    rng = np.random.default_rng(0)
    for dtype in (np.float32, np.float64):
        a = rng.standard_normal((n, n)).astype(dtype)
        b = rng.standard_normal((n, n)).astype(dtype)
        a_d, b_d = cuda.to_device(a), cuda.to_device(b)
        c_d = cuda.device_array((n, n), dtype)
        fns = {"mlcalc": lambda: gemm.launch(a_d, b_d, c_d)}
        lib = cublas_matmul(dtype)
        ref_name = "cuBLAS: CuPy/torch not importable"
        if lib is not None:
            ref_name, to_lib, mm, lib_sync = lib
            a_l, b_l = to_lib(a), to_lib(b)
            c_l = to_lib(np.empty((n, n), dtype))
            fns["ref"] = lambda: mm(a_l, b_l, c_l)
            mm(a_l, b_l, c_l)
            gemm.launch(a_d, b_d, c_d)
            ours = c_d.copy_to_host()
            theirs = np.asarray(c_l.get() if hasattr(c_l, "get") else c_l.cpu().numpy())
            err = np.max(np.abs(ours - theirs)) / max(np.max(np.abs(theirs)), 1e-300)
            if err > (1e-3 if dtype == np.float32 else 1e-10):
                sys.exit(f"bench_cuda: GEMM {np.dtype(dtype).name} differs from cuBLAS (max rel. {err:.2e})")

        def sync():
            cuda.synchronize()
            if lib is not None:
                lib[3]()

        t = best_times(fns, repeats, sync)
        flops = 2.0 * n ** 3
        rows.append((f"GEMM {n}²", np.dtype(dtype).name, f"{flops / t['mlcalc'] / 1e12:.2f} TFLOP/s",
                     f"{flops / t['ref'] / 1e12:.2f} TFLOP/s" if "ref" in t else "n/a", ref_name if "ref" in t else ref_name,
                     f"{t['ref'] / t['mlcalc']:.2f}×" if "ref" in t else "-"))


def bench_memory(elements: int, repeats: int, rows: list) -> None:
    import numpy as np

    from mlcalc.kernels.cuda import elementwise, reductions
    from mlcalc.kernels.cuda.activations import act_code
    from mlcalc.kernels.cuda.launch import THREADS, blocks_for

    cuda = elementwise.cuda
    rng = np.random.default_rng(1)
    cols = 4096 if elements >= 4096 * 16 else 64
    shape = (elements // cols, cols)
    for dtype in (np.float32, np.float64):
        x = rng.standard_normal(shape).astype(dtype)
        x_d, y_d, out_d = cuda.to_device(x), cuda.to_device(x[::-1].copy()), cuda.device_array(shape, dtype)
        flat_x, flat_out = x_d.reshape(x.size), out_d.reshape(x.size)
        nbytes = x.nbytes
        blocks = blocks_for(x.size)
        add = elementwise.binary_kernel(elementwise.ADD)
        gelu = elementwise.unary_kernel(act_code("gelu"))
        relu = elementwise.unary_kernel(act_code("relu"))
        k = dtype(1.0)
        fns = {
            "copy": (2, lambda: out_d.copy_to_device(x_d)),
            "add": (3, lambda: add[blocks, THREADS](x_d, y_d, out_d)),
            "relu": (2, lambda: relu[blocks, THREADS](flat_x, flat_out, k, k)),
            "gelu": (2, lambda: gelu[blocks, THREADS](flat_x, flat_out, k, k)),
            "l2 norm": (1, lambda: reductions._l2_device(flat_x, np.dtype(dtype))),
            "row softmax": (2, lambda: reductions.softmax_rows_device(x_d, out_d)),
        }
        t = best_times({name: fn for name, (_, fn) in fns.items()}, repeats, cuda.synchronize, inner=5)
        copy_bw = fns["copy"][0] * nbytes / t["copy"]
        for name, (passes, _) in fns.items():
            bw = passes * nbytes / t[name]
            rows.append((f"{name} {shape[0]}×{shape[1]}", np.dtype(dtype).name, f"{bw / 1e9:.0f} GB/s",
                         f"{copy_bw / 1e9:.0f} GB/s", "device-to-device copy", f"{bw / copy_bw:.2f}×"))


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help="GEMM 1024², 2²² elements")
    p.add_argument("--size", type=int, default=4096, help="GEMM size n (n×n · n×n)")
    p.add_argument("--elements", type=int, default=1 << 26, help="elements of the memory-bound kernels' operands")
    p.add_argument("--repeats", type=int, default=5)
    args = p.parse_args(argv)
    if args.quick:
        args.size, args.elements, args.repeats = 1024, 1 << 22, 3

    from mlcalc.errors import MlcalcError
    from mlcalc.kernels.cuda import require_gpu, simulated
    if simulated():
        print("bench_cuda: NUMBA_ENABLE_CUDASIM is set: the simulator's timings mean nothing; "
              "running a smoke check only", file=sys.stderr)
        args.size, args.elements, args.repeats = min(args.size, 32), min(args.elements, 4096), 1
    try:
        require_gpu()
    except MlcalcError as e:
        print(f"bench_cuda: needs a CUDA GPU: {e}", file=sys.stderr)
        return 2

    from mlcalc.kernels.cuda import load_cuda
    cuda = load_cuda()
    device = "simulator" if simulated() else cuda.get_current_device().name
    device = device.decode() if isinstance(device, bytes) else device
    rows: list = []
    bench_gemm(args.size, args.repeats, rows)
    bench_memory(args.elements, args.repeats, rows)

    import numpy as np
    import numba
    print(f"# {device}; Python {platform.python_version()}, NumPy {np.__version__}, numba {numba.__version__}, "
          f"best of {args.repeats}")
    head = ("kernel", "dtype", "mlcalc", "reference", "reference is", "mlcalc / reference")
    widths = [max(len(str(r[i])) for r in rows + [head]) for i in range(len(head))]
    for r in [head, tuple("-" * w for w in widths)] + rows:
        print("| " + " | ".join(str(c).ljust(w) for c, w in zip(r, widths)) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
