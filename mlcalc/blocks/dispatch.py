"""When a command works by blocks: NPY operands over half the memory budget (`--memory-limit`), or a
Dask scheduler (`--scheduler` / MLCALC_SCHEDULER). Commands call `run_blocked(...)`, which returns
the result (or None once written to -o) when it handled the command, and NOT_BLOCKED otherwise."""

from __future__ import annotations

import os

import numpy as np

from mlcalc.blocks import local, storage
from mlcalc.blocks.storage import size_text
from mlcalc.errors import MlcalcError

NOT_BLOCKED = object()


def scheduler_address(settings) -> str | None:
    return settings.scheduler or os.environ.get("MLCALC_SCHEDULER") or None


def budget(settings) -> int:
    return storage.parse_size(settings.memory_limit) if settings.memory_limit else storage.default_budget()


def working_dtype(settings) -> np.dtype:
    """The dtype the blocks are computed in: --dtype's."""
    return np.dtype(np.float32 if settings.dtype == "float32" else np.float64)


def _npy_path(spec: str) -> str | None:
    return spec if spec.lower().endswith(".npy") and os.path.isfile(spec) else None


def _progress(settings, label: str):
    """A Rich progress bar on a terminal's stderr (blocks done), else a no-op."""
    from mlcalc.progress import stderr_bar, stderr_is_terminal
    if settings.quiet or not stderr_is_terminal():
        return None, (lambda done, total: None)
    from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeRemainingColumn
    bar = stderr_bar(TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    task = bar.add_task(label, total=None)
    return bar, (lambda done, total: bar.update(task, completed=done, total=total))


def run_blocked(op: str, specs: list[str], settings, result_shape, compute_local, compute_cluster=None,
                read_small=None, prepare=None):
    """Work by blocks when the operands call for it.

    result_shape(shapes) -> the result's shape; compute_local(operands, out, budget, progress);
    compute_cluster(dask_operands) -> graph, which cluster.run executes on the client. Operands that
    are not NPY files are small: they are read into memory with `read_small(spec)`; `prepare(operands)`
    may then change them.
    """
    paths = [_npy_path(s) for s in specs]
    if not any(paths):
        return NOT_BLOCKED
    # a command without a cluster path runs here, in memory or by blocks as its size says (refusing
    # it would take it away from anyone who exports MLCALC_SCHEDULER); so does --device cuda, whose
    # kernels work on this machine's GPU in memory
    cuda = getattr(settings, "device", "cpu") == "cuda"
    address = scheduler_address(settings) if compute_cluster is not None and not cuda else None
    limit = budget(settings)
    dtype = working_dtype(settings)
    itemsize = dtype.itemsize
    operands = [storage.NpyBlocks.open(p, dtype) if p else None for p in paths]
    in_bytes = sum(int(np.prod(o.shape)) * itemsize for o in operands if o is not None)
    if address is None and in_bytes <= limit // 2:
        return NOT_BLOCKED  # fits: the ordinary in-memory path is faster
    if cuda:  # the blocks would run on the CPU: not what --device cuda asked for
        raise MlcalcError(f"{op}: --device cuda works in memory, and the operands ({size_text(in_bytes)}) are "
                          f"over half the memory budget ({size_text(limit)}): raise --memory-limit, or "
                          "drop --device cuda to work by blocks on the CPU")
    operands = [o if o is not None else read_small(s) for o, s in zip(operands, specs)]
    if prepare is not None:
        operands = prepare(operands)
    shape = result_shape([o.shape for o in operands])
    out_bytes = int(np.prod(shape)) * itemsize
    # an NPY written by blocks; `-f csv -o x.npy` asks for text, whose size the in-memory result decides
    to_file = (settings.output or "").lower().endswith(".npy") and settings.format in (None, "npy")
    if not to_file and out_bytes > limit // 4:
        # printing holds the result and its text at once: a quarter of the budget at most ("1.6 KB is too
        # large for a budget of 4 KB" read as a contradiction)
        raise MlcalcError(f"{op}: the result ({size_text(out_bytes)}) is over a quarter of the memory budget "
                          f"({size_text(limit)}), too large to print: write it with -o FILE.npy")
    if address is not None:
        from mlcalc.blocks import cluster
        client = cluster.connect(address)
        try:
            chunk = cluster.chunk_rows(shape, itemsize, limit)
            graph = compute_cluster([cluster.as_dask(o, chunk) for o in operands])
            if to_file:
                with storage.AtomicNpyOutput(settings.output, shape, dtype) as out:
                    cluster.run(client, graph, out)
                return None
            return np.asarray(cluster.run(client, graph))
        finally:
            client.close()
    bar, progress = _progress(settings, f"{op} by blocks")
    try:
        if bar is not None:
            bar.start()
        if to_file:
            with storage.AtomicNpyOutput(settings.output, shape, dtype) as out:
                compute_local(operands, out, limit, progress)
            return None
        out = np.empty(shape, dtype=dtype)
        compute_local(operands, out, limit, progress)
        return out
    finally:
        if bar is not None:
            bar.stop()


def matmul(specs, settings, read_small):
    from mlcalc.blocks import cluster

    def shape(shapes):
        sa, sb = (tuple(s) for s in shapes)
        if not sa or not sb:
            raise MlcalcError("matmul: an operand holds a single number (a 0-d NPY): multiply by it with hadamard, "
                              "which broadcasts it, or type it after scale --by")
        k, k2 = sa[-1], sb[0]
        if k != k2:
            raise MlcalcError(f"matmul: shapes {sa} and {sb} do not align: {k} != {k2}")
        return sa[:-1] + sb[1:]  # NumPy's @: a 1-D operand adds no axis

    def compute(ops, out, limit, progress):
        if len(ops[0].shape) == 2 and len(ops[1].shape) == 2:
            local.matmul(ops[0], ops[1], out, limit, settings.engine, progress)
        else:
            local.matvec(ops[0], ops[1], out, limit, progress)

    def graph(ops):
        return cluster.matmul_graph(ops[0], ops[1], settings.engine)

    if len(specs) != 2:
        return NOT_BLOCKED  # chains are multiplied in memory
    # the cluster multiplies matrices; an NPY vector operand keeps the product here
    vectors = any(len(storage.inspect_npy(p, p).shape) != 2 for p in map(_npy_path, specs) if p)
    return run_blocked("matmul", specs, settings, shape, compute, None if vectors else graph, read_small)


def _broadcast_shape(op, shapes):
    try:
        return np.broadcast_shapes(*(tuple(s) for s in shapes))
    except ValueError:
        raise local.elementwise_shape_error(op, *shapes) from None


def elementwise(op, specs, settings, read_small):
    from mlcalc.blocks import cluster
    return run_blocked(
        op, specs, settings, lambda shapes: _broadcast_shape(op, shapes),
        lambda ops, out, limit, progress: local.elementwise(op, ops[0], ops[1], out, limit, settings.engine, progress),
        lambda ops: cluster.elementwise_graph(op, ops[0], ops[1], settings.engine), read_small)


def scale(spec, k, settings):
    return run_blocked("scale", [spec], settings, lambda shapes: shapes[0],
                       lambda ops, out, limit, progress: local.scale(ops[0], k, out, limit, settings.engine, progress))


def transpose(spec, settings):
    def shape(shapes):  # a 1-D file transposes to the (n, 1) column, as in memory
        return tuple(shapes[0][::-1]) if len(shapes[0]) == 2 else (int(np.prod(shapes[0])), 1)
    return run_blocked("transpose", [spec], settings, shape,
                       lambda ops, out, limit, progress: local.transpose(ops[0], out, limit, progress))


def working_bytes(path: str, dtype) -> int:
    """An NPY file's size in memory in the working dtype (what the budget weighs: a uint8 file of 30 KB
    is 240 KB as float64; weighed by its file size it went neither by blocks nor into memory)."""
    info = storage.inspect_npy(path, path, max_ndim=64)
    if not info.shape:  # one number (a 0-d file) never goes by blocks: rows of shape () were an IndexError
        return 0
    return int(np.prod(info.shape)) * np.dtype(dtype).itemsize


def norm(spec, ord_, axis, settings):
    """Matrix norms fro / l1 / inf of an NPY operand over half the budget (one pass by row blocks)."""
    path = _npy_path(spec)
    if path is None or axis is not None or working_bytes(path, working_dtype(settings)) <= budget(settings) // 2:
        return NOT_BLOCKED
    a = storage.NpyBlocks.open(path, working_dtype(settings))
    vector = len(a.shape) == 1 or 1 in a.shape  # 1-D: worked as a column
    ord_ = ord_ or ("l2" if vector else "fro")
    if vector:  # a vector's l2 is the Frobenius norm of its one row/column; l1/inf swap for a row
        ord_ = "fro" if ord_ in ("l2", "spectral", "nuc") else ord_  # all equal for one row or column
        if len(a.shape) == 2 and a.shape[0] == 1 and ord_ in ("l1", "inf"):
            ord_ = "inf" if ord_ == "l1" else "l1"
    bar, progress = _progress(settings, "norm by blocks")
    try:
        if bar is not None:
            bar.start()
        return local.norm(a, ord_, budget(settings), progress)
    finally:
        if bar is not None:
            bar.stop()


def dist(specs, metric, settings, read_small):
    paths = [_npy_path(s) for s in specs]
    limit = budget(settings)  # no cluster path: a scheduler changes nothing here
    dtype = working_dtype(settings)
    npy_shapes = {p: storage.inspect_npy(p, p).shape for p in set(paths) if p}
    npy_bytes = sum(int(np.prod(npy_shapes[p])) * dtype.itemsize for p in paths if p)  # an operand twice counts twice
    if not any(paths) or npy_bytes <= limit // 2:
        return NOT_BLOCKED  # run_blocked's own test, before any operand (standard input) is read
    read_once = {}  # a small operand (standard input among them) is read once, for its shape and its values

    def small(spec):
        if spec not in read_once:
            read_once[spec] = read_small(spec)
        return read_once[spec]
    shapes = [npy_shapes[p] if p else small(s).shape for p, s in zip(paths, specs)]
    if all(len(sh) <= 1 or 1 in sh for sh in shapes):  # (0-d: a one-element vector)
        # two vectors (1-D, one row or one column, as in memory): one distance, from the vectors read
        # whole (their size is all the work), and a number like the in-memory path's, also for -o
        from mlcalc.ops import linalg
        u, v = (storage.NpyBlocks.open(p, dtype)[:] if p else small(s) for p, s in zip(paths, specs))
        return np.asarray(linalg.dist(np.reshape(u, -1), np.reshape(v, -1), metric=metric, engine=settings.engine))

    def as_rows(operands):  # a vector (1-D, one row or one column) is one row, read whole, as in memory
        return [(o if isinstance(o, np.ndarray) else o[:]).reshape(1, -1) if len(o.shape) <= 1 or 1 in o.shape
                else o for o in operands]

    def shape(shapes):
        def width(sh):  # a vector is one point (one row)
            return int(np.prod(sh)) if len(sh) <= 1 or 1 in sh else sh[1]
        if width(shapes[0]) != width(shapes[1]):  # before the result's size is weighed: it is no result
            from mlcalc.ops.common import dist_widths_error
            raise dist_widths_error(*shapes)
        return (shapes[0][0], shapes[1][0])
    return run_blocked("dist", specs, settings, shape,
                       lambda ops, out, limit, progress: local.pairwise_dist(ops[0], ops[1], metric, out, limit,
                                                                             settings.engine, progress),
                       None, small, as_rows)


def require_fits(spec: str, settings, command: str) -> None:
    """Commands that need the whole matrix refuse an NPY operand over the budget, rather than swap. Its
    size in the working dtype counts, as in run_blocked: whatever that keeps in memory passes here."""
    path = _npy_path(spec)
    if path is None:
        return
    size, limit = working_bytes(path, working_dtype(settings)), budget(settings)
    if size > limit and command == "matmul":  # two operands work by blocks: here for a chain
        raise MlcalcError(
            f"matmul: {spec} ({size_text(size)} as {settings.dtype}) is larger than the memory budget "
            f"({size_text(limit)}), and a chain of more than two operands is multiplied in memory: multiply "
            "two at a time (a product of two works by blocks; write it with -o FILE.npy)")
    if size > limit:
        raise MlcalcError(
            f"{command}: {spec} ({size_text(size)} as {settings.dtype}) is larger than the memory budget "
            f"({size_text(limit)}) and {command} needs the whole matrix in memory; raise --memory-limit, or use a "
            "command that works by blocks (matmul, add, sub, hadamard, scale, transpose, norm --ord fro|l1|inf, "
            "dist, train-linreg, predict)")
