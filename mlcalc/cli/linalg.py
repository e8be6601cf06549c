"""Linear-algebra commands: parse, call mlcalc.ops, emit. No mathematics here."""

from typing import List

import typer

from mlcalc.cli.base import (app, emit, read, read_operand, require_result_fits, settings, untraced_by_blocks, warn,
                             with_names)

MATRIX = typer.Argument(..., metavar="A", help="Matrix: file (.csv .tsv .txt .json .npy, x.npz:KEY, any path read by content), '-' or a literal like \"1 2; 3 4\".")
MATRIX_B = typer.Argument(..., metavar="B", help="Second operand, same forms as A.")


@app.command(epilog='Examples: mlcalc matmul samples/a.csv samples/b.csv  ·  mlcalc matmul "1 2; 3 4" "5 6; 7 8" --trace  ·  mlcalc matmul A.npy B.npy C.npy -o ABC.npy')
def matmul(operands: List[str] = typer.Argument(..., metavar="A B [C ...]", help="Two or more operands, multiplied left to right.")):
    """Matrix product of a chain A·B·C…; vectors act as NumPy's @ makes them act."""
    s = settings()
    if len(operands) < 2:
        raise typer.BadParameter("matmul needs at least two operands", param_hint="A B")
    if _tiny(lambda t, xs: t.matmul(xs), operands):
        return
    if _blocked(lambda d: d.matmul(operands, s, read)):
        return
    from mlcalc.ops import core
    # traced, the steps are NumPy's and the result what the untraced command prints for tiny operands (sums
    # rounded once, math.fsum), so that --trace changes no digit (0.1·1 + 0.2·1 + 0.3·1: 0.6, not BLAS's
    # 0.6000000000000001); worked out first, as standard input is read ahead there and then handed on
    untraced = _tiny_result(lambda t, xs: t.matmul(xs), operands, traced=True) if s.tracer is not None else None
    arrays = [read(spec) for spec in operands]
    _require_products_fit(arrays)
    result = core.matmul(arrays, engine=s.engine, device=s.device, tracer=s.tracer)
    emit(result if untraced is None else untraced)


def _require_products_fit(arrays) -> None:
    """Each product of the chain against the budget (a column times a row is n², from 2n values); a chain
    whose shapes do not align is left to matmul's own message."""
    shape = arrays[0].shape
    for b in arrays[1:]:
        a2 = shape if len(shape) == 2 else (1,) + tuple(shape)
        b2 = b.shape if b.ndim == 2 else tuple(b.shape) + (1,)
        if len(a2) != 2 or len(b2) != 2 or a2[1] != b2[0]:
            return
        shape = ((a2[0],) if len(shape) == 2 else ()) + ((b2[1],) if b.ndim == 2 else ())
        require_result_fits("matmul", shape)


def _tiny(compute, specs: list[str], names_kept: bool = False) -> bool:
    """Try the pure-Python path for tiny operands (no NumPy import); True when it printed the result.
    names_kept: the result keeps the operands' columns (with_names), so a table with a header is declined."""
    result = _tiny_result(compute, specs, names_kept=names_kept)
    if result is None:
        return False
    emit(result)
    return True


def _tiny_result(compute, specs: list[str], traced: bool = False, names_kept: bool = False):
    """The pure-Python path's result for tiny operands, or None where it declines (tiny.eligible)."""
    from mlcalc.ops import tiny
    s = settings()
    if not tiny.eligible(s, traced):
        return None
    # standard input last: a missing file is then refused at once, not once the pipe has ended
    operands = [None] * len(specs)
    for i in sorted(range(len(specs)), key=lambda i: specs[i] == "-"):
        operands[i] = tiny.read(specs[i], s.delimiter, names_kept)
        if operands[i] is None:
            return None
    return compute(tiny, operands)


def _blocked(run) -> bool:
    """Operands over the memory budget, or --scheduler: work by blocks; True when it printed/wrote."""
    import click

    from mlcalc.blocks import dispatch
    result = run(dispatch)
    if result is dispatch.NOT_BLOCKED:
        return False
    untraced_by_blocks(click.get_current_context().info_name)
    if result is not None:
        emit(result)
    return True


def _elementwise(op: str, a: str, b: str) -> None:
    if _tiny(lambda t, xs: t.elementwise(op, *xs), [a, b], names_kept=True):
        return
    if _blocked(lambda d: d.elementwise(op, [a, b], settings(), read)):
        return
    from mlcalc.ops import core
    s = settings()
    x, y = read_operand(a), read_operand(b)
    _warn_column_against_vector(op, x.values, y.values)
    if x.names and y.names and x.names != y.names and len(x.names) == len(y.names):
        # pandas' df1 − df2 aligns columns by name; here, as in NumPy, they pair by position
        warn(f"{op}: A's columns ({', '.join(x.names)}) and B's ({', '.join(y.names)}) have different names: "
             "they are paired by position, as NumPy pairs them, not by name")
    result = core.elementwise(op, x.values, y.values, engine=s.engine, tracer=s.tracer, device=s.device)
    emit(with_names(result, *(o for o in (x, y) if o.values.shape == result.shape)))


def _warn_column_against_vector(op: str, a, b) -> None:
    """(n, 1) with (n,) broadcasts to n×n, as in NumPy (PyTorch's mse_loss warns of the same): a vector
    printed as CSV reads back as a column, so `mlcalc solve … | mlcalc sub - "0.8 1.4"` lands here."""
    for col, vec, names in ((a, b, ("A", "B")), (b, a, ("B", "A"))):
        if col.ndim == 2 and col.shape[1] == 1 < col.shape[0] and vec.ndim == 1 and vec.size == col.shape[0]:
            n = col.shape[0]
            warn(f"{op}: {names[0]} is a column ({n}, 1) and {names[1]} a vector ({n},): broadcasting pairs every "
                 f"entry with every entry, a {n}×{n} result, as NumPy does; for entry by entry give both one shape "
                 "(a vector piped as CSV reads back as a column: pipe it with -f json or -f npy)")
            return


@app.command(epilog='Example: mlcalc add samples/a.csv "10 20 30"  (broadcasts the row over every row)')
def add(a: str = MATRIX, b: str = MATRIX_B):
    """Element-wise A + B, with NumPy broadcasting."""
    _elementwise("add", a, b)


@app.command(epilog='Example: mlcalc sub samples/a.csv samples/a.csv')
def sub(a: str = MATRIX, b: str = MATRIX_B):
    """Element-wise A − B, with NumPy broadcasting."""
    _elementwise("sub", a, b)


@app.command(epilog='Example: mlcalc hadamard "1 2; 3 4" "5 6; 7 8"')
def hadamard(a: str = MATRIX, b: str = MATRIX_B):
    """Element-wise (Hadamard) product A ⊙ B, with NumPy broadcasting."""
    _elementwise("hadamard", a, b)


def _scalar(text: str) -> float:
    """--by as a one-value literal reads: a number or a fraction (1/60), a typed minus (−2) too."""
    from mlcalc.errors import MlcalcError
    from mlcalc.io import csvparse, literal
    try:
        rows, _ = literal.parse_literal(text, text)
        if len(rows) == 1 and len(rows[0]) == 1:
            return csvparse.as_float(rows[0][0])
    except (MlcalcError, ValueError, ZeroDivisionError, OverflowError):
        pass
    raise typer.BadParameter(f"{text!r} is not a number (e.g. 2, -0.5, 1e-3 or 1/60)")


@app.command(epilog='Examples: mlcalc scale samples/a.csv --by -0.5  ·  mlcalc scale samples/a.csv --by 1/3')
def scale(a: str = MATRIX, by: float = typer.Option(..., "--by", parser=_scalar, metavar="K",
                                                     help="The scalar k in k·A (a fraction such as 1/60 too).")):
    """Scalar multiple k·A."""
    if _tiny(lambda t, xs: t.scale(xs[0], by), [a], names_kept=True) or _blocked(lambda d: d.scale(a, by, settings())):
        return
    from mlcalc.ops import core
    s = settings()
    op = read_operand(a)
    emit(with_names(core.scale(op.values, by, engine=s.engine, tracer=s.tracer, device=s.device), op))


@app.command(epilog='Example: mlcalc gen randn 50x40 --seed 1 -f npy | mlcalc transpose - -o t.npy')
def transpose(a: str = MATRIX):
    """Transpose Aᵀ (a vector literal is a row; its transpose a column)."""
    if _tiny(lambda t, xs: t.transpose(xs[0]), [a]) or _blocked(lambda d: d.transpose(a, settings())):
        return
    from mlcalc.ops import core
    s = settings()
    emit(core.transpose(read(a), engine=s.engine, tracer=s.tracer))


@app.command(epilog='Example: mlcalc dot "[1,2,3]" "[4,5,6]"  → 32')
def dot(u: str = typer.Argument(..., metavar="U", help="Vector (one row or one column)."),
        v: str = typer.Argument(..., metavar="V", help="Vector of the same length.")):
    """Inner product u·v = Σ uᵢvᵢ."""
    from mlcalc.ops import core
    s = settings()
    emit(core.dot(read(u), read(v), engine=s.engine, tracer=s.tracer))


@app.command(epilog='Example: mlcalc outer "[1,2]" "[3,4,5]"')
def outer(u: str = typer.Argument(..., metavar="U", help="Vector."),
          v: str = typer.Argument(..., metavar="V", help="Vector.")):
    """Outer product u ⊗ v (a len(u) × len(v) matrix)."""
    from mlcalc.ops import core
    s = settings()
    x, y = read(u), read(v)
    require_result_fits("outer", (x.size, y.size))
    emit(core.outer(x, y, engine=s.engine, tracer=s.tracer))


@app.command(epilog='Examples: mlcalc cross "[1,0,0]" "[0,1,0]"  → [0, 0, 1]  ·  mlcalc cross "1 2 3" "4 5 6" --trace  ·  '
                    'mlcalc cross U.csv V.csv  (row by row, (n, 3) each)')
def cross(u: str = typer.Argument(..., metavar="U", help="A 3-vector, or an (n, 3) matrix of one vector a row."),
          v: str = typer.Argument(..., metavar="V", help="A 3-vector, or an (n, 3) matrix (as many rows as U).")):
    """Cross product u × v of 3-vectors (row by row for (n, 3) matrices, as np.cross)."""
    from mlcalc.ops import core
    s = settings()
    emit(core.cross(read(u), read(v), engine=s.engine, tracer=s.tracer))
