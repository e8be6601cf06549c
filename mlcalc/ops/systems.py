"""Linear systems in floating point: inv, solve, det, rank, rref — checks, dispatch, traces.

Policy (the contract's "Numbers" section): NaN/Inf is an error naming the first bad position;
an exactly singular matrix is an error for inv/solve and a determinant of 0; a condition number
κ₁ above 1/eps gives a warning through the `warn` callback (the CLI prints it on stderr), so ops
stay free of any output. Traces are built here on the reference path: every row operation for
operands up to 6×6 (mlcalc.ops.rowops), a summary with shapes and operation counts beyond.
"""

from __future__ import annotations

import math
from typing import Callable, NamedTuple, Optional

import numpy as np

from mlcalc import engine as engines
from mlcalc.errors import MlcalcError, NumericError, ShapeError
from mlcalc.io.read import require_finite
from mlcalc.kernels.reference.systems import SingularMatrix, rref_tolerance
from mlcalc.ops import rowops
from mlcalc.ops.common import (NO_EXPONENT, counted, equilibrated, exponents, pinv_hint, require_square,
                               scaled_by_power_of_two, shape_text, unscaled, warn_beyond)
from mlcalc.trace.steps import FULL_UP_TO, Tracer

REF = "mlcalc.kernels.reference.systems"
LU = "mlcalc.kernels.cpu.lu"
# `auto` (engine.AUTO_NUMBA_FROM): LAPACK (getrf/getrs/getri through NumPy) for inv, solve, det and rank
# at every size (bench/bench_solve.py and bench_eig.py measured the numba LU and SVD slower); numba's
# rref from 40,000 entries (the reference is a Python loop of NumPy row operations).
engines.register("inv", numpy=f"{REF}:inv", numba=f"{LU}:inv")
engines.register("solve", numpy=f"{REF}:solve", numba=f"{LU}:solve")
engines.register("det", numpy=f"{REF}:det", numba=f"{LU}:det")
engines.register("rank", numpy=f"{REF}:rank", numba="mlcalc.kernels.cpu.svd:rank")
engines.register("rref", numpy=f"{REF}:rref", numba="mlcalc.kernels.cpu.echelon:rref")

Warn = Optional[Callable[[str], None]]

CHECK_ALL_UP_TO = 500  # the inverse's check multiplies out A·A⁻¹ in full up to this n
CHECK_COLUMNS = 16


# ---------------------------------------------------------------- checks


def _square(a: np.ndarray, command: str) -> np.ndarray:
    """A finite, non-empty square matrix (a single number counts as 1×1)."""
    if a.ndim == 1 and a.size == 1:
        a = a.reshape(1, 1)
    require_square(a, command)
    if a.size == 0:
        raise ShapeError(f"{command}: A is empty")
    require_finite(a, command, "A")
    return a


def _singular(command: str, e: SingularMatrix, a: np.ndarray, typed: list | None = None) -> NumericError:
    """The error for an LU that met a zero pivot: in exact terms where A is small (the same message
    from either engine, whichever pivot its rounding zeroed)."""
    column = _exactly_singular(a, math.inf, typed)
    if column is not None:
        return _exactly_singular_error(command, column)
    where = f" (pivot 0 in column {e.column + 1})" if e.column is not None else ""
    return NumericError(f"{command}: A is singular{where}{pinv_hint(command)}")


def _check_condition(command: str, cond: float, dtype, warn: Warn,
                     consequence: str = "the result may be inaccurate") -> None:
    if warn is not None and not (cond <= 1.0 / np.finfo(dtype).eps):
        warn(f"{command}: {_nearly_singular(cond, dtype)}; {consequence}")


def _nearly_singular(cond: float, dtype) -> str:
    """The contract's warning for κ above 1/eps, with the condition number (∞ where its estimate
    overflowed to nan: "κ₁ ≈ nan" said nothing)."""
    limit = 1.0 / np.finfo(dtype).eps
    cond = math.inf if math.isnan(cond) else cond
    return (f"A is nearly singular: condition number κ₁ ≈ {cond:.3g} exceeds 1/eps = {limit:.3g} "
            f"for {np.dtype(dtype).name}")


# a matrix up to this size whose condition number is beyond 1/eps is checked in exact fractions (a
# few ms): whether LU meets an exactly zero pivot depends on the rounding of each engine, and the
# contract makes an exactly singular matrix an error (inv, solve) or a determinant of 0, on both alike
EXACT_CHECK_UP_TO = 12


def _exactly_singular(a: np.ndarray, cond: float, typed: list | None = None) -> int | None:
    """For a small, ill-conditioned A that is singular in exact arithmetic (its entries as typed, as
    --exact reads them: 0.1 is 1/10): the first column without a pivot (1-based), as --exact names it.
    None otherwise. With typed fractions (1/3, which no float holds) the check runs whatever the
    condition number: LU's rounding of [1/3 1/5; 5 3] gave one engine a pivot of 0 and the other an
    estimate below 1/eps and an inverse of 1e16."""
    n = a.shape[0]
    if n > EXACT_CHECK_UP_TO or (typed is None and cond <= 1.0 / np.finfo(a.dtype).eps):
        return None
    try:
        pivots = rowops.echelon(_as_typed(a, "check", typed), True)
    except rowops.TooManyDigits:
        return None  # beyond exact arithmetic's reach (1e-300 beside 1e300): the LU's verdict stands
    if len(pivots) == n:
        return None
    return next(j for j in range(n) if j not in pivots) + 1


def _in_fractions(command: str, a: np.ndarray, typed: list, b: np.ndarray | None, typed_b: list | None,
                  warn: Warn, why: str, tracer: Tracer | None = None) -> np.ndarray | None:
    """A⁻¹ (b None) or A⁻¹b in fractions of the entries as typed (b's too, where kept), rounded once to
    float64: for a small matrix with typed fractions that floating point cannot hold well, singular in
    its floats (1/3 beside 0.3333333333333333, whose det as typed is 3.3e-17) or with κ beyond 1/eps, as
    det gives its determinant. None where exact arithmetic outgrows its limit (the floats' answer stands).
    why: what floating point made of A, for the warning. Called after the singular-as-typed check."""
    from mlcalc.ops import exact
    rows = exact.fractions(typed, command)
    if tracer is not None:
        tracer.step("Fractions as typed", "work in fractions of the entries as typed, round once at the end",
                    note="in floating point A is singular or its condition number is beyond 1/eps")
    try:
        if b is None:
            out = exact.inv(rows, tracer=tracer)
        else:
            vector = b.ndim == 1
            rb = typed_b if typed_b is not None else exact.shortest_rows(b.reshape(-1, 1) if vector else b)
            if vector and typed_b is not None and len(rb) == 1:
                rb = [[x] for x in rb[0]]  # a vector typed as one row
            out = exact.solve(rows, exact.fractions(rb, command, "b"), vector, tracer=tracer)
    except rowops.TooManyDigits:
        return None
    dtype = a.dtype if b is None else np.result_type(a.dtype, b.dtype)
    result = np.array([[exact.rounded(x, dtype) for x in row] for row in out] if out and isinstance(out[0], list)
                      else [exact.rounded(x, dtype) for x in out], dtype=dtype)
    if warn is not None:
        warn(f"{command}: {why}: computed in fractions of its entries as typed, then rounded")
    warn_beyond(result, command, warn)
    return result


def _on_equilibrated(kernel, scaled_args: tuple, given_args: tuple):
    """(the kernel's answer, whether it is for the equilibrated copy): the copy first; where it meets a
    zero pivot that A as given may not have (an entry rounded on its way to subnormal), A as given.
    A SingularMatrix of A as given propagates."""
    if scaled_args[0] is given_args[0]:
        return kernel(*given_args), False
    try:
        return kernel(*scaled_args), True
    except SingularMatrix:
        return kernel(*given_args), False


class Checked(NamedTuple):
    """_lu_checked's answer: A⁻¹ or x, whether it is for the equilibrated copy (to be scaled back), and
    whether it was worked in fractions as typed (then it is final)."""
    result: np.ndarray
    was_scaled: bool
    in_fractions: bool


def _lu_checked(command: str, engine: str, scaled_args: tuple, given_args: tuple, typed: list | None,
                typed_b: list | None, warn: Warn, tracer: Tracer | None) -> Checked:
    """inv's and solve's LU with the checks they share. With typed entries, a matrix singular as typed
    is the error whatever LU's rounding makes of it, and one floating point cannot hold well (singular in
    its floats, or κ beyond 1/eps) is worked in fractions, as det does: the same answer on every engine.
    given_args: (A,) or (A, b) in one dtype."""
    a = given_args[0]
    b = given_args[1] if len(given_args) > 1 else None
    if typed is not None:
        _refuse_exactly_singular(command, a, math.inf, typed)
    kernel = engines.kernel(command, engine, work=a.shape[0] ** 3)
    try:
        (result, cond), was_scaled = _on_equilibrated(kernel, scaled_args, given_args)
    except SingularMatrix as e:
        exact_result = None if typed is None else _in_fractions(
            command, a, typed, b, typed_b, warn, _nearly_singular(math.inf, a.dtype) + " (its LU meets a zero pivot)",
            tracer)
        if exact_result is None:
            raise _singular(command, e, a) from None
        return Checked(exact_result, False, True)
    if typed is not None and not cond <= 1.0 / np.finfo(a.dtype).eps:
        exact_result = _in_fractions(command, a, typed, b, typed_b, warn, _nearly_singular(cond, a.dtype), tracer)
        if exact_result is not None:
            return Checked(exact_result, False, True)
    if typed is None:  # (with typed entries it ran before the LU)
        _refuse_exactly_singular(command, a, cond)
    from mlcalc.ops.exact import MAX_SIZE
    _check_condition(command, cond, a.dtype, warn, "the result may be inaccurate" + (
        "; --exact works in fractions of the entries as typed" if a.shape[0] <= MAX_SIZE else ""))
    return Checked(result, was_scaled, False)


def _exactly_singular_error(command: str, column: int) -> NumericError:
    return NumericError(f"{command}: A is singular (pivot 0 in column {column}){pinv_hint(command)}")


def _refuse_exactly_singular(command: str, a: np.ndarray, cond: float, typed: list | None = None) -> None:
    """inv/solve: an exactly singular A is an error even where rounding left LU a tiny pivot."""
    column = _exactly_singular(a, cond, typed)
    if column is not None:
        raise _exactly_singular_error(command, column)


def _rows(a: np.ndarray) -> list[list[float]]:
    return [[float(x) for x in r] for r in a]


def _n_text(n: int) -> str:
    return f"{n}×{n}"


# ---------------------------------------------------------------- inverse


def inv(a: np.ndarray, engine: str = "auto", tracer: Tracer | None = None, warn: Warn = None,
        typed: list | None = None) -> np.ndarray:
    """A⁻¹ of a square matrix. typed: A's entries as typed, rows of Fraction (io.read.typed_rows)."""
    a = _square(a, "inv")
    typed = _typed_for(a, typed)
    scaled, kr, kc = equilibrated(a)  # A⁻¹ = C·(R·A·C)⁻¹·R near the float limits
    result, was_scaled, in_fractions = _lu_checked("inv", engine, (scaled,), (a,), typed, None, warn, tracer)
    if in_fractions:
        return result
    if was_scaled:
        result = unscaled(result, "inv", warn, rows=kc, cols=kr)
    else:
        warn_beyond(result, "inv", warn)
    if tracer is not None:
        _trace_inv(tracer, a, result, engine)
    return result


def _trace_inv(tracer: Tracer, a: np.ndarray, result: np.ndarray, engine: str) -> None:
    n = a.shape[0]
    if n <= FULL_UP_TO:
        try:
            rowops.inverse(_rows(a), False, tracer)
        except rowops.Singular:  # rounding made a pivot exactly 0 here but not in the kernel
            tracer.step("Gauss–Jordan on [A | I] meets a zero pivot", note="the kernel's LU found a tiny non-zero one")
    else:
        tracer.step("Augmented matrix [A | I]", "row operations that turn the left half into I turn the right half "
                    "into A⁻¹", note=f"[A | I] is {n}×{2 * n}", A=a)
        _trace_first_column(tracer, a)
        tracer.step("Gauss–Jordan elimination with partial pivoting, all columns",
                    f"{n} pivots, {n} scalings, {n * (n - 1)} eliminations, about 2n³ = {2 * n ** 3:.3g} flops",
                    note=f"computed as P·A = L·U and A⁻¹ = U⁻¹·L⁻¹·P ({_engine_text(engine, 'inv', n ** 3)})")
        tracer.step("Result: [I | A⁻¹], the right half is A⁻¹", note=f"A⁻¹ is {_n_text(n)}", result=result)
    if n <= CHECK_ALL_UP_TO:
        product = a @ result
        r = _residual(product - np.eye(n, dtype=a.dtype))
        tracer.step("Check: A·A⁻¹ = I", f"max |(A·A⁻¹ − I)ᵢⱼ| = {rowops.number_text(r)}",
                    result=product if n <= FULL_UP_TO else None)
        return
    # the full product would cost as much as the inverse: check a sample of its columns
    cols = np.unique(np.linspace(0, n - 1, CHECK_COLUMNS).astype(int))
    r = _residual(a @ result[:, cols] - np.eye(n, dtype=a.dtype)[:, cols])
    tracer.step("Check: A·A⁻¹ = I", f"max |(A·A⁻¹ − I)ᵢⱼ| = {rowops.number_text(r)}",
                note=f"over {cols.size} of the {n} columns, evenly spaced")


def _trace_first_column(tracer: Tracer, a: np.ndarray) -> None:
    """For a large operand, column 1's pivot choice and first eliminations, as a sample of the method."""
    col = np.abs(a[:, 0])
    p = int(np.argmax(col))
    ops = []
    if p != 0:
        ops.append(f"R1 ↔ R{p + 1} (largest pivot |a{rowops.sub(p + 1)}₁| = {rowops.number_text(col[p])})")
    rows = list(range(a.shape[0]))  # the rows in their places after the swap: Rp+1 and R1 trade places
    rows[0], rows[p] = rows[p], rows[0]
    for pos, i in enumerate(rows[1:4], start=2):
        f = float(a[i, 0] / a[p, 0])
        sign, mag = ("+", -f) if f < 0 else (rowops.MINUS, f)
        ops.append(f"R{pos} ← R{pos} {sign} {rowops.factor_text(mag)}·R1")
    tracer.step("Column 1 (a sample of the row operations)", "; ".join(ops) + "; …",
                note=f"{a.shape[0] - 1} eliminations in this column make (2,1) … ({a.shape[0]},1) zero")


def _engine_text(engine: str, op: str, work: int) -> str:
    return "numba LU kernel" if engines.uses_numba(op, engine, work) else "LAPACK through NumPy"


def _residual(r: np.ndarray) -> float:
    return float(np.max(np.abs(r))) if r.size else 0.0


# ---------------------------------------------------------------- solve


def _rhs(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, bool]:
    """b as (n,) or (n, k), and whether it is a vector. A one-row b of length n is the vector b."""
    n = a.shape[0]
    if b.ndim == 0:
        b = b.reshape(1)
    if b.ndim == 2 and b.shape[0] == 1 and b.shape[1] == n and n != 1:
        b = b.reshape(-1)
    if b.ndim > 2 or b.shape[0] != n:
        raise ShapeError(f"solve: shapes {shape_text(a.shape)} and {shape_text(b.shape)} do not fit: "
                         f"A has {counted(n, 'row')}, b has {b.shape[0] if b.ndim else 1}")
    return b, b.ndim == 1


def solve(a: np.ndarray, b: np.ndarray, engine: str = "auto", tracer: Tracer | None = None,
          warn: Warn = None, typed: list | None = None, typed_b: list | None = None) -> np.ndarray:
    """x with A·x = b; b a vector or a matrix of several right-hand sides (one per column).
    typed, typed_b: A's and b's entries as typed, rows of Fraction (io.read.typed_rows)."""
    a = _square(a, "solve")
    b, vector = _rhs(a, b)
    require_finite(b, "solve", "b")
    typed = _typed_for(a, typed)
    dtype = np.result_type(a.dtype, b.dtype)
    a, b = a.astype(dtype, copy=False), b.astype(dtype, copy=False)
    k = 1 if vector else b.shape[1]
    scaled, kr, kc = equilibrated(a)  # (R·A·C)·(C⁻¹x) = R·b near the float limits
    rb, kb = _scaled_rhs(b, kr)
    try:
        x, was_scaled, in_fractions = _lu_checked("solve", engine, (scaled, rb), (a, b), typed, typed_b, warn, tracer)
    except NumericError as e:
        raise _with_solutions(e, a, b, typed, typed_b) from None
    if in_fractions:
        return x
    if was_scaled and (kc is not None or kb):
        x = unscaled(x, "solve", warn, rows=(0 if kc is None else kc) - kb)
    else:
        warn_beyond(x, "solve", warn)
    if tracer is not None:
        _trace_solve(tracer, a, b, x, k, engine)
    return x


def _with_solutions(e: NumericError, a: np.ndarray, b: np.ndarray, typed, typed_b) -> NumericError:
    """A singular A's error, for a small system, with how many solutions there are (the textbooks' three
    cases): b outside A's column space, none; inside, infinitely many. Ranks of A and of [A | b] in
    fractions of the entries as typed; the same "A is singular" for both had left a learner guessing."""
    text = str(e)
    if "A is singular" not in text or "column space" in text or a.shape[0] > EXACT_CHECK_UP_TO:
        return e  # (exact.solve's own says it already)
    from mlcalc.ops import exact
    try:
        rows = _as_typed(a, "solve", typed)
        cols = exact.fractions(typed_b if typed_b is not None else
                               exact.typed_or_stored_rows(b.reshape(-1, 1) if b.ndim == 1 else b), "solve", "b")
        if typed_b is not None and b.ndim == 1 and len(cols) == 1:
            cols = [[x] for x in cols[0]]  # a vector typed as one row
        how = exact.solutions(rows, cols)
    except (rowops.TooManyDigits, ShapeError, MlcalcError):
        return e
    head, sep, hint = text.partition(" (for least squares")
    return NumericError(f"{head}; {how}{sep}{hint}")


def _scaled_rhs(b: np.ndarray, kr) -> tuple[np.ndarray, int]:
    """(R·b·2^kb, kb): b scaled with A's rows, and by one more power of two where that would leave the
    float range (diag(1e-300, 1)·x = (3e8, 0) overflowed R·b; x = C·y·2^−kb)."""
    if kr is None:
        return b, 0
    k = kr.reshape((-1,) + (1,) * (b.ndim - 1))
    top = int((exponents(b) + k).max(initial=NO_EXPONENT))
    # the least shift that keeps R·b finite, two binades below the largest float (normalising it to 1
    # made b's small entries subnormal: diag(1e160, 1e-160)·x = (1, 1) lost 12 bits)
    kb = min(0, np.finfo(b.dtype).maxexp - 2 - top)
    return np.ldexp(b, k + kb).astype(b.dtype, copy=False), kb


def _trace_solve(tracer: Tracer, a, b, x, k: int, engine: str) -> None:
    n = a.shape[0]
    b2 = b.reshape(n, -1)
    if n <= FULL_UP_TO and k <= FULL_UP_TO:
        try:
            rowops.solve(_rows(a), _rows(b2), False, tracer)
        except rowops.Singular:
            tracer.step("Elimination on [A | b] meets a zero pivot", note="the kernel's LU found a tiny non-zero one")
    else:
        label = "[A | b]" if k == 1 else "[A | B]"
        tracer.step(f"Augmented matrix {label}", "eliminate below each pivot to reach U·x = c, then back-substitute",
                    note=f"A is {_n_text(n)}, {'b has' if k == 1 else f'B has {k} right-hand sides,'} {n} rows",
                    A=a, b=b)
        _trace_first_column(tracer, a)
        tracer.step("Forward elimination with partial pivoting, then back-substitution",
                    f"{n * (n - 1) // 2} eliminations, about (2/3)n³ + 2n²k = {2 * n ** 3 / 3 + 2 * n * n * k:.3g} flops",
                    note=f"computed as P·A = L·U, L·c = P·b, U·x = c ({_engine_text(engine, 'solve', n ** 3)})")
        tracer.step("Solution x", result=x)
    r = np.linalg.norm((a @ x - b).astype(np.float64))
    tracer.step("Check: A·x = b", f"‖A·x − b‖ = {rowops.number_text(float(r))}",
                note=f"relative to ‖b‖ = {rowops.number_text(float(np.linalg.norm(b.astype(np.float64))))}")


# ---------------------------------------------------------------- determinant


def det(a: np.ndarray, engine: str = "auto", tracer: Tracer | None = None, warn: Warn = None,
        typed: list | None = None):
    """det A (0 for a singular A): exact up to EXACT_CHECK_UP_TO (_exact_det), else on a log scale;
    either way overflow is reported, not hidden. typed: A's entries as typed (io.read.typed_rows)."""
    a = _square(a, "det")
    n = a.shape[0]
    typed = _typed_for(a, typed)
    # on the equilibrated copy, as inv and solve: det A = det(R·A·C)·2^−(Σkr + Σkc). Unscaled, a float32
    # matrix with rows from 1e-22 to 1e22 lost its multipliers to underflow (178.6 for −3573.8), float64
    # rows over 330 orders did on both engines, subnormal entries gave LAPACK's exponent 8 decades off,
    # and spurious κ ≈ nan. Where the copy is singular or its estimate not finite (an entry flushed on its
    # way to subnormal), A as given (inv and solve, through _on_equilibrated, fall back only where the copy
    # is singular).
    kernel = engines.kernel("det", engine, work=n ** 3)
    scaled, kr, kc = equilibrated(a)
    sign, logabs, cond = kernel(scaled)
    if scaled is not a and (sign == 0 or not math.isfinite(cond)):
        sign, logabs, cond = kernel(a)
    else:
        logabs -= sum(int(k.sum()) for k in (kr, kc) if k is not None) * math.log(2)
    # the column without a pivot
    exact_zero = _exactly_singular(a, cond if sign != 0 and typed is None else math.inf, typed)
    d = _exact_det(a, typed) if n <= EXACT_CHECK_UP_TO else None  # None too beyond exact arithmetic's reach
    if d is not None:  # 0 exactly when A is singular as typed, whatever the LU's rounding left
        sign = (d > 0) - (d < 0)
        logabs = math.log(abs(d.numerator)) - math.log(d.denominator) if d else -math.inf
    elif exact_zero is not None:
        sign = 0  # rounding left a tiny pivot where the exact one is 0
    if sign == 0:
        value = 0.0
    else:
        # exact in fractions, what κ says is how much the entries' last digits move det (a Hilbert matrix's
        # differs by 8 % between 19-digit decimals and the shortest reprs of the same floats)
        _check_condition("det", cond, a.dtype, warn, "the value is exact for the entries as given, but a relative "
                         "change δ in them can move it by about κ·δ" if d is not None else "the result may be inaccurate")
        if d is not None:
            from mlcalc.ops.exact import rounded
            value = rounded(d, a.dtype)  # once: float32(float(d)) can land one ulp off
        else:
            value = sign * math.exp(logabs) if logabs < 709.78 else sign * math.inf
        if warn is not None and not math.isfinite(a.dtype.type(value)):
            warn(f"det: |det A| = 10^{logabs / math.log(10):.6g} is beyond {a.dtype.name}: printing "
                 f"{'-' if sign < 0 else ''}inf")
        elif warn is not None and a.dtype.type(value) == 0:  # exp() of a log below −745 is 0 already
            warn(f"det: |det A| = 10^{logabs / math.log(10):.6g} is below the smallest {a.dtype.name}: printing 0")
    if tracer is not None:
        _trace_det(tracer, a, sign, logabs, value, engine, exact_zero, d is not None)
    return a.dtype.type(value)


def _exact_det(a: np.ndarray, typed: list | None = None):
    """det A as a Fraction from its entries as typed (0.1 is 1/10, as --exact and the singularity check
    read them); None when exact arithmetic outgrows its limit. Printed rounded once: det 5 and det [1 2; 3 4] are 5 and -2, where exp(Σ log|uᵢᵢ|)
    (NumPy's, and the kernels') gave 4.999999999999999 and -2.0000000000000004, and a product of float
    pivots is a few ulps off in about half of small integer matrices. A few ms up to 12×12."""
    from mlcalc.ops import exact
    try:
        return exact.det(_as_typed(a, "det", typed))
    except rowops.TooManyDigits:
        return None


def _as_typed(a: np.ndarray, command: str, typed: list | None = None):
    """A's entries as the Fractions a user typed: `typed` where the reader kept them (fractions such
    as 1/3), else each value's shortest repr where it is short enough to have been typed (float32's own
    digits for float32: 0.3, not 0.30000001192092896), and the value stored where it is not
    (exact.typed_or_stored_rows)."""
    from mlcalc.ops import exact
    if typed is not None:
        return exact.fractions(typed, command)
    return exact.fractions(exact.typed_or_stored_rows(a), command)


def _typed_for(a: np.ndarray, typed: list | None) -> list | None:
    """typed when it holds A's entries (rows of A's shape, up to EXACT_CHECK_UP_TO), else None."""
    n = a.shape[0]
    if typed is None or n > EXACT_CHECK_UP_TO or len(typed) != n or any(len(r) != a.shape[1] for r in typed):
        return None
    return typed


def _trace_det(tracer: Tracer, a, sign, logabs, value, engine: str, exact_zero: int | None = None,
               exact: bool = False) -> None:
    from mlcalc.io.write import format_number  # the digits stdout shows (float32's own)
    n = a.shape[0]
    by_hand = None
    if n <= 3:
        by_hand = a.dtype.type(rowops.determinant_by_cofactors(_rows(a), False, tracer))
    elif n <= FULL_UP_TO:
        by_hand = a.dtype.type(rowops.determinant_by_elimination(_rows(a), False, tracer))
    elif exact:
        tracer.step("det A in exact fractions", "det A = (−1)^(number of swaps) · (product of the pivots), "
                    "by elimination on the entries as typed (0.1 is 1/10)", note=f"A is {_n_text(n)}", A=a)
    else:
        tracer.step("det A from the LU factorisation", "P·A = L·U ⇒ det A = (−1)^(number of swaps) · Πᵢ uᵢᵢ",
                    note=f"A is {_n_text(n)}; ({_engine_text(engine, 'det', n ** 3)})", A=a)
        if sign == 0 and exact_zero is None:
            tracer.step("A zero pivot", "a column without a pivot: the rows are linearly dependent", result=0.0)
        elif sign != 0:
            tracer.step("On a log scale, so that a product of many pivots cannot overflow",
                        f"log|det A| = Σᵢ log|uᵢᵢ| = {logabs:.10g}; sign = {'+1' if sign > 0 else '−1'}",
                        note=f"|det A| = 10^{logabs / math.log(10):.6g}", result=value)
    printed = a.dtype.type(value)
    if exact and exact_zero is None and (by_hand is None or by_hand != printed):
        # what is printed, and why it may differ from the floating-point steps above
        steps = "" if by_hand is None else (
            f"; the floating-point steps above give {format_number(by_hand)} (rounding: they differ by "
            f"{abs(float(printed) - float(by_hand)):.2g})")
        tracer.step("The printed value is exact", f"det A = {format_number(printed)}: computed in fractions of "
                    f"the entries as typed, rounded once{steps}", result=printed)
    if exact_zero is not None:  # the last word: what is printed, and why
        tracer.step("A is singular in exact arithmetic",
                    f"in fractions (its entries as typed), column {exact_zero} has no pivot: det A = 0",
                    note="so the printed 0 is exact; floating-point elimination can leave a pivot of rounding "
                         "size there",
                    result=0.0)


# ---------------------------------------------------------------- rank and rref


def _matrix(a: np.ndarray, command: str) -> np.ndarray:
    a = a.reshape(1, -1) if a.ndim == 1 else a
    if a.size == 0:
        raise ShapeError(f"{command}: A is empty")
    require_finite(a, command, "A")
    return a


def _check_tol(tol: float | None, command: str) -> None:
    if tol is not None and not (tol >= 0 and math.isfinite(tol)):
        raise NumericError(f"{command}: --tol must be a finite number ≥ 0, got {tol}")


def rank(a: np.ndarray, tol: float | None = None, engine: str = "auto", tracer: Tracer | None = None) -> int:
    """The number of singular values above the tolerance (NumPy's rule σ_max·max(m, n)·eps unless --tol)."""
    a = _matrix(a, "rank")
    _check_tol(tol, "rank")
    scaled, factor = scaled_by_power_of_two(a)
    r, s, t = engines.kernel("rank", engine, work=a.size)(scaled, None if tol is None else tol * factor)
    if factor != 1:
        a = scaled  # the trace works on it too (its σ and tolerance are A's times the factor)
    if tracer is not None:
        if factor != 1:
            tracer.step("Scale A by a power of two", f"A·2^{round(math.log2(factor))}: exact, and the rank does not "
                        "change with scale; near the float limit the SVD would overflow (A below is the scaled one)")
        m, n = a.shape
        tracer.step("Singular values of A", "rank = number of σᵢ > tol",
                    note=f"A is {m}×{n}" + (f"; σ has {s.size} values" if s.size > FULL_UP_TO else ""),
                    A=a, σ=s)
        rule = "given by --tol" if tol is not None else f"σ_max · max(m, n) · eps = {rowops.number_text(s.max() if s.size else 0.0)} · {max(m, n)} · {np.finfo(a.dtype).eps:.3g}"
        tracer.step("Tolerance", f"tol = {rule} = {t:.3g}", result=r, note=f"{r} singular value{'s' if r != 1 else ''} above it")
        if m <= FULL_UP_TO and n <= FULL_UP_TO:
            pivots = rowops.echelon(_rows(a), False, tracer, tol=t)
            if len(pivots) != r:
                tracer.step("Note", note=f"elimination found {len(pivots)} pivots; the SVD count {r} is the more "
                                         "reliable one in floating point")
    return r


def _rref_tol(a: np.ndarray, tol: float | None) -> float:
    return rref_tolerance(a) if tol is None else tol


def rref(a: np.ndarray, tol: float | None = None, engine: str = "auto",
         tracer: Tracer | None = None) -> np.ndarray:
    """The reduced row echelon form (Gauss–Jordan with partial pivoting; |x| ≤ tol counts as 0)."""
    a = _matrix(a, "rref")
    _check_tol(tol, "rref")
    a, factor = scaled_by_power_of_two(a)  # the same RREF, without overflow near the float limit
    t = _rref_tol(a, None if tol is None else tol * factor)
    if tracer is not None and factor != 1:
        tracer.step("Scale A by a power of two", f"A·2^{round(math.log2(factor))}: exact, and the RREF does not "
                    "change with scale; near the float limit elimination would overflow", A=a)
    r, pivots = engines.kernel("rref", engine, work=a.size)(a, t)
    r = r + r.dtype.type(0)  # −0.0 → 0: an eliminated entry is zero, printed as the trace shows it
    if tracer is not None:
        m, n = a.shape
        if m <= FULL_UP_TO and n <= FULL_UP_TO:
            rowops.reduced_echelon(_rows(a), False, tracer, tol=t)
        else:
            shown = ", ".join(str(c + 1) for c in pivots[:20]) + (", …" if len(pivots) > 20 else "")
            tracer.step("Gauss–Jordan elimination with partial pivoting", f"A is {m}×{n}; |x| ≤ {t:.3g} counts as 0",
                        A=a)
            tracer.step("Reduced row echelon form", f"pivot columns: {shown or 'none'}", result=r,
                        note=f"rank {len(pivots)}")
    return r
