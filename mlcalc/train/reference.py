"""One epoch of (mini-batch) gradient descent in plain NumPy: the readable definition.

Objective: (1/n)·Σ(ŷ − y)² + l2·‖w‖² + l1·‖w‖₁, intercept unpenalised; θ = [w, b].
Gradient of the smooth part on a batch B: ∂/∂w = (2/|B|)·X_Bᵀ·r + 2·l2·w, ∂/∂b = (2/|B|)·Σ r, with
r = X_B·w + b − y_B; then the optimizer's step, then the L1 proximal step w ← S(w, η·l1).
"""

from __future__ import annotations

import numpy as np

from mlcalc.train.optimizers import Optimizer, soft_threshold


def gradient(x: np.ndarray, y: np.ndarray, theta: np.ndarray, l2: float, residual_out: list | None = None) -> np.ndarray:
    w, b = theta[:-1], theta[-1]
    r = x @ w + b - y
    if residual_out is not None:
        residual_out.append(float(r @ r))
    g = np.empty_like(theta)
    g[:-1] = 2.0 / len(y) * (x.T @ r) + 2.0 * l2 * w
    g[-1] = 2.0 / len(y) * r.sum()
    return g


def epoch(x, y, theta, opt: Optimizer, order: np.ndarray | None, batch: int, l1: float, l2: float,
          on_step=None) -> float:
    """One pass over the data: `order` is the shuffled row order (None: one full batch, gd). Returns the
    epoch's loss: the mean squared residual met before each update (for gd, the MSE of the starting θ)."""
    sse: list[float] = []
    if order is None:
        batches = [(x, y, None)]
    else:
        batches = ((x[rows], y[rows], rows) for rows in (order[s:s + batch] for s in range(0, len(order), batch)))
    for xb, yb, rows in batches:
        g = gradient(xb, yb, theta, l2, sse)
        if on_step is not None:
            on_step(rows, g)
        opt.step(theta, g)
        if l1:
            soft_threshold(theta[:-1], opt.lr * l1)
    return sum(sse) / len(y)


def mse(x, y, theta) -> float:
    r = x @ theta[:-1] + theta[-1] - y
    return float(r @ r / len(y))
