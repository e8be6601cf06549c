"""Names kept through element-wise commands, header quoting and --precision's edge: cases a mutation audit
found no test for."""

from __future__ import annotations

import pytest

from conftest import run_cli


def test_a_headed_table_with_an_unheaded_one_keeps_the_names_and_warns_of_nothing(tmp_path):
    (tmp_path / "h.csv").write_text("a,b\n1,2\n3,4\n")
    for args in (("add", str(tmp_path / "h.csv"), "1 1; 1 1"), ("add", "1 1; 1 1", str(tmp_path / "h.csv"))):
        r = run_cli(*args, "--header")
        assert r.code == 0 and r.stdout == "a,b\n2,3\n4,5\n" and r.stderr == "", (args, r.stderr)


def test_the_result_takes_as_names_the_first_operands_header(tmp_path):
    (tmp_path / "t1.csv").write_text("a,b\n1,100\n")
    (tmp_path / "t2.csv").write_text("b,a\n100,1\n")
    r = run_cli("sub", str(tmp_path / "t1.csv"), str(tmp_path / "t2.csv"), "--header")
    assert r.stdout == "a,b\n-99,99\n" and "A's columns (a, b) and B's (b, a)" in r.stderr


def test_a_named_column_broadcast_over_a_table_is_no_pairing_by_position(tmp_path):
    # (n, 2) a,b with (n, 1) c: c goes with every column, as in NumPy and pandas' df.add(s, axis=0)
    (tmp_path / "h.csv").write_text("a,b\n1,2\n3,4\n")
    (tmp_path / "c.csv").write_text("c\n10\n20\n")
    r = run_cli("add", str(tmp_path / "h.csv"), str(tmp_path / "c.csv"), "--header")
    assert r.code == 0 and r.stdout == "a,b\n11,12\n23,24\n" and r.stderr == ""


@pytest.mark.parametrize("name", ["True", "FALSE"])
def test_a_boolean_name_is_quoted_whatever_its_case(tmp_path, name):
    (tmp_path / "h.csv").write_text(f"{name},x\n1,2\n")
    assert run_cli("scale", str(tmp_path / "h.csv"), "--by", "1", "--header").stdout == f'"{name}",x\n1,2\n'


def test_the_largest_float32_at_17_digits_is_its_shortest_text():
    # 9 digits round-trip any float32: at 17 it printed 3.4028234663852886e+38, float64's noise; at 8 the
    # text beyond the largest is rounded towards 0
    r = run_cli("scale", "3.4028235e38", "--by", "1", "--dtype", "float32", "--precision", "17")
    assert r.stdout == "3.4028235e+38\n"
    r = run_cli("scale", "3.4028235e38", "--by", "1", "--dtype", "float32", "--precision", "8")
    assert r.stdout == "3.4028234e+38\n"


def test_precision_rounds_a_large_float64_to_nearest():
    # rounding towards 0 is for texts beyond the dtype's largest value: float32's is no limit for float64
    assert run_cli("scale", "5.56e100", "--by", "1", "--precision", "2").stdout == "5.6e+100\n"


def test_float32_whole_numbers_print_without_the_noise_digits_of_a_shorter_one():
    # float32's 1e13 is 9999999827968: printed as that, not float32's shortest text
    r = run_cli("scale", "1e13 3e9 16777216 19 1e16;", "--by", "1", "--dtype", "float32", "-f", "csv")
    assert r.stdout == "1e+13,3000000000,16777216,19,1e+16\n"
    r = run_cli("scale", "0.1 0.3;", "--by", "1", "--dtype", "float32", "-f", "csv", "--precision", "12")
    assert r.stdout == "0.1,0.3\n"  # was 0.10000000149,0.300000011921


@pytest.mark.parametrize("name", ["#id", "% share", "sep=;", "x;y", "a,b"])
def test_header_names_the_reader_would_take_for_something_else_are_quoted(tmp_path, name):
    # "#id" written bare read back as a comment line (the names lost), "x;y" over one column as two names
    src = tmp_path / "in.csv"
    src.write_text('"' + name + '"\n1\n2\n')
    out = run_cli("scale", str(src), "--by", "1", "--header", "-f", "csv")
    assert out.code == 0, out.stderr
    again = tmp_path / "again.csv"
    again.write_text(out.stdout)
    r = run_cli("scale", str(again), "--by", "1", "--header", "-f", "csv")
    assert r.code == 0 and r.stdout == out.stdout, (out.stdout, r.stdout, r.stderr)
