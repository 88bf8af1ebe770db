"""The IDX reader: round trips, and a clear error for every kind of broken file."""

import gzip

import numpy as np
import pytest

from termnet.data import IdxError, load_dataset, read_idx, write_idx

from .helpers import write_tiny_mnist


@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64])
@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_round_trip(tmp_path, dtype, suffix):
    array = (np.arange(2 * 3 * 4) - 5).astype(dtype).reshape(2, 3, 4)
    if dtype is np.uint8:
        array = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    write_idx(tmp_path / f"a.idx{suffix}", array)
    result = read_idx(tmp_path / f"a.idx{suffix}")
    np.testing.assert_array_equal(result, array)
    assert result.dtype == np.dtype(dtype)


def test_the_count_comes_from_the_header(tmp_path):
    write_idx(tmp_path / "x", np.zeros((7, 28, 28), np.uint8))
    assert read_idx(tmp_path / "x").shape == (7, 28, 28)


def _raw(tmp_path, payload: bytes, name="broken-idx3-ubyte"):
    path = tmp_path / name
    path.write_bytes(payload)
    return path


def test_truncated_data(tmp_path):
    write_idx(tmp_path / "full", np.zeros((10, 4, 4), np.uint8))
    path = _raw(tmp_path, (tmp_path / "full").read_bytes()[:-20])
    with pytest.raises(IdxError, match=r"broken-idx3-ubyte: truncated: the header announces \(10, 4, 4\)"):
        read_idx(path)


def test_truncated_gzip(tmp_path):
    write_idx(tmp_path / "full.gz", np.arange(1000, dtype=np.int32))
    data = (tmp_path / "full.gz").read_bytes()
    path = _raw(tmp_path, data[: len(data) // 2], "cut.gz")
    with pytest.raises(IdxError, match="cut.gz: the gzip data is truncated or corrupt"):
        read_idx(path)


def test_wrong_magic(tmp_path):
    path = _raw(tmp_path, b"PK\x03\x04" + bytes(100))
    with pytest.raises(IdxError, match="not an IDX file"):
        read_idx(path)


def test_unknown_type_and_short_header(tmp_path):
    with pytest.raises(IdxError, match="unknown IDX element type 0x07"):
        read_idx(_raw(tmp_path, bytes([0, 0, 7, 1, 0, 0, 0, 1, 5])))
    with pytest.raises(IdxError, match="header is cut short"):
        read_idx(_raw(tmp_path, bytes([0, 0, 8, 3, 0, 0])))
    with pytest.raises(IdxError, match="too short"):
        read_idx(_raw(tmp_path, b"\x00"))


def test_extra_bytes_are_an_error_too(tmp_path):
    write_idx(tmp_path / "full", np.zeros(3, np.uint8))
    path = _raw(tmp_path, (tmp_path / "full").read_bytes() + b"\x00")
    with pytest.raises(IdxError, match="longer than its header says"):
        read_idx(path)


def test_labels_that_do_not_match_their_images(tmp_path):
    write_tiny_mnist(tmp_path, train=12)
    write_idx(tmp_path / "train-labels-idx1-ubyte.gz", np.zeros(11, np.uint8))
    message = r"train-labels-idx1-ubyte.gz holds 11 labels but .*train-images-idx3-ubyte.gz holds 12"
    with pytest.raises(IdxError, match=message):
        load_dataset("mnist", data_dir=tmp_path, download=False)


def test_a_gzip_that_is_not_idx(tmp_path):
    write_tiny_mnist(tmp_path)
    (tmp_path / "t10k-images-idx3-ubyte.gz").write_bytes(gzip.compress(b"<html>not found</html>"))
    with pytest.raises(IdxError, match="t10k-images-idx3-ubyte.gz: not an IDX file"):
        load_dataset("mnist", data_dir=tmp_path, download=False)


# --- issue 10: sizes are checked against the header before anything is decompressed or allocated ---

def _bomb(tmp_path, declared=(1_000_000, 64, 64), data_bytes=4_000_000, name="bomb-idx3-ubyte.gz"):
    """A gzip IDX whose header declares ``declared`` but whose body is ``data_bytes`` zeros."""
    header = bytes([0, 0, 8, len(declared)]) + np.array(declared, ">u4").tobytes()
    path = tmp_path / name
    path.write_bytes(gzip.compress(header + bytes(data_bytes), compresslevel=9))
    return path


def _peak_while(action) -> int:
    import tracemalloc

    tracemalloc.start()
    try:
        action()
    except IdxError:
        pass
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak


def test_a_small_gzip_declaring_gigabytes_is_refused_before_it_is_decompressed(tmp_path):
    path = _bomb(tmp_path)  # a few kB on disk that declare 4.1 GB
    assert path.stat().st_size < 50_000
    with pytest.raises(IdxError, match=r"bomb-idx3-ubyte.gz: the header announces \(1000000, 64, 64\) "
                                       r"\(4,096,000,000 bytes of data\), more than"):
        read_idx(path)
    assert _peak_while(lambda: read_idx(path)) < 2**20


def test_a_gzip_declaring_more_than_it_can_hold_is_refused_without_reading_it(tmp_path):
    # 40 MB declared: under the cap, but a 40 kB gzip cannot expand to it (deflate shrinks 1,032:1 at most)
    path = _bomb(tmp_path, declared=(10_000, 64, 64), data_bytes=2_000)
    with pytest.raises(IdxError, match="truncated: the header announces .* a gzip file of .* bytes cannot hold"):
        read_idx(path)
    assert _peak_while(lambda: read_idx(path)) < 2**20


def test_a_gzip_with_more_data_than_declared_stops_one_byte_past_it(tmp_path):
    path = _bomb(tmp_path, declared=(10, 10), data_bytes=50_000_000)  # 100 bytes declared, 50 MB inside
    with pytest.raises(IdxError, match="longer than its header says"):
        read_idx(path)
    assert _peak_while(lambda: read_idx(path)) < 2**20, "the reader must not decompress past the declared size"


def test_a_raw_file_declaring_more_than_its_size_is_refused_without_reading_it(tmp_path):
    path = _raw(tmp_path, bytes([0, 0, 0x0E, 2]) + np.array([100_000, 100_000], ">u4").tobytes() + bytes(64))
    with pytest.raises(IdxError, match=r"truncated: the header announces \(100000, 100000\) \(80,000,000,000 bytes"):
        read_idx(path)
    assert _peak_while(lambda: read_idx(path)) < 2**20


def test_unreadable_paths_are_idx_errors_naming_the_file(tmp_path):
    with pytest.raises(IdxError, match="missing-idx1-ubyte: cannot read it"):
        read_idx(tmp_path / "missing-idx1-ubyte")
    with pytest.raises(IdxError, match=f"{tmp_path.name}: cannot read it"):
        read_idx(tmp_path)


def test_a_lying_gzip_size_trailer_changes_nothing(tmp_path):
    write_idx(tmp_path / "a.gz", np.arange(30, dtype=np.uint8).reshape(3, 10))
    data = bytearray((tmp_path / "a.gz").read_bytes())
    data[-4:] = (2**32 - 1).to_bytes(4, "little")  # ISIZE claims 4 GB; it is only a checksum's neighbour
    (tmp_path / "b.gz").write_bytes(bytes(data))
    with pytest.raises(IdxError, match="b.gz: the gzip data is truncated or corrupt"):
        read_idx(tmp_path / "b.gz")


def test_an_empty_array_with_absurd_dimensions(tmp_path):
    # found by tests/fuzz/test_idx.py: 0 images of 2**32 x 2**32 is 0 bytes, but no array can take that shape
    path = _raw(tmp_path, bytes([0, 0, 8, 3]) + np.array([0, 2**32 - 1, 2**32 - 1], ">u4").tobytes())
    with pytest.raises(IdxError, match="too large for any array"):
        read_idx(path)
