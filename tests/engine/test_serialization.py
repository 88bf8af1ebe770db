"""Model files: exact round trips, resumable state, atomic writes, and clear errors for bad files."""

import io
import json
import pathlib
import pickle
import re
import struct
import tracemalloc
import zipfile
import zlib

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


@pytest.mark.parametrize("size, message", [
    (10**6, r"layer 6 .* has no weights in the file"),  # it would fit in memory: the file must hold its weights
    (10**12, r"layer 6 FC\(3 -> 1000000000000\) would need [\d.,]+ TiB for its weights"),  # it never could
])
def test_a_huge_layer_without_weights_is_refused_not_allocated(model_file, size, message):
    with zipfile.ZipFile(model_file) as archive:
        document = json.loads(archive.read("termnet.json"))
    document["layers"].append({"type": "FC", "config": {"input_size": 3, "output_size": size}})
    _rewrite(model_file, {"termnet.json": json.dumps(document)})

    _assert_refused_within(
        model_file, 20 * 1024**2,
        message,
        why="a layer without weights must be refused, not allocated")


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


def _assert_refused_within(path, limit_bytes: int, pattern: str, why: str = "") -> None:
    """Loading ``path`` raises a ModelFileError matching ``pattern`` while holding under ``limit_bytes``."""

    def load():
        with pytest.raises(ModelFileError, match=pattern):
            load_model(path)

    assert _peak_bytes(load) < limit_bytes, why


@pytest.mark.parametrize("member", ["termnet.json", "weights.npz"])
def test_a_member_claiming_gigabytes_is_refused_before_reading(model_file, member):
    claimed = 0xF0000000  # 4 GB (above the 2 GiB guard, still a plain 32-bit zip field)
    _claim_size(model_file, member, claimed)
    with zipfile.ZipFile(model_file) as archive:
        assert archive.getinfo(member).file_size == claimed, "the crafted zip must claim the huge size"

    _assert_refused_within(
        model_file, 20 * 1024**2,
        f"{member} claims {claimed:,} bytes, more than any model",
        why="a refused member must not be read")


def test_a_real_small_zip_bomb_is_refused_without_inflating_it(model_file, monkeypatch):
    # a member that truly inflates to 64 MiB from about 64 KiB, against a guard lowered to 1 MiB
    monkeypatch.setattr(serialization, "MAX_MEMBER_BYTES", 1024**2)
    _rewrite(model_file, {"weights.npz": bytes(64 * 1024**2)})
    assert model_file.stat().st_size < 1024**2, "the bomb must be small on disk"

    _assert_refused_within(
        model_file, 16 * 1024**2,
        r"weights\.npz claims 67,108,864 bytes, more than any model",
        why="the guard must refuse the member before inflating it")


def test_a_convolution_without_weights_is_refused_before_its_kernels_are_sized(model_file, monkeypatch):
    # another layer type by another route: 100,000 input channels for layer 0 (which would fit in memory, so the
    # network's own memory check lets it by) and no arrays for it
    def no_allocation(shape, *args, **kwargs):
        raise AssertionError(f"weights of shape {shape} were sized from the JSON alone")

    monkeypatch.setattr(convolution, "initial_weights", no_allocation)
    monkeypatch.setattr(dense, "initial_weights", no_allocation)
    with zipfile.ZipFile(model_file) as archive:
        document = json.loads(archive.read("termnet.json"))
        with np.load(io.BytesIO(archive.read("weights.npz"))) as npz:
            weights = {key: npz[key] for key in npz.files if not key.startswith("layer0_")}
    document["input_shape"] = [10**5, 8, 8]
    document["layers"][0]["config"]["input_shape"] = [10**5, 8, 8]
    buffer = io.BytesIO()
    np.savez(buffer, **weights)
    _rewrite(model_file, {"termnet.json": json.dumps(document), "weights.npz": buffer.getvalue()})

    _assert_refused_within(
        model_file, 20 * 1024**2,
        r"layer 0 Convolution\(2x3x3, padding='same'\) has no weights",
        why="a layer without weights must be refused, not allocated")


# -- every failure to load is a ModelFileError naming the file and the reason (issue 10) ----------------------------
def _document(path) -> dict:
    with zipfile.ZipFile(path) as archive:
        return json.loads(archive.read("termnet.json"))


def _change_document(path, change) -> None:
    document = _document(path)
    change(document)
    _rewrite(path, {"termnet.json": json.dumps(document)})


def _patch_member_header(path, member: str, offsets: dict[tuple[int, int], int]) -> None:
    """Overwrite 2-byte fields of ``member``'s local and central headers: {(local offset, central offset): value}."""
    data = bytearray(path.read_bytes())
    name = member.encode()
    for signature, name_offset, column in ((b"PK\x03\x04", 30, 0), (b"PK\x01\x02", 46, 1)):
        start = data.find(signature)
        while start != -1:
            if data[start + name_offset:start + name_offset + len(name)] == name:
                for fields, value in offsets.items():
                    data[start + fields[column]:start + fields[column] + 2] = struct.pack("<H", value)
            start = data.find(signature, start + 4)
    path.write_bytes(bytes(data))


def _npz(**arrays) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def _weights(path) -> dict:
    with zipfile.ZipFile(path) as archive, np.load(io.BytesIO(archive.read("weights.npz"))) as npz:
        return {key: npz[key] for key in npz.files}


def _lzma_member(path):
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data, zipfile.ZIP_LZMA if name == "termnet.json" else zipfile.ZIP_DEFLATED)


def _without_weight(path, key):
    weights = _weights(path)
    del weights[key]
    _rewrite(path, {"weights.npz": _npz(**weights)})


# each of these escaped as the exception named in the id before issue 10
ESCAPES = {
    "OverflowError": (lambda p: _change_document(p, lambda d: d.update(epochs_trained=1e400)),
                      r"epochs_trained must be a whole number >= 0. Received: inf"),
    "AttributeError": (lambda p: _change_document(p, lambda d: d.update(hyperparameters=[])),
                       r"hyperparameters and optimizer must be tables"),
    "AttributeError-history": (lambda p: _change_document(p, lambda d: d.update(history=[1])),
                               r"history must be a table of lists of numbers"),
    "RecursionError": (lambda p: _rewrite(p, {"termnet.json": "[" * 100_000 + "]" * 100_000}),
                       r"termnet.json is nested too deeply"),
    "IndexError": (lambda p: _rewrite(p, {"optimizer.npz": _npz(m=np.zeros(3, np.float32))}),
                   r"optimizer.npz holds 'm.npy', which is no optimizer state"),
    "RuntimeError-encrypted": (lambda p: _patch_member_header(p, "termnet.json", {(6, 8): 0x1}),
                               r"termnet.json is encrypted; termnet never encrypts a model"),
    "NotImplementedError-compression": (lambda p: _patch_member_header(p, "weights.npz", {(8, 10): 99}),
                                        r"weights.npz uses compression method 99; termnet writes only stored or "
                                        r"deflated members"),
    "LZMAError": (_lzma_member, r"termnet.json uses compression method 14"),
    "ValueError-huge-integer": (lambda p: _rewrite(p, {"termnet.json": '{"format": "termnet-model", "version": '
                                                       + "9" * 5000 + "}"}),
                                r"termnet.json is not valid JSON"),
    "TypeError-seed": (lambda p: _change_document(p, lambda d: d["hyperparameters"].update(seed="abc")),
                       r"hyperparameter seed cannot be 'abc'"),
    "TypeError-layer": (lambda p: _change_document(p, lambda d: d["layers"].__setitem__(0, ["FC"])),
                        r"layer 0 must be a table with a type \(text\) and a config"),
    "OverflowError-epochs": (lambda p: _change_document(p, lambda d: d["hyperparameters"].update(epochs=10**400)),
                             r"epochs must be a positive whole number"),
    "TypeError-beta1-null": (lambda p: _change_document(p, lambda d: d["optimizer"].update(beta1=None)),
                             r"optimizer adam's beta1 cannot be None"),
    "ZeroDivision-adam": (lambda p: _change_document(p, lambda d: d["optimizer"].update(beta1=1.0)),
                          r"optimizer adam's beta1 cannot be 1.0"),
}


def _refusal(model_file, damage, message) -> str:
    """The ModelFileError that loading ``model_file`` after ``damage`` raises; its text must match ``message``."""
    damage(model_file)
    with pytest.raises(ModelFileError) as error:
        load_model(model_file)
    assert re.search(message, str(error.value)), str(error.value)
    return str(error.value)


@pytest.mark.parametrize("damage, message", ESCAPES.values(), ids=ESCAPES.keys())
def test_every_failure_to_load_is_a_model_file_error_naming_file_and_reason(model_file, damage, message):
    text = _refusal(model_file, damage, message)
    assert text.startswith(str(model_file)) and "\n" not in text


@pytest.mark.parametrize("metadata, message", [
    ([1, 2], r"metadata must be a table. Received: \[1, 2\]"),
    ("cnn", r"metadata must be a table"),
    ({"dataset": 5}, r"metadata dataset must be str. Received: 5"),
    ({"train_size": "all"}, r"metadata train_size must be int"),
])
def test_metadata_that_resume_could_not_read_is_refused_at_load_and_at_save(model_file, metadata, message):
    _change_document(model_file, lambda d: d.update(metadata=metadata))
    with pytest.raises(ModelFileError, match=message):
        load_model(model_file)
    net, _, _ = trained()
    with pytest.raises(ValueError, match=message):
        save_model(net, model_file.parent / "other.termnet", metadata)
    assert not (model_file.parent / "other.termnet").exists()


@pytest.mark.parametrize("value, word", [(np.nan, "NaN"), (np.inf, "infinite values")])
def test_a_model_with_non_finite_weights_is_refused_at_load(model_file, value, word):
    weights = _weights(model_file)
    weights["layer4_0"][3, 1] = value
    _rewrite(model_file, {"weights.npz": _npz(**weights)})
    with pytest.raises(ModelFileError, match=rf"m.termnet: the weights of layer 4 hold {word}: the model diverged "
                                             rf"before it was saved; retrain it or load an earlier save"):
        load_model(model_file)


def test_non_finite_optimizer_state_is_refused_at_load(model_file):
    with zipfile.ZipFile(model_file) as archive, np.load(io.BytesIO(archive.read("optimizer.npz"))) as npz:
        state = {key: npz[key] for key in npz.files}
    state["v_2"][0] = np.nan
    _rewrite(model_file, {"optimizer.npz": _npz(**state)})
    with pytest.raises(ModelFileError, match=r"optimizer state v_2 holds NaN"):
        load_model(model_file)


def test_a_network_with_non_finite_weights_is_not_saved(tmp_path):
    net, _, _ = trained()
    net.layers[4].weights[0, 0] = np.nan
    with pytest.raises(ValueError, match=r"Not saved: the weights of layer 4 FC\(32 -> 3\) hold NaN"):
        save_model(net, tmp_path / "m.termnet")
    assert list(tmp_path.iterdir()) == []


# -- messages that say what is wrong with which file, and what to do -------------------------------------------------
MESSAGES = {
    "non-npz weights": (lambda p: _rewrite(p, {"weights.npz": b"PK not really" + bytes(300)}),
                        r"m.termnet: weights.npz is not a NumPy .npz archive: the file is damaged or was not written "
                        r"by termnet"),
    "missing version": (lambda p: _change_document(p, lambda d: d.pop("version")),
                        r"m.termnet: termnet.json has no format version: the file is damaged or was not written by "
                        r"termnet"),
    "version as text": (lambda p: _change_document(p, lambda d: d.update(version="1")),
                        r"the format version must be a whole number from 1. Received: '1'"),
    "missing weight key": (lambda p: _without_weight(p, "layer4_0"),
                           r"m.termnet: weights.npz lacks layer4_0 for layer 4 FC\(32 -> 3\): the file is damaged; "
                           r"save the model again"),
    "foreign weight key": (lambda p: _rewrite(p, {"weights.npz": _npz(**_weights(p), bias=np.zeros(2))}),
                           r"weights.npz holds 'bias.npy', which termnet never writes"),
    "weights of a missing layer": (lambda p: _rewrite(p, {"weights.npz": _npz(**_weights(p),
                                                                             layer9_0=np.zeros(2, np.float32))}),
                                   r"weights.npz holds layer9_0.npy but the network has 6 layers"),
    "integer weights": (lambda p: _rewrite(p, {"weights.npz": _npz(**{**_weights(p),
                                                                      "layer4_1": np.zeros(3, np.int64)})}),
                        r"weights.npz: layer4_1.npy holds numbers of type '<i8'; termnet saves only float32 and "
                        r"float64"),
}


@pytest.mark.parametrize("damage, message", MESSAGES.values(), ids=MESSAGES.keys())
def test_messages_say_what_is_wrong_with_which_file(model_file, damage, message):
    text = _refusal(model_file, damage, message)
    assert "pickle" not in text and "newer termnet" not in text


def _npy_with_header_length(length: int, body: bytes = b"") -> bytes:
    """A version 2.0 .npy that declares a header of ``length`` bytes (and holds only ``body``)."""
    return b"\x93NUMPY\x02\x00" + struct.pack("<I", length) + body


def test_a_50_mb_npy_header_is_refused_from_its_length_field_without_reading_it(model_file):
    header = b"{'descr': '<f4', 'fortran_order': False, 'shape': (20,), }".ljust(50 * 1024**2 - 1) + b"\n"
    weights = {name + ".npy": None for name in _weights(model_file)}
    with zipfile.ZipFile(io.BytesIO(), "w") as _:
        pass
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as inner:  # a real 50 MB header, deflated to almost nothing
        for name in weights:
            inner.writestr(name, _npy_with_header_length(len(header), header) if name == "layer0_1.npy"
                           else _npz_member(model_file, name), zipfile.ZIP_DEFLATED)
    _rewrite(model_file, {"weights.npz": buffer.getvalue()})

    _assert_refused_within(
        model_file, 20 * 1024**2,
        r"weights.npz: layer0_1.npy claims 52,428,812 bytes, more than any "
        r"model layer could need")


def test_an_npy_header_length_that_lies_is_refused_before_reading(model_file):
    weights = _weights(model_file)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as inner:
        for name in weights:
            data = _npy_with_header_length(50 * 1024**2, b"{}") if name == "layer0_1" else _npz_member(model_file,
                                                                                                       name + ".npy")
            inner.writestr(name + ".npy", data)
    _rewrite(model_file, {"weights.npz": buffer.getvalue()})
    with pytest.raises(ModelFileError, match=r"weights.npz: layer0_1.npy has a header of 52,428,800 bytes \(NumPy "
                                             r"writes about 128, and reads at most 10,000\): the file is damaged or "
                                             r"crafted"):
        load_model(model_file)


def _npz_member(path, name: str) -> bytes:
    with zipfile.ZipFile(path) as archive, zipfile.ZipFile(io.BytesIO(archive.read("weights.npz"))) as inner:
        return inner.read(name)


def test_the_loader_refuses_what_is_not_a_regular_file(tmp_path):
    import os

    with pytest.raises(ModelFileError, match=r"no model file given"):
        load_model("")
    with pytest.raises(ModelFileError, match=r"is a folder, not a model file"):
        load_model(tmp_path)
    fifo = tmp_path / "pipe.termnet"
    os.mkfifo(fifo)  # opening it for reading would wait for a writer forever
    with pytest.raises(ModelFileError, match=r"pipe.termnet: is not a regular file \(a device, pipe or socket\)"):
        load_model(fifo)
    with pytest.raises(ModelFileError, match=r"no such model file"):
        load_model(tmp_path / "missing.termnet")


def test_a_float64_model_loads_as_float64(tmp_path):
    net = Network(0.1, epochs=1, seed=0, dtype="float64").add(FC(4, 3)).use("mse").build((4,))
    loaded, _ = load_model(save_model(net, tmp_path / "m.termnet"))
    assert loaded.layers[0].weights.dtype == np.float64
    np.testing.assert_array_equal(loaded.layers[0].weights, net.layers[0].weights)


# -- small files that would take gigabytes: refused from their headers, before anything is inflated -----------------
def _members(path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _deflated_bomb(head: bytes, size: int, fill: bytes = b"\0") -> tuple[bytes, int]:
    """A raw deflate stream of ``size`` bytes (``head``, then ``fill``) and its CRC, made in well under a second.

    One 4 MiB chunk is compressed once and its output repeated: a full flush makes each copy independent.
    """
    chunk = fill * (4 * 1024**2 // len(fill))
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    stream = [compressor.compress(head) + compressor.flush(zlib.Z_FULL_FLUSH)]
    copies, rest = divmod(size - len(head), len(chunk))
    segment = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    stream += [segment] * copies + [compressor.compress(chunk[:rest]) + compressor.flush()]
    crc = zlib.crc32(head)
    for _ in range(copies):
        crc = zlib.crc32(chunk, crc)
    return b"".join(stream), zlib.crc32(chunk[:rest], crc)


def _zip_bytes(members: dict[str, bytes], bomb_name: str, bomb: tuple[bytes, int], size: int) -> bytes:
    """A zip of deflated ``members`` with ``bomb_name`` holding the precompressed ``bomb`` of ``size`` bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, b"" if name == bomb_name else data)
    data = bytearray(buffer.getvalue())
    # put the precompressed stream in place of the empty member, and its sizes and CRC in both headers
    local = data.find(b"PK\x03\x04" + bytes(0))
    while data[local + 30:local + 30 + len(bomb_name)] != bomb_name.encode():
        local = data.find(b"PK\x03\x04", local + 4)
    name_length, extra_length = struct.unpack("<HH", data[local + 26:local + 30])
    start = local + 30 + name_length + extra_length
    old_compressed = struct.unpack("<I", data[local + 18:local + 22])[0]
    data[start:start + old_compressed] = bomb[0]
    fields = struct.pack("<III", bomb[1], len(bomb[0]), size)
    data[local + 14:local + 26] = fields
    growth = len(bomb[0]) - old_compressed
    central = data.find(b"PK\x01\x02")
    while central != -1:
        if data[central + 46:central + 46 + len(bomb_name)] == bomb_name.encode():
            data[central + 16:central + 28] = fields
        else:
            offset = struct.unpack("<I", data[central + 42:central + 46])[0]
            if offset > local:
                data[central + 42:central + 46] = struct.pack("<I", offset + growth)
        central = data.find(b"PK\x01\x02", central + 4)
    end = data.rfind(b"PK\x05\x06")
    directory = struct.unpack("<I", data[end + 16:end + 20])[0]
    data[end + 16:end + 20] = struct.pack("<I", directory + growth)
    return bytes(data)


def test_the_bomb_helper_makes_real_bombs():
    # guards the tests below: the streams they plant truly inflate to the size their zips declare
    data = bytes(range(10))
    archive = zipfile.ZipFile(io.BytesIO(_zip_bytes({"a": data, "b": b"", "c": data}, "b",
                                                    _deflated_bomb(b"head", 9 * 1024**2 + 7, b"xy"), 9 * 1024**2 + 7)))
    inflated = archive.read("b")
    assert len(inflated) == 9 * 1024**2 + 7 and inflated.startswith(b"headxyxy") and inflated.endswith(b"x")
    assert archive.read("a") == archive.read("c") == data


def _bomb_file(path, name: str, head: bytes, size: int, fill: bytes = b"\0") -> None:
    path.write_bytes(_zip_bytes(_members(path), name, _deflated_bomb(head, size, fill), size))


def test_a_3_mb_file_with_a_stored_member_claiming_1_8_gb_is_refused_in_bounded_memory(model_file):
    members = _members(model_file)
    with zipfile.ZipFile(model_file, "w", zipfile.ZIP_STORED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
        archive.writestr("padding", np.random.default_rng(0).bytes(3 * 1024**2))  # the file is 3 MB on disk
    _claim_size(model_file, "weights.npz", 1_800_000_000)
    assert 3 * 1024**2 <= model_file.stat().st_size < 4 * 1024**2

    _assert_refused_within(
        model_file, 16 * 1024**2,
        r"weights.npz claims 1,800,000,000 bytes, more than any model with "
        r"these layers could hold \(at most [\d,]+\)")


def test_a_deflated_npy_inside_weights_npz_is_refused_from_the_inner_directory(model_file):
    # weights.npz is itself a zip: a 512 MiB array deflated to 0.5 MB inside it; the outer entry is small and honest
    header = b"{'descr': '<f4', 'fortran_order': False, 'shape': (8192, 16384), }".ljust(118) + b"\n"
    weights = {name + ".npy": _npz_member(model_file, name + ".npy") for name in _weights(model_file)}
    size = 10 + len(header) + 8192 * 16384 * 4
    bomb = _deflated_bomb(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header, size)
    buffer = io.BytesIO(_zip_bytes(weights, "layer4_0.npy", bomb, size))
    _rewrite(model_file, {"weights.npz": buffer.getvalue()})
    assert model_file.stat().st_size < 3 * 1024**2

    _assert_refused_within(
        model_file, 16 * 1024**2,
        r"weights.npz: layer4_0.npy claims 536,871,041 bytes, more than any "
        r"model layer could need")


def test_an_npy_whose_inner_size_lies_is_refused_from_its_header(model_file):
    # the inner directory claims the true size of the expected array; the .npy header asks for 512 MiB
    header = b"{'descr': '<f4', 'fortran_order': False, 'shape': (8192, 16384), }".ljust(118) + b"\n"
    npy = b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header + bytes(96 * 4)
    weights = {name + ".npy": _npz_member(model_file, name + ".npy") for name in _weights(model_file)}
    weights["layer4_0.npy"] = npy
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as inner:
        for name, data in weights.items():
            inner.writestr(name, data)
    _rewrite(model_file, {"weights.npz": buffer.getvalue()})

    _assert_refused_within(
        model_file, 16 * 1024**2,
        r"weights.npz: layer4_0 has shape \(8192, 16384\): 134,217,728 "
        r"numbers, more than layer 4 has parameters \(99\)")


def test_1_5_gb_of_spaces_in_termnet_json_is_refused_before_inflating(model_file):
    document = json.dumps(_document(model_file)).encode()
    _bomb_file(model_file, "termnet.json", document, 1_500_000_000, b" ")
    assert model_file.stat().st_size < 3 * 1024**2

    _assert_refused_within(
        model_file, 16 * 1024**2,
        r"termnet.json claims 1,500,000,000 bytes, more than any model "
        r"describes \(at most 8,388,608\)")


def test_a_json_member_that_inflates_past_its_declared_size_is_read_no_further(model_file):
    document = json.dumps(_document(model_file)).encode()
    _bomb_file(model_file, "termnet.json", document, 200_000_000, b" ")
    _claim_size(model_file, "termnet.json", len(document) + 10)  # a small claim; the data goes on for 200 MB

    _assert_refused_within(
        model_file, 16 * 1024**2,
        r"termnet.json is damaged \(BadZipFile: Bad CRC-32")


def test_the_process_stays_small_while_refusing_a_bomb(model_file):
    # tracemalloc sees Python's allocations; the process's peak resident size sees zlib's and NumPy's as well
    import subprocess
    import sys

    document = json.dumps(_document(model_file)).encode()
    _bomb_file(model_file, "termnet.json", document, 1_500_000_000, b" ")
    script = ("import resource, sys\nfrom termnet.engine.serialization import ModelFileError, load_model\n"
              "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
              "try:\n    load_model(sys.argv[1])\nexcept ModelFileError:\n    pass\n"
              "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before)")
    run = subprocess.run([sys.executable, "-c", script, str(model_file)], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert int(run.stdout) * 1024 < 100 * 1024**2, f"the peak grew by {int(run.stdout) / 1024:.0f} MiB"
