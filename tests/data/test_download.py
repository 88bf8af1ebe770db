"""Downloads for real, from HTTP servers on 127.0.0.1 that the tests start."""

import dataclasses
import shutil
from pathlib import Path

import pytest

from termnet.data import MNIST, DatasetError, DownloadError, fetch, load_dataset
from termnet.data import datasets as datasets_module
from termnet.data.download import is_cached
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


def _flip_one_bit(path, position=None):
    data = bytearray(path.read_bytes())
    position = len(data) // 2 if position is None else position
    data[position] ^= 0x01
    path.write_bytes(bytes(data))


def test_a_file_one_bit_off_is_refused_and_not_cached(served, isolated_cache):
    # the same length and nearly the same bytes: only the checksum can tell
    folder, _ = served
    published = source_for(folder, ())
    genuine = (folder / STANDARD_FILES["train_images"]).read_bytes()
    _flip_one_bit(folder / STANDARD_FILES["train_images"])
    assert len((folder / STANDARD_FILES["train_images"]).read_bytes()) == len(genuine)
    with http_server(folder) as url, pytest.raises(DownloadError) as error:
        fetch(dataclasses.replace(published, mirrors=(url,)), "train_images")
    assert "checksum mismatch (file rejected)" in str(error.value), "the error must say the checksum did not match"
    assert files_in(isolated_cache) == [], "a file failing its checksum must leave nothing in the cache"
    assert not is_cached(published, "train_images")


def test_a_cached_file_corrupted_later_is_not_trusted(served, isolated_cache, monkeypatch):
    folder, _ = served
    source = source_for(folder, ())
    monkeypatch.setitem(datasets_module.SOURCES, "mnist", source)
    with http_server(folder) as url:
        cached = {role: fetch(dataclasses.replace(source, mirrors=(url,)), role) for role in ROLES}
    assert "from the cache" in load_dataset("mnist", download=False).description
    genuine = cached["test_images"].read_bytes()
    _flip_one_bit(cached["test_images"])  # bit rot, or a file replaced by hand
    assert not is_cached(source, "test_images"), "is_cached must re-check the checksum, not only that the file exists"
    with pytest.raises(DatasetError, match="not cached"):
        load_dataset("mnist", download=False)  # the damaged file must not be served as the dataset
    with pytest.raises(DownloadError, match="could not connect"):  # nor handed out when no mirror answers
        fetch(dataclasses.replace(source, mirrors=(closed_port_url(),)), "test_images")
    with http_server(folder) as url:  # a mirror again: downloaded anew, verified, genuine
        again = fetch(dataclasses.replace(source, mirrors=(url,)), "test_images")
    assert again.read_bytes() == genuine, "a corrupted cached file must be replaced by a verified download"


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


# --- issue 10: a total deadline, a size cap, and no temporaries left behind ---

def test_a_mirror_dripping_a_byte_at_a_time_is_abandoned_at_the_deadline(served, isolated_cache, monkeypatch):
    import time

    folder, _ = served
    monkeypatch.setenv("TERMNET_DOWNLOAD_DEADLINE", "1.5")
    started = time.monotonic()
    with http_server(folder, drip=True) as url, pytest.raises(DownloadError) as error:
        fetch(source_for(folder, (url,)), "train_images")
    assert time.monotonic() - started < 5, "the deadline is for the whole file, not for each read"
    assert "not finished within 1.5 s" in str(error.value) and "TERMNET_DOWNLOAD_DEADLINE" in str(error.value)
    assert files_in(isolated_cache) == [], "an abandoned download must leave nothing in the cache"


def test_the_default_deadline_grows_with_the_file():
    from termnet.data.download import deadline_seconds

    assert deadline_seconds(0) == 60 and deadline_seconds(10_000_000) == 260
    assert deadline_seconds(None) > deadline_seconds(10_000_000)


@pytest.mark.parametrize("announce", [None, 10**12])
def test_a_mirror_streaming_an_endless_body_is_cut_off_at_the_known_size(served, isolated_cache, announce):
    import time

    folder, _ = served
    source = source_for(folder, ())
    started = time.monotonic()
    with http_server(folder, endless=True, announce=announce) as url, pytest.raises(DownloadError) as error:
        fetch(dataclasses.replace(source, mirrors=(url,)), "train_images")
    assert time.monotonic() - started < 5
    size = source.sizes["train_images"]
    assert f"more than the {size:,} bytes the file has" in str(error.value)
    assert files_in(isolated_cache) == []


def test_a_killed_download_leaves_a_recognisable_temporary_that_the_next_download_removes(served, isolated_cache):
    import os
    import signal
    import subprocess
    import sys
    import time

    folder, _ = served
    with http_server(folder, drip=True) as url:
        script = ("import sys; sys.path.insert(0, sys.argv[1]); from tests.data.helpers import source_for; "
                  "from termnet.data import fetch; from pathlib import Path; "
                  "fetch(source_for(Path(sys.argv[2]), (sys.argv[3],)), 'train_images')")
        root = str(Path(__file__).resolve().parents[2])
        child = subprocess.Popen([sys.executable, "-c", script, root, str(folder), url],
                                 env={**os.environ, "TERMNET_CACHE_DIR": str(isolated_cache)})
        deadline = time.monotonic() + 20
        while not list((isolated_cache / "mnist").glob("*.part")) and time.monotonic() < deadline:
            time.sleep(0.05)
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
    left = files_in(isolated_cache)
    assert left == [f"train-images-idx3-ubyte.gz.{child.pid}.part"], "a kill leaves its temporary, named for the file"
    with http_server(folder) as url:
        fetch(source_for(folder, (url,)), "test_labels")
    assert files_in(isolated_cache) == ["t10k-labels-idx1-ubyte.gz"], "the next download removes stale temporaries"


def test_a_live_download_s_temporary_is_left_alone(served, isolated_cache):
    import os

    folder, _ = served
    live = isolated_cache / "mnist" / f"train-images-idx3-ubyte.gz.{os.getppid()}.part"
    live.parent.mkdir(parents=True)
    live.write_bytes(b"still downloading")
    with http_server(folder) as url:
        fetch(source_for(folder, (url,)), "test_labels")
    assert live.exists(), "another running termnet's download must not be removed under it"


def test_every_published_file_has_its_size():
    from termnet.data.sources import MNIST

    assert MNIST.sizes == {"train_images": 9_912_422, "train_labels": 28_881, "test_images": 1_648_877,
                           "test_labels": 4_542}
