"""The packed numba GEMM against NumPy: awkward shapes, both dtypes, any layout, 1-D operands."""

from __future__ import annotations

import numpy as np
import pytest

from mlcalc.kernels.cpu import gemm

SHAPES = [(1, 1, 1), (1, 7, 1), (1, 5, 9), (9, 5, 1), (7, 1, 9), (33, 17, 45), (8, 384, 16), (9, 385, 17),
          (100, 300, 50), (1001, 37, 3), (3, 999, 1003), (250, 800, 4100)]


@pytest.mark.parametrize("m,k,n", SHAPES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_gemm_matches_numpy(m, k, n, dtype):
    rng = np.random.default_rng(m * 1000 + k + n)
    a = rng.standard_normal((m, k)).astype(dtype)
    b = rng.standard_normal((k, n)).astype(dtype)
    c = gemm.gemm(a, b)
    ref = a.astype(np.float64) @ b.astype(np.float64)
    assert c.dtype == dtype and c.shape == (m, n)
    tol = 1e-12 if dtype == np.float64 else 2e-6
    assert np.abs(c - ref).max() <= tol * max(1.0, np.abs(ref).max()) * np.sqrt(k)


def test_non_contiguous_and_fortran_operands():
    rng = np.random.default_rng(1)
    a = rng.standard_normal((60, 90))[::2, ::3]          # strided view
    b = np.asfortranarray(rng.standard_normal((30, 41)))  # Fortran order
    np.testing.assert_allclose(gemm.gemm(a, b), a @ b, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(gemm.gemm(b.T, b), b.T @ b, rtol=1e-12, atol=1e-12)


def test_mixed_dtypes_promote_like_numpy():
    a = np.ones((3, 4), dtype=np.float32)
    b = np.ones((4, 2), dtype=np.float64)
    assert gemm.gemm(a, b).dtype == np.float64


@pytest.mark.parametrize("a_shape,b_shape", [((5,), (5, 3)), ((4, 5), (5,)), ((5,), (5,))])
def test_matmul_follows_numpy_for_vectors(a_shape, b_shape):
    rng = np.random.default_rng(2)
    a, b = rng.standard_normal(a_shape), rng.standard_normal(b_shape)
    got, want = gemm.matmul(a, b), a @ b
    assert np.shape(got) == np.shape(want)
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_large_square_to_1e_12():
    rng = np.random.default_rng(3)
    a, b = rng.standard_normal((700, 700)), rng.standard_normal((700, 700))
    ref = a @ b
    assert np.abs(gemm.gemm(a, b) - ref).max() <= 1e-12 * np.abs(ref).max()


@pytest.mark.slow
def test_2000_square_to_1e_12():
    rng = np.random.default_rng(4)
    a, b = rng.standard_normal((2000, 1999)), rng.standard_normal((1999, 2001))
    ref = a @ b
    assert np.abs(gemm.gemm(a, b) - ref).max() <= 1e-12 * np.abs(ref).max()
