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
DEVICES = ("cpu", "cuda")

REF = "mlcalc.kernels.reference"

# op -> {engine: "module:function"}. The core ops are listed here; each other area's ops module
# adds its own with `register()` when it is imported.
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

# Work size (see `work_size`) from which `auto` takes numba rather than NumPy, per op.
# None: NumPy/LAPACK always (numba never measured faster). The core ops' figures come from
# `python bench/bench_gemm.py --crossover` and `python bench/bench_memory.py --crossover`
# (docs/performance.md), 2 threads on each side, OpenBLAS with its own (SkylakeX) kernel:
# * matmul: the packed numba GEMM is at 1.03-1.13x OpenBLAS in float64 from 512³ and 0.93-0.97x in
#   float32 (2026-12-03, quiet AMD EPYC), 0.35-0.8x below 300³. Auto keeps OpenBLAS all the same: a
#   lone product saves 7 % of its time, a 4096³ one 23 ms, and importing numba costs 0.5 s.
# * add/sub/hadamard/scale: NumPy's ufuncs run on one thread; numba's two win from 1-3e6 elements
#   (1.5-1.75x at 1e8).
# * transpose: 2.4x from 3e6 elements. outer: wins from 3e4 in kernel time, floored at 1e6
#   because importing numba and loading cached kernels costs ~0.5-1 s per command.
# * dot: OpenBLAS's ddot is threaded too; numba is slower up to 1e7 and 1.3x at 1e8.
# Every figure is far above a 3×3 command, which must never import numba.
AUTO_NUMBA_FROM: dict[str, int | None] = {
    "matmul": None,
    "add": 3_000_000,
    "sub": 3_000_000,
    "hadamard": 3_000_000,
    "scale": 3_000_000,
    "transpose": 3_000_000,
    "dot": 100_000_000,
    "outer": 1_000_000,
}

# The figures above hold once numba is loaded in the process (a CSV of 8 MB or more went through the
# parallel reader, or an earlier kernel ran). Where it is not, `auto` must also repay loading it:
# importing numba and starting its threads with the first parallel kernel from the cache cost 0.45-0.6 s
# in a one-shot command (2026-12-06, Intel Emerald Rapids host: import 0.14 s, first kernel 0.31-0.35 s;
# `mlcalc add` on two 4·10⁶-element NPY files took 0.22 s on NumPy and 0.75 s on numba, `activate
# --fn relu` on 1.6·10⁷ elements 0.32 and 0.92). So each op has a second threshold for that cold
# start: the work at which numba's kernel saves 0.6 s, from the time saved per element measured by
# bench/ on 2 threads (bench_memory, bench_linalg, bench_nn; the same host and day).
AUTO_NUMBA_COLD_FROM: dict[str, int | None] = {
    "matmul": None,
    "add": 400_000_000,  # 1.5 ns an element saved: NumPy's one-thread add of 10⁸ took 263 ms, ours 113
    "sub": 400_000_000,
    "hadamard": 400_000_000,
    "scale": 750_000_000,  # 0.8 ns
    "transpose": 600_000_000,  # 1.0 ns (10⁸: 382 against 277 ms)
    "dot": None,
    "outer": 1_000_000_000,  # 0.64 ns a result (10⁸: 146 against 82 ms)
}


def register(op: str, auto_from: int | None = None, cold_from: int | None = None, **engines: str) -> None:
    """Add an op from its area's ops module, e.g.
    register("norm", numpy="mlcalc.kernels.reference:norm", numba="...", auto_from=1_000_000).
    `auto_from`: the work size from which `auto` picks numba once numba is loaded (None: always
    NumPy); `cold_from`: the same before it is (AUTO_NUMBA_COLD_FROM; None: NumPy until then)."""
    REGISTRY.setdefault(op, {}).update(engines)
    AUTO_NUMBA_FROM[op] = auto_from
    AUTO_NUMBA_COLD_FROM[op] = cold_from


def numba_loaded() -> bool:
    """Whether this process has imported numba already (then a kernel costs only its cache load)."""
    return "numba" in sys.modules


def uses_numba(op: str, engine: str, work: int) -> bool:
    """Would this op at this size run a numba kernel?"""
    if engine == "numpy":
        return False
    if engine == "numba":
        return "numba" in REGISTRY.get(op, {})
    threshold = (AUTO_NUMBA_FROM if numba_loaded() else AUTO_NUMBA_COLD_FROM).get(op)
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
