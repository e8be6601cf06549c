"""The training kernel (kernels/cpu/linreg.py EpochRunner) against the NumPy reference epoch
(train/reference.py) directly, on the awkward cases the fit-level tests do not reach: one row, one
feature, a last batch shorter than the others, a batch larger than the data, float32 and non-contiguous
X (the reference gets the float64 C-order copy), every optimizer with and without l1 / l2 / decay /
intercept. Both engines run several epochs from the same θ; θ, the optimizer's state and the epoch
losses must agree. The full-batch gradient is also checked against finite differences."""

import numpy as np
import pytest

from mlcalc import config

config.apply()

from mlcalc.kernels.cpu.linreg import EpochRunner, shuffled_standardized  # noqa: E402
from mlcalc.train import reference  # noqa: E402
from mlcalc.train.optimizers import CODES, NAMES, Optimizer  # noqa: E402

SHAPES = [(1, 1), (1, 4), (9, 1), (10, 3), (7, 12)]


def layouts(a):
    yield "C", a
    yield "F", np.asfortranarray(a)
    wide = np.zeros((a.shape[0], 2 * a.shape[1]), a.dtype)
    wide[:, ::2] = a
    yield "strided", wide[:, ::2]


def run_both(x, y, name, lr, l1, l2, batch, epochs, total_steps, intercept, rng):
    n, p = x.shape
    x64, y64 = np.ascontiguousarray(x, np.float64), np.ascontiguousarray(y, np.float64)
    runner = EpochRunner(x, y, CODES[name], lr, l1, l2, total_steps, intercept)
    opt = Optimizer(name, lr, p + 1)
    th_k, th_r = np.zeros(p + 1), np.zeros(p + 1)
    batches = -(-n // batch) if batch else 1
    for _ in range(epochs):
        starts = None if batch is None else rng.permutation(batches) * batch
        lk = runner.epoch(th_k, starts, batch or n)
        lr_ = reference.epoch(x64, y64, th_r, opt, starts, batch or n, l1, l2, total_steps, intercept)
        yield th_k.copy(), th_r.copy(), lk, lr_, runner, opt


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("batch", [None, 1, 4, 64])
def test_epoch_kernel_matches_reference_on_awkward_shapes(name, shape, batch):
    rng = np.random.default_rng(len(name) * 100 + shape[0] * 10 + shape[1])
    n, p = shape
    x = rng.standard_normal(shape)
    y = x @ rng.standard_normal(p) + 0.5 + 0.1 * rng.standard_normal(n)
    for l1, l2, decay, intercept in [(0.0, 0.0, False, True), (0.01, 0.02, True, True), (0.0, 0.0, False, False)]:
        epochs = 6
        total = epochs * (-(-n // batch) if batch else 1) if decay else 0
        for lay, xa in layouts(x):
            seq = run_both(xa, y, name, 0.01, l1, l2, batch, epochs, total, intercept, np.random.default_rng(0))
            for e, (th_k, th_r, lk, lr_, runner, opt) in enumerate(seq):
                where = (lay, l1, l2, decay, intercept, e)
                np.testing.assert_allclose(th_k, th_r, rtol=1e-12, atol=1e-14, err_msg=str(where))
                assert lk == pytest.approx(lr_, rel=1e-12, abs=1e-15), where
                if not intercept:
                    assert th_k[-1] == 0.0, where
            np.testing.assert_allclose(runner.m, opt.m, rtol=1e-12, atol=1e-15)
            np.testing.assert_allclose(runner.v, opt.v, rtol=1e-12, atol=1e-15)
            assert runner.mse(th_k) == pytest.approx(reference.mse(np.ascontiguousarray(x), y, th_r), rel=1e-12)


@pytest.mark.parametrize("name", NAMES)
def test_epoch_kernel_takes_float32_data_as_its_float64_copy(name):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((13, 3)).astype(np.float32)
    y = (x @ np.array([1.0, -2.0, 0.5], np.float32) + 1).astype(np.float32)
    for lay, xa in layouts(x):
        for th_k, th_r, lk, lr_, _, _ in run_both(xa, y, name, 0.02, 0.0, 0.01, 5, 4, 0, True,
                                                  np.random.default_rng(1)):
            assert th_k.dtype == np.float64
            np.testing.assert_allclose(th_k, th_r, rtol=1e-12, atol=1e-14, err_msg=lay)
            assert lk == pytest.approx(lr_, rel=1e-12), lay


def test_full_batch_gradient_matches_finite_differences():
    rng = np.random.default_rng(4)
    for n, p in [(1, 1), (6, 1), (1, 3), (8, 4)]:
        x, y, th = rng.standard_normal((n, p)), rng.standard_normal(n), rng.standard_normal(p + 1)
        l2 = 0.3

        def objective():
            r = x @ th[:-1] + th[-1] - y
            return float(r @ r / n + l2 * th[:-1] @ th[:-1])
        g = reference.gradient(x, y, th, l2)
        fd = np.zeros_like(th)
        for j in range(p + 1):
            old = th[j]
            th[j] = old + 1e-6
            up = objective()
            th[j] = old - 1e-6
            fd[j] = (up - objective()) / 2e-6
            th[j] = old
        np.testing.assert_allclose(g, fd, rtol=1e-6, atol=1e-8)
        # the kernel's first sgd step from th is th − lr·g: the same gradient
        runner = EpochRunner(x, y, CODES["sgd"], 1e-3, 0.0, l2, 0, True)
        th_k = th.copy()
        runner.epoch(th_k, None, n)
        np.testing.assert_allclose((th - th_k) / 1e-3, g, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("standardize", [False, True])
@pytest.mark.parametrize("center", [True, False])
def test_shuffled_standardized_matches_numpy_on_awkward_shapes(standardize, center):
    rng = np.random.default_rng(5)
    for n, p in [(1, 1), (1, 3), (9, 1), (10, 4)]:
        x = rng.standard_normal((n, p)) * 3 + 100  # a common offset (the kernel sums about the first row)
        y = rng.standard_normal(n) + 50
        perm = rng.permutation(n)
        for lay, xa in layouts(x):
            xs, ys, mu, sigma, my, sy = shuffled_standardized(xa, y, perm, standardize, center)
            if not standardize:
                np.testing.assert_array_equal(xs, x[perm])
                np.testing.assert_array_equal(ys, y[perm])
                continue
            if center:
                mu_w, sig_w, my_w, sy_w = x.mean(0), x.std(0), y.mean(), y.std()
            else:
                mu_w, sig_w = np.zeros(p), np.sqrt((x * x).mean(0))
                my_w, sy_w = 0.0, float(np.sqrt((y * y).mean()))
            np.testing.assert_allclose(mu, mu_w, rtol=1e-12, err_msg=lay)
            np.testing.assert_allclose(sigma, sig_w, rtol=1e-9, atol=1e-12, err_msg=lay)
            assert my == pytest.approx(my_w, rel=1e-12)
            sy_w = sy_w if sy_w > 0 else 1.0
            assert sy == pytest.approx(sy_w, rel=1e-9, abs=1e-12)
            with np.errstate(divide="ignore", invalid="ignore"):
                want = (x[perm] - mu_w) / sig_w
            np.testing.assert_allclose(xs, want, rtol=1e-8, atol=1e-9, err_msg=lay)
            np.testing.assert_allclose(ys, (y[perm] - my_w) / sy_w, rtol=1e-8, atol=1e-9, err_msg=lay)
