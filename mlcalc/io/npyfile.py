"""Safe NPY/NPZ reading: the header is checked before anything is allocated.

Accepted: dtype kinds f (float16/32/64), i, u, b, native or byte-swapped, C or Fortran order,
at most `max_ndim` dimensions, and a byte count that matches what the file holds (a crafted
header could otherwise ask for hundreds of GiB). Never pickles, objects, strings, structured
or datetime dtypes.
"""

from __future__ import annotations

import ast
import io
import math
import os
import zipfile
import zlib
from dataclasses import dataclass

import numpy as np

from mlcalc.errors import InputError

MAGIC = b"\x93NUMPY"
MMAP_FROM_BYTES = 64 * 1024 * 1024  # memory-map files larger than this instead of reading them


def _parse_header(head: bytes, source: str) -> tuple[np.dtype, tuple[int, ...], bool, int]:
    """(dtype, shape, fortran_order, data offset) from the first bytes of an NPY stream."""
    if len(head) < 10 or not head.startswith(MAGIC):
        sample = head[:4096]  # np.savetxt("x.npy", ...): printable ASCII and line ends
        text = sample.strip() and all(32 <= b < 127 or b in b"\t\r\n" for b in sample)
        raise InputError(f"{source}: not an NPY file (bad magic bytes)"
                         + ("; it holds text: name it .csv or .txt" if text else ""))
    major = head[6]
    if major == 1:
        hlen, start = int.from_bytes(head[8:10], "little"), 10
    elif major in (2, 3):
        if len(head) < 12:
            raise InputError(f"{source}: truncated NPY header")
        hlen, start = int.from_bytes(head[8:12], "little"), 12
    else:
        raise InputError(f"{source}: unsupported NPY format version {major}")
    if hlen > 65536 or len(head) < start + hlen:
        raise InputError(f"{source}: truncated or oversized NPY header")
    text = head[start:start + hlen].decode("utf-8" if major == 3 else "latin1", errors="replace")
    try:
        meta = ast.literal_eval(text.strip())
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        raise InputError(f"{source}: unreadable NPY header") from None
    if not isinstance(meta, dict) or set(meta) != {"descr", "fortran_order", "shape"}:
        raise InputError(f"{source}: unreadable NPY header")
    descr, shape, fortran = meta["descr"], meta["shape"], meta["fortran_order"]
    if not isinstance(descr, str):
        raise InputError(f"{source}: structured arrays are not supported (need a numeric array)")
    try:
        dtype = np.dtype(descr)
    except (TypeError, ValueError):
        raise InputError(f"{source}: unknown dtype {descr!r}") from None
    if dtype.kind not in "fiub" or dtype.hasobject or dtype.fields is not None or dtype.subdtype is not None:
        kinds = {"O": "object (pickled)", "U": "string", "S": "bytes", "M": "datetime", "m": "timedelta",
                 "c": "complex", "V": "structured"}
        raise InputError(f"{source}: {kinds.get(dtype.kind, dtype.kind)} arrays are not supported "
                         "(need float, integer or boolean values)")
    if (not isinstance(shape, tuple) or not all(type(d) is int and d >= 0 for d in shape)  # not True/False
            or not isinstance(fortran, bool)):
        raise InputError(f"{source}: bad shape in NPY header")
    return dtype, shape, fortran, start + hlen


def _check_shape(shape, max_ndim: int, source: str) -> None:
    if len(shape) > max_ndim:
        raise InputError(f"{source}: {len(shape)}-D array, this operand takes at most {max_ndim}-D")
    if math.prod(shape) == 0:
        raise InputError(f"{source}: empty array of shape {shape}")


def _finish(arr: np.ndarray, integers: bool = False) -> np.ndarray:
    """Native byte order and a float dtype: integers and booleans are read as float64 (kept, in native
    order, with `integers`: --exact reads them as Python ints). A 0-d array (np.save of a scalar) is a
    one-element vector, as the literal "5" is."""
    if arr.ndim == 0:
        arr = arr.reshape(1)
    if arr.dtype.kind in "iub":
        if integers:
            return arr if arr.dtype.isnative else arr.astype(arr.dtype.newbyteorder("="))
        return arr.astype(np.float64)
    if not arr.dtype.isnative:
        return arr.astype(arr.dtype.newbyteorder("="))
    if arr.dtype == np.float16:
        return arr.astype(np.float32)
    return arr


def load_npy_bytes(data: bytes, source: str, max_ndim: int = 2, integers: bool = False) -> np.ndarray:
    dtype, shape, fortran, offset = _parse_header(data[:65536 + 12], source)
    _check_shape(shape, max_ndim, source)
    need = math.prod(shape) * dtype.itemsize
    if len(data) - offset != need:
        raise _wrong_size(source, shape, need, len(data) - offset, data[offset + need:offset + need + len(MAGIC)])
    arr = np.frombuffer(data, dtype=dtype, count=math.prod(shape), offset=offset)
    arr = arr.reshape(shape, order="F" if fortran else "C")
    return _finish(arr.copy(), integers)


@dataclass
class NpyInfo:
    """What an NPY file's checked header says: enough to read any block of it later."""

    path: str
    dtype: np.dtype
    shape: tuple[int, ...]
    fortran: bool
    offset: int

    @property
    def nbytes(self) -> int:
        return math.prod(self.shape) * self.dtype.itemsize


def inspect_npy(path: str, source: str, max_ndim: int = 2) -> NpyInfo:
    """Check an NPY file's header against the file's size, without reading its data."""
    with open(path, "rb") as f:
        head = f.read(65536 + 12)
    dtype, shape, fortran, offset = _parse_header(head, source)
    _check_shape(shape, max_ndim, source)
    info = NpyInfo(path, dtype, shape, fortran, offset)
    have = os.path.getsize(path) - offset
    if have != info.nbytes:
        after = b""
        if have > info.nbytes:  # (a huge shape's end is far past the file: no seek there)
            with open(path, "rb") as f:
                f.seek(offset + info.nbytes)
                after = f.read(len(MAGIC))
        raise _wrong_size(source, shape, info.nbytes, have, after)
    return info


def _wrong_size(source: str, shape, need: int, got: int, after: bytes) -> InputError:
    """The data's size disagrees with the header's shape; `after`: the first bytes past the array's end."""
    why = ("truncated or corrupt" if got < need else
           "two NPY arrays one after the other, as np.save twice into one file writes: an operand is one array"
           if after.startswith(MAGIC) else "extra bytes after the array")
    return InputError(f"{source}: NPY header says shape {shape} ({need} bytes of data) but {got} bytes follow "
                      f"the header ({why})")


def load_npy_file(path: str, source: str, max_ndim: int = 2, integers: bool = False) -> np.ndarray:
    info = inspect_npy(path, source, max_ndim)
    order = "F" if info.fortran else "C"
    if info.nbytes >= MMAP_FROM_BYTES:
        arr = np.memmap(path, dtype=info.dtype, mode="r", offset=info.offset, shape=info.shape, order=order)
        return _finish(np.asarray(arr), integers)
    with open(path, "rb") as f:
        f.seek(info.offset)
        arr = np.fromfile(f, dtype=info.dtype, count=math.prod(info.shape))
    return _finish(arr.reshape(info.shape, order=order), integers)


def member_names(members: list[str]) -> list[str]:
    """An archive's members as NumPy names them ('W' for 'W.npy')."""
    return [n[:-4] if n.endswith(".npy") else n for n in members]


def npz_names(path: str) -> list[str] | None:
    """The arrays an NPZ archive holds; None where it is not one (or cannot be read)."""
    try:
        with zipfile.ZipFile(path) as zf:
            return member_names(zf.namelist())
    except (zipfile.BadZipFile, OSError):
        return None


def load_npz_member(path: str, key: str, source: str, max_ndim: int = 2, integers: bool = False) -> np.ndarray:
    try:
        zf = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise InputError(f"{source}: not an NPZ archive") from None
    with zf:
        members = zf.namelist()
        # 'W' or, as NumPy's npz['W.npy'] also allows, the member's own name
        member = key + ".npy" if key + ".npy" in members else key if key in members else None
        if member is None:
            raise InputError(f"{source}: no array named {key!r} in the archive "
                             f"(it has: {', '.join(member_names(members)) or 'nothing'})")
        info = zf.getinfo(member)
        try:
            with zf.open(member) as f:
                head = f.read(65536 + 12)
                dtype, shape, _, offset = _parse_header(head, source)
                _check_shape(shape, max_ndim, source)
                need = math.prod(shape) * dtype.itemsize
                if info.file_size - offset != need:
                    raise InputError(f"{source}: NPY header says shape {shape} ({need} bytes of data) "
                                     f"but the member holds {info.file_size - offset} (truncated or corrupt)")
                rest = f.read(need - max(0, len(head) - offset))
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError) as e:
            # a damaged archive: a bad CRC, compressed data that does not inflate, a cut-off member,
            # a compression method Python lacks, an encrypted member (RuntimeError: password required)
            raise InputError(f"{source}: the archive member cannot be read (corrupt archive: {e})") from None
        return load_npy_bytes(head + rest, source, max_ndim, integers)


def save_npy_bytes(arr: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, np.asarray(arr), allow_pickle=False)
    return buf.getvalue()


def save_npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **{k: np.asarray(v) for k, v in arrays.items()})
    return buf.getvalue()
