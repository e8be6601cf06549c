"""Rules a sixth mutation audit found no test guarding in the command-line application itself (cli/app.py,
cli/base.py): a negative literal written `-.5`, MLCALC_DEBUG set to something other than 1, NumPy's
overflow warnings kept off stderr, the out-of-memory line, the internal-error line of a one-line message,
--trace-format implying --trace, a blank -o, --delimiter semicolon, -h as an option's value checked as
no help, -f npy with -o at a terminal, unguard's leading space, the position of a NaN in a 1×1 operand,
float32 scalars inside named results, a markdown trace at a terminal, --quiet on the compiling notice;
errors.py's classes as user errors (the whole line: assert_one_error_line's fragments also match an
"internal error: ShapeError: …"); and the pure parts of mlcalc.benchsuite (the speed column, the best and
the median of runs, the threaded STREAM copy and its size, the cases' sizes and bytes moved, run()'s copy
columns and start-up runs, the CSV reader's value check), with nothing timed for real."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from conftest import assert_one_error_line, run_cli


# ---------------------------------------------------------------- cli/app.py


def test_a_negative_literal_starting_with_a_decimal_point_is_an_operand():
    # `-.5` is a number, like `-0.5`: read as an unknown option it was a usage error
    from mlcalc.cli.app import prepare_argv
    assert prepare_argv(["add", "1 2", "-.5"]) == ["add", "1 2", " -.5"]
    r = run_cli("add", "1 2", "-.5")
    assert r.code == 0 and r.stdout == "0.5\n1.5\n", r.stderr


def test_mlcalc_debug_other_than_1_keeps_the_one_line_error():
    # only MLCALC_DEBUG=1 lets the exception (and its traceback) through; =0 means off
    r = run_cli("inv", "1 1; 1 1", env={"MLCALC_DEBUG": "0"})
    assert_one_error_line(r, "inv: A is singular")


def test_numpys_overflow_warning_is_not_shown():
    # the result carries inf as NumPy's does; "RuntimeWarning: overflow encountered in add" is not for the user
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        r = run_cli("add", "1e308", "1e308")
    assert r.code == 0 and r.stdout == "inf\n" and r.stderr == ""
    assert not [w for w in caught if issubclass(w.category, RuntimeWarning)], [str(w.message) for w in caught]


def test_out_of_memory_is_one_line_of_its_own(monkeypatch):
    from mlcalc.ops import core

    def too_big(*a, **k):
        raise MemoryError()

    monkeypatch.setattr(core, "transpose", too_big)
    r = run_cli("transpose", "1 2")
    assert r.code == 1 and r.stdout == ""
    assert r.stderr == "mlcalc: error: out of memory: the operands or the result are too large for this machine\n"


def test_an_mmap_refused_for_memory_is_out_of_memory_not_an_internal_error(monkeypatch):
    # under ulimit -v (common on HPC) a memory map fails with OSError ENOMEM, not MemoryError
    import errno

    from mlcalc.ops import core

    def no_room(*a, **k):
        raise OSError(errno.ENOMEM, "Cannot allocate memory")

    monkeypatch.setattr(core, "transpose", no_room)
    r = run_cli("transpose", "1 2")
    assert r.code == 1 and r.stdout == ""
    assert r.stderr == ("mlcalc: error: out of memory: the operands or the result are too large for this machine (or "
                        "its ulimit -v)\n")


def test_an_internal_error_of_one_line_has_no_ellipsis(monkeypatch):
    # the " …" marks a message cut after its first line; a one-line message is whole
    from mlcalc.ops import core

    def boom(*a, **k):
        raise RuntimeError("kaboom")

    monkeypatch.setattr(core, "transpose", boom)
    r = run_cli("transpose", "1 2")
    assert r.stderr == ("mlcalc: error: internal error: RuntimeError: kaboom "
                        "(run with MLCALC_DEBUG=1 for the traceback)\n")


# ---------------------------------------------------------------- cli/base.py


def test_trace_format_alone_asks_for_the_trace():
    r = run_cli("--trace-format", "latex", "scale", "1", "--by", "2")
    assert r.code == 0 and r.stdout == "2\n"
    assert r"\[ c_{ij} = 2 \cdot a_{ij} \]" in r.stderr


def test_a_blank_output_name_is_a_usage_error(tmp_path, monkeypatch):
    # as the empty name is: " " was taken for a file name and written
    monkeypatch.chdir(tmp_path)
    r = run_cli("transpose", "1 2", "-o", " ")
    assert r.code == 2 and "needs a file name" in r.stderr
    assert list(tmp_path.iterdir()) == []


def test_delimiter_semicolon_by_name(tmp_path):
    p = tmp_path / "s.csv"
    p.write_text("1;2\n3;4\n")
    r = run_cli("--delimiter", "semicolon", "transpose", str(p))
    assert r.code == 0 and r.stdout == "1,3\n2,4\n", r.stderr


def test_h_as_an_options_value_leaves_the_global_checks_on(tmp_path, monkeypatch):
    # `-o -h` names a file "-h": no help is shown, so --exact on a command it does not apply to is still refused
    monkeypatch.chdir(tmp_path)
    r = run_cli("--exact", "matmul", "1 2", "3; 4", "-o", "-h")
    assert r.code == 2 and "'--exact': applies to det, inv, rank, rref, solve, not matmul" in r.stderr
    assert list(tmp_path.iterdir()) == []


def test_npy_into_a_file_is_allowed_when_stdout_is_a_terminal(tmp_path, monkeypatch):
    # the terminal refusal is for NPY on stdout only: `-f npy -o x.npy` typed at a terminal writes the file
    import sys
    from mlcalc.cli import base
    from mlcalc.errors import MlcalcError

    class Terminal:
        def isatty(self):
            return True

    monkeypatch.setattr(sys, "stdout", Terminal())
    monkeypatch.setattr(base, "_settings", base.Settings(format="npy", output=str(tmp_path / "x.npy")))
    base._check_before_work("transpose")  # no error
    monkeypatch.setattr(base, "_settings", base.Settings(format="npy"))
    try:
        base._check_before_work("transpose")
    except MlcalcError as e:
        assert "not for a terminal" in str(e)
    else:
        raise AssertionError("-f npy onto a terminal was not refused")



class _Terminal:
    """A stream that says it is a terminal and keeps what is written."""

    def __init__(self):
        self.text = ""

    def isatty(self):
        return True

    def write(self, text):
        self.text += text

    def flush(self):
        pass


def test_only_a_path_that_starts_like_a_negative_number_is_unguarded():
    # prepare_argv puts a space before "-5.csv"; a name typed with a leading space keeps it
    from mlcalc.cli.base import unguard
    assert unguard(" -5.csv") == "-5.csv"
    assert unguard(" x.csv") == " x.csv"
    assert unguard(None) is None


def test_a_nan_in_a_one_by_one_operand_is_at_row_1_column_1():
    # numpy gives a one-element array any strides: its flat view is the operand whatever they are
    from numpy.lib.stride_tricks import as_strided
    from mlcalc.cli.base import _position_as_read
    base = np.array([np.nan, 0.0])
    values = as_strided(base, shape=(1, 1), strides=(16, 16))
    flat = as_strided(base, shape=(1,), strides=(8,))
    assert _position_as_read(values, flat, (1,)) == (1, 1)


def test_float32_scalars_inside_named_results_print_as_float32():
    # loss --grad's {"loss": …, "grad": …}: the loss is float32 too, not its float64 widening
    r = run_cli("--dtype", "float32", "loss", "0.1 0.2", "0 0.3", "--fn", "mse", "--grad", "-f", "json")
    # (0.010000001: the mean of the float32 operands' squares, 0.0100000010430813, rounded once; 0.010000002
    # while the squares were float32's)
    assert r.code == 0 and r.stdout == '{"loss": 0.010000001, "grad": [0.1, -0.10000001]}\n', r.stderr


def test_a_markdown_trace_at_a_terminal_is_markdown_not_the_rich_view(monkeypatch):
    # only the text format is drawn with Rich at a colour terminal; markdown and LaTeX are documents
    from mlcalc.cli import base
    monkeypatch.setattr(base, "stderr_is_terminal", lambda: True)
    r = run_cli("--trace-format", "markdown", "scale", "1", "--by", "2", env={"NO_COLOR": ""})
    assert r.code == 0 and r.stderr.startswith("### Step 1: Scalar multiple\n"), r.stderr


def test_the_compiling_notice_is_silenced_by_quiet(monkeypatch):
    import sys
    from mlcalc.cli import base
    for quiet, shown in ((True, False), (False, True)):
        terminal = _Terminal()
        monkeypatch.setattr(sys, "stderr", terminal)
        monkeypatch.setattr(base, "_settings", base.Settings(quiet=quiet))
        base.compiling_notice()
        assert terminal.text.startswith("mlcalc: compiling numba kernels") == shown, quiet


# ---------------------------------------------------------------- errors.py


def test_shape_and_numeric_errors_are_the_users_errors_not_internal_ones():
    # assert_one_error_line's fragments also match "internal error: ShapeError: …": the whole line, here
    r = run_cli("add", "1 2", "1 2 3")
    assert r.code == 1 and r.stderr == "mlcalc: error: add: shapes (2,) and (3,) cannot be broadcast together\n"
    r = run_cli("inv", "1 1; 1 1")
    assert r.code == 1 and r.stderr == ("mlcalc: error: inv: A is singular (pivot 0 in column 2) (its pseudo-inverse: "
                                        "mlcalc pinv A)\n")


# ---------------------------------------------------------------- benchsuite.py (nothing timed for real)


class _Clock:
    """time.perf_counter returning the given instants in turn, for benchsuite's timers."""

    def __init__(self, *instants):
        self.instants = list(instants)

    def perf_counter(self):
        return self.instants.pop(0)


def test_bench_rows_give_speed_as_reference_time_over_ours():
    from mlcalc import benchsuite
    assert benchsuite._row("case", "NumPy", 0.2, 0.5) == ["case", "NumPy", "0.2000", "0.5000", "2.50", "", ""]


def test_best_of_repeats_is_the_shortest(monkeypatch):
    from mlcalc import benchsuite
    monkeypatch.setattr(benchsuite, "time", _Clock(0, 2, 10, 11, 20, 23))  # runs of 2, 1 and 3 s
    assert benchsuite._best(lambda: None, 3) == 1


def test_median_run_is_the_middle_of_the_sorted_times(monkeypatch):
    from types import SimpleNamespace
    from mlcalc import benchsuite
    monkeypatch.setattr(benchsuite, "time", _Clock(0, 3, 10, 11, 20, 22))  # runs of 3, 1 and 2 s
    monkeypatch.setattr(benchsuite, "subprocess", SimpleNamespace(run=lambda *a, **k: None, DEVNULL=None))
    assert benchsuite._median_run(["true"], 3) == 2


def test_stream_copy_on_threads_copies_every_element():
    # the parts' bounds are len*i//threads: len//threads*i left the tail of a length threads do not divide
    from mlcalc import benchsuite
    src = np.arange(10.0)
    for threads in (1, 3, 4):
        dst = np.zeros(10)
        benchsuite.stream_copy(dst, src, threads)
        assert np.array_equal(dst, src), threads


def test_copy_seconds_copies_half_the_bytes_moved(monkeypatch):
    # a copy reads and writes each byte: nbytes moved is nbytes/16 float64 values
    from mlcalc import benchsuite
    sizes = []
    monkeypatch.setattr(benchsuite, "stream_copy", lambda dst, src, threads: sizes.append((dst.size, src.size)))
    benchsuite.copy_seconds(1600, repeats=1)
    benchsuite.copy_seconds(1600, repeats=1, new_array=True)
    assert sizes == [(100, 100), (100, 100)]


def test_the_cases_sizes_and_bytes_moved():
    from mlcalc import benchsuite
    n = 10_000_000
    cases = {c.name: c for c in benchsuite._cases(False)}
    assert "matmul 768² float64" in cases and "dense forward 1024×512→512 relu" in cases
    assert "matmul 2048² float64" in {c.name for c in benchsuite._cases(True)}
    moved = {c.op: (c.bytes_moved, c.one_to_one) for c in cases.values() if c.bytes_moved}
    # add reads two arrays and writes one; the norm only reads; an activation reads one and writes a new one
    assert moved == {"add": (24 * n, False), "norm": (8 * n, False), "activation": (16 * n, True)}
    assert [c.name for c in cases.values() if c.one_to_one] == ["relu 1e+07 float64", "sigmoid 1e+07 float64"]


def test_run_fills_the_copy_columns_by_the_kind_of_case(monkeypatch):
    # of_copy_bw for memory-bound cases, of_new_copy_bw for one-in, one-out ones only; start-up at least 5 runs
    from mlcalc import benchsuite, engine
    cases = [benchsuite.Case("gemm", "matmul", lambda r: (np.ones((2, 2)), np.ones((2, 2))), {}),
             benchsuite.Case("add", "add", lambda r: (np.ones(4), np.ones(4)), {}, 96),
             benchsuite.Case("relu", "activation", lambda r: (np.ones((2, 2)),), {}, 64, True)]
    calls = []
    monkeypatch.setattr(benchsuite, "_cases", lambda full: cases)
    monkeypatch.setattr(engine, "kernel", lambda op, which: lambda *a, **k: None)
    monkeypatch.setattr(benchsuite, "copy_seconds", lambda nbytes, new_array=False: 1.0)
    monkeypatch.setattr(benchsuite, "csv_rows", lambda mb, repeats: calls.append(("csv", mb, repeats)) or [])
    monkeypatch.setattr(benchsuite, "startup_rows", lambda runs: calls.append(("start-up", runs)) or [])
    rows = benchsuite.run(False, 1)
    assert [r[0] for r in rows] == ["gemm", "add", "relu"]
    assert [(bool(r[5]), bool(r[6])) for r in rows] == [(False, False), (True, False), (True, True)]
    assert calls == [("csv", 10, 1), ("start-up", 5)]


def test_csv_rows_refuse_to_time_values_that_differ(monkeypatch):
    from types import SimpleNamespace
    from mlcalc import benchsuite
    import mlcalc.io.read as read
    monkeypatch.setattr(read, "read_operand", lambda path: SimpleNamespace(values=np.zeros((1, 10))))
    with pytest.raises(RuntimeError, match="differ from np.loadtxt"):
        benchsuite.csv_rows(0, 1)
