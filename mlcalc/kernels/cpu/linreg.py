"""numba kernels for linear-regression training: a whole epoch per call, every mini-batch in one
fused pass (prediction, residual, gradient) followed by the optimizer's update and the L1 proximal
step — the same arithmetic as mlcalc/train/reference.py and optimizers.py.

Large batches (full-batch gd on big data) compute the gradient in parallel over row chunks with
per-chunk partial sums; small batches stay serial, where threads would cost more than they save.
"""

import numpy as np
from numba import njit, prange

from mlcalc.config import JIT_OPTIONS
from mlcalc.train.optimizers import BETA1, BETA2, EPS, MOMENTUM, RHO

_PARALLEL_FROM = 16384  # rows in a batch from which the gradient is split over threads
_CHUNK = 4096


@njit(**JIT_OPTIONS)
def _batch_gradient_serial(x, y, start, stop, theta, g):
    """Σ r·xᵢ into g (and Σ r into g[p]) over the batch; returns Σ r² (the loss before the update)."""
    p = x.shape[1]
    for j in range(p + 1):
        g[j] = 0.0
    sse = 0.0
    for i in range(start, stop):
        r = theta[p] - y[i]
        for j in range(p):
            r += x[i, j] * theta[j]
        for j in range(p):
            g[j] += r * x[i, j]
        g[p] += r
        sse += r * r
    return sse


@njit(parallel=True, **JIT_OPTIONS)
def _batch_gradient_parallel(x, y, start, stop, theta, g):
    p = x.shape[1]
    nchunks = (stop - start + _CHUNK - 1) // _CHUNK
    partial = np.zeros((nchunks, p + 2))  # last column: Σ r²
    for c in prange(nchunks):
        lo = start + c * _CHUNK
        hi = min(stop, lo + _CHUNK)
        for i in range(lo, hi):
            r = theta[p] - y[i]
            for j in range(p):
                r += x[i, j] * theta[j]
            for j in range(p):
                partial[c, j] += r * x[i, j]
            partial[c, p] += r
            partial[c, p + 1] += r * r
    for j in range(p + 1):
        g[j] = 0.0
        for c in range(nchunks):
            g[j] += partial[c, j]
    sse = 0.0
    for c in range(nchunks):
        sse += partial[c, p + 1]
    return sse


@njit(**JIT_OPTIONS)
def _update(theta, g, m, v, t, opt, lr, l1):
    p = theta.shape[0] - 1
    for j in range(p + 1):
        if opt == 0:      # sgd
            theta[j] -= lr * g[j]
        elif opt == 1:    # momentum
            m[j] = MOMENTUM * m[j] + g[j]
            theta[j] -= lr * m[j]
        elif opt == 2:    # rmsprop
            v[j] = RHO * v[j] + (1.0 - RHO) * g[j] * g[j]
            theta[j] -= lr * g[j] / (np.sqrt(v[j]) + EPS)
        else:             # adam
            m[j] = BETA1 * m[j] + (1.0 - BETA1) * g[j]
            v[j] = BETA2 * v[j] + (1.0 - BETA2) * g[j] * g[j]
            m_hat = m[j] / (1.0 - BETA1 ** t)
            v_hat = v[j] / (1.0 - BETA2 ** t)
            theta[j] -= lr * m_hat / (np.sqrt(v_hat) + EPS)
    if l1 > 0.0:  # proximal step of l1·ηⱼ·‖w‖₁, ηⱼ the optimizer's step on wⱼ (Optimizer.prox)
        for j in range(p):
            if opt == 1:
                step = lr * (1.0 - MOMENTUM ** t) / (1.0 - MOMENTUM)  # optimizers.momentum_gain
            elif opt == 2:
                step = lr / (np.sqrt(v[j]) + EPS)
            elif opt == 3:
                step = lr / (np.sqrt(v[j] / (1.0 - BETA2 ** t)) + EPS)
            else:
                step = lr
            a = abs(theta[j]) - l1 * step
            theta[j] = np.sign(theta[j]) * a if a > 0.0 else 0.0


@njit(**JIT_OPTIONS)
def _epoch(x, y, starts, batch, theta, m, v, t, opt, lr0, total_steps, l1, l2, intercept):
    """Batches x[s:s+batch] for s in `starts` (the rows were shuffled once; the batch order is new each
    epoch). The step size is lr0, or lr0·(1 − (t−1)/total_steps) when total_steps > 0 (linear decay).
    Without an intercept its gradient is 0, so θ[p] stays 0 under every optimizer."""
    n = x.shape[0]
    p = x.shape[1]
    g = np.empty(p + 1)
    sse = 0.0
    for k in range(starts.shape[0]):
        start = starts[k]
        stop = min(n, start + batch)
        if stop - start >= _PARALLEL_FROM:
            sse += _batch_gradient_parallel(x, y, start, stop, theta, g)
        else:
            sse += _batch_gradient_serial(x, y, start, stop, theta, g)
        # the mean over the batch; a last, shorter batch of m rows weighs m/batch (its penalties too), so that
        # every row counts alike over an epoch (as the mean, the same m rows, shuffled once, weighed more
        # every epoch, and sgd settled away from the optimum)
        share = (stop - start) / batch
        scale = 2.0 / batch
        for j in range(p):
            g[j] = scale * g[j] + share * 2.0 * l2 * theta[j]
        g[p] = g[p] * scale if intercept else 0.0
        lr = lr0 * (1.0 - t / total_steps) if total_steps > 0 else lr0
        t += 1
        _update(theta, g, m, v, t, opt, lr, share * l1)
    return t, sse / n


@njit(parallel=True, **JIT_OPTIONS)
def _mse(x, y, theta):
    n, p = x.shape
    nchunks = (n + _CHUNK - 1) // _CHUNK
    partial = np.zeros(nchunks)
    for c in prange(nchunks):
        s = 0.0
        for i in range(c * _CHUNK, min(n, (c + 1) * _CHUNK)):
            r = theta[p] - y[i]
            for j in range(p):
                r += x[i, j] * theta[j]
            s += r * r
        partial[c] = s
    return partial  # summed by the caller: partial.sum() here is numba's reduction over the threads,
    # whose order (and last bits) changed with --threads


class EpochRunner:
    """Holds the optimizer state between epochs; the same interface as the NumPy loop."""

    def __init__(self, x, y, optimizer_code: int, lr: float, l1: float, l2: float, total_steps: int = 0,
                 intercept: bool = True):
        self.x = np.ascontiguousarray(x, dtype=np.float64)
        self.y = np.ascontiguousarray(y, dtype=np.float64)
        size = self.x.shape[1] + 1
        self.m, self.v, self.t = np.zeros(size), np.zeros(size), 0
        self.opt, self.lr, self.l1, self.l2, self.total_steps = optimizer_code, lr, l1, l2, total_steps
        self.intercept = intercept

    def epoch(self, theta, starts, batch: int) -> float:
        """One epoch over the batches at `starts` (None: one full batch); returns its loss: the mean
        of the squared residuals met before each update (for gd, the exact MSE of the starting θ)."""
        if starts is None:
            starts, batch = np.zeros(1, dtype=np.int64), self.x.shape[0]
        self.t, loss = _epoch(self.x, self.y, np.ascontiguousarray(starts, dtype=np.int64), batch, theta,
                              self.m, self.v, self.t, self.opt, self.lr, self.total_steps, self.l1, self.l2,
                              self.intercept)
        return float(loss)

    def mse(self, theta) -> float:
        return float(np.sum(_mse(self.x, self.y, theta)) / self.x.shape[0])


def warmup() -> None:
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((40, 3)), rng.standard_normal(40)
    for code in range(4):
        runner = EpochRunner(x, y, code, 0.01, 0.001, 0.001, intercept=code != 3)
        theta = np.zeros(4)
        runner.epoch(theta, rng.permutation(5) * 8, 8)
        runner.epoch(theta, None, 40)
        runner.mse(theta)
    shuffled_standardized(x, y, rng.permutation(40), True)
    big = rng.standard_normal((_PARALLEL_FROM + 10, 2))
    EpochRunner(big, big[:, 0], 0, 0.01, 0.0, 0.0, 10).epoch(np.zeros(3), None, 0)


@njit(parallel=True, **JIT_OPTIONS)
def _column_stats(x):
    """Column means and (population) variances in one parallel pass: sums about the first row's
    values, so that a large common offset does not cancel digits."""
    n, p = x.shape
    nchunks = (n + _CHUNK - 1) // _CHUNK
    s1 = np.zeros((nchunks, p))
    s2 = np.zeros((nchunks, p))
    for c in prange(nchunks):
        for i in range(c * _CHUNK, min(n, (c + 1) * _CHUNK)):
            for j in range(p):
                d = x[i, j] - x[0, j]
                s1[c, j] += d
                s2[c, j] += d * d
    mean = np.empty(p)
    var = np.empty(p)
    for j in range(p):
        a = 0.0
        b = 0.0
        for c in range(nchunks):
            a += s1[c, j]
            b += s2[c, j]
        mean[j] = x[0, j] + a / n
        var[j] = max(b / n - (a / n) ** 2, 0.0)
    return mean, var


@njit(parallel=True, **JIT_OPTIONS)
def _gather_standardize(x, y, perm, mu, sigma, my, sy, xs, ys):
    n, p = x.shape
    for i in prange(n):
        r = perm[i]
        for j in range(p):
            xs[i, j] = (x[r, j] - mu[j]) / sigma[j]
        ys[i] = (y[r] - my) / sy


def shuffled_standardized(x, y, perm, standardize: bool, center: bool = True):
    """x[perm], y[perm], scaled to zero mean and unit variance with --standardize, in one parallel pass
    after one statistics pass: (xs, ys, μ, σ, m_y, s_y). Not centred (center=False, a model without
    intercept): μ = m_y = 0 and each column divided by its root mean square."""
    x = np.ascontiguousarray(x, dtype=np.float64)
    y = np.ascontiguousarray(y, dtype=np.float64)
    p = x.shape[1]
    if standardize:
        mu, var = _column_stats(x)
        my, vy = _column_stats(y.reshape(-1, 1))
        if not center:  # the mean square is the variance plus the squared mean
            var, vy = var + mu * mu, vy + my * my
            mu, my = np.zeros(p), np.zeros(1)
        sigma = np.sqrt(var)
        my, sy = float(my[0]), float(np.sqrt(vy[0]))
    else:
        mu, sigma, my, sy = np.zeros(p), np.ones(p), 0.0, 1.0
    xs, ys = np.empty_like(x), np.empty_like(y)
    _gather_standardize(x, y, np.ascontiguousarray(perm, dtype=np.int64), mu, sigma, my, sy if sy > 0 else 1.0, xs, ys)
    return xs, ys, mu, sigma, my, (sy if sy > 0 else 1.0)
