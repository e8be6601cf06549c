"""The error policy: every bad input gives one `mlcalc: error:` line, exit 1, no output, no file."""

from __future__ import annotations

import io
import os
import pickle
import zipfile

import numpy as np
import pytest

from conftest import assert_one_error_line, run_cli


def write(path, text: str | bytes) -> str:
    mode = "wb" if isinstance(text, bytes) else "w"
    with open(path, mode) as f:
        f.write(text)
    return str(path)


def npy_bytes(arr, **kw) -> bytes:
    buf = io.BytesIO()
    np.save(buf, arr, **kw)
    return buf.getvalue()


def test_empty_file_is_an_error(tmp_path):
    assert_one_error_line(run_cli("transpose", write(tmp_path / "e.csv", "")), "e.csv", "no data")


def test_file_with_only_comments_is_an_error(tmp_path):
    assert_one_error_line(run_cli("transpose", write(tmp_path / "c.csv", "# nothing\n\n")), "no data")


def test_header_only_is_an_error(tmp_path):
    assert_one_error_line(run_cli("transpose", write(tmp_path / "h.csv", "x,y\n")), "header", "no data rows")


def test_ragged_rows_name_the_line(tmp_path):
    r = run_cli("transpose", write(tmp_path / "r.csv", "1,2\n3,4\n5\n"))
    assert_one_error_line(r, "r.csv line 3", "1 value, expected 2")


def test_text_cell_names_line_and_column(tmp_path):
    r = run_cli("transpose", write(tmp_path / "t.csv", "1,2\n3,4\n5,x\n"))
    assert_one_error_line(r, "t.csv line 3, column 2", "'x' is not a number")


def test_empty_cell_is_never_zero(tmp_path):
    r = run_cli("transpose", write(tmp_path / "t.csv", "1,2\n,4\n"))
    assert_one_error_line(r, "line 2, column 1", "empty cell")


def test_other_names_are_read_by_their_content(tmp_path):
    # a spreadsheet is not text: one line saying so
    (tmp_path / "m.xlsx").write_bytes(b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00\xb2\xfe")
    assert_one_error_line(run_cli("transpose", str(tmp_path / "m.xlsx")), "m.xlsx: a spreadsheet workbook or an "
                          "archive, not text or NPY: save the sheet as CSV")
    # a file without an extension, as bash's <(...) or /dev/stdin name them: NPY by its magic, else text
    assert run_cli("transpose", write(tmp_path / "data", "1,2\n3,4\n"), "-f", "csv").stdout == "1,3\n2,4\n"
    np.save(tmp_path / "w.npy", np.eye(2))
    (tmp_path / "w.npy").rename(tmp_path / "weights")
    assert run_cli("det", str(tmp_path / "weights")).stdout.strip() == "1"


def test_process_substitution_streams_a_second_operand(tmp_path):
    import shutil
    import subprocess
    import sys
    if shutil.which("bash") is None:
        pytest.skip("no bash")
    mlcalc = f"{sys.executable} -m mlcalc"
    r = subprocess.run(["bash", "-c", f"{mlcalc} matmul <({mlcalc} gen eye 2x2) <({mlcalc} gen ones 2x2 -f npy) -f csv"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and r.stdout == "1,1\n1,1\n", r.stderr


def test_missing_file_is_an_error(tmp_path):
    assert_one_error_line(run_cli("transpose", str(tmp_path / "nope.csv")), "nope.csv", "no such file")


def test_directory_is_an_error(tmp_path):
    assert_one_error_line(run_cli("transpose", str(tmp_path)), "is a directory")


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_unreadable_file_is_an_error(tmp_path):
    p = write(tmp_path / "secret.csv", "1,2\n")
    os.chmod(p, 0)
    assert_one_error_line(run_cli("transpose", p), "permission denied")


def test_unreadable_file_as_root_is_still_one_line(tmp_path, monkeypatch):
    # root can read anything, so simulate the OS refusing the open
    p = write(tmp_path / "secret.csv", "1,2\n")
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda path, mode, **kw: False if str(path) == p else real_access(path, mode, **kw))
    assert_one_error_line(run_cli("transpose", p), "secret.csv", "permission denied")


def test_pickled_npy_is_refused(tmp_path):
    p = write(tmp_path / "p.npy", npy_bytes(np.array([{"a": 1}], dtype=object), allow_pickle=True))
    assert_one_error_line(run_cli("transpose", p), "p.npy", "object")


def test_raw_pickle_with_npy_extension_is_refused(tmp_path):
    p = write(tmp_path / "evil.npy", pickle.dumps([1, 2, 3]))
    assert_one_error_line(run_cli("transpose", p), "evil.npy", "not an NPY file")


@pytest.mark.parametrize("arr,word", [
    (np.array(["a", "b"]), "string"),
    (np.zeros(2, dtype=[("x", "f8"), ("y", "i4")]), "structured"),
    (np.array(["2020-01-01"], dtype="datetime64[D]"), "datetime"),
    (np.array([1 + 2j]), "complex"),
])
def test_non_numeric_npy_is_refused(tmp_path, arr, word):
    p = write(tmp_path / "x.npy", npy_bytes(arr))
    assert_one_error_line(run_cli("transpose", p), "x.npy", word)


def test_npy_header_claiming_a_huge_shape_is_refused_before_allocating(tmp_path):
    data = bytearray(npy_bytes(np.zeros((2, 2))))
    text = data[10:10 + int.from_bytes(data[8:10], "little")].decode("latin1")
    huge = text.replace("(2, 2)", "(100000000, 100000000)").ljust(len(text))[:len(text)]
    assert len(huge) == len(text)
    data[10:10 + len(text)] = huge.encode("latin1")
    p = write(tmp_path / "huge.npy", bytes(data))
    assert_one_error_line(run_cli("transpose", p), "huge.npy", "100000000")


def test_npy_header_with_a_boolean_dimension_is_refused(tmp_path):
    data = bytearray(npy_bytes(np.zeros((1, 4))))
    text = data[10:10 + int.from_bytes(data[8:10], "little")].decode("latin1")
    bad = text.replace("(1, 4)", "(True, 4)").ljust(len(text))[:len(text)]
    data[10:10 + len(text)] = bad.encode("latin1")
    p = write(tmp_path / "b.npy", bytes(data))
    assert_one_error_line(run_cli("transpose", p), "b.npy", "bad shape")


def test_empty_delimiter_is_a_usage_error(tmp_path):
    r = run_cli("transpose", write(tmp_path / "a.csv", "1,2\n"), "--delimiter", "")
    assert r.code == 2 and "--delimiter" in r.stderr and "Traceback" not in r.stderr


def test_closed_stdout_is_one_error_line():
    import subprocess
    import sys
    r = subprocess.run([sys.executable, "-m", "mlcalc", "matmul", "1 2; 3 4", "5 6; 7 8"], stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, text=True, timeout=120, preexec_fn=lambda: os.close(1))
    assert r.returncode == 1 and r.stderr.strip() == (
        "mlcalc: error: standard output is closed: the result cannot be written (use -o FILE)")


@pytest.mark.parametrize("args", [("inv", "1 1; 1 1.0000000000000002"), ("norm", "[3,4]", "--trace"),
                                  ("train-linreg", "samples/linreg_tutorial.csv", "--standardize", "-f", "json")])
@pytest.mark.parametrize("stderr", ["closed", "full"])
def test_a_closed_or_full_stderr_does_not_fail_a_command_that_worked(args, stderr):
    # a warning, a trace or the loss curve that cannot be written is dropped: the data is what counts
    import subprocess
    import sys
    with open("/dev/full", "w") if stderr == "full" and os.path.exists("/dev/full") else open(os.devnull, "w") as full:
        r = subprocess.run([sys.executable, "-m", "mlcalc", *args], stdout=subprocess.PIPE, text=True, timeout=120,
                           stderr=full if stderr == "full" else None,
                           preexec_fn=(lambda: os.close(2)) if stderr == "closed" else None)
    assert r.returncode == 0 and r.stdout.strip()


def test_a_usage_error_with_stderr_closed_prints_nothing_on_stdout():
    import subprocess
    import sys
    r = subprocess.run([sys.executable, "-m", "mlcalc", "matmul", "--bogus"], stdout=subprocess.PIPE, text=True,
                       timeout=120, preexec_fn=lambda: os.close(2))
    assert r.returncode == 2 and r.stdout == ""  # click fell back to stdout for the usage text


def test_exact_numbers_beyond_float_range():
    # 1e400 is a fine fraction; only its float shadow (for shapes and checks) is inf
    r = run_cli("det", "1e400 0; 0 2", "--exact", "-f", "csv")
    assert r.code == 0 and r.stdout.strip() == "2" + "0" * 400


def test_truncated_npy_is_refused(tmp_path):
    p = write(tmp_path / "t.npy", npy_bytes(np.arange(100.0).reshape(10, 10))[:-8])
    assert_one_error_line(run_cli("transpose", p), "t.npy", "truncated")


def test_npz_member_that_does_not_exist(tmp_path):
    p = tmp_path / "m.npz"
    np.savez(p, W=np.eye(2))
    assert_one_error_line(run_cli("transpose", f"{p}:B"), "no array named 'B'", "W")


def test_two_stdin_operands_are_an_error():
    r = run_cli("add", "-", "-", stdin="1,2\n")
    assert_one_error_line(r, "only one operand may be '-'")


def test_shape_mismatch_names_both_shapes():
    r = run_cli("matmul", "1 2 3; 4 5 6", "1 2 3; 4 5 6")
    assert_one_error_line(r, "matmul: shapes (2, 3) and (2, 3) do not align: 3 != 2")


def test_broadcast_mismatch_names_both_shapes():
    assert_one_error_line(run_cli("add", "1 2 3; 4 5 6", "1 2; 3 4"), "(2, 3)", "(2, 2)")


def test_a_column_of_column_statistics_that_cannot_broadcast_says_it_is_a_column():
    # `mlcalc norm data.csv --axis cols | mlcalc sub data.csv -`: the row of norms came back a column
    r = run_cli("sub", "1 2 3 4; 5 6 7 8; 0 1 0 1", "-", stdin="1\n2\n3\n4\n")
    assert_one_error_line(r, "(3, 4) and (4, 1) cannot be broadcast together", "this is a column", "-f json")


def test_output_into_a_missing_folder_is_an_error(tmp_path):
    r = run_cli("transpose", "1 2; 3 4", "-o", str(tmp_path / "no" / "such" / "x.csv"))
    assert_one_error_line(r, "does not exist")


def test_output_paths_that_name_no_file_say_why(tmp_path):
    # `-o out/` said "Not a directory"; `-o a.csv/x.csv` over a file said "folder a.csv does not exist"
    assert_one_error_line(run_cli("add", "1", "1", "-o", f"{tmp_path}/out/"), "no such folder", "file's path")
    (tmp_path / "a.csv").write_text("1\n")
    assert_one_error_line(run_cli("add", "1", "1", "-o", f"{tmp_path}/a.csv/"), "a.csv is a file, not a folder")
    assert_one_error_line(run_cli("add", "1", "1", "-o", str(tmp_path / "a.csv" / "x.csv")), "is a file, not a folder")
    # only /proc/<pid>/fd/N names a descriptor: /proc/x.csv said "that file descriptor is closed"
    r = run_cli("add", "1", "1", "-o", "/proc/x.csv")
    assert r.code == 1 and "descriptor" not in r.stderr


def test_output_to_an_npz_member_is_refused_and_a_file_of_such_a_name_reads_as_a_file(tmp_path, monkeypatch):
    # `-o p.npz:W` wrote a CSV file named "p.npz:W", and later reads of p.npz:W got the old member
    np.savez(tmp_path / "p.npz", W=np.eye(2))
    monkeypatch.chdir(tmp_path)
    assert_one_error_line(run_cli("scale", "p.npz:W", "--by", "10", "-o", "p.npz:W"),
                          "not one member of an NPZ archive", "W.npy")
    assert_one_error_line(run_cli("scale", "p.npz:W", "--by", "10", "-o", "q.npz:"), "not one member")
    assert sorted(os.listdir(tmp_path)) == ["p.npz"]
    (tmp_path / "q.npz:x").write_text("1,2\n")  # made by another tool: the README's rule, a file is a file
    assert run_cli("scale", "q.npz:x", "--by", "2").stdout == "2,4\n"


def test_stacked_npy_streams_and_complex_cells_are_named(tmp_path):
    import io
    buf = io.BytesIO()
    np.save(buf, np.eye(2))
    one = buf.getvalue()
    assert_one_error_line(run_cli("add", "-", "1", stdin=one + one), "two NPY arrays one after the other")
    assert_one_error_line(run_cli("add", "-", "1", stdin=one + b"junk\n"), "extra bytes after the array")
    assert_one_error_line(run_cli("add", "-", "1", stdin=one[:-3]), "truncated or corrupt")
    (tmp_path / "two.npy").write_bytes(one + one)  # np.save twice into one file: it said "truncated"
    assert_one_error_line(run_cli("norm", str(tmp_path / "two.npy")), "two NPY arrays one after the other")
    (tmp_path / "junk.npy").write_bytes(one + b"junk")
    assert_one_error_line(run_cli("norm", str(tmp_path / "junk.npy")), "extra bytes after the array")
    # eig's complex values as CSV, piped on
    assert_one_error_line(run_cli("add", "-", "1", stdin="1\n0+1j\n"), "'0+1j' is a complex number")
    assert_one_error_line(run_cli("add", "-", "1", stdin="1\n2j\n"), "'2j' is a complex number")
    assert_one_error_line(run_cli("add", "-", "1", stdin="1\n" + "1" * 10**6 + "x\n"), "is not a number")


def test_failed_command_leaves_an_existing_output_untouched(tmp_path):
    out = write(tmp_path / "out.csv", "keep me\n")
    r = run_cli("matmul", "1 2 3", "1 2", "-o", out)
    assert_one_error_line(r, "do not align")
    assert open(out).read() == "keep me\n"
    assert os.listdir(tmp_path) == ["out.csv"]  # no temp file left behind


def test_literal_with_unequal_rows_is_an_error():
    assert_one_error_line(run_cli("transpose", "1 2; 3"), "row 2 has 1 value,")


def test_bad_npz_archive_is_an_error(tmp_path):
    p = write(tmp_path / "bad.npz", b"not a zip")
    assert_one_error_line(run_cli("transpose", f"{p}:W"), "not an NPZ archive")


def test_zip_member_holding_a_pickle_is_refused(tmp_path):
    p = tmp_path / "evil.npz"
    with zipfile.ZipFile(p, "w") as zf:
        zf.writestr("W.npy", npy_bytes(np.array([None], dtype=object), allow_pickle=True))
    assert_one_error_line(run_cli("transpose", f"{p}:W"), "object")


def test_usage_error_exits_2():
    r = run_cli("matmul", "--no-such-option", "1", "2")
    assert r.code == 2


def test_unknown_command_exits_2():
    assert run_cli("frobnicate").code == 2


def test_a_mistyped_command_is_suggested_once():
    # Click 8.4+ suggests a close name itself and Typer 0.20+ added the same suggestion again:
    # "No such command 'mamtul'. Did you mean 'matmul'? Did you mean 'matmul'?"
    r = run_cli("mamtul", "1", "2")
    assert r.code == 2 and "No such command 'mamtul'" in r.stderr
    assert r.stderr.count("Did you mean") <= 1


def test_binary_garbage_as_text_is_one_line(tmp_path):
    p = write(tmp_path / "g.csv", b"\xff\xfe\x00garbage")
    assert_one_error_line(run_cli("transpose", p), "g.csv")


def test_no_traceback_for_internal_errors(monkeypatch):
    from mlcalc.ops import core

    def boom(*a, **k):
        raise RuntimeError("kaboom")

    monkeypatch.setattr(core, "transpose", boom)
    r = run_cli("transpose", "1 2")
    assert_one_error_line(r, "internal error", "kaboom")
    assert "Traceback" not in r.stderr

    def pages(*a, **k):  # numba's "No threading layer could be loaded." came with a page of hints
        raise ValueError("No threading layer could be loaded.\nHINT:\nIntel TBB is required, try:\n$ pip install tbb")

    monkeypatch.setattr(core, "transpose", pages)
    assert_one_error_line(run_cli("transpose", "1 2"), "internal error: ValueError: No threading layer could be loaded. …")


def test_device_cuda_on_a_command_without_cuda_kernels_is_refused_not_ignored():
    assert_one_error_line(run_cli("norm", "[3,4]", "--device", "cuda"), "norm: --device cuda is available for")


@pytest.mark.parametrize("global_options", [["--device", "cuda"], ["-o", "/no/such/folder/x.csv"]])
def test_a_usage_error_in_the_command_is_exit_2_before_the_global_options_are_checked(global_options):
    # the global callback ran these checks before Click parsed the command: a typo in an option was exit 1
    # with a message about --device or -o instead of the usage error
    r = run_cli(*global_options, "norm", "[3,4]", "--bogus")
    assert r.code == 2 and "No such option '--bogus'" in r.stderr, (r.code, r.stderr)
    r = run_cli(*global_options, "norm", "[3,4]")
    assert r.code == 1 and r.stdout == ""


def test_a_refused_nan_from_a_file_names_its_line_too(tmp_path, monkeypatch):
    # "at row 98, column 3" sent a user to line 98 of a file whose comment and header put it on line 100
    p = tmp_path / "h.csv"
    p.write_text("# a comment\nx,y\n\n1,2\n3,nan\n")
    assert_one_error_line(run_cli("inv", str(p)),
                          f"inv: A has a non-finite value (nan) at row 2, column 2 ({p} line 5, column 2)")
    assert_one_error_line(run_cli("train-linreg", str(p), "--method", "normal"),
                          f"train-linreg: DATA has a non-finite value (nan) at row 2, column 2 ({p} line 5, column 2)")
    assert_one_error_line(run_cli("det", "-", stdin="x,y\n1,2\n3,inf\n"),
                          "det: A has a non-finite value (inf) at row 2, column 2 (standard input line 3, column 2)")
    from mlcalc.io import csvfast  # the parallel reader's rows: their lines found again on demand
    monkeypatch.setattr(csvfast, "THRESHOLD", 0)
    monkeypatch.setattr(csvfast, "WARM_THRESHOLD", 0)
    assert_one_error_line(run_cli("solve", str(p), "1 2"),
                          f"solve: A has a non-finite value (nan) at row 2, column 2 ({p} line 5, column 2)")
    # no lines to name: a literal, an NPY file
    r = run_cli("inv", "1 2; nan 3")
    assert_one_error_line(r, "inv: A has a non-finite value (nan) at row 2, column 1")
    assert "line" not in r.stderr
    np.save(tmp_path / "a.npy", np.array([[1.0, np.nan], [3, 4]]))
    r = run_cli("inv", str(tmp_path / "a.npy"))
    assert_one_error_line(r, "at row 1, column 2")
    assert "line" not in r.stderr


def test_a_located_nan_is_only_named_in_the_very_array_read():
    # a transpose of a square operand has its shape: the position would be the wrong cell of the file
    from mlcalc.cli import base
    from mlcalc.errors import NonFiniteError
    from mlcalc.io.read import Operand

    a = np.array([[1.0, np.nan], [3, 4]])
    base.settings().operands[:] = [Operand(a, "a.csv", line_of_row=[7, 9].__getitem__)]
    assert base.located_message(NonFiniteError("m", a, (1, 2))) == "m (a.csv line 7, column 2)"
    assert base.located_message(NonFiniteError("m", a.T, (2, 1))) == "m"
    assert base.located_message(NonFiniteError("m", a.copy(), (1, 2))) == "m"
    assert base.located_message(NonFiniteError("m", a, (3, 1))) == "m"  # no such row: no line rather than a wrong one
    # the flat view of a one-row or one-column operand maps back to its row and column; other flat views
    # (a 2×2 raveled, every other element) name no line
    row, column = np.array([[1.0, np.nan, 3]]), np.array([[1.0], [2], [np.nan]])
    base.settings().operands[:] = [Operand(row, "r.csv", line_of_row=[4].__getitem__),
                                   Operand(column, "c.csv", line_of_row=[2, 3, 5].__getitem__)]
    assert base.located_message(NonFiniteError("m", row.ravel(), (2,))) == "m (r.csv line 4, column 2)"
    assert base.located_message(NonFiniteError("m", column.ravel(), (3,))) == "m (c.csv line 5, column 1)"
    assert base.located_message(NonFiniteError("m", row.ravel()[::2], (1,))) == "m"
    base.settings().operands[:] = [Operand(a, "a.csv", line_of_row=[7, 9].__getitem__)]
    assert base.located_message(NonFiniteError("m", a.ravel(), (2,))) == "m"
    base.settings().operands[:] = []


def test_a_refused_nan_in_a_one_row_file_read_as_a_vector_names_its_line(tmp_path):
    # solve takes a one-row b as the vector b: the message said "at element 2" and no line
    p = tmp_path / "b.csv"
    p.write_text("# b\n1,nan,3\n")
    assert_one_error_line(run_cli("solve", "1 0 0; 0 1 0; 0 0 1", str(p)),
                          f"solve: b has a non-finite value (nan) at element 2 ({p} line 2, column 2)")


def test_standard_input_opened_for_writing_is_one_error_line(tmp_path):
    # `mlcalc transpose - 0>file`: reading it failed with EBADF, an internal error
    import subprocess
    import sys
    target = tmp_path / "w.txt"
    with open(target, "w") as write_only:
        p = subprocess.run([sys.executable, "-m", "mlcalc", "transpose", "-"], stdin=write_only,
                           capture_output=True, text=True, timeout=120)
    assert p.returncode == 1 and p.stdout == ""
    assert p.stderr == "mlcalc: error: standard input cannot be read (Bad file descriptor)\n"


def test_a_relative_output_in_a_deleted_working_folder_is_one_error_line(tmp_path):
    # os.getcwd() fails there: FileNotFoundError was an internal error
    import subprocess
    import sys
    gone = tmp_path / "gone"
    gone.mkdir()
    code = ("import os, sys; os.chdir(sys.argv[1]); os.rmdir(sys.argv[1]); sys.argv = ['mlcalc', 'inv', '4 1; 2 3', "
            "'-o', 'out.csv']; from mlcalc.cli.app import main; main()")
    p = subprocess.run([sys.executable, "-c", code, str(gone)], capture_output=True, text=True, timeout=120)
    assert p.returncode == 1 and p.stdout == ""
    assert p.stderr == "mlcalc: error: cannot write out.csv: the current folder no longer exists\n"


@pytest.mark.skipif(not os.path.isdir("/dev/fd"), reason="needs /dev/fd")
def test_an_output_naming_a_closed_descriptor_says_so():
    # `-o /dev/stdout >&-` and `-o /dev/fd/N` of no open file said "permission denied"
    assert_one_error_line(run_cli("transpose", "1 2", "-o", "/dev/fd/987"),
                          "cannot write /dev/fd/987: that file descriptor is closed")


def test_a_misspelt_global_option_after_the_command_is_suggested():
    # a command's own options were all Click suggested from: `--precison` after the command said only
    # "No such option"
    r = run_cli("matmul", "1 2", "3; 4", "--precison", "3")
    assert r.code == 2 and "No such option '--precison'" in r.stderr and "'--precision'" in r.stderr
    r = run_cli("activate", "1 2", "--fnn", "relu")
    assert r.code == 2 and "Did you mean '--fn'?" in r.stderr


def test_a_missing_file_given_for_a_named_operand_is_named_by_its_path():
    # "Q: no such file" read as if mlcalc had looked for a file called Q
    assert_one_error_line(run_cli("attention", "foo.csv", "1 0; 0 1", "1 2; 3 4"), "foo.csv (Q): no such file")
    assert_one_error_line(run_cli("forward", "1 2", "--weights", "w.csv"), "w.csv (W): no such file")
    assert_one_error_line(run_cli("matmul", "nofile.csv", "1"), "nofile.csv: no such file")
