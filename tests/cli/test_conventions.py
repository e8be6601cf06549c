"""Conventions of the ecosystem: stdout for data only, exit codes, python -m, pipes, NO_COLOR, -o."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np

from conftest import assert_one_error_line, run_cli, run_process


def test_python_dash_m_runs_the_cli():
    r = run_process("matmul", "1 2; 3 4", "5 6; 7 8", "-f", "csv")
    assert r.code == 0 and r.stdout.split() == ["19,22", "43,50"]


def test_global_options_may_follow_the_command():
    assert run_cli("matmul", "1 2; 3 4", "5 6; 7 8", "--format", "json").stdout.strip() == "[[19, 22], [43, 50]]"
    assert run_cli("--format", "json", "matmul", "1 2; 3 4", "5 6; 7 8").stdout.strip() == "[[19, 22], [43, 50]]"


def test_negative_literals_are_operands_not_options():
    assert run_cli("transpose", "-1 2; -3 4", "-f", "csv").stdout.split() == ["-1,-3", "2,4"]
    assert run_cli("scale", "1 2", "--by", "-2", "-f", "csv").stdout.split() == ["-2", "-4"]


def test_piped_output_defaults_to_csv():
    r = run_process("matmul", "1 2; 3 4", "5 6; 7 8")
    assert r.stdout == "19,22\n43,50\n"


def test_json_single_result_is_a_bare_value():
    assert json.loads(run_cli("dot", "[1,2,3]", "[4,5,6]", "-f", "json").stdout) == 32
    assert json.loads(run_cli("transpose", "[1,2,3]", "-f", "json").stdout) == [[1], [2], [3]]


def test_one_dimensional_results_are_one_value_per_line_in_csv():
    assert run_cli("scale", "[1,2,3]", "--by", "2", "-f", "csv").stdout == "2\n4\n6\n"


def test_precision_rounds_to_significant_digits():
    assert run_cli("scale", "1 2", "--by", "0.333333333", "-f", "csv", "--precision", "3").stdout.split() == ["0.333", "0.667"]


def test_output_file_format_from_extension(tmp_path):
    for ext in ("csv", "json", "npy", "tsv"):
        out = tmp_path / f"r.{ext}"
        r = run_cli("matmul", "1 2; 3 4", "5 6; 7 8", "-o", str(out))
        assert r.code == 0 and r.stdout == ""
    assert (tmp_path / "r.csv").read_text() == "19,22\n43,50\n"
    assert json.loads((tmp_path / "r.json").read_text()) == [[19, 22], [43, 50]]
    assert np.load(tmp_path / "r.npy").tolist() == [[19, 22], [43, 50]]
    assert (tmp_path / "r.tsv").read_text() == "19\t22\n43\t50\n"


def test_output_keeps_a_symlink_a_fifo_and_the_file_mode(tmp_path):
    import os
    import stat
    import threading
    # a symlink stays a symlink, its target gets the result
    (tmp_path / "link.csv").symlink_to(tmp_path / "real.csv")
    assert run_cli("matmul", "1 2; 3 4", "5 6; 7 8", "-o", str(tmp_path / "link.csv")).code == 0
    assert (tmp_path / "link.csv").is_symlink() and (tmp_path / "real.csv").read_text() == "19,22\n43,50\n"
    # a FIFO is written into, not replaced by a regular file
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_text()))
    reader.start()
    assert run_cli("matmul", "1 2; 3 4", "5 6; 7 8", "-o", str(fifo), "-f", "csv").code == 0
    reader.join(10)
    assert got == ["19,22\n43,50\n"] and stat.S_ISFIFO(os.stat(fifo).st_mode)
    # an existing file keeps its mode; a new one gets the umask's (not mkstemp's 0600)
    (tmp_path / "shared.csv").write_text("old")
    os.chmod(tmp_path / "shared.csv", 0o640)
    run_cli("matmul", "1 2; 3 4", "5 6; 7 8", "-o", str(tmp_path / "shared.csv"))
    assert stat.S_IMODE(os.stat(tmp_path / "shared.csv").st_mode) == 0o640
    old = os.umask(0o022)
    try:
        run_cli("matmul", "1 2; 3 4", "5 6; 7 8", "-o", str(tmp_path / "new.csv"))
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(tmp_path / "new.csv").st_mode) == 0o644


def test_output_dash_is_standard_output(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = run_cli("matmul", "1 2; 3 4", "5 6; 7 8", "-o", "-", "-f", "json")
    assert r.code == 0 and r.stdout.strip() == "[[19, 22], [43, 50]]" and not (tmp_path / "-").exists()


def test_closed_pipe_ends_quietly():
    # python -m mlcalc gen ... | head -1: the reader leaves after one line
    p = subprocess.Popen([sys.executable, "-m", "mlcalc", "gen", "randn", "200000x5", "--seed", "1", "-f", "csv"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    p.stdout.readline()
    p.stdout.close()
    err = p.stderr.read().decode()
    assert p.wait(timeout=60) == 0 and err == ""  # exit 0: the reader leaving is not a failure


def test_a_reader_gone_before_the_first_write_ends_quietly_with_0():
    # `mlcalc transpose "1 2 3" | true`: Typer's own EPIPE handler ended this with exit 1 before cli.app's
    # quiet one was reached; the test above passed only when the pipe closed after the last write
    import os
    # `mlcalc --help | true` too: the help is printed while Click parses, before any command runs
    for args in (["transpose", "1 2 3"], ["gen", "randn", "2000x5", "--seed", "1", "-f", "csv"],
                 ["matmul", "1 2; 3 4", "5 6; 7 8", "-f", "table"], ["--help"], ["matmul", "--help"], ["--version"]):
        r, w = os.pipe()
        os.close(r)
        try:
            p = subprocess.run([sys.executable, "-m", "mlcalc", *args], stdout=w, stderr=subprocess.PIPE, timeout=120)
        finally:
            os.close(w)
        assert (p.returncode, p.stderr.decode()) == (0, ""), args


def test_no_color_gives_plain_tables():
    r = run_cli("matmul", "1 2; 3 4", "5 6; 7 8", "-f", "table", env={"NO_COLOR": "1"})
    assert "\x1b[" not in r.stdout and "19" in r.stdout


def test_trace_goes_to_stderr_only():
    plain = run_cli("matmul", "1 2; 3 4", "5 6; 7 8", "-f", "csv")
    traced = run_cli("matmul", "1 2; 3 4", "5 6; 7 8", "-f", "csv", "--trace")
    assert traced.stdout == plain.stdout
    assert "c₁₁ = 1·5 + 2·7 = 19" in traced.stderr


def test_quiet_silences_the_trace():
    r = run_cli("matmul", "1 2; 3 4", "5 6; 7 8", "-f", "csv", "--trace", "--quiet")
    assert r.stderr == ""


def test_help_lists_examples():
    r = run_cli("--help")
    assert r.code == 0 and "Examples" in r.stdout and "matmul" in r.stdout
    assert "Example" in run_cli("matmul", "--help").stdout


def test_every_command_has_examples_and_plain_brackets_in_its_help():
    from mlcalc.cli.app import register_commands
    from mlcalc.cli.base import app
    register_commands(["--help"])
    names = [c.name or c.callback.__name__.replace("_", "-") for c in app.registered_commands]
    assert len(names) > 30
    for name in names:
        out = run_cli(name, "--help").stdout
        assert "Example" in out, name
        # it accepts -f, -o, --trace… after its arguments but listed only -h: point at where they are
        assert "Global options" in out and "mlcalc --help lists them" in " ".join(out.split()), name
        assert "\\[" not in out, name  # Typer's Rich escaping ("\\[required]") in plain help


def test_gen_is_reproducible_and_documented_distributions():
    a = run_cli("gen", "randn", "3x2", "--seed", "5", "-f", "json").stdout
    assert a == run_cli("gen", "randn", "3x2", "--seed", "5", "-f", "json").stdout
    assert np.allclose(json.loads(a), np.random.default_rng(5).standard_normal((3, 2)))
    u = np.array(json.loads(run_cli("gen", "random", "50x50", "--seed", "1", "-f", "json").stdout))
    assert u.min() >= 0 and u.max() < 1
    assert json.loads(run_cli("gen", "eye", "3", "-f", "json").stdout) == np.eye(3).tolist()


def test_matmul_chain_and_vectors_follow_numpy():
    a = np.arange(6.0).reshape(2, 3)
    r = json.loads(run_cli("matmul", "0 1 2; 3 4 5", "[1,2,3]", "-f", "json").stdout)
    assert r == (a @ np.array([1, 2, 3.0])).tolist()
    r = json.loads(run_cli("matmul", "[1,2]", "0 1 2; 3 4 5", "1; 1; 1", "-f", "json").stdout)
    assert r == (np.array([1, 2.0]) @ a @ np.ones((3, 1))).tolist()
    # two vectors make a number, which NumPy's @ cannot take further: one error line, not an internal error
    assert_one_error_line(run_cli("matmul", "[1,2,3]", "[1,2,3]", "[4,5]"), "first 2 operands multiply to a number")


def test_output_to_dev_stdout_appends_and_a_full_device_is_one_error_line(tmp_path):
    import os
    if not os.path.exists("/dev/stdout") or not os.path.exists("/dev/full"):
        import pytest
        pytest.skip("no /dev/stdout or /dev/full")
    log = tmp_path / "log.txt"
    log.write_text("previous line\n")
    with open(log, "a") as f:  # `mlcalc ... -o /dev/stdout >> log.txt`: the log keeps its line
        r = subprocess.run([sys.executable, "-m", "mlcalc", "gen", "eye", "2x2", "-o", "/dev/stdout"], stdout=f,
                           stderr=subprocess.PIPE, text=True, timeout=120)
    assert r.returncode == 0 and log.read_text() == "previous line\n1,0\n0,1\n"
    # --help and --version too (Click writes them itself: they were internal errors)
    for args in (["-o", "/dev/full"], [], ["--help"], ["--version"], ["norm", "--help"]):
        with open("/dev/full", "w") as full:
            cmd = args if "--help" in args or "--version" in args else ["gen", "eye", "2x2", *args]
            r = subprocess.run([sys.executable, "-m", "mlcalc", *cmd], stdout=full,
                               stderr=subprocess.PIPE, text=True, timeout=120)
        assert r.returncode == 1 and r.stderr.startswith("mlcalc: error: cannot write") and "internal" not in r.stderr, \
            (args, r.stderr)


def test_paths_that_start_like_negative_numbers_are_kept_as_typed(tmp_path, monkeypatch):
    # the guard that keeps "-1 2; 3 4" an operand put a space before -5.csv and -2m.json
    monkeypatch.chdir(tmp_path)
    assert run_cli("gen", "eye", "2", "-o", "-5.csv").code == 0 and (tmp_path / "-5.csv").exists()
    r = run_cli("train-linreg", "-5.csv", "--method", "normal", "--save", "-2m.json", "-q", "-f", "json")
    assert r.code == 0 and (tmp_path / "-2m.json").exists(), r.stderr
    assert run_cli("predict", "-2m.json", "[[1]]", "-f", "csv").code == 0
    assert "'-3x3'" in run_cli("gen", "random", "-3x3").stderr


def test_threads_beyond_the_cpu_count_are_capped():
    # 32768 threads hung numba and OpenBLAS; a 20-digit count crashed the process
    r = run_process("--threads", "99999999999999999999", "--engine", "numba", "add", "1 2", "3 4", "-f", "csv",
                    timeout=120)
    assert r.code == 0 and r.stdout.split() == ["4", "6"]


def test_text_output_that_cannot_fit_in_memory_is_refused_up_front(monkeypatch, tmp_path):
    # gen random 15000x10000 as CSV ran for minutes and died of memory: now one line before rendering
    import mlcalc.io.write as write
    monkeypatch.setattr(write, "TEXT_BYTES_PER_VALUE", 10 ** 12)  # as if each value took a terabyte
    r = run_cli("gen", "random", "2x2", "-f", "csv")
    assert r.code == 1 and "-o FILE.npy" in r.stderr and r.stdout == ""
    assert run_cli("gen", "random", "2x2", "-o", str(tmp_path / "r.npy")).code == 0  # binary output is fine


def test_text_output_is_weighed_against_memory_limit_too(tmp_path):
    # the text's size was weighed against half the machine's memory alone: --memory-limit 1GB printed 25
    # million values as 2.7 GB of text
    r = run_cli("--memory-limit", "100MB", "gen", "random", "1000x1000", "-f", "csv")
    assert_one_error_line(r, "1,000,000 values: as text that needs about 120 MB of memory, more than the memory "
                             "budget (100 MB); write it with -o FILE.npy")
    assert run_cli("--memory-limit", "100MB", "gen", "random", "1000x1000", "-o", str(tmp_path / "r.npy")).code == 0
    assert run_cli("--memory-limit", "1MB", "gen", "random", "100x100", "-f", "csv").code == 0  # under 64 MB: printed


def test_option_forms_and_usage_errors_after_the_command(tmp_path):
    assert run_cli("gen", "eye", "2", "-fjson").stdout.strip() == "[[1, 0], [0, 1]]"  # attached value
    assert run_cli("gen", "eye", "2", f"-o{tmp_path / 'e.csv'}").code == 0 and (tmp_path / "e.csv").exists()
    for args in (("gen", "eye", "2", "-o"), ("gen", "eye", "2", "--format")):  # swallowed the command name
        r = run_cli(*args)
        assert r.code == 2 and "requires an argument" in r.stderr
    for args in (("--memory-limit", "abc", "gen", "eye", "2"), ("rank", "1 2; 2 4", "--tol", "-1"),
                 ("rref", "1 2; 2 4", "--tol", "nan")):
        assert run_cli(*args).code == 2, args  # invalid option values are usage errors, as elsewhere


def test_help_is_shown_whatever_global_options_precede_it():
    assert run_cli("--device", "cuda", "inv", "--help").stdout.startswith("Usage: mlcalc inv")
    assert run_cli("-o", "/nonexistent/x.csv", "gen", "--help").code == 0
    assert run_cli("--device", "cuda", "inv", "2 0; 0 4", "-o", "-h").code == 1  # -h as -o's value is no help


def test_an_empty_no_color_keeps_colour(monkeypatch):
    from mlcalc.cli.base import Settings
    import os
    monkeypatch.setenv("TERM", "xterm")  # not the caller's: under TERM=dumb colour is off whatever NO_COLOR says
    old = os.environ.get("NO_COLOR")
    try:
        os.environ["NO_COLOR"] = ""
        assert Settings().color
        os.environ["NO_COLOR"] = "1"
        assert not Settings().color
    finally:
        if old is None:
            os.environ.pop("NO_COLOR", None)
        else:
            os.environ["NO_COLOR"] = old


def test_a_dumb_terminal_gets_no_colour(monkeypatch):
    # TERM=dumb showed the tables' bold titles as ^[[1m…^[[0m (the traces, drawn by Rich, already honoured it)
    from mlcalc.cli.base import Settings
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "dumb")
    assert not Settings().color
    monkeypatch.setenv("TERM", "xterm-256color")
    assert Settings().color


def test_clustered_short_global_options_after_the_command():
    for args in (("-qf", "json"), ("-qfjson",)):
        r = run_cli("matmul", "1 2; 3 4", "5 6; 7 8", *args)
        assert r.code == 0 and r.stdout == "[[19, 22], [43, 50]]\n", (args, r.stderr)


def test_a_double_dash_keeps_operands_that_look_like_options(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "-f").write_text("1,2\n")
    (tmp_path / "-o").write_text("3,4\n")
    assert run_cli("transpose", "--", "-f").stdout == "1\n2\n"
    assert run_cli("add", "--", "-f", "-o").stdout == "4,6\n"


def test_exact_fractions_are_refused_as_npz_too(tmp_path):
    r = run_cli("inv", "1/3 1; 0 2", "--exact", "-o", str(tmp_path / "x.npz"))
    assert_one_error_line(r, "fractions")
    assert not (tmp_path / "x.npz").exists()
    # names are text an archive holds: train-linreg's features
    assert run_cli("train-linreg", "samples/linreg_tutorial.csv", "--standardize", "-o", str(tmp_path / "m.npz")).code == 0
    assert np.load(tmp_path / "m.npz")["features"].tolist() == ["x"]
    # even a name that looks like a fraction, beside others
    (tmp_path / "f.csv").write_text("size,1/2,y\n1,3,5\n2,1,6\n3,4,9\n4,2,9\n5,5,14\n")
    assert run_cli("train-linreg", str(tmp_path / "f.csv"), "--method", "normal", "-o", str(tmp_path / "f.npz")).code == 0


def test_version_empty_output_name_and_an_octave_row_list_on_stdin():
    from mlcalc import __version__
    r = run_cli("--version")
    assert r.code == 0 and r.stdout == f"mlcalc {__version__}\n"
    for args in (("-o", ""), ("--output=",)):
        r = run_cli("matmul", "1 2", "3; 4", *args)
        assert r.code == 2 and "--output" in r.stderr
    assert json.loads(run_cli("inv", "-", "-f", "json", stdin="2 0; 0 4\n").stdout) == [[0.5, 0], [0, 0.25]]
    assert json.loads(run_cli("transpose", "-", "-f", "json", stdin="1;2;3\n").stdout) == [[1], [2], [3]]  # one CSV row


_SIGNAL_WHILE_COMMITTING = """
import os, signal, sys
from mlcalc.io import write
commit = write.AtomicTarget.commit
def signalled(self, tmp):  # the signal arrives with the finished temporary file not yet renamed
    os.kill(os.getpid(), signal.{sig})
    return commit(self, tmp)
write.AtomicTarget.commit = signalled
from mlcalc.cli.app import main
sys.argv = ["mlcalc", "gen", "randn", "30x30", "--seed", "1", "-o", sys.argv[1]]
main()
"""


def test_a_terminated_command_leaves_no_output_and_no_temporary_file(tmp_path):
    # kill/timeout(1) send SIGTERM, a closed terminal SIGHUP, ^C SIGINT: the shell's exit statuses, and
    # neither the result nor the hidden temporary file beside it (SIGTERM left a .mlcalc-*.tmp)
    import signal

    def as_from_a_terminal():  # the suite may run under nohup (SIGHUP ignored) or in the background (SIGINT)
        for s in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
            signal.signal(s, signal.SIG_DFL)

    for sig, code in (("SIGTERM", 143), ("SIGHUP", 129), ("SIGINT", 130)):
        r = subprocess.run([sys.executable, "-c", _SIGNAL_WHILE_COMMITTING.format(sig=sig), str(tmp_path / "g.csv")],
                           capture_output=True, text=True, timeout=60, preexec_fn=as_from_a_terminal)
        assert r.returncode == code, (sig, r.returncode, r.stderr)
        assert "Traceback" not in r.stderr
        assert list(tmp_path.iterdir()) == [], sig


def test_the_signal_handlers_are_only_there_while_a_file_is_written():
    # a Python handler runs between bytecodes only: installed for the whole command, `timeout 2 mlcalc eig`
    # ran until LAPACK returned (34 s), and in-process (the tests) SIGTERM no longer stopped pytest
    import signal

    before = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGHUP)
    assert run_cli("transpose", "1 2").code == 0
    assert (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGHUP)) == before


def test_an_operand_typed_at_a_terminal_ends_with_one_ctrl_d():
    # the chunked read asked again after the first end of input, and a terminal waits for a second Ctrl-D
    import os
    import pty
    import select

    master, slave = pty.openpty()
    p = subprocess.Popen([sys.executable, "-m", "mlcalc", "-q", "transpose", "-", "-f", "csv"], stdin=slave,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    os.close(slave)
    try:
        os.write(master, b"1,2\n3,4\n")
        os.write(master, b"\x04")  # Ctrl-D at the start of a line: the end of input
        ready, _, _ = select.select([p.stdout], [], [], 60)
        assert ready, "still waiting for more input after one Ctrl-D"
        out = p.stdout.read().decode()
        assert p.wait(timeout=60) == 0 and out == "1,3\n2,4\n"
    finally:
        if p.poll() is None:
            p.kill()
        os.close(master)


def _run_onto_a_terminal(*args: str):
    """mlcalc with its stdout on a pseudo-terminal: the process and what the terminal showed."""
    import os
    import pty

    main, side = pty.openpty()
    try:
        p = subprocess.run([sys.executable, "-m", "mlcalc", *args], stdout=side,
                           stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, timeout=120)
        os.close(side)
        shown = b""
        while True:
            try:
                chunk = os.read(main, 4096)
            except OSError:  # EIO: the terminal's other side is closed and drained
                break
            if not chunk:
                break
            shown += chunk
    finally:
        os.close(main)
    return p, shown


def test_npy_is_not_written_to_a_terminal():
    # raw NPY bytes garbled the terminal; gzip refuses the same way
    p, shown = _run_onto_a_terminal("transpose", "1 2", "-f", "npy")
    assert p.returncode == 1 and b"NUMPY" not in shown
    assert p.stderr.decode().strip() == ("mlcalc: error: -f npy writes binary data, not for a terminal: redirect it "
                                         "(> x.npy, | mlcalc ...) or use -o x.npy")
    # a usage error in the command's own arguments is still exit 2 (it was exit 1 with this message)
    p, _ = _run_onto_a_terminal("-f", "npy", "det", "1", "--bogus")
    assert p.returncode == 2 and b"No such option '--bogus'" in p.stderr


def test_option_values_are_read_whatever_their_case():
    # `-f JSON`, `--fn ReLU`, `--engine NumPy` were refused (exit 2) although the list named them
    assert run_cli("matmul", "1 2; 3 4", "1; 1", "-f", "JSON").stdout == "[[3], [7]]\n"
    assert run_cli("activate", "1 -1", "--fn", "ReLU", "--engine", "NumPy", "-f", "json").stdout == "[1, 0]\n"
    assert run_cli("norm", "[1,-2,3]", "--ord", "L1").stdout == "6\n"
    assert run_cli("gen", "EYE", "2", "-f", "json").stdout == "[[1, 0], [0, 1]]\n"
    r = run_cli("activate", "1", "--fn", "relux")
    assert r.code == 2 and "'relu', 'leaky-relu'" in r.stderr  # a wrong name still lists the right ones
