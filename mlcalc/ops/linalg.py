"""Norms, distances, projection, eigen-decomposition, SVD, pseudo-inverse and `inspect`.

Each op validates its operands, picks a kernel with `engine.kernel`, puts the result in a form
that is the same on every engine (eigenvalues sorted, eigen- and singular vectors with a fixed
sign), and, when asked, explains itself with the tracer (on the reference path, never in a kernel).
"""

from __future__ import annotations

import math

import numpy as np

from mlcalc import engine as engines
from mlcalc.errors import NumericError, ShapeError
from mlcalc.io.read import require_finite
from mlcalc.ops.common import (as_vector, counted, dist_widths_error, require_square, scaled_by_power_of_two,
                               shape_text, unscaled)
from mlcalc.ops.rowops import factor_text
from mlcalc.trace.steps import FULL_UP_TO, Tracer

REF = "mlcalc.kernels.reference"
CPU = "mlcalc.kernels.cpu"

# `auto` (engine.AUTO_NUMBA_FROM): numba for norms from 4·10⁶ elements and pairwise distances from 2·10⁷
# (m·p·n) once numba is loaded; eigen and SVD always LAPACK (bench/bench_linalg.py, bench_eig.py)
engines.register("norm", numpy=f"{REF}:norm", numba=f"{CPU}.norms:norm")
engines.register("dist", numpy=f"{REF}:dist", numba=f"{CPU}.distance:dist")
engines.register("eigh", numpy=f"{REF}:eigh", numba=f"{CPU}.eig:eigh")
engines.register("eig", numpy=f"{REF}:eig", numba=f"{CPU}.eig:eig")
engines.register("svd", numpy=f"{REF}:svd", numba=f"{CPU}.svd:svd")

ORDS = ("l1", "l2", "inf", "fro", "nuc", "spectral")
METRICS = ("euclidean", "manhattan", "cosine", "chebyshev")
AXES = ("rows", "cols")

# inspect: a property holds when its defect is at most RTOL times the matrix's scale (see `inspect`)
RTOL = 1e-10

_TERMS = 12  # terms written out in a traced sum before "…"


def _fmt(x, digits: int | None = 6) -> str:
    from mlcalc.io.write import format_number
    text = format_number(x, digits)
    return "−" + text[1:] if text.startswith("-") else text  # a typographic minus, as in print


def _is_vector(a: np.ndarray) -> bool:
    return a.ndim == 1 or (a.ndim == 2 and 1 in a.shape)


def _matrix_operand(a: np.ndarray, command: str, operand: str = "A") -> np.ndarray:
    if a.ndim == 1:
        return a.reshape(1, -1)
    if a.ndim != 2:
        raise ShapeError(f"{command}: {operand} must be a matrix, got shape {shape_text(a.shape)}")
    return a


# ---------------------------------------------------------------- norm


def norm(a: np.ndarray, ord: str | None = None, axis: str | None = None, engine: str = "auto",
         tracer: Tracer | None = None):
    """‖a‖: a vector norm for a vector (a 1-row or 1-column operand; default l2), a matrix norm for a
    matrix (default fro), or the vector norm of every row / column with axis "rows" / "cols"."""
    if ord is not None and ord not in ORDS:
        raise ShapeError(f"norm: unknown --ord {ord!r}: choose one of {', '.join(ORDS)}")
    if axis is not None and axis not in AXES:
        raise ShapeError(f"norm: unknown --axis {axis!r}: choose rows or cols")
    if axis is not None:
        a = _matrix_operand(a, "norm")
        if ord in (None, "nuc", "spectral", "fro"):
            ord = "l2"  # each row or column is a vector: these all equal its l2 norm (the default)
    elif _is_vector(a):
        a = a.reshape(-1)
        ord = "l2" if ord in (None, "fro", "nuc", "spectral") else ord  # equal for one row or column
    else:
        a = _matrix_operand(a, "norm")
        ord = ord or "fro"
        if ord in ("nuc", "spectral", "l2"):  # singular values (l2 of a matrix is spectral): an SVD, which NaN/inf stop
            require_finite(a, f"norm --ord {ord}", "A")
    kern = engines.kernel("norm", engine, work=a.size)
    result = kern(a, ord, axis)
    if tracer is not None:
        _trace_norm(tracer, a, ord, axis, result)
    return result


_NORM_NAME = {"l1": "‖v‖₁", "l2": "‖v‖₂", "inf": "‖v‖∞"}


def _root_of_squares(v: np.ndarray, name: str = "v") -> str:
    """√(Σ vᵢ²)'s value as a trace shows it: √ of the sum, or, where the sum of squares overflows or
    underflows float64 (the result is computed scaled), s·√(Σ (vᵢ/s)²) with s = max|vᵢ| ("√inf =
    1.41421e+200" for [1e200, 1e200] did not add up)."""
    x = np.asarray(v, dtype=np.float64).reshape(-1)
    with np.errstate(over="ignore", under="ignore"):
        sumsq = float(np.sum(x * x))
    top = float(np.max(np.abs(x), initial=0))
    if top == 0 or not np.isfinite(top) or (np.isfinite(sumsq) and sumsq >= np.finfo(np.float64).tiny):
        return f"√{_fmt(sumsq)}"
    scaled = float(np.sum(np.square(x / top)))
    flow = "overflows" if sumsq > 1 else "underflows"
    return f"s·√(Σ ({name}ᵢ/s)²) [s = max|{name}ᵢ|, as Σ {name}ᵢ² {flow}] = {_fmt(top)}·√{_fmt(scaled)}"


def _vector_norm_formula(v: np.ndarray, ord: str, value, name: str = "v") -> str:
    n = min(v.size, _TERMS)
    more = [f"… ({v.size - n} more)"] if v.size > n else []
    if ord == "l1":
        terms = [f"|{_fmt(x)}|" for x in v[:n]] + more
        return f"Σ|{name}ᵢ| = " + " + ".join(terms) + f" = {_fmt(value)}"
    if ord == "inf":
        return f"max|{name}ᵢ| = max(" + ", ".join([_fmt(abs(x)) for x in v[:n]] + more) + f") = {_fmt(value)}"
    terms = [(f"({_fmt(x)})²" if x < 0 else f"{_fmt(x)}²") for x in v[:n]] + more
    return f"√(Σ {name}ᵢ²) = √(" + " + ".join(terms) + f") = {_root_of_squares(v, name)} = {_fmt(value)}"


def _trace_norm(tracer: Tracer, a: np.ndarray, ord: str, axis: str | None, result) -> None:
    if a.ndim == 1:
        sym = _NORM_NAME[ord]
        if ord == "l2":
            terms = [(f"({_fmt(x)})²" if x < 0 else f"{_fmt(x)}²") for x in a[:_TERMS]]
            if a.size > _TERMS:
                terms.append(f"… ({a.size - _TERMS} more)")
            with np.errstate(over="ignore", under="ignore"):
                sumsq = float(np.sum(np.square(a.astype(np.float64))))
            tracer.step("Sum of squares", "Σ vᵢ² = " + " + ".join(terms) + f" = {_fmt(sumsq)}", v=a)
            tracer.step("Euclidean (L2) norm", f"{sym} = √(Σ vᵢ²) = {_root_of_squares(a)} = {_fmt(result)}",
                        result=result)
        else:
            title = "Manhattan (L1) norm" if ord == "l1" else "Maximum (L∞) norm"
            tracer.step(title, f"{sym} = " + _vector_norm_formula(a, ord, result), v=a, result=result)
        return
    if axis is not None:
        what = "row" if axis == "rows" else "column"
        vectors = a if axis == "rows" else a.T
        tracer.step(f"{_NORM_NAME[ord]} of every {what}", f"{len(vectors)} {what}s of length {vectors.shape[1]}", A=a)
        shown = min(len(vectors), FULL_UP_TO)
        for i in range(shown):
            tracer.step(f"{what} {i + 1}", _vector_norm_formula(vectors[i], ord, result[i]))
        if len(vectors) > shown:
            tracer.step("…", note=f"the other {len(vectors) - shown} {what}s follow the same rule")
        tracer.step("Result", result=result)
        return
    x = a.astype(np.float64)
    if ord == "fro":
        vals = x.reshape(-1)
        terms = [(f"({_fmt(v)})²" if v < 0 else f"{_fmt(v)}²") for v in vals[:_TERMS]]
        if vals.size > _TERMS:
            terms.append(f"… ({vals.size - _TERMS} more)")
        tracer.step("Frobenius norm", "‖A‖_F = √(Σᵢⱼ aᵢⱼ²) = √(" + " + ".join(terms) + f") = "
                    f"{_root_of_squares(vals, 'a')} = {_fmt(result)}", A=a, result=result)
    elif ord in ("l1", "inf"):
        what = "column" if ord == "l1" else "row"
        sums = np.sum(np.abs(x), axis=0 if ord == "l1" else 1)
        tracer.step(f"Sum of |aᵢⱼ| in every {what}", f"{what} sums of absolute values", A=a, sums=sums)
        sym = "‖A‖₁" if ord == "l1" else "‖A‖∞"
        tracer.step(f"{sym}: the largest {what} sum", f"{sym} = max(" + ", ".join(_fmt(s) for s in sums[:_TERMS])
                    + (", …" if sums.size > _TERMS else "") + f") = {_fmt(result)}", result=result)
    else:
        s = np.linalg.svd(x, compute_uv=False)
        tracer.step("Singular values of A", "σᵢ = √(eigenvalues of AᵀA), from the SVD", A=a, sigma=s)
        if ord == "nuc":
            tracer.step("Nuclear norm", "‖A‖_* = Σ σᵢ = " + " + ".join(_fmt(v) for v in s[:_TERMS])
                        + (" + …" if s.size > _TERMS else "") + f" = {_fmt(result)}", result=result)
        else:
            tracer.step("Spectral (L2) norm", f"‖A‖₂ = σ_max = {_fmt(result)}", result=result,
                        note="the most A can stretch a unit vector")


# ---------------------------------------------------------------- dist


def dist(a: np.ndarray, b: np.ndarray, metric: str = "euclidean", engine: str = "auto",
         tracer: Tracer | None = None):
    """Distance of two vectors (a number), or the matrix of distances between the rows of A and of B."""
    if metric not in METRICS:
        raise ShapeError(f"dist: unknown --metric {metric!r}: choose one of {', '.join(METRICS)}")
    if a.ndim == b.ndim == 2 and a.shape[1] == b.shape[1] == 1 and a.shape[0] != b.shape[0]:
        pass  # points of one feature, (m, 1) and (p, 1): the m×p matrix, as scipy's cdist gives (no vector reading fits)
    elif _is_vector(a) and _is_vector(b):
        shapes = f"shapes {shape_text(a.shape)} and {shape_text(b.shape)}"
        a, b = a.reshape(-1), b.reshape(-1)
        if a.size != b.size:
            raise ShapeError(f"dist: vectors of different lengths: {a.size} and {b.size} ({shapes})")
    else:
        given = a.shape, b.shape
        a = as_vector(a, "dist", "A").reshape(1, -1) if _is_vector(a) else _matrix_operand(a, "dist", "A")
        b = as_vector(b, "dist", "B").reshape(1, -1) if _is_vector(b) else _matrix_operand(b, "dist", "B")
        if a.shape[1] != b.shape[1]:
            raise dist_widths_error(*given)
    if metric == "cosine":
        for x, name in ((a, "A"), (b, "B")):
            zero = ~np.any(np.atleast_2d(x) != 0, axis=1)
            if zero.any():
                where = f"row {int(np.argmax(zero)) + 1} of {name}" if x.ndim == 2 else name
                raise NumericError(f"dist: cosine distance is undefined for a zero vector ({where})")
    work = a.size if a.ndim == 1 else a.shape[0] * b.shape[0] * a.shape[1]
    result = engines.kernel("dist", engine, work=work)(a, b, metric)
    if tracer is not None:
        _trace_dist(tracer, a, b, metric, result)
    return result


_DIST_FORMULA = {"euclidean": "d(a, b) = √(Σ (aᵢ − bᵢ)²)", "manhattan": "d(a, b) = Σ |aᵢ − bᵢ|",
                 "chebyshev": "d(a, b) = max |aᵢ − bᵢ|", "cosine": "d(a, b) = 1 − a·b / (‖a‖₂‖b‖₂)"}


def _dist_steps(tracer: Tracer, a: np.ndarray, b: np.ndarray, metric: str, value, label: str = "") -> None:
    a64, b64 = a.astype(np.float64), b.astype(np.float64)
    if metric == "cosine":
        ab = float(np.dot(a64, b64))
        na, nb = float(np.linalg.norm(a64)), float(np.linalg.norm(b64))
        tracer.step(f"Cosine distance{label}", f"a·b = {_fmt(ab)}, ‖a‖₂ = {_fmt(na)}, ‖b‖₂ = {_fmt(nb)}; "
                    f"cos θ = {_fmt(ab / (na * nb))}; d = 1 − cos θ = {_fmt(value)}", result=value)
        return
    d = a64 - b64
    norm_ord = {"euclidean": "l2", "manhattan": "l1", "chebyshev": "inf"}[metric]
    # δ, not d: d(a, b) is the distance
    tracer.step(f"Differences{label}", "δᵢ = aᵢ − bᵢ", δ=d)
    tracer.step(f"{metric.capitalize()} distance{label}", "d(a, b) = " + _vector_norm_formula(d, norm_ord, value, "δ"),
                result=value)


def _trace_dist(tracer: Tracer, a, b, metric, result) -> None:
    tracer.step(f"{metric.capitalize()} distance", _DIST_FORMULA[metric], a=a, b=b)
    if a.ndim == 1:
        _dist_steps(tracer, a, b, metric, result)
        return
    m, p = result.shape
    tracer.step("Pairwise distances", "D[i, j] = d(row i of A, row j of B)",
                note=f"A is {m}×{a.shape[1]}, B is {p}×{b.shape[1]}: D is {m}×{p}, {m * p * a.shape[1]} differences")
    shown = [(i, j) for i in range(min(m, 2)) for j in range(min(p, 2))]
    for i, j in shown:
        _dist_steps(tracer, a[i], b[j], metric, result[i, j], label=f" D[{i + 1}, {j + 1}]")
    if m * p > len(shown):
        tracer.step("…", note=f"the other {m * p - len(shown)} entries follow the same rule")
    tracer.step("Result", result=result)


# ---------------------------------------------------------------- project


def project(a: np.ndarray, b: np.ndarray, engine: str = "auto", tracer: Tracer | None = None) -> np.ndarray:
    """proj_b(a) = (a·b / b·b)·b for a vector b; for a matrix b, the projection of a onto b's column space."""
    a = as_vector(a, "project", "a")
    require_finite(a, "project", "a")
    require_finite(b, "project", "b")
    if _is_vector(b):
        b = b.reshape(-1)
        if b.size != a.size:
            raise ShapeError(f"project: vectors of different lengths: {a.size} and {b.size}")
        if not np.any(b != 0):
            raise NumericError("project: b is the zero vector: there is no direction to project onto")
        dot = engines.kernel("dot", engine, work=a.size)
        with np.errstate(over="ignore", under="ignore"):  # out of range: handled by scaling below
            ab, bb = float(dot(a, b)), float(dot(b, b))
        tiny = np.finfo(np.result_type(a.dtype, b.dtype)).tiny  # the dot products' own dtype
        unit = None  # (u, c) when computed as c·u with the unit vector u
        if np.isfinite(ab) and tiny <= bb < np.inf and abs(ab) >= tiny:  # (a·b = 0 may be an underflow)
            result = b.astype(np.float64) * (ab / bb)
        else:  # a·b or b·b out of range or subnormal ([1e200, 0], [1e-170, 0] squared): scaled to size 1 first
            sa = float(np.max(np.abs(a))) or 1.0
            u = b.astype(np.float64) / np.max(np.abs(b))
            u /= np.linalg.norm(u)
            c = float(np.dot(a.astype(np.float64) / sa, u)) * sa
            result = u * c
            unit = (u, c) if c != 0 or ab != 0 else None  # an exact a·b = 0 of orthogonal vectors: c = 0 / b·b
        result = result.astype(np.result_type(a.dtype, b.dtype), copy=False)
        if tracer is not None:
            _trace_project_vector(tracer, a, b, ab, bb, result, unit)
        return result
    b = _matrix_operand(b, "project", "b")
    if b.shape[0] != a.size:
        raise ShapeError(f"project: a has {counted(a.size, 'element')} but b has {counted(b.shape[0], 'row')} "
                         f"(shapes {shape_text(a.shape)} and {shape_text(b.shape)})")
    if not np.any(b != 0):
        raise NumericError("project: b is the zero matrix: its column space is {0}")
    if engines.uses_numba("svd", engine, b.size):
        result = _project_columns_svd(a, b, engine)
    else:
        from mlcalc.kernels import reference
        result = reference.project(a, b)
    if tracer is not None:
        _trace_project_matrix(tracer, a, b, result)
    return result


def _project_columns_svd(a, b, engine):
    """U_r·(U_rᵀ·a), U_r the left singular vectors of b above lstsq's cutoff (eps of b's dtype): the same
    projection."""
    u, s, _ = engines.kernel("svd", engine, work=b.size)(b)
    keep = s > np.finfo(np.result_type(b.dtype, np.float32)).eps * max(b.shape) * s[0]
    ur = np.ascontiguousarray(u[:, :s.size][:, keep], dtype=np.float64)
    matmul = engines.kernel("matmul", engine, work=ur.size)
    coef = matmul(np.ascontiguousarray(ur.T), a.astype(np.float64))
    return matmul(ur, coef).astype(np.result_type(a.dtype, b.dtype), copy=False)


def _trace_project_vector(tracer, a, b, ab, bb, result, unit=None) -> None:
    n = min(a.size, _TERMS)
    more = [f"… ({a.size - n} more)"] if a.size > n else []
    tracer.step("Projection onto a vector", "proj_b(a) = (a·b / b·b)·b", a=a, b=b)
    products = [f"{factor_text(x)}·{factor_text(y)}" for x, y in zip(a[:n], b[:n])]
    tracer.step("a·b", "a·b = " + " + ".join(products + more) + f" = {_fmt(ab)}", result=ab)
    tracer.step("b·b", "b·b = " + " + ".join([f"{_fmt(y)}²" if y >= 0 else f"({_fmt(y)})²" for y in b[:n]] + more)
                + f" = {_fmt(bb)}", result=bb)
    if unit is not None:  # a·b or b·b out of range: computed with the unit vector (c = inf / inf = nan)
        u, c = unit
        dtype = np.result_type(a.dtype, b.dtype).name
        tracer.step("Scaled instead", f"a·b or b·b is out of {dtype}'s range: with the unit vector "
                    f"u = b / ‖b‖₂, proj_b(a) = (a·u)·u = {_fmt(c)}·u", u=u, result=c)
        tracer.step("Projection", f"proj_b(a) = {_fmt(c)}·u", result=result)
    else:
        c = ab / bb
        tracer.step("Coefficient", f"c = a·b / b·b = {_fmt(ab)} / {_fmt(bb)} = {_fmt(c)}", result=c)
        tracer.step("Projection", f"proj_b(a) = c·b = {_fmt(c)}·b", result=result)
    r = a.astype(np.float64) - result.astype(np.float64)
    tracer.step("Check: the rest is orthogonal to b", f"(a − proj_b(a))·b = {_fmt(float(np.dot(r, b)))}",
                note="0 up to rounding")


def _trace_project_matrix(tracer, a, b, result) -> None:
    tracer.step("Projection onto the column space of B", "p = B·x, x = argmin ‖B·x − a‖₂ (least squares)",
                note=f"B is {b.shape[0]}×{b.shape[1]}", a=a, B=b)
    if b.size <= 400:  # the coefficients are shown for operands a learner reads; for big ones not recomputed
        x = np.linalg.lstsq(b.astype(np.float64), a.astype(np.float64), rcond=None)[0]
        tracer.step("Least-squares coefficients", "x solves BᵀB·x = Bᵀa (LAPACK gelsd, through the SVD)", result=x)
    tracer.step("Projection", "p = B·x", result=result)
    r = a.astype(np.float64) - result.astype(np.float64)
    tracer.step("Check: the rest is orthogonal to every column of B",
                f"‖Bᵀ(a − p)‖₂ = {_fmt(float(np.linalg.norm(b.T.astype(np.float64) @ r)))}", note="0 up to rounding")


# ---------------------------------------------------------------- eig


def _square_finite(a: np.ndarray, command: str) -> np.ndarray:
    a = _matrix_operand(a, command)
    require_square(a, command)
    require_finite(a, command, "A")
    return a


def _canonical_eigenspaces(a: np.ndarray, w: np.ndarray, v: np.ndarray) -> np.ndarray:
    """v with the columns of each repeated eigenvalue replaced by one basis of their eigenspace that
    depends on the space alone (_eigenspace_basis), where that basis answers as well as the solver's
    vectors. Any orthonormal basis is an answer, and each engine's solver returns its own (e₃, e₁ or
    e₁, e₃ for diag(1, −1, 1, −1)). Eigenvalues beyond the float range leave v as it is.

    Repeated: neighbours in the ascending w within 16·n·eps·max|w| of each other (the solvers' rounding
    splits an exactly repeated value by about n·eps·max|w|) that the solver did not tell apart: a computed
    pair (wᵢ, vᵢ) with residual rᵢ = ‖A·vᵢ − wᵢ·vᵢ‖ is within rᵢ of an eigenvalue, so two values of one
    repeated eigenvalue are at most rᵢ + rⱼ apart. Values further apart than that are distinct, however
    small beside max|w| (1, 2, 3 beside 10¹⁶ in a diagonal matrix), and keep their own vectors."""
    n = w.size
    if n < 2 or not np.isfinite(w).all():  # an overflowed inf made every tolerance inf: 0 and inf "repeated"
        return v
    eps = np.finfo(w.dtype).eps
    # neighbours this close are looked at (LAPACK split a double eigenvalue 1 of a 3×3 by 1.4e-15, just
    # past n·eps·max|w| = 1.3e-15, and the engines printed different bases); their residuals decide
    tol = 16 * n * eps * float(np.max(np.abs(w)))
    dtype, v = v.dtype, np.array(v, dtype=np.float64)
    close = np.flatnonzero(np.diff(w) <= tol)
    if close.size == 0:
        return v.astype(dtype, copy=False)
    cols = np.union1d(close, close + 1)
    a64, w64 = np.asarray(a, dtype=np.float64), w.astype(np.float64)
    r = np.zeros(n)
    r[cols] = np.linalg.norm(a64 @ v[:, cols] - v[:, cols] * w64[cols], axis=0)
    floor = n * eps * float(np.max(np.abs(w64)))  # the solvers' own backward error, about
    start = 0
    for end in range(1, n + 1):
        if end < n:
            gap = w64[end] - w64[end - 1]
            near = n * eps * max(abs(w64[end]), abs(w64[end - 1]))
            # a group never spans more than tol in all (so no gap does): chained through small gaps, 100
            # values of I + 1e-14·noise spanning 4.8e-12 became one "eigenvalue", the identity's axes
            if w64[end] - w64[start] <= tol and gap <= 2 * (r[end] + r[end - 1]) + near:
                continue
        if end - start > 1:
            basis = _eigenspace_basis(v[:, start:end])
            if basis is not None:
                # kept only where it is as good an answer as the solver's: its vectors mix eigenvalues
                # up to the group's width apart, so their residuals grow by about that width
                new = np.linalg.norm(a64 @ basis - basis * w64[start:end], axis=0)
                if new.max() <= 4 * r[start:end].max() + floor:
                    v[:, start:end] = basis
        start = end
    return v.astype(dtype, copy=False)


def _eigenspace_basis(block: np.ndarray) -> np.ndarray | None:
    """An orthonormal basis of the span of block's k orthonormal columns that depends on the span alone:
    Gram–Schmidt over the columns of its projector P = block·blockᵀ, each step taking the first column
    whose remainder is within rounding of the largest (on the axes, e₁ before e₃), orthogonalised twice.
    None if fewer than k directions are found. In column order without pivoting, a remainder of 10⁻⁶
    was normalised and its rounding grew a millionfold (orthogonality 2e-12 for a 60-fold eigenvalue)."""
    n, k = block.shape
    # column j of P is block·block[j], of length ≤ ‖block[j]‖: only rows of the block that are not ~0
    # can give a vector (k of them for an eigenspace along the axes)
    rows = np.flatnonzero(np.einsum("ij,ij->i", block, block) > 1e-12)
    cols = block @ block[rows].T
    basis = np.empty((n, k))
    for found in range(k):
        norms = np.linalg.norm(cols, axis=0)
        top = float(norms.max(initial=0.0))
        if top <= 1e-6:  # rounding, not a direction
            return None
        j = int(np.argmax(norms >= top * (1 - 1e-9)))
        q = cols[:, j] / norms[j]
        done = basis[:, :found]
        q -= done @ (done.T @ q)  # again: twice is enough
        q /= np.linalg.norm(q)
        basis[:, found] = q
        cols -= np.outer(q, q @ cols)
    return basis


def _sign_fix_real(v: np.ndarray) -> np.ndarray:
    """Flip each column so that its largest-magnitude entry is positive: the same vectors on every engine."""
    if v.size == 0:
        return v
    idx = _first_largest(np.abs(v))
    signs = np.sign(v[idx, np.arange(v.shape[1])])
    signs[signs == 0] = 1
    return v * signs


def _first_largest(mag: np.ndarray) -> np.ndarray:
    # the first entry within rounding of the column's largest, so that near ties resolve alike everywhere
    top = mag.max(axis=0, keepdims=True)
    return np.argmax(mag >= top * (1 - 1e-8), axis=0)


def _phase_fix_complex(v: np.ndarray) -> np.ndarray:
    """Rotate each column so that its largest-magnitude entry is real and positive (unit norm kept)."""
    if v.size == 0:
        return v
    idx = _first_largest(np.abs(v))
    pivot = v[idx, np.arange(v.shape[1])]
    phase = np.where(pivot != 0, pivot / np.where(pivot != 0, np.abs(pivot), 1), 1)
    return v / phase


def _sort_eigen(w: np.ndarray, v: np.ndarray):
    """Sort by real part, then imaginary part (real parts equal up to rounding count as equal, so that a
    conjugate pair stays together), then by the real part itself: 3, 2, 1 beside 1e11 are all "equal"
    to 10 digits of 1e11, and without it kept each solver's order (1, 2, 3 on one engine, 3, 2, 1 on the other)."""
    scale = max(float(np.max(np.abs(w), initial=0.0)), np.finfo(np.float64).tiny)
    re_key = np.round(w.real.astype(np.float64) / scale, 10)  # in float32, the rounding itself moved keys an ulp
    order = np.lexsort((w.real, w.imag, re_key))
    return w[order], v[:, order]


def _repeated_eigenvalues(a: np.ndarray):
    """For a 2×2 or 3×3 A whose characteristic polynomial, in fractions of its entries (typed decimals, or the
    values stored: exact.typed_or_stored_rows), has a repeated root: (eigenvalues ascending, unit
    eigenvectors as columns, [(λ, independent vectors, multiplicity)] for each defective λ); else None.
    A repeated root is a root of gcd(p, p′), rational with p's coefficients, so exact: in floating point the
    solver split it by about √eps or made it a complex pair (Lay's λ = 2, 2, 9 came out 2 ± 3e-16i; [3 1;
    −1 1]'s double 2 as 1.99999998 and 2.00000002), as NumPy does. The vectors span the null space of
    A − λI, worked in fractions; where it is smaller than the multiplicity, its last vector repeats."""
    n = a.shape[0]
    if n not in (2, 3):
        return None
    from fractions import Fraction
    from mlcalc.errors import MlcalcError
    from mlcalc.ops import exact
    try:
        A = exact.fractions(exact.typed_or_stored_rows(a), "eig")
    except MlcalcError:
        return None
    p = [Fraction(c) for c in _characteristic_polynomial(A, exact.det(A) if n == 3 else None)]  # (its 1 too)
    tr = -p[1]
    g = _poly_gcd(p, [c * (len(p) - 1 - k) for k, c in enumerate(p[:-1])])
    if len(g) < 2:
        return None  # simple roots: the solver's
    r = -g[1] / g[0] if len(g) == 2 else tr / 3  # gcd (λ − r), or (λ − r)² for a triple root
    values = sorted([r, r] if n == 2 else [r, r, r] if len(g) == 3 else [r, r, tr - 2 * r])
    columns, defective = [], []
    for lam in sorted(set(values)):
        m = values.count(lam)
        reduced, pivots = exact.rref([[A[i][j] - (lam if i == j else 0) for j in range(n)] for i in range(n)])
        basis = []
        for f in (j for j in range(n) if j not in pivots):
            x = [Fraction(0)] * n
            x[f] = Fraction(1)
            for row, pc in enumerate(pivots):
                x[pc] = -reduced[row][f]
            basis.append(x)
        if len(basis) < m:
            defective.append((float(lam), len(basis), m))
        columns += (basis + [basis[-1]] * (m - len(basis)))[:m]
    v = np.array([[float(x) for x in col] for col in columns], dtype=np.float64).T
    v = _sign_fix_real((v / np.linalg.norm(v, axis=0)).astype(a.dtype))
    w = np.array([exact.rounded(x, a.dtype) for x in values], dtype=a.dtype)
    return w, v, defective


# the condition number of the unit eigenvectors' matrix from which eig says A is defective or nearly so: a
# tenth of 1/√eps (float64's: NumPy's eig works in float64). LAPACK splits a defective double eigenvalue by about
# √eps and returns vectors about √eps apart: 6.1e7 and 9.5e7 for two such 5×5 and 4×4 matrices, 4.5e15 for
# [4 1; 0 4] beside [2 1; 0 2], where random matrices of 4 to 500 rows (normal or uniform entries) gave at most 7e2.
# A float32 operand's rounding splits a defective eigenvalue by √eps32 before eig sees it, which leaves vectors
# of 1e3–1e6, as random matrices' can be: below the line, and missed (unless exact, as an integer Jordan block).
NEARLY_DEPENDENT = 0.1 / math.sqrt(np.finfo(np.float64).eps)
# the check's SVD of V costs about 30 % of eig's own time (n = 100 to 1000, 2026-12-08): up to 500 rows that is
# 0.04 s or less, beside a command's start-up; above, it is skipped
DEPENDENCE_CHECKED_UP_TO = 500


def _nearly_dependent_note(w: np.ndarray, v: np.ndarray, vectors: bool) -> str | None:
    """eig's warning where the eigenvectors are nearly dependent (cond(V) ≥ NEARLY_DEPENDENT), naming the
    eigenvalues whose vectors combine to almost nothing (the right singular vectors of V's small singular
    values); else None. The exact check (_repeated_eigenvalues) covers 2×2 and 3×3 only: a 4×4 of two Jordan
    blocks printed near-duplicate vectors without a word. Up to DEPENDENCE_CHECKED_UP_TO rows."""
    if not 2 <= v.shape[0] <= DEPENDENCE_CHECKED_UP_TO:
        return None
    v = v.astype(np.complex128 if np.iscomplexobj(v) else np.float64)
    s = np.linalg.svd(v, compute_uv=False)  # the values alone, the common case: cheaper
    if s[-1] * NEARLY_DEPENDENT > s[0]:
        return None
    _, s, vh = np.linalg.svd(v)
    picked = set()
    for k in np.flatnonzero(s * NEARLY_DEPENDENT <= s[0]):
        weights = np.abs(vh[k])
        picked.update(np.flatnonzero(weights > 0.1 * weights.max()).tolist())
    values = [w[j] for j in sorted(picked)]
    texts = [_fmt(x) for x in values]
    if len(set(texts)) < len(set(values)):  # 1 and 1.000001 both "1" at 6 digits: all their digits
        texts = [_fmt(x, None) for x in values]
    names = ", ".join(texts)
    cond = f"condition number {s[0] / s[-1]:.2g}" if s[-1] > 0 else "their matrix singular"
    return (f"eig: A is defective or nearly so: the eigenvectors of λ = {names} are nearly dependent ({cond}), so A "
            "cannot be reliably diagonalised" + ("; the vectors printed for them nearly repeat" if vectors else ""))


def _characteristic_polynomial(rows, det3=None) -> list:
    """det(λI − A) for a 2×2 or 3×3 A, coefficients highest power first, in the entries' own arithmetic
    (floats for the trace, Fractions for exact roots): [1, −tr, det] or [1, −tr, (sum of the principal
    2×2 minors), −det], the 3×3's det given (det3)."""
    n = len(rows)
    tr = sum(rows[i][i] for i in range(n))
    if n == 2:
        return [1, -tr, rows[0][0] * rows[1][1] - rows[0][1] * rows[1][0]]
    minors = sum(rows[i][i] * rows[j][j] - rows[i][j] * rows[j][i] for i, j in ((0, 1), (0, 2), (1, 2)))
    return [1, -tr, minors, -det3]


def _poly_gcd(p: list, q: list) -> list:
    """The monic gcd of two polynomials (coefficients highest power first, Fractions): Euclid's algorithm."""
    def trimmed(c):
        while c and c[0] == 0:
            c = c[1:]
        return c
    p, q = trimmed(p), trimmed(q)
    while q:
        r = list(p)
        while len(r) >= len(q):
            factor = r[0] / q[0]
            r = trimmed([c - factor * d for c, d in zip(r, q + [0] * (len(r) - len(q)))])
        p, q = q, r
    return [c / p[0] for c in p]


def _symmetric_to_rounding(a: np.ndarray) -> bool:
    """|aᵢⱼ − aⱼᵢ| ≤ 16·√n·eps·max|a|: what summing the same products in another order leaves (a Gram matrix
    from a general product). Not inspect's RTOL of 1e-10 (450,000 float64 ulps): with one entry of 1e11 that
    called a rotation block [−0.1 1; −1 −0.1] symmetric, and its eigenvalues −0.1 ± i real. A difference
    that overflows is no rounding."""
    tol = 16 * math.sqrt(a.shape[0]) * float(np.finfo(a.dtype).eps)
    x = a.astype(np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        return bool(np.max(np.abs(x - x.T), initial=0.0) <= tol * float(np.max(np.abs(x), initial=0.0)))


def eig(a: np.ndarray, vectors: bool = False, engine: str = "auto", tracer: Tracer | None = None,
        warn=None) -> dict:
    """Eigenvalues (and eigenvectors, as columns) of a square matrix: {"values": w[, "vectors": V]}.

    Symmetric input, up to rounding (_symmetric_to_rounding): real eigenvalues ascending, orthonormal
    eigenvectors, those of (A + Aᵀ)/2 where A is not exactly symmetric (each of A's eigenvalues within
    ‖A − Aᵀ‖₂/2 of one of them, by Bauer–Fike). A Gram matrix UᵀU from a float32 product, one ulp from
    symmetric, got complex values with imaginary parts of 1e-8 while inspect called it symmetric and
    positive definite. Otherwise complex values sorted by real then imaginary part, unit eigenvectors;
    printed real when every imaginary part is exactly 0."""
    a = given = _square_finite(a, "eig")
    symmetric = bool(np.array_equal(a, a.T)) or _symmetric_to_rounding(a)
    if symmetric:
        if not np.array_equal(a, a.T):
            mean = a + (a.T - a) / 2  # the difference is small (no overflow of a + aᵀ), and halving it exact
            a = np.tril(mean) + np.tril(mean, -1).T  # bit for bit symmetric, from the lower triangle
            if tracer is not None:
                tracer.step("Symmetric up to rounding", "|aᵢⱼ − aⱼᵢ| is within rounding of A's entries: the "
                            "symmetric method, on (A + Aᵀ)/2", A=a)
        w, v = engines.kernel("eigh", engine, work=a.size)(a)
        w = np.asarray(w).real.astype(a.dtype, copy=False)
        v = np.asarray(v).real.astype(a.dtype, copy=False)
        order = np.argsort(w, kind="stable")
        w, v = w[order], _sign_fix_real(_canonical_eigenspaces(a, w, v[:, order]))
    else:
        repeated = _repeated_eigenvalues(a)
        if repeated is not None:
            w, v, defective = repeated
            if warn is not None:
                for lam, found, m in defective:
                    warn(f"eig: A is defective: λ = {_fmt(lam)} (multiplicity {m}) has {counted(found, 'independent eigenvector')}, "
                         "so A cannot be diagonalised" + ("; the vectors printed for it repeat" if vectors else ""))
        else:
            w, v = engines.kernel("eig", engine, work=a.size)(a)
            w, v = _sort_eigen(np.asarray(w), np.asarray(v))
            v = _phase_fix_complex(v)
            if np.all(w.imag == 0):
                w = w.real.astype(a.dtype, copy=False)
                v = _sign_fix_real(v.real.astype(a.dtype, copy=False))
            note = _nearly_dependent_note(w, v, vectors) if warn is not None else None
            if note:
                warn(note)
    if warn is not None and not np.isfinite(w).all():  # eig "1e308 1e308; 1e308 1e308": 2e308
        warn(f"eig: eigenvalues beyond {a.dtype.name}'s range, printed as inf (scale the matrix down first)")
    if tracer is not None:
        _trace_eig(tracer, given, w, v, symmetric, engine)  # its check against the matrix given
    # + 0 turns −0 into 0: a vector's zero entries printed "-0" beside "0" (rref clears them alike)
    return {"values": w, "vectors": v + 0} if vectors else {"values": w}


def _poly_text(coeffs, var: str = "λ") -> str:
    """λ³ − 2λ² + 1 from [1, -2, 0, 1] (highest power first)."""
    sup = {0: "", 1: "", 2: "²", 3: "³"}
    deg = len(coeffs) - 1
    parts = []
    for k, c in enumerate(coeffs):
        p = deg - k
        c = float(c)
        if c == 0 and p != deg:
            continue
        mag = abs(c)
        body = (_fmt(mag) if (mag != 1 or p == 0) else "") + (var + sup[p] if p > 0 else "")
        sign = "−" if c < 0 else "+"
        parts.append(body if not parts and c >= 0 else (f"−{body}" if not parts else f" {sign} {body}"))
    return "".join(parts) or "0"


def _det2(x) -> float:
    """ad − bc: one rounding for small integers, where LU's det gave 2.9999999999999996 for [[2, 1], [1, 2]]."""
    return float(x[0, 0] * x[1, 1] - x[0, 1] * x[1, 0])


def _det3(x) -> float:
    """Cofactor expansion along the first row (the trace's polynomial, as a learner computes it)."""
    return float(x[0, 0] * _det2(x[1:, 1:]) - x[0, 1] * _det2(x[1:, ::2]) + x[0, 2] * _det2(x[1:, :2]))


def _discriminant(x) -> float:
    """(a − d)² + 4·b·c of a 2×2, with its sign whatever its size: beyond float64 it is ±inf, its sign
    taken from the entries scaled towards 1 (unscaled, inf − inf was NaN, and NaN ≥ 0 picked the complex
    formula for [1e300 −1e300; 1e300 −1e300]'s real roots)."""
    def disc(y) -> float:
        return float((y[0, 0] - y[1, 1]) ** 2 + 4 * y[0, 1] * y[1, 0])
    with np.errstate(over="ignore", invalid="ignore"):
        whole = disc(x)
        if math.isfinite(whole):
            return whole
        scaled = disc(scaled_by_power_of_two(x)[0])
    return math.copysign(math.inf, scaled) if scaled != 0 else 0.0


def _trace_eig(tracer: Tracer, a, w, v, symmetric: bool, engine: str) -> None:
    n = a.shape[0]
    x = a.astype(np.float64)
    if n in (2, 3):
        coeffs = [float(c) for c in _characteristic_polynomial(x.tolist(), _det3(x) if n == 3 else None)]
        tr = -coeffs[1]
        if n == 2:
            det = coeffs[2]
            tracer.step("Characteristic polynomial", "det(A − λI) = λ² − tr(A)·λ + det(A)",
                        note=f"tr(A) = {_fmt(tr)}, det(A) = {_fmt(det)}", A=a)
            tracer.step("Polynomial", f"det(A − λI) = {_poly_text(coeffs)}")
            # tr² − 4·det written as (a − d)² + 4·b·c: no cancellation between two nearly equal
            # squares (tr² − 4·det gave −9e-16 for eigenvalues 1 and 1.00000002)
            disc = _discriminant(x)
            roots = ("λ = (tr ± √Δ)/2" if disc >= 0 else "λ = (tr ± i·√(−Δ))/2")
            tracer.step("Roots", f"Δ = tr² − 4·det = (a − d)² + 4·b·c = {_fmt(disc)}; {roots}", result=w)
        else:
            c1, det = coeffs[2], -coeffs[3]
            tracer.step("Characteristic polynomial",
                        "det(λI − A) = λ³ − tr(A)·λ² + (sum of principal 2×2 minors)·λ − det(A)",
                        note=f"tr(A) = {_fmt(tr)}, minors sum = {_fmt(c1)}, det(A) = {_fmt(det)}", A=a)
            tracer.step("Polynomial", f"p(λ) = {_poly_text(coeffs)}")
            tracer.step("Roots of p(λ)", "the eigenvalues", result=w)
        with np.errstate(all="ignore"):  # |p(λ)| beyond float64 is inf (Python's abs() of such a complex raised)
            residual = float(np.max(np.abs(np.polyval(coeffs, np.asarray(w, dtype=complex)))))
        tracer.step("Check: p(λ) at each root", f"max |p(λ)| = {_fmt(residual)}" if np.isfinite(residual)
                    else "|p(λ)| overflows float64 at these magnitudes", note="0 up to rounding")
        for k in range(n):
            lam = w[k]
            shifted = x - lam * np.eye(n)
            tracer.step(f"Eigenvector for λ{_sub(k + 1)} = {_fmt(lam)}",
                        "v spans the null space of A − λI (solve (A − λI)·v = 0, scaled to ‖v‖₂ = 1)",
                        **{"A − λI": shifted}, result=v[:, k])
    else:
        method = ("symmetric: Householder tridiagonalisation, then divide and conquer (LAPACK syevd)" if symmetric
                  else "general: Hessenberg reduction, then shifted QR iterations (LAPACK geev)")
        if engines.uses_numba("eigh" if symmetric else "eig", engine, a.size):
            method = "symmetric: Householder tridiagonalisation + implicit QL (numba)" if symmetric \
                else "general: the numba engine's eig kernel"
        tracer.step("Eigen-decomposition", "A·V = V·Λ", note=f"{n}×{n}; {method}", A=a)
        tracer.step("Eigenvalues", "ascending" if symmetric else "sorted by real, then imaginary part", result=w)
    res = float(np.max(np.abs(x @ v - v * w[None, :]), initial=0.0))
    tracer.step("Check: A·v = λ·v for every pair", f"max |A·V − V·Λ| = {_fmt(res)}",
                note="0 up to rounding")


_SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def _sub(i: int) -> str:
    return str(i).translate(_SUBSCRIPTS)


# ---------------------------------------------------------------- svd, pinv


def _svd(a: np.ndarray, engine: str):
    """Thin SVD on the chosen engine, with each U column's largest entry positive (Vt rows to match)."""
    u, s, vt = engines.kernel("svd", engine, work=a.size)(a)
    k = min(a.shape)
    u, s, vt = np.asarray(u)[:, :k], np.asarray(s)[:k], np.asarray(vt)[:k]
    if k:
        idx = _first_largest(np.abs(u))
        signs = np.sign(u[idx, np.arange(k)])
        signs[signs == 0] = 1
        u, vt = u * signs, vt * signs[:, None]
    # + 0 turns −0 into 0, as eig's vectors: LAPACK gave S = [1, −0] for [1 0; 0 −0] (NumPy 2.4's OpenBLAS), a
    # singular value printed "-0" and inspect's trace a tolerance of −0
    return u + 0, s + 0, vt + 0


def svd(a: np.ndarray, engine: str = "auto", tracer: Tracer | None = None) -> dict:
    """A = U·diag(S)·Vt (thin): {"S": singular values descending, "U": m×k, "Vt": k×n}."""
    a = _matrix_operand(a, "svd")
    require_finite(a, "svd", "A")
    u, s, vt = _svd(a, engine)
    if tracer is not None:
        _trace_svd(tracer, a, u, s, vt, engine)
    return {"S": s, "U": u, "Vt": vt}


def _trace_svd(tracer, a, u, s, vt, engine: str) -> None:
    m, n = a.shape
    x = a.astype(np.float64)
    if max(m, n) <= FULL_UP_TO:
        gram, name = (x.T @ x, "AᵀA") if n <= m else (x @ x.T, "AAᵀ")
        lam = np.sort(np.linalg.eigvalsh(gram))[::-1][:min(m, n)]
        tracer.step(f"Gram matrix {name}", f"σᵢ² are the eigenvalues of {name} (the smaller of AᵀA and AAᵀ)",
                    A=a, **{name: gram})
        tracer.step(f"Eigenvalues of {name}", "λᵢ, descending", result=lam)
        by_hand = np.sqrt(np.clip(lam, 0, None))
        eps = float(np.finfo(s.dtype).eps)
        differs = not np.allclose(by_hand, s.astype(np.float64), rtol=1e4 * eps, atol=0)
        rank_deficient = bool(np.any(s <= float(s[0]) * max(m, n) * eps)) if s.size else False
        tracer.step("Singular values", "σᵢ = √λᵢ = " + ", ".join(f"√{_fmt(max(l, 0.0))}" for l in lam),
                    result=s, note=f"printed: the SVD's own values; √λ loses the digits of a small σ, as {name} squares "
                                   "them away" if differs else "")
        # the vectors of the Gram matrix taken, the others derived from them (a wide A took AAᵀ: U first)
        taken, other, derived = ("V", "U", "uᵢ = A·vᵢ / σᵢ") if n <= m else ("U", "V", "vᵢ = Aᵀ·uᵢ / σᵢ")
        tracer.step("Singular vectors", f"{taken}: eigenvectors of {name}; {other}: {derived}"
                    + (f" for σᵢ > 0, the other {derived[:2]} completing an orthonormal basis" if rank_deficient else ""),
                    U=u, Vt=vt)
    else:
        tracer.step("Singular value decomposition", "A = U·diag(S)·Vt",
                    note=f"A is {m}×{n}; U {m}×{s.size}, S {s.size}, Vt {s.size}×{n}; "
                         + ("one-sided Jacobi rotations (numba)" if engines.uses_numba("svd", engine, a.size)
                            else "Householder bidiagonalisation, then divide and conquer (LAPACK gesdd)"), A=a)
        tracer.step("Singular values", "descending", result=s)
    res = float(np.linalg.norm(u.astype(np.float64) * s.astype(np.float64) @ vt.astype(np.float64) - x))
    tracer.step("Check: U·diag(S)·Vt = A", f"‖U·diag(S)·Vt − A‖_F = {_fmt(res)}", note="0 up to rounding")


def pinv(a: np.ndarray, rcond: float | None = None, engine: str = "auto", tracer: Tracer | None = None,
         warn=None) -> np.ndarray:
    """Moore–Penrose pseudo-inverse through the SVD: A⁺ = V·diag(1/σᵢ)·Uᵀ over σᵢ > rcond·σ_max
    (NumPy's rule; default rcond 1e-15, NumPy's, and max(m, n)·eps for float32 as Octave's pinv:
    float32's rounding leaves singular values of about 1e-7·σ_max where A has none, and inverting
    them gave entries of 1e7), smaller σᵢ counted as 0. Near the float limits it works on A·2ᵏ
    (A⁺ = (A·2ᵏ)⁺·2ᵏ, exact): the SVD of a 1e-320 diagonal gave NaN."""
    from mlcalc.kernels.reference import PINV_RCOND
    a = _matrix_operand(a, "pinv")
    require_finite(a, "pinv", "A")
    if rcond is not None and not (rcond >= 0):
        raise ShapeError(f"pinv: --rcond must be 0 or more, got {rcond}")
    if rcond is None:
        rcond = PINV_RCOND if a.dtype != np.float32 else max(a.shape) * float(np.finfo(np.float32).eps)
    a, factor = scaled_by_power_of_two(a)
    u, s, vt = _svd(a, engine)
    cutoff = rcond * (float(s[0]) if s.size else 0.0)
    large = s > cutoff
    recip = np.where(large, 1.0 / np.where(large, s, 1.0), 0.0).astype(s.dtype)
    matmul = engines.kernel("matmul", engine, work=a.size * min(a.shape))
    scaled = matmul(np.ascontiguousarray(vt.T * recip), np.ascontiguousarray(u.T)).astype(a.dtype, copy=False)
    if tracer is not None:
        if factor != 1:
            k = round(math.log2(factor))
            tracer.step("Scale A by a power of two", f"A⁺ = (A·2^{k})⁺·2^{k}: exact, and near the float limits "
                        "the SVD would overflow or underflow; the steps below are for A·2^" + str(k))
        tracer.step("Pseudo-inverse through the SVD", "A⁺ = V·diag(1/σᵢ)·Uᵀ, σᵢ ≤ rcond·σ_max counted as 0",
                    note=f"A is {a.shape[0]}×{a.shape[1]}, A⁺ is {a.shape[1]}×{a.shape[0]}", A=a, S=s)
        tracer.step("Cutoff", f"rcond·σ_max = {_fmt(rcond)}·{_fmt(s[0] if s.size else 0.0)} = {_fmt(cutoff)}",
                    note=f"{int(large.sum())} of {s.size} singular values kept")
        tracer.step("Reciprocals", "1/σᵢ for σᵢ above the cutoff, 0 for the others", result=recip)
        tracer.step("A⁺ = V·diag(1/σ)·Uᵀ", result=scaled)
        x = a.astype(np.float64)
        res = float(np.linalg.norm(x @ scaled.astype(np.float64) @ x - x))
        tracer.step("Check: A·A⁺·A = A", f"‖A·A⁺·A − A‖_F = {_fmt(res)}", note="0 up to rounding")
    return unscaled(scaled, "pinv", warn, factor=factor)


# ---------------------------------------------------------------- inspect


def inspect(a: np.ndarray, engine: str = "auto", tracer: Tracer | None = None) -> dict:
    """Facts about a matrix, in this order: shape, dtype, rank, condition_number, sparsity, symmetric,
    orthogonal, idempotent, positive_definite, min, max.

    Tolerances scale with the matrix (s = max|aᵢⱼ|, n its size, RTOL = 1e-10, or 16·eps where that is
    larger, as for float32):
      rank: σᵢ > σ_max·max(m, n)·eps (NumPy's matrix_rank); condition number σ_max/σ_min, inf when rank-deficient;
      symmetric: |aᵢⱼ − aⱼᵢ| ≤ RTOL·s;  orthogonal: |AᵀA − I| ≤ RTOL·max(1, n·s²);
      idempotent: |A·A − A|ᵢⱼ ≤ RTOL·((|A|·|A|)ᵢⱼ + |aᵢⱼ| + s) at every entry;  positive definite: symmetric and
      λ_min > n·eps·λ_max.
    Non-square matrices are none of symmetric, orthogonal, idempotent, positive definite.
    """
    shape = list(a.shape)  # a vector's own shape, [n], as NumPy's .shape says; it is studied as a 1×n row
    a = _matrix_operand(a, "inspect")
    require_finite(a, "inspect", "A")
    m, n = a.shape
    x = a.astype(np.float64)
    eps = float(np.finfo(a.dtype).eps)
    s_abs = float(np.max(np.abs(x), initial=0.0))
    s2 = float(np.float64(s_abs) ** 2)  # inf (not OverflowError) for entries near the float limit
    # singular values of A/s (rank and condition number do not change with scale; A itself may overflow)
    _, sv, _ = _svd(a / a.dtype.type(s_abs) if s_abs > 0 else a, engine) if a.size else (None, np.zeros(0), None)
    sv = np.asarray(sv, dtype=np.float64)
    smax = float(sv[0]) if sv.size else 0.0
    rank = int(np.sum(sv > smax * max(m, n) * eps)) if smax > 0 else 0
    cond = float("inf") if rank < min(m, n) or smax == 0 else smax / float(sv[-1])
    square = m == n
    # RTOL is ~5·10⁵ float64 ulps but below one float32 ulp: a float32 matrix gets 16 of its own ulps
    # (the tests below already scale with n·s², the size of AᵀA's rounding)
    rtol = max(RTOL, 16 * eps)
    # the largest deviations, measured (the trace shows them beside their tolerances)
    asym = float(np.max(np.abs(x - x.T), initial=0.0)) if square else None
    orth_err = float(np.max(np.abs(x.T @ x - np.eye(n)), initial=0.0)) if square and s_abs <= 1 + rtol else None
    # idempotent entry by entry: |A² − A|ᵢⱼ ≤ RTOL·((|A|·|A|)ᵢⱼ + |aᵢⱼ| + s), the size of the rounding of
    # A² and of A's own entries there (a bound of RTOL·n·s² took [0 1e10; 0 0], whose A² is 0, for
    # idempotent, and was inf above 1e154); s, as in the symmetric test, for entries that are zero up to
    # A's rounding (a projection P = A(AᵀA)⁻¹Aᵀ computed in floats, 1e-17 where 0: without it that P
    # was not idempotent); an A² that overflows is not A
    idem_err = idem_excess = None
    if square:
        with np.errstate(over="ignore", invalid="ignore"):
            sq, ax = x @ x, np.abs(x)
            bound = rtol * (ax @ ax + ax + s_abs)
        if np.isfinite(sq).all():
            idem_err = float(np.max(np.abs(sq - x), initial=0.0))
            idem_excess = bool((np.abs(sq - x) > bound).any())
    symmetric = asym is not None and asym <= rtol * s_abs
    orthogonal = orth_err is not None and orth_err <= rtol * max(1.0, n * s2)
    idempotent = idem_err is not None and not idem_excess
    positive_definite = False
    if symmetric and n:
        lam = np.linalg.eigvalsh((x / s_abs + x.T / s_abs) / 2) if s_abs > 0 else np.zeros(n)
        positive_definite = bool(lam[0] > n * eps * max(abs(lam[-1]), 0.0) and lam[0] > 0)
    result = {
        "shape": shape,
        "dtype": str(a.dtype),
        "rank": rank,
        "condition_number": cond,
        "sparsity": float(np.count_nonzero(x == 0) / x.size) if x.size else 0.0,
        "symmetric": symmetric,
        "orthogonal": orthogonal,
        "idempotent": idempotent,
        "positive_definite": positive_definite,
        "min": a.dtype.type(np.min(a)),
        "max": a.dtype.type(np.max(a)),
    }
    if tracer is not None:
        with np.errstate(over="ignore"):  # sv are of A/s (A itself may overflow); the trace shows A's own
            shown = sv * s_abs
        below = rank < min(m, n) and smax > 0
        tracer.step("Singular values", "rank: σᵢ > σ_max·max(m, n)·eps; condition number σ_max/σ_min",
                    A=a, sigma=shown, note=f"tolerance {_fmt(smax * s_abs * max(m, n) * eps)}" +
                    ("; a σ at or below it counts as 0, so the condition number is inf" if below else ""))
        if square:
            def check(name, what, err, bound, bound_text, why_not):
                if err is None:
                    return f"{name}: {why_not}"
                return f"{name}: {what} = {_fmt(err)} {'≤' if err <= bound else '>'} {_fmt(bound)} ({bound_text})"
            tests = [check("symmetric", "max|A − Aᵀ|", asym, rtol * s_abs, "RTOL·s", ""),
                     check("orthogonal", "max|AᵀA − I|", orth_err, rtol * max(1.0, n * s2), "RTOL·max(1, n·s²)",
                           "no, an entry is above 1"),
                     ("idempotent: no, A² overflows" if idem_err is None else
                      f"idempotent: max|A² − A| = {_fmt(idem_err)}, "
                      f"{'above' if idem_excess else 'within'} RTOL·((|A|·|A|)ᵢⱼ + |aᵢⱼ| + s) "
                      f"{'at some entry' if idem_excess else 'at every entry'}"),
                     "positive definite: symmetric and λ_min > n·eps·λ_max"]
            tracer.step("Tests against tolerances", f"RTOL = {rtol:g}, s = max|aᵢⱼ| = {_fmt(s_abs)}, n = {n}",
                        note="; ".join(tests))
        else:
            tracer.step("Square-matrix tests", f"A is {m}×{n}",
                        note="not square: none of symmetric, orthogonal, idempotent, positive definite")
    return result
