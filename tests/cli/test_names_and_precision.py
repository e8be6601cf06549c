"""Names kept through element-wise commands, header quoting and --precision's edge: cases a mutation audit
found no test for."""

from __future__ import annotations

import re

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


def test_a_table_shows_control_characters_in_header_names_escaped(tmp_path):
    # ESC[8m in a header hid every number after it on a terminal; ESC[2K erased its neighbour
    (tmp_path / "esc.csv").write_text("x\x1b[2Ky,z\x1b[8m,w\u202ev\n1,2,3\n4,5,6\n")
    r = run_cli("scale", str(tmp_path / "esc.csv"), "--by", "1", "-f", "table", env={"NO_COLOR": "1"})
    assert r.code == 0 and "\x1b" not in r.stdout and "\u202e" not in r.stdout
    assert r.stdout.splitlines()[0].split() == ["x\\x1b[2Ky", "z\\x1b[8m", "w\\u202ev"]
    r = run_cli("scale", str(tmp_path / "esc.csv"), "--by", "1", "--header")  # data keeps the name as it is
    assert r.stdout.splitlines()[0] == "x\x1b[2Ky,z\x1b[8m,w\u202ev"
    # train-linreg's features list and target are text results: escaped there too
    (tmp_path / "fit.csv").write_text("x\x1b[8m,y\x1b[2K\n1,2\n2,4.1\n3,5.9\n4,8.2\n")
    r = run_cli("train-linreg", str(tmp_path / "fit.csv"), "--method", "normal", "-f", "table", env={"NO_COLOR": "1"})
    assert r.code == 0 and "\x1b" not in r.stdout and "target: y\\x1b[2K" in r.stdout


def test_the_columns_a_terminal_gives_wide_characters_and_marks():
    from mlcalc.io.grid import cell_width
    assert cell_width("名前") == 4 and cell_width("e\u0301") == 1  # wide; a combining accent
    assert cell_width("ที่ดิน") == 3  # Thai vowel and tone marks (combining class 0, yet drawn over)
    assert cell_width("\u1100\u1161\u11a8") == 2  # 각 decomposed, as macOS writes names
    assert cell_width("👍🏽") == 2 and cell_width("a\ufe0f") == 1  # a skin tone; a variation selector
    assert cell_width("x\u200dy") == 2 and cell_width("abc") == 3


def test_a_table_aligns_wide_and_combining_header_names_by_the_columns_they_take(tmp_path):
    # len() had put a Japanese name over the wrong column: a wide character takes two columns
    from mlcalc.io.grid import cell_width
    (tmp_path / "uni.csv").write_text("名前,価格,e\u0301,x\n1,2,3,4\n-7,8.5,9,10\n", encoding="utf-8")
    r = run_cli("scale", str(tmp_path / "uni.csv"), "--by", "1", "-f", "table", env={"NO_COLOR": "1"})
    lines = r.stdout.splitlines()[:3]
    assert len({cell_width(line) for line in lines}) == 1  # every column right-aligned to the same edge
    ends = lambda line: [cell_width(line[:m.end()]) for m in re.finditer(r"\S+", line)]  # noqa: E731
    assert ends(lines[0]) == ends(lines[1]) == ends(lines[2])


def test_a_long_named_vector_in_a_table_says_rows_were_left_out(tmp_path):
    rows = ["f%d" % j for j in range(100)] + ["y"]
    data = [",".join(rows)] + [",".join(str((i * 7 + j * 3) % 11) for j in range(101)) for i in range(150)]
    (tmp_path / "wide.csv").write_text("\n".join(data) + "\n")
    r = run_cli("train-linreg", str(tmp_path / "wide.csv"), "--method", "normal", "--l2", "1", "-f", "table",
                env={"NO_COLOR": "1"})
    coef = r.stdout.split("intercept")[0]  # the coefficients' table, named by feature
    assert r.code == 0 and "⋮" in coef and "(100 × 1)" in coef
