"""Model files: exact round trips, resumable state, atomic writes, and clear errors for bad files."""

import io
import json
import pathlib
import pickle
import re
import struct
import tracemalloc
import zipfile

import numpy as np
import pytest

from termnet.engine import FC, Activation, Convolution, Flatten, Network, Pooling, convolution, dense, serialization
from termnet.engine.serialization import ModelFileError, load_model, save_model


def trained(optimizer="adam"):
    rng = np.random.default_rng(0)
    x, y = rng.random((40, 1, 8, 8), dtype=np.float32), rng.integers(0, 3, 40)
    net = (Network(0.01, epochs=2, batch_size=8, optimizer=optimizer, seed=0)
           .add(Convolution((1, 8, 8), 3, 2, padding="same")).add(Activation("relu")).add(Pooling(2))
           .add(Flatten()).add(FC(32, 3)).add(Activation("softmax")).use("cross_entropy"))
    return net.fit(x, y), x, y


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
def test_round_trip_predicts_bit_for_bit_and_keeps_state(tmp_path, optimizer):
    net, x, y = trained(optimizer)
    save_model(net, tmp_path / "m.termnet", {"dataset": "digits"})
    loaded, metadata = load_model(tmp_path / "m.termnet")
    np.testing.assert_array_equal(loaded.predict(x), net.predict(x))
    assert metadata == {"dataset": "digits"}
    assert loaded.history == net.history and loaded.epochs_trained == 2
    assert loaded.optimizer.iterations == net.optimizer.iterations
    for key, arrays in net.optimizer.state().items():
        for a, b in zip(arrays, loaded.optimizer.state()[key]):
            np.testing.assert_array_equal(a, b)


def test_resuming_continues_exactly_where_training_stopped(tmp_path):
    net, x, y = trained()
    save_model(net, tmp_path / "m.termnet")
    resumed, _ = load_model(tmp_path / "m.termnet")
    # the same next epoch from both: same weights, same optimizer moments, same shuffling seed
    resumed._shuffle_rng, net._shuffle_rng = np.random.default_rng(5), np.random.default_rng(5)
    net.fit(x, y, epochs=1)
    resumed.fit(x, y, epochs=1)
    np.testing.assert_array_equal(resumed.predict(x), net.predict(x))
    assert len(resumed.history["loss"]) == 3


def test_saving_is_atomic_and_leaves_no_temporary_files(tmp_path, monkeypatch):
    net, _, _ = trained()
    target = tmp_path / "m.termnet"
    save_model(net, target)
    before = target.read_bytes()

    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", crash)
    with pytest.raises(OSError, match="disk full"):
        save_model(net, target)
    assert target.read_bytes() == before  # the old model is intact
    assert [p.name for p in tmp_path.iterdir()] == ["m.termnet"]


def _rewrite(path, replace: dict):
    """A copy of the zip at ``path`` with some members replaced (or removed with None)."""
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    members.update(replace)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            if data is not None:
                archive.writestr(name, data)


@pytest.fixture
def model_file(tmp_path):
    net, _, _ = trained()
    return save_model(net, tmp_path / "m.termnet")


def test_truncated_file(model_file):
    model_file.write_bytes(model_file.read_bytes()[:300])
    with pytest.raises(ModelFileError, match=r"m.termnet: not a termnet model \(not a zip archive, or truncated\)"):
        load_model(model_file)


def test_random_bytes(model_file):
    model_file.write_bytes(np.random.default_rng(0).bytes(5000))
    with pytest.raises(ModelFileError, match=r"not a termnet model \(not a zip archive, or truncated\)"):
        load_model(model_file)


class SideEffect:
    """Unpickling this creates ``marker``: proof that a pickle ran, without running anything harmful."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (pathlib.Path.touch, (pathlib.Path(self.marker),))


def _object_npz(marker) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, layer0_0=np.array([SideEffect(marker)], dtype=object))
    return buffer.getvalue()


PICKLE_REFUSED = r"weights\.npz holds Python objects \(pickle\), which termnet never loads"


def test_the_side_effect_payload_really_runs_when_unpickled(tmp_path):
    # guards the next test: the payload is live, so "no marker" there means it was never unpickled
    marker = tmp_path / "ran"
    with np.load(io.BytesIO(_object_npz(marker)), allow_pickle=True) as npz:
        npz["layer0_0"]
    assert marker.exists(), "the payload must create its marker when unpickled"


def test_a_pickle_inside_is_never_loaded(model_file, tmp_path):
    marker = tmp_path / "ran"
    _rewrite(model_file, {"weights.npz": _object_npz(marker)})
    with pytest.raises(ModelFileError) as error:
        load_model(model_file)
    assert not marker.exists(), "loading a model unpickled an object array: allow_pickle must stay False"
    assert re.search(PICKLE_REFUSED, str(error.value)), f"the error must say why: {error.value}"


def test_a_raw_pickle_in_place_of_the_arrays_is_never_loaded(model_file, tmp_path):
    marker = tmp_path / "ran"
    _rewrite(model_file, {"weights.npz": pickle.dumps(SideEffect(marker))})
    with pytest.raises(ModelFileError) as error:
        load_model(model_file)
    assert not marker.exists(), "loading a model unpickled a raw pickle: allow_pickle must stay False"
    assert re.search(PICKLE_REFUSED, str(error.value)), f"the error must say why: {error.value}"


def test_a_newer_format_version(model_file):
    with zipfile.ZipFile(model_file) as archive:
        document = json.loads(archive.read("termnet.json"))
    document["version"] = 99
    _rewrite(model_file, {"termnet.json": json.dumps(document)})
    with pytest.raises(ModelFileError, match="format 99 by a newer termnet"):
        load_model(model_file)


def test_a_foreign_zip(model_file):
    _rewrite(model_file, {"termnet.json": None})
    with pytest.raises(ModelFileError, match=r"no termnet.json inside"):
        load_model(model_file)
    _rewrite(model_file, {"termnet.json": json.dumps({"format": "keras"})})
    with pytest.raises(ModelFileError, match="format 'keras'"):
        load_model(model_file)


def test_weights_of_the_wrong_shape(model_file):
    buffer = io.BytesIO()
    np.savez(buffer, layer0_0=np.zeros((2, 1, 5, 5), np.float32), layer0_1=np.zeros(2, np.float32),
             layer4_0=np.zeros((32, 3), np.float32), layer4_1=np.zeros(3, np.float32))
    _rewrite(model_file, {"weights.npz": buffer.getvalue()})
    with pytest.raises(ModelFileError, match=r"expects K of shape \(2, 1, 3, 3\). Received: \(2, 1, 5, 5\)"):
        load_model(model_file)


def test_a_huge_layer_without_weights_is_refused_not_allocated(model_file):
    with zipfile.ZipFile(model_file) as archive:
        document = json.loads(archive.read("termnet.json"))
    document["layers"].append({"type": "FC", "config": {"input_size": 3, "output_size": 10**12}})
    _rewrite(model_file, {"termnet.json": json.dumps(document)})
    with pytest.raises(ModelFileError, match=r"layer 6 .* has no weights in the file"):
        load_model(model_file)


def _claim_size(path, member: str, size: int) -> None:
    """Make the zip at ``path`` say that ``member`` unpacks to ``size`` bytes, without writing them.

    Both size fields (the local header's and the central directory's) are rewritten in place; the data,
    its CRC and its compressed size stay true, so only the claim is huge.
    """
    data = bytearray(path.read_bytes())
    name = member.encode()
    patched = 0
    for signature, size_offset, name_offset in ((b"PK\x03\x04", 22, 30), (b"PK\x01\x02", 24, 46)):
        start = data.find(signature)
        while start != -1:
            if data[start + name_offset:start + name_offset + len(name)] == name:
                data[start + size_offset:start + size_offset + 4] = struct.pack("<I", size)
                patched += 1
            start = data.find(signature, start + 4)
    assert patched == 2, f"expected one local and one central header for {member}, patched {patched}"
    path.write_bytes(bytes(data))


def _peak_bytes(function):
    """Run ``function``; the largest amount of Python-tracked memory it held at once."""
    tracemalloc.start()
    try:
        function()
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak


@pytest.mark.parametrize("member", ["termnet.json", "weights.npz"])
def test_a_member_claiming_gigabytes_is_refused_before_reading(model_file, member):
    claimed = 0xF0000000  # 4 GB (above the 2 GiB guard, still a plain 32-bit zip field)
    _claim_size(model_file, member, claimed)
    with zipfile.ZipFile(model_file) as archive:
        assert archive.getinfo(member).file_size == claimed, "the crafted zip must claim the huge size"

    def load():
        with pytest.raises(ModelFileError, match=f"{member} claims {claimed:,} bytes, more than any model"):
            load_model(model_file)

    assert _peak_bytes(load) < 20 * 1024**2, "a refused member must not be read"


def test_a_real_small_zip_bomb_is_refused_without_inflating_it(model_file, monkeypatch):
    # a member that truly inflates to 64 MiB from about 64 KiB, against a guard lowered to 1 MiB
    monkeypatch.setattr(serialization, "MAX_MEMBER_BYTES", 1024**2)
    _rewrite(model_file, {"weights.npz": bytes(64 * 1024**2)})
    assert model_file.stat().st_size < 1024**2, "the bomb must be small on disk"

    def load():
        with pytest.raises(ModelFileError, match=r"weights\.npz claims 67,108,864 bytes, more than any model"):
            load_model(model_file)

    assert _peak_bytes(load) < 16 * 1024**2, "the guard must refuse the member before inflating it"


def test_a_convolution_without_weights_is_refused_before_its_kernels_are_sized(model_file, monkeypatch):
    # another layer type by another route: a billion input channels for layer 0 and no arrays for it
    def no_allocation(shape, *args, **kwargs):
        raise AssertionError(f"weights of shape {shape} were sized from the JSON alone")

    monkeypatch.setattr(convolution, "initial_weights", no_allocation)
    monkeypatch.setattr(dense, "initial_weights", no_allocation)
    with zipfile.ZipFile(model_file) as archive:
        document = json.loads(archive.read("termnet.json"))
        with np.load(io.BytesIO(archive.read("weights.npz"))) as npz:
            weights = {key: npz[key] for key in npz.files if not key.startswith("layer0_")}
    document["input_shape"] = [10**9, 8, 8]
    document["layers"][0]["config"]["input_shape"] = [10**9, 8, 8]
    buffer = io.BytesIO()
    np.savez(buffer, **weights)
    _rewrite(model_file, {"termnet.json": json.dumps(document), "weights.npz": buffer.getvalue()})

    def load():
        with pytest.raises(ModelFileError, match=r"layer 0 Convolution\(2x3x3, padding='same'\) has no weights"):
            load_model(model_file)

    assert _peak_bytes(load) < 20 * 1024**2, "a layer without weights must be refused, not allocated"
