"""numba's cache keyed by a kernel's source and its imports (mlcalc/jitcache.py): a copy of the
package elsewhere loads the cached kernel; a change in a module the kernel file imports recompiles it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from mlcalc import jitcache

ROOT = jitcache.PACKAGE_ROOT

# a small cached kernel: vexp.exp (vexp.py imports mlcalc.config)
CALL = "from mlcalc.kernels.cpu import vexp; import math; assert abs(vexp.exp(1.0) - math.e) < 1e-15"


def test_a_kernel_file_is_stamped_with_the_modules_it_imports():
    nn = ROOT / "kernels" / "cpu" / "nn.py"
    deps = jitcache._imports(nn)
    assert ROOT / "kernels" / "cpu" / "vexp.py" in deps and ROOT / "config.py" in deps
    # an import inside a function (nn imports the engine lazily) cannot reach jitted code
    assert ROOT / "engine.py" not in deps
    assert ROOT / "train" / "optimizers.py" in jitcache._imports(ROOT / "kernels" / "cpu" / "linreg.py")
    assert jitcache.source_stamp(nn) != jitcache.source_stamp(ROOT / "kernels" / "cpu" / "vexp.py")


def _run_in_copy(where: Path, cache: Path) -> str:
    env = dict(os.environ, PYTHONPATH=str(where), NUMBA_CACHE_DIR=str(cache), NUMBA_DEBUG_CACHE="1")
    p = subprocess.run([sys.executable, "-c", CALL], cwd=where, env=env, capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr[-3000:]
    return p.stdout + p.stderr


def test_the_cache_survives_a_move_and_follows_an_imported_module(tmp_path):
    ignore = shutil.ignore_patterns("__pycache__")
    first, second = tmp_path / "checkout1", tmp_path / "checkout2"
    for where in (first, second):
        shutil.copytree(ROOT, where / "mlcalc", ignore=ignore)
    cache = tmp_path / "cache"
    assert "data saved" in _run_in_copy(first, cache)
    # the same source at another path: loaded, not compiled
    log = _run_in_copy(second, cache)
    assert "data loaded" in log and "data saved" not in log, log
    # config.py (imported by vexp.py) changes: vexp's kernels compile again
    with open(second / "mlcalc" / "config.py", "a") as f:
        f.write("\nJIT_OPTIONS = dict(JIT_OPTIONS)  # a change the kernels must see\n")
    assert "data saved" in _run_in_copy(second, cache)


def _on_a_terminal(args: list[str], cache: Path) -> str:
    """stderr of `python -m mlcalc ARGS` written to a pseudo-terminal, with its own numba cache."""
    import pty

    master, slave = pty.openpty()
    env = dict(os.environ, XDG_CACHE_HOME=str(cache))
    env.pop("NUMBA_CACHE_DIR", None)
    try:
        p = subprocess.run([sys.executable, "-m", "mlcalc", *args], stdout=subprocess.PIPE, stderr=slave,
                           env=env, timeout=600)
        os.close(slave)
        assert p.returncode == 0
        chunks = []
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # the terminal's other end is closed: all of it read
                break
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks).decode()
    finally:
        os.close(master)


def test_a_first_compile_is_announced_at_a_terminal_once(tmp_path):
    # about 2 minutes of compiling without a word looked like a hang to a new user; a log or a pipe gets
    # nothing (the tests' captured stderr neither), nor a second run, which loads the cache
    args = ["--engine", "numba", "dot", "1 2", "3 4"]
    first = _on_a_terminal(args, tmp_path)
    assert first.count("mlcalc: compiling numba kernels for their first use") == 1, first
    assert "compiling" not in _on_a_terminal(args, tmp_path)
    assert "compiling" not in _on_a_terminal(["-q", "--engine", "numba", "outer", "1 2", "3 4"], tmp_path)


TINY = "from numba import njit\n\n@njit(cache=True)\ndef plus_one(x):\n    return x + 1.0\n"


def _run_tiny(where: Path, prelude: str = "") -> subprocess.CompletedProcess:
    """A tiny cached kernel outside the package, with mlcalc's cache wrappers installed."""
    code = (f"{prelude}\nfrom mlcalc import jitcache; jitcache.install()\nimport tiny\n"
            "assert tiny.plus_one(2.0) == 3.0\nprint('ok')")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(where), str(ROOT.parent)]),
               NUMBA_CACHE_DIR=str(where / "cache"), NUMBA_DEBUG_CACHE="1")
    return subprocess.run([sys.executable, "-c", code], cwd=where, env=env, capture_output=True, text=True, timeout=600)


def test_a_damaged_cache_entry_is_compiled_again_not_an_error_ever_after(tmp_path):
    # a truncated or garbled entry (a full disk, a killed process) raised on every later run
    (tmp_path / "tiny.py").write_text(TINY)
    assert "data saved" in _run_tiny(tmp_path).stdout
    index = next((tmp_path / "cache").rglob("*.nbi"))
    data = next((tmp_path / "cache").rglob("*.nbc"))
    for damage in (lambda: data.write_bytes(data.read_bytes()[:100]), lambda: data.write_bytes(b""),
                   lambda: index.write_bytes(b""), lambda: index.write_bytes(b"\x80\x04garbage")):
        damage()
        p = _run_tiny(tmp_path)
        assert p.returncode == 0 and "ok" in p.stdout, p.stderr[-2000:]
        assert "data saved" in p.stdout  # compiled again and stored afresh
        p = _run_tiny(tmp_path)
        assert p.returncode == 0 and "data loaded" in p.stdout and "data saved" not in p.stdout, p.stdout
        index = next((tmp_path / "cache").rglob("*.nbi"))
        data = next((tmp_path / "cache").rglob("*.nbc"))


def test_a_cache_that_cannot_be_written_warns_once_and_the_kernel_still_runs(tmp_path):
    # a full disk: numba raised after the kernel was compiled and the command's work was done
    (tmp_path / "tiny.py").write_text(TINY)
    full = ("import errno, numba.core.caching as c\n"
            "def _full(self, name, data):\n    raise OSError(errno.ENOSPC, 'No space left on device')\n"
            "c.IndexDataCacheFile._save_data = _full\nimport mlcalc.cli.base")
    p = _run_tiny(tmp_path, full)
    assert p.returncode == 0 and "ok" in p.stdout, p.stderr[-2000:]
    assert p.stderr.count("mlcalc: warning: cannot save compiled kernels in") == 1, p.stderr
    assert "No space left on device" in p.stderr
    p = _run_tiny(tmp_path)  # room again: compiled and stored
    assert p.returncode == 0 and "data saved" in p.stdout, p.stderr[-2000:]


def test_the_cache_folder_is_the_first_writable_of_xdg_and_home(tmp_path, monkeypatch):
    from mlcalc import config
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert config.cache_dir() == tmp_path / "xdg" / "mlcalc" / "numba"
    # a relative XDG_CACHE_HOME is ignored (the XDG spec): it put a cache in every folder mlcalc ran from
    monkeypatch.setenv("XDG_CACHE_HOME", "relative")
    monkeypatch.chdir(tmp_path)
    assert config.cache_dir() == home / ".cache" / "mlcalc" / "numba"
    assert not (tmp_path / "relative").exists()
    # one that cannot hold a folder (a file): the home's
    (tmp_path / "afile").write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "afile"))
    assert config.cache_dir() == home / ".cache" / "mlcalc" / "numba"
    # no home either (a container's uid without a passwd entry): none
    from pathlib import Path

    def no_home():
        raise RuntimeError("Could not determine home directory.")
    monkeypatch.setattr(Path, "home", staticmethod(no_home))
    assert config.cache_dir() is None


def test_without_a_writable_cache_folder_kernels_use_one_for_the_run_alone(tmp_path):
    # numba found no place for its cache and every kernel failed to load ("no locator available")
    (tmp_path / "afile").write_text("")
    env = {k: v for k, v in os.environ.items() if k not in ("NUMBA_CACHE_DIR", "XDG_CACHE_HOME")}
    env.update(HOME=str(tmp_path / "afile"), PYTHONPATH=str(ROOT.parent))
    code = ("from mlcalc import config; config.apply(); import os; d = os.environ['NUMBA_CACHE_DIR']; "
            "assert config.cache_is_temporary and os.path.isdir(d), d; " + CALL + "; print(d)")
    p = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr[-2000:]
    assert not os.path.exists(p.stdout.strip())  # removed when the process ended


def test_the_locator_installs_on_numba_releases_before_0_62():
    # numba 0.59–0.61 (pyproject's floor) call the base locator _UserProvidedCacheLocator: install()
    # returned quietly there, and a damaged cache entry failed every later run
    code = ("from numba.core import caching\n"
            "if hasattr(caching, 'UserProvidedCacheLocator'):  # a numba from 0.62: the old name only\n"
            "    caching._UserProvidedCacheLocator = caching.UserProvidedCacheLocator\n"
            "    del caching.UserProvidedCacheLocator\n"
            "from mlcalc import jitcache\n"
            "jitcache.install()\n"
            "print(caching.CacheImpl._locator_classes[0].__name__)\n")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr[-3000:]
    assert p.stdout.strip() == "PackageSourceLocator"
