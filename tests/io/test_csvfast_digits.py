"""The reworked digit loops of the parallel CSV reader (leading zeros skipped first, 8 digits per
step, more than 19 significant digits left to Python) and the exact room per chunk: every value
bit for bit what Python's float() gives."""

from __future__ import annotations

import random
import struct

import numpy as np
import pytest

from mlcalc.errors import InputError
from mlcalc.io import csvfast, csvparse


@pytest.fixture(autouse=True)
def fast_path_for_small_files(monkeypatch):
    monkeypatch.setattr(csvfast, "THRESHOLD", 0)
    monkeypatch.setattr(csvfast, "WARM_THRESHOLD", 0)


def read_cells(tmp_path, cells, ncols=4, delim=","):
    rows = [cells[i:i + ncols] for i in range(0, len(cells) - len(cells) % ncols, ncols)]
    p = tmp_path / "v.csv"
    p.write_text("\n".join(delim.join(r) for r in rows) + "\n")
    got, names = csvfast.read(str(p), "v.csv", None)
    assert names is None
    want = np.array([[float(c) for c in r] for r in rows], dtype=np.float64)
    assert got.shape == want.shape
    bad = np.nonzero(got.view(np.uint64) != want.view(np.uint64))
    assert not bad[0].size, [(rows[i][j], got[i, j], want[i, j]) for i, j in zip(*bad)][:5]


def digit_variants(rng):
    """Mantissas of 1 to 25 digits with leading zeros before and after the point, exponents."""
    out = []
    for _ in range(4000):
        nd = rng.randint(1, 25)
        digits = "".join(rng.choice("0123456789") for _ in range(nd))
        point = rng.randint(0, nd)
        lead = "0" * rng.choice([0, 0, 1, 3, 9])
        frac_zeros = "0" * rng.choice([0, 0, 2, 8, 20])
        m = lead + digits[:point] + "." + frac_zeros + digits[point:] if point < nd else lead + digits
        if rng.random() < 0.4:
            m += rng.choice("eE") + rng.choice(["", "+", "-"]) + str(rng.randint(0, 330))
        out.append(rng.choice(["", "-", "+"]) + m)
    return out


def test_18_to_25_digits_leading_zeros_and_exponents(tmp_path):
    read_cells(tmp_path, digit_variants(random.Random(1)))


@pytest.mark.parametrize("cell", [
    "0000123.4500", "-0000123.4500", "0.000000000000000000000012345678901234567", "00000000000000000000001",
    "123456789012345678", "1234567890123456789", "12345678901234567890", "9999999999999999999",
    "18446744073709551615", "18446744073709551616", "0.1234567890123456789", "1.234567890123456789e-5",
    "12345678.12345678", "1234567812345678", "00000000.00000000", "-0.0", "-0", "+0.000e+999",
    "9007199254740993", "9007199254740992.5", "4.9406564584124654e-324", "2.4703282292062327e-324",
    "2.4703282292062328e-324", "2.2250738585072011e-308", "2.2250738585072014e-308",
    "1.7976931348623157e308", "1.7976931348623158e308", "1.7976931348623159e308", "1e-400", "1e400",
    "1e23", "8.98846567431158e307", "0.1e-322", "123456789e-330", "1.00000000000000000000",
    "inf", "-Infinity", "NaN", "+nan", "1e+0022", "5e-324", "0.30000000000000004",
])
def test_awkward_cells(tmp_path, cell):
    # the cell among ordinary 17-digit values, so the kernel's fast loop runs around it
    read_cells(tmp_path, [cell, "1.2345678901234567", cell, "-0.00012345678901234567"])


def test_random_doubles_bit_patterns(tmp_path):
    rng = random.Random(5)
    cells = []
    for _ in range(8000):
        x = struct.unpack("d", struct.pack("Q", rng.getrandbits(64)))[0]
        cells.append(repr(x) if x == x else "nan")
    read_cells(tmp_path, cells, ncols=8)


@pytest.mark.parametrize("text", ["1,2\n.inf,4\n", "1,2\n-.nan,4\n", "1,2\n+.Infinity,4\n", "1,2\n.,4\n"])
def test_inf_nan_only_straight_after_the_sign(tmp_path, text):
    # float() and csvparse reject '.inf'; the kernel used to read it as inf
    p = tmp_path / "a.csv"
    p.write_text(text)
    with pytest.raises(InputError) as want:
        csvparse.parse_text(text, "a.csv", None)
    with pytest.raises(InputError) as got:
        csvfast.read(str(p), "a.csv", None)
    assert str(got.value) == str(want.value)


@pytest.mark.parametrize("tail", ["", "\n", "\n\n", "\n# end\n", "\r\n"])
def test_room_per_chunk_is_exact(tmp_path, monkeypatch, tail):
    # many chunks, with and without a final line end and trailing blank/comment lines
    rng = np.random.default_rng(3)
    a = rng.standard_normal((30000, 3))
    nl = "\r\n" if tail == "\r\n" else "\n"
    text = nl.join(",".join(map(repr, r)) for r in a.tolist()) + tail
    p = tmp_path / "r.csv"
    p.write_bytes(text.encode())
    got, _ = csvfast.read(str(p), "r.csv", None)
    assert got.shape == a.shape
    np.testing.assert_array_equal(got.view(np.uint64), a.view(np.uint64))


@pytest.mark.parametrize("run", range(1, 17))
def test_every_length_of_digit_run_before_every_kind_of_end(tmp_path, run):
    # the kernel reads the last 1-7 digits of a run as the tail of an 8-byte word: each length,
    # ended by a delimiter, a line end, a point, an exponent, a blank, or the end of the file
    digits = "9876543210123456"[:run]
    cells = [digits, digits + ".5", "0." + digits, digits + "e3", digits + "." + digits, "-" + digits + " "]
    p = tmp_path / "runs.csv"
    p.write_text("\n".join(",".join(cells) for _ in range(3)) + "\n" + ",".join(cells).rstrip())
    got, _ = csvfast.read(str(p), "runs.csv", None)
    want = np.array([[float(c) for c in cells]] * 4)
    assert np.array_equal(got.view(np.uint64), want.view(np.uint64))
