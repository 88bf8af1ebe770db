"""Model files: exact round trips, resumable state, atomic writes, and clear errors for bad files."""

import io
import json
import pickle
import zipfile

import numpy as np
import pytest

from termnet.engine import FC, Activation, Convolution, Flatten, Network, Pooling
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
    with zipfile.ZipFile(path, "w") as archive:
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
    with pytest.raises(ModelFileError, match="m.termnet: not a termnet model"):
        load_model(model_file)


def test_a_pickle_inside_is_never_loaded(model_file):
    class Boom:
        def __reduce__(self):
            return (print, ("pickle ran!",))

    buffer = io.BytesIO()
    np.savez(buffer, layer0_0=np.array([Boom()], dtype=object))
    _rewrite(model_file, {"weights.npz": buffer.getvalue()})
    with pytest.raises(ModelFileError, match="pickle"):
        load_model(model_file)
    _rewrite(model_file, {"weights.npz": pickle.dumps({"a": 1})})
    with pytest.raises(ModelFileError, match="weights.npz"):
        load_model(model_file)


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
