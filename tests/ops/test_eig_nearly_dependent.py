"""eig beyond 3×3 says when its eigenvectors are nearly dependent (A defective, or nearly so): the exact check
covers 2×2 and 3×3, and a 4×4 of two Jordan blocks printed near-duplicate vectors (entries of −8.9e-16 where
the other column had 0) without a word."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import ENGINES, run_cli

from mlcalc.ops import linalg


def literal(a) -> str:
    return "; ".join(" ".join(repr(float(x)) for x in row) for row in a)


def jordan(lam: float, m: int) -> np.ndarray:
    return lam * np.eye(m) + np.eye(m, k=1)


def blocks(*parts) -> np.ndarray:
    n = sum(len(p) for p in parts)
    a, i = np.zeros((n, n)), 0
    for p in parts:
        a[i:i + len(p), i:i + len(p)] = p
        i += len(p)
    return a


@pytest.mark.parametrize("engine", ENGINES)
def test_two_jordan_blocks_say_which_eigenvalues(engine):
    r = run_cli("eig", literal(blocks(jordan(4, 2), jordan(2, 2))), "--vectors", "--engine", engine, "-f", "json")
    assert r.code == 0 and json.loads(r.stdout)["values"] == [2, 2, 4, 4], r.stderr
    warnings = [line for line in r.stderr.splitlines() if "warning" in line]
    assert len(warnings) == 1 and warnings[0].startswith(
        "mlcalc: warning: eig: A is defective or nearly so: the eigenvectors of λ = 2, 2, 4, 4 are nearly dependent "
        "(condition number ") and warnings[0].endswith(
        "so A cannot be reliably diagonalised; the vectors printed for them nearly repeat"), r.stderr
    r = run_cli("eig", literal(blocks(jordan(4, 2), jordan(2, 2))), "--engine", engine, "-f", "json")
    assert r.stderr.rstrip().endswith("cannot be reliably diagonalised"), r.stderr  # no vectors printed


def test_a_hidden_jordan_block_is_found_and_close_values_keep_their_digits():
    rng = np.random.default_rng(1)
    s = rng.standard_normal((5, 5))
    a = s @ blocks(jordan(2, 2), np.diag([5.0, 6.0, 7.0])) @ np.linalg.inv(s)  # LAPACK: vectors 1.6e-8 apart
    r = run_cli("eig", literal(a), "-f", "json")
    assert r.code == 0 and "A is defective or nearly so: the eigenvectors of λ = " in r.stderr, r.stderr
    # two distinct values, 1 and 1.000001 at six digits, print with all theirs
    r = run_cli("eig", "1 1e9; 0 1.000001", "-f", "json")
    assert "the eigenvectors of λ = 1, 1.000001 are nearly dependent" in r.stderr, r.stderr


@pytest.mark.parametrize("n", [4, 10, 100])
@pytest.mark.parametrize("kind", ["normal", "uniform"])
def test_random_matrices_are_not_called_defective(n, kind):
    rng = np.random.default_rng(n)
    a = rng.standard_normal((n, n)) if kind == "normal" else rng.random((n, n))
    said = []
    linalg.eig(a, vectors=True, engine="numpy", warn=said.append)
    assert said == []


@pytest.mark.parametrize("a", ["0 -1 0 0; 1 0 0 0; 0 0 0 -1; 0 0 1 0",  # a rotation's double ±i: orthonormal vectors
                               "0 0 1 0; 1 0 0 0; 0 1 0 0; 0 0 0 1",   # a permutation
                               "1 2 3 4; 0 5 6 7; 0 0 8 9; 0 0 0 10"])  # triangular, distinct diagonal
def test_normal_and_triangular_matrices_are_not_called_defective(a):
    r = run_cli("eig", a, "--vectors", "-f", "json")
    assert r.code == 0 and "warning" not in r.stderr, r.stderr


def test_the_check_stops_at_its_size_limit():
    n = linalg.DEPENDENCE_CHECKED_UP_TO + 1
    v = np.ones((n, n))  # singular: no note, as the check is skipped
    assert linalg._nearly_dependent_note(np.ones(n), v, True) is None
    note = linalg._nearly_dependent_note(np.ones(2), np.array([[1.0, 1.0], [0.0, 0.0]]), True)
    assert "of λ = 1, 1 are nearly dependent (their matrix singular)" in note
