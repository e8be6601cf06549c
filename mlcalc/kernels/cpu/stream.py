"""Streaming (non-temporal) stores for kernels whose result is larger than the caches.

An ordinary store first reads the destination's cache line from memory (write-allocate), so a pass
that reads one array and writes another moves three arrays' worth of bytes, not two. A streaming
store writes whole lines straight to memory instead, as memcpy does for large copies: on the Zen 3
host a relu over 10⁸ float64 took 81 ms with ordinary stores and 51 ms with these, where np.copyto
took 66 (docs/performance.md). Only for results that will not be read again from the caches
(`STREAM_FROM_BYTES`): a streamed line is evicted.

`store(out, i, v)` is out[i] = v with LLVM's !nontemporal hint and an alignment of 64 bytes, which
the vectoriser needs before it emits vmovntpd/vmovntps: call it only on `aligned_span`'s middle of
a 1-D contiguous view, whose start is 64-byte aligned. `fence()` after the streaming part of a task
orders those stores before the task ends (streaming stores are weakly ordered).
"""

from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic

from mlcalc.config import JIT_OPTIONS

# results from this size on are streamed: about the L3 of the hosts measured (32 MiB), beyond which
# a result is out of the caches by the time anything reads it
STREAM_FROM_BYTES = 32 << 20

_LINE = 64  # bytes: the alignment of a streamed run, one cache line (and one zmm vector)


@intrinsic
def store(typingctx, arr, i, v):
    """arr[i] = v as a non-temporal store (no negative-index fix-up, no bounds check)."""
    sig = types.void(arr, i, v)

    def codegen(context, builder, signature, args):
        aryty = signature.args[0]
        ary = context.make_array(aryty)(context, builder, args[0])
        ptr = cgutils.get_item_pointer(context, builder, aryty, ary, [args[1]], wraparound=False)
        value = context.cast(builder, args[2], signature.args[2], aryty.dtype)
        st = builder.store(value, ptr, align=_LINE)
        st.set_metadata("nontemporal", builder.module.add_metadata([ir.Constant(ir.IntType(32), 1)]))
        return context.get_dummy_value()

    return sig, codegen


@njit(inline="always", **JIT_OPTIONS)
def put(out, i, v, nt):
    """out[i] = v, streamed when nt. Callers pass nt as a constant (True for an aligned_span's
    middle, False elsewhere): inlined, the test folds away and each loop keeps one kind of store."""
    if nt:
        store(out, i, v)
    else:
        out[i] = v


@intrinsic
def fence(typingctx):
    """A full memory fence (mfence on x86): the streaming stores before it are visible before
    anything after it. LLVM's portable fence, not x86's sfence intrinsic, so that the module also
    compiles for other CPUs (where !nontemporal is a hint or nothing)."""
    sig = types.void()

    def codegen(context, builder, signature, args):
        builder.fence("seq_cst")
        return context.get_dummy_value()

    return sig, codegen


@njit(inline="always", **JIT_OPTIONS)
def aligned_span(out):
    """(s, e): out[s:e] starts on a 64-byte boundary and holds whole lines; the few elements before s
    and after e are written with ordinary stores. (0, 0) when out's elements do not tile a line."""
    size = out.itemsize
    n = out.shape[0]
    if _LINE % size != 0:
        return 0, 0
    per_line = _LINE // size
    s = ((_LINE - out.ctypes.data % _LINE) % _LINE) // size
    if (out.ctypes.data + s * size) % _LINE != 0 or s >= n:
        return 0, 0
    e = s + (n - s) // per_line * per_line
    return s, e
