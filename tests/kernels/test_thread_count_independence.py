"""The numba kernels' sums do not change with the number of threads (--threads, or another machine's
core count): each adds its partial sums in an order fixed by the data's size alone. numba's own
reduction (partial.sum() inside a parallel kernel) and blocks counted from the threads had given the
mse loss 39 ulps, cross-entropy 11 and column norms 3 between one thread and two."""

from __future__ import annotations

import numba
import numpy as np
import pytest


def _with_threads(count, fn):
    before = numba.get_num_threads()
    numba.set_num_threads(min(count, numba.config.NUMBA_NUM_THREADS))
    try:
        return fn()
    finally:
        numba.set_num_threads(before)


def _same_bits_on_one_and_two_threads(fn):
    if numba.config.NUMBA_NUM_THREADS < 2:
        pytest.skip("numba has one thread (one CPU, or NUMBA_NUM_THREADS below 2): nothing to compare")
    one, two = _with_threads(1, fn), _with_threads(2, fn)
    for a, b in zip(one if isinstance(one, tuple) else (one,), two if isinstance(two, tuple) else (two,)):
        assert np.array_equal(np.asarray(a), np.asarray(b))


def test_mse_and_cross_entropy_losses():
    from mlcalc.kernels.cpu import nn
    rng = np.random.default_rng(3)
    pred, target = rng.standard_normal((200_000, 5)), rng.standard_normal((200_000, 5))
    _same_bits_on_one_and_two_threads(lambda: nn.mse_loss(pred, target))
    logits = rng.standard_normal((100_000, 10)) * 5
    onehot = np.eye(10)[rng.integers(0, 10, 100_000)]
    _same_bits_on_one_and_two_threads(lambda: nn.cross_entropy_loss(logits, onehot))
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    _same_bits_on_one_and_two_threads(lambda: nn.cross_entropy_loss(probs, onehot, from_probs=True))


@pytest.mark.parametrize("ord", ["l2", "l1"])
def test_column_norms(ord):
    from mlcalc.kernels.cpu import norms
    a = np.random.default_rng(4).standard_normal((3000, 700))
    _same_bits_on_one_and_two_threads(lambda: norms.norm(a, ord, axis="cols"))


def test_linear_regression_loss():
    from mlcalc.kernels.cpu import linreg
    rng = np.random.default_rng(5)
    x, y = rng.standard_normal((300_000, 6)), rng.standard_normal(300_000)
    runner = linreg.EpochRunner(x, y, 0, 0.01, 0.0, 0.0)
    theta = rng.standard_normal(7)
    _same_bits_on_one_and_two_threads(lambda: runner.mse(theta))
