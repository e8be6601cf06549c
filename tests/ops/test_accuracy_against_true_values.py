"""Results against the true value (worked out to more digits than float64 holds), not only against the
other engine: what an audit with mpmath found both engines, or one of them, getting wrong."""

import math

import numpy as np
import pytest

from conftest import ENGINES, run_cli


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("a, b, want", [
    # scaled for entries of 1e200, 2.41e38's square was subnormal: 3.4e38 came out (41 % off)
    ("1e200 2.41e38", "1e200 0", 2.41e38),
    ("1e101 2.3e-61", "1e101 0", 2.3e-61),
    ("1e150 1e-5", "1e150 0", 1e-5),
])
def test_euclidean_distances_small_beside_huge_entries_are_exact(engine, a, b, want):
    r = run_cli("dist", a, b, "--engine", engine, "-f", "json")
    assert r.code == 0, r.stderr
    assert float(r.stdout) == pytest.approx(want, rel=1e-15)
    r = run_cli("dist", f"{a}; 0 0", b, "--engine", engine, "-f", "json")  # the rows' kernel
    assert r.code == 0, r.stderr
    assert np.array(r.stdout.strip("[]\n").replace("[", "").replace("]", "").split(","), float) == \
        pytest.approx([want, math.hypot(*map(float, b.split()))], rel=1e-15)


@pytest.mark.parametrize("engine", ENGINES)
def test_the_derivatives_of_sigmoid_and_tanh_never_exceed_their_value_at_zero(engine):
    # 1.0000000000000002 for tanh′(5e-10) and 0.25000000000000006 for σ′(7e-10): PyTorch gives 1 and 0.25
    x = np.concatenate([np.geomspace(1e-16, 1e-7, 400), -np.geomspace(1e-16, 1e-7, 400), [0.0, -0.0]])
    text = " ".join(repr(float(v)) for v in x)
    for fn, top in (("tanh", 1.0), ("sigmoid", 0.25)):
        r = run_cli("activate", text, "--fn", fn, "--grad", "--engine", engine, "-f", "json")
        assert r.code == 0, r.stderr
        got = np.array(eval(r.stdout))  # a JSON list of numbers
        true = top * (1 - x * x) if fn == "tanh" else top - x * x / 16  # the series, exact to float64 here
        assert np.all(got <= top) and got.max() == top
        np.testing.assert_allclose(got, true, rtol=4.5e-16)
    r = run_cli("activate", "nan", "--fn", "tanh", "--grad", "--engine", engine, "-f", "json")
    assert r.stdout.strip() == '["nan"]'


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("args, want", [
    # true values (mpmath), rounded to float32; the NumPy engine worked x/√2 and the products in float32
    (("-12.725851", "--fn", "gelu"), np.float32(-2.7031018e-36)),
    (("-0.75150388479232788", "--fn", "gelu", "--grad"), np.float32(1.2414701e-4)),
    (("-90", "--fn", "swish"), np.float32(-7.3746114e-38)),
    # σ, σ′ and tanh′ 3, 4 and 5 ulps off in float32 (the float64 values rounded once)
    (("-7.724266", "--fn", "sigmoid"), np.float32(0.00044177586)),
    (("-7.724266", "--fn", "sigmoid", "--grad"), np.float32(0.0004415807)),
    (("2.771775", "--fn", "tanh", "--grad"), np.float32(0.015528696)),
])
def test_float32_activations_are_rounded_once_from_float64(engine, args, want):
    r = run_cli("activate", *args, "--dtype", "float32", "--engine", engine, "-f", "json")
    assert r.code == 0, r.stderr
    assert np.float32(r.stdout.strip("[]\n")) == want


@pytest.mark.parametrize("engine", ENGINES)
def test_float32_scale_by_a_factor_beyond_float32_is_rounded_once(engine):
    # K was cast to float32 first: 1e40 became inf ([0, 1e-39] gave [nan, inf], exit 0) and 1e-45 lost 40 %
    from mlcalc.ops import core
    a = np.array([0, 1e-39, 2, -3e-30], dtype=np.float32)
    got = core.scale(a, 1e40, engine=engine)
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got, np.array([0, float(a[1]) * 1e40, np.inf, -3e10], dtype=np.float32))
    b = np.array([1, 3, 1e5], dtype=np.float32)
    np.testing.assert_array_equal(core.scale(b, 1e-45, engine=engine), np.array([1e-45, 3e-45, 1e-40], dtype=np.float32))


@pytest.mark.parametrize("engine", ENGINES)
def test_float32_losses_are_worked_in_float64(engine):
    # the square of a float32 1.9e19 overflowed where the mean fits; a confident class's p − 1 was 0
    from mlcalc.ops import nn
    pred, zero = np.array([1.9e19, 0], dtype=np.float32), np.zeros(2, dtype=np.float32)
    r = nn.loss(pred, zero, "mse", grad=True, engine=engine)
    assert r["loss"] == np.float32(float(pred[0]) ** 2 / 2) and r["grad"].dtype == np.float32
    logits, onehot = np.array([[0, 16.8]], dtype=np.float32), np.array([[0, 1]], dtype=np.float32)
    g = nn.loss(logits, onehot, "cross-entropy", grad=True, engine=engine)["grad"]
    truth = -1 / (1 + math.exp(float(logits[0, 1])))  # p₁ − 1
    assert g.dtype == np.float32 and abs(g[0, 1] / truth - 1) < 1e-6
