"""Linear regression: fit by gradient descent (full batch), mini-batch SGD, or the normal
equation; the objective (1/n)·Σ(ŷ − y)² + l2·‖w‖² + l1·‖w‖₁ with the intercept unpenalised, or
without an intercept (--no-intercept: b = 0, scikit-learn's fit_intercept=False).

`prepare` picks features and target out of a table; `fit` trains and returns named results;
the epoch loop runs on the NumPy reference (train/reference.py) or the numba kernels
(kernels/cpu/linreg.py), chosen like every other op through the engine registry.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import asdict, dataclass, replace
from typing import Callable

import numpy as np

from mlcalc import engine as engines
from mlcalc.errors import InputError, NumericError
from mlcalc.io.read import require_finite
from mlcalc.train import reference
from mlcalc.train.model import require_unique_names
from mlcalc.train.optimizers import CODES, DEFAULT_LR, Optimizer, state_of

# numba runs the epochs from engine.AUTO_NUMBA_FROM's work (`_auto_work`), the same before numba is loaded
engines.register("linreg_epochs", numpy="mlcalc.train.reference:epoch", numba="mlcalc.kernels.cpu.linreg:EpochRunner")


def _auto_work(n: int, p: int, cfg) -> int:
    """What `auto` weighs for linreg_epochs: rows × features × epochs, a hundredth of it for full-batch
    descent, whose NumPy epoch is two BLAS products where mini-batches loop in Python. Full batch on
    500000×20 before numba was loaded (2026-12-06): NumPy 2.40 s against numba's 2.74 at 100 epochs,
    5.33 against 4.57 at 1000; at 1000 epochs on 100000×20, 0.55–0.60 against 1.09–1.20."""
    return n * p * cfg.epochs // (100 if full_batch(cfg, n) else 1)


# with --l1, the convergence check's optimum is coordinate descent's, whose sweep is p Python-level steps
# of an O(p) product each: the check gives up beyond 100 features or 300 sweeps (about 0.1 s at most;
# with its full 10,000 sweeps a strongly correlated case spent 2.6 s before giving up)
L1_CHECK_UP_TO = 100
L1_CHECK_SWEEPS = 300
COORDINATE_SWEEPS = 10_000  # --method normal --l1's own budget

# the checks beside gradient descent (dependent features, the optimum the fit is measured against) cost
# about n·p² + 10·p³ flops and a few p×p matrices whatever --epochs is: 500×10001 with --epochs 1 spent
# 297 s and 3.3 GB on them after a training of 10⁷ flops. They run where that is at most 10¹⁰ flops (a few
# seconds; 1000×600 took 0.75 s) or ten times the training's, and four p×p matrices fit the memory budget;
# otherwise skipped_note says so
CHECK_FLOPS_FREE = 1e10


def checks_affordable(n: int, p: int, cfg: Config, budget: int | None = None) -> bool:
    """Whether gd/sgd's p×p checks (dependence_note, optimum) are worth their cost (see CHECK_FLOPS_FREE);
    always for --method normal, which builds the p×p system anyway."""
    if cfg.method == "normal":
        return True
    check = n * p * p + 10.0 * p ** 3
    training = 4.0 * n * p * cfg.epochs
    return _checks_fit(p, budget) and check <= max(CHECK_FLOPS_FREE, 10 * training)


def _checks_fit(p: int, budget: int | None) -> bool:
    """Whether the checks' p×p matrices (four of float64) fit the memory budget."""
    return budget is None or 4 * 8 * p * p <= budget


@dataclass
class Config:
    method: str = "gd"
    optimizer: str = "sgd"
    lr: float | None = None
    epochs: int = 1000
    batch_size: int = 32
    l1: float = 0.0
    l2: float = 0.0
    standardize: bool = False
    val_split: float = 0.0
    seed: int | None = None
    log_every: int = 100
    tol: float | None = None
    schedule: str | None = None  # "constant" or "linear" (to 0); default: linear for sgd, constant for gd
    intercept: bool = True  # False: ŷ = X·w, b fixed at 0 (and --standardize scales without centring)

    @property
    def decay(self) -> bool:
        return (self.schedule or ("linear" if self.method == "sgd" else "constant")) == "linear"

    @property
    def learning_rate(self) -> float:
        return self.lr if self.lr is not None else DEFAULT_LR[self.optimizer]


@dataclass
class Data:
    x: np.ndarray
    y: np.ndarray
    features: list[str]
    target: str
    target_column: int  # 1-based, as the user counts


@dataclass
class Event:
    """What the training loop reports to a callback (progress bar, loss curve, tests); loss in y's units."""

    kind: str               # "start", "epoch", "end"
    epoch: int = 0
    loss: float = math.nan
    total: int = 0


def reporting_in_data_units(callback: Callable[[Event], None] | None, sy: float) -> Callable[[Event], None]:
    """The callback, given each event's loss in y's units (× s_y²) as `loss` and `history` are: the loops
    work on a standardized y, and with --standardize the bar showed 0.0019 where the result said 23.5."""
    if callback is None:
        return lambda event: None
    if sy == 1.0:
        return callback
    return lambda event: callback(replace(event, loss=event.loss * sy * sy))


# how many of a full-batch run's last epoch losses LossWatch keeps
SWING_EPOCHS = 10


class LossWatch:
    """Passes each event on to callback, keeping the last SWING_EPOCHS epoch losses: `bounced` says whether
    the loss rose from one epoch to the next among them. A full-batch run that ended short of the optimum
    while bouncing (Adam at --lr 3 on x = 1..5 settled at a loss of 1.64) wants a smaller rate, one whose
    loss only fell was creeping and wants a larger one: the advice said 'change --lr'. Judged only where
    a rise means that (rate_judged)."""

    def __init__(self, callback: Callable[[Event], None]):
        self.callback = callback
        self.recent: deque[float] = deque(maxlen=SWING_EPOCHS)

    def __call__(self, event: Event) -> None:
        if event.kind == "epoch":
            self.recent.append(event.loss)
        self.callback(event)

    def bounced(self) -> bool:
        losses = list(self.recent)
        return any(later > earlier for earlier, later in zip(losses, losses[1:]))


def rate_judged(cfg: Config, whole: bool) -> bool:
    """Whether a rise of the epoch loss says the rate is too large: with full batches (whole), for plain
    steps, RMSprop and Adam. Not momentum's, whose loss rises and falls at any rate (told 'try a smaller
    --lr' at 0.005, 0.0025 and 0.00125 on x = 1..5, a learner got worse fits), nor a mini-batch epoch's,
    which rises and falls with its batches, nor the MSE under --l1/--l2, which may rise as the penalty
    falls (as grew has it)."""
    return whole and cfg.optimizer != "momentum" and not (cfg.l1 or cfg.l2)


def prepare(values: np.ndarray, names: list[str] | None, target: str | None) -> Data:
    """Split a table into features and target: by header name or 1-based column, default the last."""
    if values.ndim != 2 or values.shape[1] < 2:
        raise InputError("train-linreg: DATA needs at least two columns (features and a target)")
    t, features, target_name = choose_target(
        names, values.shape[1], target, f" (DATA has no header row: its columns are named so, or numbered "
        f"1..{values.shape[1]}; in a text file a '#' line is a comment, np.savetxt's header too unless comments='')")
    if values.shape[0] < 2:
        raise InputError(f"train-linreg: DATA has {values.shape[0]} row; at least 2 are needed")
    require_finite(values, "train-linreg", "DATA")
    keep = [j for j in range(values.shape[1]) if j != t]
    return Data(np.ascontiguousarray(values[:, keep], dtype=np.float64), values[:, t].astype(np.float64),
                features, target_name, t + 1)


def index_column_note(values: np.ndarray, names: list[str] | None) -> str | None:
    """A warning when the first column is a row index: unnamed, holding 0, 1, 2, … as pandas'
    `df.to_csv("data.csv")` writes it, or 1, 2, 3, … as R's `write.csv` does. Read as a feature, as pandas
    and NumPy read it too, it is trained on."""
    if not names or names[0] != "" or values.ndim != 2 or not values.shape[0]:
        return None
    for first, writer in ((0, "pandas' to_csv without index=False"),
                          (1, "R's write.csv or write.table without row.names=FALSE")):
        if np.array_equal(values[:, 0], np.arange(first, first + values.shape[0])):
            return (f"train-linreg: column 1 has no name and holds {first}, {first + 1}, {first + 2}, …: a row index "
                    f"({writer})? It is trained on as a feature")
    return None


def numbered_header_note(values: np.ndarray, names: list[str] | None) -> str | None:
    """A warning when a table without a header starts with the row 0, 1, 2, …: the names pandas gives the
    columns of a DataFrame made from an array, which `to_csv` writes as its header. A first row of
    numbers is data (CLI.md), as NumPy reads it; pandas' read_csv takes it as the header."""
    if names or values.ndim != 2 or values.shape[0] < 2 or values.shape[1] < 3:  # 0, 1 is also data's x = 0, y = 1
        return None
    if not np.array_equal(values[0], np.arange(values.shape[1])):
        return None
    return ("train-linreg: row 1 is 0, 1, 2, …: the column names pandas writes for a DataFrame made from an "
            "array? A first row of numbers is data, and it is trained on: delete it, or write the file with "
            "header=False")


def choose_target(names: list[str] | None, ncols: int, target: str | None, no_header_note: str = ""):
    """(t, the features' names, the target's name): the target by header name or 1-based column, default
    the last. Without a header the columns are x1, x2, … and the last y; a feature is then xⱼ by its
    column, also the last one when the target stands elsewhere (with --target 1 a feature was called "y")."""
    headerless = not names
    names = list(names) if names else [f"x{j + 1}" for j in range(ncols - 1)] + ["y"]
    require_unique_names(names, "train-linreg", "DATA")
    target = target.strip() if target is not None else None  # " -1": the CLI's guard for a leading minus
    if target is None:
        t = ncols - 1
    elif target in names:
        t = names.index(target)
    elif target.isdigit() and 1 <= int(target) <= ncols:
        t = int(target) - 1
    elif headerless and target[:1] == "x" and target[1:].isdigit() and 1 <= int(target[1:]) <= ncols:
        t = int(target[1:]) - 1  # x3 for the last of three columns: the name it has as a feature
    else:
        raise InputError(f"train-linreg: no column {target!r}; the columns are: {', '.join(names)}"
                         + (no_header_note if headerless else ""))
    keep = [j for j in range(ncols) if j != t]
    features = [f"x{j + 1}" for j in keep] if headerless else [names[j] for j in keep]
    return t, features, names[t]


def _split(data: Data, fraction: float, seed: int | None):
    if not fraction:
        return data.x, data.y, None, None
    if not 0 < fraction < 1:
        raise InputError(f"train-linreg: --val-split must be between 0 and 1, got {fraction}")
    n = len(data.y)
    # the validation rows as scikit-learn's train_test_split counts its test rows, rounded up (Keras'
    # validation_split too): 5 rows at 0.5 hold out 3; the rounding to 9 places drops the product's
    # binary noise first, so that 30 rows at 0.1 (3.0000000000000004) hold out 3, not 4
    n_val = math.ceil(round(n * fraction, 9))
    if n_val < 1 or n - n_val < 2:
        raise InputError(f"train-linreg: --val-split {fraction} leaves no validation or too few training rows")
    order = np.random.default_rng(seed).permutation(n)
    tr, va = order[:n - n_val], order[n - n_val:]
    return data.x[tr], data.y[tr], data.x[va], data.y[va]


def _standardized(x, y, features, standardize: bool, in_place: bool = False, center: bool = True):
    """(xs, ys, μ, σ, m_y, s_y): the data scaled to zero mean and unit variance (unchanged without
    --standardize). Written to avoid temporaries of X's size: one centred copy (none when `x` is
    already a private copy, `in_place`), scaled in place. Without centring (a model without intercept,
    where a shift would be one), μ = m_y = 0 and σ, s_y are root mean squares (scikit-learn's
    StandardScaler(with_mean=False) divides by the standard deviation instead; either keeps ŷ = X·w)."""
    if not standardize:
        return x, y, np.zeros(x.shape[1]), np.ones(x.shape[1]), 0.0, 1.0
    if not center:
        xs = x if in_place else x.copy()
        sigma = root_mean_squares(xs)
        check_constant(np.zeros(len(sigma)), sigma, len(xs), features, True, center=False)
        xs /= sigma
        sy = float(np.sqrt(y @ y / len(y)))
        sy = sy if sy > 0 else 1.0
        return xs, y / sy, np.zeros(x.shape[1]), sigma, 0.0, sy
    mu = x.mean(axis=0)
    if in_place:
        x -= mu
        xs = x
    else:
        xs = x - mu
    sigma = root_mean_squares(xs)  # of the centred columns: their standard deviations
    check_constant(mu, sigma, len(xs), features, True)
    xs /= sigma
    my, sy = float(y.mean()), float(y.std())
    sy = sy if sy > 0 else 1.0
    return xs, (y - my) / sy, mu, sigma, my, sy


def constant_columns(mean, sigma, n: int) -> np.ndarray:
    """Which columns are indistinguishable from a constant: a variance within the rounding error of its
    two-pass computation, σ² ≤ n·eps·σ² + (n·eps·|μ|)² (scikit-learn's bound, StandardScaler's
    _is_constant_feature). σ == 0 is not enough: 0.7 in each of 200 rows has a mean a rounding away
    from 0.7, so the centred column held 1e-17 in every row, and sgd multiplied the column by 10¹⁷
    (a coefficient of 1.2e13)."""
    eps = np.finfo(np.float64).eps
    var = np.square(sigma)
    return np.isfinite(var) & (var <= n * eps * var + np.square(n * eps * np.abs(mean)))  # inf ≤ inf: not constant


def check_constant(mu, sigma, n: int, features, standardize: bool, center: bool = True) -> None:
    """Refuse to standardize a constant column (all zeros without centring, where μ is passed as 0), or
    one whose variance overflows float64 (1e160 and more: it was scaled by inf to 0, and fitted as 0)."""
    if not standardize:
        return
    huge = np.flatnonzero(~np.isfinite(sigma))
    if huge.size:
        raise InputError(f"train-linreg: feature {features[huge[0]]!r} is too large to standardize (its variance "
                         "overflows float64): rescale the column")
    constant = [features[j] for j in np.flatnonzero(constant_columns(mu, sigma, n))]
    if constant:
        raise InputError(f"train-linreg: feature {constant[0]!r} is {'constant' if center else 'all zeros'} and "
                         "cannot be standardized (drop the column, or train without --standardize)")


# 1 − R² of one feature regressed on the others below which they count as linearly dependent: exact
# combinations (x2 = 2·x1, a pandas index beside x = index + 1) land at ~1e-16; b = a + 1e-5·noise, at
# 1e-10, is correlated but has one best fit
DEPENDENT_BELOW = 1e-12


def column_scales(x: np.ndarray) -> np.ndarray:
    """Each column's largest magnitude rounded up to a power of two (1 for a column of zeros): dividing by it
    is exact and brings every column near 1, so that products of columns of 1e160 do not overflow, nor of
    1e-170 underflow (the Gram matrix had inf or 0 there, and the fit coefficients of 0)."""
    top = np.maximum(x.max(axis=0), -x.min(axis=0)) if len(x) else np.zeros(x.shape[1])
    return np.where(top > 0, np.exp2(np.ceil(np.log2(np.where(top > 0, top, 1.0)))), 1.0)


def centred_moments(x: np.ndarray, scale=1.0, rows: int = 1 << 16) -> tuple[np.ndarray, np.ndarray]:
    """(x̄, XcᵀXc/n) of the columns divided by `scale`, centred a block of rows at a time (no n×p copy)."""
    xm = x.mean(axis=0) / scale
    gram = np.zeros((x.shape[1], x.shape[1]))
    for start in range(0, x.shape[0], rows):
        c = x[start:start + rows] / scale - xm
        gram += c.T @ c
    return xm, gram / x.shape[0]


def skipped_note(p: int, cfg: Config, over_budget: bool = False) -> str:
    """What gd/sgd say when checks_affordable skipped their checks, so that no warning vanishes unsaid; with
    the reason it had (under --memory-limit 64KB the note had blamed the checks' work)."""
    why = (f"its {p}×{p} matrices would not fit the memory budget" if over_budget else
           f"that solves a {p}×{p} system, more work than this training")
    return (f"train-linreg: {cfg.method}'s fit was not compared with the optimum, nor its {p} features checked for "
            f"dependence ({why}): compare with --method normal")


def training_notes(n: int, p: int, cfg: Config, checked: bool, dependence: Callable[[], str | None],
                   budget: int | None = None) -> list[str]:
    """The warnings before training: too few rows, else where `checked` dependence() (dependence_note on the
    moments, which the caller computes its own way), and that the checks were skipped (skipped_note)."""
    note = too_few_rows_note(n, p, cfg)
    if note is None and checked:
        note = dependence()
    skipped = None if checked else skipped_note(p, cfg, not _checks_fit(p, budget))
    return [line for line in (note, skipped) if line]


def too_few_rows_note(n: int, p: int, cfg: Config) -> str | None:
    """dependence_note's first case, which needs no moments: fewer equations than unknowns."""
    if cfg.l1 or cfg.l2 or n >= p + cfg.intercept:
        return None
    unknowns = f"{p} feature{'s' * (p > 1)}" + (" and an intercept" if cfg.intercept else "")
    return (f"train-linreg: {n} rows for {unknowns}: many coefficients fit with the same loss, and these are "
            "one of them: add rows, or add --l2")


def dependence_note(gram, xm, n: int, features, cfg: Config) -> str | None:
    """A warning when the features are linearly dependent (a constant column beside the intercept, or one
    column an exact combination of others): many coefficient vectors then fit equally well, and which one
    comes out depends on the method and its start (the normal equation gives the minimum-norm one). None
    with a penalty (--l2 makes the fit unique) or when they are independent. gram: XcᵀXc/n, as
    normal_from_moments takes it."""
    if cfg.l1 or cfg.l2 or not (np.isfinite(gram).all() and np.isfinite(xm).all()):
        return None  # (moments beyond float64: the fit's own error says what is wrong)
    p = len(xm)
    if note := too_few_rows_note(n, p, cfg):
        return note
    if not cfg.intercept:
        gram, xm = gram + np.outer(xm, xm), np.zeros_like(xm)
    sigma = np.sqrt(np.maximum(np.diag(gram), 0.0))
    constant = constant_columns(xm, sigma, n) | (sigma == 0)
    if constant.any() and cfg.standardize:
        return None  # check_constant's error says it
    if constant.any():
        name = features[int(np.flatnonzero(constant)[0])]
        what = "is constant: beside the intercept" if cfg.intercept else "is all zeros:"
        return (f"train-linreg: feature {name!r} {what} its coefficient could be anything (one of many fits "
                "with the same loss is shown): drop the column, or add --l2")
    scaled = gram / np.outer(sigma, sigma)
    values, vectors = np.linalg.eigh(scaled)
    if not values[0] < DEPENDENT_BELOW * max(values[-1], 1.0):
        return None
    v = vectors[:, 0]
    names = ", ".join(repr(features[j]) for j in np.flatnonzero(np.abs(v) > 0.1 * np.abs(v).max()))
    return (f"train-linreg: features {names} are linearly dependent (one is a combination of the others): many "
            "coefficients fit with the same loss, and these are one of them: drop a column, or add --l2")


def r2_score(y, pred) -> float:
    """1 − SS_res/SS_tot; NaN for fewer than two rows, where it is undefined (scikit-learn's r2_score
    too: a one-row validation set reported 0)."""
    if len(y) < 2:
        return math.nan
    ss_res = float(np.sum((y - pred) ** 2))
    ss_tot = float(np.sum((y - y.mean()) ** 2))
    return 1.0 - ss_res / ss_tot if ss_tot > 0 else (1.0 if ss_res == 0 else 0.0)


def fit(data: Data, cfg: Config, engine: str = "auto", tracer=None,
        callback: Callable[[Event], None] | None = None,
        on_short: Callable[[str], None] | None = None, on_note: Callable[[str], None] | None = None,
        budget: int | None = None) -> dict:
    """Train; return the named results of the contract (coefficients in the data's own units).
    on_short(message) is called when gradient descent ended short of the optimum (shortfall_message),
    on_note(message) when the features are linearly dependent (dependence_note), and when the loss grew
    short of a shortfall (grew_message). The optimum's and dependence checks are skipped where
    checks_affordable says no (budget: the memory budget in bytes)."""
    validate(cfg)
    x, y, x_val, y_val = _split(data, cfg.val_split, cfg.seed)
    checked = checks_affordable(*x.shape, cfg, budget)
    if on_note is not None:
        def dependence():
            xm, gram = centred_moments(x, column_scales(x))
            return dependence_note(gram, xm, len(x), data.features, cfg)
        for line in training_notes(*x.shape, cfg, checked, dependence, budget):
            on_note(line)
    rng = np.random.default_rng(cfg.seed)
    shuffled = cfg.method == "sgd" and cfg.batch_size < len(y)
    use_numba = cfg.method != "normal" and engines.uses_numba("linreg_epochs", engine, _auto_work(*x.shape, cfg))
    if shuffled:
        # shuffle the rows once into a private copy (then standardized in place); each epoch visits
        # its contiguous batches in a new order, so reads stay sequential (a fresh row permutation
        # every epoch read memory at random and ran 4-5x slower on large data)
        perm = rng.permutation(len(y))
        if use_numba:  # gather and scale in one parallel pass
            from mlcalc.kernels.cpu.linreg import shuffled_standardized
            xs, ys, mu, sigma, my, sy = shuffled_standardized(x, y, perm, cfg.standardize, cfg.intercept)
            check_constant(mu, sigma, len(xs), data.features, cfg.standardize, cfg.intercept)
        else:
            xs, ys, mu, sigma, my, sy = _standardized(x[perm], y[perm], data.features, cfg.standardize,
                                                      in_place=True, center=cfg.intercept)
    else:
        xs, ys, mu, sigma, my, sy = _standardized(x, y, data.features, cfg.standardize, center=cfg.intercept)
    watch = LossWatch(reporting_in_data_units(callback, sy))
    scales = None  # for gd's advice
    if cfg.method != "normal" and not cfg.standardize:
        scales = scales_note(root_mean_squares(x), data.features, cfg.intercept)
    if cfg.method == "normal":
        theta, history, epochs = _normal(xs, ys, cfg), [], 0
        if tracer is not None:
            _trace_normal(tracer, xs, ys, theta, cfg)
    else:
        theta, history, epochs = _descend(xs, ys, cfg, engine, tracer, watch, rng, scales)
        shortfall = None
        best = optimum(lambda sweeps: _normal(xs, ys, cfg, sweeps), xs.shape[1], cfg) if checked else None
        if best is not None:
            objective = lambda th: reference.mse(xs, ys, th) + penalty(th, cfg)  # noqa: E731
            start = np.append(np.zeros(len(theta) - 1), ys.mean() if cfg.intercept else 0.0)  # b alone
            zero = float(np.mean(np.square(y))) / (sy * sy)  # y's mean square, in the units the objective is in
            shortfall = unconverged(objective(theta), objective(best), objective(start), zero)
    coef, intercept = to_original_units(theta, mu, sigma, my, sy)
    pred = x @ coef + intercept
    result = {"coef": coef, "intercept": intercept, "features": data.features, "target": data.target,
              "loss": float(np.mean((pred - y) ** 2)), "r2": r2_score(y, pred)}
    if x_val is not None:
        pv = x_val @ coef + intercept
        result["val_loss"] = float(np.mean((pv - y_val) ** 2))
        result["val_r2"] = r2_score(y_val, pv)
    result["epochs"] = epochs
    result["history"] = in_data_units(history, sy)
    if cfg.method != "normal":
        bounced = watch.bounced() if rate_judged(cfg, full_batch(cfg, len(ys))) else None
        report_ending(cfg, epochs, shortfall, sy, result["history"], scales, bounced, on_short, on_note)
    return result


def report_ending(cfg: Config, epochs: int, shortfall: tuple[float, float] | None, sy: float, history: list[float],
                  scales: str | None, bounced: bool | None, on_short, on_note) -> None:
    """How gradient descent ended, where it matters: short of the optimum (unconverged's pair, in standardized
    units: on_short), or else with a loss that grew (on_note); both fits' last words."""
    if shortfall is not None:
        if on_short is not None:
            on_short(shortfall_message(cfg, epochs, *(v * sy * sy for v in shortfall), history, scales, bounced))
    elif grew(history, cfg) and on_note is not None:  # (a shortfall's message says it already)
        on_note(grew_message(history, cfg, scales))


def penalty(theta, cfg: Config) -> float:
    w = theta[:-1]
    return cfg.l2 * float(w @ w) + cfg.l1 * float(np.abs(w).sum())


def unconverged(final: float, best: float, start: float, zero: float = 0.0) -> tuple[float, float] | None:
    """(final, best) objectives when training stopped short of the optimum (the normal equations' θ):
    more than 1 % above it, and more than 0.1 % of the way to it from the intercept alone (w = 0, b = ȳ).
    Where the intercept alone is the optimum (a constant y: both 0), also more than 1e-8 of the loss at
    θ = 0 (`zero`, the mean square of y): a loss of 5e-8 against y = 5 was "did not converge". (Not
    otherwise: y far from 0, as temperatures in kelvin, would hide real shortfalls.)
    None when close enough.
    With --l1 the optimum is coordinate descent's (see optimum)."""
    gap = final - best
    floor = 1e-8 * zero if start <= best else 0.0
    return (final, best) if gap > max(0.01 * best, 1e-3 * (start - best), floor) else None


def optimum(closed_form: Callable[[int], np.ndarray], features: int, cfg: Config) -> np.ndarray | None:
    """The θ gradient descent should reach, to check it against: closed_form(sweeps)'s, the normal
    equations' or with l1 coordinate descent's in at most that many sweeps. None (no check) with l1
    beyond L1_CHECK_UP_TO features or L1_CHECK_SWEEPS sweeps, where coordinate descent's Python loop
    could cost more than the training."""
    if cfg.l1 and features > L1_CHECK_UP_TO:
        return None
    try:
        return closed_form(L1_CHECK_SWEEPS)
    except NumericError:
        return None


def grew(history: list[float], cfg: Config) -> bool:
    """The loss rose from the first logged epoch to the last: short of divergence, but not learning; the
    rate is too large. (With l1/l2 the MSE alone may rise as the penalty falls: not judged.)"""
    return len(history) >= 2 and history[-1] > history[0] and not (cfg.l1 or cfg.l2)


def grew_message(history: list[float], cfg: Config, scales: str | None = None) -> str:
    """The warning for a loss that grew without ending short of the optimum (sgd's noise close to it); scales:
    scales_note's, which puts --standardize first as in the other advice."""
    grown = f"train-linreg: the loss grew from {history[0]:.6g} to {history[-1]:.6g}: the learning rate is probably too large"
    if scales and not cfg.standardize:  # (its parentheses would nest three deep in the others' brackets)
        return f"{grown}; use --standardize (the columns' scales differ: {scales}), or try a smaller --lr"
    return f"{grown} (try a smaller --lr" + (")" if cfg.standardize else ", or --standardize)")


def shortfall_message(cfg: Config, epochs: int, final: float, best: float, history: list[float],
                      scales: str | None = None, bounced: bool | None = None) -> str:
    """What the CLI warns when gradient descent ended short of the optimum (data units); scales: scales_note's,
    which puts --standardize first; bounced: LossWatch's where rate_judged (else None: which way is open)."""
    what = "loss with its penalty" if cfg.l1 or cfg.l2 else "loss"
    ran_out = epochs >= cfg.epochs
    how = f"did not converge in {epochs} epochs" if ran_out else f"settled after {epochs} epochs (--tol)"
    grown, verb = "", ""
    if grew(history, cfg):  # more epochs or a larger rate would not help
        grown, verb, advice = f"the loss grew from {history[0]:.6g}: ", "try ", "a smaller --lr"
    elif bounced:  # a larger rate would bounce further
        verb, advice = "try ", "a smaller --lr, or " + ("raise --epochs" if ran_out else "lower --tol")
    elif ran_out:
        advice = "raise --epochs or --lr"
    else:
        advice = "lower --tol, or raise --lr" if bounced is False else "lower --tol, or change --lr"
    if scales and not cfg.standardize:
        advice = f"use --standardize (the columns' scales differ: {scales}), or {advice}"
    else:
        advice = verb + advice + ("" if cfg.standardize else ", or use --standardize")
    return (f"train-linreg: {cfg.method} {how}: {what} {final:.6g} against {best:.6g} at the optimum "
            f"(--method normal); {grown}{advice}")


# the spread of the columns' root mean squares from which --standardize leads gd's advice: a rate small enough
# for the largest scale creeps along the smallest (the seed articles' feature scaling)
SCALE_SPREAD = 10.0


def scales_note(rms, features: list[str], intercept: bool) -> str | None:
    """'root mean square from 1 (the intercept's ones) to 127 ('area_m2')' when the features' root mean squares
    (and the intercept's column of ones) span a factor of SCALE_SPREAD or more, else None. With it the
    advice for a diverging or slow gd leads with --standardize: told to lower --lr, a learner went from
    divergence to a shortfall and back on the housing sample, which --standardize fits in 300 epochs."""
    scales = [(float(r), repr(name)) for r, name in zip(rms, features) if r > 0 and math.isfinite(r)]
    if intercept:
        scales.append((1.0, "the intercept's ones"))
    if len(scales) < 2:
        return None
    (lo, lo_name), (hi, hi_name) = min(scales), max(scales)
    if not hi >= SCALE_SPREAD * lo:
        return None
    return f"root mean square from {lo:.3g} ({lo_name}) to {hi:.3g} ({hi_name})"


def root_mean_squares(x: np.ndarray) -> np.ndarray:
    """Each column's root mean square (scales_note's measure of a column's scale; of centred columns, their
    standard deviation), without a copy of x."""
    return np.sqrt(np.einsum("ij,ij->j", x, x) / max(len(x), 1))


def in_data_units(history: list[float], sy: float) -> list[float]:
    """Training losses on standardized data (a residual scaled by 1/s_y) as MSEs in the data's
    units, like `loss`: × s_y² (s_y = 1 without --standardize)."""
    return [h * sy * sy for h in history]


def validate(cfg: Config) -> None:
    if cfg.method not in ("gd", "sgd", "normal"):
        raise InputError(f"train-linreg: unknown method {cfg.method!r}")
    if cfg.epochs < 1 or cfg.batch_size < 1 or cfg.log_every < 1:
        raise InputError("train-linreg: --epochs, --batch-size and --log-every must be at least 1")
    if cfg.l1 < 0 or cfg.l2 < 0:
        raise InputError("train-linreg: --l1 and --l2 must not be negative")


def to_original_units(theta, mu, sigma, my, sy) -> tuple[np.ndarray, float]:
    """Coefficients trained on standardized data back in the data's units:
    ŷ = Σ w_sⱼ·(xⱼ − μⱼ)/σⱼ·s_y + m_y."""
    coef = theta[:-1] * sy / sigma
    return coef, float(theta[-1] * sy + my - np.dot(coef, mu))


def _normal(x, y, cfg: Config, sweeps: int = COORDINATE_SWEEPS) -> np.ndarray:
    """Closed form on centred data, b = ȳ − x̄·w (without an intercept, on the raw data): the w of
    (XcᵀXc/n + l2·I)·w = Xcᵀyc/n, solved on the columns divided by their scales (column_scales) with one
    step of refinement (_least_squares). A column constant to rounding beside the intercept gets w = 0
    (scaled up, its rounding noise was fitted with a coefficient of −2.6e8). With l1, coordinate descent on
    the moments (normal_from_moments)."""
    n, p = x.shape
    if cfg.l1 > 0:
        xm, ym = x.mean(axis=0), y.mean()
        xc, yc = x - xm, y - ym
        return normal_from_moments(xc.T @ xc / n, xc.T @ yc / n, xm, ym, cfg, sweeps)
    scale = column_scales(x)
    xm, ym = (x.mean(axis=0), y.mean()) if cfg.intercept else (np.zeros(p), 0.0)
    xc = x - xm
    xc /= scale
    free = np.linalg.norm(xc, axis=0) > 0
    if cfg.intercept:
        free &= ~constant_columns(xm / scale, root_mean_squares(xc), n)
    # w = v/scale: the penalty n·l2·‖w‖² is n·l2/scale² on each v. Where that overflows (--l2 1e308) the
    # coefficient is its limit, 0 (LAPACK, given the inf, printed its complaints on stdout and failed)
    penalty = n * cfg.l2 / scale / scale if cfg.l2 else np.zeros(p)  # (1e-170 squared is 0: divided twice)
    free &= np.isfinite(penalty)
    w = np.zeros(p)
    if free.any():
        kept = xc if free.all() else xc[:, free]
        w[free] = _least_squares(kept, y - ym, penalty[free], scale[free]) / scale[free]
    return np.append(w, ym - xm @ w)


def _least_squares(xc, yc, penalty, units) -> np.ndarray:
    """v minimising ‖xc·v − yc‖² + Σ penaltyⱼ·vⱼ²: the normal equations by scaled Cholesky (_spd_solver), then
    one step of iterative refinement on the residual of the data itself (the corrected semi-normal
    equations). The normal equations square X's condition number: b = a + 1e-5·noise left w right to 5
    digits, 10 after the step, as NumPy's lstsq, for two products with X rather than an SVD of it (13
    times the time at 400,000×100). Where they are singular or near it (dependent columns), NumPy's lstsq on
    the columns in their own `units` (xc·units): its minimum-norm solution there, as by blocks."""
    p = xc.shape[1]
    normal = xc.T @ xc
    normal[np.diag_indices(p)] += penalty
    solve = _spd_solver(normal)
    if solve is None:
        raw = xc * units
        a = np.vstack([raw, np.diag(np.sqrt(penalty) * units)]) if np.any(penalty > 0) else raw
        b = np.append(yc, np.zeros(p)) if np.any(penalty > 0) else yc
        return np.linalg.lstsq(a, b, rcond=None)[0] * units
    v = solve(xc.T @ yc)
    return v + solve(xc.T @ (yc - xc @ v) - penalty * v)  # the gradient left at v, solved for its step


def normal_from_moments(gram, rhs, xm, ym, cfg: Config, sweeps: int = COORDINATE_SWEEPS) -> np.ndarray:
    """θ = [w, b] from the centred moments G = XcᵀXc/n and r = Xcᵀyc/n (also accumulated by blocks);
    with l1, coordinate descent. Without an intercept, b = 0 and w solves the raw moments
    XᵀX/n = G + x̄x̄ᵀ, Xᵀy/n = r + x̄ȳ."""
    p = len(rhs)
    if not cfg.intercept:
        gram, rhs = gram + np.outer(xm, xm), rhs + xm * ym
        xm, ym = np.zeros(p), 0.0
    if cfg.l1 > 0:
        w = _coordinate_descent(gram, rhs, cfg.l1, cfg.l2, sweeps)
    else:
        solve = _spd_solver(gram + cfg.l2 * np.eye(p))
        # singular or badly conditioned XᵀX: the minimum-norm least-squares solution
        w = solve(rhs) if solve is not None else np.linalg.lstsq(gram + cfg.l2 * np.eye(p), rhs, rcond=None)[0]
    return np.append(w, ym - xm @ w)


def _spd_solver(a) -> Callable[[np.ndarray], np.ndarray] | None:
    """rhs ↦ a⁻¹·rhs by Cholesky for a symmetric positive-definite a; None where it is singular or near it.
    Judged and solved on a scaled to a unit diagonal (the features' correlations): columns of scales 1 and
    1e8 made cond(a) 1e16 and sent a well-determined fit to lstsq, which cut the small column's
    coefficient to 0 (R² 0.46 where the fit has 0.99)."""
    d = np.sqrt(np.diag(a))
    d = np.where(d > 0, d, 1.0)  # an all-zero column: its coefficient is 0 either way
    scaled = a / np.outer(d, d)
    try:
        if np.linalg.cond(scaled) > 1e12:
            return None
        lower = np.linalg.cholesky(scaled)
    except np.linalg.LinAlgError:
        return None
    return lambda rhs: np.linalg.solve(lower.T, np.linalg.solve(lower, rhs / d)) / d


def _coordinate_descent(gram, rhs, l1, l2, sweeps: int = COORDINATE_SWEEPS, tol: float = 1e-12) -> np.ndarray:
    """Minimise wᵀ·G·w − 2·rᵀw + l2·‖w‖² + l1·‖w‖₁ (the centred objective) one coordinate at a time:
    wⱼ = S(rⱼ − Σ_{k≠j} Gⱼₖwₖ, l1/2) / (Gⱼⱼ + l2)."""
    p = len(rhs)
    w = np.zeros(p)
    for _ in range(sweeps):
        biggest = 0.0
        for j in range(p):
            if gram[j, j] + l2 == 0:
                continue
            rho = rhs[j] - gram[j] @ w + gram[j, j] * w[j]
            new = np.sign(rho) * max(abs(rho) - l1 / 2, 0.0) / (gram[j, j] + l2) + 0.0  # +0, not −0 (soft_threshold)
            biggest = max(biggest, abs(new - w[j]))
            w[j] = new
        if biggest <= tol * max(1.0, np.abs(w).max()):
            return w
    raise NumericError("train-linreg: coordinate descent did not converge; try a larger --l1 or --standardize")


def _descend(x, y, cfg: Config, engine: str, tracer, callback, rng, scales: str | None = None):
    """Gradient descent on rows that `fit` already shuffled once (sgd); scales: scales_note's, for the advice."""
    n, p = x.shape
    lr = cfg.learning_rate
    whole = full_batch(cfg, n)
    batches = 1 if whole else -(-n // cfg.batch_size)
    total_steps = cfg.epochs * batches if cfg.decay else 0
    theta = np.zeros(p + 1)
    use_numba = engines.uses_numba("linreg_epochs", engine, _auto_work(n, p, cfg))
    if use_numba:
        runner = engines.kernel("linreg_epochs", "numba")(x, y, CODES[cfg.optimizer], lr, cfg.l1, cfg.l2,
                                                          total_steps, cfg.intercept)
        mse = runner.mse
    else:
        opt = Optimizer(cfg.optimizer, lr, p + 1)
        mse = lambda th: reference.mse(x, y, th)  # noqa: E731
    initial = float(y @ y) / n  # the loss at θ = 0, without a pass over X
    history, previous = [], None
    callback(Event("start", 0, initial, cfg.epochs))
    tol = stop_tolerance(cfg, whole)
    epochs_run = cfg.epochs
    for epoch in range(1, cfg.epochs + 1):
        starts = None if whole else rng.permutation(batches) * cfg.batch_size
        if tracer is not None and epoch == 1:
            _trace_first_step(tracer, x, y, theta, cfg, starts)
        if use_numba:
            loss = runner.epoch(theta, starts, cfg.batch_size)
        else:
            loss = reference.epoch(x, y, theta, opt, starts, cfg.batch_size, cfg.l1, cfg.l2, total_steps,
                                   cfg.intercept)
        check_divergence(loss, theta, initial, epoch, lr, cfg, scales)
        if epoch % cfg.log_every == 0 or epoch == 1:
            reported = mse(theta)  # the exact loss after the epoch, for the report
            history.append(reported)
            if tracer is not None:
                # everything at the weights this epoch ended with: the full-batch gradient there (gd's
                # next step; sgd's steps take mini-batches), m and v including this epoch's updates
                state = state_of(cfg.optimizer, runner.m, runner.v) if use_numba else opt.state()
                tracer.step(f"Epoch {epoch} done", f"loss at the new w, b = (1/n)·Σ(ŷ − y)² = {reported:.6g}",
                            note=_weights_note(theta) + ("; " + " and ".join(state) + " as this epoch's updates "
                                                         "left them" if state else ""),
                            **{"gradient there": _gradient(x, y, theta, cfg)}, **state)
        callback(Event("epoch", epoch, loss, cfg.epochs))
        # the epoch losses (for gd: the exact MSE before each update) decide when training has settled
        if settled(previous, loss, tol):
            epochs_run = epoch
            break
        previous = loss
    if epochs_run % cfg.log_every != 0 and epochs_run != 1:
        history.append(mse(theta))
    final = history[-1]
    callback(Event("end", epochs_run, final, cfg.epochs))
    return theta, history, epochs_run


def full_batch(cfg: Config, n: int) -> bool:
    """Every step takes all n rows: gd, or sgd with --batch-size n or more."""
    return cfg.method == "gd" or cfg.batch_size >= n


def stop_tolerance(cfg: Config, whole: bool) -> float | None:
    """--tol, or 1e-12 for full-batch training at a constant rate (sgd's noise never settles)."""
    return cfg.tol if cfg.tol is not None else (1e-12 if whole and not cfg.decay else None)


def settled(previous: float | None, loss: float, tol: float | None) -> bool:
    """The loss changed by at most tol (relative) since the last epoch."""
    return tol is not None and previous is not None and abs(previous - loss) <= tol * max(previous, 1e-300)


def check_divergence(loss: float, theta, initial: float, epoch: int, lr: float, cfg: Config,
                     scales: str | None = None) -> None:
    """A non-finite loss or weights, or a loss a millionfold the starting one: an error with advice
    (--standardize first where scales_note found the features' scales apart)."""
    diverged = loss > 1e6 * max(initial, 1e-300) and loss > 1e6
    if diverged or not (math.isfinite(loss) and np.isfinite(theta).all()):
        units = " on the standardized data" if cfg.standardize else ""  # the loss of what is trained
        if cfg.optimizer == "sgd" and lr * cfg.l2 >= 1:
            # plain steps: the penalty's own step multiplies w by 1 − 2·lr·l2, beyond −1 whatever the data
            advice = f"--lr × --l2 must stay below 1 (here {lr:g} × {cfg.l2:g}): lower --lr or --l2"
        elif scales and not cfg.standardize:
            advice = (f"use --standardize (the columns' scales differ: {scales}), or a smaller --lr than {lr:g}"
                      + (", or a smaller --l2" if lr * cfg.l2 >= 1 else ""))
        else:
            advice = (f"try a smaller --lr than {lr:g}" + (", or a smaller --l2" if lr * cfg.l2 >= 1 else "")
                      + ("" if cfg.standardize else ", or --standardize"))
        raise NumericError(f"train-linreg: training diverged at epoch {epoch} (loss {loss:.3g}{units}); {advice}")


def _gradient(x, y, theta, cfg: Config) -> np.ndarray:
    """The gradient a step applies (b's entry 0 without an intercept), for the trace."""
    g = reference.gradient(x, y, theta, cfg.l2)
    if not cfg.intercept:
        g[-1] = 0.0
    return g


def _weights_note(theta) -> str:
    w = ", ".join(f"{v:.6g}" for v in theta[:-1][:6]) + (", …" if len(theta) > 7 else "")
    return f"w = [{w}], b = {theta[-1]:.6g}"


def _trace_first_step(tracer, x, y, theta, cfg: Config, starts) -> None:
    """The first update with its numbers, as the tutorial works it by hand (on a few rows)."""
    rows = np.arange(len(y)) if starts is None else np.arange(starts[0], min(len(y), starts[0] + cfg.batch_size))
    order = starts
    xb, yb = x[rows], y[rows]
    pred = xb @ theta[:-1] + theta[-1]
    r = pred - yb
    share = 1.0 if starts is None else reference.batch_share(len(y), int(starts[0]), cfg.batch_size)
    g = _gradient(xb, yb, theta, cfg) * share
    model = "ŷ = X·w + b" if cfg.intercept else "ŷ = X·w"
    what = "the whole data set (gd)" if order is None else f"a shuffled mini-batch of {len(rows)} rows (sgd)"
    if share != 1.0:
        what += f", the last and shorter one, whose step weighs {len(rows)}/{cfg.batch_size} so that every row counts alike"
    tracer.step("Model and objective", f"{model};  L = (1/n)·Σ(ŷ − y)²" +
                (f" + {cfg.l2:g}·‖w‖²" if cfg.l2 else "") + (f" + {cfg.l1:g}·‖w‖₁" if cfg.l1 else ""),
                note=f"{x.shape[0]} row{'s' if x.shape[0] != 1 else ''}, {x.shape[1]} feature{'s' if x.shape[1] != 1 else ''}; "
                     f"step 1 uses {what}; " +
                ("w and b start at 0" if cfg.intercept else "w starts at 0; no intercept: b is held at 0") +
                (_standardized_note(cfg) if cfg.standardize else ""))
    tracer.step("Prediction", model, result=pred, X=xb, w=theta[:-1].copy(),
                **({"b": float(theta[-1])} if cfg.intercept else {}))
    tracer.step("Residual", "r = ŷ − y", result=r, y=yb)
    tracer.step("Gradient", "∂L/∂w = (2/n)·Xᵀ·r" + (" + 2·l2·w" if cfg.l2 else "") +
                (",  ∂L/∂b = (2/n)·Σ r" if cfg.intercept else ""), result=g,
                note="the last entry is ∂L/∂b" if cfg.intercept else "the last entry is b's: 0, no intercept")
    opt = Optimizer(cfg.optimizer, cfg.learning_rate, len(theta))
    new = theta.copy()
    opt.step(new, g)
    if cfg.l1:
        opt.prox(new[:-1], share * cfg.l1)
    rule = {"sgd": "θ ← θ − η·g", "momentum": "v ← 0.9·v + g;  θ ← θ − η·v",
            "rmsprop": "s ← 0.9·s + 0.1·g²;  θ ← θ − η·g/(√s + ε)",
            "adam": "m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²;  θ ← θ − η·m̂/(√v̂ + ε)"}[cfg.optimizer]
    tracer.step(f"Update ({cfg.optimizer}, η = {cfg.learning_rate:g})", rule +
                ("; then wⱼ ← sign(wⱼ)·max(|wⱼ| − ηⱼ·l1, 0), ηⱼ the optimizer's step on wⱼ" if cfg.l1 else ""),
                result=new, **opt.state())


def _standardized_note(cfg: Config) -> str:
    if cfg.intercept:
        return ("; X and y standardized (zero mean, unit variance): the losses below are in those units, "
                "history and loss in y's (× var(y))")
    return ("; X's columns and y divided by their root mean squares (not centred: a shift would be an "
            "intercept): the losses below are in those units, history and loss in y's")


def _trace_normal(tracer, x, y, theta, cfg: Config) -> None:
    n, p = x.shape
    if not cfg.intercept:
        tracer.step("Normal equation", "(XᵀX/n + l2·I)·w = Xᵀy/n,  b = 0 (no intercept)" +
                    ("; with l1: coordinate descent, wⱼ = S(ρⱼ, l1/2)/(Gⱼⱼ + l2)" if cfg.l1 else ""),
                    note=f"{n} rows, {p} features: XᵀX costs {n * p * p} multiply-adds",
                    **{"G": x.T @ x / n, "r": x.T @ y / n})
        tracer.step("Solution", "w, b", result=theta, note="the last entry is b")
        _trace_gradient_check(tracer, x, y, theta, cfg)
        return
    tracer.step("Normal equation", "(XcᵀXc/n + l2·I)·w = Xcᵀyc/n,  b = ȳ − x̄·w" +
                ("; with l1: coordinate descent, wⱼ = S(ρⱼ, l1/2)/(Gⱼⱼ + l2)" if cfg.l1 else ""),
                note=f"Xc, yc: the data centred on its means, so the intercept is not penalised; "
                     f"{n} rows, {p} features: XᵀX costs {n * p * p} multiply-adds")
    xm, ym = x.mean(axis=0), float(y.mean())
    xc = x - xm
    tracer.step("Means and centred moments", "x̄ = (1/n)·Σ xᵢ,  ȳ = (1/n)·Σ yᵢ;  G = XcᵀXc/n,  r = Xcᵀyc/n",
                **{"x̄": xm, "ȳ": ym, "G": xc.T @ xc / n, "r": xc.T @ (y - ym) / n})
    tracer.step("Solution", "w, b", result=theta, note="the last entry is b")
    _trace_gradient_check(tracer, x, y, theta, cfg)


def _trace_gradient_check(tracer, x, y, theta, cfg: Config) -> None:
    r = x @ theta[:-1] + theta[-1] - y
    grad = 2.0 / len(y) * (x.T @ r) + 2 * cfg.l2 * theta[:-1]
    if not cfg.l1:
        tracer.step("Check: the gradient vanishes", f"max |∂L/∂w| = {np.abs(grad).max():.3g}")


def settings_dict(cfg: Config) -> dict:
    d = asdict(cfg)
    d["lr"] = cfg.learning_rate if cfg.method != "normal" else None
    return d
