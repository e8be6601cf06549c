"""Standard input read ahead for the tiny path, and the tiny path's limits: cases a mutation audit of
mlcalc/io/readahead.py and mlcalc/ops/tiny.py found no test for."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import numpy as np
import pytest

from conftest import run_cli
from mlcalc.ops import tiny


class _Pipe(io.RawIOBase):
    """A pipe's reads: at most `size` bytes a call (a writer that writes 4 KB at a time)."""

    def __init__(self, data: bytes, size: int = 4096):
        self.data, self.size = data, size

    def readable(self):
        return True

    def readinto(self, b):
        n = min(len(b), self.size, len(self.data))
        b[:n], self.data = self.data[:n], self.data[n:]
        return n


def _run_with_stdin(stdin, *args: str):
    """run_cli, with `stdin` as standard input itself (a file, a pipe that gives 4 KB a read)."""
    from mlcalc.cli.app import main
    out, err = io.BytesIO(), io.BytesIO()
    old = sys.stdin, sys.stdout, sys.stderr
    sys.stdin = stdin
    sys.stdout = io.TextIOWrapper(out, encoding="utf-8", write_through=True)
    sys.stderr = io.TextIOWrapper(err, encoding="utf-8", write_through=True)
    code = 0
    try:
        main(list(args))
    except SystemExit as e:
        code = e.code
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        got = out.getvalue().decode(), err.getvalue().decode()
        sys.stdin, sys.stdout, sys.stderr = old
    return (code, *got)


# a column of 1 and 2 with a long comment between them: more than the 16 KB the tiny path reads ahead,
# and what it read ahead (1 and part of the comment) parses on its own
_LONG = "1\n" + "# padding\n" * 1700 + "2\n"


@pytest.mark.parametrize("size", [4096, 1 << 20])
def test_input_beyond_what_is_read_ahead_is_read_to_its_end(size):
    # a pipe that fills 16384 bytes in four reads of 4 KB is not all of the input
    stdin = io.TextIOWrapper(io.BufferedReader(_Pipe(_LONG.encode(), size)), encoding="utf-8")
    assert _run_with_stdin(stdin, "transpose", "-", "-f", "json")[:2] == (0, "[[1, 2]]\n")


def test_a_file_redirected_to_standard_input_is_read_from_its_start(tmp_path):
    # `mlcalc add - 0 < big.csv`: a regular file's bytes after what the tiny path read ahead
    (tmp_path / "big.csv").write_text(_LONG)
    with open(tmp_path / "big.csv", encoding="utf-8") as f:
        assert _run_with_stdin(f, "transpose", "-", "-f", "json")[:2] == (0, "[[1, 2]]\n")


def test_what_was_read_ahead_comes_once_before_the_chunks_of_a_long_input(monkeypatch):
    from mlcalc.io import read
    monkeypatch.setattr(read, "_CHUNK", 4096)  # several chunks after the 16 KB read ahead
    big = "".join(f"{i},{i + 1}\n" for i in range(3000))
    got = np.array(json.loads(run_cli("add", "-", "0", "-f", "json", stdin=big).stdout))
    assert got.shape == (3000, 2) and got[-1].tolist() == [2999, 3000]


@pytest.mark.parametrize("a", [[1.0, 1e-16, -1.0], [1.0, 1e-5, -1.0],
                               [2.0 ** 53 + 2, 1.0, -(2.0 ** 53 - 2.0 ** 40)]])
def test_cancellation_beyond_rounding_is_left_to_numpy(a):
    # fsum's exact 1e-16, 1e-05, 1099511627779 against NumPy's 0, 1.0000000000065512e-05, 1099511627780
    assert tiny.matmul([[a], [[1.0]] * len(a)]) is None


def test_an_operand_typed_at_a_terminal_is_prompted_for():
    import os
    import pty
    master, slave = pty.openpty()
    p = subprocess.Popen([sys.executable, "-m", "mlcalc", "transpose", "-", "-f", "csv"], stdin=slave,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    os.close(slave)
    try:
        os.write(master, b"1,2\n\x04")
        out, err = p.communicate(timeout=60)
    finally:
        if p.poll() is None:
            p.kill()
        os.close(master)
    assert out == b"1\n2\n" and b"reading the operand '-' from the terminal" in err


def test_the_largest_tiny_operand_takes_the_tiny_path(tmp_path):
    # 16×16 (256 entries) in a file of 16384 bytes: the limits are inclusive
    text = "\n".join(",".join(str(i + j) for j in range(16)) for i in range(16)) + "\n"
    a = tmp_path / "a.csv"
    a.write_text("#" * (16384 - len(text) - 1) + "\n" + text)
    assert a.stat().st_size == 16384
    code = ("import sys\nfrom mlcalc.cli.app import main\nsys.argv=['mlcalc','matmul',%r,%r,'-f','csv']\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\nprint('numpy' in sys.modules)") % (str(a), str(a))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120).stdout.split()
    assert out[-1] == "False" and len(out) == 17


class _FailingOnce(_Pipe):
    """A device whose second read fails (EIO) and whose later reads go on."""

    def readinto(self, b):
        self.calls = getattr(self, "calls", 0) + 1
        if self.calls == 2:
            raise OSError(5, "Input/output error")
        return super().readinto(b)


def test_what_was_read_ahead_before_a_failed_read_is_kept():
    stdin = io.TextIOWrapper(io.BufferedReader(_FailingOnce(b"1,2\n3,4\n", 4)), encoding="utf-8")
    assert _run_with_stdin(stdin, "transpose", "-", "-f", "json")[:2] == (0, "[[1, 3], [2, 4]]\n")
