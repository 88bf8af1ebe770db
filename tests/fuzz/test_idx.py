"""Fuzzing the IDX reader: generated headers and bodies, raw and gzipped, cut short or padded.

read_idx may raise only IdxError, and must check the header's sizes before it decompresses or sets
memory aside: every example runs under tracemalloc with a 64 MiB ceiling, however much the header claims.
"""

import gzip
import tracemalloc

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from termnet.data import IdxError, read_idx

PEAK_LIMIT = 64 * 2**20
ITEMSIZES = {0x08: 1, 0x09: 1, 0x0B: 2, 0x0C: 4, 0x0D: 4, 0x0E: 8}  # IDX type code -> bytes per number

dimensions = st.lists(st.one_of(st.integers(0, 40), st.sampled_from([2**32 - 1, 2**31, 60_000, 10**9])),
                      min_size=0, max_size=6)
type_codes = st.one_of(st.sampled_from(list(ITEMSIZES)), st.integers(0, 255))
# how the body relates to what the header declares: exact, short, long, or a body of zeros far larger
body_plans = st.one_of(st.just(0), st.integers(-50, 50), st.sampled_from([10**6, 5 * 10**6]))


def _file(magic: bytes, code: int, dims: list[int], ndim_delta: int, plan: int, seed: int) -> bytes:
    header = magic + bytes([code, (len(dims) + ndim_delta) % 256]) + np.array(dims, ">u4").tobytes()
    declared = int(np.prod(dims, dtype=object)) * ITEMSIZES.get(code, 1) if dims else 0
    size = min(declared, 2**16) + plan if plan < 10**6 else plan  # never more than ~5 MB of real data
    body = np.random.default_rng(seed).integers(0, 256, max(size, 0), dtype=np.uint8).tobytes() \
        if plan < 10**6 else bytes(size)
    return header + body


files = st.builds(_file, st.sampled_from([b"\x00\x00", b"\x00\x00", b"\x00\x01", b"PK"]), type_codes, dimensions,
                  st.sampled_from([0, 0, 0, 1, -1]), body_plans, st.integers(0, 2**16))


def _only_idx_errors(path) -> None:
    tracemalloc.start()
    try:
        read_idx(path)
    except IdxError:
        pass
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert peak < PEAK_LIMIT, f"{peak / 2**20:.0f} MiB used for a file of {path.stat().st_size:,} bytes"


@given(files, st.booleans())
def test_generated_idx_files(tmp_path_factory, data, gzipped):
    path = tmp_path_factory.mktemp("idx") / ("fuzz-idx3-ubyte.gz" if gzipped else "fuzz-idx3-ubyte")
    path.write_bytes(gzip.compress(data, compresslevel=1) if gzipped else data)
    _only_idx_errors(path)


@given(files, st.integers(min_value=0), st.binary(max_size=8))
def test_cut_or_corrupted_gzip(tmp_path_factory, data, cut, junk):
    packed = gzip.compress(data, compresslevel=1)
    at = cut % (len(packed) + 1)
    path = tmp_path_factory.mktemp("idx") / "fuzz-idx1-ubyte.gz"
    path.write_bytes(packed[:at] + junk + packed[at + len(junk):])
    _only_idx_errors(path)


@given(st.binary(max_size=300), st.booleans())
def test_arbitrary_bytes(tmp_path_factory, data, gzipped):
    path = tmp_path_factory.mktemp("idx") / ("fuzz.gz" if gzipped else "fuzz")
    path.write_bytes(data)
    _only_idx_errors(path)
