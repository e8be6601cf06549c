"""Round trips through every text and binary format are exact, bit for bit."""

from __future__ import annotations

import json

import numpy as np

from conftest import assert_one_error_line, run_cli, run_process


def test_npy_csv_npy_pipeline_is_bit_exact(tmp_path):
    gen = run_process("gen", "randn", "50x40", "--seed", "1", "-f", "npy")
    assert gen.code == 0
    t1 = run_process("transpose", "-", "-f", "csv", stdin=gen.stdout_bytes)
    assert t1.code == 0
    out = tmp_path / "x.npy"
    t2 = run_process("transpose", "-", "-o", str(out), stdin=t1.stdout_bytes)
    assert t2.code == 0, t2.stderr
    expected = np.random.default_rng(1).standard_normal((50, 40))
    got = np.load(out)
    assert got.dtype == np.float64 and got.shape == (50, 40)
    assert np.array_equal(got.view(np.uint64), expected.view(np.uint64))


def test_csv_json_csv_is_bit_exact():
    a = np.random.default_rng(7).standard_normal((6, 5)) * 10.0 ** np.arange(-150, 150, 10)[:5]
    a[0, 0], a[1, 1], a[2, 2] = -0.0, 5e-324, 1.7976931348623157e308
    csv_text = "\n".join(",".join(repr(float(x)) for x in row) for row in a) + "\n"
    as_json = run_cli("transpose", "-", "-f", "json", stdin=csv_text)
    assert as_json.code == 0, as_json.stderr
    back = run_cli("transpose", "-", "-f", "csv", stdin=as_json.stdout)
    assert back.code == 0, back.stderr
    got = np.array([[float(x) for x in line.split(",")] for line in back.stdout.splitlines()])
    assert np.array_equal(got.view(np.uint64), a.view(np.uint64))


def test_negative_zero_survives_json_readers():
    # "-0" is the integer 0 to Python's json (and JavaScript): the sign was lost outside mlcalc and jq
    for extra in ([], ["--precision", "3"], ["--dtype", "float32"]):
        r = run_cli("scale", "[[-0.0, 1], [2.5, -0.0]]", "--by", "1", "-f", "json", *extra)
        got = np.array(json.loads(r.stdout))
        assert r.stdout.strip() == "[[-0.0, 1], [2.5, -0.0]]" and np.signbit(got).tolist() == [[True, False], [False, True]]
    assert run_cli("scale", "-0.0", "--by", "1", "-f", "json").stdout.strip() == "[-0.0]"
    assert run_cli("scale", "-0.0", "--by", "1", "-f", "csv").stdout.strip() == "-0"


def test_nan_and_inf_survive_json():
    r = run_cli("add", "[[1, nan], [-inf, inf]]", "0", "-f", "json")
    assert r.stdout.strip() == '[[1, "nan"], ["-inf", "inf"]]'
    back = run_cli("add", "-", "0", "-f", "csv", stdin=r.stdout)
    assert back.stdout.split() == ["1,nan", "-inf,inf"]


def test_float32_round_trips_through_csv():
    a = np.random.default_rng(3).standard_normal((4, 3)).astype(np.float32)
    text = "\n".join(",".join(str(x) for x in row) for row in a) + "\n"
    r = run_cli("transpose", "-", "--dtype", "float32", "-f", "npy", stdin=text)
    import io
    got = np.load(io.BytesIO(r.stdout_bytes))
    assert got.dtype == np.float32 and np.array_equal(got, a.T)


def test_npz_output_holds_the_result(tmp_path):
    out = tmp_path / "r.npz"
    assert run_cli("matmul", "1 2; 3 4", "5 6; 7 8", "-o", str(out)).code == 0
    with np.load(out) as z:
        assert z["result"].tolist() == [[19, 22], [43, 50]]


def test_npy_of_a_single_named_result_and_of_fractions(tmp_path):
    # eig without --vectors has one result: it goes into an NPY as it is
    assert run_cli("eig", "2 0; 0 3", "-o", str(tmp_path / "v.npy")).code == 0
    assert np.load(tmp_path / "v.npy").tolist() == [2, 3]
    # exact fractions would be a string array mlcalc itself cannot read back: refused, nothing written
    assert_one_error_line(run_cli("inv", "1 2; 3 4", "--exact", "-o", str(tmp_path / "x.npy")), "fractions")
    assert not (tmp_path / "x.npy").exists()


def test_float32_single_values_print_as_float32(tmp_path):
    for args in (("dot", "[0.1,0.2]", "[0.3,0.4]"), ("loss", "0.1 0.2", "0.3 0.2", "--fn", "mse")):
        for fmt in ("json", "csv"):
            out = run_cli(*args, "--dtype", "float32", "-f", fmt).stdout.strip()
            assert out == str(np.float32(float(out))), (args, out)  # float32's digits: 0.11000001
    # a large whole number too (it printed float64's 1.4142135130433894e+30)
    assert run_cli("scale", "1.4142135e30", "--by", "1", "--dtype", "float32", "-f", "csv").stdout == "1.4142135e+30\n"
    assert run_cli("dot", "[0.1,0.2]", "[0.3,0.4]", "--dtype", "float32", "-o", str(tmp_path / "d.npy")).code == 0
    assert np.load(tmp_path / "d.npy").dtype == np.float32
    # complex64 parts too (they printed float64's 2.4494898319244385)
    assert run_cli("eig", "-1 -2; 3 -1", "--dtype", "float32", "-f", "csv").stdout == "-1-2.4494898j\n-1+2.4494898j\n"
    values = json.loads(run_cli("eig", "-1 -2; 3 -1", "--dtype", "float32", "-f", "json").stdout)
    assert values["values"][0] == {"re": -1, "im": -2.4494898}


def test_a_small_product_is_the_same_bits_in_every_format(tmp_path):
    # the pure-Python path sums correctly rounded (2.26); NPY output took NumPy's BLAS (2.2600000000000002)
    args = ("matmul", "0.1 0.2 1.1; 0 0 0", "0.3; 0.7; 1.9")
    text = json.loads(run_cli(*args, "-f", "json").stdout)
    assert run_cli(*args, "-o", str(tmp_path / "p.npy")).code == 0
    assert np.load(tmp_path / "p.npy").tolist() == text == [[2.26], [0]]
    assert run_cli(*args, "-f", "csv").stdout == "2.26\n0\n"
