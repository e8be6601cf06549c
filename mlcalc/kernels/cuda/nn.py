"""Neural-network blocks on the GPU, built from the GEMM and softmax kernels without host round trips.

dense_forward: a = g(X·Wᵀ + b) in one GEMM launch: Wᵀ is read in place (W stays (out, in)), and
the bias (and relu / leaky-relu) are applied to each output as it leaves the registers; the other
activations and softmax are a second launch on the device (see gemm.FUSED_ACTS). attention: S = Q·Kᵀ/√d (one GEMM, the 1/√d in its
epilogue), row softmax in place with the causal/mask entries hidden, then S·V.
Signatures match mlcalc.kernels.reference.nn.
"""

from __future__ import annotations

import math

import numpy as np

from mlcalc.kernels.cuda import load_cuda
from mlcalc.kernels.cuda.gemm import launch as gemm_launch
from mlcalc.kernels.cuda.launch import common_dtype
from mlcalc.kernels.cuda.reductions import softmax_rows_device

cuda = load_cuda()


def _to_device(x: np.ndarray, dtype):
    return cuda.to_device(np.ascontiguousarray(x, dtype))


def dense_forward(x, w, b=None, fn=None, alpha=0.01, approx=None):
    """a = g(X·Wᵀ + b) for X (batch, in) or one vector (in,), W (out, in), b (out,); fn None: identity."""
    dtype = common_dtype(*(a for a in (x, w, b) if a is not None))
    x2 = x.reshape(1, -1) if x.ndim == 1 else x
    batch, n_out = x2.shape[0], w.shape[0]
    if x2.size == 0 or w.size == 0:  # nothing to sum: a = g(b)
        from mlcalc.kernels.reference import dense_forward as ref_dense
        return ref_dense(x.astype(dtype), w.astype(dtype), None if b is None else b.astype(dtype), fn, alpha, approx)
    out_d = cuda.device_array((batch, n_out), dtype)
    gemm_launch(_to_device(x2, dtype), _to_device(w, dtype), out_d,
                bias_d=None if b is None else _to_device(b.reshape(-1), dtype), trans_b=True,
                act=None if fn == "softmax" else _gemm_act(fn, approx), alpha=alpha)
    if fn == "softmax":
        softmax_rows_device(out_d, out_d)
    out = out_d.copy_to_host()
    return out.reshape(n_out) if x.ndim == 1 else out


def _gemm_act(fn, approx):
    return "gelu-tanh" if fn == "gelu" and approx == "tanh" else fn


def attention(q, k, v, causal=False, mask=None):
    """softmax(Q·Kᵀ/√d)·V for Q (Lq, d), K (Lk, d), V (Lk, dv); `causal` hides key j from query i
    when j > i; `mask` (Lq, Lk) keeps the pairs where it is non-zero."""
    dtype = common_dtype(q, k, v)
    lq, d = q.shape
    lk, dv = v.shape
    q_d, k_d, v_d = _to_device(q, dtype), _to_device(k, dtype), _to_device(v, dtype)
    scores_d = cuda.device_array((lq, lk), dtype)
    gemm_launch(q_d, k_d, scores_d, trans_b=True, scale=1.0 / math.sqrt(d))
    mask_d = None if mask is None else _to_device(np.asarray(mask) != 0, np.dtype(np.uint8))
    softmax_rows_device(scores_d, scores_d, causal=causal, mask_d=mask_d)
    out_d = cuda.device_array((lq, dv), dtype)
    gemm_launch(scores_d, v_d, out_d)
    return out_d.copy_to_host()
