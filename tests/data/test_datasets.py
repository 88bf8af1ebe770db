"""load_dataset: shapes, scaling, sizes, the lookup order, and the real MNIST files."""

import numpy as np
import pytest

from termnet.data import DatasetError, dataset_status, load_dataset, one_hot

from .helpers import write_tiny_mnist


def test_one_hot():
    np.testing.assert_array_equal(one_hot([5], 10)[0], [0, 0, 0, 0, 0, 1, 0, 0, 0, 0])
    assert one_hot(np.array([0, 2, 1])).shape == (3, 3)
    with pytest.raises(ValueError, match="labels must be in"):
        one_hot([3], 2)


def test_digits_load_offline_in_a_fixed_stratified_split():
    data = load_dataset("digits")
    assert data.x_train.shape == (1347, 1, 8, 8) and data.x_test.shape == (450, 1, 8, 8)
    assert data.x_train.dtype == np.float32 and data.x_train.min() >= 0 and data.x_train.max() == 1
    assert set(np.unique(data.y_test)) == set(range(10))
    # stratified: each digit's share of the test set is its share of the whole, to one image
    totals = np.bincount(data.y_test) + np.bincount(data.y_train)
    assert np.all(np.abs(np.bincount(data.y_test) - totals * 450 / 1797) <= 1)
    np.testing.assert_array_equal(load_dataset("digits").y_train, data.y_train)
    assert "8x8" in data.description


def test_train_size_takes_the_first_images(tmp_path):
    arrays = write_tiny_mnist(tmp_path, train=12)
    data = load_dataset("mnist", data_dir=tmp_path, train_size=5)
    assert len(data.x_train) == 5
    np.testing.assert_array_equal(data.y_train, arrays["train_labels"][:5])
    np.testing.assert_allclose(data.x_train[:, 0] * 255, arrays["train_images"][:5], atol=1e-3)
    with pytest.raises(DatasetError, match="train_size=0"):
        load_dataset("digits", train_size=0)


@pytest.mark.parametrize("gz", [True, False])
def test_data_dir_with_gzipped_or_raw_files(tmp_path, gz):
    write_tiny_mnist(tmp_path, gz=gz)
    data = load_dataset("mnist", data_dir=tmp_path, download=False)
    assert data.x_train.shape == (12, 1, 28, 28) and data.x_test.shape == (5, 1, 28, 28)
    assert str(tmp_path) in data.description


def test_any_idx_folder(tmp_path):
    write_tiny_mnist(tmp_path)
    data = load_dataset("idx", data_dir=tmp_path)
    assert data.class_names == [str(d) for d in range(10)]


def test_clear_errors_for_bad_names_and_folders(tmp_path):
    with pytest.raises(DatasetError, match="Unknown dataset 'cifar'"):
        load_dataset("cifar")
    with pytest.raises(DatasetError, match="does not exist"):
        load_dataset("mnist", data_dir=tmp_path / "missing")
    with pytest.raises(DatasetError, match="not cached.*termnet data fetch mnist"):
        load_dataset("mnist", download=False)
    with pytest.raises(DatasetError, match="does not hold the four IDX files"):
        load_dataset("idx", data_dir=tmp_path)


def test_status_of_each_dataset(tmp_path):
    assert dataset_status("digits").available
    assert not dataset_status("mnist").cached
    write_tiny_mnist(tmp_path)
    status = dataset_status("mnist", data_dir=tmp_path)
    assert status.available and status.where == str(tmp_path) and status.size_bytes > 0


def test_the_real_mnist_files(mnist_dir):
    data = load_dataset("mnist", data_dir=mnist_dir)
    assert data.x_train.shape == (22699, 1, 28, 28) and data.x_test.shape == (10000, 1, 28, 28)
    assert data.x_train.dtype == np.float32
    assert data.x_train.min() == 0.0 and data.x_train.max() == 1.0
    assert set(np.unique(data.y_train)) == set(range(10)) == set(np.unique(data.y_test))


def test_fashion_mnist_is_read_from_the_debian_package_folder_first(tmp_path, monkeypatch):
    import dataclasses

    from termnet.data import FASHION_MNIST
    from termnet.data import datasets as datasets_module

    write_tiny_mnist(tmp_path / "fashion-mnist")
    debian = dataclasses.replace(FASHION_MNIST, system_dirs=(str(tmp_path / "fashion-mnist"),))
    monkeypatch.setitem(datasets_module.SOURCES, "fashion-mnist", debian)
    data = load_dataset("fashion-mnist", download=False)
    assert "(Debian package)" in data.description and data.class_names[9] == "Ankle boot"


def test_a_data_dir_lacking_one_file_names_it_and_the_folder(tmp_path):
    # issue 10: this said "could not download", as if the folder had not been given
    write_tiny_mnist(tmp_path)
    (tmp_path / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(DatasetError) as error:
        load_dataset("mnist", data_dir=tmp_path)
    message = str(error.value)
    assert f"{tmp_path} lacks t10k-labels-idx1-ubyte.gz" in message and "holds the other three" in message
    assert "could not download" not in message.lower() and "Copy the missing file into" in message
    with pytest.raises(DatasetError, match="lacks t10k-labels-idx1-ubyte.gz"):
        load_dataset("idx", data_dir=tmp_path)


def test_a_data_dir_holding_none_of_the_files_says_so_when_the_download_fails(tmp_path, monkeypatch):
    from termnet.data import DownloadError

    from .helpers import closed_port_url

    monkeypatch.setenv("TERMNET_MNIST_MIRRORS", closed_port_url())
    with pytest.raises(DownloadError, match=f"{tmp_path} holds none of the four IDX files"):
        load_dataset("mnist", data_dir=tmp_path)
