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


#: The most data an IDX file may declare (MNIST's training images are 47 MB; EMNIST's largest 0.55 GB).
#: A header is four bytes away from declaring terabytes, so sizes are checked before anything is read.
MAX_DATA_BYTES = 2**30
#: Deflate shrinks data 1,032:1 at most, so a gzip file of n bytes can never hold more than this times n.
MAX_GZIP_RATIO = 1032
_CHUNK = 2**20


class IdxError(ValueError):
    """An IDX file is truncated, corrupt or not IDX at all."""


def _read_exactly(handle, size: int, path: Path) -> bytes:
    """Up to ``size`` bytes, fewer only at the end of the data; gzip failures become IdxError."""
    try:
        return handle.read(size)
    except (EOFError, OSError, zlib.error) as error:  # BadGzipFile is an OSError
        raise IdxError(f"{path}: the gzip data is truncated or corrupt ({error})") from None


def _read_header(handle, path: Path) -> tuple[np.dtype, tuple[int, ...]]:
    head = _read_exactly(handle, 4, path)
    if len(head) < 4:
        raise IdxError(f"{path}: only {len(head)} bytes, too short for an IDX header")
    if head[0] != 0 or head[1] != 0:
        raise IdxError(f"{path}: not an IDX file (it starts {head[0]:#04x} {head[1]:#04x}, not 0x00 0x00)")
    type_code, ndim = head[2], head[3]
    if type_code not in IDX_TYPES:
        raise IdxError(f"{path}: unknown IDX element type {type_code:#04x}")
    if ndim == 0:
        raise IdxError(f"{path}: the header declares 0 dimensions")
    dims = _read_exactly(handle, 4 * ndim, path)
    if len(dims) < 4 * ndim:
        raise IdxError(f"{path}: the header is cut short ({4 + len(dims)} bytes, {4 + 4 * ndim} needed "
                       f"for {ndim} dimensions)")
    shape = tuple(int.from_bytes(dims[i:i + 4], "big") for i in range(0, 4 * ndim, 4))
    return np.dtype(IDX_TYPES[type_code]), shape


def _check_declared(path: Path, shape: tuple[int, ...], expected: int, header: int, file_size: int,
                    gzipped: bool, max_bytes: int) -> None:
    """Refuse, before reading the data, a declared size that is too large or that the file cannot hold."""
    announces = f"the header announces {shape} ({expected:,} bytes of data)"
    if not gzipped and expected != file_size - header:
        state = "truncated" if file_size - header < expected else "longer than its header says"
        raise IdxError(f"{path}: {state}: {announces} but the file holds {file_size - header:,}")
    if expected > max_bytes:
        raise IdxError(f"{path}: {announces}, more than termnet reads from one IDX file ({max_bytes:,} bytes)")
    if math.prod(d for d in shape if d) > max_bytes:  # empty, but NumPy cannot even shape (0, 2**32, 2**32)
        raise IdxError(f"{path}: the header announces dimensions {shape}, too large for any array")
    if gzipped and expected + header > file_size * MAX_GZIP_RATIO:
        raise IdxError(f"{path}: truncated: {announces} but a gzip file of {file_size:,} bytes cannot hold "
                       f"that much")


def _read_data(handle, path: Path, shape, expected: int) -> bytearray:
    """Exactly the declared bytes, read in chunks; one byte more is read to tell a file that is too long."""
    buffer = bytearray(expected)
    view, done = memoryview(buffer), 0
    while done < expected:
        chunk = _read_exactly(handle, min(_CHUNK, expected - done), path)
        if not chunk:
            raise IdxError(f"{path}: truncated: the header announces {shape} ({expected:,} bytes of data) "
                           f"but the file holds {done:,}")
        view[done:done + len(chunk)] = chunk
        done += len(chunk)
    if _read_exactly(handle, 1, path):
        raise IdxError(f"{path}: longer than its header says: the header announces {shape} "
                       f"({expected:,} bytes of data) and more follows")
    return buffer


def read_idx(path: str | os.PathLike, max_bytes: int = MAX_DATA_BYTES) -> np.ndarray:
    """Read an IDX file (optionally gzip-compressed) into an array of its own type.

    The header is read first and its sizes checked against the file (and ``max_bytes``) before the
    data is decompressed or memory set aside for it, so a small file cannot take gigabytes.
    """
    path = Path(path)
    gzipped = path.suffix == ".gz"
    try:
        with open(path, "rb") as raw:
            file_size = os.fstat(raw.fileno()).st_size
            handle = gzip.GzipFile(fileobj=raw, mode="rb") if gzipped else raw
            dtype, shape = _read_header(handle, path)
            header = 4 + 4 * len(shape)
            expected = math.prod(shape) * dtype.itemsize
            _check_declared(path, shape, expected, header, file_size, gzipped, max_bytes)
            data = _read_data(handle, path, shape, expected)
    except OSError as error:
        raise IdxError(f"{path}: cannot read it ({error.strerror or error})") from None
    return np.frombuffer(data, dtype).reshape(shape).astype(dtype.newbyteorder("="), copy=False)


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
