"""Small commands stay fast: neither --help nor a 3×3 default-engine matmul imports numba."""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import sys
from mlcalc.cli.app import main
sys.argv = ["mlcalc", *{args!r}]
try:
    main()
except SystemExit:
    pass
sys.stderr.write("NUMBA_IMPORTED=%s\\n" % ("numba" in sys.modules))
"""


def _numba_imported(*args: str) -> bool:
    p = subprocess.run([sys.executable, "-c", PROBE.format(args=list(args))], capture_output=True, text=True)
    return "NUMBA_IMPORTED=True" in p.stderr


def test_help_does_not_import_numba():
    assert not _numba_imported("--help")


def test_small_matmul_does_not_import_numba(tmp_path):
    a = tmp_path / "a.csv"
    a.write_text("1,2,3\n4,5,6\n7,8,10\n")
    assert not _numba_imported("matmul", str(a), str(a), "-f", "csv")


def test_numba_engine_does_import_numba():
    # the probe itself can fail: prove it sees numba when a kernel really runs
    assert _numba_imported("matmul", "1 2; 3 4", "5 6; 7 8", "--engine", "numba", "-f", "csv")


def test_core_command_list_matches_the_linalg_module():
    import typer.main

    from mlcalc.cli import app as app_module
    from mlcalc.cli import linalg  # noqa: F401
    from mlcalc.cli.base import app
    registered = {c.callback.__module__: [] for c in app.registered_commands}
    for c in app.registered_commands:
        registered[c.callback.__module__].append(c.name or c.callback.__name__)
    assert sorted(registered["mlcalc.cli.linalg"]) == sorted(app_module.CORE_COMMANDS)
    assert typer.main.get_command(app)  # the app still builds


def test_a_core_command_runs_on_an_app_of_its_own_and_leaves_the_full_app_whole():
    from mlcalc.cli import app as app_module
    from mlcalc.cli.base import app

    one = app_module.register_commands(["matmul", "a.csv", "b.csv"])
    assert [c.callback.__name__ for c in one.registered_commands] == ["matmul"]
    assert len(app.registered_commands) >= len(app_module.CORE_COMMANDS)  # the shared app keeps them all
    assert app_module.register_commands(["inv", "a.csv"]) is app


def test_the_command_is_found_after_global_options_whose_value_names_a_command(tmp_path, monkeypatch):
    from conftest import run_cli

    from mlcalc.cli.app import _command_of, prepare_argv
    assert _command_of(prepare_argv(["-f", "csv", "add", "1 2", "3 4"])) == "add"
    assert _command_of(prepare_argv(["add", "1 2", "3 4", "--format=csv"])) == "add"
    assert _command_of(prepare_argv(["--quiet", "--delimiter", "dot", "matmul", "x", "y"])) == "matmul"
    # "-o add": a file named like a command is not the command
    monkeypatch.chdir(tmp_path)
    r = run_cli("-o", "add", "-f", "csv", "matmul", "1 2; 3 4", "5 6; 7 8")
    assert r.code == 0, r.stderr
    assert (tmp_path / "add").read_text().split() == ["19,22", "43,50"]
    # and core commands one after another in one process each find theirs
    assert run_cli("add", "1 2", "3 4", "-f", "csv").stdout.split() == ["4", "6"]
    assert run_cli("dot", "1 2", "3 4").stdout.strip() == "11"


def test_a_mid_size_activation_stays_on_numpy(tmp_path):
    # 10⁶ relu elements: NumPy needs ~3 ms, loading numba ~0.5 s, so a cold `auto` keeps NumPy
    import numpy as np
    path = tmp_path / "x.npy"
    np.save(path, np.linspace(-1.0, 1.0, 1_000_000).reshape(1000, 1000))
    out = tmp_path / "out.npy"
    assert not _numba_imported("activate", str(path), "--fn", "relu", "-o", str(out))
    assert np.array_equal(np.load(out), np.maximum(np.load(path), 0))  # the command did run
    # the probe sees numba when the command does load it
    assert _numba_imported("activate", str(path), "--fn", "relu", "-o", str(out), "--engine", "numba")
