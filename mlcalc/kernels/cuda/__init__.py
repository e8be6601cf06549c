"""numba.cuda kernels for `--device cuda`.

Nothing here imports numba.cuda when mlcalc starts: `mlcalc.engine` calls `require_gpu()` only when
a command asks for `--device cuda`, and the kernel modules (gemm, elementwise, reductions, nn) import
numba.cuda through `load_cuda()`. Under numba's CUDA simulator (`NUMBA_ENABLE_CUDASIM=1`, set before
numba is imported) the same kernels run in Python threads on the CPU: that is how the tests check
them on machines without a GPU.
"""

from __future__ import annotations

import os

from mlcalc.errors import MlcalcError

_cuda = None


def simulated() -> bool:
    """Is numba's CUDA simulator asked for? Read as numba reads it, once, when it is imported: an
    integer, and anything else ("true", "yes") is 0 with a warning (taken for "on", such a value let
    the driver's multi-line error through as an internal error)."""
    try:
        return int(os.environ.get("NUMBA_ENABLE_CUDASIM", "0")) != 0
    except ValueError:
        return False


def load_cuda():
    """Import and return numba.cuda, after the settings it needs."""
    global _cuda
    if _cuda is None:
        from mlcalc import config
        config.apply()
        import numpy as np
        # numba-cuda 0.30.4 still registers an overload for np.row_stack, which NumPy 2.5 removed:
        # without this alias every kernel fails to compile with NumPy >= 2.5. vstack is what
        # row_stack always was. Must run before numba.cuda is imported.
        if not hasattr(np, "row_stack"):
            np.row_stack = np.vstack
        from numba import cuda
        _cuda = cuda
    return _cuda


def require_gpu() -> None:
    """Raise MlcalcError with the reason unless a CUDA GPU (or the simulator) can run the kernels."""
    try:
        cuda = load_cuda()
    except ImportError as e:  # a numba without its CUDA target
        raise MlcalcError(f"--device cuda: no CUDA GPU is available (numba.cuda cannot be imported: "
                          f"{_one_line(e)}; install numba-cuda[cu12], mlcalc's cuda extra)") from None
    if simulated():
        return
    try:
        if cuda.is_available():
            return
        cuda.current_context()  # not available: this raises with numba's reason
        reason = "no usable device"
    except Exception as e:  # CudaSupportError and driver errors: the message is the reason
        reason = _one_line(e)
    raise MlcalcError(f"--device cuda: no CUDA GPU is available ({reason})")


def driver_errors_as_one_line(op: str, fn):
    """fn, with the errors of CUDA's driver and compiler (out of GPU memory, a missing NVVM, a launch
    the device refuses) as one error line naming the op; they pass require_gpu() and came out as a
    multi-line internal error. Other exceptions are left as they are (a bug stays visible)."""
    import functools

    @functools.wraps(fn)
    def guarded(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except MlcalcError:
            raise
        except Exception as e:
            if "cudadrv" not in (type(e).__module__ or ""):
                raise
            raise MlcalcError(f"{op}: the GPU could not run it ({_one_line(e)})") from None
    return guarded


def _one_line(e: BaseException) -> str:
    """numba's driver messages span lines; an error here is one line."""
    text = " ".join(str(e).split()).rstrip(" :")
    return text or type(e).__name__
