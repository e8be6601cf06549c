"""norm, dist, project, eig, svd, pinv, inspect: parse, call mlcalc.ops.linalg, emit. No mathematics here."""

from enum import Enum
from typing import Optional

import typer

from mlcalc.cli.base import (app, emit, finite, read, read_operand, refuse_npy, require_result_fits, settings,
                             untraced_by_blocks, warn, with_names)

MATRIX = typer.Argument(..., metavar="A", help="Matrix or vector: file (.csv .tsv .txt .json .npy, x.npz:KEY, any path read by content), '-' or a literal like \"1 2; 3 4\".")


class Ord(str, Enum):
    l1 = "l1"
    l2 = "l2"
    inf = "inf"
    fro = "fro"
    nuc = "nuc"
    spectral = "spectral"


class Axis(str, Enum):
    rows = "rows"
    cols = "cols"


class Metric(str, Enum):
    euclidean = "euclidean"
    manhattan = "manhattan"
    cosine = "cosine"
    chebyshev = "chebyshev"


@app.command(epilog='Examples: mlcalc norm "[3,4]"  → 5  ·  mlcalc norm "[1,-2,3]" --ord l1 --trace  ·  '
                    'mlcalc norm "1 2; 3 4" --ord spectral  ·  mlcalc norm data.csv --axis rows')
def norm(a: str = MATRIX,
         ord: Optional[Ord] = typer.Option(None, "--ord", case_sensitive=False, help="l1, l2 or inf for vectors (default l2); for matrices "
                                           "also fro (default), nuc, spectral (NumPy's meanings: l1 = largest column "
                                           "sum of |aᵢⱼ|, inf = largest row sum, l2 = spectral = largest singular value); "
                                           "for a single row or column, and each row/column with --axis, fro, nuc "
                                           "and spectral all equal its l2 norm."),
         axis: Optional[Axis] = typer.Option(None, "--axis", case_sensitive=False, help="The vector norm of every row (rows) or column (cols).")):
    """Norm of a vector or a matrix, or of every row / column with --axis."""
    from mlcalc.blocks import dispatch
    s = settings()
    blocked = dispatch.norm(a, ord.value if ord else None, axis, s)
    if blocked is not dispatch.NOT_BLOCKED:
        untraced_by_blocks("norm")
        emit(blocked)
        return
    from mlcalc.ops import linalg
    op = read_operand(a)
    result = linalg.norm(op.values, ord=ord.value if ord else None, axis=axis.value if axis else None,
                         engine=s.engine, tracer=s.tracer)
    emit(with_names(result, op) if axis is not None and axis.value == "cols" else result)  # a norm per column


@app.command(epilog='Examples: mlcalc dist "[0,0]" "[3,4]"  → 5  ·  mlcalc dist "[0,0]" "[3,4]" --metric manhattan  → 7  ·  '
                    'mlcalc dist points.csv centers.csv --metric cosine')
def dist(a: str = MATRIX,
         b: str = typer.Argument(..., metavar="B", help="Second vector, or matrix with as many columns as A."),
         metric: Metric = typer.Option(Metric.euclidean, "--metric", case_sensitive=False, help="euclidean, manhattan, cosine (1 − cos θ) or chebyshev.")):
    """Distance of two vectors, or the matrix of distances between every row of A and every row of B."""
    from mlcalc.blocks import dispatch
    s = settings()
    blocked = dispatch.dist([a, b], metric.value, s, read)
    if blocked is not dispatch.NOT_BLOCKED:
        untraced_by_blocks("dist")
        if blocked is not None:
            emit(blocked)
        return
    from mlcalc.ops import linalg
    x, y = read(a), read(b)
    if x.ndim == 2 == y.ndim and 1 not in x.shape + y.shape and x.shape[1] == y.shape[1]:
        require_result_fits("dist", (x.shape[0], y.shape[0]))  # every row of A against every row of B (not vectors)
    emit(linalg.dist(x, y, metric=metric.value, engine=s.engine, tracer=s.tracer))


@app.command(epilog='Examples: mlcalc project "[3,4]" "[1,0]"  → [3, 0]  ·  mlcalc project "[1,2,3]" "1 0; 0 1; 0 0" --trace')
def project(a: str = typer.Argument(..., metavar="a", help="The vector to project."),
            b: str = typer.Argument(..., metavar="b", help="A vector to project onto, or a matrix whose column space to project onto.")):
    """Orthogonal projection of a onto b: (a·b / b·b)·b, or onto the column space of a matrix b (least squares)."""
    from mlcalc.ops import linalg
    s = settings()
    emit(linalg.project(read(a), read(b), engine=s.engine, tracer=s.tracer))


@app.command(epilog='Examples: mlcalc eig "2 1; 1 2"  ·  mlcalc eig "0 -1; 1 0"  → ±i  ·  mlcalc eig "4 1; 2 3" --vectors --trace  ·  '
                    'mlcalc eig square.csv --vectors -f json')
def eig(a: str = MATRIX,
        vectors: bool = typer.Option(False, "--vectors", help="Also the eigenvectors (columns), as the result `vectors`.")):
    """Eigenvalues (results `values`, and `vectors` with --vectors). Symmetric input: real values ascending,
    orthonormal vectors; otherwise complex values sorted by real, then imaginary part."""
    from mlcalc.ops import linalg
    s = settings()
    if vectors:
        refuse_npy()
    emit(linalg.eig(read(a), vectors=vectors, engine=s.engine, tracer=s.tracer, warn=warn))


@app.command(epilog='Examples: mlcalc svd "3 0; 4 5"  (S alone in CSV)  ·  mlcalc svd samples/a.csv -f json  ·  mlcalc svd samples/a.csv -o usv.npz')
def svd(a: str = MATRIX):
    """Singular value decomposition A = U·diag(S)·Vt: results S, U, Vt (thin: k = min(m, n))."""
    from mlcalc.ops import linalg
    s = settings()
    refuse_npy()
    emit(linalg.svd(read(a), engine=s.engine, tracer=s.tracer))


@app.command(epilog='Examples: mlcalc pinv "1 2; 2 4" --trace  ·  mlcalc pinv samples/a.csv --rcond 1e-10 -o a_pinv.npy')
def pinv(a: str = MATRIX,
         rcond: Optional[float] = typer.Option(None, "--rcond", callback=finite, min=0.0, help="Singular values at or below rcond·σ_max count as 0 (default 1e-15, NumPy's; float32: max(m, n)·eps, Octave's).")):
    """Moore–Penrose pseudo-inverse A⁺ through the SVD."""
    from mlcalc.ops import linalg
    s = settings()
    emit(linalg.pinv(read(a), rcond=rcond, engine=s.engine, tracer=s.tracer, warn=warn))


@app.command(epilog='Examples: mlcalc inspect "2 1; 1 2"  ·  mlcalc inspect samples/a.csv -f json | jq .condition_number')
def inspect(a: str = MATRIX):
    """Shape, dtype, rank, condition number, sparsity, symmetric / orthogonal / idempotent / positive-definite, min, max."""
    from mlcalc.ops import linalg
    s = settings()
    refuse_npy()
    emit(linalg.inspect(read(a), engine=s.engine, tracer=s.tracer), float32_scalars=False)  # min, max: float32 already
