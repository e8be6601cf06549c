"""`gen`: random, randn, eye, zeros and ones matrices."""

from __future__ import annotations

import numpy as np

from mlcalc.errors import MlcalcError

MAX_ELEMENTS = 2_000_000_000 // 8  # a fixed cap, 2 GB of float64 (the memory budget is weighed apart, by check_fits)


_HOW = {"random": "uniform on [0, 1)", "randn": "standard normal N(0, 1)", "eye": "ones on the diagonal, zeros elsewhere",
        "zeros": "all zeros", "ones": "all ones"}


def generate(kind: str, rows: int, cols: int | None, seed: int | None = None, dtype: str = "float64",
             tracer=None, check_fits=None) -> np.ndarray:
    """check_fits((rows, cols)), where given, is called once the shape is valid and before any memory is
    taken (the CLI weighs it against the memory budget)."""
    if cols is None:
        cols = rows if kind == "eye" else 1
        vector = kind != "eye"
    else:
        vector = False
    if rows < 1 or cols < 1:
        raise MlcalcError(f"gen: dimensions must be at least 1, got {rows}x{cols}")
    if rows * cols > MAX_ELEMENTS:
        raise MlcalcError(f"gen: {rows}x{cols} is {rows * cols:,} elements, more than the {MAX_ELEMENTS:,} allowed")
    if check_fits is not None:
        check_fits((rows, cols))
    rng = np.random.default_rng(seed)
    if kind == "random":
        a = rng.random((rows, cols))
    elif kind == "randn":
        a = rng.standard_normal((rows, cols))
    elif kind == "eye":
        a = np.eye(rows, cols)
    elif kind == "zeros":
        a = np.zeros((rows, cols))
    elif kind == "ones":
        a = np.ones((rows, cols))
    else:
        raise MlcalcError(f"gen: unknown kind {kind!r}")
    a = a.astype(np.float32 if dtype == "float32" else np.float64, copy=False)  # no second copy in float64
    if kind == "random" and a.dtype == np.float32:
        # the float64 draws just below 1 (3 in 10⁸) round to 1.0 in float32: [0, 1) keeps its open end
        np.minimum(a, np.nextafter(np.float32(1), np.float32(0)), out=a)
    result = a.reshape(-1) if vector else a
    if tracer is not None:
        how = _HOW[kind] + (f", NumPy's default_rng(seed={seed}) (PCG64)" if kind in ("random", "randn") else "")
        what = f"a vector of {rows}" if vector else f"a {rows}×{cols} matrix"
        tracer.step(f"Generate {what}", how, result=result,
                    note="the same --seed gives the same numbers on every machine" if seed is not None and kind in ("random", "randn") else "")
    return result
