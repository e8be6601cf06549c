"""The pure-Python path for tiny operands gives the same results as the NumPy path, and declines
everything it does not handle (so the NumPy path reports errors)."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import run_cli
from mlcalc.ops import tiny


def _lit(a: np.ndarray) -> str:
    return "; ".join(" ".join(repr(float(x)) for x in row) for row in a)


@pytest.mark.parametrize("shape", [(1, 1), (1, 5), (5, 1), (3, 4), (8, 8)])
def test_tiny_matmul_matches_numpy(shape):
    rng = np.random.default_rng(sum(shape))
    a = rng.standard_normal(shape)
    b = rng.standard_normal(shape[::-1])
    got = np.array(tiny.matmul([a.tolist(), b.tolist()]))
    np.testing.assert_allclose(got, a @ b, rtol=1e-14, atol=1e-14)


@pytest.mark.parametrize("op,ref", [("add", np.add), ("sub", np.subtract), ("hadamard", np.multiply)])
def test_tiny_elementwise_is_bit_identical(op, ref):
    rng = np.random.default_rng(1)
    a, b = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    assert np.array_equal(np.array(tiny.elementwise(op, a.tolist(), b.tolist())), ref(a, b))


@pytest.mark.parametrize("args", [
    ("matmul", "1 2; 3 4", "5 6; 7 8"),
    ("matmul", "1 2 3; 4 5 6", "1; 2; 3"),
    ("add", "1.5 2; 3 4", "5 6; 7 8"),
    ("sub", "1 2; 3 4", "0.1 0.2; 0.3 0.4"),
    ("hadamard", "1 2; 3 4", "5 6; 7 8"),
    ("transpose", "1 2 3; 4 5 6"),
    ("scale", "1 2; 3 4", "--by", "0.1"),
])
@pytest.mark.parametrize("fmt", ["csv", "json", "table"])
def test_cli_output_is_the_same_with_and_without_numpy(args, fmt):
    fast = run_cli(*args, "-f", fmt)
    reference = run_cli(*args, "-f", fmt, "--engine", "numpy")
    assert fast.code == reference.code == 0
    assert fast.stdout == reference.stdout


def test_declines_what_needs_broadcasting_and_numpy_reports_errors():
    assert tiny.elementwise("add", [[1.0, 2.0]], [[1.0], [2.0]]) is None
    assert tiny.matmul([[[1.0, 2.0]], [[1.0, 2.0]]]) is None


def test_small_matmul_does_not_import_numpy(tmp_path):
    import subprocess
    import sys
    a = tmp_path / "a.csv"
    a.write_text("1,2,3\n4,5,6\n7,8,10\n")
    code = ("import sys\nfrom mlcalc.cli.app import main\nsys.argv=['mlcalc','matmul',%r,%r,'-f','csv']\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\nprint('numpy' in sys.modules)") % (str(a), str(a))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.split()
    assert out[-1] == "False" and out[0] == "30,36,45"


@pytest.mark.parametrize("a", ["1e308 1e308; 0 0", "1e308 -1e308; 0 0", "inf -inf; 0 0", "nan 1; 0 0"])
def test_overflow_and_inf_minus_inf_give_what_numpy_gives(a):
    # math.fsum raises on both: the product goes to the NumPy path instead of an internal error
    with np.errstate(over="ignore", invalid="ignore"):
        want = np.array([[float(x) for x in r.split()] for r in a.split(";")]) @ np.array([[1.0, 0], [1, 0]])
    r = run_cli("matmul", a, "1 0; 1 0", "-f", "csv")
    assert r.code == 0, r.stderr
    np.testing.assert_array_equal(np.array([[float(x) for x in line.split(",")] for line in r.stdout.split()]), want)


def test_cancellation_is_left_to_numpy_so_every_format_agrees(tmp_path):
    # fsum gives the exact 1, NumPy's order 0: the CSV must say what -o x.npy says
    args = ("matmul", "1e16 1 -1e16; 0 0 0", "1; 1; 1")
    assert tiny.matmul([[[1e16, 1.0, -1e16], [0.0, 0.0, 0.0]], [[1.0], [1.0], [1.0]]]) is None
    run_cli(*args, "-o", str(tmp_path / "m.npy"))
    assert run_cli(*args, "-f", "csv").stdout.split() == [format(v, "g") for v in np.load(tmp_path / "m.npy").ravel()]


def test_standard_input_takes_the_tiny_path_too_and_gives_the_files_bits(tmp_path):
    # `cat a.csv | mlcalc matmul - b` went through BLAS, `mlcalc matmul a.csv b` through fsum: last bits differed
    a = "0.42986369482223,0.6960427239628685,-1.184117966757189,-0.6617025720390349\n"
    b = "-0.43643524714322124; -1.169801907772864; 1.739367877130134; -0.4959107284421519"
    (tmp_path / "a.csv").write_text(a)
    from_file = run_cli("matmul", str(tmp_path / "a.csv"), b)
    assert from_file.stdout == "-2.7333111238690018\n"
    assert run_cli("matmul", "-", b, stdin=a).stdout == from_file.stdout
    assert run_cli("matmul", b, "-", stdin="1 2 3 4\n").code == 0  # '-' second


@pytest.mark.parametrize("stdin,want", [
    (b"", "no data"),
    ("1,2\n3\n", "ragged"),
    ("x" * 20_000, "a header row but no data rows"),  # more than is read ahead: the NumPy path goes on
    (bytes(30_000), "a NUL byte at byte 1"),  # binary data named at its first byte, read ahead or not
])
def test_what_the_tiny_path_read_ahead_the_numpy_path_goes_on_from(stdin, want):
    r = run_cli("add", "-", "1", stdin=stdin)
    assert r.code == 1 and want in r.stderr, r.stderr
    big = "".join(f"{i},{i + 1}\n" for i in range(3000))  # 30 kB: read ahead in part, then on to the end
    got = run_cli("add", "-", "0", "-f", "json", stdin=big)
    assert np.array(__import__("json").loads(got.stdout)).shape == (3000, 2)
    npy = run_cli("gen", "eye", "3", "-f", "npy").stdout_bytes
    assert run_cli("add", "-", "1", "-f", "json", stdin=npy).stdout.startswith("[[2, 1, 1]")


def test_standard_input_to_the_tiny_path_does_not_import_numpy():
    import subprocess
    import sys
    code = ("import sys\nfrom mlcalc.cli.app import main\nsys.argv=['mlcalc','matmul','-','1 0; 0 1','-f','csv']\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\nprint('numpy' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], input="1,2\n3,4\n", capture_output=True, text=True).stdout
    assert out.split() == ["1,2", "3,4", "False"]


def test_a_missing_file_beside_standard_input_is_refused_before_the_pipe_ends(tmp_path):
    # the tiny path read '-' first and waited for the end of an idle pipe before looking at nosuch.csv
    import subprocess
    import sys
    p = subprocess.Popen([sys.executable, "-m", "mlcalc", "add", str(tmp_path / "nosuch.csv"), "-"],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        p.wait(timeout=30)  # stdin stays open: only a refusal that does not read it ends
    except subprocess.TimeoutExpired:
        p.kill()
        raise
    finally:
        p.stdin.close()
    assert p.returncode == 1 and b"no such file" in p.stderr.read()
    p.stdout.close()
    p.stderr.close()


def test_traced_matmul_on_standard_input_prints_the_untraced_digits():
    r = run_cli("matmul", "-", "1; 1; 1", "--trace", stdin="0.1,0.2,0.3\n")
    assert r.stdout == "0.6\n"  # BLAS's 0.6000000000000001 before: the trace read '-' first


def test_what_was_read_ahead_goes_to_no_other_standard_input():
    # a later reader of another stdin (a library caller, a test) got the previous input's bytes first
    import io
    import sys
    from mlcalc.io import read
    run_cli("matmul", "-", "1; 1", stdin="1 2\n")
    old = sys.stdin
    sys.stdin = io.TextIOWrapper(io.BytesIO(b"5 6\n7 8\n"), encoding="utf-8")
    try:
        read.StdinGuard.used = False
        assert read.read_operand("-").values.tolist() == [[5, 6], [7, 8]]
    finally:
        sys.stdin = old


@pytest.mark.parametrize("name", ["a.dat", "data", "a.json"])
def test_a_small_text_file_of_any_name_gives_the_bits_of_a_csv(tmp_path, name):
    a = "0.42986369482223,0.6960427239628685,-1.184117966757189,-0.6617025720390349\n"
    b = "-0.43643524714322124; -1.169801907772864; 1.739367877130134; -0.4959107284421519"
    (tmp_path / name).write_text(f"[[{a.strip()}]]" if name.endswith(".json") else a)  # a .json file holds JSON
    assert run_cli("matmul", str(tmp_path / name), b).stdout == "-2.7333111238690018\n"
