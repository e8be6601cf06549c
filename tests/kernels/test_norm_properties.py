"""The numba norms against a long-double reference on shapes, layouts and scales Hypothesis draws: the
row kernels' paths (short rows, rows of 2–32 columns by halving, long rows in four quarters, blocks
of 256 rows and their tails), the column kernel's blocks, the whole-vector streams, and the rescue of
sums that overflow or underflow."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mlcalc.kernels.cpu import norms

SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# row counts near the 256-row blocks and the four quarters; column counts on both sides of 64 (long
# rows) and the halving widths
rows = st.one_of(st.integers(1, 20), st.sampled_from([63, 64, 65, 255, 256, 257, 511, 1023, 1025]))
cols = st.one_of(st.integers(1, 20), st.sampled_from([2, 4, 8, 16, 32, 33, 63, 64, 65, 127, 200]))
layouts = st.sampled_from(["C", "F", "strided", "reversed"])
# 2^±600 scales push squares past the float64 range either way, which the scaled pass must rescue
scales = st.sampled_from([1.0, 2.0 ** 600, 2.0 ** -600, 1e-310])


def operand(m, n, layout, scale, dtype, seed):
    rng = np.random.default_rng(seed)
    base = rng.standard_normal((m, 2 * n)) * scale
    base = base.astype(dtype)
    if layout == "C":
        return np.ascontiguousarray(base[:, :n])
    if layout == "F":
        return np.asfortranarray(base[:, :n])
    if layout == "strided":
        return base[:, ::2]
    return base[::-1, n - 1::-1] if n > 0 else base[::-1, :0]


def reference(a, kind, axis):
    x = np.abs(a.astype(np.longdouble))
    if kind == "l1":
        return x.sum(axis=axis)
    if kind == "inf":
        return x.max(axis=axis)
    big = x.max(axis=axis, keepdims=True)
    big = np.where(big == 0, 1, big)  # scaled, so that long double neither overflows nor underflows
    return np.sqrt(((x / big) ** 2).sum(axis=axis)) * np.squeeze(big, axis=axis)


def close(got, want, dtype):
    want = want.astype(np.float64) if dtype == np.float64 else want.astype(np.float32).astype(np.float64)
    got = np.asarray(got, dtype=np.float64)
    rtol = 1e-13 if dtype == np.float64 else 2e-6
    tiny = np.finfo(dtype).smallest_subnormal  # subnormal results round to a grid of this spacing
    return got.shape == want.shape and bool(np.all(np.abs(got - want) <= rtol * np.abs(want) + 4 * tiny))


@SETTINGS
@given(rows, cols, layouts, scales, st.sampled_from([np.float64, np.float32]), st.sampled_from(["l1", "l2", "inf"]),
       st.sampled_from(["rows", "cols"]), st.integers(0, 2 ** 32))
def test_norms_of_every_row_and_column_match_long_double(m, n, layout, scale, dtype, kind, axis, seed):
    if dtype == np.float32 and scale != 1.0:
        scale = {2.0 ** 600: 2.0 ** 70, 2.0 ** -600: 2.0 ** -70, 1e-310: 1e-40}[scale]  # float32's range
    a = operand(m, n, layout, scale, dtype, seed)
    got = norms.norm(a, kind, axis)
    assert got.dtype == dtype
    assert close(got, reference(a, kind, 1 if axis == "rows" else 0), dtype), (a.shape, layout, kind, axis)


@SETTINGS
@given(st.integers(1, 300_000), scales, st.sampled_from(["l1", "l2", "inf"]), st.integers(0, 2 ** 32),
       st.sampled_from([1, 2, -1]))
def test_vector_norms_match_long_double(n, scale, kind, seed, step):
    x = (np.random.default_rng(seed).standard_normal(n * abs(step)) * scale)[::step]
    got = norms.norm(x, kind)
    assert close(np.array([got]), np.array([reference(x[None, :], kind, 1)[0]]), np.float64), (n, kind, step)


def test_matrix_norms_of_an_empty_matrix_are_zero_as_numpy_says():
    # the CLI refuses empty operands, but the kernel is also an API: the spectral norm took the first of
    # no singular values (IndexError) where NumPy's answer is 0
    from mlcalc.kernels import reference
    for shape in ((0, 4), (4, 0), (0, 0)):
        a = np.zeros(shape)
        for ord in ("fro", "l1", "inf", "l2", "spectral", "nuc"):
            assert norms.norm(a, ord) == reference.norm(a, ord) == 0.0, (shape, ord)
