"""Blocks of NPY files: read with plain positioned reads from one descriptor, written through a
short-lived memory map.

Reading copies and a fresh map for each written block, dropped right after, keep the process's resident
memory at one block (mapped pages that stay mapped count in RSS). Objects here pickle as a path and a
header, so Dask can ship them to worker processes that share the file system.
"""

from __future__ import annotations

import errno
import math
import os
import re

import numpy as np

from mlcalc.errors import InputError
from mlcalc.io.npyfile import NpyInfo, inspect_npy

_SIZE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([kmgt]?i?b?)?\s*", re.I)
_UNITS = {"": 1, "b": 1, "k": 1e3, "kb": 1e3, "kib": 2**10, "m": 1e6, "mb": 1e6, "mib": 2**20,
          "g": 1e9, "gb": 1e9, "gib": 2**30, "t": 1e12, "tb": 1e12, "tib": 2**40}


def parse_size(text: str) -> int:
    """'512MB', '2GiB', '1.5 GB', '1000000'... → bytes (kB, MB, GB, TB: powers of 1000; KiB … TiB: of 1024)."""
    m = _SIZE.fullmatch(text)
    unit = (m.group(2) or "").lower() if m else None
    if not m or unit not in _UNITS:
        raise InputError(f"--memory-limit: {text!r} is not a size like 512MB or 2GiB")
    return int(float(m.group(1)) * _UNITS[unit])


def size_text(n: int) -> str:
    """Bytes as a person reads them: 4.1 KB, 512 MB, 2.15 GB."""
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("KB", 1e3)):
        if n >= scale:
            return f"{n / scale:.3g} {unit}"
    return f"{n} bytes"


def default_budget() -> int:
    """Half of the memory this process may use: the machine's physical memory, or its cgroup's limit
    where that is lower (a container given 2 GB on a 64 GB host would otherwise plan for 32)."""
    try:
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        memory = 8 * 2**30
    limit = cgroup_memory_limit()
    return min(memory, limit if limit is not None else memory) // 2


def cgroup_memory_limit(root: str = "/sys/fs/cgroup", own: str = "/proc/self/cgroup") -> int | None:
    """The lowest memory limit of this process's cgroup and its ancestors (cgroup v2's memory.max, or
    v1's memory.limit_in_bytes), None where none is set or there are no cgroups."""
    try:
        with open(own) as f:
            lines = f.read().splitlines()
    except OSError:
        return None
    files = []
    for line in lines:
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        _, controllers, path = parts
        if controllers == "":
            base, name = root, "memory.max"
        elif "memory" in controllers.split(","):
            base, name = os.path.join(root, "memory"), "memory.limit_in_bytes"
        else:
            continue
        steps = [p for p in path.split("/") if p]
        files += [os.path.join(base, *steps[:k], name) for k in range(len(steps) + 1)]
    limits = []
    for name in files:
        try:
            with open(name) as f:
                text = f.read().strip()
        except OSError:
            continue
        if text.isdigit():  # "max" (v2) is no limit; v1 writes no limit as a huge number
            limits.append(int(text))
    return min(limits) if limits else None


class NpyBlocks:
    """An NPY file that hands out blocks (copies, native float64/float32) by slicing.

    The file is opened once, and every block read from that descriptor: the file the header described,
    even when its name is given another file meanwhile (`mlcalc scale b.npy --by 2 -o b.npy` while a
    product of b.npy ran by blocks: reopened for every block, its rows mixed the two files). Pickled
    (for a cluster's workers) it is a path again, opened where it is read."""

    def __init__(self, info: NpyInfo, dtype=np.float64):
        self.info = info
        self.shape = info.shape
        self.ndim = len(info.shape)
        self.dtype = np.dtype(dtype)
        self._fd = None
        self._descriptor()  # now, right after the header was read

    def _descriptor(self) -> int:
        if self._fd is None:
            try:
                self._fd = os.open(self.info.path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
            except OSError as e:
                raise InputError(f"{self.info.path}: cannot be read ({e.strerror or e})") from None
        return self._fd

    def __getstate__(self):
        return {k: v for k, v in self.__dict__.items() if k != "_fd"}

    def __setstate__(self, state):
        self.__dict__.update(state, _fd=None)

    def __del__(self):
        if getattr(self, "_fd", None) is not None:
            os.close(self._fd)
            self._fd = None

    @classmethod
    def open(cls, path: str, dtype=np.float64) -> "NpyBlocks":
        return cls(inspect_npy(path, path), dtype)

    def __getitem__(self, key) -> np.ndarray:
        """A block as a new array, read with plain file reads (one per row of a column panel).

        Not through a memory map: the kernel's read-ahead around strided accesses maps far more of
        the file than the block, and mapped pages count in the process's resident memory."""
        i = self.info
        if not i.shape:  # a 0-d file (np.save of a number): its one value
            return self._typed(self._read(slice(0, 1), slice(0, 1), (1, 1)), 0, 0).reshape(())
        parts = [slice(None) if k is Ellipsis else k for k in (key if isinstance(key, tuple) else (key,))]
        rows, cols = (parts + [slice(None), slice(None)])[:2]
        shape = i.shape if len(i.shape) == 2 else (i.shape[0], 1)
        r0, c0 = rows.indices(shape[0])[0], cols.indices(shape[1])[0]
        if i.fortran:  # a Fortran-order file is the C-order transpose
            return np.ascontiguousarray(self._typed(self._read(cols, rows, (shape[1], shape[0])).T, r0, c0))
        return self._typed(self._read(rows, cols, shape), r0, c0).reshape(
            (-1,) if len(i.shape) == 1 else (-1, len(range(*cols.indices(shape[1])))))

    def _typed(self, block: np.ndarray, r0: int, c0: int) -> np.ndarray:
        """The block in the working dtype, float32 overflow refused as on the in-memory path."""
        from mlcalc.io.read import as_working_dtype
        if len(self.info.shape) == 1:
            block = block.reshape(-1)  # a 1-D file: positions are elements
        return as_working_dtype(block, self.dtype, self.info.path, (r0, c0))

    def _read(self, rows: slice, cols: slice, shape) -> np.ndarray:
        i = self.info
        r0, r1, rs = rows.indices(shape[0])
        c0, c1, cs = cols.indices(shape[1])
        if rs != 1 or cs != 1:
            raise ValueError("NpyBlocks reads contiguous slices only")
        nr, nc = max(0, r1 - r0), max(0, c1 - c0)
        out = np.empty((nr, nc), dtype=i.dtype)
        item = i.dtype.itemsize
        if nc == shape[1]:  # whole rows: one read
            self._read_at(memoryview(out).cast("B"), i.offset + r0 * shape[1] * item)
        else:
            for k in range(nr):
                self._read_at(memoryview(out[k]).cast("B"), i.offset + ((r0 + k) * shape[1] + c0) * item)
        if not i.dtype.isnative:
            out = out.astype(i.dtype.newbyteorder("="))
        return out

    def _read_at(self, buffer: memoryview, offset: int) -> None:
        """Fill buffer from the file at offset (positioned reads: no shared seek), all of it: a file cut
        short since its header was read left the rest of the block as np.empty's garbage."""
        fd, done = self._descriptor(), 0
        while done < len(buffer):
            try:
                got = os.preadv(fd, [buffer[done:]], offset + done)
            except OSError as e:
                raise InputError(f"{self.info.path}: cannot be read ({e.strerror or e})") from None
            if got == 0:
                raise InputError(f"{self.info.path}: the file ends before the data its header describes "
                                 "(cut short, or changed while it was read)")
            done += got

    def __array__(self, dtype=None, copy=None):  # only small ones should ever get here
        return self[...] if dtype is None else self[...].astype(dtype)


class NpyBlockWriter:
    """A new NPY file, written block by block (`writer[rows, cols] = block`)."""

    def __init__(self, path: str, shape: tuple[int, ...], dtype):
        self.path, self.shape, self.dtype = path, tuple(shape), np.dtype(dtype)
        mm = np.lib.format.open_memmap(path, mode="w+", dtype=self.dtype, shape=self.shape)
        self.offset = mm.offset
        del mm
        # the file's blocks reserved now: a map written over a hole on a full disk dies of SIGBUS, while
        # here a lack of space is an OSError before any work (file systems without fallocate: as before)
        with open(path, "rb+") as f:
            try:
                os.posix_fallocate(f.fileno(), 0, self.offset + math.prod(self.shape) * self.dtype.itemsize)
            except OSError as e:
                if e.errno not in (errno.EOPNOTSUPP, errno.EINVAL, errno.ENOSYS):
                    raise

    def __setitem__(self, key, value) -> None:
        mm = np.memmap(self.path, dtype=self.dtype, mode="r+", offset=self.offset, shape=self.shape)
        try:
            mm[key] = value
            mm.flush()
        finally:
            del mm


class AtomicNpyOutput:
    """A temporary NPY file, renamed over the target (or copied into a device or FIFO) only when every
    block is written: write.AtomicTarget's rules, as for an in-memory result."""

    def __init__(self, target: str, shape, dtype):
        from mlcalc.io.write import AtomicTarget, terminable

        self.target = AtomicTarget(target)
        self.signals = terminable()  # SIGTERM/SIGHUP while the temporary file exists: removed, not left
        self.signals.__enter__()
        self.tmp = self.target.temp(".npy")
        try:
            self.writer = NpyBlockWriter(self.tmp, shape, dtype)
        except BaseException as e:
            self.signals.__exit__(None, None, None)
            self._discard(e)
            raise

    def __enter__(self) -> NpyBlockWriter:
        return self.writer

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            if exc_type is None:
                self.target.commit(self.tmp)
            else:
                self._discard(exc)  # any other exception goes on as it was
        finally:
            self.signals.__exit__(None, None, None)

    def _discard(self, e: BaseException) -> None:
        """The temporary file goes; an OSError (no space, a file size limit) becomes one error line."""
        from mlcalc.io.write import discard

        discard(self.tmp)
        if isinstance(e, OSError):
            raise self.target.error(e) from None
