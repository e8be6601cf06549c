"""Compile every CUDA kernel variant to PTX for an H100 (sm_90) without a GPU.

The simulator runs kernels as Python, so it cannot catch what only numba's CUDA typing and
lowering reject (a shared-array shape that is not a literal, a branch that does not type); this
does. Needs numba-cuda with its toolkit wheels (`pip install "numba-cuda[cu12]"`), no driver.
Run by tests/kernels/test_cuda_sim.py when numba-cuda is installed; prints "compiled N".
"""

import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from mlcalc.kernels.cuda import load_cuda  # noqa: E402  (applies the np.row_stack alias first)

cuda = load_cuda()
import numba.cuda.dispatcher as dispatcher  # noqa: E402
from numba.types import float32, float64, uint8  # noqa: E402


class _H100:
    compute_capability = (9, 0)


# a kernel's device functions are compiled for the current device's cc, which asks the driver
dispatcher.get_current_device = lambda: _H100()

from mlcalc.kernels.cuda import elementwise, gemm, reductions  # noqa: E402

count = 0


def ptx(kernel, sig) -> str:
    global count
    src, _ = cuda.compile_ptx(kernel.py_func, sig, cc=(9, 0))
    count += 1
    return src


for dt in (float32, float64):
    m2, v = dt[:, ::1], dt[::1]
    for trans_b in (False, True):
        for act in gemm.FUSED_ACTS:
            for has_bias in (False, True):
                src = ptx(gemm.gemm_kernel(str(dt), trans_b, act, has_bias)[0], (m2, m2, m2, v, dt, dt))
                # the 8×8 accumulators must live in registers, not spill to local memory
                assert not re.search(r"\b(ld|st)\.local", src), f"gemm {dt} trans_b={trans_b} act={act} bias={has_bias} spills"
    for op in range(3):
        ptx(elementwise.binary_kernel(op), (m2, m2, m2))
    for code in range(8):
        ptx(elementwise.unary_kernel(code), (v, v, dt, dt))
    for kind in range(5):
        ptx(reductions.reduce_kernel(kind), (v, float64[::1], float64))
    for causal in (False, True):
        for has_mask in (False, True):
            ptx(reductions.softmax_kernel(causal, has_mask), (m2, m2, uint8[:, ::1] if has_mask else m2))
print(f"compiled {count}")
