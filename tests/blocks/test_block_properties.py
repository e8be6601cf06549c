"""Worked through by blocks (--memory-limit far below the operands' size) or in memory, a command gives
the same result or the same refusal, for operand shapes and commands Hypothesis draws: element-wise
ops with NumPy's broadcasting (a row, a column, a single number), scale, transpose, matmul and
matrix-vector products, the norms and the pairwise distances."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import run_cli

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
LIMIT = ("--memory-limit", "1KB")  # every operand below is over half of it: by blocks


def result(r, path: Path):
    assert r.code in (0, 1), r.stderr
    if r.code == 1:
        assert not path.exists()
        return None
    if path.exists():
        return np.load(path)
    return np.array(json.loads(r.stdout))  # a single number (a norm)


def same(args, files, tol=0.0):
    """The command in memory and by blocks: the same result (to `tol`, 0: bit for bit) or both refused.
    Results go to NPY files (by blocks, a result over a quarter of the budget is not printed)."""
    with tempfile.TemporaryDirectory() as d:
        mem_out, blk_out = Path(d) / "memory.npy", Path(d) / "blocks.npy"
        scalar = args[0] == "norm"
        memory = run_cli(*args, *files, *(("-f", "json") if scalar else ("-o", str(mem_out))))
        blocks = run_cli(*args, *files, *LIMIT, *(("-f", "json") if scalar else ("-o", str(blk_out))))
        a, b = result(memory, mem_out), result(blocks, blk_out)
    if a is None or b is None:
        assert a is None and b is None, (args, memory.stderr, blocks.stderr)
        assert blocks.stderr.count("\n") == 1, blocks.stderr
        return
    assert a.shape == b.shape, (args, a.shape, b.shape)
    if tol:
        np.testing.assert_allclose(b, a, rtol=tol, atol=tol)
    else:
        assert (a.view(np.uint8) == b.view(np.uint8)).all(), args


big = st.tuples(st.integers(20, 60), st.integers(4, 40))


@SETTINGS
@given(big, st.sampled_from(["same", "row", "column", "number", "other"]), st.sampled_from(["add", "sub", "hadamard"]),
       st.integers(0, 2 ** 32))
def test_element_wise_ops_by_blocks(shape, partner, op, seed):
    rng = np.random.default_rng(seed)
    m, n = shape
    a = rng.standard_normal((m, n))
    b = {"same": lambda: rng.standard_normal((m, n)), "row": lambda: rng.standard_normal((1, n)),
         "column": lambda: rng.standard_normal((m, 1)), "number": lambda: rng.standard_normal((1, 1)),
         "other": lambda: rng.standard_normal((m + 1, n))}[partner]()
    with tempfile.TemporaryDirectory() as d:
        np.save(Path(d) / "a.npy", a)
        np.save(Path(d) / "b.npy", b)
        files = (str(Path(d) / "a.npy"), str(Path(d) / "b.npy"))
        same([op], files)
        same([op], files[::-1])


@SETTINGS
@given(big, st.integers(1, 30), st.sampled_from(["matrix", "vector"]), st.integers(0, 2 ** 32))
def test_products_by_blocks(shape, p, right, seed):
    rng = np.random.default_rng(seed)
    m, k = shape
    a = rng.standard_normal((m, k))
    b = rng.standard_normal((k, p)) if right == "matrix" else rng.standard_normal(k)
    with tempfile.TemporaryDirectory() as d:
        np.save(Path(d) / "a.npy", a)
        np.save(Path(d) / "b.npy", b)
        same(["matmul"], (str(Path(d) / "a.npy"), str(Path(d) / "b.npy")), tol=1e-12)


@SETTINGS
@given(big, st.sampled_from([["scale", "--by", "-2.5"], ["transpose"], ["norm", "--ord", "fro"], ["norm", "--ord", "l1"],
                             ["norm", "--ord", "inf"]]), st.integers(0, 2 ** 32))
def test_one_operand_commands_by_blocks(shape, args, seed):
    a = np.random.default_rng(seed).standard_normal(shape)
    with tempfile.TemporaryDirectory() as d:
        np.save(Path(d) / "a.npy", a)
        same(args, (str(Path(d) / "a.npy"),), tol=1e-13 if args[0] == "norm" else 0.0)


@SETTINGS
@given(st.integers(20, 60), st.integers(1, 30), st.integers(4, 8), st.sampled_from(["euclidean", "manhattan", "cosine",
                                                                                    "chebyshev"]), st.integers(0, 2 ** 32))
def test_pairwise_distances_by_blocks(m, p, n, metric, seed):
    rng = np.random.default_rng(seed)
    with tempfile.TemporaryDirectory() as d:
        np.save(Path(d) / "a.npy", rng.standard_normal((m, n)))
        np.save(Path(d) / "b.npy", rng.standard_normal((p, n)))
        same(["dist", "--metric", metric], (str(Path(d) / "a.npy"), str(Path(d) / "b.npy")), tol=1e-12)
