"""numba kernels for linear-regression training: a whole epoch per call, every mini-batch in one
fused pass (prediction, residual, gradient) followed by the optimizer's update and the L1 proximal
step — the same arithmetic as mlcalc/train/reference.py and optimizers.py.

Large batches (full-batch gd on big data) compute the gradient in parallel over row chunks with
per-chunk partial sums; small batches stay serial, where threads would cost more than they save.
"""

from mlcalc import config

config.apply()

import numpy as np  # noqa: E402
from numba import njit, prange  # noqa: E402

from mlcalc.config import JIT_OPTIONS  # noqa: E402
from mlcalc.train.optimizers import BETA1, BETA2, EPS, MOMENTUM, RHO  # noqa: E402

_PARALLEL_FROM = 16384  # rows in a batch from which the gradient is split over threads
_CHUNK = 4096


@njit(**JIT_OPTIONS)
def _batch_gradient_serial(x, y, rows, start, stop, theta, g):
    """Σ r·xᵢ into g (and Σ r into g[p]) over the batch; returns Σ r² (the loss before the update)."""
    p = x.shape[1]
    for j in range(p + 1):
        g[j] = 0.0
    sse = 0.0
    for k in range(start, stop):
        i = rows[k]
        r = theta[p] - y[i]
        for j in range(p):
            r += x[i, j] * theta[j]
        for j in range(p):
            g[j] += r * x[i, j]
        g[p] += r
        sse += r * r
    return sse


@njit(parallel=True, **JIT_OPTIONS)
def _batch_gradient_parallel(x, y, rows, start, stop, theta, g):
    p = x.shape[1]
    nchunks = (stop - start + _CHUNK - 1) // _CHUNK
    partial = np.zeros((nchunks, p + 2))  # last column: Σ r²
    for c in prange(nchunks):
        lo = start + c * _CHUNK
        hi = min(stop, lo + _CHUNK)
        for k in range(lo, hi):
            i = rows[k]
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
    if l1 > 0.0:  # proximal step of lr·l1·‖w‖₁ (never the intercept)
        shrink = lr * l1
        for j in range(p):
            a = abs(theta[j]) - shrink
            theta[j] = np.sign(theta[j]) * a if a > 0.0 else 0.0


@njit(**JIT_OPTIONS)
def _epoch(x, y, rows, batch, theta, m, v, t, opt, lr, l1, l2):
    n = rows.shape[0]
    p = x.shape[1]
    g = np.empty(p + 1)
    sse = 0.0
    for start in range(0, n, batch):
        stop = min(n, start + batch)
        if stop - start >= _PARALLEL_FROM:
            sse += _batch_gradient_parallel(x, y, rows, start, stop, theta, g)
        else:
            sse += _batch_gradient_serial(x, y, rows, start, stop, theta, g)
        scale = 2.0 / (stop - start)
        for j in range(p):
            g[j] = scale * g[j] + 2.0 * l2 * theta[j]
        g[p] *= scale
        t += 1
        _update(theta, g, m, v, t, opt, lr, l1)
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
    return partial.sum() / n


class EpochRunner:
    """Holds the optimizer state between epochs; the same interface as the NumPy loop."""

    def __init__(self, x, y, optimizer_code: int, lr: float, l1: float, l2: float):
        self.x = np.ascontiguousarray(x, dtype=np.float64)
        self.y = np.ascontiguousarray(y, dtype=np.float64)
        size = self.x.shape[1] + 1
        self.m, self.v, self.t = np.zeros(size), np.zeros(size), 0
        self.opt, self.lr, self.l1, self.l2 = optimizer_code, lr, l1, l2
        self.identity = np.arange(self.x.shape[0], dtype=np.int64)

    def epoch(self, theta, order, batch: int) -> float:
        """One epoch; returns its loss: the mean of the squared residuals met before each update
        (for gd, the exact MSE of the θ the epoch started from)."""
        rows = self.identity if order is None else np.ascontiguousarray(order, dtype=np.int64)
        self.t, loss = _epoch(self.x, self.y, rows, batch if order is not None else rows.shape[0], theta,
                              self.m, self.v, self.t, self.opt, self.lr, self.l1, self.l2)
        return float(loss)

    def mse(self, theta) -> float:
        return float(_mse(self.x, self.y, theta))


def warmup() -> None:
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((40, 3)), rng.standard_normal(40)
    for code in range(4):
        runner = EpochRunner(x, y, code, 0.01, 0.001, 0.001)
        theta = np.zeros(4)
        runner.epoch(theta, rng.permutation(40), 8)
        runner.epoch(theta, None, 40)
        runner.mse(theta)
    big = rng.standard_normal((_PARALLEL_FROM + 10, 2))
    EpochRunner(big, big[:, 0], 0, 0.01, 0.0, 0.0).epoch(np.zeros(3), None, 0)
