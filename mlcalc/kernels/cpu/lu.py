"""LU with partial pivoting for the numba engine, and what it gives: solve, inverse, determinant.

P·A = L·U is computed in place, right-looking and blocked for large n: factor a panel of NB columns
(unblocked, rows swapped whole), turn the block row right of it into U₁₂ = L₁₁⁻¹·A₁₂, then update
the trailing matrix A₂₂ −= L₂₁·U₁₂ with the project's GEMM, where nearly all the flops are.
Triangular solves with many right-hand sides are blocked the same way. Each solver also estimates
κ₁(A) = ‖A‖₁·‖A⁻¹‖₁ from the factors (Hager–Higham, as LAPACK's gecon), in O(n²).

Public wrappers have the signatures of mlcalc.kernels.reference.systems and raise its
SingularMatrix for a zero pivot.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from mlcalc.config import JIT_OPTIONS
from mlcalc.kernels.cpu.gemm import gemm
from mlcalc.kernels.reference.systems import SingularMatrix

NB = 64            # panel width of the blocked algorithms
BLOCK_FROM = 256   # n from which the blocked algorithms (and GEMM) take over
RHS_CHUNK = 64     # right-hand-side columns per parallel task in the triangular solves


# ---------------------------------------------------------------- factorisation


@njit(**JIT_OPTIONS)
def _panel(a, perm, k0, k1):
    """Unblocked LU of columns k0..k1 over rows k0..n of `a`, in place; whole rows are swapped so
    that the rest of the matrix follows the permutation. Returns the first zero-pivot column or -1."""
    n, ncols = a.shape
    info = -1
    for k in range(k0, k1):
        p = k
        best = abs(a[k, k])
        for i in range(k + 1, n):
            v = abs(a[i, k])
            if v > best:
                best = v
                p = i
        if p != k:
            for j in range(ncols):
                t = a[k, j]
                a[k, j] = a[p, j]
                a[p, j] = t
            t2 = perm[k]
            perm[k] = perm[p]
            perm[p] = t2
        piv = a[k, k]
        if piv == 0:
            if info < 0:
                info = k
            continue
        for i in range(k + 1, n):
            lik = a[i, k] / piv
            a[i, k] = lik
            if lik != 0:
                for j in range(k + 1, k1):
                    a[i, j] -= lik * a[k, j]
    return info


@njit(parallel=True, **JIT_OPTIONS)
def _block_row(a, k0, k1):
    """U₁₂ = L₁₁⁻¹·A₁₂ in place (rows k0..k1, columns k1..n), parallel over column chunks."""
    n = a.shape[1]
    nchunks = (n - k1 + RHS_CHUNK - 1) // RHS_CHUNK
    for c in prange(nchunks):
        j0 = k1 + c * RHS_CHUNK
        j1 = min(n, j0 + RHS_CHUNK)
        for i in range(k0 + 1, k1):
            for p in range(k0, i):
                lip = a[i, p]
                for j in range(j0, j1):
                    a[i, j] -= lip * a[p, j]


def _factor(lu: np.ndarray, perm: np.ndarray) -> int:
    """In-place P·A = L·U; returns the first zero-pivot column or -1."""
    n = lu.shape[0]
    if n < BLOCK_FROM:
        return _panel(lu, perm, 0, n)
    info = -1
    for k0 in range(0, n, NB):
        k1 = min(k0 + NB, n)
        i = _panel(lu, perm, k0, k1)
        if info < 0 <= i:
            info = i
        if k1 < n:
            _block_row(lu, k0, k1)
            lu[k1:, k1:] -= gemm(lu[k1:, k0:k1], lu[k0:k1, k1:])
    return info


def _result_dtype(*operands: np.ndarray):
    """float32 where every operand is float32, else float64 (integers too), as NumPy's solve and inv."""
    return np.float32 if all(o.dtype == np.float32 for o in operands) else np.float64


def _working_copy(a: np.ndarray) -> np.ndarray:
    # float64 for a float32 A too, rounded once at the end, as NumPy's linalg and the eig and svd kernels
    # work: factored in float32, a 1000×1000 solve was 1e-4 off where NumPy's was 3e-8
    return np.array(a, dtype=np.float64, order="C", copy=True)


def lu_factor(a: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """(LU, perm, info) as mlcalc.kernels.reference.systems.lu_factor defines them, LU in float64 whatever
    A's dtype (the reference keeps float32's)."""
    lu = _working_copy(a)
    perm = np.arange(lu.shape[0], dtype=np.int64)
    info = _factor(lu, perm)
    return lu, perm, info


# ---------------------------------------------------------------- triangular solves


@njit(parallel=True, **JIT_OPTIONS)
def _forward_rows(lu, b, i0, i1):
    """b[i0:i1] ← L[i0:i1, i0:i1]⁻¹·b[i0:i1] (unit lower), parallel over right-hand-side chunks."""
    k = b.shape[1]
    nchunks = (k + RHS_CHUNK - 1) // RHS_CHUNK
    for c in prange(nchunks):
        j0 = c * RHS_CHUNK
        j1 = min(k, j0 + RHS_CHUNK)
        for i in range(i0 + 1, i1):
            for p in range(i0, i):
                lip = lu[i, p]
                if lip != 0:
                    for j in range(j0, j1):
                        b[i, j] -= lip * b[p, j]


@njit(parallel=True, **JIT_OPTIONS)
def _backward_rows(lu, b, i0, i1):
    """b[i0:i1] ← U[i0:i1, i0:i1]⁻¹·b[i0:i1] (upper), parallel over right-hand-side chunks."""
    k = b.shape[1]
    nchunks = (k + RHS_CHUNK - 1) // RHS_CHUNK
    for c in prange(nchunks):
        j0 = c * RHS_CHUNK
        j1 = min(k, j0 + RHS_CHUNK)
        for i in range(i1 - 1, i0 - 1, -1):
            for p in range(i + 1, i1):
                uip = lu[i, p]
                if uip != 0:
                    for j in range(j0, j1):
                        b[i, j] -= uip * b[p, j]
            d = lu[i, i]
            for j in range(j0, j1):
                b[i, j] /= d


def _lu_solve_inplace(lu: np.ndarray, b: np.ndarray) -> None:
    """b ← U⁻¹·L⁻¹·b for an already permuted, C-contiguous (n, k) b; blocked with GEMM when large."""
    n, k = b.shape
    if n < BLOCK_FROM or k < RHS_CHUNK:
        _forward_rows(lu, b, 0, n)
        _backward_rows(lu, b, 0, n)
        return
    for i0 in range(0, n, NB):
        i1 = min(i0 + NB, n)
        if i0 > 0:
            b[i0:i1] -= gemm(lu[i0:i1, :i0], b[:i0])
        _forward_rows(lu, b, i0, i1)
    last = ((n - 1) // NB) * NB
    for i0 in range(last, -1, -NB):
        i1 = min(i0 + NB, n)
        if i1 < n:
            b[i0:i1] -= gemm(lu[i0:i1, i1:], b[i1:])
        _backward_rows(lu, b, i0, i1)


# ---------------------------------------------------------------- condition estimate


@njit(**JIT_OPTIONS)
def _solve_vec(lu, perm, x, transposed):
    """A·y = x (or Aᵀ·y = x) with the factors P·A = L·U; float64 accumulation."""
    n = lu.shape[0]
    y = np.empty(n, dtype=np.float64)
    if not transposed:
        for i in range(n):
            y[i] = x[perm[i]]
        for i in range(n):
            s = y[i]
            for p in range(i):
                s -= lu[i, p] * y[p]
            y[i] = s
        for i in range(n - 1, -1, -1):
            s = y[i]
            for p in range(i + 1, n):
                s -= lu[i, p] * y[p]
            y[i] = s / lu[i, i]
        return y
    # Aᵀ = Uᵀ·Lᵀ·P: solve Uᵀw = x (lower), Lᵀv = w (unit upper), then y = Pᵀv
    w = np.empty(n, dtype=np.float64)
    for i in range(n):
        w[i] = x[i]
    for p in range(n):
        w[p] /= lu[p, p]
        wp = w[p]
        for i in range(p + 1, n):
            w[i] -= lu[p, i] * wp
    for p in range(n - 1, -1, -1):
        wp = w[p]
        for i in range(p):
            w[i] -= lu[p, i] * wp
    for i in range(n):
        y[perm[i]] = w[i]
    return y


@njit(**JIT_OPTIONS)
def _inv_norm1_estimate(lu, perm):
    """‖A⁻¹‖₁ estimated by Hager's method with Higham's extra test vector (LAPACK's dlacon idea)."""
    n = lu.shape[0]
    x = np.full(n, 1.0 / n)
    est = 0.0
    last_j = -1
    for it in range(5):
        y = _solve_vec(lu, perm, x, False)
        e = 0.0
        for i in range(n):
            e += abs(y[i])
        if it > 0 and e <= est:
            break
        est = e
        xi = np.empty(n)
        for i in range(n):
            xi[i] = 1.0 if y[i] >= 0 else -1.0
        z = _solve_vec(lu, perm, xi, True)
        j = 0
        zmax = abs(z[0])
        for i in range(1, n):
            if abs(z[i]) > zmax:
                zmax = abs(z[i])
                j = i
        ztx = 0.0
        for i in range(n):
            ztx += z[i] * x[i]
        if zmax <= ztx or j == last_j:
            break
        last_j = j
        x[:] = 0.0
        x[j] = 1.0
    # Higham's alternating vector catches cases where the power-like iteration stalls
    for i in range(n):
        x[i] = (1.0 if i % 2 == 0 else -1.0) * (1.0 + i / max(n - 1, 1))
    y = _solve_vec(lu, perm, x, False)
    alt = 0.0
    for i in range(n):
        alt += abs(y[i])
    alt = 2.0 * alt / (3.0 * n)
    return max(est, alt)


def _cond1(a: np.ndarray, lu: np.ndarray, perm: np.ndarray) -> float:
    return float(np.abs(a).sum(axis=0).max()) * float(_inv_norm1_estimate(lu, perm))


# ---------------------------------------------------------------- public kernels


def _factored(a: np.ndarray):
    lu, perm, info = lu_factor(a)
    if info >= 0:
        raise SingularMatrix(info)
    return lu, perm


def solve(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, float]:
    """(x, κ₁(A)) with A·x = b; b is (n,) or (n, k)."""
    lu, perm = _factored(a)
    x = np.ascontiguousarray(np.asarray(b, dtype=lu.dtype).reshape(b.shape[0], -1)[perm])
    _lu_solve_inplace(lu, x)
    x = x.astype(_result_dtype(a, b), copy=False)
    return (x[:, 0] if b.ndim == 1 else x), _cond1(a, lu, perm)


def inv(a: np.ndarray) -> tuple[np.ndarray, float]:
    """(A⁻¹, κ₁(A)): A⁻¹ = U⁻¹·L⁻¹·P, i.e. the solution of A·X = I."""
    lu, perm = _factored(a)
    n = lu.shape[0]
    x = np.zeros((n, n), dtype=lu.dtype)
    x[np.arange(n), perm] = 1  # P·I: row i of it is row perm[i] of I
    _lu_solve_inplace(lu, x)
    return x.astype(_result_dtype(a), copy=False), _cond1(a, lu, perm)


def _permutation_sign(perm: np.ndarray) -> float:
    """(−1)^(number of transpositions), from the cycles of the permutation."""
    seen = np.zeros(perm.size, dtype=bool)
    sign = 1.0
    for start in range(perm.size):
        if seen[start]:
            continue
        length = 0
        i = start
        while not seen[i]:
            seen[i] = True
            i = int(perm[i])
            length += 1
        if length % 2 == 0:
            sign = -sign
    return sign


def det(a: np.ndarray) -> tuple[float, float, float]:
    """(sign, log|det A|, κ₁(A)); (0, −inf, inf) when A is singular. det A = sign·exp(log|det A|)."""
    lu, perm, info = lu_factor(a)
    if info >= 0:
        return 0.0, -np.inf, np.inf
    d = np.diagonal(lu).astype(np.float64)
    sign = _permutation_sign(perm) * float(np.prod(np.sign(d)))
    return sign, float(np.log(np.abs(d)).sum()), _cond1(a, lu, perm)


def warmup() -> None:
    """Compile every kernel here once (used by `mlcalc warmup`): they work in float64 for either dtype."""
    a = np.array([[4.0, 1.0], [2.0, 3.0]])
    solve(a, np.ones(2))
    inv(a)
    det(a)
    lu = _working_copy(a)
    perm = np.arange(2, dtype=np.int64)
    _block_row(lu, 0, 1)
    b = np.ones((2, 2))
    _forward_rows(lu, b, 0, 2)
    _backward_rows(lu, b, 0, 2)
    _panel(lu, perm, 0, 2)
