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
