"""Every numba and threading setting in one place.

`apply()` must run before numba (or a BLAS-backed NumPy call that starts threads) is imported;
`mlcalc.engine` calls it before loading any numba kernel. Settings the user made in the
environment always win.
"""

import os

_applied = False


def cache_dir():
    """Numba's on-disk kernel cache (a pathlib.Path), the user's cache folder (never site-packages): the
    first of $XDG_CACHE_HOME/mlcalc/numba (an absolute path only, as the XDG spec says: a relative one
    put a cache in every folder mlcalc ran from) and ~/.cache/mlcalc/numba that can be written; None
    where neither can (a read-only home, or no home at all: a container's uid without a passwd entry)."""
    from pathlib import Path  # not at import: main() imports this module on every command
    bases = []
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg and os.path.isabs(xdg):
        bases.append(Path(xdg))
    try:
        bases.append(Path.home() / ".cache")
    except (RuntimeError, KeyError, OSError):  # "Could not determine home directory"
        pass
    for base in bases:
        folder = base / "mlcalc" / "numba"
        if _writable_folder(folder):
            return folder
    return None


def _writable_folder(folder) -> bool:
    """Whether `folder` (a path or its text) exists or can be made, and a file can be created in it (numba's
    own test)."""
    import tempfile
    from pathlib import Path
    try:
        Path(folder).mkdir(parents=True, exist_ok=True)
        tempfile.TemporaryFile(dir=folder).close()
        return True
    except OSError:
        return False


def _cache_for_this_run() -> str | None:
    """A temporary cache folder, removed when the process ends: where no cache folder can be written,
    numba found no place for its cache and every kernel failed to load ("no locator available")."""
    import atexit
    import shutil
    import tempfile
    try:
        folder = tempfile.mkdtemp(prefix="mlcalc-numba-")
    except OSError:
        return None
    atexit.register(shutil.rmtree, folder, True)
    return folder


# the cache folder is temporary (no writable cache folder): `warmup` and the first compile say so, and why
cache_is_temporary = False
temporary_cache_reason = "no cache folder can be written ($XDG_CACHE_HOME, ~/.cache)"
# the warning for a NUMBA_CACHE_DIR that cannot be written, whose kernels went to the user's cache folder
cache_redirected: str | None = None


def early() -> None:
    """The thread settings that must precede NumPy's import (OpenBLAS reads them when it loads):
    main() calls this first. Cheap: environment variables only."""
    # BLAS threads that spin after a call would fight numba's for the same cores (seen: a numba
    # fit 12x slower right after a NumPy product)
    os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "1")
    # workqueue: a tiny parallel call costs ~60 us instead of ~5 ms with OpenMP here
    os.environ.setdefault("NUMBA_THREADING_LAYER", "workqueue")


def apply(threads: int | None = None) -> None:
    """Set numba's environment once, before it is imported."""
    global _applied
    if threads is not None and threads > 0:
        # an explicit --threads always wins, also over the environment; it is a cap, so at most one
        # thread a CPU (--threads 32768 made numba and OpenBLAS start that many and hang)
        threads = min(threads, os.cpu_count() or 1)
        os.environ["NUMBA_NUM_THREADS"] = str(threads)
        os.environ["OMP_NUM_THREADS"] = str(threads)
        os.environ["OPENBLAS_NUM_THREADS"] = str(threads)
    if _applied:
        return
    _check_thread_count()
    _applied = True
    early()
    # LLVM's SLP vectoriser turns the GEMM micro-kernel's scalar accumulators into vector FMAs
    os.environ.setdefault("NUMBA_SLP_VECTORIZE", "1")
    _prefer_512_bit_vectors()
    global cache_is_temporary, temporary_cache_reason, cache_redirected
    given = os.environ.get("NUMBA_CACHE_DIR")
    if not given:  # (numba takes an empty one as unset)
        folder = cache_dir()
        if folder is None:
            folder = _cache_for_this_run()
            cache_is_temporary = folder is not None
        if folder is not None:
            os.environ["NUMBA_CACHE_DIR"] = str(folder)
    elif not _writable_folder(given):
        # numba, finding the user's folder unusable (a file, read-only), wrote its cache into the installed
        # package without a word: the user's cache folder instead (a folder for this run alone compiled
        # everything again on every run, 86 s for a gelu), with a warning that says so
        folder = cache_dir()
        if folder is not None:
            cache_redirected = f"NUMBA_CACHE_DIR ({given}) cannot be written: compiled kernels are kept in {folder}"
        else:
            folder = _cache_for_this_run()
            cache_is_temporary = folder is not None
            temporary_cache_reason = f"NUMBA_CACHE_DIR ({given}) cannot be written"
        if folder is not None:
            os.environ["NUMBA_CACHE_DIR"] = str(folder)


def _check_thread_count() -> None:
    """NUMBA_NUM_THREADS of 0 or less stops numba at its import ("Number of threads specified must be
    > 0", an internal error on every numba command and large CSV read): one line that says whose it is."""
    value = os.environ.get("NUMBA_NUM_THREADS", "").strip()
    try:
        bad = value != "" and int(value) <= 0
    except ValueError:
        bad = False  # numba itself ignores a value that is not a number
    if bad:
        from mlcalc.errors import MlcalcError
        raise MlcalcError(f"NUMBA_NUM_THREADS={value} in the environment: numba needs at least 1 thread "
                          "(unset it, or give --threads N)")


def _host_features() -> str:
    """LLVM's feature string for this CPU ("+avx2,+fma,-avx512f,..."), or "" where llvmlite cannot tell."""
    try:
        import llvmlite.binding as llvm
        llvm.initialize_native_target()
        return llvm.get_host_cpu_features().flatten()
    except Exception:  # no llvmlite or an unknown host: keep numba's own choice
        return ""


def _prefer_512_bit_vectors() -> None:
    """On AVX-512 CPUs, let LLVM use the 512-bit registers.

    For many Intel cores LLVM's tuning says "prefer 256-bit vectors", so the vectorisers split
    the GEMM micro-kernel's rows into 256-bit halves that no longer fit the 32 registers: the
    packed GEMM ran at 0.3-0.5x OpenBLAS instead of ~0.9x (docs/performance.md). The user's
    own NUMBA_CPU_NAME / NUMBA_CPU_FEATURES always win."""
    if "NUMBA_CPU_FEATURES" in os.environ or "NUMBA_CPU_NAME" in os.environ:
        return
    features = _host_features()
    if "+avx512f" in features.split(","):
        os.environ["NUMBA_CPU_FEATURES"] = features + ",-prefer-256-bit"


def vector_isa() -> str:
    """"avx512" where numba compiles for AVX-512 (32 vector registers of 512 bits), else "avx2" (16 of
    256 bits, or fewer and narrower): the GEMM takes its register tiles by it, since a tile sized
    for 32 registers spills on 16 (0.27x OpenBLAS on a Zen 3 EPYC). Call after `apply()`."""
    features = os.environ.get("NUMBA_CPU_FEATURES")
    if features is None:
        if os.environ.get("NUMBA_CPU_NAME", "host") != "host":
            return "avx2"  # a named or generic target: the 16-register tiles are safe on any of them
        features = _host_features()
    return "avx512" if "+avx512f" in features.split(",") else "avx2"


# Options for every numba kernel. Never full fastmath: reassociation breaks NaN handling and
# makes LLVM vectorise GEMM's k loop as a reduction (0.2x); "contract" allows FMA only.
JIT_OPTIONS = dict(cache=True, nogil=True, fastmath={"contract"})
