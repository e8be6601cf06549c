"""Operand reading at its edges: both CSV paths alike, Octave and JSON text in files, quoted headers,
damaged archives, hostile cells, and out-of-core `-o` by the same rules as any other output."""

from __future__ import annotations

import io
import json
import os
import stat
import tempfile
import threading
import zipfile

import numpy as np
import pytest

from conftest import assert_one_error_line, run_cli, run_process
from mlcalc.io import csvfast


def write(path, data: str | bytes) -> str:
    (path.write_bytes if isinstance(data, bytes) else path.write_text)(data)
    return str(path)


def values(r):
    assert r.code == 0, r.stderr
    return json.loads(r.stdout)


@pytest.mark.parametrize("cell", ["1/3\r", "12345678901234567890123\r", "1/\r3"])
def test_a_lone_cr_in_a_cell_is_a_line_end_on_both_csv_paths(tmp_path, monkeypatch, cell):
    # csvparse splits lines at a lone CR, so the row is ragged; the parallel reader must not join it
    path = write(tmp_path / "cr.csv", ("1,2\n" * 3 + cell + ",2\n3,4\n").encode())
    small = run_cli("transpose", path)
    monkeypatch.setattr(csvfast, "THRESHOLD", 0)
    monkeypatch.setattr(csvfast, "WARM_THRESHOLD", 0)
    large = run_cli("transpose", path, "-f", "json")
    assert_one_error_line(small, "cr.csv line 4", "ragged rows")
    assert large.code == 1 and large.stderr == small.stderr


def test_semicolon_rows_with_cr_only_line_ends_are_rows_not_one_octave_line(tmp_path):
    # an old Mac export ("1;2\r3;4\r") has no "\n": it was taken for one line of Octave rows, split at
    # every ';' (a 4×1 column, 400×1 for 20×20), and a missing cell was "row 5 of the matrix is empty"
    rng = np.random.default_rng(5)
    for rows in (rng.integers(-9, 9, (2, 2)), rng.standard_normal((20, 20))):
        text = "\r".join(";".join(repr(float(v)) for v in row) for row in rows) + "\r"
        path = write(tmp_path / "cr.csv", text)
        for engine in ("auto", "numpy"):
            assert values(run_cli("transpose", path, "-f", "json", "--engine", engine)) == rows.T.tolist()
    path = write(tmp_path / "gap.csv", "1;2;3\r4;;6\r")
    assert_one_error_line(run_cli("transpose", path, "--engine", "numpy"), "gap.csv line 2, column 2: an empty cell")
    inverse = values(run_cli("inv", "-", "-f", "json", "--engine", "numpy", stdin="4 7; 2 6\r\n"))
    np.testing.assert_allclose(inverse, [[0.6, -0.7], [-0.2, 0.4]], rtol=1e-15)


def test_a_long_digit_run_fails_fast_and_the_message_stays_short(tmp_path):
    # the number pattern backtracked quadratically in the run's length (14 s for 16,000 digits): at
    # 200,000 digits that is over half an hour, so the watchdog's timeout stops a regression, not a
    # slow machine (no timing is asserted)
    path = write(tmp_path / "long.csv", "1,2\n3," + "1" * 200000 + "e\n")
    r = run_process("transpose", path, timeout=600)
    assert_one_error_line(r, "long.csv line 2, column 2", "(200001 characters) is not a number")
    assert len(r.stderr) - len(path) < 160


def test_delimiter_space_and_whitespace_mean_runs_of_blanks(tmp_path):
    path = write(tmp_path / "sp.txt", "a b,c\n1 2\n3 4\n")  # the comma would be detected
    for name in ("space", "whitespace", " "):
        assert values(run_cli("transpose", path, "--delimiter", name, "-f", "json")) == [[1, 3], [2, 4]]


def test_a_header_starting_with_a_bracket_is_a_header_on_every_path(tmp_path):
    path = write(tmp_path / "brk.csv", "[s],[m]\n1,2\n3,4\n")
    assert run_cli("transpose", path, "-f", "csv").stdout == "1,3\n2,4\n"  # the pure-Python path
    assert values(run_cli("transpose", path, "-f", "json")) == [[1, 3], [2, 4]]
    assert run_cli("transpose", path, "--engine", "numpy").stdout == "1,3\n2,4\n"


def test_an_octave_matrix_over_several_lines_reads_as_the_literal_does(tmp_path):
    path = write(tmp_path / "oct.txt", "[1 2\n 3 4]\n")
    assert values(run_cli("transpose", path, "-f", "json")) == [[1, 3], [2, 4]]
    assert values(run_cli("transpose", "-", "-f", "json", stdin="[1 2\n 3 4]\n")) == [[1, 3], [2, 4]]
    assert run_cli("det", path, "--exact").stdout.strip() == "-2"


def test_json_after_a_bom_or_many_blank_lines(tmp_path, monkeypatch):
    assert values(run_cli("transpose", write(tmp_path / "bom.json", b"\xef\xbb\xbf[[1,2],[3,4]]\n"), "-f", "json")) \
        == [[1, 3], [2, 4]]
    assert values(run_cli("transpose", "-", "-f", "json", stdin=b"\xef\xbb\xbf[1,2]")) == [[1], [2]]
    # a file big enough for the parallel CSV reader is still JSON when it starts with blank lines
    monkeypatch.setattr(csvfast, "THRESHOLD", 0)
    monkeypatch.setattr(csvfast, "WARM_THRESHOLD", 0)
    path = write(tmp_path / "lead.json", "\n" * 70000 + "[[1, 2], [3, 4]]\n")
    assert not csvfast.should_use(path)
    assert values(run_cli("transpose", path, "-f", "json")) == [[1, 3], [2, 4]]


@pytest.mark.parametrize("depth", [100, 3000, 100000])
def test_json_nested_beyond_any_array_is_one_error_line(depth):
    # Python 3.11's json stops at its recursion limit (about 1000 deep), 3.13's parses 100000: either way no
    # array's JSON (it was told "a 3-D array, as -f json writes one" on 3.13)
    assert_one_error_line(run_cli("transpose", "-", stdin="[" * depth + "1" + "]" * depth),
                          "standard input", "not a valid matrix literal")


def test_a_damaged_npz_member_is_one_error_line_naming_the_operand(tmp_path):
    np.savez_compressed(tmp_path / "c.npz", W=np.arange(1000.0).reshape(100, 10))
    data = bytearray((tmp_path / "c.npz").read_bytes())
    data[200] ^= 0xFF
    data[201] ^= 0xFF
    bad = write(tmp_path / "bad.npz", bytes(data))
    assert_one_error_line(run_cli("transpose", bad + ":W"), "bad.npz:W", "corrupt archive")
    np.savez(tmp_path / "s.npz", W=np.arange(6.0).reshape(2, 3))
    data = bytearray((tmp_path / "s.npz").read_bytes())
    data[data.find(np.float64(1.0).tobytes()) + 7] = 0x40  # a data byte: the CRC no longer matches
    crc = write(tmp_path / "crc.npz", bytes(data))
    assert_one_error_line(run_cli("transpose", crc + ":W"), "crc.npz:W", "corrupt archive", "CRC")


def test_an_npz_member_by_its_own_name_as_numpy_allows(tmp_path):
    np.savez(tmp_path / "m.npz", W=np.arange(6.0).reshape(2, 3))
    assert values(run_cli("transpose", str(tmp_path / "m.npz") + ":W.npy", "-f", "json")) == [[0, 3], [1, 4], [2, 5]]
    with zipfile.ZipFile(tmp_path / "m.npz") as z:
        assert z.namelist() == ["W.npy"]


def test_quoted_column_names_round_trip(tmp_path):
    data = write(tmp_path / "q.csv", 'size,"rooms, total",price\n1,2,3\n2,3,5\n4,1,6\n5,5,11\n')
    r = run_cli("train-linreg", data, "--method", "normal", "--header", "-f", "csv")
    assert r.code == 0 and r.stdout.splitlines()[0] == 'size,"rooms, total"'
    fit = values(run_cli("train-linreg", data, "--method", "normal", "-f", "json"))
    assert fit["features"] == ["size", "rooms, total"]
    # what --header writes reads back: two names over two values
    back = run_cli("transpose", "-", "-f", "json", stdin=r.stdout)
    assert np.allclose(values(back), [[c] for c in fit["coef"]])
    tsv = write(tmp_path / "t.tsv", 'a,b\tc "x"\ty\n1\t2\t3\n2\t1\t4\n3\t5\t8\n4\t3\t9\n')
    r = run_cli("train-linreg", tsv, "--method", "normal", "--header", "-f", "tsv")
    assert r.stdout.splitlines()[0] == '"a,b"\t"c ""x"""'  # quoted: a comma is a delimiter the reader detects
    assert values(run_cli("train-linreg", tsv, "--method", "normal", "-f", "json"))["features"] == ["a,b", 'c "x"']


@pytest.fixture
def blocked(tmp_path):
    """A command that runs out of core (blocks of a 30×40 NPY, 9.6 KB, under a 2 KB budget), -o where asked."""
    np.save(tmp_path / "c.npy", np.arange(1200.0).reshape(30, 40))

    def run(out):
        from mlcalc.blocks import storage
        made = []
        real = storage.AtomicNpyOutput.__init__

        def spy(self, *args):  # the blocked writer is the one under test
            made.append(args)
            real(self, *args)
        storage.AtomicNpyOutput.__init__ = spy
        try:
            r = run_cli("add", str(tmp_path / "c.npy"), str(tmp_path / "c.npy"), "--memory-limit", "2KB", "-o", str(out))
        finally:
            storage.AtomicNpyOutput.__init__ = real
        assert r.code == 0 and made, r.stderr
    return run


def test_out_of_core_output_keeps_modes_links_and_fifos(tmp_path, blocked):
    expected = 2 * np.arange(1200.0).reshape(30, 40)
    old = os.umask(0o022)
    try:
        blocked(tmp_path / "new.npy")
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(tmp_path / "new.npy").st_mode) == 0o644
    (tmp_path / "shared.npy").write_text("old")
    os.chmod(tmp_path / "shared.npy", 0o640)
    blocked(tmp_path / "shared.npy")
    assert stat.S_IMODE(os.stat(tmp_path / "shared.npy").st_mode) == 0o640
    assert np.array_equal(np.load(tmp_path / "shared.npy"), expected)
    (tmp_path / "link.npy").symlink_to(tmp_path / "real.npy")
    blocked(tmp_path / "link.npy")
    assert (tmp_path / "link.npy").is_symlink() and np.array_equal(np.load(tmp_path / "real.npy"), expected)
    fifo = tmp_path / "pipe.npy"
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    blocked(fifo)
    reader.join(10)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    (tmp_path / "got.npy").write_bytes(got[0])
    assert np.array_equal(np.load(tmp_path / "got.npy"), expected)
    assert not [p for p in os.listdir(tmp_path) if p.startswith(".mlcalc-")]


def test_float32_overflow_on_reading_names_the_number_typed():
    # it became inf, and a later error blamed an inf the user never wrote
    assert_one_error_line(run_cli("inv", "1e40 0; 0 1", "--dtype", "float32"),
                          "1e+40 at row 1, column 1 is beyond float32's range")
    assert run_cli("inv", "1e30 0; 0 1", "--dtype", "float32", "--quiet").code == 0


def test_float32_overflow_in_a_text_file_names_its_line(tmp_path, monkeypatch):
    # "at row 2, column 2" was the data row: the comment and the header put the number on line 4
    p = tmp_path / "h.csv"
    p.write_text("# a comment\nx,y\n1,2\n3,1e39\n")
    want = f"{p} line 4, column 2: 1e+39 is beyond float32's range"
    assert_one_error_line(run_cli("inv", str(p), "--dtype", "float32"), want)
    assert_one_error_line(run_cli("inv", "-", "--dtype", "float32", stdin=p.read_text()),
                          "standard input line 4, column 2: 1e+39 is beyond float32's range")
    from mlcalc.io import csvfast  # the parallel reader's rows: their lines found again on demand
    monkeypatch.setattr(csvfast, "THRESHOLD", 0)
    monkeypatch.setattr(csvfast, "WARM_THRESHOLD", 0)
    assert_one_error_line(run_cli("inv", str(p), "--dtype", "float32"), want)


def test_a_json_object_on_stdin_says_what_it_is():
    r = run_cli("transpose", "-", stdin='{"S": [5.46, 0.37], "U": [[1, 0], [0, 1]]}')
    assert_one_error_line(r, "standard input: a JSON object, not a matrix", "jq")


def test_pinv_rcond_cannot_be_negative():
    r = run_cli("pinv", "1 2", "--rcond", "-1")
    assert r.code == 2 and "--rcond" in r.stderr


def test_the_typographic_minus_of_traces_reads_back_in_literals():
    assert run_cli("norm", "1 −2 3", "--ord", "l1").stdout.strip() == "6"
    assert values(run_cli("add", "[−1.5, 2]", "1 1", "-f", "json")) == [-0.5, 3]


def test_full_width_punctuation_of_an_input_method_reads_as_ascii():
    # "1，2；3，4" typed with a Chinese input method was "no such file (and not a matrix literal)"
    assert values(run_cli("matmul", "1，2；3，4", "［1　0；0　1］", "-f", "json")) == [[1, 2], [3, 4]]
    assert run_cli("norm", "［3，－4］").stdout.strip() == "5"
    assert_one_error_line(run_cli("add", "1，2；3", "1 1"), "1，2；3: row 2 has 1 value, row 1 has 2")


def test_a_missing_value_in_a_literal_is_named_as_one():
    assert_one_error_line(run_cli("norm", "1 NA 3"), "1 NA 3: row 1, column 2: 'NA' is not a number (a missing value")
    assert_one_error_line(run_cli("norm", "1 x 3"), "1 x 3: row 1, column 2: 'x' is not a number")


def test_a_csv_header_starting_with_a_brace_is_a_header(tmp_path):
    path = write(tmp_path / "brace.csv", "{s},{m}\n1,2\n3,4\n")
    for args in ((path, "--engine", "numpy"), ("-",)):
        r = run_cli("transpose", *args, "-f", "json", stdin="{s},{m}\n1,2\n3,4\n")
        assert values(r) == [[1, 3], [2, 4]]


def test_a_bad_cell_below_a_bracket_header_is_named(tmp_path):
    path = write(tmp_path / "brk.csv", "[s],[m]\n1,2\n3,x\n")
    assert_one_error_line(run_cli("transpose", path), "brk.csv line 3, column 2: 'x' is not a number")
    assert_one_error_line(run_cli("transpose", "-", stdin="[1 2\n3 x]\n"), "row 2, column 2: 'x'")


def test_a_mistyped_literal_names_its_cell_not_a_missing_file():
    assert_one_error_line(run_cli("transpose", "1 2; 3 x"), "row 2, column 2: 'x' is not a number")
    assert_one_error_line(run_cli("transpose", "nofile.csv"), "nofile.csv: no such file")
    assert_one_error_line(run_cli("transpose", "my data.csv"), "no such file")
    for name in ("week 3 results.csv", "run 2 (final).csv", "data 1"):  # names with a number in them
        assert_one_error_line(run_cli("det", name), f"{name}: no such file")
    assert_one_error_line(run_cli("transpose", "1 2 x"), "row 1, column 3: 'x'")


def test_an_encrypted_npz_member_is_one_error_line(tmp_path):
    np.savez(tmp_path / "m.npz", W=np.ones((2, 3)))
    data = bytearray((tmp_path / "m.npz").read_bytes())
    local, central = data.find(b"PK\x03\x04"), data.find(b"PK\x01\x02")
    data[local + 6] |= 1  # the "encrypted" flag, in the local and the central header
    data[central + 8] |= 1
    enc = write(tmp_path / "enc.npz", bytes(data))
    assert_one_error_line(run_cli("transpose", enc + ":W"), "enc.npz:W", "encrypted")


@pytest.mark.parametrize("order", ["C", "F"])
def test_float32_overflow_is_named_by_blocks_too(tmp_path, order):
    a = np.ones((30, 40))
    a[2, 3] = 1e40
    np.save(tmp_path / "ovf.npy", np.asarray(a, order=order))
    for args in (("scale", "--by", "1", "-o", str(tmp_path / "r.npy")), ("norm",)):
        for limit in ([], ["--memory-limit", "2KB"]):
            r = run_cli("--dtype", "float32", args[0], str(tmp_path / "ovf.npy"), *args[1:], *limit)
            assert_one_error_line(r, "1e+40 at row 3, column 4 is beyond float32's range")


def test_three_dimensional_json_says_what_it_is():
    # conv2d's (O, H', W') result as -f json: it quoted a whole nested list as a cell "not a number"
    assert_one_error_line(run_cli("transpose", "-", stdin="[[[1,2],[3,4]],[[5,6],[7,8]]]"),
                          "lists nested deeper than a matrix's rows (a 3-D array", "3-D data reads from NPY")
    # conv2d's kernels (O, C, kh, kw) are 4-D: the depth is the deepest list's, ragged or not
    assert_one_error_line(run_cli("transpose", "[[[[1]]]]"), "(a 4-D array", "4-D data reads from NPY")
    assert_one_error_line(run_cli("transpose", "[[1, 2], [3, [[4]]]]"), "(a 4-D array")


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_an_endless_binary_device_is_refused_at_its_first_bytes():
    # it was read until the machine ran out of memory (the OOM killer ended it after 20 s); the
    # watchdog's timeout stops a process that reads on, no timing is asserted
    r = run_process("norm", "/dev/zero", timeout=600)
    assert_one_error_line(r, "/dev/zero: binary data (a NUL byte at byte 1), neither text nor NPY")


def test_a_pipe_is_read_up_to_a_share_of_the_memory_budget(monkeypatch):
    # `yes 1 | mlcalc norm -` never ends: text from a pipe stops at budget/8, NPY bytes at budget/2
    from mlcalc.blocks import storage
    from mlcalc.errors import InputError
    from mlcalc.io import read

    monkeypatch.setattr(storage, "default_budget", lambda: 8 << 20)
    monkeypatch.setattr(read, "_CHUNK", 1 << 16)

    def piped(data: bytes):
        r, w = os.pipe()
        threading.Thread(target=_feed, args=(w, data), daemon=True).start()
        return os.fdopen(r, "rb")

    with piped(b"1\n" * (600 << 10)) as f:  # 1.2 MB of text > 1 MiB
        with pytest.raises(InputError, match=r"the pipe: more than 1.05 MB from a pipe or device.*--memory-limit"):
            read.read_whole(f, "the pipe")
    with piped(b"1\n" * (600 << 10)) as f:  # --memory-limit 16MB: 2 MiB of text may come
        assert len(read.read_whole(f, "the pipe", "16MB")) == 1200 << 10
    with piped(b"1\n" * (400 << 10)) as f:  # 0.8 MB: read whole
        assert read.read_whole(f, "the pipe") == b"1\n" * (400 << 10)
    npy = np.lib.format.MAGIC_PREFIX + b"\x01" * (3 << 20)  # bytes after the magic: 3 MB < 4 MiB
    with piped(npy) as f:
        assert read.read_whole(f, "the pipe") == npy
    with piped(npy + b"\x01" * (2 << 20)) as f:  # 5 MB of NPY > 4 MiB: it is NPY already, no advice to make it so
        with pytest.raises(InputError, match=r"more than the memory budget can hold: write it to a file first "
                                             r"\(NPY files that large are worked through by blocks\), or raise"):
            read.read_whole(f, "the pipe")


def _feed(fd: int, data: bytes) -> None:
    """Write data into a pipe and close it; a reader that stops early is not an error here."""
    view = memoryview(data)
    try:
        while view:
            view = view[os.write(fd, view):]
    except BrokenPipeError:
        pass
    finally:
        os.close(fd)


def test_large_csv_text_on_standard_input_takes_the_parallel_parser(monkeypatch, tmp_path):
    # written to a temporary file for csvfast (78 MB on stdin took 6.4 s through csvparse, 1.7 from a file);
    # the same values and the same messages, naming standard input
    monkeypatch.setattr(csvfast, "THRESHOLD", 1 << 16)
    monkeypatch.setattr(csvfast, "WARM_THRESHOLD", 1 << 16)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # its own, so that another run's file cannot count
    calls = []
    real_read = csvfast.read
    monkeypatch.setattr(csvfast, "read", lambda *a: calls.append(a[1]) or real_read(*a))
    values = np.random.default_rng(3).standard_normal((4000, 5))
    text = "\n".join(",".join(repr(float(v)) for v in row) for row in values) + "\n"
    r = run_cli("transpose", "-", "-f", "npy", stdin=text)
    assert r.code == 0, r.stderr
    assert calls == ["standard input"]
    np.testing.assert_array_equal(np.load(io.BytesIO(r.stdout_bytes)), values.T)
    r = run_cli("norm", "-", stdin=text + "1,2,3,x,5\n")
    assert_one_error_line(r, "standard input line 4001, column 4: 'x' is not a number")
    # one long line stays the small path's: an Octave row list, as `echo "1 2; 3 4" | mlcalc inv -`, also
    # between blank lines; and a JSON object keeps its message
    for blanks in ("", "\n\n"):
        r = run_cli("norm", "-", stdin=blanks + "; ".join(["1 2 3"] * 20000) + "\n")
        assert r.code == 0 and float(r.stdout) == pytest.approx((14 * 20000) ** 0.5)
    r = run_cli("norm", "-", stdin=json.dumps({"U": values.tolist(), "S": [1, 2]}, indent=2))
    assert_one_error_line(r, "standard input: a JSON object, not a matrix")
    assert calls == ["standard input", "standard input"]
    assert list(tmp_path.iterdir()) == []  # the temporary copy is gone


def test_large_text_from_a_pipe_keeps_its_lines_for_later_messages(monkeypatch, tmp_path):
    # the parallel parser's operand from a pipe had no line_of_row: a NaN found by the command, or a value
    # beyond float32, was "row 4001" without "standard input line 4002", as a file or small input says
    monkeypatch.setattr(csvfast, "THRESHOLD", 1 << 12)
    monkeypatch.setattr(csvfast, "WARM_THRESHOLD", 1 << 12)
    calls = []
    real_read = csvfast.read
    monkeypatch.setattr(csvfast, "read", lambda *a: calls.append(a[1]) or real_read(*a))
    text = "a,b\n# a comment\n" + "".join(f"{i}.5,{i}\n" for i in range(4000))
    r = run_cli("rank", "-", stdin=text + "1,nan\n")
    assert_one_error_line(r, "row 4001, column 2 (standard input line 4003, column 2)")
    r = run_cli("--dtype", "float32", "norm", "-", stdin=text + "1,1e39\n")
    assert_one_error_line(r, "standard input line 4003, column 2: 1e+39 is beyond float32's range")
    assert calls == ["standard input", "standard input"]


def test_a_large_json_operand_reads_through_jsons_parser_with_the_same_values(tmp_path, monkeypatch):
    # 77 MB of mlcalc's own -f json took 14.5 s cell by cell; json's C parser and one NumPy conversion give
    # the same numbers (-0, booleans as 1/0, "nan"/"inf" strings), and anything else keeps the literal's rules
    from mlcalc.io import literal, read

    values = np.random.default_rng(4).standard_normal((200, 60))
    values[0, 0], values[1, 1], values[2, 2], values[3, 3] = -0.0, np.nan, np.inf, -np.inf
    r = run_cli("transpose", "-", "-f", "json", stdin=json.dumps(values.T.tolist()).replace("NaN", '"nan"')
                .replace("-Infinity", '"-inf"').replace("Infinity", '"inf"'))
    assert r.code == 0, r.stderr
    text = r.stdout
    assert len(text) >= read._JSON_FAST_FROM
    fast = literal.json_floats(text)
    slow = np.array(literal.parse_literal(text, "x")[0], dtype=np.float64)
    np.testing.assert_array_equal(fast, values)
    np.testing.assert_array_equal(slow, values)
    assert np.signbit(fast[0, 0])
    assert literal.json_floats("[[true, false], [1, -0]]").tolist() == [[1, 0], [1, 0]]
    for other in ('[[1, "1/3"]]', "[[1, null]]", "[[1, 2], [3]]", "[[[1]]]", '[[1, "1_000"]]', "[1e400]", "[1 2; 3 4]"):
        assert literal.json_floats(other) is None, other
    (tmp_path / "m.json").write_text(text)
    calls = []
    monkeypatch.setattr(literal, "parse_literal", lambda *a: calls.append(a) or [])
    r = run_cli("transpose", str(tmp_path / "m.json"), "-f", "npy")
    assert r.code == 0 and calls == []
    np.testing.assert_array_equal(np.load(io.BytesIO(r.stdout_bytes)), values.T)


def test_the_fast_float_text_is_format_numbers():
    # float64 results' rows skip format_number's checks (a 2000×2000 CSV: 6.5 -> 3.8 s); the same text
    from mlcalc.io import write

    rng = np.random.default_rng(9)
    specials = [0.0, -0.0, 1.0, -1.0, 1e16, -1e16, 9999999999999998.0, 1e15 + 0.5, 2.5, float("nan"),
                float("inf"), float("-inf"), 1e-320, 5e-324, 1.7976931348623157e308, -123456789.5, 0.1, 1 / 3]
    for x in specials + rng.standard_normal(1000).tolist() + (rng.integers(-10**6, 10**6, 1000) * 1.0).tolist():
        assert write._float_text(x) == write.format_number(x), x
    arr = np.array(specials)
    assert write.render_delimited(arr.reshape(2, -1), ",").splitlines()[0].split(",")[:3] == ["0", "-0", "1"]
    assert write.render_json(arr[9:12]) == '["nan", "inf", "-inf"]\n'


def test_large_csv_from_a_pipe_spills_to_a_file_with_no_name(monkeypatch, tmp_path):
    # the parallel parser needs a file to map; a named temporary file was left behind by a SIGKILL
    # mid-parse, so on Linux it has no name in the temporary folder at any time
    from mlcalc.io import read

    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr(tempfile, "tempdir", None)
    monkeypatch.setattr(csvfast, "THRESHOLD", 1 << 10)
    monkeypatch.setattr(csvfast, "WARM_THRESHOLD", 1 << 10)
    seen = []
    real_read = csvfast.read

    def watched(path, source, delimiter):
        seen.append(os.listdir(tmp_path))
        return real_read(path, source, delimiter)

    monkeypatch.setattr(csvfast, "read", watched)
    rows = np.arange(3000.0).reshape(1000, 3) / 7
    text = "\n".join(",".join(map(repr, row)) for row in rows.tolist()).encode()
    op = read._from_bytes(text, "standard input", read.ReadOptions())
    assert np.array_equal(op.values, rows)
    assert seen and (not seen[0] or not os.path.isdir("/proc/self/fd"))
    assert not os.listdir(tmp_path)


def test_an_npy_named_fifo_is_read_as_a_stream(tmp_path):
    # its size is 0 to os.path.getsize: "the file holds -128 (truncated or corrupt)"
    buf = io.BytesIO()
    np.save(buf, np.arange(6.0).reshape(2, 3))
    fifo = tmp_path / "x.npy"
    os.mkfifo(fifo)
    writer = threading.Thread(target=lambda: fifo.write_bytes(buf.getvalue()))
    writer.start()
    r = run_cli("transpose", str(fifo), "-f", "json")
    writer.join(10)
    assert r.code == 0 and json.loads(r.stdout) == [[0, 3], [1, 4], [2, 5]]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32"])
def test_utf16_text_with_a_byte_order_mark_reads(tmp_path, encoding, csv_reader):
    # Excel's "Unicode Text" export (UTF-16 with a BOM, tab-separated) was "not UTF-8 text; is it a binary file?"
    text = "größe\ty\n1\t2\n3\t4.5\n"
    data = text.encode(encoding) if encoding != "utf-16-be" else b"\xfe\xff" + text.encode(encoding)
    path = write(tmp_path / "u.txt", data)
    assert values(run_cli("transpose", path, "-f", "json")) == [[1, 3], [2, 4.5]]
    assert values(run_cli("transpose", "-", "-f", "json", stdin=data)) == [[1, 3], [2, 4.5]]
    bad = write(tmp_path / "bad.txt", "x\ty\n1\t2\n3\tz\n".encode("utf-16"))
    assert_one_error_line(run_cli("transpose", bad), "bad.txt line 3, column 2: 'z' is not a number")
    torn = write(tmp_path / "torn.txt", b"\xff\xfe1\x00,\x00\x00\xd8")
    assert_one_error_line(run_cli("transpose", torn), "torn.txt: not UTF-16 text after its byte-order mark (byte 7)")


def test_text_in_a_legacy_encoding_names_its_line_and_byte(tmp_path):
    # a header in Windows-1252 ("Größe") said "is it a binary file?"
    path = write(tmp_path / "l.csv", b"x,y\n1,2\nGr\xf6\xdfe,4\n")
    assert_one_error_line(run_cli("transpose", path), "l.csv line 3: not UTF-8 text (byte 11 is 0xf6): save the file as UTF-8")
    path = write(tmp_path / "b.csv", b"1,2\x01\n3,\xff\n")  # control bytes and invalid UTF-8: binary
    assert_one_error_line(run_cli("transpose", path), "b.csv: not UTF-8 text (byte 8); is it a binary file?")


@pytest.mark.parametrize("head", [b"PK\x03\x04\x14\x00\x06\x00", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"])
def test_a_workbook_is_named_as_one_on_every_path(tmp_path, head):
    path = write(tmp_path / "m.xlsx", head + b"\x00" * 40)
    for args, stdin in (((path,), None), (("-",), head + b"\x00" * 40)):
        assert_one_error_line(run_cli("transpose", *args, stdin=stdin), "a spreadsheet workbook or an archive, "
                              "not text or NPY: save the sheet as CSV")


def test_a_utf8_file_holding_a_nul_is_binary_as_on_standard_input(tmp_path):
    # a file said "'\x001\x00' is not a number" (UTF-16 without a BOM), standard input "binary data"
    data = "x\ty\n1\t2\n".encode("utf-16-be")
    path = write(tmp_path / "n.txt", data)
    for args, stdin in (((path,), None), (("-",), data)):
        assert_one_error_line(run_cli("transpose", *args, stdin=stdin), "binary data (a NUL byte at byte 1), neither text nor NPY")


@pytest.mark.parametrize("text,message", [
    # Microsoft's C library writes NaN and infinity so: they were "a comment after the data ('#IND')"
    ("x,y\n1,-1.#IND\n2,3\n", "line 2, column 2: '-1.#IND' is not a number (a missing value: every cell needs one)"),
    ("x,y\n1,1.#QNAN\n2,3\n", "line 2, column 2: '1.#QNAN' is not a number (a missing value"),
    ("x,y\n1,-1.#INF\n2,3\n", "line 2, column 2: '-1.#INF' is not a number (Microsoft's C library's infinity: write -inf)"),
    # a quoted cell holding the delimiter made the row "ragged" without saying why
    ('name,x,y\n"Smith, John",1,2\n', "line 2, column 1: '\"Smith, John\"' is not a number"),
])
def test_cells_that_looked_like_comments_or_extra_cells_are_named(tmp_path, csv_reader, text, message):
    assert_one_error_line(run_cli("transpose", write(tmp_path / "m.csv", text)), f"m.csv {message}")


@pytest.mark.parametrize("text,message", [
    # pandas' to_json(orient='values') with a NaN: on one line "a header row but no data rows"
    ('[[1.0,3.1],[2.0,null]]\n', "row 2, column 2: 'null' is not a number (a missing value: every cell needs one)"),
    ('[{"x1":1.0,"y":2},{"x1":2,"y":3}]\n', "a list of JSON objects (records), not a matrix (nested lists): write it "
                                            "with pandas' to_json(orient='values'), or jq 'map([.[]])'"),
    ('{"x1":1.0,"y":2}\n{"x1":2,"y":3}\n', "JSON Lines (an object a line), not a matrix: write it with pandas' "
                                           "to_json(orient='values'), or jq -s 'map([.[]])'"),
])
def test_json_as_pandas_writes_it_says_what_it_is(text, message):
    assert_one_error_line(run_cli("transpose", "-", stdin=text), f"standard input: {message}")


def test_npy_bytes_named_csv_read_and_text_named_npy_says_so(tmp_path):
    np.save(tmp_path / "m.npy", np.array([[1.0, 2.0], [3.0, 4.0]]))
    os.rename(tmp_path / "m.npy", tmp_path / "m.csv")  # it said "binary data …, neither text nor NPY"
    assert values(run_cli("transpose", str(tmp_path / "m.csv"), "-f", "json")) == [[1, 3], [2, 4]]
    np.savetxt(tmp_path / "t.npy", np.eye(2))
    assert_one_error_line(run_cli("transpose", str(tmp_path / "t.npy")),
                          "t.npy: not an NPY file (bad magic bytes); it holds text: name it .csv or .txt")
    (tmp_path / "g.npy").write_bytes(b"\x01\x02garbage")
    r = run_cli("transpose", str(tmp_path / "g.npy"))
    assert_one_error_line(r, "g.npy: not an NPY file (bad magic bytes)")
    assert "holds text" not in r.stderr


def test_a_non_finite_value_in_npy_is_named_by_numpys_index(tmp_path):
    # a CSV's message gave its line and column, an NPY's only "A"
    a = np.eye(3)
    a[1, 2] = np.nan
    np.save(tmp_path / "a.npy", a)
    assert_one_error_line(run_cli("inv", str(tmp_path / "a.npy")),
                          "inv: A has a non-finite value (nan) at row 2, column 3 (", "a.npy[1, 2], counted from 0 as "
                          "NumPy does)")
    np.savez(tmp_path / "z.npz", w=np.array([1.0, np.inf, 2.0]))
    assert_one_error_line(run_cli("solve", "1 0 0; 0 1 0; 0 0 1", str(tmp_path / "z.npz") + ":w"),
                          "at element 2 (", "z.npz:w[1], counted from 0 as NumPy does)")


def test_an_npz_without_a_member_lists_its_arrays_and_a_missing_one_is_no_such_file(tmp_path):
    np.savez(tmp_path / "m.npz", W=np.eye(2), b=np.ones(2))
    assert_one_error_line(run_cli("transpose", str(tmp_path / "m.npz")),
                          "m.npz: an NPZ archive needs a member name: ", "m.npz:NAME (it has: W, b)")
    # a name that is no file said "needs a member name" as if the archive were there
    assert_one_error_line(run_cli("transpose", str(tmp_path / "gone.npz")), "gone.npz: no such file")


def test_a_big_npy_named_csv_reads_as_npy_on_the_parallel_path(tmp_path, monkeypatch):
    # from the parallel reader's size on, NPY bytes in a .csv were "binary data …, neither text nor NPY"
    monkeypatch.setattr(csvfast, "THRESHOLD", 0)
    monkeypatch.setattr(csvfast, "WARM_THRESHOLD", 0)
    a = np.arange(12.0).reshape(3, 4)
    np.save(tmp_path / "a.npy", a)
    os.rename(tmp_path / "a.npy", tmp_path / "a.csv")
    assert values(run_cli("transpose", str(tmp_path / "a.csv"), "-f", "json")) == a.T.tolist()


def test_a_file_named_npz_that_is_no_zip_says_so(tmp_path):
    (tmp_path / "bad.npz").write_bytes(b"x")
    assert_one_error_line(run_cli("transpose", str(tmp_path / "bad.npz")), "bad.npz: not an NPZ archive (not a ZIP file)")


def test_a_long_double_beyond_float64_is_named_not_read_as_inf(tmp_path):
    # np.longdouble('1e400') became inf in silence (and under --dtype float32, "inf … use float64")
    from mlcalc.errors import InputError
    from mlcalc.io import read
    path = tmp_path / "ld.npy"
    np.save(path, np.array([np.longdouble("1e400"), 2]))
    for dtype in ("float64", "float32"):
        with pytest.raises(InputError, match=r"1e\+400 at element 1 is beyond float64's range"):
            read.read_operand(str(path), read.ReadOptions(dtype=dtype))
    np.save(path, np.array([np.longdouble("1e300"), 2]))
    assert read.read_operand(str(path)).values.tolist() == [1e300, 2]


@pytest.mark.parametrize("spec", ["[1, 2], [3, 4]", "[1,2],[3,4],", "[1] , [2]"])
def test_bracketed_rows_without_the_outer_pair_say_how_to_write_them(spec):
    # as Python prints a tuple of lists: "row 1, column 2: '2]' is not a number" said nothing of the cause
    from mlcalc.errors import InputError
    from mlcalc.io import read
    with pytest.raises(InputError, match=r"need a pair of brackets around them all: \[\["):
        read.read_operand(spec)
