"""vexp.exp and vexp.exp_nonpositive, the arithmetic exps of the fused NN passes: within 1 ulp of
NumPy's exp everywhere, the subnormal range included, and the special values exactly; tanh
built on the same reduction, within an ulp or two of NumPy's; erfc against the math module's."""

import numpy as np
import pytest

pytest.importorskip("numba")

from numba import njit  # noqa: E402

from mlcalc.kernels.cpu import vexp  # noqa: E402


def _looped(scalar):
    """A jitted loop out[i] = scalar(x[i]): the vexp functions are inlined into kernels, not called alone."""
    @njit
    def run(x, out):
        for i in range(x.shape[0]):
            out[i] = scalar(x[i])
    return run


_exp_all = _looped(vexp.exp)
_exp_nonpositive_all = _looped(vexp.exp_nonpositive)
_tanh_all = _looped(vexp.tanh)
_erfc_all = _looped(vexp.erfc)


def _run(kernel, x):
    out = np.empty_like(x)
    kernel(x, out)
    return out


EXPS = {"exp": _exp_all, "exp_nonpositive": _exp_nonpositive_all}


def _points(lo, hi):
    rng = np.random.default_rng(3)
    x = np.concatenate([rng.uniform(lo, hi, 200_000), rng.uniform(-1.0, 1.0, 100_000),
                        rng.uniform(-1e-8, 1e-8, 10_000), np.arange(-1000, 1000) * 0.5 * np.log(2.0),
                        # where r = x − n·ln 2 is largest, the polynomial's worst case
                        (np.arange(-1000, 1000) + 0.5) * np.log(2.0) + rng.uniform(-1e-6, 1e-6, 2000)])
    return x[(x >= lo) & (x <= hi)]


@pytest.mark.parametrize("name, hi", [("exp", 709.7), ("exp_nonpositive", 0.0)])
def test_within_one_ulp_over_the_whole_range(name, hi):
    x = _points(-708.0, hi)
    want = np.exp(x)
    got = _run(EXPS[name], x)
    assert np.all(np.abs(got - want) <= np.spacing(want))


@pytest.mark.parametrize("name", EXPS)
def test_subnormal_results_and_underflow(name):
    x = np.array([-708.4, -720.0, -740.0, -745.0, -745.13, -745.14, -800.0, -np.inf])
    want = np.exp(x)
    got = _run(EXPS[name], x)
    assert np.all(np.abs(got[:5] - want[:5]) <= 5e-324)  # at most one step of the subnormal grid
    assert np.all(got[5:] == 0.0)


def test_overflow():
    x = np.array([709.78, 709.79, 1000.0, np.inf])
    with np.errstate(over="ignore"):
        want = np.exp(x)
    got = _run(_exp_all, x)
    assert got[0] == want[0] and np.all(got[1:] == np.inf)


@pytest.mark.parametrize("name", EXPS)
def test_special_values(name):
    got = _run(EXPS[name], np.array([0.0, -0.0, np.nan, -5e-324, -np.inf]))
    assert got[0] == 1.0 and got[1] == 1.0 and np.isnan(got[2]) and got[3] == 1.0 and got[4] == 0.0
    if name == "exp":
        got = _run(_exp_all, np.array([np.inf, 5e-324]))
        assert got[0] == np.inf and got[1] == 1.0


def test_tanh_within_three_ulp_of_numpys_on_both_sides_of_its_split():
    # within 2.5 ulp of the exact value (checked against mpmath while writing it), NumPy's within 1
    x = np.concatenate([_points(-25.0, 25.0), np.geomspace(1e-300, 30.0, 5000),
                        vexp._TANH_SPLIT + np.linspace(-1e-3, 1e-3, 2001)])
    x = np.concatenate([x, -x])
    want = np.tanh(x)
    got = _run(_tanh_all, x)
    assert np.all(np.abs(got - want) <= 4 * np.spacing(np.abs(want)))


def test_tanh_special_values_and_signs():
    got = _run(_tanh_all, np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 5e-324, -5e-324, 20.0, -1000.0]))
    assert got[0] == 0.0 and not np.signbit(got[0]) and got[1] == 0.0 and np.signbit(got[1])
    assert got[2] == 1.0 and got[3] == -1.0 and np.isnan(got[4])
    assert got[5] == 5e-324 and got[6] == -5e-324 and got[7] == 1.0 and got[8] == -1.0


def test_erfc_within_a_few_ulp_of_the_math_modules_in_every_region():
    # within 8 ulp of the exact value (mpmath, while writing it) where the math module's is within 2.5:
    # both sides of 0.46875 and 4 (Cody's three rational functions), the tail down to the subnormal range
    import math
    rng = np.random.default_rng(5)
    x = np.concatenate([rng.uniform(-6.0, 6.0, 20_000), rng.uniform(6.0, 26.5, 5_000),
                        np.geomspace(1e-300, 1.0, 2_000), 0.46875 + np.linspace(-1e-6, 1e-6, 101),
                        4.0 + np.linspace(-1e-6, 1e-6, 101)])
    x = np.concatenate([x, -x])
    want = np.array([math.erfc(v) for v in x])
    got = _run(_erfc_all, x)
    assert np.all(np.abs(got - want) <= 11 * np.spacing(want))


def test_erfc_special_values():
    got = _run(_erfc_all, np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 27.3, 1e300, -1e300, 5e-324]))
    assert got[0] == 1.0 and got[1] == 1.0 and got[2] == 0.0 and got[3] == 2.0 and np.isnan(got[4])
    assert got[5] == 0.0 and got[6] == 0.0 and got[7] == 2.0 and got[8] == 1.0
