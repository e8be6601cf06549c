"""The packed GEMM (this host's kernels) on shapes Hypothesis draws: edge tiles in both directions, k
just past a KC slice, serial and parallel drivers, any layout and dtype mix, with and without the fused
bias and activation; each element within the bound a dot product of length k can be off by."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mlcalc.kernels.cpu import gemm as g

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

MC, KC = g.BLOCKS[g.ISA][np.dtype(np.float32)][:2]  # float32's blocks are the smaller: both dtypes cross them
dims = st.one_of(st.integers(1, 40), st.sampled_from([MC - 1, MC, MC + 1, 2 * MC + 7]))
depths = st.one_of(st.integers(1, 70), st.sampled_from([KC - 1, KC, KC + 1]))
layouts = st.sampled_from(["C", "F", "strided"])


def laid_out(x, layout):
    if layout == "F":
        return np.asfortranarray(x)
    if layout == "strided":
        wide = np.empty((x.shape[0], 2 * x.shape[1]), dtype=x.dtype)
        wide[:, ::2] = x
        return wide[:, ::2]
    return np.ascontiguousarray(x)


@SETTINGS
@given(dims, depths, dims, layouts, layouts, st.sampled_from([np.float64, np.float32]),
       st.sampled_from([np.float64, np.float32]), st.sampled_from([None, "bias", "relu", "leaky-relu"]),
       st.integers(0, 2 ** 32))
def test_gemm_matches_a_float64_product_within_the_dot_product_bound(m, k, n, la, lb, da, db, epi, seed):
    rng = np.random.default_rng(seed)
    a = laid_out(rng.standard_normal((m, k)).astype(da), la)
    b = laid_out(rng.standard_normal((k, n)).astype(db), lb)
    dtype = np.result_type(da, db)
    bias = rng.standard_normal(n).astype(dtype) if epi else None
    act = epi if epi in ("relu", "leaky-relu") else None

    c = g.gemm(a, b, bias=bias, act=act, alpha=0.01)

    assert c.dtype == dtype and c.shape == (m, n)
    a64, b64 = a.astype(np.float64), b.astype(np.float64)
    z = a64 @ b64 + (bias.astype(np.float64) if bias is not None else 0.0)
    want = np.maximum(z, 0) if act == "relu" else np.where(z > 0, z, 0.01 * z) if act == "leaky-relu" else z
    eps = np.finfo(dtype).eps
    bound = (k + 2) * eps * (np.abs(a64) @ np.abs(b64) + (np.abs(bias) if bias is not None else 0.0))
    assert (np.abs(c.astype(np.float64) - want) <= bound + np.finfo(dtype).tiny).all(), (m, k, n, la, lb, epi)
