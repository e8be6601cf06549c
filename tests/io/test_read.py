"""Operand forms: literals, text files, NPY/NPZ, standard input."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest

from conftest import assert_one_error_line, run_cli
from mlcalc.errors import InputError
from mlcalc.io.read import ReadOptions, StdinGuard, read_operand


@pytest.mark.parametrize("spec,expected", [
    ("1 2; 3 4", [[1, 2], [3, 4]]),
    ("1,2;3,4", [[1, 2], [3, 4]]),
    ("[1 2; 3 4]", [[1, 2], [3, 4]]),
    ("[[1,2],[3,4]]", [[1, 2], [3, 4]]),
    ("[3,4]", [3, 4]),
    ("5", [5]),
    ("1/3 1; 0 2", [[1 / 3, 1], [0, 2]]),
    ("1; 2; 3", [[1], [2], [3]]),
    ("-1 2.5e3; -inf nan", [[-1, 2500], [-np.inf, np.nan]]),
    ("1 2\n3 4", [[1, 2], [3, 4]]),         # a line break ends a row, as in Octave
    ("1 2\n\n3 4\n", [[1, 2], [3, 4]]),
    ("1 2;\n3 4", [[1, 2], [3, 4]]),           # rows ended by ';' and a line break, as Octave users type
    ("[1 2;\r\n 3 4;]", [[1, 2], [3, 4]]),
    ("1 2, 3", [1, 2, 3]),                  # commas and blanks both separate
    ("1, 2,", [1, 2]),                      # a trailing comma, as Octave allows
    ("1 2 3;", [[1, 2, 3]]),                # a ';' makes rows: 1×3, as Octave's [1 2 3;] (it read as 1-D)
    ("[1 2 3;]", [[1, 2, 3]]),
    ("1 2 3\n", [1, 2, 3]),                 # one line without ';' stays the vector "1 2 3"
    ("[true, false, 2]", [1, 0, 2]),        # JSON booleans read as 1 and 0
    ("[[true, 0], [1, false]]", [[1, 0], [1, 0]]),
])
def test_inline_literals(spec, expected):
    got = read_operand(spec).values
    np.testing.assert_array_equal(got, np.array(expected, dtype=float))


@pytest.mark.parametrize("spec,message", [
    ("1,,2; 3,4", "row 1, column 2: an empty cell"),
    (",1", "row 1, column 1: an empty cell"),
    ("[1,,2]", "row 1, column 2: an empty cell"),
    ("1 2\n3 4 5", "^1 2; 3 4 5: row 2 has 3 values"),  # one line, however the literal was typed
    # "[]" was "no such file (and not a matrix literal)"; ";" and "[;]" an internal IndexError
    ("[]", r"^\[\]: the literal is empty$"), ("[ ]", "the literal is empty"), (";", "^;: the literal is empty$"),
    ("[;]", "the literal is empty"), ("[[]]", "row 1 of the literal is empty"),
    ("", r"^an operand is empty \(''\)"), ("  ", r"^an operand is empty \(''\)"),  # was ": no such file"
])
def test_empty_cells_in_literals_are_errors_never_skipped(spec, message):
    with pytest.raises(InputError, match=message):
        read_operand(spec)


@pytest.mark.parametrize("text,message", [("[]", "an empty list: no values"), ("[[]]", "row 1 of the matrix is empty"),
                                          ("[1,,2]", "column 2: an empty cell")])
def test_empty_json_on_stdin(monkeypatch, text, message):
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(text.encode())))
    StdinGuard.used = False
    with pytest.raises(InputError, match=message):
        read_operand("-")


def test_exact_literal_keeps_fractions():
    from fractions import Fraction
    op = read_operand("1/3 1; 0 2", ReadOptions(exact=True))
    assert op.exact == [[Fraction(1, 3), 1], [0, 2]]


@pytest.mark.parametrize("text", [
    "1,2\n3,4\n", "1\t2\n3\t4\n", "1;2\n3;4\n", "1 2\n3   4\n", "\ufeff1,2\r\n3,4\r\n",
    "# comment\n1,2\n\n# another\n3,4\n",
])
def test_text_files_any_delimiter(tmp_path, text):
    p = tmp_path / "m.csv"
    p.write_text(text, encoding="utf-8")
    np.testing.assert_array_equal(read_operand(str(p)).values, [[1, 2], [3, 4]])


def test_header_gives_names(tmp_path):
    p = tmp_path / "h.csv"
    p.write_text("x,y\n1,2\n3,4\n")
    op = read_operand(str(p))
    assert op.names == ["x", "y"]
    np.testing.assert_array_equal(op.values, [[1, 2], [3, 4]])


def test_delimiter_override(tmp_path):
    p = tmp_path / "m.txt"
    p.write_text("1|2\n3|4\n")
    np.testing.assert_array_equal(read_operand(str(p), ReadOptions(delimiter="|")).values, [[1, 2], [3, 4]])


@pytest.mark.parametrize("dtype", ["<f8", ">f8", "<f4", "<f2", "<i4", ">i8", "|u1", "|b1"])
def test_npy_numeric_dtypes_are_read_as_floats(tmp_path, dtype):
    a = np.array([[1, 0], [1, 1]]).astype(dtype)
    np.save(tmp_path / "a.npy", a)
    got = read_operand(str(tmp_path / "a.npy")).values
    assert got.dtype == np.float64 and got.dtype.isnative
    np.testing.assert_array_equal(got, [[1, 0], [1, 1]])


def test_fortran_order_npy(tmp_path):
    a = np.asfortranarray(np.arange(6.0).reshape(2, 3))
    np.save(tmp_path / "f.npy", a)
    np.testing.assert_array_equal(read_operand(str(tmp_path / "f.npy")).values, a)


def test_npz_member(tmp_path):
    np.savez(tmp_path / "m.npz", W=np.eye(3), b=np.ones(3))
    np.testing.assert_array_equal(read_operand(f"{tmp_path}/m.npz:W").values, np.eye(3))


def test_large_npy_is_memory_mapped_and_correct(tmp_path, monkeypatch):
    from mlcalc.io import npyfile
    monkeypatch.setattr(npyfile, "MMAP_FROM_BYTES", 100)
    a = np.arange(400.0).reshape(20, 20)
    np.save(tmp_path / "big.npy", a)
    np.testing.assert_array_equal(read_operand(str(tmp_path / "big.npy")).values, a)


def test_float32_option():
    assert read_operand("1 2", ReadOptions(dtype="float32")).values.dtype == np.float32


def test_three_dimensional_npy_needs_a_command_that_takes_it(tmp_path):
    np.save(tmp_path / "t.npy", np.zeros((2, 2, 2)))
    with pytest.raises(InputError, match="3-D"):
        read_operand(str(tmp_path / "t.npy"))
    assert read_operand(str(tmp_path / "t.npy"), ReadOptions(max_ndim=3)).values.shape == (2, 2, 2)


def test_stdin_npy_is_sniffed(monkeypatch):
    buf = io.BytesIO()
    np.save(buf, np.eye(2))
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(buf.getvalue())))
    StdinGuard.used = False
    np.testing.assert_array_equal(read_operand("-").values, np.eye(2))


def test_text_that_is_neither_file_nor_literal():
    with pytest.raises(InputError, match="no such file"):
        read_operand("weights.csv")
    with pytest.raises(InputError, match="^1 2; 3 x: row 2, column 2: 'x'"):  # one line, however it was typed
        read_operand("1 2\n3 x")
    with pytest.raises(InputError, match="a literal has no comments"):  # not "no such file"
        read_operand("1 2 # weights")
    with pytest.raises(InputError, match="no such file"):
        read_operand("data#1.csv")


def test_a_zero_dimensional_npy_is_a_one_element_vector_like_the_literal_5(tmp_path):
    np.save(tmp_path / "s.npy", 5.0)
    np.testing.assert_array_equal(read_operand(str(tmp_path / "s.npy")).values, read_operand("5").values)


@pytest.mark.parametrize("text,rows", [
    # a line break ends an Octave row also where the text is JSON too: "[1, 2,\n3, 4]" was the vector [1, 2, 3, 4]
    ("[1, 2,\n3, 4]", [[1, 2], [3, 4]]),
    ("[1, 2, \r\n 3, 4]", [[1, 2], [3, 4]]),
    ("[1 2 ...\n3 4]", [[1, 2, 3, 4]]),             # Octave's continuation joins the lines: one row, a vector
    ("[1 2 3 ... the rest\n4 5 6]", [[1, 2, 3, 4, 5, 6]]),
])
def test_octave_rows_over_lines(text, rows):
    from mlcalc.io import literal
    assert literal.parse_literal(text, "A") == (rows, len(rows) == 1)


@pytest.mark.parametrize("text", ["[\n  1,\n  2\n]", "[1, 2, 3]", "[1,\n2,\n3]"])
def test_json_vectors_an_element_a_line_stay_vectors(text):
    # jq and json.dumps(indent=2) write a vector an element a line: still a vector, as -f json reads back
    from mlcalc.io import literal
    values, one_dimensional = literal.parse_literal(text, "v")
    assert one_dimensional and len(values) == 1
    assert literal.json_floats(text).ndim == 1


def test_json_in_a_file_stays_json_where_a_typed_literal_is_octave_rows(tmp_path):
    # a file or standard input holding JSON is JSON's: prettier, pprint(compact=True) and np.array2string
    # wrap a vector several numbers a line; typed as an operand, the same text is Octave's rows
    path = tmp_path / "v.json"
    path.write_text("[\n  1, 2, 3,\n  4, 5, 6\n]\n")
    r = run_cli("dot", str(path), "1 1 1 1 1 1")
    assert r.code == 0 and float(r.stdout) == 21
    assert json.loads(run_cli("transpose", "-", "-f", "json", stdin=path.read_text()).stdout) == [[1], [2], [3], [4], [5], [6]]
    r = run_cli("matmul", "[1, 2,\n3, 4]", "[1, 2,\n3, 4]", "-f", "json")
    assert r.code == 0 and json.loads(r.stdout) == [[7, 10], [15, 22]]


@pytest.mark.parametrize("spec", ["1, 2, 3, ..., 10", "1 2 3 ... 9 10", "[0.0e+00 1.0e+00 ... 1.9e+03]"])
def test_an_ellipsis_inside_a_line_is_no_continuation(spec):
    # only "..." at a line's end continues a row: NumPy's summaries and "1, ..., 10" read as [1, 2, 3]
    assert_one_error_line(run_cli("transpose", spec), "'...' is not a number")


@pytest.mark.parametrize("spec,message", [
    ("[1 2 3]'", "[1 2 3]': Octave's transpose (') is not read: a literal holds numbers, and the operations are "
                 "commands (mlcalc transpose, scale, add, matmul …)"),
    ("[1 2]*2", "[1 2]*2: '*2' after the ']' is not read"),
    ("[1 2]'+1", "[1 2]'+1: Octave's transpose (') is not read"),
    ("[1 - 2]", "[1 - 2]: row 1, column 2: a lone '-' (a sign apart from its number? write -2: a literal holds "
                "numbers, not expressions)"),
    ("eye(3)", "eye(3): no such file, and Octave's functions are not literals: mlcalc gen"),
    # gen makes no range: it pointed there
    ("1:5", '1:5: no such file, and Octave\'s ranges are not literals: write the values, e.g. "1 2 3 4 5" for 1:5'),
])
def test_octave_expressions_say_what_to_run_instead(spec, message):
    assert_one_error_line(run_cli("transpose", spec), message)


@pytest.mark.parametrize("args", [("1 4; 2 5; 3 6", "1;2;3"), ("1 2; 2 4", "1;2")])
@pytest.mark.parametrize("exact", [[], ["--exact"]])
def test_solve_refusals_point_at_least_squares(args, exact):
    assert_one_error_line(run_cli("solve", *args, *exact),
                          "(for least squares, as Octave's A\\b: mlcalc pinv A, then matmul by b)")


def test_an_empty_json_list_in_a_file_is_no_literal(tmp_path):
    # "[]" in a file or on standard input said "the literal is empty"
    (tmp_path / "e.json").write_text("[]\n")
    assert_one_error_line(run_cli("transpose", str(tmp_path / "e.json")), "e.json: an empty list: no values")
    assert_one_error_line(run_cli("transpose", "-", stdin="[[]]"), "standard input: row 1 of the matrix is empty")
    assert_one_error_line(run_cli("transpose", "[]"), "[]: the literal is empty")


@pytest.mark.parametrize("text, where", [
    ("[1, 2 3]", "line 1, column 7: not valid JSON (expecting ',' delimiter)"),
    # (not a trailing comma: Python 3.13's json words that one its own way)
    ("[[1, 2],\n [3 4]]", "line 2, column 5: not valid JSON (expecting ',' delimiter)"),
    # the file's own line and column: after blank lines and blanks, a BOM, and non-finite values quoted inside
    ("\n\n  [1, 2 3]", "line 3, column 9: not valid JSON"),
    ("\ufeff[1,\n 2 3]", "line 2, column 4: not valid JSON"),
    ('[nan, "inf", NaN, 2 3]', "line 1, column 21: not valid JSON"),
    # Octave's rows on one line, and CSV, are not JSON either (the small-command path read the CSV as a table)
    ("[1 2; 3 4]", "line 1, column 4: not valid JSON"),
    ("1 2; 3 4", "line 1, column 3: not valid JSON (extra data)"),
    ("a,b\n1,2\n", "line 1, column 1: not valid JSON (expecting value)"),
    ("[s],[m]\n1,2\n", "line 1, column 2: not valid JSON (expecting value)"),  # CSV in any other file
])
def test_a_json_file_holds_json(tmp_path, text, where):
    # '[1, 2 3]' in m.json was read as Octave's row [1 2 3], as a typed literal is
    (tmp_path / "m.json").write_text(text)
    for command in (("transpose",), ("matmul", "1")):
        assert_one_error_line(run_cli(*command, str(tmp_path / "m.json")), f"m.json {where}")
    # another file's text, and standard input, may be Octave's
    (tmp_path / "m.txt").write_text("[1, 2 3]")
    assert json.loads(run_cli("transpose", str(tmp_path / "m.txt"), "-f", "json").stdout) == [[1], [2], [3]]
    assert json.loads(run_cli("transpose", "-", "-f", "json", stdin="[1, 2 3]").stdout) == [[1], [2], [3]]


def test_a_json_file_keeps_its_non_finite_values_and_fractions(tmp_path):
    (tmp_path / "m.JSON").write_text('[1, nan, "-inf", NaN, Infinity]')
    r = run_cli("transpose", str(tmp_path / "m.JSON"), "-f", "json")
    assert r.code == 0 and json.loads(r.stdout) == [[1], ["nan"], ["-inf"], ["nan"], ["inf"]], r.stderr
    (tmp_path / "f.json").write_text('[[1, "1/3"], [2, "2/3"]]')
    assert run_cli("--exact", "rank", str(tmp_path / "f.json")).stdout.strip() == "1"
    # a number, as -f json writes det's
    (tmp_path / "d.json").write_text("\n -2\n")
    assert run_cli("scale", str(tmp_path / "d.json"), "--by", "2").stdout.strip() == "-4"
