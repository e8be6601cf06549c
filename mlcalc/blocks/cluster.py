"""The same block algorithms as dask.array graphs on a Dask cluster (`--scheduler tcp://HOST:PORT`).

Inputs are NPY files on a path every worker can read; each chunk is read by the worker that
needs it (NpyBlocks pickles as a path), each block product runs through mlcalc's kernels, and a
result bigger than memory is stored by the workers straight into the output NPY. Optional extra
`dask` (dask[array] + distributed).
"""

from __future__ import annotations

import math
import re

import numpy as np

from mlcalc.errors import MlcalcError


def _dask():
    try:
        import dask.array as da
        from distributed import Client
    except ImportError:
        # (not `pip install 'mlcalc[dask]'`: no mlcalc is published on PyPI, and a package of that name there
        # would not be this one)
        raise MlcalcError("--scheduler needs Dask: pip install 'dask[array]' distributed "
                          "(or, in mlcalc's source tree, pip install '.[dask]')") from None
    return da, Client


# what distributed can dial from another process: [SCHEME://]HOST:PORT (inproc:// is in-process only)
# (checked first: a malformed
# address raised a ValueError after a 20 s wait, and the half-made Client printed a traceback at exit)
_ADDRESS = re.compile(r"(?:(?:tcp|tls|ucx|ws|wss)://)?(?:\[[0-9a-fA-F:]+\]|[A-Za-z0-9_.-]+):\d{1,5}")


CONNECT_SECONDS = 10


def connect(address: str):
    if not _ADDRESS.fullmatch(address.strip()):
        raise MlcalcError(f"--scheduler {address!r}: not an address like tcp://HOST:PORT")
    _, Client = _dask()
    _probe(address.strip(), CONNECT_SECONDS)
    try:
        return Client(address.strip(), timeout=CONNECT_SECONDS, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as e:
        raise MlcalcError(f"--scheduler {address}: cannot connect ({e})") from None


def _probe(address: str, seconds: float) -> None:
    """Ask the address who it is, under one deadline, before Dask's Client does: a service that is not a
    Dask scheduler made the Client hang for good (one that accepts and never answers) or read junk as a
    frame length, ask for exabytes and then print a traceback from its __del__ after 20 s."""
    import asyncio

    async def identity():
        from distributed.comm import connect
        # the deadline is wait_for's: connect's own, the same, fired first on Python 3.11 and last on 3.13 (its
        # wait_for changed in 3.12), so an address where nothing listens gave either of two messages
        comm = await connect(address, timeout=2 * seconds)
        try:
            await comm.write({"op": "identity", "reply": True})
            return await comm.read()
        finally:
            comm.abort()

    try:
        reply = asyncio.run(asyncio.wait_for(identity(), seconds))
    except asyncio.TimeoutError:
        raise MlcalcError(f"--scheduler {address}: cannot connect (no answer within {seconds:g} s)") from None
    except Exception as e:  # refused, reset, junk that does not parse (MemoryError from a bogus length)
        raise MlcalcError(f"--scheduler {address}: cannot connect ({type(e).__name__}: {e})"[:300]) from None
    if not (isinstance(reply, dict) and reply.get("type") == "Scheduler"):
        raise MlcalcError(f"--scheduler {address}: the service there is not a Dask scheduler")


def chunk_rows(shape, itemsize: int, budget: int) -> int:
    """Square-ish chunks of at most budget/8 bytes: a worker holds a few at a time."""
    side = max(64, int(math.isqrt(max(budget // 8 // itemsize, 1))))
    return min(side, max(shape))


def as_dask(operand, chunk: int):
    da, _ = _dask()
    if isinstance(operand, np.ndarray):
        return da.from_array(operand, chunks=chunk)
    return da.from_array(operand, chunks=chunk, asarray=False, lock=False, inline_array=True,
                         meta=np.empty((0,) * operand.ndim, dtype=operand.dtype))


def _block_product(a: np.ndarray, b: np.ndarray, engine: str) -> np.ndarray:
    from mlcalc import engine as engines
    kern = engines.kernel("matmul", engine, work=a.shape[0] * a.shape[1] * b.shape[1])
    return kern(a, b)[:, None, :]


def _block_elementwise(x: np.ndarray, y: np.ndarray, op: str, engine: str, swapped: bool) -> np.ndarray:
    from mlcalc import engine as engines
    a, b = (y, x) if swapped else (x, y)
    return engines.kernel(op, engine, work=max(a.size, b.size))(a, b)


def matmul_graph(a, b, engine: str):
    """C = A·B as a graph: per-block products (i, j, k) summed over j, as dask.array does."""
    da, _ = _dask()
    partial = da.blockwise(_block_product, "ijk", a, "ij", b, "jk", engine=engine, dtype=a.dtype,
                           adjust_chunks={"j": 1}, meta=np.empty((0, 0, 0), dtype=a.dtype))
    return partial.sum(axis=1, dtype=a.dtype)


def elementwise_graph(op: str, a, b, engine: str):
    """A ∘ B block by block. map_blocks takes the result's chunks from its first array, so the larger
    operand goes first (a row or a number first made a result of its shape); the block function puts
    them back in order, as sub needs."""
    da, _ = _dask()
    swapped = a.ndim < b.ndim or (a.ndim == b.ndim and a.size < b.size)
    first, second = (b, a) if swapped else (a, b)
    return da.map_blocks(_block_elementwise, first, second, op=op, engine=engine, swapped=swapped,
                         dtype=np.result_type(a.dtype, b.dtype))


def run(client, graph, out_writer=None):
    """Compute on the cluster: into `out_writer` block by block, or back here as one array (or a list
    of graphs as a list of results)."""
    da, _ = _dask()
    try:
        if isinstance(graph, list):
            return client.gather(client.compute(graph))
        if out_writer is not None:
            future = da.store(graph, out_writer, lock=False, compute=False)
            client.compute(future).result()
            return None
        return client.compute(graph).result()
    except MlcalcError:
        raise
    except Exception as e:  # the cluster's own failure: one line, and the usual cause
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise MlcalcError(f"--scheduler: the cluster could not run the graph ({first}); the scheduler and "
                          "every worker need mlcalc installed in the same environment, and the NPY files "
                          "on a path they can all read") from None
