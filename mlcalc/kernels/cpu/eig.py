"""Eigenvalue kernels for the numba engine: symmetric `eigh` and general `eig`.

eigh (symmetric A = V·diag(w)·Vᵀ)
    1. Householder tridiagonalisation Qᵀ·A·Q = T, one reflector per column. The rank-2 update of
       step k and the matrix-vector product of step k+1 are fused into one pass over the trailing
       block (the block is read once per step, not twice), written as row axpys so that LLVM
       vectorises them without reassociating a dot product.
    2. Qᵀ accumulated backwards from the stored reflectors (rows of Qᵀ are contiguous).
    3. Implicit-shift QL on T. Its Givens rotations are recorded in a buffer and applied to Qᵀ in
       batches, one block of 64 columns at a time, so a block stays in cache through thousands of
       rotations and the inner loop runs over 64 contiguous numbers.
    Eigenvalues come back ascending, eigenvectors as orthonormal columns.

eig (general real A·V = V·diag(w))
    Balancing (LAPACK `dgebal`: permutations isolating triangular parts, then powers of 2 on 2-norms with
    the diagonal), Householder reduction to Hessenberg form, Francis double-shift QR to real Schur form
    with accumulated transformations, eigenvectors of the quasi-triangular form by back-substitution,
    transformed back (after JAMA's `hqr2`, with LAPACK `dlahqr`'s absolute deflation floor and scaled
    shifts, so that entries near the underflow threshold neither stall nor divide by zero).
    Order: eigenvalues sorted by real part, then by imaginary part (so a conjugate pair appears as
    a - bi, a + bi); real parts within 1e-10·max|λ| of each other count as equal (`eig_order`).
    Each eigenvector column has unit 2-norm and its largest component real and positive
    (NumPy/LAPACK make it real; the sign is ours).

All kernels compute in float64. The wrappers accept float32/float64 of any layout and return the
input's precision: float32 in gives float32 (eigh, svd) or complex64 (eig) out.
"""

import math

import numpy as np
from numba import njit, prange

from mlcalc.config import JIT_OPTIONS
from mlcalc.kernels.cpu.norms import blue_l2
from mlcalc.errors import NumericError

# Below this order a parallel region (~60 us to start) costs more than it saves per step.
_PARALLEL_FROM = 320
# Rotations are applied to the eigenvector matrix in column blocks of this width.
_BLOCK = 64
# The QL iteration's budget, LAPACK dsteqr's: 30·n iterations for all the eigenvalues together. (30 for each
# one was too few for some low-rank Gram matrices X·Xᵀ, whose zero eigenvalues take more.)
_QL_ITERATIONS_PER_ROW = 30
# LAPACK's smlnum for n = 1: entries of a matrix scaled to a largest entry of 1 that are this small are
# negligible beside it; relative tests such as |h| < eps·s fail at exact zeros when eps·s underflows.
_SMALL = np.finfo(np.float64).tiny / np.finfo(np.float64).eps

_OK = 0
_TINY_E = np.sqrt(np.finfo(np.float64).tiny)
_SSFMIN = _TINY_E / np.finfo(np.float64).eps ** 2


# --------------------------------------------------------------------------------------------
# Symmetric: tridiagonalisation
# --------------------------------------------------------------------------------------------

@njit(**JIT_OPTIONS)
def _reflector(A, k, v):
    """Reflector H = I - tau·v·vᵀ with H·A[k, k+1:] = beta·e1; writes v[k+1:] (v[k+1] = 1)."""
    n = A.shape[0]
    alpha = A[k, k + 1]
    # worked on the scale of the row's largest entry: squares of entries near 1e-160 lose digits in the
    # subnormal range, and tau no longer matched v (VᵀV − I was 1e-2 for [0 1e-161 1e-161; …]); so did a
    # pivot alpha − beta that was itself subnormal
    big = _largest(A, k, False, k + 1, n - 1)
    xnorm2 = 0.0
    if big > 0.0:
        big = _pow2(big)  # a power of two: where nothing underflows, the arithmetic of the unscaled row
        for j in range(k + 2, n):
            xnorm2 += (A[k, j] / big) * (A[k, j] / big)
    v[k + 1] = 1.0
    if xnorm2 == 0.0:
        for j in range(k + 2, n):
            v[j] = 0.0
        return 0.0, alpha
    a = alpha / big
    b = -np.copysign(np.sqrt(a * a + xnorm2), alpha)
    tau = (b - a) / b
    for j in range(k + 2, n):
        v[j] = (A[k, j] / big) / (a - b)
    beta = b * big
    return tau, beta


@njit(**JIT_OPTIONS)
def _update_rows(A, r0, r1, lo, v, w, vn, tn, pacc):
    """Rows r0..r1-1, columns lo..: A -= v·wᵀ + w·vᵀ, then pacc += tn·A[i, lo:]·vn[i] (symmetry)."""
    # Views that start at 0 let LLVM prove the indices non-negative (no wrap-around fix-up in the
    # loop) and so vectorise it.
    vv = v[lo:]
    ww = w[lo:]
    pp = pacc[lo:]
    m = vv.shape[0]
    for j in range(m):
        pp[j] = 0.0
    for i in range(r0, r1):
        vi = v[i]
        wi = w[i]
        ci = tn * vn[i]
        a = A[i, lo:]
        for j in range(m):
            x = a[j] - (vi * ww[j] + wi * vv[j])
            a[j] = x
            pp[j] += x * ci


@njit(parallel=True, **JIT_OPTIONS)
def _tridiagonalize(A, d, e, R, tau):
    """Qᵀ·A·Q = T (diagonal d, off-diagonal e); reflector k in R[k, k+1:], its factor in tau[k].

    A (n×n, C order, symmetric, both triangles) is overwritten.
    """
    n = A.shape[0]
    if n == 1:
        d[0] = A[0, 0]
        return
    nchunks = 1 if n < _PARALLEL_FROM else 2 * 8
    P = np.zeros((nchunks, n))
    p = np.zeros(n)
    w = np.zeros(n)
    zero = np.zeros(n)
    # p = tau_0·A[1:, 1:]·v_0 through the same fused pass with a zero update
    t, beta = _reflector(A, 0, R[0])
    tau[0] = t
    _products(A, 1, zero, zero, R[0], t, P, p, nchunks)
    for k in range(n - 2):
        v = R[k]
        t = tau[k]
        d[k] = A[k, k]
        e[k] = beta
        # w = p - (tau/2)(pᵀv)·v makes the two-sided update a symmetric rank-2 update
        K = 0.0
        for i in range(k + 1, n):
            K += p[i] * v[i]
        half = 0.5 * t * K
        for i in range(k + 1, n):
            w[i] = p[i] - half * v[i]
        # row k+1 first: the next reflector is built from it
        for j in range(k + 1, n):
            A[k + 1, j] -= v[k + 1] * w[j] + w[k + 1] * v[j]
        if k + 1 < n - 2:
            tn, beta = _reflector(A, k + 1, R[k + 1])
            tau[k + 1] = tn
            _products(A, k + 2, v, w, R[k + 1], tn, P, p, nchunks)
        else:
            beta = A[k + 1, k + 2]
            A[n - 1, n - 1] -= 2.0 * v[n - 1] * w[n - 1]
    d[n - 2] = A[n - 2, n - 2]
    d[n - 1] = A[n - 1, n - 1]
    e[n - 2] = beta


@njit(parallel=True, **JIT_OPTIONS)
def _products(A, lo, v, w, vn, tn, P, p, nchunks):
    """Fused pass over rows lo..n-1: apply the pending rank-2 update and form p = tn·A[lo:, lo:]·vn."""
    n = A.shape[0]
    if nchunks == 1 or n - lo < _PARALLEL_FROM // 2:
        _update_rows(A, lo, n, lo, v, w, vn, tn, p)
        return
    rows = n - lo
    step = (rows + nchunks - 1) // nchunks
    for c in prange(nchunks):
        r0 = lo + c * step
        r1 = min(n, r0 + step)
        if r0 < r1:
            _update_rows(A, r0, r1, lo, v, w, vn, tn, P[c])
        else:
            for j in range(lo, n):
                P[c, j] = 0.0
    for j in range(lo, n):
        s = 0.0
        for c in range(nchunks):
            s += P[c, j]
        p[j] = s


@njit(parallel=True, **JIT_OPTIONS)
def _accumulate_qt(R, tau, W):
    """W = Qᵀ = H_{n-3}···H_0, row by row: row i is e_iᵀ·H_{i-1}···H_0 (H_k leaves e_i alone for
    k ≥ i). Rows are independent, so one parallel region does it all; rows go in groups of 8 so
    that each reflector is read from memory once per group."""
    n = W.shape[0]
    ngroups = (n + 7) // 8
    if n < _PARALLEL_FROM:
        for g in range(ngroups):
            _accumulate_rows(R, tau, W, 8 * g, min(n, 8 * g + 8))
    else:
        for g in prange(ngroups):
            _accumulate_rows(R, tau, W, 8 * g, min(n, 8 * g + 8))


@njit(**JIT_OPTIONS)
def _accumulate_rows(R, tau, W, i0, i1):
    n = W.shape[0]
    for i in range(i0, i1):
        for j in range(n):
            W[i, j] = 0.0
        W[i, i] = 1.0
    for k in range(min(i1 - 2, n - 3), -1, -1):
        t = tau[k]
        if t == 0.0:
            continue
        for i in range(max(i0, k + 1), i1):
            _apply_reflector_row(W, i, k + 1, R[k], t)


@njit(**JIT_OPTIONS)
def _dot(x, y):
    """x·y with eight partial sums: without reassociation LLVM will not split the sum itself."""
    m = x.shape[0]
    s0 = s1 = s2 = s3 = s4 = s5 = s6 = s7 = 0.0
    j = 0
    while j + 8 <= m:
        s0 += x[j] * y[j]
        s1 += x[j + 1] * y[j + 1]
        s2 += x[j + 2] * y[j + 2]
        s3 += x[j + 3] * y[j + 3]
        s4 += x[j + 4] * y[j + 4]
        s5 += x[j + 5] * y[j + 5]
        s6 += x[j + 6] * y[j + 6]
        s7 += x[j + 7] * y[j + 7]
        j += 8
    s = ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))
    while j < m:
        s += x[j] * y[j]
        j += 1
    return s


@njit(**JIT_OPTIONS)
def _apply_reflector_row(W, i, lo, v, t):
    a = W[i, lo:]
    vv = v[lo:]
    s = t * _dot(a, vv)
    for j in range(a.shape[0]):
        a[j] -= s * vv[j]


# --------------------------------------------------------------------------------------------
# Symmetric: implicit QL on the tridiagonal form, rotations applied in batches
# --------------------------------------------------------------------------------------------

@njit(**JIT_OPTIONS)
def _rotate_block(W, j0, j1, ri, rc, rs, count):
    """Apply the recorded rotations, in order, to columns j0..j1-1 of rows of W."""
    m = j1 - j0
    for r in range(count):
        i = ri[r]
        c = rc[r]
        s = rs[r]
        x = W[i, j0:j1]
        y = W[i + 1, j0:j1]
        for j in range(m):
            f = y[j]
            g = x[j]
            y[j] = s * g + c * f
            x[j] = c * g - s * f


@njit(parallel=True, **JIT_OPTIONS)
def _flush(W, ri, rc, rs, count):
    n = W.shape[1]
    nblocks = (n + _BLOCK - 1) // _BLOCK
    if n < _PARALLEL_FROM:
        _rotate_block(W, 0, n, ri, rc, rs, count)
        return
    for b in prange(nblocks):
        _rotate_block(W, b * _BLOCK, min(n, (b + 1) * _BLOCK), ri, rc, rs, count)


@njit(**JIT_OPTIONS)
def _tridiagonal_ql(d, e, W, want_vectors):
    """Eigenvalues of T into d; rotations applied to the rows of W (W ← Zᵀ·W). Returns status/iters."""
    n = d.shape[0]
    eps = np.finfo(np.float64).eps
    cap = max(16 * n, 4096)
    ri = np.empty(cap, dtype=np.int64)
    rc = np.empty(cap)
    rs = np.empty(cap)
    count = 0
    budget = _QL_ITERATIONS_PER_ROW * n
    # the block being iterated on (split from the rest by exact zeros in e) and the factor it was scaled by
    first = last = -1
    factor = 1.0
    for l in range(n):
        if l > last:
            _unscale(d, e, first, last, factor)
            # dsteqr scales a block below √safmin/ε² up before iterating: its deflation floor (below) is
            # absolute, and a block near 1e-160 was lost to it ([1 0 0; 0 0 1e-160; 0 1e-160 0] gave 0, 0,
            # 1 for ±1e-160, 1), while the rotations near underflow stalled without it
            first = last = l
            block = abs(d[l])
            while last < n - 1 and e[last] != 0.0:
                block = max(block, abs(d[last + 1]), abs(e[last]))
                last += 1
            factor = _SSFMIN / block if 0.0 < block < _SSFMIN else 1.0
            _unscale(d, e, first, last, 1.0 / factor)
        while True:
            m = l
            while m < n - 1:
                # dsteqr's test, e² ≤ ε²·|d_m|·|d_m+1| + safmin, without squaring e
                if abs(e[m]) <= eps * np.sqrt(abs(d[m])) * np.sqrt(abs(d[m + 1])) or abs(e[m]) <= _TINY_E:
                    break
                m += 1
            if m == l:
                break
            if want_vectors and count + (m - l) > cap:
                _flush(W, ri, rc, rs, count)
                count = 0
            if m == l + 1:
                # a 2×2 block in closed form, as dsteqr does (LAPACK's dlaev2): iterated, the zero
                # eigenvalue of [1 2; 2 4] came out −4e-34
                rt1, rt2, cs1, sn1 = _eig2(d[l], e[l], d[l + 1])
                d[l] = rt1
                d[l + 1] = rt2
                e[l] = 0.0
                if want_vectors:  # rows l, l+1 ← (cs1, sn1) and (−sn1, cs1) of them
                    ri[count] = l
                    rc[count] = cs1
                    rs[count] = -sn1
                    count += 1
                continue
            if budget == 0:
                return -1 - l
            budget -= 1
            # Wilkinson-like shift from the leading 2×2 block
            g = (d[l + 1] - d[l]) / (2.0 * e[l])
            r = np.hypot(g, 1.0)
            g = d[m] - d[l] + e[l] / (g + np.copysign(r, g))
            s = 1.0
            c = 1.0
            p = 0.0
            i = m - 1
            underflow = False
            while i >= l:
                f = s * e[i]
                b = c * e[i]
                r = np.hypot(f, g)
                e[i + 1] = r
                if r == 0.0:
                    # recover from underflow: deflate here and start again
                    d[i + 1] -= p
                    e[m] = 0.0
                    underflow = True
                    break
                s = f / r
                c = g / r
                g = d[i + 1] - p
                r = (d[i] - g) * s + 2.0 * c * b
                p = s * r
                d[i + 1] = g + p
                g = c * r - b
                if want_vectors:
                    ri[count] = i
                    rc[count] = c
                    rs[count] = s
                    count += 1
                i -= 1
            if underflow:
                continue
            d[l] -= p
            e[l] = g
            e[m] = 0.0
    _unscale(d, e, first, last, factor)
    if want_vectors and count > 0:
        _flush(W, ri, rc, rs, count)
    return _OK


@njit(**JIT_OPTIONS)
def _eig2(a, b, c):
    """Eigen-decomposition of [a b; b c] (LAPACK's dlaev2): rt1, the eigenvalue of larger magnitude, rt2, and
    (cs1, sn1), the unit eigenvector of rt1. rt2 from rt1 and the determinant, so it keeps its relative
    accuracy (0 for [1 2; 2 4])."""
    sm = a + c
    df = a - c
    adf = abs(df)
    tb = b + b
    ab = abs(tb)
    if abs(a) > abs(c):
        acmx = a
        acmn = c
    else:
        acmx = c
        acmn = a
    if adf > ab:
        rt = adf * np.sqrt(1.0 + (ab / adf) ** 2)
    elif adf < ab:
        rt = ab * np.sqrt(1.0 + (adf / ab) ** 2)
    else:
        rt = ab * np.sqrt(2.0)
    if sm < 0.0:
        rt1 = 0.5 * (sm - rt)
        sgn1 = -1
        rt2 = (acmx / rt1) * acmn - (b / rt1) * b
    elif sm > 0.0:
        rt1 = 0.5 * (sm + rt)
        sgn1 = 1
        rt2 = (acmx / rt1) * acmn - (b / rt1) * b
    else:
        rt1 = 0.5 * rt
        rt2 = -0.5 * rt
        sgn1 = 1
    if df >= 0.0:
        cs = df + rt
        sgn2 = 1
    else:
        cs = df - rt
        sgn2 = -1
    if abs(cs) > ab:
        ct = -tb / cs
        sn1 = 1.0 / np.sqrt(1.0 + ct * ct)
        cs1 = ct * sn1
    elif ab == 0.0:
        cs1 = 1.0
        sn1 = 0.0
    else:
        tn = -cs / tb
        cs1 = 1.0 / np.sqrt(1.0 + tn * tn)
        sn1 = tn * cs1
    if sgn1 == sgn2:
        tn = cs1
        cs1 = -sn1
        sn1 = tn
    return rt1, rt2, cs1, sn1


@njit(**JIT_OPTIONS)
def _unscale(d, e, first, last, factor):
    """Divide d[first..last] and the e between them by factor (1: nothing to do)."""
    if factor == 1.0 or first < 0:
        return
    for i in range(first, last + 1):
        d[i] /= factor
    for i in range(first, last):
        e[i] /= factor


def _as_float64(a, op):
    a = np.asarray(a)
    if a.ndim != 2 or a.shape[0] != a.shape[1]:
        raise NumericError(f"{op}: A must be a square matrix, got shape {a.shape}")
    if not np.isfinite(a).all():
        raise NumericError(f"{op}: A has non-finite values")
    return np.array(a, dtype=np.float64, order="C", copy=True)


def _out_real(a):
    return np.float32 if np.asarray(a).dtype == np.float32 else np.float64


def _eigh(a, want_vectors):
    A = _as_float64(a, "eigh")
    n = A.shape[0]
    if n == 0:
        return np.zeros(0), np.zeros((0, 0))
    # scale so that squares neither overflow nor underflow; eigenvalues scale back linearly
    scale = np.abs(A).max()
    if scale == 0.0:
        return np.zeros(n), np.eye(n)
    A /= scale
    d = np.empty(n)
    e = np.zeros(n)
    R = np.zeros((max(n - 2, 1), n))
    tau = np.zeros(max(n - 2, 1))
    _tridiagonalize(A, d, e, R, tau)
    W = np.empty((n, n))
    if want_vectors:
        _accumulate_qt(R, tau, W)
    status = _tridiagonal_ql(d, e, W, want_vectors)
    if status != _OK:
        raise NumericError(
            f"eig: the QR iteration did not converge after {_QL_ITERATIONS_PER_ROW * n} "
            f"iterations (eigenvalue {-status})"
        )
    order = np.argsort(d, kind="stable")
    with np.errstate(over="ignore"):  # beyond the float range: inf, which ops.linalg.eig warns about
        w = d[order] * scale
    V = W[order].T if want_vectors else None
    return w, V


def eigh(a):
    """Eigen-decomposition of a symmetric matrix: (w ascending, V with orthonormal columns).

    Only the symmetric part matters; the input is not checked for symmetry (the ops layer does).
    Returns float32 for float32 input, else float64.
    """
    dt = _out_real(a)
    w, V = _eigh(a, True)
    return w.astype(dt, copy=False), np.ascontiguousarray(V, dtype=dt)


def eigvalsh(a):
    """Eigenvalues of a symmetric matrix, ascending."""
    dt = _out_real(a)
    w, _ = _eigh(a, False)
    return w.astype(dt, copy=False)


# --------------------------------------------------------------------------------------------
# General: balancing, Hessenberg reduction, Francis double-shift QR, back-substitution
# --------------------------------------------------------------------------------------------

@njit(**JIT_OPTIONS)
def _largest(A, i, column, lo, hi):
    """Largest magnitude of entries lo..hi of column i (or row i) of A."""
    big = 0.0
    for j in range(lo, hi + 1):
        big = max(big, abs(A[j, i] if column else A[i, j]))
    return big


@njit(**JIT_OPTIONS)
def _swap(A, perm, a, b):
    """The similarity that exchanges rows and columns a and b (perm records it)."""
    if a == b:
        return
    n = A.shape[0]
    for j in range(n):
        t = A[a, j]
        A[a, j] = A[b, j]
        A[b, j] = t
    for i in range(n):
        t = A[i, a]
        A[i, a] = A[i, b]
        A[i, b] = t
    t = perm[a]
    perm[a] = perm[b]
    perm[b] = t


@njit(**JIT_OPTIONS)
def _isolate(A, perm):
    """LAPACK dgebal's permutations: rows with no off-diagonal entry in columns 0..hi go to the bottom,
    then columns with none in rows lo..hi to the left, so that A = [T₁ X Y; 0 B Z; 0 0 T₂] with T₁, T₂
    upper triangular: their eigenvalues are their diagonals, exactly, and only B (lo..hi) is iterated on.
    Without it a lower-triangular 60×60 had eigenvalues 0.1 off (its Hessenberg form is dense and far from
    normal). Current A = A₀[perm][:, perm]. Returns (lo, hi)."""
    n = A.shape[0]
    for i in range(n):
        perm[i] = i
    lo = 0
    hi = n - 1
    found = True
    while found and hi > 0:
        found = False
        for j in range(hi, -1, -1):
            alone = True
            for i in range(hi + 1):
                if i != j and A[j, i] != 0.0:
                    alone = False
                    break
            if alone:
                _swap(A, perm, j, hi)
                hi -= 1
                found = True
                break
    found = True
    while found and lo < hi:
        found = False
        for j in range(lo, hi + 1):
            alone = True
            for i in range(lo, hi + 1):
                if i != j and A[i, j] != 0.0:
                    alone = False
                    break
            if alone:
                _swap(A, perm, j, lo)
                lo += 1
                found = True
                break
    return lo, hi


@njit(**JIT_OPTIONS)
def _balance(A, scale, lo, hi):
    """LAPACK dgebal's scaling (since LAPACK 3.5) of rows and columns lo..hi (_isolate): D⁻¹·A·D with the
    2-norms of row and column i within the block alike, the diagonal included.

    The diagonal counts: EISPACK's balanc (off-diagonal 1-norms) scaled a nearly triangular matrix until
    its tiny lower part mattered, and the eigenvectors came out wrong ([2 1e-300; 1 1] gave [1, 0] for
    λ = 2). Powers of 2 only, so the scaling itself is exact. Eigenvectors of A are D·(those of D⁻¹AD).
    """
    n = A.shape[0]
    sfmin1 = np.finfo(np.float64).tiny / np.finfo(np.float64).eps
    sfmax1 = 1.0 / sfmin1
    sfmin2 = sfmin1 * 2.0
    sfmax2 = 1.0 / sfmin2
    for i in range(n):
        scale[i] = 1.0
    noconv = True
    while noconv:
        noconv = False
        for i in range(lo, hi + 1):
            c = blue_l2(A[lo:hi + 1, i])
            r = blue_l2(A[i, lo:hi + 1])
            ca = _largest(A, i, True, 0, hi)
            ra = _largest(A, i, False, lo, n - 1)
            if c == 0.0 or r == 0.0:
                continue
            g = r / 2.0
            f = 1.0
            s = c + r
            while c < g and max(f, c, ca) < sfmax2 and min(r, g, ra) > sfmin2:
                f *= 2.0
                c *= 2.0
                ca *= 2.0
                r /= 2.0
                g /= 2.0
                ra /= 2.0
            g = c / 2.0
            while g >= r and max(r, ra) < sfmax2 and min(f, c, g, ca) > sfmin2:
                f /= 2.0
                c /= 2.0
                g /= 2.0
                ca /= 2.0
                r *= 2.0
                ra *= 2.0
            if c + r >= 0.95 * s:
                continue
            if f < 1.0 and scale[i] < 1.0 and f * scale[i] <= sfmin1:
                continue
            if f > 1.0 and scale[i] > 1.0 and scale[i] >= sfmax1 / f:
                continue
            noconv = True
            scale[i] *= f
            g = 1.0 / f
            for j in range(n):
                A[i, j] *= g
            for j in range(n):
                A[j, i] *= f


@njit(**JIT_OPTIONS)
def _hessenberg(H, V, want_vectors):
    """Qᵀ·H·Q upper Hessenberg by Householder reflections (JAMA `orthes`); V = Q if wanted."""
    n = H.shape[0]
    ort = np.zeros(n)
    f = np.zeros(n)
    for m in range(1, n - 1):
        scale = 0.0
        for i in range(m, n):
            scale += abs(H[i, m - 1])
        if scale <= _SMALL:
            # negligible beside A's largest entry (1): taken as 0. A reflector built from such a column
            # overflowed when Q was accumulated (it divides by ort[m]·H[m, m-1], the column's scale²),
            # and the eigenvectors of rank-deficient matrices came out NaN
            for i in range(m, n):
                H[i, m - 1] = 0.0
            continue
        h = 0.0
        for i in range(n - 1, m - 1, -1):
            ort[i] = H[i, m - 1] / scale
            h += ort[i] * ort[i]
        g = np.sqrt(h)
        if ort[m] > 0:
            g = -g
        h = h - ort[m] * g
        ort[m] = ort[m] - g
        # H = (I - u·uᵀ/h)·H: row-wise so the inner loops run along rows
        for j in range(m, n):
            f[j] = 0.0
        for i in range(m, n):
            oi = ort[i]
            for j in range(m, n):
                f[j] += oi * H[i, j]
        for i in range(m, n):
            oi = ort[i] / h
            for j in range(m, n):
                H[i, j] -= f[j] * oi
        # H = H·(I - u·uᵀ/h)
        for i in range(n):
            s = 0.0
            for j in range(m, n):
                s += ort[j] * H[i, j]
            s /= h
            for j in range(m, n):
                H[i, j] -= s * ort[j]
        ort[m] = scale * ort[m]
        H[m, m - 1] = scale * g
    if want_vectors:
        for i in range(n):
            for j in range(n):
                V[i, j] = 0.0
            V[i, i] = 1.0
        for m in range(n - 2, 0, -1):
            if H[m, m - 1] == 0.0:
                continue
            for i in range(m + 1, n):
                ort[i] = H[i, m - 1]
            for j in range(m, n):
                f[j] = 0.0
            for i in range(m, n):
                oi = ort[i]
                for j in range(m, n):
                    f[j] += oi * V[i, j]
            for j in range(m, n):
                # two divisions avoid an underflow of ort[m]·H[m, m-1]
                f[j] = (f[j] / ort[m]) / H[m, m - 1]
            for i in range(m, n):
                oi = ort[i]
                for j in range(m, n):
                    V[i, j] += f[j] * oi
    # the reflectors' remnants below the subdiagonal are not part of H
    for i in range(2, n):
        for j in range(i - 1):
            H[i, j] = 0.0


@njit(**JIT_OPTIONS)
def _pow2(x):
    """The power of two at or above x > 0: the scales below are powers of two, so that where nothing
    under- or overflows the scaled arithmetic is the unscaled one, exactly (a scale of 2.5 turned the
    eigenvalue 2 of [4 1; 2 3] into 1.9999999999999998)."""
    return math.ldexp(1.0, math.frexp(x)[1])


@njit(**JIT_OPTIONS)
def _cdiv(xr, xi, yr, yi):
    """(xr + i·xi)/(yr + i·yi) without overflow in the intermediate products."""
    if abs(yr) > abs(yi):
        r = yi / yr
        d = yr + r * yi
        return (xr + r * xi) / d, (xi - r * xr) / d
    r = yr / yi
    d = yi + r * yr
    return (r * xr + xi) / d, (r * xi - xr) / d


@njit(**JIT_OPTIONS)
def _schur(H, V, d, e, want_vectors, max_iter):
    """Francis double-shift QR on Hessenberg H to real Schur form (JAMA `hqr2`).

    d + i·e: eigenvalues; a complex pair sits at (k, k+1) with e[k] > 0. With vectors, V·Z is
    accumulated and then, after back-substitution on the quasi-triangular form, V holds the real
    eigenvector basis: column k + i·column k+1 belongs to d[k] + i·e[k]. Returns 0, or -1 when
    max_iter iterations were spent.
    """
    nn = H.shape[0]
    n = nn - 1
    low = 0
    high = nn - 1
    eps = 2.0 ** -52
    exshift = 0.0
    p = q = r = s = z = 0.0
    t = w = x = y = 0.0
    norm = 0.0
    for i in range(nn):
        for j in range(max(i - 1, 0), nn):
            norm += abs(H[i, j])
    it = 0
    total = 0
    while n >= low:
        # look for a single small sub-diagonal element
        l = n
        while l > low:
            s = abs(H[l - 1, l - 1]) + abs(H[l, l])
            if s == 0.0:
                # the neighbouring sub-diagonal entries, as dlahqr: JAMA's ‖H‖ here split a 2×2 block near
                # 1e-166 with zero diagonal (±√3·1e-166 came out 0, 0)
                if l - 2 >= low:
                    s += abs(H[l - 1, l - 2])
                if l + 1 <= n:
                    s += abs(H[l + 1, l])
            # with dlahqr's absolute floor: in a rank-deficient matrix the diagonal beside a sub-diagonal
            # decaying into subnormals is 0 too, eps·s underflowed, and an exact 0 did not deflate (the
            # iteration went on to divide by it)
            if abs(H[l, l - 1]) < eps * s or abs(H[l, l - 1]) <= _SMALL:
                break
            l -= 1
        if l == n:
            # one root found
            H[n, n] = H[n, n] + exshift
            d[n] = H[n, n]
            e[n] = 0.0
            n -= 1
            it = 0
        elif l == n - 1:
            # two roots found: the discriminant q = p² + w on the block's scale, sig; unscaled, p² and w
            # underflowed for a block near 1e-170, and a complex pair came out as two real roots
            sig = _pow2(abs(H[n - 1, n - 1]) + abs(H[n, n]) + abs(H[n, n - 1]) + abs(H[n - 1, n]))
            p = (H[n - 1, n - 1] - H[n, n]) / 2.0
            ws = (H[n, n - 1] / sig) * (H[n - 1, n] / sig)
            q = (p / sig) * (p / sig) + ws
            z = np.sqrt(abs(q)) * sig
            H[n, n] = H[n, n] + exshift
            H[n - 1, n - 1] = H[n - 1, n - 1] + exshift
            x = H[n, n]
            if q >= 0:
                # real pair: rotate to upper triangular form
                z = p + z if p >= 0 else p - z
                d[n - 1] = x + z
                d[n] = d[n - 1]
                if z != 0.0:
                    d[n] = x - (ws / (z / sig)) * sig  # x − w/z, rounded once (sig a power of two)
                e[n - 1] = 0.0
                e[n] = 0.0
                x = H[n, n - 1]
                s = abs(x) + abs(z)  # > 0: x, a sub-diagonal that did not deflate, is above _SMALL
                p = x / s
                q = z / s
                r = np.sqrt(p * p + q * q)
                p = p / r
                q = q / r
                for j in range(n - 1, nn):
                    z = H[n - 1, j]
                    H[n - 1, j] = q * z + p * H[n, j]
                    H[n, j] = q * H[n, j] - p * z
                for i in range(n + 1):
                    z = H[i, n - 1]
                    H[i, n - 1] = q * z + p * H[i, n]
                    H[i, n] = q * H[i, n] - p * z
                if want_vectors:
                    for i in range(low, high + 1):
                        z = V[i, n - 1]
                        V[i, n - 1] = q * z + p * V[i, n]
                        V[i, n] = q * V[i, n] - p * z
            else:
                # complex pair
                d[n - 1] = x + p
                d[n] = x + p
                e[n - 1] = z
                e[n] = -z
            n -= 2
            it = 0
        else:
            # no convergence yet
            total += 1
            if total > max_iter:
                return -1
            # The double shift: x + y and x·y − w, w = w1·w2, are the two shifts' sum and product (the
            # trailing 2×2 block's trace and determinant, or an exceptional pair). w is kept as two
            # factors, and the first column of the double step is worked on the scale of what it
            # multiplies (below, as LAPACK's dlahqr does): unscaled, products such as H[n, n-1]·H[n-1, n]
            # underflowed for a block near 1e-160, the shifts lost their digits and the iteration stalled
            # (the zero eigenvalues of low-rank integer matrices, graded matrices).
            x = H[n, n]
            y = H[n - 1, n - 1]
            w1 = H[n, n - 1]
            w2 = H[n - 1, n]
            # Wilkinson's exceptional shift
            if it == 10:
                exshift += x
                for i in range(low, n + 1):
                    H[i, i] -= x
                s = abs(H[n, n - 1]) + abs(H[n - 1, n - 2])
                x = y = 0.75 * s
                w1 = 0.6614378277661477 * s  # w = −0.4375·s²
                w2 = -w1
            # MATLAB's exceptional shift (its constant 0.964 taken on the block's scale, sig)
            if it == 30:
                sig = _pow2(abs(x) + abs(y) + abs(w1) + abs(w2))
                xs = x / sig
                ys = y / sig
                ws = (w1 / sig) * (w2 / sig)
                s = (ys - xs) / 2.0
                s = s * s + ws
                if s > 0:
                    s = np.sqrt(s)
                    if ys < xs:
                        s = -s
                    s = (xs - ws / ((ys - xs) / 2.0 + s)) * sig
                    for i in range(low, n + 1):
                        H[i, i] -= s
                    exshift += s
                    x = y = w1 = 0.964 * sig
                    w2 = sig
            it += 1
            # look for two consecutive small sub-diagonal elements
            m = n - 2
            while m >= l:
                # p, q, r: the direction of the double step's first column, in units of sig
                sig = _pow2(abs(H[m, m]) + abs(x) + abs(y) + abs(w1) + abs(w2))
                z = H[m, m] / sig
                r = x / sig - z
                s = y / sig - z
                p = (r * s - (w1 / sig) * (w2 / sig)) / (H[m + 1, m] / sig) + H[m, m + 1] / sig
                q = H[m + 1, m + 1] / sig - z - r - s
                r = H[m + 2, m + 1] / sig
                s = abs(p) + abs(q) + abs(r)
                p = p / s
                q = q / s
                r = r / s
                if m == l:
                    break
                if abs(H[m, m - 1]) * (abs(q) + abs(r)) < eps * (
                    abs(p) * (abs(H[m - 1, m - 1]) + abs(H[m, m]) + abs(H[m + 1, m + 1]))
                ):
                    break
                m -= 1
            for i in range(m + 2, n + 1):
                H[i, i - 2] = 0.0
                if i > m + 2:
                    H[i, i - 3] = 0.0
            # double QR step on rows l..n and columns m..n
            for k in range(m, n):
                notlast = k != n - 1
                if k != m:
                    p = H[k, k - 1]
                    q = H[k + 1, k - 1]
                    r = H[k + 2, k - 1] if notlast else 0.0
                    x = abs(p) + abs(q) + abs(r)
                    if x == 0.0:
                        continue
                    p = p / x
                    q = q / x
                    r = r / x
                s = np.sqrt(p * p + q * q + r * r)
                if p < 0:
                    s = -s
                if s != 0:
                    if k != m:
                        H[k, k - 1] = -s * x
                    elif l != m:
                        H[k, k - 1] = -H[k, k - 1]
                    p = p + s
                    x = p / s
                    y = q / s
                    z = r / s
                    q = q / p
                    r = r / p
                    for j in range(k, nn):
                        p = H[k, j] + q * H[k + 1, j]
                        if notlast:
                            p = p + r * H[k + 2, j]
                            H[k + 2, j] = H[k + 2, j] - p * z
                        H[k, j] = H[k, j] - p * x
                        H[k + 1, j] = H[k + 1, j] - p * y
                    for i in range(min(n, k + 3) + 1):
                        p = x * H[i, k] + y * H[i, k + 1]
                        if notlast:
                            p = p + z * H[i, k + 2]
                            H[i, k + 2] = H[i, k + 2] - p * r
                        H[i, k] = H[i, k] - p
                        H[i, k + 1] = H[i, k + 1] - p * q
                    if want_vectors:
                        for i in range(low, high + 1):
                            p = x * V[i, k] + y * V[i, k + 1]
                            if notlast:
                                p = p + z * V[i, k + 2]
                                V[i, k + 2] = V[i, k + 2] - p * r
                            V[i, k] = V[i, k] - p
                            V[i, k + 1] = V[i, k + 1] - p * q
    if not want_vectors or norm == 0.0:
        return 0

    # back-substitute to find the vectors of the upper quasi-triangular form
    for n in range(nn - 1, -1, -1):
        p = d[n]
        q = e[n]
        if q == 0:
            # real vector
            l = n
            H[n, n] = 1.0
            for i in range(n - 1, -1, -1):
                w = H[i, i] - p
                r = 0.0
                for j in range(l, n + 1):
                    r = r + H[i, j] * H[j, n]
                if e[i] < 0.0:
                    z = w
                    s = r
                else:
                    l = i
                    if e[i] == 0.0:
                        if w != 0.0:
                            H[i, n] = -r / w
                        else:
                            H[i, n] = -r / (eps * norm)
                    else:
                        # solve real equations, on the 2×2 block's scale sc (for a block near 1e-160
                        # its determinant q underflowed to 0, and 0/0 followed)
                        x = H[i, i + 1]
                        y = H[i + 1, i]
                        sc = _pow2(abs(w) + abs(x) + abs(y) + abs(z))
                        q = ((d[i] - p) / sc) * ((d[i] - p) / sc) + (e[i] / sc) * (e[i] / sc)
                        t = ((x / sc) * s - (z / sc) * r) / q / sc
                        H[i, n] = t
                        if abs(x) > abs(z):
                            H[i + 1, n] = (-r - w * t) / x
                        else:
                            H[i + 1, n] = (-s - y * t) / z
                    # overflow control
                    t = abs(H[i, n])
                    if (eps * t) * t > 1:
                        for j in range(i, n + 1):
                            H[j, n] = H[j, n] / t
        elif q < 0:
            # complex vector: columns n-1 (real part) and n (imaginary part)
            l = n - 1
            if abs(H[n, n - 1]) > abs(H[n - 1, n]):
                H[n - 1, n - 1] = q / H[n, n - 1]
                H[n - 1, n] = -(H[n, n] - p) / H[n, n - 1]
            else:
                cr, ci = _cdiv(0.0, -H[n - 1, n], H[n - 1, n - 1] - p, q)
                H[n - 1, n - 1] = cr
                H[n - 1, n] = ci
            H[n, n - 1] = 0.0
            H[n, n] = 1.0
            for i in range(n - 2, -1, -1):
                ra = 0.0
                sa = 0.0
                for j in range(l, n + 1):
                    ra = ra + H[i, j] * H[j, n - 1]
                    sa = sa + H[i, j] * H[j, n]
                w = H[i, i] - p
                if e[i] < 0.0:
                    z = w
                    r = ra
                    s = sa
                else:
                    l = i
                    if e[i] == 0:
                        cr, ci = _cdiv(-ra, -sa, w, q)
                        H[i, n - 1] = cr
                        H[i, n] = ci
                    else:
                        # solve complex equations, on the 2×2 block's scale sc as above
                        x = H[i, i + 1]
                        y = H[i + 1, i]
                        sc = _pow2(abs(w) + abs(q) + abs(x) + abs(y) + abs(z))
                        dp = (d[i] - p) / sc
                        vr = dp * dp + (e[i] / sc) * (e[i] / sc) - (q / sc) * (q / sc)
                        vi = dp * 2.0 * (q / sc)
                        if vr == 0.0 and vi == 0.0:
                            vr = eps * (norm / sc)
                        cr, ci = _cdiv((x / sc) * r - (z / sc) * ra + (q / sc) * sa,
                                       (x / sc) * s - (z / sc) * sa - (q / sc) * ra, vr, vi)
                        H[i, n - 1] = cr / sc
                        H[i, n] = ci / sc
                        if abs(x) > (abs(z) + abs(q)):
                            H[i + 1, n - 1] = (-ra - w * H[i, n - 1] + q * H[i, n]) / x
                            H[i + 1, n] = (-sa - w * H[i, n] - q * H[i, n - 1]) / x
                        else:
                            cr, ci = _cdiv(-r - y * H[i, n - 1], -s - y * H[i, n], z, q)
                            H[i + 1, n - 1] = cr
                            H[i + 1, n] = ci
                    # overflow control
                    t = max(abs(H[i, n - 1]), abs(H[i, n]))
                    if (eps * t) * t > 1:
                        for j in range(i, n + 1):
                            H[j, n - 1] = H[j, n - 1] / t
                            H[j, n] = H[j, n] / t

    # back transformation: V ← V·(upper triangle of H), row by row along contiguous rows
    row = np.empty(nn)
    for i in range(nn):
        for j in range(nn):
            row[j] = 0.0
        for k in range(nn):
            vik = V[i, k]
            if vik != 0.0:
                for j in range(k, nn):
                    row[j] += vik * H[k, j]
        for j in range(nn):
            V[i, j] = row[j]
    return 0


def eig_order(w, rel_tol=1e-10):
    """Indices that sort w by real part, then imaginary part.

    Real parts that agree to rel_tol·max|w| count as equal, so that rounding in the last bits
    cannot put a real eigenvalue between the two halves of a conjugate pair with the same real
    part: runs of such close real parts are ordered by imaginary part alone.
    """
    w = np.asarray(w)
    order = np.argsort(w.real, kind="stable")
    if w.size < 2:
        return order
    tol = rel_tol * np.abs(w).max()
    re = w.real[order]
    # start a new run wherever the gap to the previous real part exceeds the tolerance
    run = np.concatenate(([0], np.cumsum(np.diff(re) > tol)))
    return order[np.lexsort((w.imag[order], run))]


def _eig(a, want_vectors):
    A = _as_float64(a, "eig")
    n = A.shape[0]
    if n == 0:
        return np.zeros(0, complex), np.zeros((0, 0), complex)
    amax = np.abs(A).max()
    if amax == 0.0:
        return np.zeros(n, complex), np.eye(n, dtype=complex)
    A /= amax
    scale = np.ones(n)
    perm = np.empty(n, dtype=np.int64)
    lo, hi = _isolate(A, perm)
    _balance(A, scale, lo, hi)
    V = np.empty((n, n))
    _hessenberg(A, V, want_vectors)
    d = np.zeros(n)
    e = np.zeros(n)
    max_iter = 30 * max(10, n)
    if _schur(A, V, d, e, want_vectors, max_iter) != _OK:
        raise NumericError(f"eig: the QR iteration did not converge after {max_iter} iterations")
    w = (d + 1j * e) * amax
    if not want_vectors:
        return w[eig_order(w)], None
    Z = np.empty((n, n), dtype=complex)
    k = 0
    while k < n:
        if e[k] > 0.0 and k + 1 < n:
            Z[:, k] = V[:, k] + 1j * V[:, k + 1]
            Z[:, k + 1] = V[:, k] - 1j * V[:, k + 1]
            k += 2
        else:
            Z[:, k] = V[:, k]
            k += 1
    Z *= scale[:, None]  # undo the balancing: eigenvectors of A are D·(those of D⁻¹AD)
    Z[perm] = Z.copy()  # and the permutation: A·v = λv where v[perm] is a vector of A[perm][:, perm]
    # unit 2-norm (each column first divided by its largest entry, so that its squares stay in range),
    # largest component real and positive
    Z /= np.abs(Z).max(axis=0)
    Z /= np.linalg.norm(Z, axis=0)
    if not np.isfinite(Z).all():
        raise NumericError("eig: the eigenvectors overflowed (the matrix is too close to defective at "
                           "the ends of the float range)")
    big = np.abs(Z).argmax(axis=0)
    top = Z[big, np.arange(n)]
    Z *= (np.conj(top) / np.abs(top))[None, :]
    order = eig_order(w)
    return w[order], Z[:, order]


def _out_complex(a):
    return np.complex64 if np.asarray(a).dtype == np.float32 else np.complex128


def eig(a):
    """Eigen-decomposition of a general real square matrix: (w, V), A·V = V·diag(w).

    w complex, sorted by real part then imaginary part; V complex with unit-norm columns whose
    largest component is real and positive. complex64 for float32 input, else complex128.
    """
    dt = _out_complex(a)
    w, V = _eig(a, True)
    return w.astype(dt), V.astype(dt)


def eigvals(a):
    """Eigenvalues of a general real square matrix, sorted by real then imaginary part."""
    return _eig(a, False)[0].astype(_out_complex(a))


def warmup():
    """Compile every kernel on tiny float32 and float64 inputs."""
    for dt in (np.float32, np.float64):
        a = np.array([[2.0, 1.0, 0.5], [1.0, 3.0, 0.25], [0.5, 0.25, 1.0]], dtype=dt)
        eigh(a)
        eigvalsh(a)
        eig(a)
        eigvals(a)
