"""Reader and writer rules a mutation audit showed no test pinned: NPY byte order and Fortran order on
every path (file, standard input, NPZ member), float16 widened, a 0-d NPY as a one-element vector, a
ragged nested literal refused, the sign of a complex −0 imaginary part, LaTeX escapes in prose."""

from __future__ import annotations

import io

import numpy as np
import pytest

from mlcalc.io import npyfile, read
from mlcalc.io.write import format_number
from mlcalc.trace.render import latex_text
from conftest import assert_one_error_line, run_cli

MATRIX = [[1.5, -2.0, 3.25], [4.0, 5.5, -6.75]]


def npy_bytes(a) -> bytes:
    buf = io.BytesIO()
    np.save(buf, a)
    return buf.getvalue()


def read_three_ways(tmp_path, a):
    """The values of `a` as mlcalc reads it from an NPY file, from standard input and from an NPZ member."""
    np.save(tmp_path / "a.npy", a)
    np.savez(tmp_path / "m.npz", W=a)
    out = []
    for spec, stdin in ((str(tmp_path / "a.npy"), b""), ("-", npy_bytes(a)), (str(tmp_path / "m.npz") + ":W", b"")):
        r = run_cli("scale", spec, "--by", "1", "-f", "npy", stdin=stdin)
        assert r.code == 0, (spec, r.stderr)
        out.append(np.load(io.BytesIO(r.stdout_bytes)))
    return out


@pytest.mark.parametrize("dtype", [">f8", ">f4", ">i4", "<i2"])
def test_byte_swapped_npy_reads_as_its_values_on_every_path(tmp_path, dtype):
    a = np.array([[1, -2, 3], [4, 5, -6]]).astype(dtype)
    for got in read_three_ways(tmp_path, a):
        assert got.dtype.isnative and got.tolist() == a.astype(np.float64).tolist()


@pytest.mark.parametrize("dtype", [">f8", ">f4"])
def test_the_npy_reader_returns_native_byte_order(tmp_path, dtype):
    # the numba kernels cannot take byte-swapped arrays: the reader's result is native, whatever the dtype
    a = np.array(MATRIX, dtype=dtype)
    np.save(tmp_path / "a.npy", a)
    for got in (npyfile.load_npy_file(str(tmp_path / "a.npy"), "a.npy"), npyfile.load_npy_bytes(npy_bytes(a), "-")):
        assert got.dtype.isnative and got.dtype.itemsize == a.dtype.itemsize and got.tolist() == MATRIX


def test_fortran_order_npy_reads_as_its_values_on_every_path(tmp_path):
    a = np.asfortranarray(MATRIX)
    assert npy_bytes(a)[:128].find(b"'fortran_order': True") > 0
    for got in read_three_ways(tmp_path, a):
        assert got.tolist() == MATRIX


def test_float16_is_widened_to_float32_exactly(tmp_path):
    a = np.array([1.5, 2.25, -0.0009765625, 65504.0], dtype=np.float16)
    np.save(tmp_path / "h.npy", a)
    for got in (npyfile.load_npy_file(str(tmp_path / "h.npy"), "h.npy"), npyfile.load_npy_bytes(npy_bytes(a), "-")):
        assert got.dtype == np.float32 and got.tolist() == a.astype(np.float32).tolist()


def test_a_zero_dimensional_npy_is_a_one_element_vector(tmp_path):
    np.save(tmp_path / "s.npy", np.float64(5))
    assert read.read_operand(str(tmp_path / "s.npy")).values.shape == (1,)
    assert run_cli("scale", str(tmp_path / "s.npy"), "--by", "2").stdout.strip() == "10"


@pytest.mark.parametrize("literal, why", [("[[1,2],[3]]", "row 2 has 1 value, row 1 has 2"),
                                          ("[[1],[2,3]]", "row 2 has 2 values, row 1 has 1"),
                                          ("1 2; 3", "row 2 has 1 value, row 1 has 2"),
                                          ("[[1,2],3]", "rows of a matrix literal must all have the same length")])
def test_a_ragged_literal_is_refused_naming_the_rows(literal, why):
    r = run_cli("transpose", literal)
    assert_one_error_line(r)
    assert why in r.stderr, r.stderr


def test_a_complex_negative_zero_imaginary_part_keeps_its_sign():
    assert format_number(complex(1, -0.0)) == "1-0j"
    assert format_number(complex(1, 0.0)) == "1+0j"


def test_latex_prose_escapes_the_special_characters():
    assert latex_text("a_b 50% & #1 $5") == r"a\_b 50\% \& \#1 \$5"
