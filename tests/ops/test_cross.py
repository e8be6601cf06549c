"""cross: u × v of 3-vectors, row by row for (n, 3) matrices, against the component formula."""

from __future__ import annotations

import json

import numpy as np
import pytest

from conftest import assert_one_error_line, run_cli
from mlcalc.ops import core


def by_components(a, b):
    """u × v = (u₂v₃ − u₃v₂, u₃v₁ − u₁v₃, u₁v₂ − u₂v₁), row by row, in float64."""
    a, b = np.atleast_2d(np.asarray(a, np.float64)), np.atleast_2d(np.asarray(b, np.float64))
    a, b = np.broadcast_arrays(a, b)
    return np.array([[x[1] * y[2] - x[2] * y[1], x[2] * y[0] - x[0] * y[2], x[0] * y[1] - x[1] * y[0]]
                     for x, y in zip(a, b)])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_vectors_and_rows_match_the_component_formula(dtype):
    rng = np.random.default_rng(0)
    u, v = rng.standard_normal(3).astype(dtype), rng.standard_normal(3).astype(dtype)
    rows_u, rows_v = rng.standard_normal((5, 3)).astype(dtype), rng.standard_normal((5, 3)).astype(dtype)
    tol = dict(rtol=1e-12, atol=1e-15) if dtype == np.float64 else dict(rtol=1e-5, atol=1e-6)
    for a, b in ((u, v), (u.reshape(1, 3), v.reshape(3, 1)), (rows_u, rows_v), (rows_u, v), (u, rows_v),
                 (rows_u[:, ::-1], np.asfortranarray(rows_v))):  # the last pair non-contiguous
        got = core.cross(a, b)
        want = by_components(a.reshape(-1) if 1 in a.shape else a, b.reshape(-1) if 1 in b.shape else b)
        vectors = (a.ndim == 1 or 1 in a.shape) and (b.ndim == 1 or 1 in b.shape)
        assert got.dtype == dtype and got.shape == ((3,) if vectors else want.shape)
        np.testing.assert_allclose(got, want[0] if vectors else want, **tol)
        for engine in ("numpy", "numba"):  # one implementation (NumPy's) on every engine: the same bits
            np.testing.assert_array_equal(core.cross(a, b, engine=engine), got)


def test_the_right_hand_rule():
    # i × j = k, j × k = i, k × i = j, and u × u = 0
    e = np.eye(3)
    for a, b, c in ((0, 1, 2), (1, 2, 0), (2, 0, 1)):
        np.testing.assert_array_equal(core.cross(e[a], e[b]), e[c])
    np.testing.assert_array_equal(core.cross(np.array([1.0, 2, 3]), np.array([1.0, 2, 3])), [0, 0, 0])


def test_through_the_cli_with_a_trace():
    r = run_cli("cross", "1 2 3", "4 5 6", "-f", "json", "--trace")
    assert r.code == 0 and json.loads(r.stdout) == [-3, 6, -3]
    assert "here 2·6 − 3·5, 3·4 − 1·6, 1·5 − 2·4" in r.stderr and "(u × v)·u = 0, (u × v)·v = 0" in r.stderr


@pytest.mark.parametrize("u, v, says", [("1 2", "3 4", "for two 2-D vectors"), ("1 2; 3 4; 5 6", "1 1 1", "got shape (3, 2)"),
                                        ("1 2 3; 4 5 6", "1 0 0; 0 1 0; 0 0 1", "u has 2 rows and v 3"),
                                        ("1 2 3 4", "1 2 3", "got shape (4,)")])
def test_wrong_shapes_are_one_line(u, v, says):
    assert_one_error_line(run_cli("cross", u, v), "cross:", says)
