"""train-linreg and predict over an NPY table larger than memory, by row blocks (or on a Dask cluster).

normal: two passes accumulate the centred moments XcᵀXc/n and Xcᵀyc/n (the same numbers the
in-memory fit computes, so the same model to rounding); gd: one pass per epoch accumulates the
full-batch gradient; sgd: mini-batches streamed block by block (block order and rows within a block
shuffled with the seed: not the in-memory row order, so not the same path). A final pass computes
the loss and R².
"""

from __future__ import annotations

import math

import numpy as np

from mlcalc.blocks import local
from mlcalc.errors import InputError
from mlcalc.train import linreg
from mlcalc.train.optimizers import Optimizer


class Table:
    """Row blocks of an NPY table split into features and target."""

    def __init__(self, blocks, target: str | None, budget: int):
        if len(blocks.shape) != 2 or blocks.shape[1] < 2:
            raise InputError("train-linreg: DATA needs at least two columns (features and a target)")
        m, ncols = blocks.shape
        t, self.features, self.target = linreg.choose_target(
            None, ncols, target, f" (an NPY file has no header: its columns are named so, or numbered 1..{ncols})")
        if m < 2:
            raise InputError(f"train-linreg: DATA has {m} row; at least 2 are needed")
        self.blocks, self.t, self.n = blocks, t, m
        self.target_column = t + 1
        self.rows = local.row_block(blocks.shape, 8, budget, 4)
        self.checked = False  # whether a whole pass has checked the blocks for non-finite values

    def __iter__(self):
        for block in self.row_blocks():
            yield np.delete(block, self.t, axis=1), block[:, self.t]

    def row_blocks(self):
        """The blocks as they are in the file (the target among the columns), checked for non-finite
        values until one pass has gone through them all (gd passes a hundred times)."""
        checked = self.checked
        for r in range(0, self.n, self.rows):
            block = self.blocks[r:r + self.rows]
            if not checked:
                require_finite_block(block, r, "train-linreg")
            yield block
        self.checked = True


def require_finite_block(block: np.ndarray, first_row: int, command: str) -> None:
    """read.require_finite's message for a block of DATA whose first row is first_row (0-based)."""
    bad = ~np.isfinite(block)
    if bad.any():
        i, j = np.argwhere(bad.reshape(len(block), -1))[0]
        value = block.reshape(len(block), -1)[i, j]
        raise InputError(f"{command}: DATA has a non-finite value ({value}) at row {first_row + i + 1}, column {j + 1}")


def _moments(table: Table):
    n, sx, sy = 0, None, 0.0
    for x, y in table:
        n += len(y)
        sx = x.sum(axis=0) if sx is None else sx + x.sum(axis=0)
        sy += y.sum()
    xm, ym = sx / n, sy / n
    gram, rhs, syy = 0.0, 0.0, 0.0
    for x, y in table:
        xc, yc = x - xm, y - ym
        gram = gram + xc.T @ xc
        rhs = rhs + xc.T @ yc
        syy += float(yc @ yc)
    return n, xm, ym, gram / n, rhs / n, syy / n


def _scaling(table, xm, ym, gram, syy, standardize: bool, center: bool = True):
    """(μ, σ, m_y, s_y) as linreg._standardized's, from the centred moments; not centred (no
    intercept): μ = m_y = 0 and root mean squares, the variance plus the squared mean."""
    p = len(xm)
    if not standardize:
        return np.zeros(p), np.ones(p), 0.0, 1.0
    var, vy = np.diag(gram), syy
    if not center:
        var, vy = var + xm * xm, vy + ym * ym
    sigma = np.sqrt(var)
    linreg.check_constant(xm if center else np.zeros(p), sigma, table.n, table.features, True, center)
    sy = math.sqrt(vy) or 1.0
    return (xm, sigma, ym, sy) if center else (np.zeros(p), sigma, 0.0, sy)


def fit(table: Table, cfg: linreg.Config, client=None, callback=None, on_short=None, on_note=None) -> dict:
    linreg.validate(cfg)
    if cfg.val_split:
        raise InputError("train-linreg: --val-split is not available when DATA is worked through by blocks: raise "
                         "--memory-limit to hold it in memory, or leave out --val-split")
    if client is not None:
        if cfg.method != "normal":
            raise InputError("train-linreg on a Dask cluster: only --method normal")
        n, xm, ym, gram, rhs, syy = _moments_on_cluster(table, client)
    else:
        n, xm, ym, gram, rhs, syy = _moments(table)
    # the moments' p×p Gram matrix is this method's own; its eigenvalues (dependence_note) and the optimum are
    # the checks checks_affordable weighs, as in memory
    checked = linreg.checks_affordable(n, len(xm), cfg)
    if on_note is not None:
        for line in linreg.training_notes(n, len(xm), cfg, checked,
                                          lambda: linreg.dependence_note(gram, xm, n, table.features, cfg)):
            on_note(line)
    mu, sigma, my, sy = _scaling(table, xm, ym, gram, syy, cfg.standardize, cfg.intercept)
    # from the moments of the standardized data (which follow from the raw ones)
    def closed_form(sweeps=linreg.COORDINATE_SWEEPS):
        return linreg.normal_from_moments(gram / np.outer(sigma, sigma), rhs / (sigma * sy), (xm - mu) / sigma,
                                          (ym - my) / sy, cfg, sweeps)
    history, epochs, shortfall, scales = [], 0, None, None
    if cfg.method == "normal":
        theta = closed_form()
    else:
        report = linreg.LossWatch(linreg.reporting_in_data_units(callback, sy))
        # the columns' root mean squares from the moments: the variance plus the squared mean
        scales = None if cfg.standardize else linreg.scales_note(np.sqrt(np.maximum(np.diag(gram), 0.0) + xm * xm),
                                                                 table.features, cfg.intercept)
        theta, history, epochs = _descend(table, cfg, mu, sigma, my, sy, report, ym, syy, scales)
        best = linreg.optimum(closed_form, len(mu), cfg) if checked else None  # the θ gd is measured against
        if best is not None:
            # the start: the intercept alone (var(y), scaled), or without one θ = 0 (the mean square)
            start = (syy if cfg.intercept else syy + ym * ym) / (sy * sy)
            shortfall = linreg.unconverged(history[-1] + linreg.penalty(theta, cfg),
                                           _mse(table, best, mu, sigma, my, sy) + linreg.penalty(best, cfg),
                                           start, (syy + ym * ym) / (sy * sy))  # y's mean square, scaled
    coef, intercept = linreg.to_original_units(theta, mu, sigma, my, sy)
    sse, sst = 0.0, 0.0
    for x, y in table:
        r = x @ coef + intercept - y
        sse += float(r @ r)
    sst = syy * n
    result = {"coef": coef, "intercept": intercept, "features": table.features, "target": table.target,
              "loss": sse / n, "r2": 1 - sse / sst if sst > 0 else 1.0, "epochs": epochs,
              "history": linreg.in_data_units(history, sy)}
    if cfg.method != "normal":
        # full batches here are gd's only: sgd steps through each block, however large --batch-size is
        judged = linreg.rate_judged(cfg, cfg.method == "gd")
        linreg.report_ending(cfg, epochs, shortfall, sy, result["history"], scales,
                             report.bounced() if judged else None, on_short, on_note)
    return result


def _standardized_residuals(table, theta, mu, sigma, my, sy):
    """(z, r) for each block: z the block standardized in place of a copy, the target's column among
    the features' as in the file, and r = z·θ′ + b = x·w + b − y in standardized units, θ′ holding −1
    for the target. One copy and one product a block: splitting off the target (np.delete) and
    standardizing features and target apart cost an out-of-core gd epoch 7 times the in-memory one."""
    t = table.t
    center, scale = np.insert(mu, t, my), np.insert(sigma, t, sy)
    weights = np.insert(theta[:-1], t, -1.0)
    for block in table.row_blocks():
        z = block - center
        z /= scale
        yield z, z @ weights + theta[-1]


def _mse(table, theta, mu, sigma, my, sy) -> float:
    """The loss (standardized units) of θ over the whole table: one pass."""
    sse = 0.0
    for _, r in _standardized_residuals(table, theta, mu, sigma, my, sy):
        sse += float(r @ r)
    return sse / table.n


def _descend(table, cfg, mu, sigma, my, sy, callback, ym, syy, scales=None):
    """linreg._descend's rules by blocks: the history holds the loss after epoch 1, every --log-every
    epochs and the last; full-batch training stops once the loss settles (--tol, 1e-12 by default
    for gd without decay); a loss 10⁶ times the starting one is divergence."""
    p = len(mu)
    theta = np.zeros(p + 1)
    opt = Optimizer(cfg.optimizer, cfg.learning_rate, p + 1)
    rng = np.random.default_rng(cfg.seed)
    per_epoch = sum(-(-min(table.rows, table.n - r) // cfg.batch_size) for r in range(0, table.n, table.rows))
    total_steps = cfg.epochs * (per_epoch if cfg.method == "sgd" else 1) if cfg.decay else 0
    full_batch = cfg.method == "gd"
    tol = linreg.stop_tolerance(cfg, full_batch)
    initial = (syy + (ym - my) ** 2) / (sy * sy)  # the loss at θ = 0, without a pass
    history, previous, epochs_run = [], None, cfg.epochs
    callback(linreg.Event("start", 0, initial, cfg.epochs))
    for epoch in range(1, cfg.epochs + 1):
        if cfg.method == "gd":
            g, sse, gz = np.zeros(p + 1), 0.0, np.zeros(p + 1)
            for z, r in _standardized_residuals(table, theta, mu, sigma, my, sy):
                gz += z.T @ r  # the target's column too: its entry is dropped below
                g[-1] += r.sum()
                sse += float(r @ r)
            g[:-1] = np.delete(gz, table.t)
            g *= 2.0 / table.n
            g[:-1] += 2.0 * cfg.l2 * theta[:-1]
            if not cfg.intercept:
                g[-1] = 0.0
            lr0 = opt.lr
            if total_steps:
                opt.lr = lr0 * (1.0 - opt.t / total_steps)
            opt.step(theta, g)
            if cfg.l1:
                opt.prox(theta[:-1], cfg.l1)
            opt.lr = lr0
            loss = sse / table.n  # before this epoch's update, as the in-memory gd's
        else:
            from mlcalc.train import reference
            block_starts = list(range(0, table.n, table.rows))
            sse = 0.0
            for b in rng.permutation(len(block_starts)):
                block = table.blocks[block_starts[b]:block_starts[b] + table.rows]
                perm = rng.permutation(len(block))  # rows shuffled within the block
                x = (np.delete(block, table.t, axis=1)[perm] - mu) / sigma
                y = (block[perm, table.t] - my) / sy
                starts = rng.permutation(-(-len(y) // cfg.batch_size)) * cfg.batch_size
                sse += len(y) * reference.epoch(x, y, theta, opt, starts, cfg.batch_size, cfg.l1, cfg.l2,
                                                total_steps, cfg.intercept)
            loss = sse / table.n
        linreg.check_divergence(loss, theta, initial, epoch, cfg.learning_rate, cfg, scales)
        if epoch % cfg.log_every == 0 or epoch == 1:
            history.append(_mse(table, theta, mu, sigma, my, sy))  # after the epoch, as reported in memory
        callback(linreg.Event("epoch", epoch, loss, cfg.epochs))
        if linreg.settled(previous, loss, tol):
            epochs_run = epoch
            break
        previous = loss
    if epochs_run % cfg.log_every != 0 and epochs_run != 1:
        history.append(_mse(table, theta, mu, sigma, my, sy))
    callback(linreg.Event("end", epochs_run, history[-1], cfg.epochs))
    return theta, history, epochs_run


def _moments_on_cluster(table: Table, client):
    """The same two moments as dask.array reductions whose chunks the workers read from the file."""
    from mlcalc.blocks import cluster
    a = cluster.as_dask(table.blocks, (table.rows, table.blocks.shape[1]))
    keep = [j for j in range(table.blocks.shape[1]) if j != table.t]
    x, y = a[:, keep], a[:, table.t]
    n = table.n
    xm, ym = cluster.run(client, [x.mean(axis=0), y.mean()])
    xc, yc = x - xm, y - ym
    gram, rhs, syy = cluster.run(client, [xc.T @ xc, xc.T @ yc, (yc * yc).sum()])
    if not (np.isfinite(gram).all() and np.isfinite(rhs).all()):
        for _ in table:  # a pass here to name the first non-finite value, as the local path does
            pass
        raise InputError("train-linreg: DATA has non-finite values")
    return n, np.asarray(xm), float(ym), np.asarray(gram) / n, np.asarray(rhs) / n, float(syy) / n


def predict(model: dict, blocks, out, budget: int) -> None:
    from mlcalc.train import model as models
    if len(blocks.shape) == 1 and len(model["features"]) > 1:
        # in memory a 1-D DATA is one row: the same verdict (its blocks were read as rows of their own
        # length, and the message counted a block's columns), without reading it
        models.feature_matrix(model, np.broadcast_to(np.zeros(1), (1, blocks.shape[0])), None, blocks.info.path)
    rows = local.row_block(blocks.shape, 8, budget, 3)
    for r in range(0, blocks.shape[0], rows):
        # finite features only, as in memory (an unknown target may be NaN), rows counted from r
        x = models.feature_matrix(model, blocks[r:r + rows], None, "DATA", first_row=r)
        out[r:r + len(x)] = models.predict(model, x)
