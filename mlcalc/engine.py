"""Which kernel runs an op: a registry op -> {engine: "module:function"} and the `auto` policy.

Kernel modules are named by string and imported on first use, so that choosing the NumPy
path never imports numba (about 0.5 s).  Every op has a "numpy" entry: the reference.
"""

from __future__ import annotations

import importlib
import sys
from typing import Callable

from mlcalc.errors import MlcalcError

ENGINES = ("auto", "numba", "numpy")

REF = "mlcalc.kernels.reference"

# op -> {engine: "module:function"}. The core ops are listed here (cross, NumPy's alone, in ops/core.py);
# each other area's ops module adds its own with `register()` when it is imported.
REGISTRY: dict[str, dict[str, str]] = {
    # --- core: products and element-wise ---
    "matmul": {"numpy": f"{REF}:matmul", "numba": "mlcalc.kernels.cpu.gemm:matmul",
               "cuda": "mlcalc.kernels.cuda.gemm:matmul"},
    "add": {"numpy": f"{REF}:add", "numba": "mlcalc.kernels.cpu.elementwise:add",
            "cuda": "mlcalc.kernels.cuda.elementwise:add"},
    "sub": {"numpy": f"{REF}:sub", "numba": "mlcalc.kernels.cpu.elementwise:sub",
            "cuda": "mlcalc.kernels.cuda.elementwise:sub"},
    "hadamard": {"numpy": f"{REF}:hadamard", "numba": "mlcalc.kernels.cpu.elementwise:hadamard",
            "cuda": "mlcalc.kernels.cuda.elementwise:hadamard"},
    "scale": {"numpy": f"{REF}:scale", "numba": "mlcalc.kernels.cpu.elementwise:scale",
            "cuda": "mlcalc.kernels.cuda.elementwise:scale"},
    "transpose": {"numpy": f"{REF}:transpose", "numba": "mlcalc.kernels.cpu.elementwise:transpose"},
    "dot": {"numpy": f"{REF}:dot", "numba": "mlcalc.kernels.cpu.reductions:dot"},
    "outer": {"numpy": f"{REF}:outer", "numba": "mlcalc.kernels.cpu.elementwise:outer"},
}

# `auto`: the work size from which numba's kernel is taken rather than NumPy's, per op, in one table:
# (once numba is loaded in the process, before it is). None: NumPy/LAPACK always at that stage. The work
# is what each ops module passes: elements for element-wise ops, norms and losses, results for outer,
# m·p·n for pairwise distances, relu-equivalent elements for the activations (ops/nn.py weighs each
# element by NumPy's cost of the function: relu 1, tanh 1.5, softmax 3, leaky-relu 4, sigmoid and swish
# 10, gelu 45), a weighted m·n·epochs for training (train/linreg.py's _auto_work).
#
# Once loaded: the crossovers of `python bench/bench_gemm.py --crossover`, `bench/bench_memory.py
# --crossover`, bench_linalg.py, bench_nn.py, bench_eig.py and bench_solve.py (docs/performance.md),
# 2 threads on each side, OpenBLAS with its own (SkylakeX) kernel:
# * matmul: the packed numba GEMM is at 1.03-1.13x OpenBLAS in float64 from 512³ and 0.93-0.97x in
#   float32 (2026-12-03, quiet AMD EPYC), 0.35-0.8x below 300³. Auto keeps OpenBLAS all the same: a
#   lone product saves 7 % of its time, a 4096³ one 23 ms, and importing numba costs 0.5 s. The same
#   for the ops built on GEMM (dense layers, attention, conv2d: 1.1-1.4x NumPy at 4096×1024→1024 in
#   bench_nn, 5-20 ms saved) and for embed (a gather).
# * add/sub/hadamard/scale: NumPy's ufuncs run on one thread; numba's two win from 1-3e6 elements
#   (1.5-1.75x at 1e8). transpose: 2.4x from 3e6. outer: wins from 3e4 in kernel time, floored at 1e6.
# * dot: OpenBLAS's ddot is threaded too; numba is slower up to 1e7 and 1.3x at 1e8.
# * norm from 4e6 elements and dist from 2e7 (bench_linalg); eigen, SVD, rank, LU (inv/solve/det):
#   LAPACK is faster at every size (bench_eig, bench_solve).
# * rref: the reference is a Python loop of NumPy row operations, one in-place pass a pivot; numba's loop
#   is faster from about 150×150 (2026-12-06, Emerald Rapids host: 100×101 2.5 against 2.9 ms, 200×201
#   11.7 against 9.5, 500×501 179 against 73, 1000×1001 1.21 s against 0.30).
# * activations from 2e5 relu-equivalents, mse from 1e6, cross-entropy from 2e5 (bench_nn).
# * training: at 5·10⁷ (500000×20, 5 epochs, 2026-12-06) sgd took 1.08 s on numba and 1.48 on NumPy,
#   whose Python loop goes batch by batch.
# Every figure is far above a 3×3 command, which must never import numba.
#
# Before numba is loaded (a CSV of 8 MB or more goes through the parallel reader, which loads it) `auto`
# must also repay loading it: importing numba and starting its threads with the first parallel kernel
# from the cache cost 0.45-0.6 s in a one-shot command (2026-12-06, Intel Emerald Rapids host: import
# 0.14 s, first kernel 0.31-0.35 s; `mlcalc add` on two 4·10⁶-element NPY files took 0.22 s on NumPy
# and 0.75 s on numba, `activate --fn relu` on 1.6·10⁷ elements 0.32 and 0.92). So the second figure
# is the work at which numba's kernel saves 0.6 s, from the time saved per unit of work in the same
# benchmarks on 2 threads: add 1.5 ns an element (NumPy's one-thread add of 10⁸ took 263 ms, ours
# 113), scale 0.8, transpose 1.0 (10⁸: 382 against 277 ms), outer 0.64 a result (10⁸: 146 against 82),
# the norms 5.7 (the l2 of 2·10⁷: NumPy's 120 ms, ours 6), dist 15, relu 2.4 (gelu 126, sigmoid 28:
# `activate` on the command line confirmed 4·10⁶ gelu and 2·10⁷ sigmoid elements at the crossover),
# mse 5.7, cross-entropy 27. rref: numba saves 0.9 s at 1000×1001 (above), so from about 900×900.
# Training: the same figure as once loaded.
AUTO_NUMBA_FROM: dict[str, tuple[int | None, int | None]] = {
    # core: products and element-wise
    "matmul": (None, None),
    "add": (3_000_000, 400_000_000),
    "sub": (3_000_000, 400_000_000),
    "hadamard": (3_000_000, 400_000_000),
    "scale": (3_000_000, 750_000_000),
    "transpose": (3_000_000, 600_000_000),
    "dot": (100_000_000, None),
    "outer": (1_000_000, 1_000_000_000),
    "cross": (None, None),
    # linear algebra
    "norm": (4_000_000, 100_000_000),
    "dist": (20_000_000, 40_000_000),
    "eigh": (None, None),
    "eig": (None, None),
    "svd": (None, None),
    "inv": (None, None),
    "solve": (None, None),
    "det": (None, None),
    "rank": (None, None),
    "rref": (40_000, 800_000),
    # neural-network blocks
    "activation": (200_000, 200_000_000),
    "activation_grad": (200_000, 200_000_000),
    "activation_vjp": (200_000, 200_000_000),
    "dense_forward": (None, None),
    "dense_backward": (None, None),
    "mse_loss": (1_000_000, 100_000_000),
    "cross_entropy_loss": (200_000, 20_000_000),
    "attention": (None, None),
    "conv2d": (None, None),
    "embed": (None, None),
    # training
    "linreg_epochs": (50_000_000, 50_000_000),
}


def register(op: str, **engines: str) -> None:
    """Add an op's kernels from its area's ops module, e.g.
    register("norm", numpy="mlcalc.kernels.reference:norm", numba="mlcalc.kernels.cpu.norms:norm");
    when `auto` takes numba is AUTO_NUMBA_FROM's entry for the op (none: NumPy always)."""
    REGISTRY.setdefault(op, {}).update(engines)


def numba_loaded() -> bool:
    """Whether this process has imported numba already (then a kernel costs only its cache load)."""
    return "numba" in sys.modules


def jit_disabled() -> bool:
    """Whether NUMBA_DISABLE_JIT is set (numba's debugging switch, left exported in a shell): numba then
    runs functions as Python, and mlcalc's kernels, built on compiled intrinsics, cannot run at all
    ("<intrinsic> is not usable in pure-python" was an internal error, also for a large CSV under
    --engine numpy). `auto` and the CSV reader then keep to NumPy and Python; --engine numba says why not."""
    import os
    return os.environ.get("NUMBA_DISABLE_JIT", "").strip() not in ("", "0")


def uses_numba(op: str, engine: str, work: int) -> bool:
    """Would this op at this size run a numba kernel?"""
    if engine == "numpy":
        return False
    if engine == "numba":
        return "numba" in REGISTRY.get(op, {})
    if jit_disabled():
        return False
    threshold = AUTO_NUMBA_FROM.get(op, (None, None))[0 if numba_loaded() else 1]
    return threshold is not None and work >= threshold and "numba" in REGISTRY.get(op, {})


def kernel(op: str, engine: str = "auto", work: int = 0, device: str = "cpu") -> Callable:
    """The function that computes `op` on this engine and device, for operands of size `work`."""
    entry = REGISTRY.get(op)
    if entry is None:
        _register_all()
        entry = REGISTRY.get(op)
    if entry is None:
        raise MlcalcError(f"{op}: no kernel is registered")
    if device == "cuda":
        if "cuda" not in entry:
            raise MlcalcError(f"{op}: not available with --device cuda")
        from mlcalc.kernels import cuda as cuda_support
        cuda_support.require_gpu()
        return cuda_support.driver_errors_as_one_line(op, _load(entry["cuda"]))
    if engine not in ENGINES:
        raise MlcalcError(f"unknown engine {engine!r}: choose one of {', '.join(ENGINES)}")
    name = "numba" if uses_numba(op, engine, work) else "numpy"
    if name == "numba":
        if jit_disabled():  # only --engine numba gets here then (auto keeps to NumPy)
            raise MlcalcError(f"{op}: --engine numba cannot run with NUMBA_DISABLE_JIT set in the environment "
                              "(mlcalc's kernels need numba's compiler): unset it, or use --engine numpy")
        from mlcalc import config
        config.apply()
    return _load(entry[name])


# the ops modules that register their kernels when imported
AREA_MODULES = ("mlcalc.ops.core", "mlcalc.ops.linalg", "mlcalc.ops.systems", "mlcalc.ops.nn", "mlcalc.train.linreg")


def _register_all() -> None:
    """Import every area's ops module, so that all ops are registered (a caller may reach a kernel
    without going through its ops module, e.g. the block algorithms)."""
    for name in AREA_MODULES:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as e:
            if e.name != name:
                raise


_loaded: dict[str, Callable] = {}


def _load(path: str) -> Callable:
    fn = _loaded.get(path)
    if fn is None:
        module, _, attr = path.partition(":")
        fn = getattr(importlib.import_module(module), attr)
        _loaded[path] = fn
    return fn


def all_numba_kernels() -> list[tuple[str, str]]:
    """(op, path) of every numba kernel: what `mlcalc warmup` compiles."""
    _register_all()
    return [(op, e["numba"]) for op, e in REGISTRY.items() if "numba" in e]
