"""The parallel CSV reader gives bit for bit csvparse's values, and csvparse's exact error messages."""

from __future__ import annotations

import random
import struct

import numpy as np
import pytest

from mlcalc.errors import InputError
from mlcalc.io import csvfast, csvparse


@pytest.fixture(autouse=True)
def small_threshold(monkeypatch):
    monkeypatch.setattr(csvfast, "THRESHOLD", 0)


def slow(text, delimiter=None):
    t = csvparse.parse_text(text, "a.csv", delimiter)
    return np.array(t.rows, dtype=np.float64).reshape(len(t.rows), t.ncols), t.names


def fast(tmp_path, text, delimiter=None, newline=""):
    p = tmp_path / "a.csv"
    p.write_bytes(text.encode("utf-8"))
    # one line is the small path's (it may be an Octave row list); csvfast.read still reads it alike
    assert csvfast.should_use(str(p)) or not csvfast.holds_rows(text.encode("utf-8"))
    return csvfast.read(str(p), "a.csv", delimiter)


def same_bits(a, b):
    assert a.shape == b.shape
    np.testing.assert_array_equal(a.view(np.uint64), b.view(np.uint64))


SPECIAL = ["nan", "NaN", "-nan", "inf", "-inf", "+Inf", "INFINITY", "-Infinity", "-0.0", "0", "+0", "5e-324",
           "-4.9e-324", "2.2250738585072014e-308", "2.225073858507201e-308", "1.7976931348623157e308", "1e309",
           "-1e400", "1e-400", "1e300", "-1e-300", ".5", "1.", "+.5e-3", "1E5", "007", "0.000001234",
           "9007199254740993", "123456789012345678", "1234567890123456789", "12345678901234567890123",
           "0.1000000000000000055511151231257827", "1/3", "-2/4", "1e+0022", "3e-22", "4.9406564584124654e-324"]


def random_cell(rng):
    c = rng.random()
    if c < 0.3:
        return repr(rng.uniform(-1e3, 1e3))
    if c < 0.55:  # any double: subnormals, huge and tiny exponents, 17-digit reprs
        return repr(struct.unpack("d", struct.pack("Q", rng.getrandbits(63)))[0] * rng.choice([1, -1]))
    if c < 0.7:
        return str(rng.randint(-10 ** 6, 10 ** 6))
    if c < 0.8:
        return rng.choice(SPECIAL)
    return "%.*g" % (rng.randint(1, 17), rng.uniform(-1, 1) * 10 ** rng.randint(-30, 30))


@pytest.mark.parametrize("delim", [",", "\t", ";", " ", "  "])
def test_random_values_bit_for_bit(tmp_path, delim):
    rng = random.Random(hash(delim) & 0xFFFF)
    rows = [[random_cell(rng) for _ in range(6)] for _ in range(1500)]
    text = "\n".join(delim.join(r) for r in rows) + "\n"
    got, names = fast(tmp_path, text)
    want, _ = slow(text)
    assert names is None
    same_bits(got, want)


def test_matches_numpy_loadtxt(tmp_path):
    rng = random.Random(7)
    vals = [[struct.unpack("d", struct.pack("Q", rng.getrandbits(63)))[0] for _ in range(5)] for _ in range(2000)]
    vals[0][0] = -0.0
    vals[1][1] = float("inf")
    text = "\n".join(",".join(map(repr, r)) for r in vals) + "\n"
    got, _ = fast(tmp_path, text)
    p = tmp_path / "a.csv"
    same_bits(got, np.loadtxt(p, delimiter=",", ndmin=2))


@pytest.mark.parametrize("text", [
    "x,y\n1,2\n3,4\n",
    "\ufeffx,y\r\n1,2\r\n3,4\r\n",
    "\ufeff1,2\r\n3,4\r\n",
    "# made by hand\n\nx;y\n# units: m\n1;2\n\n  # indented comment\n3;4\n",
    "1\t2\t\n3\t4 \t\n",            # trailing tabs are stripped with the line
    "  1 ,  2  \n\t3,4\t\n",
    "\"a\",'b'\n1,2\n3,4",            # quoted header, no final newline
    "température,y\n1,2\n3,4\n",      # non-ASCII header
    "a b c\n1 2 3\n4\t5 6\n",
    "house price\n1\n2\n3\n",          # one column whose name has a blank
])
def test_layouts_match_the_small_file_path(tmp_path, text):
    got, names = fast(tmp_path, text)
    want, want_names = slow(text)
    assert names == want_names
    same_bits(got, want)


@pytest.mark.parametrize("delimiter,text", [
    ("|", "1|2\n3|4\n"), (":", "1:2\n3:4\n"), ("whitespace", "1 2\n3 4\n"), (",", "1,2\n3,4\n"),
    ("\t", "1\t2\n3\t4\n"), ("/", "1/2\n3/4\n"),
])
def test_delimiter_override(tmp_path, delimiter, text):
    got, _ = fast(tmp_path, text, delimiter)
    same_bits(got, slow(text, delimiter)[0])


def test_many_cells_python_must_read(tmp_path):
    # more fallback cells (fractions, 20+ digits) than the kernel's first room for them
    text = "".join(f"1/3,{'1' * 25},{i}\n" for i in range(1000))
    got, _ = fast(tmp_path, text)
    same_bits(got, slow(text)[0])


def test_big_file_over_many_chunks(tmp_path, monkeypatch):
    rng = np.random.default_rng(0)
    a = rng.standard_normal((20000, 4))
    text = "# comment\n" + "\n".join(",".join(map(repr, r)) + ("\n" if i % 997 == 0 else "") for i, r in
                                     enumerate(a.tolist())) + "\n"
    got, _ = fast(tmp_path, text)
    same_bits(got, a)


@pytest.mark.parametrize("text", [
    "1,2\n3\n",                     # ragged
    "1,2\n3,4,5\n",
    "x,y\n1,2\n# c\n3,x\n",         # text cell
    "1,2\n,4\n",                    # empty cell
    "1,2\n3,\n",
    "1;2\n3;;\n",
    "1\t2\n3\t\t4\n",
    "1 2\n3 4x\n",
    "1,2\n1e,2\n",
    "1,2\n--1,2\n",
    "1,2\n1.2.3,4\n",
    "1,2\n.,4\n",
    "1,2\n1 2,4\n",
    "1,2\n0x10,4\n",
    "1,2\n1_000,4\n",
    "1,2\n\"3\",4\n",
    "1,2\n1/0,4\n",
    "x,y\n# nothing\n",
    "x,y",
    "# only\n\n",
    "1,2\n3,4 # trailing comment\n",
    "1,2 # on the first row\n3,4\n",  # not a header: the row would be lost
    "1,2\r3,4\n",                   # a lone CR is a line end to csvparse
    "1,2\n# a\x0bb\n3,4\n",
    "1,2\n3,4\x0c\n",
    "1,2\n3,\xa04\n",
    "1,2\n3,é\n",
    "1,2\n3,nanx\n",
    "1,2\n3,infinit\n",
    "x,y\n1,2\n#N/A,3\n4,5\n",         # a spreadsheet's error cell starts a row: data, not a comment
    "1,2\n#DIV/0!,3\n",
    "1\t2\n#VALUE!\t3\n",
    "1 2\n#REF! 3\n",
    "1,2\n3,#N/A\n",
    "1,2\n#Note on the data\n3,4\n",   # a comment with such an initial: csvparse decides, and skips it
    "1,2\n#NA\n3,4\n",
    "1,2\n#NA values removed\n3,4\n",
])
def test_errors_are_the_small_file_paths(tmp_path, text):
    try:
        want = slow(text)
    except InputError as e:
        with pytest.raises(InputError) as got:
            fast(tmp_path, text)
        assert str(got.value) == str(e)
    else:  # csvparse accepts it (e.g. a lone CR splits the line): so must the fast path
        got, names = fast(tmp_path, text)
        assert names == want[1]
        same_bits(got, want[0])


def test_invalid_utf8_is_the_same_error(tmp_path):
    p = tmp_path / "a.csv"
    p.write_bytes(b"1,2\n3,\xff\n")
    from mlcalc.io.read import ReadOptions, read_operand
    with pytest.raises(InputError, match="not UTF-8"):
        read_operand(str(p), ReadOptions())


def test_read_operand_uses_the_fast_path(tmp_path, monkeypatch):
    from mlcalc.io.read import ReadOptions, read_operand
    p = tmp_path / "a.csv"
    p.write_text("x,y\n1,2\n3,4\n")
    called = []
    orig = csvfast.read
    monkeypatch.setattr(csvfast, "read", lambda *a: called.append(a) or orig(*a))
    op = read_operand(str(p), ReadOptions())
    assert called and op.names == ["x", "y"]
    np.testing.assert_array_equal(op.values, [[1, 2], [3, 4]])


def test_json_output_is_not_taken_for_csv(tmp_path):
    p = tmp_path / "a.txt"
    p.write_text("[[1, 2], [3, 4]]\n")
    assert not csvfast.should_use(str(p))


def test_small_files_stay_on_the_small_path(tmp_path, monkeypatch):
    monkeypatch.setattr(csvfast, "THRESHOLD", 1 << 20)
    p = tmp_path / "a.csv"
    p.write_text("1,2\n")
    assert not csvfast.should_use(str(p))


def test_import_is_cheap():
    import subprocess
    import sys
    code = "import sys, mlcalc.io.csvfast; print('numba' in sys.modules, 'numpy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={"PYTHONPATH": "."}).stdout
    assert out.split() == ["False", "False"]
