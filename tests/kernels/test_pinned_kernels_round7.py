"""Behaviour of the packed GEMM (kernels/cpu/gemm.py) and of the parallel CSV parser's kernels
(io/_csvkernels.py) that a mutation audit of those two files showed no test pinned: each test fails
if the rule it names is broken (NaN through the fused relu, the bias cast to the product's dtype, the
dtype of integer operands, the exponent limits of the exact number conversion, ...)."""

from __future__ import annotations

import struct

import numpy as np
import pytest

from mlcalc.io import csvfast
from mlcalc.kernels.cpu import gemm as g

# ---------------------------------------------------------------- gemm: the tile epilogue


def test_fused_relu_keeps_nan_like_the_separate_pass():
    # the epilogue's relu is `0 if v < 0 else v`, as nn.py's activation pass: a NaN in A·B + bias
    # stays NaN (written `not v > 0`, the fused relu turned it into 0 while the unfused pass kept it)
    a = np.array([[np.nan], [2.0], [-3.0]])
    got = g.gemm(a, np.ones((1, 1)), bias=np.array([0.5]), act="relu")
    assert np.isnan(got[0, 0])
    np.testing.assert_array_equal(got[1:, 0], [2.5, 0.0])
    # and a NaN bias: the same
    got = g.gemm(np.ones((1, 1)), np.ones((1, 1)), bias=np.array([np.nan]), act="relu")
    assert np.isnan(got[0, 0])


def test_leaky_relu_slope_defaults_to_0_01():
    # gemm(..., act="leaky-relu") without alpha: the slope is 0.01 (the CLI's --alpha default)
    got = g.gemm(np.array([[-2.0]]), np.array([[3.0]]), act="leaky-relu")
    assert got[0, 0] == 0.01 * -6.0


def test_bias_is_cast_to_the_products_dtype_before_it_is_added():
    # a float64 bias on a float32 product is rounded to float32 first, as the separate pass does:
    # 1 + float32(2⁻²⁴ + 2⁻⁵⁰) = 1 + 2⁻²⁴ is a tie, rounded to even: 1. Added in float64 and rounded
    # once, the sum came out 1 + 2⁻²³
    one = np.ones((1, 1), dtype=np.float32)
    bias = np.array([2.0 ** -24 + 2.0 ** -50])
    got = g.gemm(one, one, bias=bias)
    assert got.dtype == np.float32
    assert got[0, 0] == np.float32(1.0)
    assert got[0, 0] == g.gemm(one, one)[0, 0] + bias.astype(np.float32)[0]


def test_integer_operands_are_multiplied_in_float64():
    # dtypes without a kernel of their own (integers, float16) are computed in float64, not float32:
    # 2²⁴ + 1 is not a float32
    a = np.array([[2 ** 24 + 1, 1]], dtype=np.int64)
    b = np.array([[1], [0]], dtype=np.int64)
    got = g.gemm(a, b)
    assert got.dtype == np.float64
    assert got[0, 0] == 2 ** 24 + 1
    h = np.ones((2, 2), dtype=np.float16)
    assert g.gemm(h, h).dtype == np.float64


# ---------------------------------------------------------------- the CSV parser's number kernel


@pytest.fixture
def fast_csv(monkeypatch, tmp_path):
    """read(text) -> the parallel reader's array for a small file (the size thresholds set to 0)."""
    monkeypatch.setattr(csvfast, "THRESHOLD", 0)
    monkeypatch.setattr(csvfast, "WARM_THRESHOLD", 0)

    def read(text: str):
        p = tmp_path / "k.csv"
        p.write_bytes(text.encode("utf-8"))
        got, names = csvfast.read(str(p), "k.csv", None)
        assert names is None
        return got

    return read


def bits(x):
    return struct.unpack("<Q", struct.pack("<d", x))[0]


def assert_cells_read_as_float(read, cells, ncols=2):
    # the cells in rows of ncols: each value bit for bit what float() gives
    rows = [cells[i:i + ncols] for i in range(0, len(cells), ncols)]
    got = read("\n".join(",".join(r) for r in rows) + "\n")
    want = [[float(c) for c in r] for r in rows]
    assert got.shape == (len(rows), ncols)
    assert [[bits(v) for v in r] for r in got.tolist()] == [[bits(v) for v in r] for r in want], (got, want)


def test_the_smallest_decimal_exponent_still_read_exactly(fast_csv):
    # q = -342 is the table's first power of ten, not "rounds to zero": 19 nines × 10⁻³⁴² is 2 × the
    # smallest subnormal (q <= -342 as the zero case read it as 0.0)
    cells = ["9999999999999999999e-342", "-9999999999999999999e-342", "1e-342", "5e-325"]
    assert_cells_read_as_float(fast_csv, cells)
    got = fast_csv("9999999999999999999e-342,1\n2,3\n")
    assert got[0, 0] == 2 * 5e-324


def test_the_largest_decimal_exponent_is_finite(fast_csv):
    # q = 308 is the table's last power (1e308 is finite); the overflow to inf starts after it
    cells = ["1e308", "-1E+308", "1e309", "-1e309"]
    assert_cells_read_as_float(fast_csv, cells)
    assert fast_csv("1e308,2\n3,4\n")[0, 0] == 1e308


def test_a_value_just_past_the_largest_double_is_inf_not_nan(fast_csv):
    # binary exponent 2047 after rounding is infinity: 1.8e308 (not the all-ones exponent with a
    # mantissa, a NaN)
    cells = ["1.8e308", "-2e308", "17976931348623159e292", "9e307"]
    assert_cells_read_as_float(fast_csv, cells)
    got = fast_csv("1.8e308,-2e308\n1,2\n")
    assert got[0, 0] == np.inf and got[0, 1] == -np.inf


# ---------------------------------------------------------------- the CSV parser's line rules


def test_a_line_separator_inside_a_late_comment_starts_a_data_line(fast_csv):
    # str.splitlines() ends a line at U+0085 (NEL, bytes C2 85): "# note<NEL>3,4" is a comment and
    # then the row 3,4 to csvparse. Past the first 64 KiB (the part the plan checks for such line
    # ends) the kernel must hand the file to csvparse on a comment's non-ASCII byte; skipping the
    # whole comment lost the row
    rows = ["1.5,2.5"] * 9000
    text = "\n".join(rows) + "\n# note\u00853,4\n5,6\n"
    assert len(text.encode()) > 1 << 16
    got = fast_csv(text)
    assert got.shape == (9002, 2)
    np.testing.assert_array_equal(got[-2:], [[3.0, 4.0], [5.0, 6.0]])


def test_a_doubled_tab_with_the_tab_delimiter_is_an_empty_cell(monkeypatch, tmp_path):
    # with --delimiter tab a tab is a delimiter, never whitespace to skip: "3<tab><tab>4" has three
    # cells, a ragged row as csvparse says (the kernel took the second tab for blank space and read
    # the row as 3, 4)
    from mlcalc.errors import InputError

    monkeypatch.setattr(csvfast, "THRESHOLD", 0)
    monkeypatch.setattr(csvfast, "WARM_THRESHOLD", 0)
    p = tmp_path / "t.tsv"
    p.write_text("1\t2\n3\t\t4\n")
    with pytest.raises(InputError, match="ragged rows"):
        csvfast.read(str(p), "t.tsv", "\t")
    p.write_text("1\t2\n3\t 4\n")  # a blank after the tab still is
    np.testing.assert_array_equal(csvfast.read(str(p), "t.tsv", "\t")[0], [[1.0, 2.0], [3.0, 4.0]])


@pytest.mark.parametrize("cell", ["#CALC!", "#SPILL!", "#REF!", "#VALUE!", "#DIV/0!", "#N/A", "#NULL!"])
def test_a_row_starting_with_a_spreadsheet_error_is_data_not_a_comment(fast_csv, cell):
    # "#CALC!,3" is a row whose first cell is a spreadsheet error (csvparse names it), not a comment
    # to skip: the kernel hands every '#' line whose next letter is an error value's initial to
    # csvparse (with 'C' left out, #CALC! rows vanished and the file read as two rows)
    from mlcalc.errors import InputError

    with pytest.raises(InputError, match="is not a number"):
        fast_csv(f"1,2\n{cell},3\n4,5\n")


def test_an_exact_tie_four_places_after_the_point_rounds_to_even(fast_csv):
    # 562949953421312.0625 = 2⁴⁹ + 2⁻⁴ lies exactly half way between 2⁴⁹ and 2⁴⁹ + 2⁻³: ties go to the
    # even mantissa, 2⁴⁹. Its 19 digits (w = 625·(2⁵³ + 1), q = -4) take Eisel-Lemire, whose tie test
    # covers q from -4 (started at -3, the value rounded up to ...312.125)
    cells = ["562949953421312.0625", "-562949953421312.0625", "562949953421312.1875", "5629499534213120625e-4"]
    assert_cells_read_as_float(fast_csv, cells)
    assert fast_csv("562949953421312.0625,1\n2,3\n")[0, 0] == 2.0 ** 49
