"""Resuming continues training where it stopped: weights, optimizer, shuffling and schedule position."""

import io
import json
import zipfile

import numpy as np
import pytest

from termnet.engine import (
    FC,
    Activation,
    Callback,
    Convolution,
    Flatten,
    LambdaCallback,
    ModelFileError,
    Network,
    Pooling,
    TrainingDiverged,
    load_model,
    save_model,
)
from termnet.engine.schedules import learning_rate_factor


def blobs(n=120, features=6, classes=3, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=2.0, size=(classes, features))
    labels = rng.integers(0, classes, n)
    return (centres[labels] + rng.normal(size=(n, features))).astype(np.float32), labels


def mlp(**kwargs):
    kwargs.setdefault("seed", 0)
    kwargs.setdefault("batch_size", 16)
    return (Network(**kwargs).add(FC(6, 16)).add(Activation("tanh")).add(FC(16, 3))
            .add(Activation("softmax")).use("cross_entropy"))


def reloaded(network, tmp_path, name="m.termnet"):
    save_model(network, tmp_path / name)
    return load_model(tmp_path / name)[0]


def assert_same_weights(a, b):
    for pa, pb in zip(a.params(), b.params(), strict=True):
        np.testing.assert_array_equal(pa, pb)


def rate_recorder(rates: list) -> LambdaCallback:
    """A callback that appends each step's learning rate to ``rates``."""
    return LambdaCallback(on_batch_end=lambda batch, logs: rates.append(logs["learning_rate"]))


class StopAfter(Callback):
    """Stops training at the end of epoch ``epochs`` (as Ctrl+C or the dashboard's stop would)."""

    def __init__(self, epochs):
        self.epochs = epochs

    def on_epoch_end(self, epoch, logs):
        if epoch + 1 == self.epochs:
            self.network.stop_training = True


def test_four_epochs_equal_two_saved_loaded_and_two_more_bit_for_bit(tmp_path):
    x, y = blobs()
    straight = mlp(learning_rate=0.1, epochs=4).fit(x, y)
    first = mlp(learning_rate=0.1, epochs=2).fit(x, y)
    resumed = reloaded(first, tmp_path)
    resumed.fit(x, y, epochs=2)  # no hand-set random generator: the file carries the shuffling state
    assert_same_weights(resumed, straight)
    assert resumed.history["loss"] == straight.history["loss"]


@pytest.mark.parametrize("optimizer", ["momentum", "adam"])
def test_resuming_with_optimizer_state_and_a_validation_split_is_bit_for_bit(tmp_path, optimizer):
    x, y = blobs()
    straight = mlp(learning_rate=0.01, epochs=4, optimizer=optimizer).fit(x, y, validation_split=0.2)
    first = mlp(learning_rate=0.01, epochs=2, optimizer=optimizer).fit(x, y, validation_split=0.2)
    resumed = reloaded(first, tmp_path)
    resumed.fit(x, y, epochs=2, validation_split=0.2)
    assert_same_weights(resumed, straight)
    assert resumed.history["val_loss"] == straight.history["val_loss"]


def test_a_convolutional_network_resumes_bit_for_bit(tmp_path):
    rng = np.random.default_rng(0)
    x, y = rng.random((48, 1, 8, 8), dtype=np.float32), rng.integers(0, 3, 48)

    def cnn(epochs):
        return (Network(0.05, epochs=epochs, batch_size=8, seed=0)
                .add(Convolution((1, 8, 8), 3, 2, padding="same")).add(Activation("relu")).add(Pooling(2))
                .add(Flatten()).add(FC(32, 3)).add(Activation("softmax")).use("cross_entropy"))

    straight = cnn(3).fit(x, y)
    resumed = reloaded(cnn(1).fit(x, y), tmp_path)
    resumed.fit(x, y, epochs=2)
    assert_same_weights(resumed, straight)


@pytest.mark.parametrize("schedule", ["cosine", "one-cycle"])
def test_a_stopped_schedule_resumes_at_its_position_bit_for_bit(tmp_path, schedule):
    x, y = blobs()
    straight = mlp(learning_rate=0.05, epochs=4, optimizer="adam", schedule=schedule).fit(x, y)
    stopped = mlp(learning_rate=0.05, epochs=4, optimizer="adam", schedule=schedule).fit(x, y, callbacks=[StopAfter(2)])
    assert len(stopped.history["loss"]) == 2
    resumed = reloaded(stopped, tmp_path)
    resumed.fit(x, y, epochs=2)
    assert_same_weights(resumed, straight)


def test_a_finished_one_cycle_is_not_restarted_on_resume(tmp_path):
    # the issue: resuming the cnn preset restarted the one-cycle warmup and the loss jumped tenfold. Here a
    # network memorises random labels; a second warmup to the peak rate undoes part of it (the loss rose by
    # about 30% before the fix)
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(240, 6)).astype(np.float32), rng.integers(0, 3, 240)
    network = (Network(learning_rate=0.1, epochs=20, batch_size=16, optimizer="adam", schedule="one-cycle", seed=0)
               .add(FC(6, 128)).add(Activation("tanh")).add(FC(128, 3)).add(Activation("softmax"))
               .use("cross_entropy")).fit(x, y)
    resumed = reloaded(network, tmp_path)
    rates = []
    resumed.fit(x, y, epochs=2, callbacks=[rate_recorder(rates)])
    total = resumed.schedule_steps
    final = 0.1 * learning_rate_factor("one-cycle", total - 1, total)
    np.testing.assert_allclose(rates, final, rtol=1e-12)  # the annealed end, never the warmup again
    last, first_resumed = network.history["loss"][-1], resumed.history["loss"][20]
    assert first_resumed <= last * 1.05, f"the loss jumped from {last} to {first_resumed} on resume"


def test_the_schedule_position_is_saved_and_a_new_base_rate_is_scaled(tmp_path):
    x, y = blobs()
    network = mlp(learning_rate=0.05, epochs=4, schedule="cosine").fit(x, y, callbacks=[StopAfter(1)])
    resumed = reloaded(network, tmp_path)
    assert (resumed.schedule_step, resumed.schedule_steps) == (network.schedule_step, network.schedule_steps) == (8, 32)
    resumed.learning_rate = 0.02  # a new base rate on resume (termnet train --resume --learning-rate)
    rates = []
    resumed.fit(x, y, epochs=1, callbacks=[rate_recorder(rates)])
    np.testing.assert_allclose(rates, [0.02 * learning_rate_factor("cosine", s, 32) for s in range(8, 16)], rtol=1e-12)


def _rewrite_document(path, change):
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    document = json.loads(members["termnet.json"])
    change(document)
    members["termnet.json"] = json.dumps(document).encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    path.write_bytes(buffer.getvalue())


def test_the_training_state_is_plain_json(tmp_path):
    x, y = blobs()
    save_model(mlp(epochs=1, schedule="cosine").fit(x, y), tmp_path / "m.termnet")
    with zipfile.ZipFile(tmp_path / "m.termnet") as archive:
        state = json.loads(archive.read("termnet.json"))["training_state"]
    assert state["shuffle_rng"]["bit_generator"] == "PCG64"
    assert state["schedule_step"] == state["schedule_steps"] == 8 and state["validation_split"] == 0.0
    save_model(mlp(epochs=1).fit(x, y, validation_split=0.25), tmp_path / "split.termnet")
    assert load_model(tmp_path / "split.termnet")[0].validation_split == 0.25


@pytest.mark.parametrize("change, message", [
    (lambda d: d["training_state"].update(shuffle_rng="yes"), "shuffle_rng"),
    (lambda d: d["training_state"]["shuffle_rng"].update(bit_generator="MT19937"), "shuffle_rng"),
    (lambda d: d["training_state"]["shuffle_rng"]["state"].update(state="x"), "shuffle_rng"),
    (lambda d: d["training_state"].update(schedule_step=-3), "schedule_step"),
    (lambda d: d["training_state"].update(validation_split=2), "validation_split=2"),
])
def test_a_damaged_training_state_is_refused_with_its_name(tmp_path, change, message):
    x, y = blobs()
    path = tmp_path / "m.termnet"
    save_model(mlp(epochs=1).fit(x, y), path)
    _rewrite_document(path, change)
    with pytest.raises(ModelFileError, match=message):
        load_model(path)


def test_a_file_without_training_state_still_loads(tmp_path):
    x, y = blobs()
    path = tmp_path / "m.termnet"
    save_model(mlp(epochs=1).fit(x, y), path)
    _rewrite_document(path, lambda d: d.pop("training_state"))
    network, _ = load_model(path)
    network.fit(x, y, epochs=1)
    assert len(network.history["loss"]) == 2


def test_a_resumed_network_that_diverges_at_once_says_so(tmp_path):
    x, y = blobs()
    network = (Network(learning_rate=0.01, epochs=1, seed=0).add(FC(6, 16)).add(Activation("relu"))
               .add(FC(16, 3)).use("mse"))
    resumed = reloaded(network.fit(x, y), tmp_path)  # it has a history, and no last epoch in memory
    resumed.learning_rate = 1e6
    with pytest.raises(TrainingDiverged, match="Training stopped at epoch 1"):
        resumed.fit(x * 1e3, y, epochs=1)
    assert all(np.all(np.isfinite(p)) for p in resumed.params())
