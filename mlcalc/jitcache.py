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
        base = caching.UserProvidedCacheLocator
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
    _tell_before_compiling(caching)


# whether a first compile should be announced: once a process (then False), and never during `mlcalc
# warmup`, which says what it compiles itself
announce_compiling = True


def _tell_before_compiling(caching) -> None:
    """Wrap numba's cache lookup: the first mlcalc kernel it does not find (numba compiles it next) calls
    the command line's notice, where the command line is running (looked up, not imported: the kernels
    stay free of CLI concerns, and a library user sees nothing)."""
    try:
        lookup = caching.Cache.load_overload
    except AttributeError:
        return

    def load_overload(self, sig, target_context):
        global announce_compiling
        found = lookup(self, sig, target_context)
        if found is None and announce_compiling and _inside_package(inspect.getsourcefile(self._py_func) or ""):
            announce_compiling = False
            cli = sys.modules.get("mlcalc.cli.base")
            if cli is not None:
                cli.compiling_notice()
        return found

    caching.Cache.load_overload = load_overload
