"""The Typer app, its global options and the helpers every command module uses.

Command modules (app.COMMAND_MODULES) import `app` from here and stay thin: parse, call
an ops function, `emit` the result. Nothing here imports NumPy at start-up, so `--help` is fast.
"""

import os
import sys
from dataclasses import dataclass, field
from enum import Enum
from typing import Optional

import click
import typer
import typer.core

from mlcalc.progress import stderr_is_terminal  # noqa: F401 (also for the command modules)

# Help is plain text (rich_markup_mode=None below), but Typer still escapes "[required]" and
# "[default: …]" for Rich whenever Rich is installed, and the backslash shows in the help.
# Typer reads this flag for that escaping only, once markup and pretty exceptions are off.
typer.core.HAS_RICH = False

EPILOG = (
    "Examples:  mlcalc matmul samples/a.csv samples/b.csv  ·  mlcalc matmul \"1 2; 3 4\" \"5 6; 7 8\" -f json  ·  "
    "mlcalc gen randn 3x3 --seed 1 | mlcalc inv - -f json"
)

GLOBAL_HINT = ("Global options (-f/--format, -o/--output, --precision, --dtype, --engine, --threads, --trace, "
               "--quiet, ...) go before or after the command: mlcalc --help lists them.")


class ReaderLeft(Exception):
    """Standard output's reader left (`mlcalc ... | head -1`): a BrokenPipeError carried past Typer's
    own handler, which ends the process with exit 1, to cli.app's, which ends it quietly with 0."""


class _Command(typer.core.TyperCommand):
    """A command whose help ends by pointing at the global options, which it accepts but does not list,
    and which checks the global options against the command once its own arguments are parsed."""

    def invoke(self, ctx):
        # Click runs the global callback before it parses the command's arguments: checks that end in
        # exit 1 wait until here, so that a usage error (`mlcalc -f npy det --bogus`) is exit 2 first
        _check_before_work(ctx.info_name)
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            raise ReaderLeft() from None

    def parse_args(self, ctx, args):
        try:
            return super().parse_args(ctx, args)
        except BrokenPipeError:  # `mlcalc matmul --help | head -1`: the help is printed while parsing
            raise ReaderLeft() from None
        except click.NoSuchOption as e:
            # `mlcalc matmul a b --formt json`: global options after the command are moved before it
            # when spelt right; a misspelt one reaches the command, whose own options are all Click
            # would suggest from
            if not e.possibilities and e.option_name.startswith("--"):
                from difflib import get_close_matches
                near = get_close_matches(e.option_name, [o for o in GLOBAL_OPTIONS if o.startswith("--")])
                if near:
                    raise click.NoSuchOption(e.option_name, possibilities=near, ctx=ctx) from None
            raise

    def format_epilog(self, ctx, formatter) -> None:
        super().format_epilog(ctx, formatter)
        formatter.write_paragraph()
        with formatter.indentation():
            formatter.write_text(GLOBAL_HINT)


class _Group(typer.core.TyperGroup):
    def parse_args(self, ctx, args):
        try:
            return super().parse_args(ctx, args)
        except BrokenPipeError:  # `mlcalc --help | head -1`: Click ended such a reader's leaving with exit 1
            raise ReaderLeft() from None


class _App(typer.Typer):
    def command(self, *args, cls=None, **kwargs):
        return super().command(*args, cls=cls or _Command, **kwargs)


app = _App(
    cls=_Group,
    name="mlcalc",
    help="A command-line matrix and neural-network calculator: NumPy-correct results, Numba kernels, "
         "and step-by-step traces (--trace).",
    epilog=EPILOG,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)
if hasattr(click.exceptions, "NoSuchCommand"):
    # Click 8.4+ suggests a close command name itself ("Did you mean 'matmul'?"); Typer 0.20+ would
    # add the same suggestion a second time
    app.suggest_commands = False


class Format(str, Enum):
    table = "table"
    csv = "csv"
    tsv = "tsv"
    json = "json"
    npy = "npy"
    plain = "plain"


class Engine(str, Enum):
    auto = "auto"
    numba = "numba"
    numpy = "numpy"


class Device(str, Enum):
    cpu = "cpu"
    cuda = "cuda"


class DType(str, Enum):
    float64 = "float64"
    float32 = "float32"


class TraceFormat(str, Enum):
    text = "text"
    markdown = "markdown"
    latex = "latex"


@dataclass
class Settings:
    """The global options, as the callback parsed them."""

    format: Optional[str] = None
    output: Optional[str] = None
    precision: Optional[int] = None
    header: bool = False
    dtype: str = "float64"
    delimiter: Optional[str] = None
    engine: str = "auto"
    device: str = "cpu"
    threads: Optional[int] = None
    quiet: bool = False
    trace: bool = False
    trace_format: str = "text"
    exact: bool = False
    memory_limit: Optional[str] = None
    scheduler: Optional[str] = None
    tracer: object = field(default=None, repr=False)
    operands: list = field(default_factory=list, repr=False)  # as read, for located_message

    @property
    def color(self) -> bool:
        # no-color.org: only a non-empty value turns colour off; a dumb terminal shows escapes as text
        # (Rich, which draws the traces, says the same of TERM=dumb)
        return not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"


_settings = Settings()


def settings() -> Settings:
    return _settings


# names of the global options and whether they take a value: app.prepare_argv moves them before the command
GLOBAL_OPTIONS = {
    "--format": True, "-f": True, "--output": True, "-o": True, "--precision": True, "--header": False,
    "--dtype": True, "--delimiter": True, "--engine": True, "--device": True, "--threads": True,
    "--quiet": False, "-q": False, "--trace": False, "--trace-format": True, "--exact": False,
    "--memory-limit": True, "--scheduler": True,
}


# commands with numba.cuda kernels wired to --device cuda (the others refuse it rather than ignore it)
CUDA_COMMANDS = {"matmul", "add", "sub", "hadamard", "scale"}
# commands with no result (-o, -f and --trace are refused, not ignored)
NO_RESULT_COMMANDS = {"warmup"}
# commands that compute in fractions with --exact (CLI.md: inverse, determinant, solve, rank, RREF)
EXACT_COMMANDS = {"inv", "det", "solve", "rank", "rref"}


def _print_version(value: bool) -> None:
    if value:
        from mlcalc import __version__
        typer.echo(f"mlcalc {__version__}")  # click's echo: a full disk is "cannot write" (cli.app)
        raise typer.Exit()


@app.callback()
def global_options(
    ctx: typer.Context,
    format: Optional[Format] = typer.Option(None, "--format", "-f", case_sensitive=False, help="Output format (default: table on a terminal, csv otherwise)."),
    output: Optional[str] = typer.Option(None, "--output", "-o", help="Write the result to FILE (format from its extension), atomically; - is standard output."),
    precision: Optional[int] = typer.Option(None, "--precision", min=1, max=17, help="Round text output (CSV, TSV, JSON, tables) to N significant digits; NPY keeps every bit, --exact fractions stay exact."),
    header: bool = typer.Option(False, "--header", help="CSV/TSV: print a header row where the result has names."),
    dtype: DType = typer.Option(DType.float64, "--dtype", case_sensitive=False, help="Compute in float64 or float32."),
    delimiter: Optional[str] = typer.Option(None, "--delimiter", help="Input delimiter (default: detected)."),
    engine: Engine = typer.Option(Engine.auto, "--engine", case_sensitive=False, help="numba kernels, numpy reference, or auto by size."),
    device: Device = typer.Option(Device.cpu, "--device", case_sensitive=False, help="cpu, or cuda for the numba.cuda kernels."),
    threads: Optional[int] = typer.Option(None, "--threads", min=1, help="Cap the kernel threads (numba's and OpenBLAS's; OpenBLAS's sums may differ in the last digits)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Nothing on stderr but errors."),
    trace: bool = typer.Option(False, "--trace", help="Explain the computation step by step on stderr."),
    trace_format: Optional[TraceFormat] = typer.Option(None, "--trace-format", case_sensitive=False, help="Trace as text, markdown or latex (implies --trace)."),
    exact: bool = typer.Option(False, "--exact", help="Exact fractions (inv, det, solve, rank, rref)."),
    memory_limit: Optional[str] = typer.Option(None, "--memory-limit", help="Memory budget, e.g. 512MB: NPY operands over half of it are worked through by blocks (default: half the RAM, or of a lower cgroup limit)."),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", help="Run on a Dask cluster, e.g. tcp://host:8786 (or MLCALC_SCHEDULER); needs dask[array] and distributed (the dask extra)."),
    version: bool = typer.Option(False, "--version", is_eager=True, callback=_print_version, help="Print mlcalc's version and exit."),
) -> None:
    global _settings
    trace = trace or trace_format is not None  # asking for a trace's format asks for the trace
    output, memory_limit, scheduler = unguard(output), unguard(memory_limit), unguard(scheduler)
    if output is not None and not output.strip():
        raise typer.BadParameter("needs a file name (or - for standard output)", param_hint="'--output'")
    if memory_limit is not None and not memory_limit.strip():  # "" was taken for the default
        raise typer.BadParameter("needs a size, e.g. 512MB", param_hint="'--memory-limit'")
    if output == "-":
        output = None  # `-o -` is standard output, as for curl and tar
    reader = sys.modules.get("mlcalc.io.read")
    if reader is not None:  # a new invocation (tests run several in one process)
        reader.StdinGuard.used = False
    ahead = sys.modules.get("mlcalc.io.readahead")
    if ahead is not None:
        ahead.reset()
    if delimiter is not None:
        delimiter = {"\\t": "\t", "tab": "\t", "comma": ",", "semicolon": ";", "space": " ",
                     "whitespace": " "}.get(delimiter, delimiter)
        if len(delimiter) != 1:  # ("||" split some rows and not others: one reader takes one character)
            raise typer.BadParameter("must be one character such as , or ; (or tab, space)",
                                     param_hint="'--delimiter'")
    drop_warnings()  # (tests run several invocations in one process)
    _settings = Settings(
        format=format.value if format else None, output=output, precision=precision, header=header,
        dtype=dtype.value, delimiter=delimiter, engine=engine.value, device=device.value, threads=threads,
        quiet=quiet, trace=trace, trace_format=(trace_format or TraceFormat.text).value, exact=exact,
        memory_limit=memory_limit, scheduler=scheduler,
    )
    argv = (ctx.obj or {}).get("argv", [])
    if any(a in ("-h", "--help") and not (i and GLOBAL_OPTIONS.get(argv[i - 1])) for i, a in enumerate(argv)):
        return  # `mlcalc --device cuda inv --help`: the help, not a check of options it will not use
    if memory_limit:
        from mlcalc.blocks.storage import parse_size
        from mlcalc.errors import MlcalcError
        try:
            parse_size(memory_limit)  # a bad size is a usage problem: say so before any work
        except MlcalcError as e:
            raise typer.BadParameter(str(e).split(": ", 1)[-1], param_hint="'--memory-limit'") from None
    if exact and ctx.invoked_subcommand not in EXACT_COMMANDS:
        raise typer.BadParameter(f"applies to {', '.join(sorted(EXACT_COMMANDS))}, not {ctx.invoked_subcommand}",
                                 param_hint="'--exact'")
    if threads:
        from mlcalc import config
        config.apply(threads)
    if trace:
        from mlcalc.trace.steps import Tracer
        _settings.tracer = Tracer(exact=exact)


def _check_before_work(command: str) -> None:
    """The global options' checks, run once the command's arguments are parsed, before any work: -o, -f or
    --trace given to a command with no result (a usage error, exit 2), then those that exit 1: an output
    that could not be written is refused before the computation."""
    from mlcalc.errors import MlcalcError
    s = settings()
    if command in NO_RESULT_COMMANDS:  # a usage error: before the checks of an output it will not write
        for given, option in ((s.output, "'-o' / '--output'"), (s.format, "'-f' / '--format'"), (s.trace, "'--trace'")):
            if given:  # accepted and ignored, they promised a file or a trace that never came
                raise typer.BadParameter(f"{command} has no result to write or explain", param_hint=option)
    if s.device == "cuda" and command not in CUDA_COMMANDS:
        raise MlcalcError(f"{command}: --device cuda is available for "
                          f"{', '.join(sorted(CUDA_COMMANDS))}; run it without --device cuda")
    if s.output:
        from mlcalc.io.write import check_output_path
        check_output_path(s.output)  # fail before the work, not after
        _refuse_replacing_a_source_archive(s.output)
    elif s.format == Format.npy.value and sys.stdout is not None and sys.stdout.isatty():
        # as gzip does: raw bytes would garble the terminal
        raise MlcalcError("-f npy writes binary data, not for a terminal: redirect it (> x.npy, | mlcalc ...) "
                          "or use -o x.npy")


def _refuse_replacing_a_source_archive(output: str) -> None:
    """-o naming the NPZ archive an operand is read from (`scale m.npz:W --by 3 -o m.npz`): the new archive
    holds the result alone, so W's neighbours (b) were lost without a word. A CSV or NPY written over its
    own input replaces what the user named; an archive holds more than the member they named."""
    from mlcalc.errors import MlcalcError
    if not output.lower().endswith(".npz") or not os.path.isfile(output):
        return
    ctx = click.get_current_context(silent=True)
    specs = [v for value in (ctx.params.values() if ctx is not None else ())
             for v in (value if isinstance(value, (list, tuple)) else [value]) if isinstance(v, str)]
    for spec in specs:
        archive, sep, member = spec.rpartition(":")
        if sep and archive.lower().endswith(".npz") and os.path.isfile(archive) and os.path.samefile(archive, output):
            raise MlcalcError(f"-o {output} is the archive {spec} is read from: the new archive would hold the "
                              "result alone, and its other members would be lost; write to another file")


# ---------------------------------------------------------------- helpers for command modules


def unguard(value: Optional[str]) -> Optional[str]:
    """A path or word as typed: cli.app.prepare_argv puts a space before any token that starts like a
    negative number ("-5.csv", "-1model.json") so that Click keeps it an argument."""
    return value[1:] if value is not None and value.startswith(" -") else value


def finite(value: Optional[float]) -> Optional[float]:
    """Typer callback for a float option that must be a number: NaN passes min=/max= (every
    comparison with it is false) and would reach the kernels (`--l2 nan` made LAPACK print on stdout)."""
    import math
    if value is not None and not math.isfinite(value):
        raise typer.BadParameter(f"must be a finite number, got {value}")
    return value


def read(spec: str, name: str | None = None, max_ndim: int = 2, exact: bool = False, dtype: str | None = None):
    """An operand's values (ndarray), read with the global options (dtype: instead of --dtype's)."""
    return read_operand(spec, name, max_ndim, exact, dtype).values


def read_operand(spec: str, name: str | None = None, max_ndim: int = 2, exact: bool = False,
                 dtype: str | None = None):
    from mlcalc.io.read import ReadOptions, read_operand as _read
    s = settings()
    if spec.lower().endswith(".npy"):
        import click
        from mlcalc.blocks.dispatch import require_fits
        ctx = click.get_current_context(silent=True)
        require_fits(spec, s, ctx.info_name if ctx is not None else "mlcalc")
    op = _read(spec, ReadOptions(dtype=dtype or s.dtype, delimiter=s.delimiter, exact=exact, max_ndim=max_ndim,
                                 memory_limit=s.memory_limit, quiet=s.quiet), name)
    s.operands.append(op)
    return op


def with_names(result, *operands):
    """The result with the column names of the first operand read from a header whose columns it keeps
    (pandas keeps a DataFrame's columns through df * 2 and df.apply(norm)): shown in a table, and printed
    by --header. The values are unchanged."""
    from mlcalc.io.write import Labeled
    columns = getattr(result, "shape", (0,))[-1:] if getattr(result, "ndim", 0) in (1, 2) else ()
    for op in operands:
        if op.names and columns == (len(op.names),) and op.values.shape[-1:] == columns:
            return Labeled(result, list(op.names))
    return result


def located_message(error) -> str:
    """An error's message; for a NaN/Inf the ops refused in an operand read from text, with the file's line
    and column added ("at row 98, column 3 (a.csv line 100, column 3)"): comments, blank lines and the
    header make the row differ from the line a user opens the file at."""
    message = str(error)
    array = getattr(error, "array", None)
    if array is None:
        return message
    from mlcalc.io.read import file_position
    try:
        for op in settings().operands:
            position = _position_as_read(op.values, array, error.position)
            if position is not None:
                where = "; ".join(filter(None, (file_position(op, position), _typed_beyond_range(op, position))))
                return f"{message} ({where})" if where else message
    except Exception:  # an addition to the message: never in the way of the error itself
        pass
    return message


def _typed_beyond_range(op, position: tuple) -> str | None:
    """For an inf that a small text operand's entry became (1e999 read as a float): what was typed, as a
    power of ten, where the entry itself is a finite number; the message named an inf nobody typed."""
    import numpy as np
    from fractions import Fraction
    value = op.values[tuple(p - 1 for p in position)]
    if op.reparse is None or not np.isinf(value):
        return None
    try:
        rows = op.reparse()  # Fractions of the entries as typed (an "inf" typed is refused there)
        typed = [x for row in rows for x in row][position[0] - 1] if op.values.ndim == 1 else \
            rows[position[0] - 1][position[1] - 1]
    except Exception:
        return None
    if not isinstance(typed, Fraction):
        return None
    digits = len(str(abs(typed.numerator))) - len(str(typed.denominator))  # 10^(digits−1) < |x| < 10^(digits+1)
    largest = f"{float(np.finfo(op.values.dtype).max):.2g}".replace("e+", "e")
    sign = "-" if typed < 0 else ""
    return f"typed as about {sign}1e{digits}, beyond {op.values.dtype.name}'s largest number, {largest}"


def _position_as_read(values, array, position: tuple) -> tuple | None:
    """`position` in array as a (row, column) of an operand's values as read, where array is those very
    values (not a copy, nor a transpose of a square one), or the flat view of a one-row or one-column
    operand (a file holding b = 1,nan,3 on one line, taken as a vector); else None."""
    if array.dtype != values.dtype or \
            array.__array_interface__["data"][0] != values.__array_interface__["data"][0]:
        return None
    if (array.shape, array.strides) == (values.shape, values.strides):
        return position
    if array.ndim == 1 and values.ndim == 2 and 1 in values.shape and array.size == values.size == max(values.shape) \
            and len(position) == 1:
        one_row = values.shape[0] == 1
        if array.size == 1 or array.strides[0] == values.strides[1 if one_row else 0]:
            return (1, position[0]) if one_row else (position[0], 1)
    return None


def require_result_fits(command: str, shape: tuple, copies: int = 2, what: str = "the result",
                        smaller: str = "make the operands smaller") -> None:
    """Refuse, before any work, a result far larger than its operands (an outer product, pairwise distances,
    a column times a row, an embedding, attention's scores, gen) that would not fit the memory budget:
    `copies` of it are held at once (the result and its rendered output: 2; attention's scores: 4).
    Only the operands were weighed against the budget, so 120 KB vectors made a 1.8 GB result and 3.6 GB
    of memory under --memory-limit 1GB, or ran the machine out of memory."""
    from mlcalc.blocks import dispatch
    from mlcalc.blocks.storage import size_text
    from mlcalc.errors import MlcalcError

    s = settings()
    elements = 1
    for n in shape:
        elements *= int(n)
    size = elements * dispatch.working_dtype(s).itemsize
    limit = dispatch.budget(s)
    if copies * size > limit:
        dims = " × ".join(f"{int(n):,}" for n in shape)
        raise MlcalcError(f"{command}: {what} ({dims}, {size_text(size)}) would need about {size_text(copies * size)} "
                          f"of memory, more than the memory budget ({size_text(limit)}): raise --memory-limit, "
                          f"or {smaller}")


def refuse_npy(why: str | None = None) -> None:
    """For commands whose result cannot be one NPY (several named results; a table with text: why, without
    the advice refuse_npy_output adds): the error before the work (train-linreg refused -f npy after training)."""
    from mlcalc.io.write import OutputOptions, refuse_npy_output
    s = settings()
    refuse_npy_output(OutputOptions(format=s.format, output=s.output), why)


def emit(result, float32_scalars: bool = True) -> None:
    """Print or save the result, then the trace (so a pipe consumer gets its data first).
    float32_scalars=False: a report whose floats are float64 facts about the data (inspect's sparsity and
    condition number), not values in --dtype float32, keeps them whole."""
    from mlcalc.io.write import OutputOptions, emit as _emit
    s = settings()
    if s.dtype == "float32" and float32_scalars:
        result = _float32_scalars(result)
    # bold titles only for a terminal: `-f table | less` or a file gets no escape codes
    tty = sys.stdout is not None and sys.stdout.isatty()
    _emit(result, OutputOptions(format=s.format, output=s.output, precision=s.precision, header=s.header,
                                memory_limit=s.memory_limit), color=s.color and tty, ready=flush_warnings)
    show_trace()


def _float32_scalars(result):
    """Under --dtype float32, a one-value result the op returned as a Python float (dot, norm, det,
    loss) prints and saves as the float32 it is: 0.11000001, not 0.11000000685453415."""
    import numpy as np
    if isinstance(result, dict):
        return {k: _float32_scalars(v) for k, v in result.items()}
    return np.float32(result) if isinstance(result, float) else result  # float or np.float64


def show_trace() -> None:
    s = settings()
    if s.tracer is None or s.quiet or not s.tracer.steps:
        return
    flush_warnings()  # beside a trace, also of a command that failed: both explain what happened
    from mlcalc.trace import render
    if s.trace_format == "text" and s.color and stderr_is_terminal():
        try:
            render.print_rich(s.tracer.steps, sys.stderr)
        except (OSError, ValueError):
            pass  # as diagnostic() does
    else:
        diagnostic(render.render(s.tracer.steps, s.trace_format))


def warn(message: str) -> None:
    """A warning on stderr (silenced by --quiet). Beside a LaTeX or Markdown trace it is written as that
    format's comment or quote, so that stderr pasted into a document still compiles: a header named
    c_1%$ in a warning had broken the LaTeX, and one named <b> was HTML in the Markdown."""
    s = settings()
    if s.quiet:
        return
    line = f"mlcalc: warning: {message}"
    if s.tracer is not None and s.trace_format == "latex":
        line = "% " + line.replace("\n", "\n% ")
    elif s.tracer is not None and s.trace_format == "markdown":
        from mlcalc.trace.render import markdown_text
        line = "> " + markdown_text(line).replace("\n", "\n> ") + "\n"
    if _pending_warnings is None:
        diagnostic(line + "\n")
    else:
        _pending_warnings.append(line + "\n")


# While app.main runs a command, warn()'s lines are held until the command shows that it worked: written
# before its result (emit), a progress bar (a long run's notes belong before it) or its successful end, and
# dropped when it fails, so that its error is the one line on stderr the contract promises (`gen ones 3x0
# --seed 1` warned that the seed changes nothing, then failed on the shape; a diverging training warned of
# the checks it skipped). None: not holding (the package used from Python): warn() writes at once.
_pending_warnings: list[str] | None = None


def hold_warnings(hold: bool) -> None:
    """Start holding warnings (app.main, before a command) or stop, dropping what is still held."""
    global _pending_warnings
    _pending_warnings = [] if hold else None


def flush_warnings() -> None:
    if _pending_warnings:
        text = "".join(_pending_warnings)
        _pending_warnings.clear()
        diagnostic(text)


def drop_warnings() -> None:
    if _pending_warnings:
        _pending_warnings.clear()


def untraced_by_blocks(command: str, what: str = "the operands are") -> None:
    """--trace cannot follow work by blocks: say so rather than print nothing."""
    if settings().tracer is not None:
        warn(f"{command}: --trace is not available when {what} worked through by blocks (NPY operands over "
             "half of --memory-limit, or --scheduler set)")


def compiling_notice() -> None:
    """mlcalc.jitcache calls this on the process's first kernel that is not in numba's cache: compiling
    takes seconds to minutes on a small machine (about 2 minutes for the activations' module on 2 cores),
    which without a word looks like a hang. For a person at a terminal only (not --quiet, not a log or a
    test's captured stderr), and not for `warmup`, which says it itself."""
    try:
        at_terminal = sys.stderr is not None and sys.stderr.isatty()
    except (ValueError, OSError):
        at_terminal = False
    if at_terminal and not settings().quiet:
        diagnostic("mlcalc: compiling numba kernels for their first use (cached afterwards; can take a few "
                   "minutes; `mlcalc warmup` compiles them all ahead) …\n")


def diagnostic(text: str) -> None:
    """Text for stderr, as well as it goes: a warning, trace or loss curve that cannot be written (stderr
    closed with 2>&-, or a full device) never makes a command that worked fail."""
    if sys.stderr is None:
        return
    try:
        sys.stderr.write(text)
        sys.stderr.flush()
    except (OSError, ValueError):
        pass

