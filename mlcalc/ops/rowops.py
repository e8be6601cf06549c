"""Elementary row operations on an augmented matrix, written out as a learner would by hand.

`RowReducer` holds the rows of [A | B] (Fractions for --exact, floats otherwise), applies swaps,
scalings and eliminations, counts them, and records each as a trace step
(`R2 ← R2 − 3·R1`, with its reason and the matrix after it) while the operand is small enough to
show in full; beyond that it only counts, and `summary()` says what was done. Pure Python: no NumPy,
so exact arithmetic on small operands stays cheap to start.
"""

from __future__ import annotations

from fractions import Fraction

from mlcalc.errors import NumericError
from mlcalc.io.csvparse import EXACT_DIGITS, as_float
from mlcalc.trace.steps import FULL_UP_TO

MINUS = "−"
# numerators/denominators longer than this are a sign that exact arithmetic is the wrong tool
MAX_DIGITS = EXACT_DIGITS  # numerators/denominators during elimination: as many as an input may have
_MAX_BITS = int(MAX_DIGITS * 3.33)


def number_text(x) -> str:
    """A value as the trace shows it: 1/3 for a Fraction, 6 significant digits for a float."""
    if isinstance(x, Fraction):
        return str(x.numerator) if x.denominator == 1 else f"{x.numerator}/{x.denominator}"
    if isinstance(x, int):
        return str(x)
    from mlcalc.io.write import format_number
    return format_number(x, 6)


def factor_text(x) -> str:
    """A multiplier in front of a row: 3·R1, (1/2)·R1, (−0.5)·R1 — parentheses where needed."""
    text = number_text(x).replace("-", MINUS)
    return f"({text})" if ("/" in text or text.startswith(MINUS) or "e" in text) else text


def sub(i: int) -> str:
    return str(i).translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))


class RowReducer:
    """[A | B] and the row operations applied to it.

    rows: list of rows (each a list of numbers); split: the number of columns of A (the bar's place);
    exact: Fractions, first non-zero pivot (as by hand) rather than the largest;
    tol: floats with |x| ≤ tol count as zero; label: the name shown, e.g. "[A | I]".
    """

    def __init__(self, rows: list[list], split: int, exact: bool, tracer=None, label: str = "[A | I]",
                 tol: float = 0.0, command: str = ""):
        self.rows = [list(r) for r in rows]
        self.m = len(self.rows)
        self.split = split
        self.exact = exact
        self.tol = tol
        self.label = label
        self.command = command
        self.tracer = tracer
        ncols = len(self.rows[0]) if self.rows else 0
        self.full = tracer is not None and self.m <= FULL_UP_TO and split <= FULL_UP_TO and ncols - split <= FULL_UP_TO
        self.swaps = self.scalings = self.eliminations = 0
        self.sample: list[str] = []  # the first operations, for the summary of a large operand
        self.shown = False  # the starting matrix is always shown in full mode
        self.swap_note = ""  # added to every swap's reason, e.g. "det changes sign"
        self.elim_note = ""

    # ------------------------------------------------------------ display

    def display(self) -> list[list[str]]:
        """Aligned rows with the bar, one string per row (the renderer shows them as a column)."""
        cells = [[number_text(x) for x in r] for r in self.rows]
        ncols = len(cells[0]) if cells else 0
        widths = [max(len(c[j]) for c in cells) for j in range(ncols)]
        out = []
        for c in cells:
            left = "  ".join(c[j].rjust(widths[j]) for j in range(self.split))
            right = "  ".join(c[j].rjust(widths[j]) for j in range(self.split, ncols))
            out.append([left + ("  |  " + right if ncols > self.split else "")])
        return out

    def show(self, title: str, formula: str = "", note: str = "") -> None:
        if self.full:
            rows = self.display()
            if self.exact and self.shown and max(len(r[0]) for r in rows) > _MAX_SHOWN_WIDTH:
                # exact fractions of a dense 6×6 grow to dozens of digits: 200 KB of trace; the rest of
                # the elimination is summarised at the end instead
                self.full = False
                self.tracer.step("The fractions grow too long to show at every step",
                                 note="the remaining row operations are counted in a summary at the end")
                return
            self.tracer.step(title, formula, note=note, **{self.label: rows})
            self.shown = True

    def _record(self, op: str, reason: str) -> None:
        if len(self.sample) < 4:
            self.sample.append(f"{op} ({reason})")
        self.show(op, note=reason)

    # ------------------------------------------------------------ the three operations

    def is_zero(self, x) -> bool:
        return x == 0 if self.exact else abs(x) <= self.tol

    def swap(self, i: int, j: int, reason: str) -> None:
        self.rows[i], self.rows[j] = self.rows[j], self.rows[i]
        self.swaps += 1
        self._record(f"R{i + 1} ↔ R{j + 1}", f"swap R{i + 1} and R{j + 1}: {reason}{self.swap_note}")

    def scale(self, i: int, col: int, reason: str = "scale pivot row to 1") -> None:
        """R_i ← R_i / a_i,col, so that the pivot (i, col) becomes 1."""
        pivot = self.rows[i][col]
        if self.exact:
            f = 1 / Fraction(pivot)
            self.rows[i] = [x * f for x in self.rows[i]]
            self._check(self.rows[i])
            op = f"R{i + 1} ← {factor_text(f)}·R{i + 1}"
        else:
            self.rows[i] = [x / pivot + 0.0 for x in self.rows[i]]  # + 0.0: no −0 in the display
            op = f"R{i + 1} ← R{i + 1} / {factor_text(pivot)}"
        self.rows[i][col] = Fraction(1) if self.exact else 1.0
        self.scalings += 1
        self._record(op, reason)

    def eliminate(self, i: int, j: int, col: int) -> None:
        """R_i ← R_i − f·R_j with f = a_i,col / a_j,col, so that (i, col) becomes zero."""
        f = self.rows[i][col] / self.rows[j][col]
        rj = self.rows[j]
        self.rows[i] = [x - f * y + 0 for x, y in zip(self.rows[i], rj)]
        self.rows[i][col] = Fraction(0) if self.exact else 0.0  # exactly zero, not a rounding residue
        if self.exact:
            self._check(self.rows[i])
        self.eliminations += 1
        if f < 0:
            op = f"R{i + 1} ← R{i + 1} + {_times(-f)}R{j + 1}"
        else:
            op = f"R{i + 1} ← R{i + 1} {MINUS} {_times(f)}R{j + 1}"
        self._record(op, f"make ({i + 1},{col + 1}) zero{self.elim_note}")

    # ------------------------------------------------------------ helpers

    def pivot_row(self, col: int, start: int) -> int | None:
        """The row (≥ start) to pivot on in `col`: the first non-zero (exact) or the largest |x| (floats)."""
        if self.exact:
            for r in range(start, self.m):
                if self.rows[r][col] != 0:
                    return r
            return None
        best = max(range(start, self.m), key=lambda r: abs(self.rows[r][col]), default=None)
        if best is None or self.is_zero(self.rows[best][col]):
            return None
        return best

    def bring_up(self, col: int, start: int) -> int | None:
        """Choose the pivot of `col` among rows start.., swap it to row `start`; None if the column is zero."""
        p = self.pivot_row(col, start)
        if p is None:
            return None
        if p != start:
            if self.exact:
                why = f"({start + 1},{col + 1}) is 0" if self.rows[start][col] == 0 else "first non-zero pivot"
            else:
                why = "largest pivot"
            self.swap(start, p, why)
        return start

    def _check(self, row: list) -> None:
        for x in row:
            if x.numerator.bit_length() > _MAX_BITS or x.denominator.bit_length() > _MAX_BITS:
                raise TooManyDigits(f"{self.command} --exact: numbers grew past {MAX_DIGITS} digits; "
                                    "drop --exact to compute in floating point")

    def summary(self, what: str) -> None:
        """For an operand too large to show: what was done, how often, the first operations, and the
        matrix it ended with (a sample of its corners, as decimals)."""
        if self.tracer is None or self.full:
            return
        m, ncols = self.m, len(self.rows[0]) if self.rows else 0
        import numpy as np
        self.tracer.step(what, f"{self.label} is {m}×{ncols}",
                         note=f"{self.swaps} swaps, {self.scalings} scalings, {self.eliminations} eliminations; "
                              "first: " + "; ".join(self.sample) + ("; …" if self.sample else "") +
                              ("; the result as decimals" if self.exact else ""),
                         **{f"{self.label} at the end": np.array([[as_float(x) for x in r] for r in self.rows])})


# a row of the shown matrix beyond this many characters ends the step-by-step display (exact fractions)
_MAX_SHOWN_WIDTH = 160


def _times(f) -> str:
    """'3·', '(1/2)·' — and nothing for a factor of 1."""
    if f == 1:
        return ""
    return factor_text(f) + "·"


def gauss_jordan(red: RowReducer, stop_at_singular: bool = False) -> list[int]:
    """Reduce the A part to reduced row echelon form; returns the pivot columns (0-based).

    stop_at_singular: for an inverse, a column with no pivot means A is singular: raise at once.
    """
    pivots: list[int] = []
    r = 0
    for col in range(red.split):
        if r == red.m:
            break
        if red.bring_up(col, r) is None:
            if stop_at_singular:
                raise Singular(col)
            continue
        if red.rows[r][col] != 1:
            red.scale(r, col)
        for i in range(red.m):
            if i != r and not red.is_zero(red.rows[i][col]):
                red.eliminate(i, r, col)
            elif i != r and not red.exact:
                red.rows[i][col] = 0.0  # below the tolerance: treat as the zero it stands for
        pivots.append(col)
        r += 1
    return pivots


def forward_eliminate(red: RowReducer) -> list[int]:
    """Gaussian elimination to row echelon form (zeros below each pivot, no scaling); pivot columns."""
    pivots: list[int] = []
    r = 0
    for col in range(red.split):
        if r == red.m:
            break
        if red.bring_up(col, r) is None:
            continue
        for i in range(r + 1, red.m):
            if not red.is_zero(red.rows[i][col]):
                red.eliminate(i, r, col)
            elif not red.exact:
                red.rows[i][col] = 0.0
        pivots.append(col)
        r += 1
    return pivots


class TooManyDigits(NumericError):
    """Exact arithmetic outgrew its size limit (entries from 1e-300 to 1e300 as decimal fractions)."""


class Singular(ArithmeticError):
    def __init__(self, column: int):
        super().__init__(f"no pivot in column {column + 1}")
        self.column = column


# ---------------------------------------------------------------- the algorithms, explained
# Each takes rows of numbers (Fractions when exact) and a tracer (or None), does the elimination
# with RowReducer, and returns the answer. With exact=True they are the computation itself; with
# floats they explain, on the reference path, what the kernel computed.


def matmul(a: list[list], b: list[list]) -> list[list]:
    return [[sum(x * y for x, y in zip(row, col)) for col in zip(*b)] for row in a]


def _zero(exact: bool):
    return Fraction(0) if exact else 0.0


def identity(n: int, exact: bool) -> list[list]:
    one, zero = (Fraction(1), Fraction(0)) if exact else (1.0, 0.0)
    return [[one if i == j else zero for j in range(n)] for i in range(n)]


def max_abs_residual(a: list[list], b: list[list]) -> object:
    return max((abs(x - y) for ra, rb in zip(a, b) for x, y in zip(ra, rb)), default=0)


def inverse(a: list[list], exact: bool, tracer=None, tol: float = 0.0, command: str = "inv") -> list[list]:
    """A⁻¹ by Gauss–Jordan on [A | I]; raises Singular for a column without a pivot."""
    n = len(a)
    red = RowReducer([ra + ri for ra, ri in zip(a, identity(n, exact))], n, exact, tracer, "[A | I]", tol, command)
    red.show("Augmented matrix [A | I]",
             "row operations that turn the left half into I turn the right half into A⁻¹")
    gauss_jordan(red, stop_at_singular=True)
    result = [r[n:] for r in red.rows]
    red.summary("Gauss–Jordan elimination on [A | I]")
    if tracer is not None:
        tracer.step("Result: [I | A⁻¹], the right half is A⁻¹", result=result if red.full else None,
                    note="" if red.full else f"A⁻¹ is {n}×{n}")
    return result


def check_inverse(tracer, a: list[list], a_inv: list[list], exact: bool) -> None:
    product = matmul(a, a_inv)
    residual = max_abs_residual(product, identity(len(a), exact))
    tracer.step("Check: A·A⁻¹ = I", f"max |(A·A⁻¹ − I)ᵢⱼ| = {number_text(residual)}",
                result=product if len(a) <= FULL_UP_TO else None)


def solve(a: list[list], b: list[list], exact: bool, tracer=None, tol: float = 0.0,
          command: str = "solve") -> list[list]:
    """X with A·X = B (B as rows of its k columns): forward elimination on [A | B], then back-substitution."""
    n = len(a)
    k = len(b[0])
    label = "[A | b]" if k == 1 else "[A | B]"
    red = RowReducer([ra + rb for ra, rb in zip(a, b)], n, exact, tracer, label, tol, command)
    red.show(f"Augmented matrix {label}", "eliminate below each pivot to reach an upper triangular system U·x = c")
    for col in range(n):
        if red.bring_up(col, col) is None:
            raise Singular(col)
        for i in range(col + 1, n):
            if not red.is_zero(red.rows[i][col]):
                red.eliminate(i, col, col)
    red.summary(f"Forward elimination on {label}")
    u = [r[:n] for r in red.rows]
    c = [r[n:] for r in red.rows]
    x = [[_zero(exact)] * k for _ in range(n)]
    for i in range(n - 1, -1, -1):
        for j in range(k):
            s = c[i][j] - sum((u[i][p] * x[p][j] for p in range(i + 1, n)), _zero(exact))
            x[i][j] = s / u[i][i]
        if red.full:
            _trace_back_substitution(tracer, u, c, x, i, k)
    if tracer is not None and not red.full:
        tracer.step("Back-substitution", "xᵢ = (cᵢ − Σ_{j>i} uᵢⱼ·xⱼ) / uᵢᵢ for i = n, …, 1",
                    note=f"{n} rows, {n * (n - 1) // 2 * k} multiply-adds")
    return x


def _trace_back_substitution(tracer, u, c, x, i: int, k: int) -> None:
    n = len(u)
    terms = [(u[i][p], p) for p in range(i + 1, n) if u[i][p] != 0]
    if k == 1:
        inner = number_text(c[i][0]).replace("-", MINUS)
        for coef, p in terms:
            sign = "+" if coef < 0 else MINUS
            inner += f" {sign} {factor_text(abs(coef))}·{factor_text(x[p][0])}"
        text = f"x{sub(i + 1)} = ({inner}) / {factor_text(u[i][i])} = {number_text(x[i][0]).replace('-', MINUS)}"
        symbolic = f"x{sub(i + 1)} = (c{sub(i + 1)}" + "".join(
            f" − u{sub(i + 1)}{sub(p + 1)}·x{sub(p + 1)}" for _, p in terms) + f") / u{sub(i + 1)}{sub(i + 1)}"
        if not terms:
            symbolic = f"x{sub(i + 1)} = c{sub(i + 1)} / u{sub(i + 1)}{sub(i + 1)}"
            text = f"x{sub(i + 1)} = {factor_text(c[i][0])} / {factor_text(u[i][i])} = " \
                   f"{number_text(x[i][0]).replace('-', MINUS)}"
        tracer.step(f"Back-substitution: row {i + 1}", symbolic, note=text)
    else:
        symbolic = f"X{sub(i + 1)} = (C{sub(i + 1)}" + "".join(
            f" − u{sub(i + 1)}{sub(p + 1)}·X{sub(p + 1)}" for _, p in terms) + f") / u{sub(i + 1)}{sub(i + 1)}"
        if not terms:
            symbolic = f"X{sub(i + 1)} = C{sub(i + 1)} / u{sub(i + 1)}{sub(i + 1)}"
        tracer.step(f"Back-substitution: row {i + 1} (all {k} right-hand sides)", symbolic, result=[x[i]])


def determinant_by_cofactors(a: list[list], exact: bool, tracer=None):
    """det of a 1×1, 2×2 or 3×3 matrix by cofactor expansion along the first row, explained."""
    n = len(a)
    t = lambda v: factor_text(v)  # noqa: E731
    if n == 1:
        d = a[0][0]
        if tracer is not None:
            tracer.step("det of a 1×1 matrix is its entry", "det [a] = a", result=d)
        return d
    if n == 2:
        (p, q), (r, s) = a
        d = p * s - q * r
        if tracer is not None:
            tracer.step("det of a 2×2 matrix", "det [a b; c d] = a·d − b·c",
                        note=f"{t(p)}·{t(s)} − {t(q)}·{t(r)} = {number_text(d).replace('-', MINUS)}",
                        A=a, result=d)
        return d
    minors = []
    for j in range(3):
        m = [[a[r][c] for c in range(3) if c != j] for r in (1, 2)]
        minors.append(m[0][0] * m[1][1] - m[0][1] * m[1][0])
    d = a[0][0] * minors[0] - a[0][1] * minors[1] + a[0][2] * minors[2]
    if tracer is not None:
        tracer.step("det of a 3×3 matrix by cofactor expansion along row 1",
                    "det A = a₁₁·M₁₁ − a₁₂·M₁₂ + a₁₃·M₁₃, M₁ⱼ = det of A without row 1 and column j", A=a)
        for j in range(3):
            m = [[a[r][c] for c in range(3) if c != j] for r in (1, 2)]
            tracer.step(f"Minor M₁{sub(j + 1)} (delete row 1, column {j + 1})",
                        f"{t(m[0][0])}·{t(m[1][1])} − {t(m[0][1])}·{t(m[1][0])}", result=minors[j])
        tracer.step("Combine with alternating signs + − +",
                    f"{t(a[0][0])}·{t(minors[0])} − {t(a[0][1])}·{t(minors[1])} + {t(a[0][2])}·{t(minors[2])}",
                    result=d)
    return d


def determinant_by_elimination(a: list[list], exact: bool, tracer=None, tol: float = 0.0, command: str = "det"):
    """det A = (−1)^swaps · product of the pivots of the row echelon form, explained."""
    n = len(a)
    red = RowReducer(a, n, exact, tracer, "A", tol, command)
    red.swap_note = "; a swap changes the sign of det"
    red.elim_note = "; adding a multiple of a row leaves det unchanged"
    red.show("Start from A", "det A = (−1)^(number of swaps) · (product of the pivots of the echelon form)")
    for col in range(n):
        if red.bring_up(col, col) is None:
            red.summary("Gaussian elimination on A")
            if tracer is not None:
                tracer.step(f"Column {col + 1} has no pivot", "the rows are linearly dependent", result=_zero(exact))
            return _zero(exact)
        for i in range(col + 1, n):
            if not red.is_zero(red.rows[i][col]):
                red.eliminate(i, col, col)
    red.summary("Gaussian elimination on A")
    pivots = [red.rows[i][i] for i in range(n)]
    sign = -1 if red.swaps % 2 else 1
    d = Fraction(sign) if exact else float(sign)
    for p in pivots:
        d *= p
    if tracer is not None:
        shown = pivots if n <= FULL_UP_TO else pivots[:3]
        prod = " · ".join(factor_text(p) for p in shown) + (" · …" if n > FULL_UP_TO else "")
        tracer.step("det A = sign · product of pivots",
                    f"{red.swaps} swap{'s' if red.swaps != 1 else ''} → sign {'−1' if sign < 0 else '+1'}; "
                    f"det A = {'−' if sign < 0 else ''}({prod})", result=d)
    return d


def echelon(a: list[list], exact: bool, tracer=None, tol: float = 0.0, command: str = "rank") -> list[int]:
    """Row echelon form by Gaussian elimination; returns the pivot columns (0-based)."""
    red = RowReducer(a, len(a[0]), exact, tracer, "A", tol, command)
    red.show("Start from A", "eliminate below each pivot; the number of pivots is the rank")
    pivots = forward_eliminate(red)
    red.summary("Gaussian elimination to row echelon form")
    if tracer is not None:
        # what counts as 0 said here too: an entry such as 1.11e-16 left in the last row is no pivot
        zero = f"; entries within {number_text(tol)} of 0 count as 0" if not exact and tol > 0 else ""
        tracer.step("Row echelon form", f"pivot columns: {', '.join(str(c + 1) for c in pivots) or 'none'}",
                    result=red.rows if red.full else None,
                    note=f"{len(pivots)} pivot{'s' if len(pivots) != 1 else ''}{zero}")
    return pivots


def reduced_echelon(a: list[list], exact: bool, tracer=None, tol: float = 0.0,
                    command: str = "rref") -> tuple[list[list], list[int]]:
    """The reduced row echelon form by Gauss–Jordan, and its pivot columns (0-based)."""
    red = RowReducer(a, len(a[0]), exact, tracer, "A", tol, command)
    red.show("Start from A", "for each column: choose a pivot, scale it to 1, clear the rest of its column")
    pivots = gauss_jordan(red)
    red.summary("Gauss–Jordan elimination")
    if tracer is not None:
        free = [c + 1 for c in range(len(a[0])) if c not in pivots]
        tracer.step("Reduced row echelon form",
                    f"pivot columns: {', '.join(str(c + 1) for c in pivots) or 'none'}"
                    + (f"; free columns: {', '.join(map(str, free))}" if free else ""),
                    result=red.rows if red.full else None, note=f"rank {len(pivots)}")
    return red.rows, pivots
