"""A second, independent check of the parallel reader: awkward values bit for bit against float() and
the small-file path, and its use by the operand reader."""

from __future__ import annotations

import numpy as np
import pytest

from mlcalc.errors import InputError
from mlcalc.io import csvfast, csvparse


def slow(path: str, delimiter=None):
    table = csvparse.parse_text(open(path, encoding="utf-8-sig").read(), path, delimiter)
    return np.array(table.rows, dtype=np.float64).reshape(len(table.rows), table.ncols), table.names


def same_bits(a, b) -> bool:
    return a.shape == b.shape and bool(np.all((a.view(np.uint64) == b.view(np.uint64)) | (np.isnan(a) & np.isnan(b))))


@pytest.fixture(scope="module")
def awkward_values():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((3000, 7)) * 10.0 ** rng.integers(-40, 40, (3000, 7))
    a[0, :] = [-0.0, 5e-324, 1.7976931348623157e308, 2.2250738585072014e-308, np.nan, -np.inf, np.inf]
    a[1, :] = np.round(a[1, :] * 1e-20)
    a[2, :] = [0.1, 0.2, 0.3, 1e23, 9007199254740993.0, 1e-300, 123456789.123456789]
    a[3, :] = rng.integers(-10**6, 10**6, 7)
    return a


@pytest.fixture(autouse=True)
def fast_path_for_small_files(monkeypatch):
    monkeypatch.setattr(csvfast, "THRESHOLD", 0)
    monkeypatch.setattr(csvfast, "WARM_THRESHOLD", 0)


@pytest.mark.parametrize("delim", [",", "\t", ";", " "])
def test_values_are_bit_identical_to_the_slow_path_and_to_float(tmp_path, awkward_values, delim):
    p = tmp_path / "m.csv"
    sep = "   " if delim == " " else delim
    p.write_text("\n".join(sep.join(repr(float(x)) for x in row) for row in awkward_values) + "\n")
    got, names = csvfast.read(str(p), "m.csv", None)
    assert names is None and same_bits(got, awkward_values)
    assert same_bits(got, slow(str(p))[0])


def test_header_comments_blank_lines_crlf_bom(tmp_path):
    p = tmp_path / "h.csv"
    p.write_bytes("\ufeff# a comment\r\nx,y,z\r\n1,2,3\r\n\r\n# mid-file comment\r\n4,5e-3,-6\r\n  7 , 8 , 9\r\n".encode())
    got, names = csvfast.read(str(p), "h.csv", None)
    want, want_names = slow(str(p))
    assert names == want_names == ["x", "y", "z"] and same_bits(got, want)


def test_many_digits_go_through_python(tmp_path):
    p = tmp_path / "d.csv"
    text = ["0.1000000000000000055511151231257827021181583404541015625,1",
            "123456789012345678901234567890,2", "1.00000000000000011102230246251565404236316680908203125,3"]
    p.write_text("\n".join(text) + "\n")
    got, _ = csvfast.read(str(p), "d.csv", None)
    assert same_bits(got, np.array([[float(c) for c in line.split(",")] for line in text]))


@pytest.mark.parametrize("body", ["1,NA\n3,4\n", "1,\n3,4\n", "1,2\n3,4\n5\n", "1,2\n3,x\n", "1,2\n,4\n", "1,2\n3,4,5\n", "1,2\n3,1e\n", "1;2\n3;4\n5;--6\n"])
def test_errors_are_the_slow_paths_errors(tmp_path, body):
    p = tmp_path / "bad.csv"
    p.write_text(body)
    with pytest.raises(InputError) as slow_err:
        csvparse.parse_text(body, str(p))
    with pytest.raises(InputError) as fast_err:
        csvfast.read(str(p), str(p), None)
    assert str(fast_err.value) == str(slow_err.value)


def test_quoted_and_fraction_cells_fall_back_to_the_slow_path(tmp_path):
    p = tmp_path / "q.csv"
    p.write_text('"a","b"\n1,1/4\n2,0.5\n')
    got, names = csvfast.read(str(p), "q.csv", None)
    assert names == ["a", "b"] and got.tolist() == [[1, 0.25], [2, 0.5]]


def test_reader_uses_the_fast_path_for_large_files(tmp_path, monkeypatch):
    from mlcalc.io.read import read_operand
    monkeypatch.setattr(csvfast, "THRESHOLD", 10)
    monkeypatch.setattr(csvfast, "WARM_THRESHOLD", 10)
    calls = []
    real = csvfast.read
    monkeypatch.setattr(csvfast, "read", lambda *a: calls.append(a) or real(*a))
    p = tmp_path / "m.csv"
    p.write_text("x,y\n1,2\n3,4\n")
    op = read_operand(str(p))
    assert calls and op.names == ["x", "y"] and op.values.tolist() == [[1, 2], [3, 4]]


def test_a_seven_digit_exponent_is_read_as_float_reads_it(tmp_path):
    # the kernel stopped collecting exponent digits after six: 0.<10⁶ zeros>1e1000005 read as 0, not 10⁴
    cells = ["0." + "0" * 1000000 + "1e1000005", "1e-0000000000000000000000001", "5e999999", "-7e-999999"]
    p = tmp_path / "e.csv"
    p.write_text("\n".join(f"{c},{k}" for k, c in enumerate(cells)) + "\n")
    got, _ = csvfast.read(str(p), "e.csv", None)
    assert same_bits(got[:, 0], np.array([float(c) for c in cells])) and got[0, 0] == 1e4


def test_a_fraction_beyond_the_float_range_is_inf_on_every_path(tmp_path):
    # float(Fraction) raised OverflowError: "internal error" with no operand, line or column
    big = "1" + "0" * 400
    p = tmp_path / "f.csv"
    p.write_text(f"{big}/3,-{big}/7\n1/3,2\n")
    want = np.array([[np.inf, -np.inf], [1 / 3, 2]])
    got, _ = csvfast.read(str(p), "f.csv", None)
    assert same_bits(got, want) and same_bits(slow(str(p))[0], want)
    from conftest import run_cli
    r = run_cli("transpose", f"{big}/3 1", "-f", "json")
    assert r.code == 0 and r.stdout.strip() == '[["inf"], [1]]'


@pytest.mark.parametrize("text", ["1.5 2.25 3; 4 5 6\n\n", "\ufeff {\"S\": [1, 2], \"U\": [[1, 0], [0, 1]]}\n",
                                  "[1 2\n 3 4]\n", "  1,2,3  \n"])
def test_a_big_file_in_the_small_paths_own_forms_reads_as_a_small_one(tmp_path, text):
    # from 8 MB a file went to the parallel reader whatever it held: one line of Octave rows became "a
    # header row but no data rows", and a JSON object lost its "take one of its results" message
    from conftest import run_cli

    p = tmp_path / "f.txt"
    p.write_text(text, encoding="utf-8")
    assert not csvfast.should_use(str(p)) and not csvfast.holds_rows(text.encode())
    fast = run_cli("transpose", str(p), "-f", "json")
    with pytest.MonkeyPatch.context() as m:
        m.setattr(csvfast, "THRESHOLD", 1 << 40)
        m.setattr(csvfast, "WARM_THRESHOLD", 1 << 40)
        small = run_cli("transpose", str(p), "-f", "json")
    assert (fast.code, fast.stdout, fast.stderr) == (small.code, small.stdout, small.stderr)


def test_quoted_numbers_are_numbers_on_both_paths(tmp_path):
    # csv.QUOTE_ALL's output ("1","2") was "'\"1\"' is not a number"; pandas reads it
    p = tmp_path / "q.csv"
    p.write_text('"x","y"\n"1","2.5"\n"-3", "1e3"\n4,"inf"\n')
    got, names = csvfast.read(str(p), "q.csv", None)
    want, want_names = slow(str(p))
    assert names == want_names == ["x", "y"] and same_bits(got, want)
    assert same_bits(want, np.array([[1, 2.5], [-3, 1e3], [4, np.inf]]))
    p.write_text('1,2\n3,""\n')
    with pytest.raises(InputError, match=r"line 2, column 2: an empty cell$"):
        slow(str(p))
    with pytest.raises(InputError, match=r"line 1, column 2: 'nan' cannot be used in exact arithmetic"):
        csvparse.parse_text('1,"nan"\n3,4\n', "q.csv", exact=True)  # the reason, not "'\"nan\"' is not a number"


def test_an_interrupt_mid_parse_stays_an_interrupt(tmp_path, monkeypatch):
    # ^C while the kernels ran: the traceback held views of the map, mm.close() raised BufferError, and the
    # user saw "internal error: BufferError: cannot close exported pointers exist" with exit 1, not 130
    p = tmp_path / "a.csv"
    p.write_text("1,2\n3,4\n5,6\n")

    def interrupted(mm, buf, *args):  # its frame, held by the traceback, holds buf, as the kernels' frames do
        raise KeyboardInterrupt

    monkeypatch.setattr(csvfast, "_parse", interrupted)
    with pytest.raises(KeyboardInterrupt):
        csvfast.read(str(p), "a.csv", None)
