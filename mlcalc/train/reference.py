"""One epoch of (mini-batch) gradient descent in plain NumPy: the readable definition.

Objective: (1/n)·Σ(ŷ − y)² + l2·‖w‖² + l1·‖w‖₁, intercept unpenalised; θ = [w, b]. Without an
intercept (--no-intercept) b's gradient is taken as 0, so b stays at its start, 0, under every optimizer.
Gradient of the smooth part on a batch B: ∂/∂w = (2/|B|)·X_Bᵀ·r + 2·l2·w, ∂/∂b = (2/|B|)·Σ r, with
r = X_B·w + b − y_B; then the optimizer's step, then the L1 proximal step w ← S(w, ηⱼ·l1) (Optimizer.prox).
A last batch shorter than the batch size, m rows, weighs m/batch (gradient and L1 step), so that every row
counts alike over an epoch: the rows are shuffled once, and as a plain mean the same short batch weighed
more every epoch and sgd settled away from the optimum.
"""

from __future__ import annotations

import numpy as np

from mlcalc.train.optimizers import Optimizer


def gradient(x: np.ndarray, y: np.ndarray, theta: np.ndarray, l2: float, residual_out: list | None = None) -> np.ndarray:
    w, b = theta[:-1], theta[-1]
    r = x @ w + b - y
    if residual_out is not None:
        residual_out.append(float(r @ r))
    g = np.empty_like(theta)
    g[:-1] = 2.0 / len(y) * (x.T @ r) + 2.0 * l2 * w
    g[-1] = 2.0 / len(y) * r.sum()
    return g


def batch_share(n: int, start: int, batch: int) -> float:
    """What the batch of rows start..start+batch weighs: 1, or m/batch for a last batch of m < batch rows."""
    return (min(n, start + batch) - start) / batch


def epoch(x, y, theta, opt: Optimizer, starts: np.ndarray | None, batch: int, l1: float, l2: float,
          total_steps: int = 0, intercept: bool = True) -> float:
    """One pass over the data: the batches x[s:s+batch] for s in `starts` (the rows were shuffled once;
    None: one full batch, gd). The step size decays linearly to 0 over `total_steps` when it is > 0.
    Returns the epoch's loss: the mean squared residual met before each update (for gd, the MSE of
    the starting θ)."""
    sse: list[float] = []
    if starts is None:
        starts, batch = [0], len(y)
    lr0 = opt.lr
    for s in starts:
        g = gradient(x[s:s + batch], y[s:s + batch], theta, l2, sse)
        share = batch_share(len(y), s, batch)
        if share != 1.0:
            g *= share
        if not intercept:
            g[-1] = 0.0
        if total_steps:
            opt.lr = lr0 * (1.0 - opt.t / total_steps)
        opt.step(theta, g)
        if l1:
            opt.prox(theta[:-1], share * l1)
        opt.lr = lr0
    return sum(sse) / len(y)


def mse(x, y, theta) -> float:
    r = x @ theta[:-1] + theta[-1] - y
    return float(r @ r / len(y))
