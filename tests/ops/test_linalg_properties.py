"""The defining identities of the decompositions and systems on matrices Hypothesis draws (sizes, a
condition number between 1 and 10⁸, a rank deficit), on each engine: solve's backward error, A·A⁻¹,
det against the product of the singular values, an orthonormal symmetric eigenbasis, U·S·Vt, the four
Moore–Penrose conditions, and rank."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mlcalc.ops import linalg, systems
from conftest import ENGINES

SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
EPS = np.finfo(np.float64).eps


def with_singular_values(m, n, s, rng):
    """An m×n matrix U·diag(s)·Vᵀ with random orthonormal U and V."""
    u, _ = np.linalg.qr(rng.standard_normal((m, m)))
    v, _ = np.linalg.qr(rng.standard_normal((n, n)))
    k = len(s)
    return (u[:, :k] * s) @ v[:, :k].T


def spectrum(k, log_cond, deficit, rng):
    """k singular values from 1 down to 10^-log_cond, the last `deficit` of them 0."""
    s = np.logspace(0, -log_cond, k) if k > 1 else np.ones(1)
    s = rng.permutation(s)
    s = np.sort(s)[::-1]
    if deficit:
        s[k - deficit:] = 0
    return s


@SETTINGS
@pytest.mark.parametrize("engine", ENGINES)
@given(st.integers(1, 40), st.floats(0, 8), st.integers(1, 3), st.integers(0, 2 ** 32))
def test_solve_inv_and_det_of_nonsingular_matrices(engine, n, log_cond, nrhs, seed):
    rng = np.random.default_rng(seed)
    s = spectrum(n, log_cond, 0, rng)
    a = with_singular_values(n, n, s, rng)
    b = rng.standard_normal((n, nrhs))
    x = systems.solve(a, b, engine=engine)
    # backward stable: the residual is a small multiple of eps·‖A‖·‖x‖ whatever the condition number
    assert np.linalg.norm(a @ x - b) <= 100 * n * EPS * np.linalg.norm(a, 2) * np.linalg.norm(x) + 1e-300
    a_inv = systems.inv(a, engine=engine)
    assert np.linalg.norm(a @ a_inv - np.eye(n)) <= 100 * n * EPS * s[0] / s[-1]
    # |det| = Π σᵢ of the matrix before its entries were rounded, which moves it by up to about eps·κ
    d = systems.det(a, engine=engine)
    assert abs(abs(d) - np.prod(s)) <= 100 * n * EPS * (s[0] / s[-1]) * np.prod(s)


@SETTINGS
@pytest.mark.parametrize("engine", ENGINES)
@given(st.integers(1, 30), st.integers(0, 2 ** 32))
def test_symmetric_eig_is_an_orthonormal_basis_of_eigenvectors(engine, n, seed):
    rng = np.random.default_rng(seed)
    g = rng.standard_normal((n, n))
    a = g + g.T
    r = linalg.eig(a, vectors=True, engine=engine)
    w, v = r["values"], r["vectors"]
    scale = np.linalg.norm(a, 2)
    assert (np.diff(w) >= 0).all()  # ascending
    assert np.linalg.norm(v.T @ v - np.eye(n)) <= 100 * n * EPS
    assert np.linalg.norm(a @ v - v * w) <= 100 * n * EPS * scale
    np.testing.assert_allclose(w, np.linalg.eigvalsh(a), rtol=0, atol=100 * n * EPS * scale)


@SETTINGS
@pytest.mark.parametrize("engine", ENGINES)
@given(st.integers(1, 25), st.integers(1, 25), st.floats(0, 8), st.integers(0, 3), st.integers(0, 2 ** 32))
def test_svd_pinv_and_rank(engine, m, n, log_cond, deficit, seed):
    rng = np.random.default_rng(seed)
    k = min(m, n)
    deficit = min(deficit, k - 1)
    s = spectrum(k, log_cond, deficit, rng)
    a = with_singular_values(m, n, s, rng)
    tol = 100 * max(m, n) * EPS

    r = linalg.svd(a, engine=engine)
    u, sv, vt = r["U"], r["S"], r["Vt"]
    assert (np.diff(sv) <= 0).all() and (sv >= 0).all()
    np.testing.assert_allclose(sv, s, rtol=0, atol=tol)
    assert np.linalg.norm((u * sv) @ vt - a) <= tol
    assert np.linalg.norm(u.T @ u - np.eye(k)) <= tol and np.linalg.norm(vt @ vt.T - np.eye(k)) <= tol

    assert systems.rank(a, engine=engine) == k - deficit

    p = linalg.pinv(a, engine=engine)
    cond = s[0] / s[k - deficit - 1]
    assert np.linalg.norm(a @ p @ a - a) <= tol * cond
    assert np.linalg.norm(p @ a @ p - p) <= tol * cond ** 2
    assert np.linalg.norm((a @ p).T - a @ p) <= tol * cond
    assert np.linalg.norm((p @ a).T - p @ a) <= tol * cond
