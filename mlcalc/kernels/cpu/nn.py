"""Numba kernels for the neural-network blocks.

Each public function has the signature of its reference in mlcalc.kernels.reference.nn. The heavy
products go through `gemm` (the fastest GEMM measured: ours or OpenBLAS); everything between them is
ONE parallel pass over the data:
forward = gemm, then bias + activation fused; backward = gemm for Z, then δ = dA ⊙ g′(Z + b) and
the column sums db fused, then the two gemms for dW and dX.
"""

import functools
import math

import numpy as np
from numba import njit, prange

from mlcalc.config import JIT_OPTIONS
from mlcalc.kernels.cpu import stream, vexp


# m·n·k from which the dense layer's products take mlcalc's own GEMM (kernels/cpu/gemm.py) rather
# than OpenBLAS, per vector ISA (config.vector_isa) and dtype; absent: OpenBLAS always. Unlike `auto`
# for a lone matmul, numba is already loaded here, so only the kernels' speed counts.
# avx512: bench_nn, 4096×1024→1024, 2026-12-03 (Zen 5): float64 forward relu 1.27 -> 1.42 of NumPy
# with it, backward 1.26 -> 1.39; float32 forward 1.07 -> 1.12, backward the same (1.37-1.41).
# avx2 (Zen 3, same day): our 5-row tiles run at 0.91-1.0 of OpenBLAS's Haswell kernel, and with them
# the relu backward was 0.93 (float32) / 1.06 (float64) of NumPy's: OpenBLAS there.
_OWN_GEMM_FROM = {"avx512": {np.dtype(np.float64): 512**3, np.dtype(np.float32): 512**3}, "avx2": {}}


def _own_gemm(a, b):
    """Whether the product a·b measured faster on mlcalc's GEMM than on OpenBLAS (_OWN_GEMM_FROM)."""
    threshold = _OWN_GEMM_FROM[_isa()].get(np.result_type(a.dtype, b.dtype))
    return threshold is not None and a.shape[0] * a.shape[1] * b.shape[1] >= threshold


def gemm(a, b):
    """The products: mlcalc's packed GEMM where it measured faster (it packs the transposed views W.T
    and δ.T without copying them), else NumPy's (OpenBLAS)."""
    if _own_gemm(a, b):
        from mlcalc.kernels.cpu.gemm import gemm as own_gemm
        return own_gemm(a, b)
    return np.ascontiguousarray(np.matmul(a, b), dtype=np.result_type(a.dtype, b.dtype))


@functools.cache
def _isa():
    """config.vector_isa(), asked once (it may ask llvmlite for the host's features)."""
    from mlcalc import config
    return config.vector_isa()


# numpy error model: x/0 gives inf/NaN as NumPy does instead of raising (and skips the checks)
_OPTS = dict(JIT_OPTIONS, error_model="numpy")

# activation codes (a string cannot be branched on cheaply inside a kernel)
IDENTITY, RELU, LEAKY, SIGMOID, TANH, SOFTMAX, SWISH, GELU, GELU_TANH = range(9)
_CODES = {None: IDENTITY, "relu": RELU, "leaky-relu": LEAKY, "sigmoid": SIGMOID, "tanh": TANH,
          "softmax": SOFTMAX, "swish": SWISH, "gelu": GELU}

_SQRT1_2 = 1.0 / math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_GELU_C = math.sqrt(2.0 / math.pi)
_GELU_K = 0.044715


def _code(fn, approx=None) -> int:
    if fn == "gelu" and approx == "tanh":
        return GELU_TANH
    return _CODES[fn]


# ---------------------------------------------------------------- scalar definitions


@njit(inline="always", **_OPTS)
def _sigmoid(v):
    # e^(−|v|) ≤ 1: no overflow for ±1000; NaN stays NaN. Branch-free with the arithmetic exp, so the
    # loops around it vectorise (about 6x faster than math.exp, within an ulp of it)
    # one division with the numerator chosen (1 or e): 1/(1+e) times e rounded twice, at a product's cost
    e = vexp.exp_nonpositive(-abs(v))
    return (1.0 if v >= 0 else e) / (1.0 + e)


@njit(inline="always", **_OPTS)
def _sigmoid_grad(v):
    # σ′ = e/(1 + e)² with e = e^(−|v|): symmetric, and no 1 − σ cancelling for large v (σ·(1 − σ) gave
    # σ′(40) = 0 where it is 4.2e-18)
    e = vexp.exp_nonpositive(-abs(v))
    d = 1.0 + e
    r = e / (d * d)
    return 0.25 if r > 0.25 else r  # at most σ′(0): near |v| = 1e-9 the roundings gave 0.25000000000000006


@njit(inline="always", **_OPTS)
def _swish_grad(v):
    # d/dv v·σ(v) = σ + v·σ′, from one e = e^(−|v|); at ±inf σ′ = 0 and the term is 0 (limits 1 and 0)
    e = vexp.exp_nonpositive(-abs(v))
    d = 1.0 + e
    sp = e / (d * d)
    return (1.0 if v >= 0 else e) / d + (0.0 if sp == 0.0 else v * sp)


@njit(inline="always", **_OPTS)
def _sech2(u):
    # tanh′ = sech² = 4e/(1 + e)² with e = e^(−2|u|): 1 − tanh² cancels, 5 digits lost at 7 and all by 19
    # (tanh′(19) printed 0 on one engine and 2.2e-16 on the other, for 1.26e-16)
    e = vexp.exp_nonpositive(-2.0 * abs(u))
    d = 1.0 + e
    r = 4.0 * e / (d * d)
    return 1.0 if r > 1.0 else r  # at most tanh′(0) (a NaN stays NaN: the comparison is false)


@njit(inline="always", **_OPTS)
def _one_plus_tanh(u):
    # 1 + tanh(u) = 2/(1 + e) for u ≥ 0 and 2e/(1 + e) below, e = e^(−2|u|): no cancelling as tanh → −1
    e = vexp.exp_nonpositive(-2.0 * abs(u))
    return (2.0 if u >= 0 else 2.0 * e) / (1.0 + e)


@njit(inline="always", **_OPTS)
def _normal_cdf(v):
    # Φ(v) = ½·erfc(−v/√2), which keeps the tail's digits (reference.normal_cdf); vexp's erfc vectorises
    return 0.5 * vexp.erfc(-v * _SQRT1_2)


@njit(inline="always", **_OPTS)
def _gelu_grad(v):
    # d/dv v·Φ(v) = Φ(v) + v·φ(v); −v²/2 ≤ 0 (NaN: NaN). Where φ underflows to 0 the term is 0, as in the
    # swish and tanh-form derivatives: at ±inf it was ±inf·0 = NaN, where the limits are 1 and 0
    pdf = vexp.exp_nonpositive(-0.5 * v * v) * _INV_SQRT_2PI
    return _normal_cdf(v) + (0.0 if pdf == 0.0 else v * pdf)


@njit(inline="always", **_OPTS)
def _gelu_tanh(v):
    # GELU's tanh form, ½·v·(1 + tanh(√(2/π)·(v + 0.044715·v³)))
    return 0.5 * v * _one_plus_tanh(_GELU_C * (v + _GELU_K * v * v * v))


@njit(inline="always", **_OPTS)
def _gelu_tanh_grad(v):
    u = _GELU_C * (v + _GELU_K * v * v * v)
    sech2 = _sech2(u)
    tail = 0.5 * v * sech2 * _GELU_C * (1.0 + 3.0 * _GELU_K * v * v)
    # saturated, sech² = 0 and the other term is 0 (its factors may be inf): a select, which vectorises
    return 0.5 * _one_plus_tanh(u) + (0.0 if sech2 == 0.0 else tail)


# ---------------------------------------------------------------- row kernels (parallel over rows)


@njit(**_OPTS)
def _softmax_row(z, out):
    # subtract the row max so exp cannot overflow
    m = z[0]
    for j in range(1, z.shape[0]):
        if z[j] > m or z[j] != z[j]:
            m = z[j]
            if m != m:
                break
    for j in range(z.shape[0]):
        out[j] = vexp.exp_nonpositive(z[j] - m)  # a loop of its own: it vectorises, the sum below does not
    s = 0.0
    for j in range(z.shape[0]):
        s += out[j]
    inv = 1.0 / s
    for j in range(z.shape[0]):
        out[j] = out[j] * inv


@njit(parallel=True, **_OPTS)
def _grad_rows(x, out, code, alpha):
    """out ← g′(x) row by row: δ for dA = 1 (_delta_row, whose loops per activation vectorise; a call
    per element of a scalar derivative did not: the sigmoid's over 10⁷ float64 took 102 ms, NumPy's 356)."""
    m, n = x.shape
    no_bias, ones = np.full(n, -0.0, dtype=x.dtype), np.ones(n, dtype=x.dtype)
    for i in prange(m):
        _delta_row(x[i], no_bias, ones, out[i], code, alpha)


@njit(**_OPTS)
def _softmax_vjp_row(z, g, out):
    _softmax_row(z, out)  # out holds s
    dot = 0.0
    for j in range(z.shape[0]):
        dot += g[j] * out[j]
    for j in range(z.shape[0]):
        out[j] = out[j] * (g[j] - dot)


@njit(parallel=True, **_OPTS)
def _vjp_rows(x, g, out, code, alpha):
    """out ← g ⊙ g′(x) (softmax: its vector-Jacobian product per row): δ without a bias (_delta_row)."""
    m, n = x.shape
    no_bias = np.full(n, -0.0, dtype=x.dtype)
    for i in prange(m):
        _delta_row(x[i], no_bias, g[i], out[i], code, alpha)


# elements per group of a compute-bound loop that asks for its input ahead: 8 cache lines of float64
_GROUP = 64


@njit(inline="always", **_OPTS)
def _costly_run(zi, b, oi, code, nt):
    """oi ← g(zi + b) for the activations built on vexp (sigmoid, swish, tanh, gelu and its tanh
    form): one loop each, in float64 also for float32 data, stored as stream.put does."""
    n = zi.shape[0]
    if code == SIGMOID:
        for j in range(n):
            stream.put(oi, j, _sigmoid(np.float64(zi[j] + b[j])), nt)
    elif code == SWISH:
        for j in range(n):
            v = np.float64(zi[j] + b[j])
            stream.put(oi, j, v * _sigmoid(v), nt)
    elif code == TANH:
        for j in range(n):
            stream.put(oi, j, vexp.tanh(np.float64(zi[j] + b[j])), nt)
    elif code == GELU:
        for j in range(n):
            v = np.float64(zi[j] + b[j])
            stream.put(oi, j, v * _normal_cdf(v), nt)
    else:
        for j in range(n):
            stream.put(oi, j, _gelu_tanh(np.float64(zi[j] + b[j])), nt)


@njit(inline="always", **_OPTS)
def _bias_activation_row(zi, b, oi, code, alpha, nt):
    """oi ← g(zi + b) for one row. Inlined into its callers: called with the same row for zi and oi
    (in place), LLVM then sees one pointer; given two that may overlap it keeps only a scalar loop,
    and a scalar sigmoid pass over 4096×1024 float32 took 15 ms instead of 2. The cheap activations
    (and those built on vexp: _costly_run) get their own loops without calls or branches, so that
    LLVM vectorises them; they alone take streaming stores when nt (a constant at each call:
    stream.put; oi then an aligned_span)."""
    n = zi.shape[0]
    if code == IDENTITY:
        for j in range(n):
            stream.put(oi, j, zi[j] + b[j], nt)
    elif code == RELU:
        for j in range(n):
            v = zi[j] + b[j]
            stream.put(oi, j, 0.0 if v <= 0 else v, nt)  # `not v <= 0` keeps NaN; −0 gives +0, as np.maximum
    elif code == LEAKY:
        for j in range(n):
            v = zi[j] + b[j]
            stream.put(oi, j, v if v > 0 else alpha * v, nt)
    elif code == SIGMOID or code == SWISH or code == TANH or code == GELU or code == GELU_TANH:
        if nt:
            # a streamed row comes from memory: in groups, each asking for its input ahead
            # (stream.fetch_ahead). Not in place: there the rows come from L3, and the grouped loop
            # (two views of one row) ran 2.5 times slower, 4.3 -> 11 ms on 4096×1024
            for g in range(0, n, _GROUP):
                stream.fetch_ahead(zi, g, _GROUP)
                h = min(n, g + _GROUP)
                _costly_run(zi[g:h], b[g:h], oi[g:h], code, nt)  # views from 0: no negative-index test
        else:
            _costly_run(zi, b, oi, code, nt)
    elif code == SOFTMAX:
        for j in range(n):
            oi[j] = zi[j] + b[j]
        _softmax_row(oi, oi)


@njit(parallel=True, **_OPTS)
def _bias_activation(z, b, out, code, alpha):
    """out ← g(z + b) in one pass (the epilogue of the forward GEMM); out may be z itself. A separate
    out larger than the caches is written with streaming stores (activate on big data; in place, the
    forward's epilogue, the lines are in the cache already), in blocks of rows with one fence each."""
    m = z.shape[0]
    if out.ctypes.data == z.ctypes.data:
        for i in prange(m):
            row = out[i]
            _bias_activation_row(row, b, row, code, alpha, False)
    elif (out.size * out.itemsize >= stream.STREAM_FROM_BYTES
          and (code == IDENTITY or code == RELU or code == LEAKY or code == SIGMOID or code == SWISH
               or code == TANH or code == GELU or code == GELU_TANH)):
        nblocks = (m + _ROWS_PER_BLOCK - 1) // _ROWS_PER_BLOCK
        for blk in prange(nblocks):
            for i in range(blk * _ROWS_PER_BLOCK, min(m, (blk + 1) * _ROWS_PER_BLOCK)):
                zi, oi = z[i], out[i]
                s, e = stream.aligned_span(oi)
                _bias_activation_row(zi[:s], b[:s], oi[:s], code, alpha, False)
                _bias_activation_row(zi[s:e], b[s:e], oi[s:e], code, alpha, True)
                _bias_activation_row(zi[e:], b[e:], oi[e:], code, alpha, False)
            stream.fence()
    else:
        for i in prange(m):
            _bias_activation_row(z[i], b, out[i], code, alpha, False)


_ROWS_PER_BLOCK = 64


@njit(inline="always", **_OPTS)
def _delta_row(zi, b, gi, row, code, alpha):
    """row ← δ = dA ⊙ g′(zi + b) for one row; in place (zi is row) as _bias_activation_row."""
    n = zi.shape[0]
    if code == IDENTITY:
        for j in range(n):
            row[j] = gi[j]
    elif code == RELU:
        for j in range(n):
            v = zi[j] + b[j]
            row[j] = gi[j] if v > 0 else (v if v != v else 0.0)  # NaN in, NaN out
    elif code == LEAKY:
        for j in range(n):
            v = zi[j] + b[j]
            row[j] = gi[j] if v > 0 else (v if v != v else alpha * gi[j])
    elif code == SIGMOID:
        for j in range(n):
            row[j] = gi[j] * _sigmoid_grad(np.float64(zi[j] + b[j]))
    elif code == SWISH:
        for j in range(n):
            row[j] = gi[j] * _swish_grad(np.float64(zi[j] + b[j]))
    elif code == TANH:
        for j in range(n):
            row[j] = gi[j] * _sech2(np.float64(zi[j] + b[j]))
    elif code == GELU:
        for j in range(n):
            row[j] = gi[j] * _gelu_grad(np.float64(zi[j] + b[j]))
    elif code == GELU_TANH:
        for j in range(n):
            row[j] = gi[j] * _gelu_tanh_grad(np.float64(zi[j] + b[j]))
    elif code == SOFTMAX:
        for j in range(n):
            row[j] = zi[j] + b[j]
        _softmax_vjp_row(row, gi, row)


@njit(parallel=True, **_OPTS)
def _delta_and_db(z, b, g, out, code, alpha):
    """out ← δ = dA ⊙ g′(z + b) (out may be z), and db = Σ over rows of δ, in one pass: each block of
    rows sums into its own partial row (no races), then the few partials are added."""
    m, n = z.shape
    nblocks = (m + _ROWS_PER_BLOCK - 1) // _ROWS_PER_BLOCK
    partial = np.zeros((nblocks, n), dtype=np.float64)
    in_place = out.ctypes.data == z.ctypes.data
    for blk in prange(nblocks):
        acc = partial[blk]
        for i in range(blk * _ROWS_PER_BLOCK, min(m, (blk + 1) * _ROWS_PER_BLOCK)):
            row = out[i]
            if in_place:
                _delta_row(row, b, g[i], row, code, alpha)
            else:
                _delta_row(z[i], b, g[i], row, code, alpha)
            for j in range(n):
                acc[j] += row[j]
    db = np.zeros(n, dtype=np.float64)
    for blk in range(nblocks):
        for j in range(n):
            db[j] += partial[blk, j]
    return db


# ---------------------------------------------------------------- public wrappers


def _rows(x):
    """x as a C-contiguous 2-D array of rows (the last axis is the row)."""
    x = np.ascontiguousarray(x)
    return x.reshape(1, -1) if x.ndim <= 1 else x.reshape(-1, x.shape[-1])


# element-wise activations see their data as rows of this many elements, whatever its shape: as
# given, a long vector (or a few long rows) was one row, which prange gave to one thread
_FLAT_ROW = 8192


def activation(x, fn, alpha=0.01, approx=None):
    out = np.empty(x.shape, dtype=x.dtype)
    if x.size:
        activation_into(x, out, fn, alpha, approx)
    return out


def activation_into(x, out, fn, alpha=0.01, approx=None):
    """out ← g(x) for a C-contiguous out of x's shape and dtype (activation's pass, which bench/
    times on its own)."""
    if not out.flags.c_contiguous:
        raise ValueError("activation_into: out must be C-contiguous (the pass writes it as flat rows)")
    # the forward pass's epilogue with a bias of −0, which adds nothing (+0 made −0 into +0, where NumPy
    # and PyTorch keep tanh(−0) = −0): its loops are the vectorised ones
    code = _code(fn, approx)
    if code == SOFTMAX:  # per row of the last axis
        rows = _rows(x)
        _bias_activation(rows, _no_bias(rows.shape[1], x.dtype), _rows(out), code, float(alpha))
        return
    for xs, outs in _flat_rows(x, out):
        _bias_activation(xs, _no_bias(xs.shape[1], x.dtype), outs, code, float(alpha))


def _flat_rows(*arrays):
    """The arrays (of one shape) as matching C-contiguous 2-D parts of _FLAT_ROW-element rows and a
    last row of the rest, for the element-wise passes: whole rows, whatever the shape."""
    flats = [np.ascontiguousarray(a).reshape(-1) for a in arrays]
    size = flats[0].size
    k = size // _FLAT_ROW * _FLAT_ROW
    return [tuple(f[lo:hi].reshape(-1, w) for f in flats)
            for lo, hi, w in ((0, k, _FLAT_ROW), (k, size, size - k)) if hi > lo]


def activation_grad(x, fn, alpha=0.01, approx=None):
    if fn == "softmax":
        raise ValueError("softmax has no element-wise derivative: give the upstream gradient (vector-Jacobian product)")
    out = np.empty(x.shape, dtype=x.dtype)
    for xs, outs in _flat_rows(x, out):
        _grad_rows(xs, outs, _code(fn, approx), float(alpha))
    return out


def activation_vjp(x, grad_out, fn, alpha=0.01, approx=None):
    dtype = np.result_type(x.dtype, grad_out.dtype)
    x = x.astype(dtype, copy=False)
    out = np.empty(x.shape, dtype=dtype)
    if x.size:
        g = grad_out.astype(dtype, copy=False)
        parts = [(_rows(x), _rows(g), _rows(out))] if fn == "softmax" else _flat_rows(x, g, out)
        for xs, gs, outs in parts:
            _vjp_rows(xs, gs, outs, _code(fn, approx), float(alpha))
    return out


def softmax(x):
    return activation(x, "softmax")


def softmax_vjp(x, grad_out):
    return activation_vjp(x, grad_out, "softmax")


def _no_bias(n, dtype):
    """The bias of a layer without one: −0, which leaves every z as it is (z + (+0) turns −0 into +0)."""
    return np.full(n, -0.0, dtype=dtype)


def _bias_or_zeros(b, n, dtype):
    return _no_bias(n, dtype) if b is None else np.ascontiguousarray(b, dtype=dtype)


# the activations mlcalc's GEMM applies to each finished tile (kernels/cpu/gemm.py EPILOGUES): cheap
# ones, whose separate pass is memory-bound; the others are compute-bound, and their pass stays
_GEMM_EPILOGUE = {IDENTITY: None, RELU: "relu", LEAKY: "leaky-relu"}


def dense_forward(x, w, b=None, fn=None, alpha=0.01, approx=None):
    code = _code(fn, approx)
    if code in _GEMM_EPILOGUE and _own_gemm(x, w.T):
        from mlcalc.kernels.cpu.gemm import gemm as own_gemm
        return own_gemm(x, w.T, bias=b, act=_GEMM_EPILOGUE[code], alpha=float(alpha))
    z = gemm(x, w.T)  # gemm returns a fresh C-contiguous array: the epilogue may work in place
    _bias_activation(z, _bias_or_zeros(b, z.shape[1], z.dtype), z, code, float(alpha))
    return z


def dense_backward(x, w, b, grad_out, fn=None, alpha=0.01, approx=None):
    dtype = np.result_type(x.dtype, w.dtype, grad_out.dtype)
    delta = gemm(x, w.T)  # Z without the bias: the fused pass adds it
    g = np.ascontiguousarray(grad_out, dtype=dtype)
    db = _delta_and_db(delta, _bias_or_zeros(b, delta.shape[1], dtype), g, delta, _code(fn, approx), float(alpha))
    return gemm(delta.T, x), db.astype(dtype), gemm(delta, w)


# ---------------------------------------------------------------- losses


@njit(parallel=True, **_OPTS)
def _mse(pred, target, grad):
    m, n = pred.shape
    scale = 2.0 / (m * n)
    partial = np.zeros(m, dtype=np.float64)
    for i in prange(m):
        s = 0.0
        for j in range(n):
            d = np.float64(pred[i, j]) - np.float64(target[i, j])  # float32's square of 1.9e19 was inf
            s += d * d
            grad[i, j] = scale * d
        partial[i] = s
    return partial


# The losses' kernels return a partial sum a row, added up here by NumPy: partial.sum() inside a
# parallel kernel is numba's reduction over the threads, whose order (and last bits: 39 ulps on an mse
# of 10⁶ terms) changed with --threads and so from one machine to another.


def mse_loss(pred, target):
    dtype = np.result_type(pred.dtype, target.dtype)
    grad = np.empty(pred.shape, dtype=dtype)
    partial = _mse(_rows(pred.astype(dtype, copy=False)), _rows(target.astype(dtype, copy=False)), _rows(grad))
    return dtype.type(np.sum(partial) / grad.size), grad


@njit(parallel=True, **_OPTS)
def _cross_entropy_logits(z, t, grad):
    """Per row: log-sum-exp with the row max, loss −Σ t·log p, grad (p·Σt − t)/n. The exps go into a
    float64 scratch row in a loop of their own, which vectorises (vexp; summed in the loop, math.exp
    was the scalar C call: 10⁶ logits 5.7 ms, NumPy 20.5); blocks of rows share one scratch row."""
    m, n = z.shape
    partial = np.zeros(m, dtype=np.float64)
    nblocks = (m + _ROWS_PER_BLOCK - 1) // _ROWS_PER_BLOCK
    for blk in prange(nblocks):
        e = np.empty(n, dtype=np.float64)
        for i in range(blk * _ROWS_PER_BLOCK, min(m, (blk + 1) * _ROWS_PER_BLOCK)):
            zi, ti, gi = z[i], t[i], grad[i]
            mx = zi[0]
            for j in range(1, n):
                if zi[j] > mx or zi[j] != zi[j]:
                    mx = zi[j]
            for j in range(n):
                e[j] = vexp.exp_nonpositive(zi[j] - mx)  # z − max ≤ 0 (NaN, with an inf or NaN row)
            s = 0.0
            for j in range(n):
                s += e[j]
            # log p = (z − max) − log s, as NumPy and PyTorch: z − (max + log s) cancels for large logits
            # (1e16 and 1e16 gave a loss of 0, not log 2)
            log_s = math.log(s)
            tsum = 0.0
            loss = 0.0
            for j in range(n):
                tsum += ti[j]
                if ti[j] != 0:
                    loss -= ti[j] * ((zi[j] - mx) - log_s)
            for j in range(n):
                gi[j] = (vexp.exp_nonpositive((zi[j] - mx) - log_s) * tsum - ti[j]) / m  # z − max ≤ 0 ≤ log s
            partial[i] = loss
    return partial


@njit(parallel=True, **_OPTS)
def _cross_entropy_probs(p, t, grad):
    m, n = p.shape
    partial = np.zeros(m, dtype=np.float64)
    for i in prange(m):
        for j in range(n):
            if t[i, j] != 0:
                partial[i] -= t[i, j] * math.log(p[i, j])
                grad[i, j] = -t[i, j] / p[i, j] / m
            else:
                grad[i, j] = 0.0  # 0·log 0 = 0
    return partial


def cross_entropy_loss(pred, target, from_probs=False):
    dtype = np.result_type(pred.dtype, target.dtype)
    p = np.ascontiguousarray(pred, dtype=dtype)
    t = np.ascontiguousarray(target, dtype=dtype)
    grad = np.empty(p.shape, dtype=dtype)
    kernel = _cross_entropy_probs if from_probs else _cross_entropy_logits
    return dtype.type(np.sum(kernel(p, t, grad)) / p.shape[0]), grad


# ---------------------------------------------------------------- attention


@njit(parallel=True, **_OPTS)
def _masked_scaled_softmax(scores, scale, causal, mask, use_mask):
    """scores ← softmax(scale·scores) per row over the keys that are kept, in place; hidden keys get 0."""
    m, n = scores.shape
    for i in prange(m):
        row = scores[i]
        mx = -np.inf
        for j in range(n):
            keep = (not causal or j <= i) and (not use_mask or mask[i, j] != 0)
            if keep:
                row[j] = row[j] * scale
                # the maximum of the stored values: a float32 row rounds scale·s, and exp_nonpositive
                # needs row[j] − mx ≤ 0 (a float64 maximum above 2²⁴ could leave it at +2 or −200)
                v = row[j]
                if v > mx or v != v:
                    mx = v
            else:
                row[j] = -np.inf
        # hidden keys give exp(−inf) = 0; a loop of its own, so that it vectorises
        for j in range(n):
            row[j] = vexp.exp_nonpositive(row[j] - mx)
        s = 0.0
        for j in range(n):
            s += row[j]
        inv = 1.0 / s
        for j in range(n):
            row[j] = row[j] * inv


def attention(q, k, v, causal=False, mask=None):
    dtype = np.result_type(q.dtype, k.dtype, v.dtype)
    scores = gemm(q, k.T)
    use_mask = mask is not None
    m = np.ascontiguousarray(mask, dtype=np.float64) if use_mask else np.zeros((1, 1))
    _masked_scaled_softmax(scores, 1.0 / math.sqrt(q.shape[-1]), bool(causal), m, use_mask)
    return gemm(scores, v.astype(dtype, copy=False))


# ---------------------------------------------------------------- convolution and embeddings


@njit(parallel=True, **_OPTS)
def _im2col(x, kh, kw, stride, padding, ho, wo, cols):
    c, h, w = x.shape
    for r in prange(c * kh * kw):
        ch = r // (kh * kw)
        i = (r // kw) % kh
        j = r % kw
        for oy in range(ho):
            y = oy * stride + i - padding
            for ox in range(wo):
                xx = ox * stride + j - padding
                if 0 <= y < h and 0 <= xx < w:
                    cols[r, oy * wo + ox] = x[ch, y, xx]
                else:
                    cols[r, oy * wo + ox] = 0.0  # zero padding


def im2col(x, kh, kw, stride=1, padding=0):
    c, h, w = x.shape
    ho = (h + 2 * padding - kh) // stride + 1
    wo = (w + 2 * padding - kw) // stride + 1
    cols = np.empty((c * kh * kw, ho * wo), dtype=x.dtype)
    _im2col(np.ascontiguousarray(x), kh, kw, stride, padding, ho, wo, cols)
    return cols


def conv2d(x, k, stride=1, padding=0):
    o, c, kh, kw = k.shape
    cols = im2col(x, kh, kw, stride, padding)
    ho = (x.shape[1] + 2 * padding - kh) // stride + 1
    wo = (x.shape[2] + 2 * padding - kw) // stride + 1
    return gemm(k.reshape(o, c * kh * kw), cols).reshape(o, ho, wo)


@njit(parallel=True, **_OPTS)
def _gather_rows(e, ids, out):
    for i in prange(ids.shape[0]):
        out[i, :] = e[ids[i], :]


def embed(ids, e):
    idx = ids.astype(np.intp).reshape(-1)
    out = np.empty((idx.shape[0], e.shape[1]), dtype=e.dtype)
    _gather_rows(np.ascontiguousarray(e), idx, out)
    return out.reshape(ids.shape + (e.shape[1],))


def warmup():
    for dtype in (np.float32, np.float64):
        x = np.linspace(-2, 2, 6, dtype=dtype).reshape(2, 3)
        w = np.ones((2, 3), dtype=dtype)
        b = np.zeros(2, dtype=dtype)
        for fn in ("relu", "softmax"):
            activation(x, fn)
            activation_vjp(x, x, fn)
        activation_grad(x, "relu")
        dense_forward(x, w, b, "relu")
        dense_backward(x, w, b, np.ones((2, 2), dtype=dtype), "relu")
        mse_loss(x, x)
        cross_entropy_loss(x, np.abs(x), False)
        cross_entropy_loss(np.abs(x) + 1, np.abs(x), True)
        attention(x, x, x, True, np.ones((2, 2)))
        conv2d(x.reshape(1, 2, 3), w.reshape(1, 1, 2, 3))
        embed(np.array([1.0, 0.0]), x)
