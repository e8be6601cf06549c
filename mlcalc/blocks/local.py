"""Out-of-core algorithms on one machine: blocks sized so that everything held at once stays
within a memory budget, read from and written to NPY files.

Each function takes `NpyBlocks` (or in-memory arrays) and a `progress(done, total)` callback.
The per-block arithmetic goes through the engine registry, so blocks run our numba kernels
when they are large enough to profit.
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np

from mlcalc import engine as engines
from mlcalc.blocks.storage import NpyBlockWriter
from mlcalc.errors import NumericError, ShapeError
from mlcalc.ops.common import dist_widths_error

Progress = Callable[[int, int], None]


def _noop(done: int, total: int) -> None:
    pass


def matmul_tiles(m: int, k: int, n: int, itemsize: int, budget: int) -> tuple[int, int, int]:
    """(bm, bk, bn): an A block bm×bk, a B block bk×bn and two bm×bn blocks (C and the product)
    fit in half the budget (the rest is for the interpreter, NumPy and copies)."""
    words = max(budget // 2 // itemsize, 64)
    # prefer the whole inner dimension (A's row panel read once per B panel, no partial sums)
    b = int((math.sqrt(k * k + 2 * words) - k) / 2)  # 2·b·k + 2·b² ≤ words
    if b >= min(64, m, n):
        return min(m, b), k, min(n, b)
    b = max(16, int(math.isqrt(words // 4)))          # 4·b² ≤ words with bk = b
    return min(m, b), min(k, b), min(n, b)


def matmul(a, b, out: NpyBlockWriter, budget: int, engine: str = "auto", progress: Progress = _noop) -> None:
    """C = A·B by blocks, written into `out`."""
    (m, k), (k2, n) = a.shape, b.shape
    if k != k2:
        raise ShapeError(f"matmul: shapes ({m}, {k}) and ({k2}, {n}) do not align: {k} != {k2}")
    bm, bk, bn = matmul_tiles(m, k, n, out.dtype.itemsize, budget)
    kern = engines.kernel("matmul", engine, work=bm * bk * bn)
    row_blocks, col_blocks, inner_blocks = range(0, m, bm), range(0, n, bn), range(0, k, bk)
    total, done = len(row_blocks) * len(col_blocks), 0
    for i in row_blocks:
        a_panel = a[i:i + bm, :] if bk == k else None  # read once per row panel when it fits
        for j in col_blocks:
            c = None
            for p in inner_blocks:
                a_blk = a_panel if a_panel is not None else a[i:i + bm, p:p + bk]
                prod = kern(a_blk, b[p:p + bk, j:j + bn])
                c = prod if c is None else c.__iadd__(prod)
            out[i:i + bm, j:j + bn] = c
            done += 1
            progress(done, total)


def matvec(a, b, out: NpyBlockWriter, budget: int, progress: Progress = _noop) -> None:
    """NumPy's @ with a 1-D operand (A·v, v·B, or u·v), the file read by row blocks: A·v block by
    block into `out`; v·B and u·v summed over the blocks (n values, or one, in memory)."""
    big = a if len(b.shape) == 1 and len(a.shape) == 2 else b
    rows = row_block(big.shape, out.dtype.itemsize, budget, 2)
    starts = range(0, big.shape[0], rows)
    if big is a:  # A (m, k) · v (k,): one output value per row of A
        v = b if isinstance(b, np.ndarray) else b[:]
        for done, r in enumerate(starts, start=1):
            out[r:r + rows] = a[r:r + rows] @ v
            progress(done, len(starts))
        return
    acc = np.zeros(b.shape[1:], dtype=out.dtype)  # v (k,) · B (k, n), or u (k,) · v (k,)
    for done, r in enumerate(starts, start=1):
        acc += a[r:r + rows] @ b[r:r + rows]
        progress(done, len(starts))
    out[...] = acc


def row_block(shape, itemsize: int, budget: int, copies: int) -> int:
    """Rows per block when `copies` blocks of full rows are held at once."""
    cols = shape[1] if len(shape) > 1 else 1
    return max(1, min(shape[0], budget // 2 // (copies * cols * itemsize)))


def elementwise_shape_error(op: str, a_shape, b_shape) -> ShapeError:
    return ShapeError(f"{op}: shapes {tuple(a_shape)} and {tuple(b_shape)} must be equal (or one a row, "
                      "a column or a single number) for out-of-core work")


def elementwise(op: str, a, b, out: NpyBlockWriter, budget: int, engine: str = "auto",
                progress: Progress = _noop) -> None:
    """add / sub / hadamard by row blocks of two same-shape operands, or of one operand and a row or a
    single number on either side (read whole: it is small), or a column of as many rows (read with each
    block), broadcast as NumPy does."""
    def broadcasts_over(x, big):  # a single number, or one row of big's width
        return int(np.prod(x.shape)) == 1 or (len(big.shape) == 2 and tuple(x.shape) in ((big.shape[1],),
                                                                                      (1, big.shape[1])))

    def column_of(x, big):  # (m, 1) beside (m, n): sliced by the same row blocks
        return len(big.shape) == 2 and tuple(x.shape) == (big.shape[0], 1)
    if tuple(a.shape) == tuple(b.shape) or column_of(b, a) or column_of(a, b):
        big, small = (b, None) if column_of(a, b) else (a, None)
    elif broadcasts_over(b, a):
        big, small = a, b
    elif broadcasts_over(a, b):
        big, small = b, a
    else:
        raise elementwise_shape_error(op, a.shape, b.shape)
    if small is not None:
        small = (small if isinstance(small, np.ndarray) else small[:]).reshape(
            () if int(np.prod(small.shape)) == 1 else (-1,))
    rows = row_block(big.shape, out.dtype.itemsize, budget, 3)
    kern = engines.kernel(op, engine, work=rows * (big.shape[1] if len(big.shape) > 1 else 1))
    starts = range(0, big.shape[0], rows)
    # a 1-D operand with a (1, 1) one makes a (1, n) result, as NumPy broadcasts: its blocks go along the row
    along_row = len(big.shape) == 1 and len(out.shape) == 2
    for done, r in enumerate(starts, start=1):
        if small is None:
            block = kern(a[r:r + rows], b[r:r + rows])
        else:  # keep the operands' order: sub is not symmetric
            block = kern(big[r:r + rows], small) if big is a else kern(small, big[r:r + rows])
        if along_row:
            out[0, r:r + rows] = block
        else:
            out[r:r + rows] = block
        progress(done, len(starts))


def scale(a, k: float, out: NpyBlockWriter, budget: int, engine: str = "auto", progress: Progress = _noop) -> None:
    rows = row_block(a.shape, out.dtype.itemsize, budget, 2)
    kern = engines.kernel("scale", engine, work=rows * (a.shape[1] if len(a.shape) > 1 else 1))
    starts = range(0, a.shape[0], rows)
    for done, r in enumerate(starts, start=1):
        out[r:r + rows] = kern(a[r:r + rows], k)
        progress(done, len(starts))


def transpose(a, out: NpyBlockWriter, budget: int, progress: Progress = _noop) -> None:
    rows = row_block(a.shape, out.dtype.itemsize, budget, 2)
    starts = range(0, a.shape[0], rows)
    for done, r in enumerate(starts, start=1):
        if len(a.shape) == 1:  # a 1-D file transposes to the column it is in memory (n, 1)
            out[r:r + rows, 0] = a[r:r + rows]
        else:
            out[:, r:r + rows] = a[r:r + rows].T
        progress(done, len(starts))


def norm(a, ord: str, budget: int, progress: Progress = _noop) -> float:
    """Matrix norms that a row-block pass can compute: fro, l1 (largest column sum), inf (largest row sum)."""
    if ord not in ("fro", "l1", "inf"):
        raise ShapeError(f"norm: --ord {ord} needs the whole matrix in memory: raise --memory-limit to hold it, or "
                         "use --ord fro, l1 or inf, which work by blocks")
    rows = row_block(a.shape, 8, budget, 2)
    scale_, ssq, col_sums, row_max = 0.0, 1.0, None, 0.0
    nonfinite = 0.0  # NaN or inf once a block holds one: NumPy's norm is then nan (any NaN) or inf
    starts = range(0, a.shape[0], rows)
    for done, r in enumerate(starts, start=1):
        blk = np.abs(a[r:r + rows])
        if blk.ndim == 1:
            blk = blk[:, None]  # a 1-D file as the column it is
        if not np.isfinite(blk).all():
            nonfinite = math.nan if np.isnan(blk).any() or math.isnan(nonfinite) else math.inf
            progress(done, len(starts))
            continue
        if ord == "fro":  # scaled sum of squares (LAPACK's lassq): no overflow for huge entries
            m = float(blk.max(initial=0.0))
            if m > 0:
                if m > scale_:
                    ssq = ssq * (scale_ / m) ** 2 if scale_ > 0 else 0.0
                    scale_ = m
                ssq += float(np.sum((blk / scale_) ** 2))
        elif ord == "l1":
            s = blk.sum(axis=0)
            col_sums = s if col_sums is None else col_sums + s
        else:
            row_max = max(row_max, float(blk.sum(axis=1).max()))
        progress(done, len(starts))
    if nonfinite:
        return nonfinite
    if ord == "fro":
        return scale_ * math.sqrt(ssq) if scale_ > 0 else 0.0
    return float(col_sums.max()) if ord == "l1" else row_max


def pairwise_dist(a, b, metric: str, out: NpyBlockWriter, budget: int, engine: str = "auto",
                  progress: Progress = _noop) -> None:
    """Distances between every row of A and every row of B, by row panels of both."""
    (m, d), (p, d2) = a.shape, b.shape
    if d != d2:
        raise dist_widths_error(a.shape, b.shape)
    words = max(budget // 2 // 8, 64)
    # two row panels and one result block; at least 16 rows where 16 full rows fit the budget: 1-row
    # panels of a tiny budget ran one kernel call per pair of rows (300×300 took 56 s against 0.75 in
    # memory), while wide rows must still keep to it (16 rows of 200000 columns are 25 MB)
    rows = max(min(16, max(1, words // (2 * d))), int((math.sqrt(d * d + 2 * words) - d) / 2))
    rows = min(rows, max(m, p))
    kern = engines.kernel("dist", engine, work=rows * rows * d)
    a_starts, b_starts = range(0, m, rows), range(0, p, rows)
    total, done = len(a_starts) * len(b_starts), 0
    for i in a_starts:
        a_panel = a[i:i + rows]
        if metric == "cosine":
            _refuse_zero_rows(a_panel, i, "A")
        for j in b_starts:
            b_panel = b[j:j + rows]
            if metric == "cosine" and i == 0:
                _refuse_zero_rows(b_panel, j, "B")
            out[i:i + rows, j:j + rows] = kern(a_panel, b_panel, metric)
            done += 1
            progress(done, total)


def _refuse_zero_rows(panel: np.ndarray, first: int, name: str) -> None:
    """The in-memory dist's rule, panel by panel: a zero row has no direction for the cosine."""
    zero = ~np.any(panel != 0, axis=1)
    if zero.any():
        raise NumericError(f"dist: cosine distance is undefined for a zero vector "
                           f"(row {first + int(np.argmax(zero)) + 1} of {name})")
