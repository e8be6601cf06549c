"""vexp.exp, the arithmetic exp the fused NN passes use: within 1 ulp of NumPy's exp everywhere,
the subnormal range included, and the special values exactly."""

import numpy as np
import pytest

pytest.importorskip("numba")

from numba import njit  # noqa: E402

from mlcalc.kernels.cpu import vexp  # noqa: E402


@njit
def _exp_all(x, out):
    for i in range(x.shape[0]):
        out[i] = vexp.exp(x[i])


def _exp(x):
    out = np.empty_like(x)
    _exp_all(x, out)
    return out


def test_within_one_ulp_over_the_whole_range():
    rng = np.random.default_rng(3)
    x = np.concatenate([rng.uniform(-708.0, 709.7, 200_000), rng.uniform(-1.0, 1.0, 100_000),
                        rng.uniform(-1e-8, 1e-8, 10_000), np.arange(-1000, 1000) * 0.5 * np.log(2.0)])
    want = np.exp(x)
    got = _exp(x)
    assert np.all(np.abs(got - want) <= np.spacing(want))


def test_subnormal_results_and_limits():
    x = np.array([-708.4, -720.0, -740.0, -745.0, -745.13, -745.14, -800.0, 709.78, 709.79, 1000.0])
    with np.errstate(over="ignore"):
        want = np.exp(x)
    got = _exp(x)
    assert np.all(np.abs(got[:7] - want[:7]) <= 5e-324)  # at most one step of the subnormal grid
    assert got[7] == want[7]
    assert got[-1] == np.inf and got[-2] == np.inf and got[-4] == 0.0


def test_special_values():
    got = _exp(np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 5e-324, -5e-324]))
    assert got[0] == 1.0 and got[1] == 1.0 and got[2] == np.inf and got[3] == 0.0
    assert np.isnan(got[4]) and got[5] == 1.0 and got[6] == 1.0
