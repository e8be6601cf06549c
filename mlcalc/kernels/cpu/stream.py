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

`prefetch(arr, index)` asks for a cache line ahead of use; `fetch_ahead(x, j, count)` asks for the
lines `READ_AHEAD_BYTES` beyond x[j:j + count]. The compute-bound passes (the sigmoids: ~1.2 ns an
element a core) need it: their long chains of vector work fill the out-of-order window, so the
loads that miss wait in turn, and a sigmoid over 10⁸ float64 took the compute's time plus the
copy's (88-106 ms against 53 and 42) until it asked for its input 4 KiB ahead, a group of lines
every 64 elements (53-65 ms; docs/performance.md).
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


@intrinsic
def prefetch(typingctx, arr, index):
    """Ask the CPU to fetch the cache line of arr[index] (llvm.prefetch: read, keep in all levels);
    index an integer or a tuple of one per dimension. A hint only: it never faults, so an index past
    the end is harmless (and, in a C-contiguous array, names what follows)."""
    sig = types.void(arr, index)

    def codegen(context, builder, signature, args):
        aryty, indexty = signature.args
        ary = context.make_array(aryty)(context, builder, args[0])
        indices = cgutils.unpack_tuple(builder, args[1]) if isinstance(indexty, types.BaseTuple) else [args[1]]
        ptr = cgutils.get_item_pointer(context, builder, aryty, ary, indices, wraparound=False)
        i8p = ir.IntType(8).as_pointer()
        i32 = ir.IntType(32)
        fn = cgutils.get_or_insert_function(builder.module, ir.FunctionType(ir.VoidType(), [i8p, i32, i32, i32]),
                                            "llvm.prefetch.p0")
        builder.call(fn, [builder.bitcast(ptr, i8p), ir.Constant(i32, 0), ir.Constant(i32, 3), ir.Constant(i32, 1)])
        return context.get_dummy_value()

    return sig, codegen


# how far ahead fetch_ahead asks: 4 KiB (512 float64), about 0.6 us of sigmoid work on one core;
# 4, 16 and 64 KiB ahead measured within noise of each other (docs/performance.md)
READ_AHEAD_BYTES = 4096


@njit(inline="always", **JIT_OPTIONS)
def fetch_ahead(x, j, count):
    """Prefetch the cache lines of x[j + ahead : j + ahead + count], ahead = READ_AHEAD_BYTES (x 1-D)."""
    step = _LINE // x.itemsize
    first = j + READ_AHEAD_BYTES // x.itemsize
    for q in range(first, first + count, step):
        prefetch(x, q)


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
