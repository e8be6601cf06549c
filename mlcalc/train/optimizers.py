"""The four optimizers, in NumPy: each updates θ (coefficients and intercept, one vector) in place
from the gradient g, keeping its own state. The numba kernels (kernels/cpu/linreg.py) implement
the same updates; tests check that both agree.

Conventions as PyTorch's: momentum v ← β·v + g, θ ← θ − η·v; RMSprop s ← ρ·s + (1−ρ)·g²,
θ ← θ − η·g/(√s + ε); Adam with bias-corrected m̂, v̂.
"""

from __future__ import annotations

import numpy as np

NAMES = ("sgd", "momentum", "rmsprop", "adam")
CODES = {name: i for i, name in enumerate(NAMES)}

# learning rates that converge on standardized data within the default 1000 epochs (README)
DEFAULT_LR = {"sgd": 0.03, "momentum": 0.005, "rmsprop": 0.003, "adam": 0.006}
MOMENTUM = 0.9
RHO = 0.9
BETA1, BETA2, EPS = 0.9, 0.999, 1e-8


class Optimizer:
    def __init__(self, name: str, lr: float, size: int):
        self.name, self.lr, self.t = name, lr, 0
        self.m = np.zeros(size)  # momentum's velocity, or Adam's first moment
        self.v = np.zeros(size)  # RMSprop's / Adam's second moment

    def step(self, theta: np.ndarray, g: np.ndarray) -> None:
        self.t += 1
        if self.name == "sgd":
            theta -= self.lr * g
        elif self.name == "momentum":
            self.m = MOMENTUM * self.m + g
            theta -= self.lr * self.m
        elif self.name == "rmsprop":
            self.v = RHO * self.v + (1 - RHO) * g * g
            theta -= self.lr * g / (np.sqrt(self.v) + EPS)
        else:  # adam
            self.m = BETA1 * self.m + (1 - BETA1) * g
            self.v = BETA2 * self.v + (1 - BETA2) * g * g
            m_hat = self.m / (1 - BETA1 ** self.t)
            v_hat = self.v / (1 - BETA2 ** self.t)
            theta -= self.lr * m_hat / (np.sqrt(v_hat) + EPS)

    def state(self) -> dict:
        return state_of(self.name, self.m, self.v)

    def prox(self, w: np.ndarray, l1: float) -> None:
        """The L1 proximal step after step(): w ← S(w, l1·ηⱼ) with ηⱼ the step this optimizer takes on
        coordinate j, so that its fixed points are the lasso's: lr for sgd, lr·(1 − βᵗ)/(1 − β) for
        momentum at step t (the velocity of a steady gradient, settling at g/(1 − β)), lr/(√s + ε) for
        RMSprop and lr/(√v̂ + ε) for Adam (per coordinate). With lr·l1 alone momentum settled at a tenth
        of the penalty, and RMSprop/Adam at a per-coordinate wrong one (housing: floor 1509.9, lasso 0);
        with momentum's settled lr/(1 − β) from the first step, every wⱼ with |gⱼ| < 10·l1 was reset to
        0, the loss did not move, and --tol ended the run after 2 epochs."""
        p = len(w)
        if self.name == "momentum":
            scale = self.lr * momentum_gain(self.t)
        elif self.name == "rmsprop":
            scale = self.lr / (np.sqrt(self.v[:p]) + EPS)
        elif self.name == "adam":
            scale = self.lr / (np.sqrt(self.v[:p] / (1 - BETA2 ** self.t)) + EPS)
        else:
            scale = self.lr
        soft_threshold(w, l1 * scale)


def momentum_gain(t: int) -> float:
    """Σ βⁱ for i < t: the velocity after t steps of one gradient g is g times this."""
    return (1.0 - MOMENTUM ** t) / (1.0 - MOMENTUM)


def state_of(name: str, m: np.ndarray, v: np.ndarray) -> dict:
    """What a trace shows of an optimizer's memory (m: momentum's velocity or Adam's first moment;
    v: RMSprop's or Adam's second moment), from either engine's arrays."""
    if name == "momentum":
        return {"velocity v": m.copy()}
    if name == "rmsprop":
        return {"mean square s": v.copy()}
    if name == "adam":
        return {"m": m.copy(), "v": v.copy()}
    return {}


def soft_threshold(w: np.ndarray, t) -> None:
    """The proximal step of t·‖w‖₁: shrink towards 0 by t (a number, or one per entry), landing exactly on 0
    (+0: sign(w)·0 is −0 for a negative w, which printed "-0" where the numba engine prints 0)."""
    np.copyto(w, np.sign(w) * np.maximum(np.abs(w) - t, 0.0) + 0.0)
