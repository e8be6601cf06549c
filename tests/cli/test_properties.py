"""Properties that must hold for any input, checked on inputs Hypothesis generates (and shrinks to the
smallest failing one): the writers and readers round-trip every float64 bit for bit, the literal
syntaxes agree, exact fractions are exact, element-wise ops broadcast exactly as NumPy does, softmax
is a distribution whatever the scale of its input."""

from __future__ import annotations

import io
import json
import tempfile
from decimal import ROUND_DOWN, Context
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from conftest import assert_one_error_line, run_cli

# in-process runs of a few milliseconds each; no deadline (a first numba kernel loads in ~0.5 s)
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

finite = st.floats(allow_nan=False, allow_infinity=False, allow_subnormal=True, width=64)
shapes = hnp.array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=6)


def npy_file(folder: Path, name: str, a: np.ndarray) -> str:
    path = folder / name
    np.save(path, a)
    return str(path)


def bits(a) -> np.ndarray:
    return np.ascontiguousarray(np.asarray(a, dtype=np.float64)).ravel().view(np.uint64)


@SETTINGS
@given(hnp.arrays(np.float64, shapes, elements=finite))
def test_csv_json_and_npy_round_trip_every_float64_bit_for_bit(a):
    with tempfile.TemporaryDirectory() as d:
        folder = Path(d)
        src = npy_file(folder, "a.npy", a)
        csv = run_cli("transpose", src, "-f", "csv")
        assert csv.code == 0, csv.stderr
        cells = [float(c) for line in csv.stdout.splitlines() for c in line.split(",")]
        assert (bits(cells) == bits(a.T)).all(), csv.stdout  # the CSV text is exact (shortest round trip)

        (folder / "t.csv").write_text(csv.stdout)
        back = run_cli("transpose", str(folder / "t.csv"), "-f", "npy")
        assert back.code == 0, back.stderr
        assert (bits(np.load(io.BytesIO(back.stdout_bytes))) == bits(a)).all()  # and reads back exactly

        js = run_cli("transpose", src, "-f", "json")
        assert js.code == 0, js.stderr
        assert (bits(json.loads(js.stdout)) == bits(a.T)).all()


@SETTINGS
@given(hnp.arrays(np.float32, shapes, elements=st.floats(allow_nan=False, allow_infinity=False, width=32)))
def test_float32_results_print_float32s_shortest_text(a):
    with tempfile.TemporaryDirectory() as d:
        r = run_cli("transpose", npy_file(Path(d), "a.npy", a), "--dtype", "float32", "-f", "csv")
    assert r.code == 0, r.stderr
    cells = np.array([np.float32(c) for line in r.stdout.splitlines() for c in line.split(",")], dtype=np.float32)
    assert (cells.view(np.uint32) == np.ascontiguousarray(a.T).ravel().view(np.uint32)).all(), r.stdout
    # and no longer than NumPy's shortest repr of the float32 (not the float64 digits of its value);
    # whole numbers print as integers by design ("8746921099264", not "8.746921e+12")
    texts = [c for line in r.stdout.splitlines() for c in line.split(",")]
    assert all(len(t) <= len(str(v)) for t, v in zip(texts, cells) if not v.is_integer()), r.stdout


@SETTINGS
@given(hnp.arrays(np.float64, shapes, elements=finite), st.integers(1, 17), st.sampled_from(["csv", "json"]))
def test_precision_rounds_each_value_to_n_significant_digits(a, digits, fmt):
    with tempfile.TemporaryDirectory() as d:
        r = run_cli("transpose", npy_file(Path(d), "a.npy", a), "--precision", str(digits), "-f", fmt)
    assert r.code == 0, r.stderr
    got = (json.loads(r.stdout) if fmt == "json" else
           [[float(c) for c in line.split(",")] for line in r.stdout.splitlines()])
    want = [float(f"{v:.{digits}g}") for v in a.T.ravel()]
    # where the nearest text reads back as inf (1.5e308 at one digit: 2e+308), rounded towards 0 instead
    want = [w if np.isfinite(w) else float(str(Context(prec=digits, rounding=ROUND_DOWN).create_decimal(v)))
            for w, v in zip(want, a.T.ravel().tolist())]
    assert (bits(got) == bits(want)).all(), (digits, r.stdout)


decimals = st.builds(lambda i, k: f"{i / 10 ** k:.{k}f}" if k else str(i),
                     st.integers(-9999, 9999), st.integers(0, 3))


@SETTINGS
@given(st.integers(1, 4).flatmap(lambda n: st.lists(st.lists(decimals, min_size=n, max_size=n),
                                                    min_size=1, max_size=4)))
def test_the_inline_literal_syntaxes_read_the_same_matrix(rows):
    want = np.array([[float(c) for c in r] for r in rows])
    spellings = ["; ".join(" ".join(r) for r in rows),
                 "[" + ";".join(",".join(r) for r in rows) + "]",
                 "[" + ",".join("[" + ",".join(r) + "]" for r in rows) + "]"]
    for lit in spellings:
        r = run_cli("transpose", lit, "-f", "json")
        assert r.code == 0, (lit, r.stderr)
        got = np.array(json.loads(r.stdout), dtype=np.float64)
        # a one-row literal is a vector, whose transpose is a column: compare the values in order
        assert (bits(got.T if got.ndim == 2 else got) == bits(want)).all(), (lit, r.stdout)


def fraction_rank_and_det(rows):
    """Rank and determinant by Gaussian elimination in fractions (the test's own reference)."""
    m = [[Fraction(v) for v in r] for r in rows]
    n_rows, n_cols = len(m), len(m[0])
    det, rank = Fraction(1), 0
    for col in range(n_cols):
        pivot = next((i for i in range(rank, n_rows) if m[i][col] != 0), None)
        if pivot is None:
            det = Fraction(0)
            continue
        if pivot != rank:
            m[rank], m[pivot] = m[pivot], m[rank]
            det = -det
        det *= m[rank][col]
        for i in range(rank + 1, n_rows):
            f = m[i][col] / m[rank][col]
            m[i] = [x - f * y for x, y in zip(m[i], m[rank])]
        rank += 1
    return rank, det


def literal(rows) -> str:
    return "; ".join(" ".join(str(v) for v in r) for r in rows)


small_ints = st.integers(-6, 6)
square = st.integers(1, 4).flatmap(lambda n: st.lists(st.lists(small_ints, min_size=n, max_size=n),
                                                      min_size=n, max_size=n))


@SETTINGS
@given(square)
def test_exact_det_inv_and_rank_are_exact(rows):
    rank, det = fraction_rank_and_det(rows)
    lit = literal(rows) if len(rows) > 1 else f"[{rows[0][0]}]"

    r = run_cli("det", lit, "--exact")
    assert r.code == 0, r.stderr
    assert Fraction(r.stdout.strip()) == det

    r = run_cli("rank", lit, "--exact")
    assert r.code == 0, r.stderr
    assert int(r.stdout.strip()) == rank

    r = run_cli("inv", lit, "--exact", "-f", "json")
    if det == 0:
        assert_one_error_line(r, "singular")
        return
    assert r.code == 0, r.stderr
    inv = [[Fraction(v) for v in row] for row in json.loads(r.stdout)]
    n = len(rows)
    product = [[sum(Fraction(rows[i][k]) * inv[k][j] for k in range(n)) for j in range(n)] for i in range(n)]
    assert product == [[Fraction(int(i == j)) for j in range(n)] for i in range(n)]


rectangular = st.tuples(st.integers(1, 4), st.integers(1, 5)).flatmap(
    lambda mn: st.lists(st.lists(st.sampled_from([-3, -2, -1, 0, 0, 1, 2, 3, "1/2", "-2/3"]), min_size=mn[1],
                                 max_size=mn[1]), min_size=mn[0], max_size=mn[0]))


def is_rref(rows) -> bool:
    """Zero rows last, each pivot 1 and right of the one above, the only non-zero in its column."""
    last_pivot = -1
    seen_zero_row = False
    for i, r in enumerate(rows):
        nz = [j for j, v in enumerate(r) if v != 0]
        if not nz:
            seen_zero_row = True
            continue
        p = nz[0]
        if seen_zero_row or p <= last_pivot or r[p] != 1 or any(rows[k][p] != 0 for k in range(len(rows)) if k != i):
            return False
        last_pivot = p
    return True


@SETTINGS
@given(rectangular)
def test_exact_rref_is_reduced_and_row_equivalent(rows):
    lit = "[" + "; ".join(" ".join(str(v) for v in r) for r in rows) + "]"
    r = run_cli("rref", lit, "--exact", "-f", "json")
    assert r.code == 0, r.stderr
    got = json.loads(r.stdout)
    got = [[Fraction(v) for v in row] for row in (got if isinstance(got[0], list) else [got])]
    a = [[Fraction(v) for v in row] for row in rows]
    assert is_rref(got), got
    rank, _ = fraction_rank_and_det(a)
    assert sum(any(v != 0 for v in row) for row in got) == rank
    # row-equivalent: A's rows and the reduced rows span the same space (stacking adds no rank)
    assert fraction_rank_and_det(a + got)[0] == rank


@SETTINGS
@given(square, st.lists(small_ints, min_size=4, max_size=4))
def test_exact_solve_solves_exactly(rows, rhs):
    n = len(rows)
    _, det = fraction_rank_and_det(rows)
    b = rhs[:n]
    lit = literal(rows) if n > 1 else f"[{rows[0][0]}]"
    r = run_cli("solve", lit, "[" + "; ".join(str(v) for v in b) + "]", "--exact", "-f", "json")
    if det == 0:
        assert r.code == 1, r.stdout
        return
    assert r.code == 0, r.stderr
    x = [Fraction(v) for v in np.array(json.loads(r.stdout), dtype=object).ravel()]  # b typed as a column
    assert [sum(Fraction(rows[i][k]) * x[k] for k in range(n)) for i in range(n)] == [Fraction(v) for v in b]


operand_shapes = st.sampled_from([(1,), (3,), (4,), (1, 1), (1, 3), (3, 1), (1, 4), (2, 3), (3, 3), (2, 1), (4, 3)])


@SETTINGS
@given(operand_shapes, operand_shapes, st.sampled_from([("add", np.add), ("sub", np.subtract),
                                                         ("hadamard", np.multiply)]), st.data())
def test_element_wise_ops_broadcast_as_numpy_does(shape_a, shape_b, op, data):
    name, ufunc = op
    a = data.draw(hnp.arrays(np.float64, shape_a, elements=st.integers(-9, 9).map(float)))
    b = data.draw(hnp.arrays(np.float64, shape_b, elements=st.integers(-9, 9).map(float)))
    try:
        want = ufunc(a, b)
    except ValueError:
        want = None
    with tempfile.TemporaryDirectory() as d:
        r = run_cli(name, npy_file(Path(d), "a.npy", a), npy_file(Path(d), "b.npy", b), "-f", "npy")
    if want is None:
        assert_one_error_line(r, str(shape_a), str(shape_b))
        return
    assert r.code == 0, r.stderr
    got = np.load(io.BytesIO(r.stdout_bytes))
    assert got.shape == want.shape and (got == want).all()


@SETTINGS
@pytest.mark.parametrize("engine", ["numpy", "numba"])
@given(shapes, st.sampled_from([("add", np.add), ("sub", np.subtract), ("hadamard", np.multiply)]), st.integers(0, 2 ** 32))
def test_float32_element_wise_results_are_numpys_float32_results(engine, shape, op, seed):
    name, ufunc = op
    rng = np.random.default_rng(seed)
    a, b = (rng.standard_normal(shape) * 10.0 ** rng.integers(-30, 30, shape)).astype(np.float32), \
        (rng.standard_normal(shape) * 10.0 ** rng.integers(-30, 30, shape)).astype(np.float32)
    with tempfile.TemporaryDirectory() as d:
        r = run_cli(name, npy_file(Path(d), "a.npy", a), npy_file(Path(d), "b.npy", b), "--dtype", "float32",
                    "--engine", engine, "-f", "npy")
    assert r.code == 0, r.stderr
    got = np.load(io.BytesIO(r.stdout_bytes))
    want = ufunc(a, b)
    assert got.dtype == np.float32 and (got.view(np.uint32) == want.view(np.uint32)).all()


@SETTINGS
@pytest.mark.parametrize("engine", ["numpy", "numba"])
@given(hnp.arrays(np.float64, shapes, elements=st.floats(-1e4, 1e4)), st.floats(-1e3, 1e3))
def test_softmax_rows_are_distributions_unmoved_by_a_shift(engine, x, shift):
    with tempfile.TemporaryDirectory() as d:
        folder = Path(d)
        p = run_cli("activate", npy_file(folder, "x.npy", x), "--fn", "softmax", "--engine", engine, "-f", "npy")
        q = run_cli("activate", npy_file(folder, "y.npy", x + shift), "--fn", "softmax", "--engine", engine,
                    "-f", "npy")
    assert p.code == 0 and q.code == 0, (p.stderr, q.stderr)
    s, t = np.load(io.BytesIO(p.stdout_bytes)), np.load(io.BytesIO(q.stdout_bytes))
    assert np.isfinite(s).all() and (s >= 0).all()
    assert np.allclose(s.sum(axis=1), 1.0, rtol=0, atol=1e-12)
    # x + shift is x up to rounding of the sum (|x| ≤ 1e4: an absolute error of about 1e-12 each),
    # which moves the exponentials by as much, relatively
    assert np.allclose(s, t, rtol=1e-9, atol=1e-300)
