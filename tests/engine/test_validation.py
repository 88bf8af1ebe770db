"""validation_split: a seeded, held-out share of the training data, never trained on."""

import re

import numpy as np
import pytest

from termnet.engine import FC, Activation, LambdaCallback, Layer, Network


def blobs(n=100, features=6, classes=3, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=3.0, size=(classes, features))
    labels = rng.integers(0, classes, n)
    return (centres[labels] + rng.normal(size=(n, features))).astype(np.float32), labels


def mlp(**kwargs):
    kwargs.setdefault("seed", 0)
    kwargs.setdefault("epochs", 2)
    kwargs.setdefault("batch_size", 10)
    return (Network(**kwargs).add(FC(6, 16)).add(Activation("tanh")).add(FC(16, 3))
            .add(Activation("softmax")).use("cross_entropy"))


def test_the_split_is_seeded_disjoint_and_independent_of_shuffling():
    train, held_out = mlp().split_validation(100, 0.2)
    assert len(held_out) == 20 and len(train) == 80
    assert sorted(np.concatenate([train, held_out]).tolist()) == list(range(100))
    again_train, again_held_out = mlp(shuffle=False).split_validation(100, 0.2)
    np.testing.assert_array_equal(held_out, again_held_out)
    np.testing.assert_array_equal(train, again_train)
    assert not np.array_equal(mlp(seed=1).split_validation(100, 0.2)[1], held_out)
    assert not np.array_equal(held_out, np.arange(80, 100)), "a random share, not the last samples"


def test_held_out_samples_are_never_trained_on():
    x, y = blobs()
    network = mlp()
    _, held_out = network.split_validation(len(x), 0.2)
    x = x.copy()
    x[:, 0] = np.arange(len(x))  # each sample carries its own row number into the network
    seen_rows = []

    class Recorder(Layer):
        """Passes its input on and notes which rows each training batch held."""

        def forward(self, batch, training=True):
            if training:
                seen_rows.extend(batch[:, 0].astype(int).tolist())
            return batch

        def backward(self, output_error, learning_rate=None):
            return output_error

    network.layers.insert(0, Recorder())
    sizes = []
    network.fit(x, y, validation_split=0.2,
                callbacks=[LambdaCallback(on_batch_end=lambda batch, logs: sizes.append(logs["size"]))])
    assert sum(sizes) == 2 * 80 and network.last_logs["samples"] == 80
    assert not set(seen_rows) & set(held_out.tolist()), "a held-out sample was trained on"
    assert sorted(set(seen_rows)) == sorted(set(range(len(x))) - set(held_out.tolist())), "every other sample is"
    assert len(network.history["val_loss"]) == 2


def test_validation_split_gives_val_history_from_the_held_out_samples():
    x, y = blobs()
    network = mlp().fit(x, y, validation_split=0.25)
    _, held_out = network.split_validation(len(x), 0.25)
    figures = network.evaluate(x[held_out], y[held_out])
    assert network.history["val_loss"][-1] == pytest.approx(figures["loss"], rel=1e-6)
    assert network.history["val_accuracy"][-1] == pytest.approx(figures["accuracy"])
    assert "val_loss" not in mlp().fit(x, y, validation_split=0).history


def test_validation_data_and_validation_split_are_not_both_allowed():
    x, y = blobs()
    with pytest.raises(ValueError, match="validation_data or validation_split, not both"):
        mlp().fit(x, y, validation_data=(x, y), validation_split=0.1)


@pytest.mark.parametrize("value", [1.5, 1.0, -0.1, float("nan"), "0.1", True])
def test_a_bad_validation_split_is_refused_with_its_value(value):
    x, y = blobs()
    with pytest.raises(ValueError, match=re.escape(f"Received: validation_split={value!r}")):
        mlp().fit(x, y, validation_split=value)


def test_a_split_that_holds_out_nothing_or_everything_is_refused():
    x, y = blobs(n=10)
    with pytest.raises(ValueError, match="holds out no sample of 10"):
        mlp().fit(x, y, validation_split=0.01)
    with pytest.raises(ValueError, match="leaves no sample to train on"):
        mlp().fit(x, y, validation_split=0.99)
