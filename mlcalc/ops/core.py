"""Products and element-wise ops: validate shapes, pick the engine, explain with the tracer."""

from __future__ import annotations

import math

import numpy as np

from mlcalc import engine as engines
from mlcalc.errors import ShapeError
from mlcalc.ops.common import as_vector, broadcast_shape, counted, shape_text
from mlcalc.ops.rowops import factor_text
from mlcalc.trace.steps import FULL_UP_TO, Tracer


def _matmul_shape(a_shape, b_shape, operand: int = 2) -> tuple[int, ...]:
    """Result shape of a @ b for 1-D/2-D operands, or a ShapeError worded like NumPy's; in a chain, a is the
    product of the operands before `operand` (a shape the user never gave, so named as that product)."""
    k_a = a_shape[-1]
    k_b = b_shape[0]
    if k_a != k_b:
        shapes = (f"shapes {shape_text(a_shape)} and {shape_text(b_shape)}" if operand == 2 else
                  f"the product of operands 1–{operand - 1}, {shape_text(a_shape)}, and operand {operand}, "
                  f"{shape_text(b_shape)},")
        raise ShapeError(f"matmul: {shapes} do not align: {k_a} != {k_b}")
    return a_shape[:-1] + b_shape[1:]


def matmul(arrays: list[np.ndarray], engine: str = "auto", device: str = "cpu",
           tracer: Tracer | None = None) -> np.ndarray:
    """A₁·A₂·…·Aₙ, left to right; 1-D operands act as NumPy's `@` makes them act."""
    if len(arrays) < 2:
        raise ShapeError("matmul: needs at least two operands")
    for a in arrays:
        if a.ndim > 2:
            raise ShapeError(f"matmul: operands must be vectors or matrices, got shape {shape_text(a.shape)}")
    shape = arrays[0].shape
    for i, b in enumerate(arrays[1:], start=2):
        if shape == ():
            raise ShapeError(f"matmul: the first {i - 1} operands multiply to a number (two vectors give their "
                             f"dot product), which has no axis to multiply {shape_text(b.shape)} with (scale does that)")
        shape = _matmul_shape(shape, b.shape, i)
    result = arrays[0]
    for t, b in enumerate(arrays[1:]):
        a = result
        m = a.shape[0] if a.ndim == 2 else 1
        k = a.shape[-1]
        n = b.shape[1] if b.ndim == 2 else 1
        if tracer is not None:
            # a chain A·B·C… is worked left to right: (A·B), then (A·B)·C, each named as what it is
            names = (list("ABCDEFGHIJKLMNOPQRSTUVWXYZ") if len(arrays) <= 26
                     else [f"A{i}" for i in range(1, len(arrays) + 1)])
            left = names[0] if t == 0 else "(" + "·".join(names[:t + 1]) + ")"
            out = "C" if len(arrays) == 2 else "·".join(names[:t + 2])
            _trace_matmul(tracer, a, b, left, names[t + 1], out)
        kern = engines.kernel("matmul", engine, work=m * k * n, device=device)
        result = kern(a, b)
    return result


def _trace_matmul(tracer: Tracer, a: np.ndarray, b: np.ndarray, left: str = "A", right: str = "B",
                  out: str = "C") -> None:
    a2 = a.reshape(1, -1) if a.ndim == 1 else a
    b2 = b.reshape(-1, 1) if b.ndim == 1 else b
    m, k = a2.shape
    n = b2.shape[1]
    tracer.step(f"Matrix product {left}·{right}" if out != "C" else "Matrix product C = A·B",
                "cᵢⱼ = Σₖ aᵢₖ·bₖⱼ" if out == "C" else f"({out})ᵢⱼ = Σₖ {left}ᵢₖ·{right}ₖⱼ",
                note=f"{left} is {m}×{k}, {right} is {k}×{n}, the product is {m}×{n}: {m * n * k} multiply-adds"
                if out != "C" else f"A is {m}×{k}, B is {k}×{n}, C is {m}×{n}: {m * n * k} multiply-adds",
                **{left: a2, right: b2})
    from mlcalc.io.write import format_number as fmt
    rows = range(m) if m <= FULL_UP_TO else [0, m - 1]
    cols = range(n) if n <= FULL_UP_TO else [0, n - 1]
    for i in rows:
        for j in cols:
            terms = [f"{factor_text(a2[i, p])}·{factor_text(b2[p, j])}" for p in range(min(k, FULL_UP_TO))]
            if k > FULL_UP_TO:
                terms.append("…")
            value = float(np.dot(a2[i].astype(np.float64), b2[:, j].astype(np.float64)))
            tracer.step(f"c{_sub(i + 1)}{_sub(j + 1)} = row {i + 1} of {left} · column {j + 1} of {right}",
                        f"c{_sub(i + 1)}{_sub(j + 1)} = " + " + ".join(terms) + f" = {fmt(value, 6)}",
                        result=value)
    if m > FULL_UP_TO or n > FULL_UP_TO:
        tracer.step("…", note=f"the other {m * n - len(rows) * len(cols)} entries follow the same rule")


_SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def _sub(i: int) -> str:
    return str(i).translate(_SUBSCRIPTS)


def elementwise(op: str, a: np.ndarray, b: np.ndarray, engine="auto", tracer: Tracer | None = None,
                device: str = "cpu"):
    """add / sub / hadamard with NumPy broadcasting."""
    shape = broadcast_shape(op, a, b)
    symbol = {"add": "+", "sub": "−", "hadamard": "⊙"}[op]
    result = engines.kernel(op, engine, work=int(np.prod(shape)), device=device)(a, b)
    if tracer is not None:
        tracer.step({"add": "Element-wise sum", "sub": "Element-wise difference",
                     "hadamard": "Hadamard (element-wise) product"}[op],
                    f"cᵢⱼ = aᵢⱼ {'·' if op == 'hadamard' else symbol} bᵢⱼ" + ("" if a.shape == b.shape else " (with broadcasting)"),
                    result=result, note=f"{shape_text(a.shape)} {symbol} {shape_text(b.shape)} → {shape_text(shape)}",
                    A=a, B=b)
    return result


def scale(a: np.ndarray, k: float, engine="auto", tracer: Tracer | None = None, device: str = "cpu"):
    f32 = np.finfo(np.float32)
    if a.dtype == np.float32 and 0 < abs(k) < math.inf and not float(f32.tiny) <= abs(k) <= float(f32.max):
        # K itself is beyond float32 (1e40 became inf, and [0, 1e-39] gave [nan, inf]) or subnormal
        # there (1e-45 became 1.4e-45, 40 % off): the products in float64, rounded once
        with np.errstate(over="ignore"):
            result = (a.astype(np.float64) * k).astype(np.float32)
    else:
        result = engines.kernel("scale", engine, work=a.size, device=device)(a, k)
    if tracer is not None:
        tracer.step("Scalar multiple", f"cᵢⱼ = {k:g}·aᵢⱼ", result=result, A=a)
    return result


def transpose(a: np.ndarray, engine="auto", tracer: Tracer | None = None):
    if a.ndim == 1:
        a = a.reshape(1, -1)  # a vector literal is a row: its transpose a column
    result = engines.kernel("transpose", engine, work=a.size)(a)
    if tracer is not None:
        tracer.step("Transpose", "(Aᵀ)ᵢⱼ = aⱼᵢ: rows become columns",
                    note=f"{shape_text(a.shape)} → {shape_text(result.shape)}", A=a, result=result)
    return result


def dot(u: np.ndarray, v: np.ndarray, engine="auto", tracer: Tracer | None = None):
    u = as_vector(u, "dot", "u")
    v = as_vector(v, "dot", "v")
    if u.shape != v.shape:
        raise ShapeError(f"dot: vectors of different lengths: {u.shape[0]} and {v.shape[0]}")
    result = engines.kernel("dot", engine, work=u.size)(u, v)
    if tracer is not None:
        from mlcalc.io.write import format_number as fmt
        n = min(u.size, FULL_UP_TO)
        terms = [f"{factor_text(u[i])}·{factor_text(v[i])}" for i in range(n)] + (["…"] if u.size > n else [])
        tracer.step("Dot product", "u·v = Σᵢ uᵢvᵢ = " + " + ".join(terms) + f" = {fmt(result, 6)}",
                    result=result, u=u, v=v)
    return result


def outer(u: np.ndarray, v: np.ndarray, engine="auto", tracer: Tracer | None = None):
    u = as_vector(u, "outer", "u")
    v = as_vector(v, "outer", "v")
    result = engines.kernel("outer", engine, work=u.size * v.size)(u, v)
    if tracer is not None:
        tracer.step("Outer product", "(u⊗v)ᵢⱼ = uᵢ·vⱼ", result=result, u=u, v=v)
    return result


# a NumPy kernel only: three products a component, far below what threads repay at any size people type
engines.register("cross", numpy="mlcalc.kernels.reference.core:cross")


def _cross_operand(a: np.ndarray, name: str) -> np.ndarray:
    """A 3-vector (a row, a column or 1-D) as (3,), or an (n, 3) matrix of one vector a row."""
    if a.ndim == 2 and a.shape[1] == 3 and a.shape[0] != 1:
        return a
    if a.ndim == 1 or (a.ndim == 2 and 1 in a.shape):
        if a.size == 3:
            return a.reshape(-1)
    hint = " (for two 2-D vectors, u₁v₂ − u₂v₁ is the det of the matrix with rows u and v)" if a.size == 2 else ""
    raise ShapeError(f"cross: {name} must be a 3-vector or an (n, 3) matrix of them, got shape "
                     f"{shape_text(a.shape)}{hint}")


def cross(u: np.ndarray, v: np.ndarray, engine="auto", tracer: Tracer | None = None):
    """u × v = (u₂v₃ − u₃v₂, u₃v₁ − u₁v₃, u₁v₂ − u₂v₁); with (n, 3) operands row by row, a single vector
    against every row of the other (NumPy's np.cross on the last axis)."""
    u, v = _cross_operand(u, "u"), _cross_operand(v, "v")
    if u.ndim == 2 and v.ndim == 2 and u.shape[0] != v.shape[0]:
        raise ShapeError(f"cross: u has {counted(u.shape[0], 'row')} and v {v.shape[0]}: give as many, or one vector")
    result = engines.kernel("cross", engine, work=max(u.size, v.size))(u, v)
    if tracer is not None and u.ndim == 1 and v.ndim == 1:
        from mlcalc.io.write import format_number as fmt
        u1, u2, u3 = (factor_text(x) for x in u)
        v1, v2, v3 = (factor_text(x) for x in v)
        tracer.step("Cross product", "u × v = (u₂v₃ − u₃v₂, u₃v₁ − u₁v₃, u₁v₂ − u₂v₁)", u=u, v=v,
                    note=f"here {u2}·{v3} − {u3}·{v2}, {u3}·{v1} − {u1}·{v3}, {u1}·{v2} − {u2}·{v1}")
        tracer.step("Result", "perpendicular to u and to v; its length ‖u‖‖v‖·sin θ is the parallelogram's area",
                    result=result, note=f"(u × v)·u = {fmt(float(np.dot(result, u)), 6)}, "
                                        f"(u × v)·v = {fmt(float(np.dot(result, v)), 6)}")
    elif tracer is not None:
        tracer.step("Cross product, row by row", "rowᵢ(u × v) = rowᵢ(u) × rowᵢ(v)", result=result)
    return result
