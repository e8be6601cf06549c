"""Element-wise numba kernels: add, sub, Hadamard product, scale, transpose, outer product.

These are memory-bound, so what matters is streaming at memory speed on every core:

* fast path: operands of the result's shape, C-contiguous, seen as one flat index range cut into
  chunks of `_CHUNK` elements that `prange` shares out (a 1-D vector splits as well as a matrix);
  each chunk is a slice, so the inner loop has a known unit stride and no negative-index checks
  and LLVM vectorises it;
* a scalar operand (size 1) has its own flat loop;
* everything else (row/column broadcasting, strided views) takes the general 2-D path: operands
  kept at their own shapes (1 or m rows, 1 or n columns, any strides; never materialised by
  broadcasting), work cut into (row, column-chunk) tiles so that one long row still splits.
"""

import numpy as np
from numba import njit, prange

from mlcalc.config import JIT_OPTIONS
from mlcalc.kernels.cpu import stream

_ADD, _SUB, _MUL = 0, 1, 2
_CHUNK = 1 << 15  # elements per parallel task: large enough to amortise scheduling, small enough to balance


@njit(inline="always", **JIT_OPTIONS)
def _binary_run(ac, bc, oc, op, nt):
    """oc = ac (op) bc over 1-D views indexed from 0; streaming stores when nt (a constant at each
    call, so the test folds away: stream.put)."""
    if op == _ADD:
        for i in range(oc.shape[0]):
            stream.put(oc, i, ac[i] + bc[i], nt)
    elif op == _SUB:
        for i in range(oc.shape[0]):
            stream.put(oc, i, ac[i] - bc[i], nt)
    else:
        for i in range(oc.shape[0]):
            stream.put(oc, i, ac[i] * bc[i], nt)


@njit(parallel=True, **JIT_OPTIONS)
def _binary_flat(a, b, out, op):
    """out = a (op) b for 1-D contiguous arrays of one length; a result larger than the caches is
    written with streaming stores, in each chunk's line-aligned middle."""
    n = out.shape[0]
    nt = n * out.itemsize >= stream.STREAM_FROM_BYTES
    nch = (n + _CHUNK - 1) // _CHUNK
    for c in prange(nch):
        lo = c * _CHUNK
        hi = min(n, lo + _CHUNK)
        ac, bc, oc = a[lo:hi], b[lo:hi], out[lo:hi]
        s, e = stream.aligned_span(oc) if nt else (0, 0)
        _binary_run(ac[:s], bc[:s], oc[:s], op, False)
        _binary_run(ac[s:e], bc[s:e], oc[s:e], op, True)
        _binary_run(ac[e:], bc[e:], oc[e:], op, False)
        if nt:
            stream.fence()


@njit(inline="always", **JIT_OPTIONS)
def _scalar_run(ac, s, oc, op, scalar_left, nt):
    """oc = ac (op) s, or s (op) ac when scalar_left, over 1-D views indexed from 0."""
    if op == _ADD:
        for i in range(oc.shape[0]):
            stream.put(oc, i, ac[i] + s, nt)
    elif op == _MUL:
        for i in range(oc.shape[0]):
            stream.put(oc, i, ac[i] * s, nt)
    elif scalar_left:
        for i in range(oc.shape[0]):
            stream.put(oc, i, s - ac[i], nt)
    else:
        for i in range(oc.shape[0]):
            stream.put(oc, i, ac[i] - s, nt)


@njit(parallel=True, **JIT_OPTIONS)
def _binary_scalar(a, s, out, op, scalar_left):
    """out = a (op) s, or s (op) a when scalar_left, for 1-D contiguous a and out (streamed as in
    _binary_flat)."""
    n = out.shape[0]
    nt = n * out.itemsize >= stream.STREAM_FROM_BYTES
    nch = (n + _CHUNK - 1) // _CHUNK
    for c in prange(nch):
        lo = c * _CHUNK
        hi = min(n, lo + _CHUNK)
        ac, oc = a[lo:hi], out[lo:hi]
        p, e = stream.aligned_span(oc) if nt else (0, 0)
        _scalar_run(ac[:p], s, oc[:p], op, scalar_left, False)
        _scalar_run(ac[p:e], s, oc[p:e], op, scalar_left, True)
        _scalar_run(ac[e:], s, oc[e:], op, scalar_left, False)
        if nt:
            stream.fence()


@njit(parallel=True, **JIT_OPTIONS)
def _binary_general(a, b, out, op):
    """out = a (op) b, where a and b have 1 or m rows and 1 or n columns (broadcast), any strides."""
    m, n = out.shape
    am, an = a.shape
    bm, bn = b.shape
    nch = (n + _CHUNK - 1) // _CHUNK
    for t in prange(m * nch):
        i = t // nch
        lo = (t % nch) * _CHUNK
        hi = min(n, lo + _CHUNK)
        ar = a[i if am > 1 else 0]
        br = b[i if bm > 1 else 0]
        orow = out[i]
        for j in range(lo, hi):
            x = ar[j if an > 1 else 0]
            y = br[j if bn > 1 else 0]
            if op == _ADD:
                orow[j] = x + y
            elif op == _SUB:
                orow[j] = x - y
            else:
                orow[j] = x * y


@njit(parallel=True, **JIT_OPTIONS)
def _transpose_2d(a, out):
    # blocks of 32x32 so that both the reads and the writes stay in cache lines
    m, n = a.shape
    nbi = (m + 31) // 32
    nbj = (n + 31) // 32
    for blk in prange(nbi * nbj):
        i0 = (blk // nbj) * 32
        j0 = (blk % nbj) * 32
        for i in range(i0, min(i0 + 32, m)):
            for j in range(j0, min(j0 + 32, n)):
                out[j, i] = a[i, j]


@njit(parallel=True, **JIT_OPTIONS)
def _outer(u, v, out):
    # (row, column-chunk) tiles: a long row splits over the threads too
    m = u.shape[0]
    n = v.shape[0]
    nch = (n + _CHUNK - 1) // _CHUNK
    for t in prange(m * nch):
        i = t // nch
        lo = (t % nch) * _CHUNK
        hi = min(n, lo + _CHUNK)
        ui = u[i]
        vc, oc = v[lo:hi], out[i, lo:hi]
        for j in range(hi - lo):
            oc[j] = ui * vc[j]


def _as_2d(x: np.ndarray) -> np.ndarray:
    """A 0-/1-/2-D operand as 2-D by NumPy's broadcasting rule (a vector is a row); a view."""
    if x.ndim == 0:
        return x.reshape(1, 1)
    if x.ndim == 1:
        return x.reshape(1, -1)
    return x


def _binary(a, b, op):
    a = np.asarray(a)
    b = np.asarray(b)
    dtype = np.result_type(a.dtype, b.dtype)
    shape = np.broadcast_shapes(a.shape, b.shape)
    a = a.astype(dtype, copy=False)
    b = b.astype(dtype, copy=False)
    out = np.empty(shape, dtype=dtype)
    if out.size == 0:
        return out
    if a.shape == shape and b.shape == shape and a.flags.c_contiguous and b.flags.c_contiguous:
        _binary_flat(a.reshape(-1), b.reshape(-1), out.reshape(-1), op)
    elif b.size == 1 and a.shape == shape and a.flags.c_contiguous:
        _binary_scalar(a.reshape(-1), b.reshape(-1)[0], out.reshape(-1), op, False)
    elif a.size == 1 and b.shape == shape and b.flags.c_contiguous:
        _binary_scalar(b.reshape(-1), a.reshape(-1)[0], out.reshape(-1), op, True)
    elif len(shape) <= 2:
        _binary_general(_as_2d(a), _as_2d(b), _as_2d(out), op)
    else:  # more than 2 dimensions: not a matrix command's case; materialise and go flat
        a_b = np.ascontiguousarray(np.broadcast_to(a, shape))
        b_b = np.ascontiguousarray(np.broadcast_to(b, shape))
        _binary_flat(a_b.reshape(-1), b_b.reshape(-1), out.reshape(-1), op)
    return out


def add(a, b):
    return _binary(a, b, _ADD)


def sub(a, b):
    return _binary(a, b, _SUB)


def hadamard(a, b):
    return _binary(a, b, _MUL)


def scale(a, k):
    """k·A in A's dtype (the same rule as the reference: k is cast to A's dtype first)."""
    a = np.asarray(a)
    out = np.empty(a.shape, dtype=a.dtype)
    if out.size == 0:
        return out
    s = a.dtype.type(k)
    if a.flags.c_contiguous:
        _binary_scalar(a.reshape(-1), s, out.reshape(-1), _MUL, False)
    elif a.ndim <= 2:
        _binary_general(_as_2d(a), np.full((1, 1), s, dtype=a.dtype), _as_2d(out), _MUL)
    else:
        _binary_scalar(np.ascontiguousarray(a).reshape(-1), s, out.reshape(-1), _MUL, False)
    return out


def transpose(a):
    if a.ndim < 2:
        return a.copy()
    out = np.empty((a.shape[1], a.shape[0]), dtype=a.dtype)
    if out.size:
        _transpose_2d(a, out)
    return out


def outer(u, v):
    dtype = np.result_type(u.dtype, v.dtype)
    u = np.ascontiguousarray(u.reshape(-1), dtype=dtype)
    v = np.ascontiguousarray(v.reshape(-1), dtype=dtype)
    out = np.empty((u.shape[0], v.shape[0]), dtype=dtype)
    if out.size:
        _outer(u, v, out)
    return out


def warmup() -> None:
    """Compile (or load from the cache) every path for both dtypes."""
    for dt in (np.float32, np.float64):
        x = np.ones((3, 4), dtype=dt)
        add(x, x), sub(x, x[0]), hadamard(x[:, :1], x), sub(dt(2), x), scale(x, 2), scale(x.T, 2)
        transpose(x), outer(x[0], x[:, 0]), add(x.T, x.T)
