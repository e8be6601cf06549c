"""The small-file CSV parser: delimiter detection and its error messages."""

from __future__ import annotations

import re

import pytest

from mlcalc.errors import InputError
from mlcalc.io.csvparse import detect_delimiter, parse_text


def assert_refused(tmp_path, text: str, where: str) -> str:
    """Reading text from a.csv fails with an error that names the file, then says `where`; its message."""
    from mlcalc.io import read
    path = tmp_path / "a.csv"
    path.write_bytes(text.encode())
    with pytest.raises(InputError, match=f"^{re.escape(str(path))} {re.escape(where)}") as refused:
        read.read_operand(str(path))
    return str(refused.value)


@pytest.mark.parametrize("lines,expected", [
    (["1,2", "3,4"], ","),
    (["1\t2", "3\t4"], "\t"),
    (["1;2", "3;4"], ";"),
    (["1 2", "3 4"], None),
    (["1,2", "3"], ","),          # ragged: the first line's delimiter, not whitespace
    (["1\t2", "3"], "\t"),
    (["1;2", "3"], ";"),
    (["1\t2,5", "3"], "\t"),      # tab before comma on a ragged first line
    (["1,2;5", "3"], ","),        # comma before semicolon
    (["1 2", "3,4", "5,6"], ","),  # nothing on the first line: the delimiter on most lines
    (["x y", "1\t2", "3\t4"], None),  # tabs and spaces aligning the same two columns: whitespace
    (["0\t 0", "1 2"], None),
    (["a b\tc", "1\t2"], "\t"),      # a tab on every line stays the delimiter (a name with a space)
    (["1, 2", "3, 4", "5 6"], ","),     # a comma somewhere: never whitespace
])
def test_detect_delimiter(lines, expected):
    assert detect_delimiter(lines) == expected


@pytest.mark.parametrize("parallel", [False, True])
def test_columns_aligned_with_tabs_and_spaces_read_as_whitespace_delimited(tmp_path, monkeypatch, parallel):
    from mlcalc.io import csvfast, read
    if parallel:
        monkeypatch.setattr(csvfast, "THRESHOLD", 0)
        monkeypatch.setattr(csvfast, "WARM_THRESHOLD", 0)
    path = tmp_path / "m.txt"
    path.write_text("col_a col_b\n0\t 1\n\n2\t 3\n")
    op = read.read_operand(str(path))
    assert op.values.tolist() == [[0, 1], [2, 3]] and op.names == ["col_a", "col_b"]


def test_ragged_comma_rows_are_a_ragged_row_error_not_a_header():
    with pytest.raises(InputError, match=r"^a\.csv line 2: 1 value, expected 2 as on line 1 \(ragged rows\)$"):
        parse_text("1,2\n3\n", "a.csv")


def test_ragged_semicolon_rows_name_the_bad_line():
    with pytest.raises(InputError, match=r"^a\.csv line 3: 3 values, expected 2 as on line 1"):
        parse_text("1;2\n3;4\n5;6;7\n", "a.csv")


def test_text_cell_names_file_line_and_column():
    with pytest.raises(InputError, match=r"^a\.csv line 4, column 2: 'x' is not a number$"):
        parse_text("a,b\n1,2\n# note\n3,x\n", "a.csv")


def test_empty_cell_is_an_error():
    with pytest.raises(InputError, match=r"^a\.csv line 2, column 1: an empty cell$"):
        parse_text("1,2\n,4\n", "a.csv")


@pytest.mark.parametrize("text,line", [("1,2 # note\n3,4\n", 1), ("1 2\n3 4 # note\n", 2)])
def test_a_comment_after_the_data_is_an_error_on_any_line(text, line):
    # on the first line it made the row a header, and the data row was silently lost
    with pytest.raises(InputError, match=f"a.csv line {line}: a comment after the data \\('# note'\\)"):
        parse_text(text, "a.csv")


def test_header_is_still_detected():
    t = parse_text("x,y\n1,2\n", "a.csv")
    assert t.names == ["x", "y"] and t.rows == [[1.0, 2.0]]
    t = parse_text(",a,b\n0,1,2\n", "a.csv")  # pandas' to_csv with its index: the first name is empty
    assert t.names == ["", "a", "b"] and t.rows == [[0.0, 1.0, 2.0]]


@pytest.mark.parametrize("text,where", [
    ("1,NA\n2,4\n", "column 2: 'NA' is not a number (a missing value: every cell needs one)"),
    ("NA\n1\n2\n", "column 1: 'NA' is not a number (a missing value: every cell needs one)"),
    ("-,?\n1,2\n", "column 1: '-' is not a number (a missing value: every cell needs one)"),
    ("x,,1\n1,2,3\n", "column 2: an empty cell"),
    ("1,<NA>,3\n1,2,3\n", "column 2: '<NA>' is not a number (a missing value: every cell needs one)"),
])
def test_a_first_row_of_numbers_with_a_missing_value_is_an_error_not_a_header(text, where):
    # it was taken as a header, and the data row with a typo or an NA was silently dropped (exit 0)
    with pytest.raises(InputError, match=f"^a\\.csv line 1, {re.escape(where)}$"):
        parse_text(text, "a.csv")


@pytest.mark.parametrize("text,names", [("country,2019,2020\n1,2,3\n", ["country", "2019", "2020"]),
                                        ("size,1/2,y\n1,3,5\n", ["size", "1/2", "y"]),
                                        ("_id,2\n1,3\n", ["_id", "2"]), ("höhe,1\n1,3\n", ["höhe", "1"]),
                                        ("region,2019,% change\n1,2,3\n", ["region", "2019", "% change"]),
                                        ("id,2021 (est.)\n1,2\n", ["id", "2021 (est.)"]),
                                        ("Na\n1.2\n", ["Na"]), ("q,0.25,0.5\n1,2,3\n", ["q", "0.25", "0.5"])])
def test_numbers_beside_names_are_a_header(text, names):
    assert parse_text(text, "a.csv").names == names


@pytest.mark.parametrize("text,names", [("house price\n1\n2\n", ["house price"]),
                                        ('"house price"\n1\n2\n', ["house price"]),
                                        ("price in  USD\n1\n", ["price in  USD"]),
                                        ("house price\n1 2\n", ["house", "price"])])
def test_a_header_with_blanks_over_one_column_is_one_name(text, names):
    # split at its blank, "house price" named two columns and every row of one value was ragged
    t = parse_text(text, "a.csv")
    assert t.names == names and t.ncols == len(names)


def test_a_two_name_header_over_mixed_rows_stays_two_names():
    # only rows of one value throughout make the header one name: here line 2 is the short row
    with pytest.raises(InputError, match=r"^a\.csv line 2: 1 value, expected 2 as on line 1 \(ragged rows\)$"):
        parse_text("x y\n1\n2 3\n", "a.csv")


@pytest.mark.parametrize("text,where", [
    ("x,y\n1,2\n#N/A,3\n4,5\n", "line 3, column 1: '#N/A' is not a number (a missing value: every cell needs one)"),
    ("x y\n1 2\n#DIV/0! 3\n", "line 3, column 1: '#DIV/0!' is not a number (a missing value: every cell needs one)"),
    ("#N/A,3\n4,5\n", "line 1, column 1: '#N/A' is not a number (a missing value: every cell needs one)"),
    ("#VALUE!,3\n4,5\n", "line 1, column 1: '#VALUE!' is not a number (a missing value: every cell needs one)"),
    ("1,#N/A\n4,5\n", "line 1, column 2: '#N/A' is not a number (a missing value: every cell needs one)"),
    ("x,y\n1,#NAME?\n", "line 2, column 2: '#NAME?' is not a number (a missing value: every cell needs one)"),
])
def test_a_spreadsheet_error_cell_is_a_bad_cell_not_a_comment(text, where):
    # a row starting with Excel's #N/A was skipped as a comment line: the row silently lost (exit 0); on
    # the first line "#VALUE!" was a column name, and "1,#N/A" a comment after the data
    with pytest.raises(InputError, match=f"^a\\.csv {re.escape(where)}$"):
        parse_text(text, "a.csv")


@pytest.mark.parametrize("text,where", [("x,y\n1,NA\n", "line 2, column 2: 'NA' is not a number (a missing value"),
                                        ("x,y\n1,2\n?,3\n", "line 3, column 1: '?' is not a number (a missing value"),
                                        ("x,y\n1,\"NA\"\n", "line 2, column 2: '\"NA\"' is not a number (a missing value"),
                                        ("x,y\n1,NAN2\n", "line 2, column 2: 'NAN2' is not a number$")])
def test_a_missing_value_after_the_first_line_is_named_as_one(text, where):
    # the first line's error said "(a missing value: every cell needs one)" and a later line's did not
    with pytest.raises(InputError, match=f"^a\\.csv {re.escape(where).replace(re.escape('$'), '$')}"):
        parse_text(text, "a.csv")


def test_full_width_punctuation_in_a_file_is_named():
    # "1，2" typed with a Chinese input method: the first row reads as a header, and line 2's error said
    # only "'3，4' is not a number", the comma looking like a comma
    with pytest.raises(InputError, match="^a\\.csv line 2, column 1: '3，4' is not a number \\(it holds a "
                                         "full-width '，': write ','\\)$"):
        parse_text("1，2\n3，4\n", "a.csv")
    with pytest.raises(InputError, match="'1．5' is not a number \\(it holds a full-width '．': write '.'\\)$"):
        parse_text("x,y\n1．5,2\n", "a.csv")


def test_comments_that_look_like_spreadsheet_errors_are_still_comments():
    t = parse_text("x,y\n#Note: metres\n#NA values removed\n# N/A\n1,2\n", "a.csv")
    assert t.rows == [[1.0, 2.0]] and t.lines_of_rows == [5]


def test_the_line_of_a_data_row_is_found_a_line_at_a_time(tmp_path):
    # the parallel reader keeps no line numbers: an error message finds its row's line by reading the file
    # again, one line at a time (the whole text and its list of lines took 3.4 times the file's size)
    from mlcalc.io.csvparse import line_of_data_row
    text = "\ufeff# c\r\nx,y\r\n\r\n1,2\r\n  # c2\n3,4\r5,6\n"
    p = tmp_path / "a.csv"
    p.write_bytes(text.encode())
    rows = parse_text(text.removeprefix("\ufeff"), "a.csv").lines_of_rows
    assert rows == [4, 6, 7]
    for r, line in enumerate(rows):
        with open(p, encoding="utf-8-sig", newline="") as f:
            assert line_of_data_row(f, r, True) == line
    assert line_of_data_row(["1,2\n", "3,4\n"], 1, False) == 2 and line_of_data_row(["1,2\n"], 1, False) is None
    assert line_of_data_row(["1,2\n", "# a\x0cb\n", "3,4\n"], 1, False) is None  # splitlines splits at \x0c


@pytest.mark.parametrize("text,where", [
    # ';' between cells and commas in numbers, as a spreadsheet in a German or French locale exports: split at
    # the commas, the first row ("1", "5;2", "5") was a header and the error named line 2's '5;4' as plain text
    ("1,5;2,5\n3,5;4,5\n", "line 1, column 2: '5;2' is not a number (decimal commas? mlcalc reads '.' as the "
                           "decimal point, as NumPy does)"),
    ("1,5 2,5\n3,5 4,5\n", "line 1, column 2: '5 2' is not a number (decimal commas?"),
    ("x;y\n1,5;2\n3;4\n", "line 2, column 1: '1,5' is not a number (a decimal comma? mlcalc reads '.' as the "
                          "decimal point, as NumPy does: write '1.5')"),
    ("x;y\n1;2\n3;-4,25\n", "line 3, column 2: '-4,25' is not a number (a decimal comma? mlcalc reads '.' as "
                            "the decimal point, as NumPy does: write '-4.25')"),
    # a number formatted with thousands separators, quoted where ',' is the delimiter: the row was "ragged"
    # without saying why, and on the first line the row was a header (the row silently lost, exit 0)
    ('x,y\n"1,234.5",2\n', "line 2, column 1: '\"1,234.5\"' is not a number (a thousands separator? write '1234.5')"),
    ('"1,234.5","2"\n3,4\n', "line 1, column 1: '1,234.5' is not a number (a thousands separator? write '1234.5')"),
    ('x,y\n"1,5","2,5"\n', "line 2, column 1: '\"1,5\"' is not a number (a decimal comma?"),
    ("x,y\n1 000,2\n", "line 2, column 1: '1 000' is not a number (a space between thousands? write '1000')"),
    ("1.234,5;2\n3;4\n", "line 1, column 1: '1.234,5' is not a number (a decimal comma after thousands points? "
                          "mlcalc reads '.' as the decimal point, as NumPy does: write '1234.5')"),
    ("x\ty\n1,234\t2\n", "line 2, column 1: '1,234' is not a number (a thousands separator or a decimal comma? "
                          "mlcalc reads '.' as the decimal point, as NumPy does, without separators: write '1234' "
                          "or '1.234')"),
])
def test_decimal_commas_are_named(tmp_path, csv_reader, text, where):
    assert_refused(tmp_path, text, where)


@pytest.mark.parametrize("text,where", [
    # numbers in a notation mlcalc does not read say which
    ("x,y\n1e,2\n", "line 2, column 1: '1e' is not a number (its exponent has no digits)"),
    ("x,y\n2,1.5E-\n", "line 2, column 2: '1.5E-' is not a number (its exponent has no digits)"),
    ("x,y\n1_000,2\n", "line 2, column 1: '1_000' is not a number (digits grouped by '_': write '1000')"),
    ("x,y\n0x10,2\n", "line 2, column 1: '0x10' is not a number (hexadecimal: write '16')"),
    ("x,y\n3,-0X1f\n", "line 2, column 2: '-0X1f' is not a number (hexadecimal: write '-31')"),
    # long ones keep the message short (a hexadecimal's decimal digits passed Python's limit on int to str)
    ("x,y\n3,0x" + "f" * 4000 + "\n", "line 2, column 2: '0xffffffffffffffffffffffffffffffffffffff'… (4002 "
                                      "characters) is not a number (hexadecimal)"),
    ("x,y\n3,1_" + "0" * 3000 + "\n", "line 2, column 2: '1_00000000000000000000000000000000000000'… (3002 "
                                      "characters) is not a number (digits grouped by '_')"),
])
def test_numbers_in_other_notations_are_named(tmp_path, csv_reader, text, where):
    assert_refused(tmp_path, text, where)


@pytest.mark.parametrize("text,names", [("x,y\n1,5\n", ["x", "y"]), ("a;b c\n1;2\n", ["a", "b c"]),
                                        ("x,1;2\n3,4\n", ["x", "1;2"]), ("x,1e\n3,4\n", ["x", "1e"]),
                                        ("0x1,id\n3,4\n", ["0x1", "id"]),
                                        # names in those notations stay names on a first row (CLI.md)
                                        ("2019_01,2019_02\n1,2\n", ["2019_01", "2019_02"]),
                                        ("0x00,0x04\n1,2\n", ["0x00", "0x04"]), ("1E,2E\n1,2\n", ["1E", "2E"])])
def test_headers_beside_decimal_comma_rules_stay_headers(text, names):
    # only a first row whose every cell is a number or a decimal-comma fragment is data
    assert parse_text(text, "a.csv").names == names


@pytest.mark.parametrize("text,where", [
    # every line ending with the delimiter, as some exporters write rows: "an empty cell" did not say where from
    ("1,2,\n3,4,\n", "line 1, column 3: an empty cell (the line ends with ',': a missing last value, or a delimiter too many?)"),
    ("x;y;\r\n1;2;\r\n", "line 2, column 3: an empty cell (the line ends with ';': a missing last value, or a delimiter too many?)"),
    ("x,y,z\n1,,2\n", "line 2, column 2: an empty cell"),
    ("x,y\n1,\n", "line 2, column 2: an empty cell (the line ends with ','"),
])
def test_an_empty_last_cell_after_a_trailing_delimiter_says_so(tmp_path, csv_reader, text, where):
    message = assert_refused(tmp_path, text, where)
    assert message.endswith("an empty cell") or not where.endswith("an empty cell")


@pytest.mark.parametrize("text,names,rows", [
    # pandas' to_csv(sep="\t") with its index: the header's leading tab is an empty first name (it was stripped,
    # and every row was "ragged")
    ("\tx1\ty\n0\t1\t3\n1\t2\t5\n", ["", "x1", "y"], [[0, 1, 3], [1, 2, 5]]),
    ("\tB\tC\r\nr1\t1\t2\r\n", None, None),  # Excel's empty corner over text row names: the names' cell is named
    # R's write.table (and pandas' to_string): one name fewer than every row has values, the first column row
    # names, as pandas' read_csv takes them
    ('"x1" "y"\n"1" 1 3.1\n"2" 2 5.2\n', ["", "x1", "y"], [[1, 1, 3.1], [2, 2, 5.2]]),
    ("x,y\n1,2,3\n4,5,6\n", ["", "x", "y"], [[1, 2, 3], [4, 5, 6]]),
])
def test_a_header_with_an_unnamed_first_column_reads(tmp_path, csv_reader, text, names, rows):
    from mlcalc.io import read
    path = tmp_path / "a.txt"
    path.write_bytes(text.encode())
    if names is None:
        with pytest.raises(InputError, match="line 2, column 1: 'r1' is not a number"):
            read.read_operand(str(path))
        return
    op = read.read_operand(str(path))
    assert op.names == names and op.values.tolist() == rows


def test_rows_with_one_value_more_than_the_header_only_when_all_have_it():
    with pytest.raises(InputError, match="line 2: 3 values, expected 2 as on line 1 \\(ragged rows\\)"):
        parse_text("x,y\n1,2,3\n4,5\n", "a.csv")
    assert parse_text("x\ty\n1\t2\n", "a.csv").names == ["x", "y"]


@pytest.mark.parametrize("text,names,rows", [
    # R's write.csv quotes its names and never its numbers: numbers as names ("2019") were a row of data
    ('"2019","2020"\n1.5,2.5\n3.5,4.5\n', ["2019", "2020"], [[1.5, 2.5], [3.5, 4.5]]),
    ('"2019","2020"\n"1.5","2.5"\n', None, [[2019, 2020], [1.5, 2.5]]),  # every cell quoted: data
    ('2019,2020\n1.5,2.5\n', None, [[2019, 2020], [1.5, 2.5]]),
    ('"1" "2"\n3 4\n', ["1", "2"], [[3, 4]]),
])
def test_quoted_numbers_over_unquoted_ones_are_a_header(text, names, rows):
    t = parse_text(text, "a.csv")
    assert t.names == names and t.rows == rows


@pytest.mark.parametrize("text,names,rows", [
    # Octave's and MATLAB's comment lines: "% data" was a header of two names, and every row "ragged"
    ("% data\n1 2\n3 4\n", None, [[1, 2], [3, 4]]),
    ("% Created by Octave\n% name: A\n 1 2\n 3 4\n", None, [[1, 2], [3, 4]]),
    ("x y\n1 2\n% between\n3 4\n", ["x", "y"], [[1, 2], [3, 4]]),
    # Excel's first line naming the delimiter: "line 2: 3 values, expected 2 as on line 1"
    ("sep=,\nx,y\n1,2\n", ["x", "y"], [[1, 2]]),
    ("sep=;\r\n1;2\r\n3;4\r\n", None, [[1, 2], [3, 4]]),
])
def test_octave_comments_and_excels_sep_line_are_skipped(tmp_path, csv_reader, text, names, rows):
    from mlcalc.io import read
    path = tmp_path / "a.txt"
    path.write_bytes(text.encode())
    op = read.read_operand(str(path))
    assert op.names == names and op.values.tolist() == rows


def test_a_percentage_is_no_comment():
    with pytest.raises(InputError, match="line 2, column 2: '12%' is not a number"):
        parse_text("x,y\n1,12%\n", "a.csv")


@pytest.mark.parametrize("text,line", [("x,y,z\n1,2,3\n,,\n,,\n", 3), ("x;y\n1;2\n;\r\n", 3), (",\n1,2\n", 1)])
def test_a_row_of_delimiters_alone_says_so(tmp_path, csv_reader, text, line):
    # a spreadsheet's empty rows (",,"): "column 1: an empty cell" did not say the whole row was empty
    from mlcalc.io import read
    path = tmp_path / "a.csv"
    path.write_bytes(text.encode())
    with pytest.raises(InputError, match=f"a.csv line {line}: only delimiters, no values \\(a spreadsheet writes its "
                                         "empty rows so\\): delete the line$"):
        read.read_operand(str(path))


def test_booleans_as_pandas_r_and_julia_write_them_read_as_1_and_0(tmp_path, csv_reader):
    # CLI.md: "Integers and booleans are read as floats"; pandas' bool column (True/False) was "not a number"
    from mlcalc.io import read
    path = tmp_path / "a.csv"
    path.write_text("x,flag,y\n1,True,2\n2,FALSE,3\n3,true,4\n")
    op = read.read_operand(str(path))
    assert op.names == ["x", "flag", "y"] and op.values.tolist() == [[1, 1, 2], [2, 0, 3], [3, 1, 4]]
    # a first row of booleans is a header: pandas' get_dummies names its columns False and True
    assert parse_text("False,True\n1,0\n0,1\n", "a.csv").names == ["False", "True"]
    assert parse_text(",False,True\n0,1,0\n1,0,1\n", "a.csv").names == ["", "False", "True"]
    # since pandas 2 its get_dummies writes True/False under the names False,True: still a header
    assert parse_text("False,True\nTrue,False\nFalse,True\n", "a.csv").names == ["False", "True"]
    assert parse_text("x,f\n1,True\n", "a.csv", exact=True).rows[0][1] == 1
    with pytest.raises(InputError, match="'truex' is not a number"):
        parse_text("x,y\n1,truex\n", "a.csv")


@pytest.mark.parametrize("text,rows", [
    # a first row of booleans over booleans is data: it was a header, and a row was silently lost
    ("true\nfalse\n", [[1], [0]]),
    ("True,1\nFALSE,2\nfalse,3\n", [[1, 1], [0, 2], [0, 3]]),
    ("true\n", [[1]]),  # one line: "a header row but no data rows"
])
def test_a_first_row_of_booleans_over_booleans_is_data(tmp_path, csv_reader, text, rows):
    from mlcalc.io import read
    path = tmp_path / "a.csv"
    path.write_text(text)
    op = read.read_operand(str(path))
    assert op.names is None and op.values.tolist() == rows


@pytest.mark.parametrize("spec,values", [("1 true", [1, 1]), ("True False", [1, 0]), ("true; false", [[1], [0]]),
                                         ("TRUE", [1])])
def test_booleans_in_a_literal_as_in_a_file(spec, values):
    from mlcalc.io import read
    assert read.read_operand(spec).values.tolist() == values


@pytest.mark.parametrize("text,names,rows", [
    # an indented header (a tab before it, none before the rows) stays two names, with --delimiter or not
    ("\tx\ty\n1\t2\n3\t4\n", ["x", "y"], [[1, 2], [3, 4]]),
    # a header whose first name starts with '%' is no Octave comment
    ("%fat,protein,price\n10,2,3\n12,3,4.1\n", ["%fat", "protein", "price"], [[10, 2, 3], [12, 3, 4.1]]),
    # Excel's "sep=" with a tab, which stripping leaves as "sep="
    ("sep=\t\n1\t2\n3\t4\n", None, [[1, 2], [3, 4]]),
])
def test_rules_of_first_lines_that_must_not_misfire(tmp_path, csv_reader, text, names, rows):
    from mlcalc.io import read
    path = tmp_path / "a.txt"
    path.write_bytes(text.encode())
    for delimiter in (None, "\t") if text.startswith("\t") else (None,):
        op = read.read_operand(str(path), read.ReadOptions(delimiter=delimiter))
        assert op.names == names and op.values.tolist() == rows


def test_a_first_row_with_spaced_thousands_is_data():
    # "1 234.5" on line 1 made a header (the row lost); on line 2 it was named
    with pytest.raises(InputError, match="line 1, column 1: '1 234.5' is not a number \\(a space between thousands"):
        parse_text("1 234.5,2\n3,4\n5,6\n", "s.csv")


@pytest.mark.parametrize("text", [",0,1,2\n0,1.5,2.5,3.5\n1,4.5,5.5,6.5\n", "\t0\t1\n0\t1.5\t2.5\n1\t4\t5\n"])
def test_pandas_index_and_numbered_columns_header_says_what_it_is(tmp_path, csv_reader, text):
    # pd.DataFrame(array).to_csv(f): "line 1, column 1: an empty cell" did not say why
    from mlcalc.io import read
    path = tmp_path / "a.csv"
    path.write_text(text)
    with pytest.raises(InputError, match="line 1, column 1: an empty cell \\(pandas' header of its index and columns "
                                         "numbered 0, 1, …\\? write it with index=False and header=False"):
        read.read_operand(str(path))
