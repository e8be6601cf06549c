"""GEMM for the numba engine: blocked and packed, as BLIS/OpenBLAS do it.

C = A·B is cut into NC-column panels of B and KC-deep slices of the inner dimension; each B panel
is copied ("packed") into NR-column slivers laid out contiguously, then the row blocks of A (MC rows)
are packed into MR-row slivers and run in parallel: every MR×NR tile of C is one call of a
micro-kernel (gemm_micro.py) whose accumulators stay in vector registers. Packing pads edges with
zeros, so the micro-kernel never sees a partial tile; partial tiles of C go through a scratch tile.

Block sizes (float64: MR×NR = 8×16, KC = 256, MC = 96; float32: 4×32): an A sliver and a B sliver
of depth KC fit in L1, an MC×KC block of A in L2, a KC×NC panel of B in the large L3.
"""

from mlcalc import config

config.apply()

import numpy as np  # noqa: E402
from numba import njit, prange  # noqa: E402

from mlcalc.config import JIT_OPTIONS  # noqa: E402
from mlcalc.kernels.cpu.gemm_micro import micro_8x32, micro_8x16  # noqa: E402

# (KC, MC, NC) for float32, float64
BLOCKS = {False: (384, 192, 4096), True: (384, 96, 4096)}  # measured at 1536² (bench/bench_gemm.py)


@njit(parallel=True, **JIT_OPTIONS)
def _pack_b(b, p0, kc, j0, nc, nr, bp):
    """B[p0:p0+kc, j0:j0+nc] into NR-column slivers: bp[s*kc*nr + p*nr + j], zero-padded."""
    n = b.shape[1]
    slivers = (nc + nr - 1) // nr
    for s in prange(slivers):
        base = s * kc * nr
        for p in range(kc):
            row = p0 + p
            for j in range(nr):
                col = j0 + s * nr + j
                bp[base + p * nr + j] = b[row, col] if col < n and col < j0 + nc else 0.0


@njit(**JIT_OPTIONS)
def _pack_a(a, i0, mc, p0, kc, mr, ap):
    """A[i0:i0+mc, p0:p0+kc] into MR-row slivers: ap[s*kc*mr + p*mr + i], zero-padded."""
    m = a.shape[0]
    slivers = (mc + mr - 1) // mr
    for s in range(slivers):
        base = s * kc * mr
        for i in range(mr):
            row = i0 + s * mr + i
            if row < m and row < i0 + mc:
                for p in range(kc):
                    ap[base + p * mr + i] = a[row, p0 + p]
            else:
                for p in range(kc):
                    ap[base + p * mr + i] = 0.0


@njit(**JIT_OPTIONS)
def _macro(ap, bp, c, i0, mc, j0, nc, kc, mr, nr, scratch):
    """All MR×NR tiles of the mc×nc block of C at (i0, j0), from packed A and B."""
    m, n = c.shape
    for js in range((nc + nr - 1) // nr):
        cj = j0 + js * nr
        b0 = js * kc * nr
        for is_ in range((mc + mr - 1) // mr):
            ci = i0 + is_ * mr
            a0 = is_ * kc * mr
            full = ci + mr <= m and cj + nr <= n
            target = c if full else scratch
            ti, tj = (ci, cj) if full else (0, 0)
            if not full:
                scratch[:, :] = 0.0
            if nr == 16:
                micro_8x16(kc, ap[a0:a0 + kc * mr], bp[b0:b0 + kc * nr], target, ti, tj)
            else:
                micro_8x32(kc, ap[a0:a0 + kc * mr], bp[b0:b0 + kc * nr], target, ti, tj)
            if not full:
                for i in range(min(mr, m - ci)):
                    for j in range(min(nr, n - cj)):
                        c[ci + i, cj + j] += scratch[i, j]


@njit(parallel=True, **JIT_OPTIONS)
def _gemm(a, b, c, mr, nr, KC, MC, NC):
    m, k = a.shape
    n = b.shape[1]
    kc_max = min(KC, k)
    nc_max = min(NC, ((n + nr - 1) // nr) * nr)
    bp = np.empty(kc_max * nc_max, dtype=c.dtype)
    row_blocks = (m + MC - 1) // MC
    for j0 in range(0, n, NC):
        nc = min(NC, n - j0)
        for p0 in range(0, k, KC):
            kc = min(KC, k - p0)
            _pack_b(b, p0, kc, j0, nc, nr, bp)
            for blk in prange(row_blocks):
                i0 = blk * MC
                mc = min(MC, m - i0)
                ap = np.empty(((mc + mr - 1) // mr) * mr * kc, dtype=c.dtype)
                scratch = np.zeros((mr, nr), dtype=c.dtype)
                _pack_a(a, i0, mc, p0, kc, mr, ap)
                _macro(ap, bp, c, i0, mc, j0, nc, kc, mr, nr, scratch)


def gemm(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """C = A·B for 2-D float32/float64 arrays of any layout (the result has NumPy's result dtype)."""
    dtype = np.result_type(a.dtype, b.dtype, np.float32)
    a = a.astype(dtype, copy=False)
    b = b.astype(dtype, copy=False)
    m, k = a.shape
    n = b.shape[1]
    c = np.zeros((m, n), dtype=dtype)
    if m == 0 or n == 0 or k == 0:
        return c
    mr, nr = (8, 16) if dtype == np.float64 else (8, 32)
    _gemm(a, b, c, mr, nr, *BLOCKS[dtype == np.float64])
    return c


def matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """NumPy `@` semantics on 1-D/2-D operands, computed by `gemm`."""
    a2 = a[None, :] if a.ndim == 1 else a
    b2 = b[:, None] if b.ndim == 1 else b
    c = gemm(a2, b2)
    if a.ndim == 1 and b.ndim == 1:
        return c[0, 0]
    if a.ndim == 1:
        return c[0]
    if b.ndim == 1:
        return c[:, 0]
    return c


def warmup() -> None:
    for dtype in (np.float64, np.float32):
        a = np.ones((20, 300), dtype=dtype)
        gemm(a, a.T)
        gemm(a[:, ::2], a[::3].T[:150])
