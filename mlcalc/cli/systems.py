"""Linear-system commands: inv, solve, det, rank, rref. Parse, call mlcalc.ops, emit; with the
global --exact they go to mlcalc.ops.exact (fractions) instead of the floating-point ops."""

from typing import Optional

import typer

from mlcalc.cli.base import app, emit, finite, read, read_operand, settings, warn

MATRIX = typer.Argument(..., metavar="A", help="Matrix: file (.csv .tsv .txt .json .npy, x.npz:KEY, any path read by content), '-' or a literal like \"1 2; 3 4\".")
TOL = typer.Option(None, "--tol", callback=finite, min=0.0,
                   help="Values with |x| ≤ TOL count as zero (default: from the size and eps).")


def _exact_rows(spec: str, command: str, operand: str = "A"):
    """An operand as rows of Fractions (fractions typed as 1/3 stay exact; decimals as typed)."""
    from mlcalc.ops import exact
    op = read_operand(spec, exact=True)
    if op.exact is not None:
        return exact.fractions(op.exact, command, operand), op.values.ndim == 1
    values = op.values  # an NPY's: float32 by its own digits under --dtype float32
    return exact.fractions(exact.shortest_rows(values), command, operand), values.ndim == 1


def _exact_rows_without_tol(spec: str, command: str, tol: Optional[float]):
    """rank and rref: A's rows in fractions, where a tolerance has no place."""
    if tol is not None:
        raise typer.BadParameter("it has no meaning with --exact (exact zero is zero)", param_hint="'--tol'")
    return _exact_rows(spec, command)[0]


def _exact_result(x):
    """Fractions as the writer prints them: ints stay numbers, others 'p/q' text (plain lists print
    in every text format as they are)."""
    from mlcalc.ops import exact
    return exact.output(x)


def _of_square_matrix(command: str, a: str) -> None:
    """inv and det: in fractions with --exact, else in floating point with A's entries as typed at hand."""
    s = settings()
    if s.exact:
        from mlcalc.ops import exact
        rows, _ = _exact_rows(a, command)
        in_fractions = {"inv": exact.inv, "det": exact.det}[command]
        emit(_exact_result(in_fractions(rows, tracer=s.tracer)))
        return
    from mlcalc.io.read import typed_rows
    from mlcalc.ops import systems
    op = read_operand(a)
    in_floats = {"inv": systems.inv, "det": systems.det}[command]
    emit(in_floats(op.values, engine=s.engine, tracer=s.tracer, warn=warn, typed=typed_rows(op)))


@app.command(epilog='Examples: mlcalc inv "2 1; 1 1"  ·  mlcalc inv "2 1; 1 1" --exact --trace  ·  '
                    'mlcalc inv "1/3 1; 0 2" --exact -f json  ·  mlcalc inv A.npy -o Ainv.npy')
def inv(a: str = MATRIX):
    """Inverse A⁻¹ of a square matrix (Gauss–Jordan in fractions with --exact)."""
    _of_square_matrix("inv", a)


@app.command(epilog='Examples: mlcalc solve "2 1; 1 3" "3 5"  ·  mlcalc solve A.csv b.csv --trace  ·  '
                    'mlcalc solve "2 1; 1 3" "3 1; 5 0"  (two right-hand sides)  ·  mlcalc solve "2 1; 1 3" "3 5" --exact')
def solve(a: str = MATRIX,
          b: str = typer.Argument(..., metavar="b", help="Right-hand side: a vector, or a matrix with one right-hand side per column.")):
    """Solve the linear system A·x = b (LU with partial pivoting; fractions with --exact)."""
    s = settings()
    if s.exact:
        from mlcalc.ops import exact
        rows_a, _ = _exact_rows(a, "solve")
        rows_b, vector = _exact_rows(b, "solve", "b")
        if vector:
            rows_b = [[x] for x in rows_b[0]]
        elif len(rows_b) == 1 and len(rows_b[0]) == len(rows_a) != 1:
            rows_b, vector = [[x] for x in rows_b[0]], True  # a one-row b is the vector b
        emit(_exact_result(exact.solve(rows_a, rows_b, vector, tracer=s.tracer)))
        return
    from mlcalc.io.read import typed_rows
    from mlcalc.ops import systems
    op, op_b = read_operand(a), read_operand(b)
    emit(systems.solve(op.values, op_b.values, engine=s.engine, tracer=s.tracer, warn=warn, typed=typed_rows(op),
                       typed_b=typed_rows(op_b)))


@app.command(epilog='Examples: mlcalc det "1 2; 3 4" --exact  → -2  ·  mlcalc det "2 0 1; 1 3 2; 1 1 1" --trace  ·  '
                    'mlcalc det "1/2 1/3; 1/4 1/5" --exact')
def det(a: str = MATRIX):
    """Determinant det A (0 for a singular matrix; fractions with --exact)."""
    _of_square_matrix("det", a)


@app.command(epilog='Examples: mlcalc rank "1 2 3; 4 5 6; 7 8 9"  → 2  ·  mlcalc rank data.csv --tol 1e-8  ·  '
                    'mlcalc rank "1 2; 2 4" --exact --trace')
def rank(a: str = MATRIX, tol: Optional[float] = TOL):
    """Rank of A: singular values above a tolerance (NumPy's rule), or exact pivots with --exact."""
    s = settings()
    if s.exact:
        from mlcalc.ops import exact
        rows = _exact_rows_without_tol(a, "rank", tol)
        emit(exact.rank(rows, tracer=s.tracer))
        return
    from mlcalc.ops import systems
    emit(systems.rank(read(a), tol=tol, engine=s.engine, tracer=s.tracer))


@app.command(epilog='Examples: mlcalc rref "1 2 3; 4 5 6; 7 8 9" --exact  (fractions: no rounding noise)  ·  mlcalc rref "1 2 3; 4 5 6" --exact --trace  ·  '
                    'mlcalc rref aug.csv --tol 1e-9')
def rref(a: str = MATRIX, tol: Optional[float] = TOL):
    """Reduced row echelon form (Gauss–Jordan; the trace names the pivot columns)."""
    s = settings()
    if s.exact:
        from mlcalc.ops import exact
        rows = _exact_rows_without_tol(a, "rref", tol)
        emit(_exact_result(exact.rref(rows, tracer=s.tracer)[0]))
        return
    from mlcalc.ops import systems
    emit(systems.rref(read(a), tol=tol, engine=s.engine, tracer=s.tracer))
