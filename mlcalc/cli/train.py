"""Training commands: train-linreg, predict."""

from enum import Enum
from typing import Optional

import typer

from mlcalc.cli.base import (app, diagnostic, emit, finite, read_operand, refuse_npy, settings, stderr_is_terminal,
                             unguard, untraced_by_blocks, warn)


def _positive(value: Optional[float]) -> Optional[float]:
    """--lr: a finite number above 0 (0 trained every epoch without moving; a negative rate climbs)."""
    finite(value)
    if value is not None and not value > 0:
        raise typer.BadParameter(f"must be above 0, got {value:g}")
    return value


class Method(str, Enum):
    gd = "gd"
    sgd = "sgd"
    normal = "normal"


class Schedule(str, Enum):
    constant = "constant"
    linear = "linear"


class OptimizerName(str, Enum):
    sgd = "sgd"
    momentum = "momentum"
    rmsprop = "rmsprop"
    adam = "adam"


# the options that only gradient descent (gd, sgd) uses
_DESCENT_OPTIONS = ("optimizer", "lr", "epochs", "batch_size", "log_every", "tol", "schedule")
_OPTION_NAMES = {"lr": "--lr", "batch_size": "--batch-size", "log_every": "--log-every"}


def _warn_unused_options(cfg) -> None:
    """Options given on the command line that the method does not use: a warning that names them (comparing
    optimizers under --method normal gave the same result for each, without a word)."""
    import click
    ctx = click.get_current_context(silent=True)
    if ctx is None:
        return
    unused = (_DESCENT_OPTIONS if cfg.method == "normal" else ("batch_size",) if cfg.method == "gd" else ())
    if cfg.method != "sgd" and not cfg.val_split:
        unused += ("seed",)  # it seeds the shuffles: of mini-batches and of --val-split's rows
    given = [_OPTION_NAMES.get(name, f"--{name}") for name in unused
             if ctx.get_parameter_source(name) == click.core.ParameterSource.COMMANDLINE]
    if given:
        what = "solves in closed form" if cfg.method == "normal" else "takes every row at each step"
        verb = "changes" if len(given) == 1 else "change"
        warn(f"train-linreg: --method {cfg.method} {what}: {', '.join(given)} {verb} nothing")


@app.command("train-linreg", epilog=(
    "Examples: mlcalc train-linreg samples/linreg_tutorial.csv --method gd --lr 0.01 --epochs 1000 --trace  ·  "
    "mlcalc train-linreg samples/housing.csv --target price --standardize --optimizer adam --save m.json  ·  "
    "mlcalc train-linreg data.npy --method normal --l2 0.1 -f json"))
def train_linreg(
    data: str = typer.Argument(..., metavar="DATA", help="Table of features and target (CSV with a header, NPY, ...)."),
    target: Optional[str] = typer.Option(None, "--target", help="Target column: a header name or a 1-based number (default: the last)."),
    method: Method = typer.Option(Method.gd, "--method", case_sensitive=False, help="gd (full batch), sgd (mini-batches) or normal (closed form)."),
    optimizer: OptimizerName = typer.Option(OptimizerName.sgd, "--optimizer", case_sensitive=False, help="sgd, momentum (β 0.9), rmsprop (ρ 0.9) or adam."),
    lr: Optional[float] = typer.Option(None, "--lr", "--learning-rate", callback=_positive, help="Learning rate (default per optimizer: sgd 0.03, momentum 0.005, rmsprop 0.003, adam 0.006)."),
    # upper bounds: a count beyond int64 reached numba's typing as an internal error
    epochs: int = typer.Option(1000, "--epochs", min=1, max=10 ** 9, help="Passes over the data."),
    batch_size: int = typer.Option(32, "--batch-size", min=1, max=2 ** 62, help="Rows per mini-batch with --method sgd."),
    l1: float = typer.Option(0.0, "--l1", callback=finite, min=0.0, help="L1 penalty l1·‖w‖₁ (proximal step: exact zeros)."),
    l2: float = typer.Option(0.0, "--l2", callback=finite, min=0.0, help="L2 penalty l2·‖w‖²."),
    standardize: bool = typer.Option(False, "--standardize", help="Train on zero-mean, unit-variance features and target (model saved in original units)."),
    val_split: float = typer.Option(0.0, "--val-split", callback=finite, min=0.0, max=0.9, help="Hold out this fraction of rows (seeded shuffle) for val_loss/val_r2."),
    seed: Optional[int] = typer.Option(None, "--seed", min=0, help="Seed for the shuffles (0 or more): runs are reproducible bit for bit (without it, a seed is drawn and --save records it)."),
    save: Optional[str] = typer.Option(None, "--save", metavar="MODEL", help="Save the model as JSON (for predict)."),
    log_every: int = typer.Option(100, "--log-every", min=1, max=2 ** 62, help="Report (and trace) the loss every N epochs."),
    tol: Optional[float] = typer.Option(None, "--tol", callback=finite, min=0.0, help="Stop when the loss changes by less than this fraction (default 1e-12 for gd)."),
    schedule: Optional[Schedule] = typer.Option(None, "--schedule", case_sensitive=False, help="Learning rate: constant, or linear decay to 0 (default: linear for sgd, constant for gd)."),
    no_intercept: bool = typer.Option(False, "--no-intercept", help="Fit ŷ = X·w with b = 0 (scikit-learn's fit_intercept=False); --standardize then scales without centring."),
):
    """Fit linear regression: coefficients, intercept, loss, R² and the loss curve."""
    from mlcalc.train import linreg
    from mlcalc.train.curve import EpochLosses, loss_curve

    s = settings()
    refuse_npy()
    save = unguard(save)
    if save is not None:
        import os
        from mlcalc.io.write import check_output_path
        if not save.strip():  # "" wrote nothing and said nothing
            raise typer.BadParameter("needs a file name", param_hint="'--save'")
        if save == "-":  # standard output holds the results: "-" had become a file named "-"
            raise typer.BadParameter("needs a file name ('-', standard output, carries the results)",
                                     param_hint="'--save'")
        if s.output and os.path.abspath(s.output) == os.path.abspath(save):  # the results would replace the model
            raise typer.BadParameter(f"{save} is also -o's file: give the model and the results different files",
                                     param_hint="'--save'")
        check_output_path(save)
    if seed is None and (method.value == "sgd" or val_split):
        # drawn here rather than by NumPy, so that --save's model records it and the run can be repeated
        # with --seed (it recorded null: an unseeded model could not be trained again)
        import os
        seed = int.from_bytes(os.urandom(4), "little")
    cfg = linreg.Config(method.value, optimizer.value, lr, epochs, batch_size, l1, l2, standardize, val_split,
                        seed, log_every, tol, schedule.value if schedule else None, intercept=not no_intercept)
    blocked = _blocked_table(data, target, s, cluster_ok=cfg.method == "normal" and not cfg.val_split)

    # ending short of the optimum (on_short) is a warning with both losses, and the result gradient descent
    # reached (as an error it broke ordinary runs: the people sample needs about 3000 epochs at default rates)
    losses = EpochLosses()  # the curve's points

    with _progress(s.quiet) as show:
        def callback(event):
            if event.kind == "epoch":
                losses.add(event.loss)
            show(event)

        if blocked is not None:
            from mlcalc.blocks import train as blocks_train
            table, client = blocked
            untraced_by_blocks("train-linreg", "DATA is")
            try:
                result = blocks_train.fit(table, cfg, client, callback, warn, warn)
            finally:
                if client is not None:
                    client.close()
            target_column = table.target_column
        else:
            op = read_operand(data)
            prepared = linreg.prepare(op.values, op.names, target)
            notes = [linreg.index_column_note(op.values, op.names)]
            if op.line_of_row is not None:  # a text file's first row (an NPY or a literal has no header to lose)
                notes.append(linreg.numbered_header_note(op.values, op.names))
            for note in filter(None, notes):
                warn(note)
            from mlcalc.blocks import dispatch
            result = linreg.fit(prepared, cfg, engine=s.engine, tracer=s.tracer, callback=callback, on_short=warn,
                                on_note=warn, budget=dispatch.budget(s))
            target_column = prepared.target_column
    _warn_unused_options(cfg)  # once it trained: a run that fails says its one error line alone
    if save:
        from mlcalc.train import model
        model.save(save, result, linreg.settings_dict(cfg), target_column)
    history = result["history"]
    from mlcalc.io.write import Labeled
    if s.dtype == "float32":  # trained in float64; printed as float32 like the scalars (emit rounds those)
        import numpy as np
        result["coef"], result["history"] = (np.asarray(result["coef"], dtype=np.float32),
                                             [np.float32(h) for h in history])
    result["coef"] = Labeled(result["coef"], result["features"])
    emit(result)
    if not s.quiet and losses.epochs > 2:
        unicode = s.color and stderr_is_terminal()
        curve = loss_curve(losses.losses(), losses.epochs, unicode=unicode, positions=losses.positions())
        if s.trace and s.trace_format == "markdown":  # inside the document the trace writes
            curve = "```\n" + curve + "```\n"
        elif s.trace and s.trace_format == "latex":
            curve = "\\begin{verbatim}\n" + curve + "\\end{verbatim}\n"
        diagnostic(curve)


def _blocked_table(spec: str, target, s, cluster_ok: bool):
    """(Table of row blocks, Dask client or None) when DATA is an NPY over half the budget or --scheduler is set
    (and the cluster can do the fit: cluster_ok; else the local paths, by the size of DATA)."""
    import os
    from mlcalc.blocks import dispatch
    if not (spec.lower().endswith(".npy") and os.path.isfile(spec)):
        return None
    address = dispatch.scheduler_address(s) if cluster_ok else None
    limit = dispatch.budget(s)
    if address is None and dispatch.working_bytes(spec, "float64") <= limit // 2:  # training works in float64
        return None
    from mlcalc.blocks import storage
    from mlcalc.blocks.train import Table
    table = Table(storage.NpyBlocks.open(spec), target, limit)
    client = None
    if address is not None:
        from mlcalc.blocks import cluster
        client = cluster.connect(address)
    return table, client


class _progress:
    """A Rich progress bar on a terminal's stderr, shown once training has run for a second."""

    def __init__(self, quiet: bool):
        self.enabled = not quiet and stderr_is_terminal()
        self.bar = None

    def __enter__(self):
        import time
        started = time.perf_counter()

        def callback(event):
            if not self.enabled or event.kind != "epoch":
                return
            if self.bar is None:
                if time.perf_counter() - started < 1.0:
                    return
                import shutil

                from mlcalc.progress import stderr_bar
                self.bar = stderr_bar(*epoch_columns(shutil.get_terminal_size().columns, event.total))
                self.task = self.bar.add_task("train", total=event.total, loss=event.loss)
                self.bar.start()
            self.bar.update(self.task, completed=event.epoch, loss=event.loss)
        return callback

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.stop()


def epoch_columns(width: int, epochs: int) -> list:
    """The training bar's columns for a terminal this wide: the counts first, then what fits beside them
    (at 30 columns Rich had cut the epoch count to "3…" and the time left to "0:0…")."""
    from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeRemainingColumn
    counts = 2 * len(str(epochs)) + 1  # "  3000/300000": the count is padded to the total's width
    loss = 10  # "0.009987", "-1.234e+10": .4g
    if width < counts + 1 + loss:
        return [MofNCompleteColumn()]
    if width < 6 + counts + 6 + loss:  # "epoch " and "loss " too
        return [MofNCompleteColumn(), TextColumn("{task.fields[loss]:.4g}")]
    columns = [TextColumn("epoch"), MofNCompleteColumn(), TextColumn("loss {task.fields[loss]:.4g}")]
    room = width - (6 + counts + 6 + loss)
    if room >= 8:  # " 0:00:04"
        columns.append(TimeRemainingColumn())
        room -= 8
    if room >= 11:
        columns.insert(1, BarColumn(bar_width=min(40, room - 1)))
    return columns


@app.command(epilog="Example: mlcalc train-linreg samples/housing.csv --target price --standardize --save m.json && mlcalc predict m.json samples/housing.csv")
def predict(model_path: str = typer.Argument(..., metavar="MODEL", help="A model saved by train-linreg --save (- for standard input)."),
            data: str = typer.Argument(..., metavar="DATA", help="Rows to predict: columns by header name, else by position.")):
    """Predictions of a saved linear-regression model."""
    from mlcalc.errors import InputError
    from mlcalc.train import model
    if unguard(model_path) == "-" and unguard(data) == "-":
        raise InputError("predict: standard input ('-') can hold the model or the data, not both")
    m = model.load(unguard(model_path), settings().memory_limit)
    blocked = _blocked_predict(m, data, settings())
    if blocked is not None:
        if not isinstance(blocked, bool):
            emit(blocked)
        return
    op = read_operand(data)
    x = model.feature_matrix(m, op.values, op.names, op.source)  # finite, or an error
    s = settings()
    if s.tracer is not None:  # w as a value, sampled as any other (the note had held every weight, in full)
        import numpy as np

        from mlcalc.ops.common import counted
        names = m["features"]
        shown = ", ".join(names if len(names) <= 6 else [*names[:3], "…", *names[-2:]])
        s.tracer.step("Prediction", "ŷ = X·w + b", result=model.predict(m, x), w=np.asarray(m["coef"]),
                      b=m["intercept"], note=f"{counted(len(names), 'feature')}: {shown}")
    emit(model.predict(m, x))


def _blocked_predict(m, spec: str, s):
    """Predictions by row blocks for an NPY DATA over half the budget: the result, or True once written to -o."""
    import os
    import numpy as np
    from mlcalc.blocks import dispatch, storage
    from mlcalc.blocks.train import predict as predict_blocks
    if not (spec.lower().endswith(".npy") and os.path.isfile(spec)):
        return None
    limit = dispatch.budget(s)
    dtype = dispatch.working_dtype(s)  # float32 under --dtype float32, as in memory
    if dispatch.working_bytes(spec, dtype) <= limit // 2:
        return None
    untraced_by_blocks("predict", "DATA is")  # as every other command by blocks says (predict said nothing)
    blocks = storage.NpyBlocks.open(spec, dtype)
    if len(blocks.shape) == 1 and 1 < len(m["features"]) and blocks.shape[0] <= len(m["features"]) + 1:
        # one row of features (and target), as in memory: a few numbers, whatever the budget
        from mlcalc.train import model
        x = model.feature_matrix(m, blocks[0:blocks.shape[0]].reshape(1, -1), None, spec)
        return model.predict(m, x)
    n = blocks.shape[0]
    if (s.output or "").lower().endswith(".npy") and s.format in (None, "npy"):
        with storage.AtomicNpyOutput(s.output, (n,), dtype) as out:
            predict_blocks(m, blocks, out, limit)
        return True
    out = np.empty(n, dtype=dtype)
    predict_blocks(m, blocks, out, limit)
    return out
