"""The IDX format of MNIST and its relatives: a small header, then raw big-endian numbers.

Header: two zero bytes, a type code, the number of dimensions, then each
dimension as a big-endian uint32. The counts always come from the header.
"""

from __future__ import annotations

import gzip
import math
import os
import zlib
from pathlib import Path

import numpy as np

from ..atomic import atomic_write

# IDX type code -> big-endian NumPy dtype
IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
DTYPE_CODES = {np.dtype(t).newbyteorder("="): code for code, t in IDX_TYPES.items()}


class IdxError(ValueError):
    """An IDX file is truncated, corrupt or not IDX at all."""


def _read_bytes(path: Path) -> bytes:
    try:
        if path.suffix == ".gz":
            with gzip.open(path, "rb") as handle:
                return handle.read()
        return path.read_bytes()
    except (EOFError, gzip.BadGzipFile, zlib.error) as error:
        raise IdxError(f"{path}: the gzip data is truncated or corrupt ({error})") from None


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read an IDX file (optionally gzip-compressed) into an array of its own type."""
    path = Path(path)
    data = _read_bytes(path)
    if len(data) < 4:
        raise IdxError(f"{path}: only {len(data)} bytes, too short for an IDX header")
    if data[0] != 0 or data[1] != 0:
        raise IdxError(f"{path}: not an IDX file (it starts {data[0]:#04x} {data[1]:#04x}, not 0x00 0x00)")
    type_code, ndim = data[2], data[3]
    if type_code not in IDX_TYPES:
        raise IdxError(f"{path}: unknown IDX element type {type_code:#04x}")
    if ndim == 0:
        raise IdxError(f"{path}: the header declares 0 dimensions")
    header = 4 + 4 * ndim
    if len(data) < header:
        raise IdxError(f"{path}: the header is cut short ({len(data)} bytes, {header} needed for {ndim} dimensions)")
    shape = tuple(int(d) for d in np.frombuffer(data, ">u4", count=ndim, offset=4))
    dtype = np.dtype(IDX_TYPES[type_code])
    expected = math.prod(shape) * dtype.itemsize
    actual = len(data) - header
    if actual != expected:
        state = "truncated" if actual < expected else "longer than its header says"
        raise IdxError(f"{path}: {state}: the header announces {shape} ({expected:,} bytes of data) "
                       f"but the file holds {actual:,}")
    return np.frombuffer(data, dtype, offset=header).reshape(shape).astype(dtype.newbyteorder("="), copy=False)


def write_idx(path: str | os.PathLike, array: np.ndarray) -> None:
    """Write ``array`` as IDX (gzip-compressed when the name ends in .gz), atomically."""
    path = Path(path)
    array = np.asarray(array)
    code = DTYPE_CODES.get(array.dtype.newbyteorder("="))
    if code is None:
        raise ValueError(f"IDX cannot hold dtype {array.dtype}")
    payload = bytes([0, 0, code, array.ndim]) + np.array(array.shape, ">u4").tobytes()
    payload += array.astype(IDX_TYPES[code]).tobytes()
    if path.suffix == ".gz":
        payload = gzip.compress(payload, mtime=0)
    atomic_write(path, payload)
