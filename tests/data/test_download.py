"""Downloads for real, from HTTP servers on 127.0.0.1 that the tests start."""

import dataclasses
import shutil

import pytest

from termnet.data import MNIST, DownloadError, fetch, load_dataset
from termnet.data import datasets as datasets_module
from termnet.data.sources import ROLES, STANDARD_FILES

from .helpers import closed_port_url, http_server, source_for, write_tiny_mnist


@pytest.fixture
def served(tmp_path):
    folder = tmp_path / "served"
    arrays = write_tiny_mnist(folder)
    return folder, arrays


def files_in(folder):
    return sorted(p.name for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def test_a_good_download_is_verified_cached_and_then_reused(served, isolated_cache, monkeypatch):
    folder, arrays = served
    with http_server(folder) as url:
        monkeypatch.setitem(datasets_module.SOURCES, "mnist", source_for(folder, (url,)))
        seen = []
        data = load_dataset("mnist", progress=lambda name, done, total: seen.append((name, done, total)))
    assert len(data.x_train) == 12 and "downloaded to" in data.description
    assert files_in(isolated_cache / "mnist") == sorted(STANDARD_FILES.values())
    assert {name for name, _, _ in seen} == set(STANDARD_FILES.values())
    assert all(done <= total for _, done, total in seen) and seen[-1][1] == seen[-1][2] > 0
    # the server is gone: the second load comes from the cache
    again = load_dataset("mnist", download=False)
    assert "from the cache" in again.description and len(again.x_test) == 5


def test_a_checksum_mismatch_is_rejected_and_leaves_nothing(served, isolated_cache):
    folder, _ = served
    published = source_for(folder, ())  # checksums of the genuine files
    (folder / STANDARD_FILES["test_labels"]).write_bytes(b"tampered")
    with http_server(folder) as url, pytest.raises(DownloadError, match="checksum mismatch"):
        fetch(dataclasses.replace(published, mirrors=(url,)), "test_labels")
    assert files_in(isolated_cache) == []


def test_an_interrupted_download_leaves_nothing(served, isolated_cache):
    folder, _ = served
    with http_server(folder, truncate=True) as url, pytest.raises(DownloadError, match="every mirror failed"):
        fetch(source_for(folder, (url,)), "train_images")
    assert files_in(isolated_cache) == []


def test_the_first_mirror_down_and_the_second_serving(served, isolated_cache):
    folder, _ = served
    with http_server(folder) as good:
        source = source_for(folder, (closed_port_url(), good))
        for role in ROLES:
            assert fetch(source, role).is_file()
    assert len(files_in(isolated_cache)) == 4


def test_a_mirror_answering_404_is_skipped(served, tmp_path):
    folder, _ = served
    (tmp_path / "empty").mkdir()
    with http_server(tmp_path / "empty") as missing, http_server(folder) as good:
        assert fetch(source_for(folder, (missing, good)), "test_labels").is_file()
        with pytest.raises(DownloadError, match="HTTP 404"):
            fetch(source_for(folder, (missing,)), "test_images")


def test_every_mirror_down_gives_a_clear_error(served):
    folder, _ = served
    source = source_for(folder, (closed_port_url(), closed_port_url()))
    with pytest.raises(DownloadError) as error:
        fetch(source, "test_images")
    message = str(error.value)
    assert message.count("http://127.0.0.1:") == 2 and "--data-dir" in message
    assert message.count("could not connect") == 2 and "Traceback" not in message


def test_real_mnist_test_files_verified_against_the_published_sha256(mnist_dir, tmp_path, isolated_cache, monkeypatch):
    # the official t10k files in ../shared are byte-identical to the published ones
    folder = tmp_path / "mirror"
    folder.mkdir()
    for role in ("test_images", "test_labels"):
        shutil.copy(mnist_dir / STANDARD_FILES[role], folder)
    with http_server(folder) as url:
        monkeypatch.setenv("TERMNET_MNIST_MIRRORS", f"{closed_port_url()},{url}")
        path = fetch(MNIST, "test_images")
    assert path.parent == isolated_cache / "mnist" and path.stat().st_size == 1_648_877
