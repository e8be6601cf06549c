"""`warmup`: compile and cache every numba kernel by calling it once on tiny inputs."""

from __future__ import annotations

import importlib
import os
import sys

from mlcalc import config, engine


def warmup(progress: bool = True) -> list[str]:
    """Import every numba kernel module and run its `warmup()`; returns the modules compiled."""
    if engine.jit_disabled():
        from mlcalc.errors import MlcalcError
        raise MlcalcError("warmup: NUMBA_DISABLE_JIT is set in the environment, so numba compiles nothing: unset it")
    config.apply()
    from mlcalc import jitcache
    jitcache.announce_compiling = False  # its own progress lines say what it compiles
    modules = sorted({path.partition(":")[0] for _, path in engine.all_numba_kernels()})
    done = []
    total = len(modules) + 1  # and the CSV reader
    if progress:  # a cold cache takes minutes on 2 cores (about 8 measured beside other work): say so first
        sys.stderr.write(f"compiling {total} kernel modules once; on an empty cache this takes several minutes\n")
    for k, name in enumerate(modules, 1):
        if progress:
            sys.stderr.write(f"compiling {name} ({k} of {total}) …\n")
            sys.stderr.flush()
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError:
            continue
        hook = getattr(module, "warmup", None)
        if hook is not None:
            hook()
        done.append(name)
    if progress:
        sys.stderr.write(f"compiling the parallel CSV reader ({total} of {total}) …\n")
        sys.stderr.flush()
    _warm_csv_reader()
    done.append("mlcalc.io._csvkernels")
    if progress:
        where = os.environ.get("NUMBA_CACHE_DIR") or "numba's own cache folder"
        if config.cache_is_temporary:
            where += f" (a temporary folder, for this run only: {config.temporary_cache_reason})"
        base = sys.modules.get("mlcalc.cli.base")
        if base is not None:  # the command line's held warnings (a cache that cannot be saved) before the summary
            base.flush_warnings()
        sys.stderr.write(f"compiled {len(done)} kernel modules; cache in {where}\n")
    return done


def _warm_csv_reader() -> None:
    """The CSV kernels are not ops (no registry entry): read a tiny file through the fast path."""
    import os
    import tempfile

    from mlcalc.io import csvfast
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "warm.csv")
        with open(path, "w") as f:
            f.write("x,y\n1,2.5\n3,4e-3\n-0.1,nan\n")
        csvfast.read(path, path, None)
