"""Numba's on-disk cache for mlcalc's kernels, keyed by what a kernel was compiled from.

Numba keys a cached kernel by the absolute path of its source file and that one file's content.
Both are wrong for us:

* a kernel inlines helpers and freezes constants from the modules its file imports (nn.py takes its
  exp from vexp.py, linreg.py Adam's constants from train/optimizers.py): a new vexp.py under an
  unchanged nn.py would be served the old compiled exp;
* the same source installed at another path (a fresh checkout, a new virtual environment) compiles
  everything again: minutes of LLVM for the whole set.

So each kernel file is stamped with a digest of its own source and of every mlcalc module it
imports at module level, transitively (the only places a jitted function can take code or
constants from), and its entries live under the file's path inside the package, not on disk.
`install()` must run before the first kernel is decorated: numba picks a function's cache
locator when @njit(cache=True) runs.
"""

from __future__ import annotations

import ast
import hashlib
import inspect
import os
import sys
from functools import lru_cache
from pathlib import Path

PACKAGE_ROOT = Path(__file__).resolve().parent
_installed = False


def _module_file(name: str) -> Path | None:
    """The source file of module `name` (dotted, starting with mlcalc), or None."""
    parts = name.split(".")[1:]
    base = PACKAGE_ROOT.joinpath(*parts)
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


@lru_cache(maxsize=None)
def _imports(path: Path) -> frozenset:
    """The mlcalc source files that `path` imports at module level (not inside functions)."""
    found = set()
    for node in ast.parse(path.read_bytes()).body:
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            # `from mlcalc.kernels.cpu import norms` imports a module, `from mlcalc.config import X` a name
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        for name in names:
            if name == "mlcalc" or name.startswith("mlcalc."):
                f = _module_file(name)
                if f is not None and f != path:
                    found.add(f)
    return frozenset(found)


@lru_cache(maxsize=None)
def source_stamp(path: Path) -> str:
    """sha256 over the file and every mlcalc module it imports at module level, transitively."""
    seen, todo = set(), [path]
    while todo:
        f = todo.pop()
        if f not in seen:
            seen.add(f)
            todo.extend(_imports(f))
    h = hashlib.sha256()
    for f in sorted(seen):
        h.update(str(f.relative_to(PACKAGE_ROOT)).encode() + b"\0" + f.read_bytes() + b"\0")
    return h.hexdigest()


def _inside_package(py_file: str) -> Path | None:
    try:
        p = Path(py_file).resolve()
        p.relative_to(PACKAGE_ROOT)
        return p
    except (OSError, ValueError):
        return None


def install() -> None:
    """Put the package-aware locator first in numba's list (idempotent). Without NUMBA_CACHE_DIR
    (mlcalc.config.apply sets it to the user's cache folder) numba keeps its own choice."""
    global _installed
    if _installed:
        return
    _installed = True
    try:
        from numba.core import caching, config as numba_config
        # public from numba 0.62; 0.59–0.61 (pyproject's floor) name it with an underscore, and without
        # the locator a damaged cache entry failed every later run
        base = getattr(caching, "UserProvidedCacheLocator", None) or caching._UserProvidedCacheLocator
        impl = caching.CacheImpl
    except (ImportError, AttributeError):  # a numba whose internals moved: its own caching still works
        return

    class PackageSourceLocator(base):
        """Cache entries under <cache dir>/<the file's folder in the package>, stamped by source_stamp."""

        def __init__(self, py_func, py_file):
            self._py_file = py_file
            self._lineno = py_func.__code__.co_firstlineno
            self._path = Path(py_file).resolve()
            rel = self._path.parent.relative_to(PACKAGE_ROOT)
            self._cache_path = os.path.join(numba_config.CACHE_DIR, "mlcalc", *rel.parts)

        def get_source_stamp(self):
            return source_stamp(self._path)

        @classmethod
        def from_function(cls, py_func, py_file):
            if not numba_config.CACHE_DIR or _inside_package(py_file) is None:
                return None
            return super().from_function(py_func, py_file)

    classes = impl._locator_classes  # shared by numba's CacheImpl subclasses: changed in place
    classes[:] = [PackageSourceLocator] + [c for c in classes if c.__name__ != "PackageSourceLocator"]
    _wrap_cache(caching)


# whether a first compile should be announced: once a process (then False), and never during `mlcalc
# warmup`, which says what it compiles itself
announce_compiling = True
# whether a cache that could not be written, or a cache for this run alone, has been reported (once a process)
_told_unsaved = False


def _wrap_cache(caching) -> None:
    """Wrap numba's cache lookup and store, for mlcalc's kernels and every other:

    * a lookup that fails (an entry truncated by a full disk or a killed process, garbled bytes, a
      pickle from elsewhere) is a miss: the kernel is compiled again and its index rewritten. numba
      raised, and that kernel failed on every later run until someone deleted the cache by hand;
    * a store that fails (a full or read-only disk) leaves the kernel compiled for this run alone,
      with one warning: numba raised after the work was done;
    * the first mlcalc kernel not found (numba compiles it next) calls the command line's notice, and
      where no cache folder could be written (config.cache_is_temporary) a warning that says so.

    The command line is looked up, not imported: the kernels stay free of CLI concerns, and a library
    user sees nothing."""
    try:
        lookup, store = caching.Cache.load_overload, caching.Cache.save_overload
    except AttributeError:
        return

    def load_overload(self, sig, target_context):
        global announce_compiling
        try:
            found = lookup(self, sig, target_context)
        except Exception:
            _forget_index(self)
            found = None
        if found is None and announce_compiling and _inside_package(inspect.getsourcefile(self._py_func) or ""):
            announce_compiling = False
            cli = sys.modules.get("mlcalc.cli.base")
            if cli is not None:
                cli.compiling_notice()
                from mlcalc import config
                if config.cache_redirected:
                    cli.warn(config.cache_redirected)
                _tell_unsaved(cli, config.temporary_cache_reason, temporary_only=True)
        return found

    def save_overload(self, sig, data):
        try:
            store(self, sig, data)
        except Exception as e:
            _forget_index(self)  # a half-written index would be the next run's damaged entry
            cli = sys.modules.get("mlcalc.cli.base")
            if cli is not None:
                reason = getattr(e, "strerror", None) or e.__class__.__name__
                _tell_unsaved(cli, f"cannot save compiled kernels in {getattr(self, '_cache_path', 'the cache folder')} "
                                   f"({reason})")

    caching.Cache.load_overload = load_overload
    caching.Cache.save_overload = save_overload


def _tell_unsaved(cli, why: str, temporary_only: bool = False) -> None:
    """The command line's warning, once a process, that compiled kernels will not be kept."""
    global _told_unsaved
    from mlcalc import config
    if _told_unsaved or (temporary_only and not config.cache_is_temporary):
        return
    _told_unsaved = True
    cli.warn(f"{why}: numba kernels are compiled again on the next run (set NUMBA_CACHE_DIR to a writable folder)")


def _forget_index(cache) -> None:
    """Remove a function's cache index (its entries are compiled again and the index rewritten)."""
    try:
        os.remove(cache._cache_file._index_path)
    except (AttributeError, OSError):
        pass
