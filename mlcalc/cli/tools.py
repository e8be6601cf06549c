"""Utility commands: gen, warmup, bench."""

import re
from enum import Enum
from typing import Optional

import typer

from mlcalc.cli.base import (app, diagnostic, emit, refuse_npy, require_result_fits, settings, stderr_is_terminal,
                             unguard, warn)


class GenKind(str, Enum):
    random = "random"
    randn = "randn"
    eye = "eye"
    zeros = "zeros"
    ones = "ones"


@app.command(epilog="Examples: mlcalc gen randn 3x3 --seed 1  ·  mlcalc gen eye 4 -f json  ·  mlcalc gen random 1000x1000 -o r.npy")
def gen(kind: GenKind = typer.Argument(..., case_sensitive=False, help="random (uniform [0,1)), randn (standard normal), eye, zeros, ones."),
        shape: str = typer.Argument(..., metavar="ROWSxCOLS", help="e.g. 3x3, 100x1, or N for a vector (N×N for eye)."),
        seed: Optional[int] = typer.Option(None, "--seed", min=0, help="Seed for reproducible random matrices (0 or more).")):
    """Generate a matrix."""
    from mlcalc.ops import generate
    shape = unguard(shape)
    m = re.fullmatch(r"\s*(\d+)\s*(?:[xX×,]\s*(\d+))?\s*", shape)
    if not m:  # a malformed argument is a usage error (exit 2), as a bad KIND or --seed is
        raise typer.BadParameter(f"{shape!r} is not ROWSxCOLS (e.g. 3x3) or N", param_hint="'ROWSxCOLS'")
    rows = int(m.group(1))
    cols = int(m.group(2)) if m.group(2) is not None else None
    def check_fits(shape):
        require_result_fits("gen", shape, smaller="ask for a smaller shape")
    if seed is not None and kind.value in ("eye", "zeros", "ones"):  # it was taken without a word
        warn(f"gen: {kind.value} is not random: --seed changes nothing")
    emit(generate.generate(kind.value, rows, cols, seed=seed, dtype=settings().dtype, tracer=settings().tracer,
                           check_fits=check_fits))


@app.command(epilog="Examples: mlcalc warmup  ·  mlcalc warmup --quiet  (once after installing; later runs load the cache)")
def warmup():
    """Compile every numba kernel once and cache it on disk, so later calls start fast."""
    from mlcalc.ops import warm
    warm.warmup(progress=not settings().quiet)  # -o, -f, --trace: refused before (base.NO_RESULT_COMMANDS)


@app.command(epilog="Examples: mlcalc bench  ·  mlcalc bench --full -f csv > bench.csv")
def bench(full: bool = typer.Option(False, "--full", help="The issue sizes (2048² GEMM, 10⁸ elements): minutes, several GB."),
          repeats: int = typer.Option(5, "--repeats", min=1, max=1000, help="Interleaved repetitions; the best time counts.")):
    """Time mlcalc's numba kernels against NumPy/LAPACK, its CSV reader against np.loadtxt (and pandas),
    and a small command against a NumPy script (and Octave), in one run: speed = reference time ÷ ours."""
    from mlcalc import benchsuite
    from mlcalc.io.write import Labeled
    s = settings()
    refuse_npy("bench's table holds text (case names), which NPY cannot")
    if s.quiet or not stderr_is_terminal():
        rows = benchsuite.run(full, repeats)
    else:
        from mlcalc.progress import stderr_bar
        with stderr_bar() as bar:
            task = bar.add_task("bench", total=None)
            rows = benchsuite.run(full, repeats, lambda name: bar.update(task, description=name, advance=1))
    if not s.quiet:
        diagnostic(f"machine: {benchsuite.machine()}\n")
    emit(Labeled(rows, benchsuite.COLUMNS))
