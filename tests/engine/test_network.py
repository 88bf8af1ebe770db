"""The Network API: chaining, training, shapes, reproducibility, callbacks and errors."""

import numpy as np
import pytest

from termnet.engine import (
    FC,
    Activation,
    Callback,
    Convolution,
    Flatten,
    LambdaCallback,
    Network,
    Pooling,
    ShapeError,
    TrainingDiverged,
)
from termnet.engine.optimizers import Adam, Momentum


def blobs(n=300, features=6, classes=3, seed=0):
    """Linearly separable clusters: a problem every working network learns quickly."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=3.0, size=(classes, features))
    labels = rng.integers(0, classes, n)
    x = (centres[labels] + rng.normal(size=(n, features))).astype(np.float32)
    return x, np.eye(classes, dtype=np.float32)[labels], labels


def mlp(**kwargs):
    kwargs.setdefault("seed", 0)
    return (Network(**kwargs).add(FC(6, 16)).add(Activation("tanh")).add(FC(16, 3))
            .add(Activation("softmax")).use("mse"))


def test_the_issue_example_chains_and_learns():
    x, y, labels = blobs()
    net = mlp(learning_rate=0.1, epochs=3, batch_size=32)
    assert net.fit(x, y) is net
    probs = net.predict(x)
    assert probs.shape == (300, 3) and probs.dtype == np.float32
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)
    assert list(net.history) == ["loss", "accuracy", "seconds"]
    assert len(net.history["loss"]) == 3
    assert net.history["loss"][-1] < net.history["loss"][0]


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam", "Momentum(0.05)", "Adam(0.01)"])
@pytest.mark.parametrize("schedule", [None, "cosine", "one-cycle"])
def test_every_optimizer_and_schedule_learns(optimizer, schedule):
    x, y, labels = blobs()
    if "(" in optimizer:  # an optimizer object brings its own learning rate; a fresh one per test
        optimizer, lr = {"Momentum(0.05)": Momentum(0.05), "Adam(0.01)": Adam(0.01)}[optimizer], None
    else:
        lr = 0.01 if optimizer == "adam" else 0.1
    net = (Network(lr, epochs=8, batch_size=16, optimizer=optimizer, schedule=schedule, seed=1)
           .add(FC(6, 16)).add(Activation("relu")).add(FC(16, 3)).add(Activation("softmax")).use("cross_entropy"))
    net.fit(x, labels)  # integer labels are one-hot encoded by fit
    assert net.evaluate(x, y)["accuracy"] > 0.9


def test_validation_data_adds_val_history():
    x, y, _ = blobs()
    x_val, y_val = x[200:], y[200:]
    evaluated = []

    class EvaluateAtEpochEnd(Callback):
        def on_epoch_end(self, epoch, logs):
            evaluated.append(self.network.evaluate(x_val, y_val))
            assert logs["val_loss"] == evaluated[-1]["loss"], "val_loss must be the loss on the validation data"

    net = mlp(epochs=3).fit(x[:200], y[:200], validation_data=(x_val, y_val), callbacks=[EvaluateAtEpochEnd()])
    assert net.history["val_loss"] == [e["loss"] for e in evaluated], (
        "each epoch's val_loss must equal evaluate() on the validation data with that epoch's weights")
    assert net.history["val_accuracy"] == [e["accuracy"] for e in evaluated], (
        "each epoch's val_accuracy must equal evaluate() on the validation data with that epoch's weights")
    assert net.history["val_loss"][-1] != net.evaluate(x[:200], y[:200])["loss"], (
        "val_loss must come from the validation data, not the training data")


def test_seed_makes_weights_and_history_reproducible():
    x, y, _ = blobs()
    a, b, c = mlp().fit(x, y), mlp().fit(x, y), mlp(seed=7).fit(x, y)
    assert a.history["loss"] == b.history["loss"]
    for wa, wb in zip(a.params(), b.params()):
        np.testing.assert_array_equal(wa, wb)
    assert a.history["loss"] != c.history["loss"]


def test_weights_set_before_fit_are_kept():
    layer = FC(6, 3)
    weights = [np.full((6, 3), 0.5), np.arange(3.0)]
    layer.set_weights(weights)
    net = Network(seed=0).add(layer).add(Activation("softmax")).use("mse")
    net.build()
    np.testing.assert_array_equal(net.layers[0].get_weights()[0], weights[0])
    np.testing.assert_array_equal(net.layers[0].get_weights()[1], weights[1])


def test_weight_layouts():
    fc = FC(4, 3)
    conv = Convolution((2, 5, 5), kernel_size=3, depth=4)
    Network(seed=0).add(conv).add(Flatten()).add(FC(36, 3)).build()
    Network(seed=0).add(fc).build()
    assert [w.shape for w in fc.get_weights()] == [(4, 3), (3,)]
    assert [w.shape for w in conv.get_weights()] == [(4, 2, 3, 3), (4,)]
    with pytest.raises(ValueError, match=r"expects K of shape \(4, 2, 3, 3\). Received: \(4, 3, 3\)"):
        conv.set_weights([np.zeros((4, 3, 3)), np.zeros(4)])


def test_convolution_is_cross_correlation_with_one_bias_per_filter():
    conv = Convolution((2, 3, 3), kernel_size=2, depth=1)
    kernel = np.arange(8, dtype=np.float32).reshape(1, 2, 2, 2)
    conv.set_weights([kernel, np.array([10.0])])
    x = np.arange(18, dtype=np.float32).reshape(1, 2, 3, 3)
    out = conv.forward(x)
    expected = np.array([[np.sum(x[0, :, i:i + 2, j:j + 2] * kernel[0]) + 10.0 for j in range(2)] for i in range(2)])
    np.testing.assert_allclose(out[0, 0], expected)


def test_pooling_drops_a_trailing_row_like_frameworks():
    x = np.arange(11 * 11, dtype=np.float32).reshape(1, 1, 11, 11)
    out = Pooling(2).forward(x)
    assert out.shape == (1, 1, 5, 5)
    assert out[0, 0, 0, 0] == 12 and out[0, 0, 4, 4] == x[0, 0, 9, 9]
    avg = Pooling(2, mode="average").forward(x)
    assert avg[0, 0, 0, 0] == (0 + 1 + 11 + 12) / 4


def test_padding_same_keeps_the_size():
    assert Convolution((1, 28, 28), 3, 4, padding="same").output_shape((1, 28, 28)) == (4, 28, 28)
    assert Convolution((1, 28, 28), 3, 4, stride=2, padding="same").output_shape((1, 28, 28)) == (4, 14, 14)


def test_summary_lists_shapes_and_parameters():
    net = (Network().add(Convolution((1, 28, 28), 3, 16)).add(Activation("relu")).add(Pooling(2))
           .add(Flatten()).add(FC(16 * 13 * 13, 10)).add(Activation("softmax")).use("cross_entropy"))
    text = net.summary()
    assert "(16, 26, 26)" in text and "(16, 13, 13)" in text and "(2704,)" in text
    assert f"Total params: {160 + 2704 * 10 + 10:,}" in text


def test_misfitting_layers_are_refused_when_added_naming_both_shapes():
    net = Network().add(Convolution((1, 28, 28), 3, 8))
    message = r"FC\(800 -> 10\) expects inputs of shape \(800,\) but receives \(8, 26, 26\)"
    with pytest.raises(ShapeError, match=message):
        net.add(FC(800, 10))
    assert len(net.layers) == 1  # the refused layer was not added
    with pytest.raises(ShapeError, match=r"window is larger than its input \(8, 1, 1\)"):
        Network().add(Convolution((1, 3, 3), 3, 8)).add(Pooling(2))


def test_misfit_found_at_build_when_the_input_shape_comes_from_data():
    net = Network().add(Flatten()).add(FC(10, 3)).use("mse")
    with pytest.raises(ShapeError, match=r"FC\(10 -> 3\) expects inputs of shape \(10,\) but receives \(16,\)"):
        net.fit(np.zeros((4, 1, 4, 4)), np.zeros((4, 3)))


@pytest.mark.parametrize("kwargs, message", [
    ({"learning_rate": -0.1}, "learning_rate=-0.1"), ({"learning_rate": 0}, "learning_rate=0"),
    ({"epochs": 0}, "epochs=0"), ({"epochs": 1.5}, "epochs=1.5"), ({"batch_size": -3}, "batch_size=-3"),
    ({"optimizer": "rmsprop"}, "'rmsprop'"), ({"schedule": "step"}, "'step'"), ({"learning_rate": float("nan")}, "nan"),
])
def test_bad_hyperparameters_name_the_value(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Network(**kwargs)


def test_bad_data_names_the_value():
    x, y, _ = blobs()
    with pytest.raises(ValueError, match=r"len\(x\)=300, len\(y\)=299"):
        mlp().fit(x, y[:-1])
    with pytest.raises(ValueError, match=r"shape \(N, 3\).*Received: \(300, 4\)"):
        mlp().fit(x, np.zeros((300, 4)))
    with pytest.raises(ValueError, match="No loss chosen"):
        Network().add(FC(6, 3)).fit(x, y)
    with pytest.raises(ValueError, match="Unknown activation 'swish'"):
        Activation("swish")
    with pytest.raises(ValueError, match="output_size=0"):
        FC(3, 0)


def test_a_diverging_loss_stops_with_advice_and_finite_weights():
    x, y, _ = blobs()
    net = (Network(learning_rate=1e6, epochs=5, seed=0).add(FC(6, 16)).add(Activation("relu"))
           .add(FC(16, 3)).use("mse"))
    with pytest.raises(TrainingDiverged, match="smaller one"):
        net.fit(x * 1e3, y)
    assert all(np.all(np.isfinite(p)) for p in net.params())


class Recorder(Callback):
    def __init__(self, stop_after=None):
        self.events, self.stop_after = [], stop_after

    def on_epoch_begin(self, epoch, logs):
        self.events.append(("epoch_begin", epoch))

    def on_batch_end(self, batch, logs):
        self.events.append(("batch", batch, logs["loss"]))
        if self.stop_after is not None and len([e for e in self.events if e[0] == "batch"]) >= self.stop_after:
            self.network.stop_training = True

    def on_epoch_end(self, epoch, logs):
        self.events.append(("epoch_end", epoch, logs["loss"]))


def test_callbacks_see_every_batch_and_epoch():
    x, y, _ = blobs(n=64)
    recorder = Recorder()
    mlp(epochs=2, batch_size=16).fit(x, y, callbacks=[recorder])
    kinds = [e[0] for e in recorder.events]
    assert kinds == (["epoch_begin"] + ["batch"] * 4 + ["epoch_end"]) * 2


def test_a_callback_stops_training_between_batches_keeping_what_was_learned():
    x, y, _ = blobs(n=64)
    recorder = Recorder(stop_after=3)
    net = mlp(epochs=5, batch_size=16)
    before = [p.copy() for p in mlp(epochs=5, batch_size=16).build().params()]
    net.fit(x, y, callbacks=[recorder])
    assert [e[0] for e in recorder.events].count("batch") == 3
    assert len(net.history["loss"]) == 1 and net.last_logs["complete"] is False
    assert any(not np.array_equal(a, b) for a, b in zip(before, net.params()))


def test_article_style_backward_takes_the_learning_rate():
    layer = FC(3, 2)
    layer.build((3,), np.random.default_rng(0), "xavier", np.float64)
    before = layer.weights.copy()
    x = np.ones((1, 3))
    layer.forward(x)
    layer.backward(np.ones((1, 2)), learning_rate=0.5)
    np.testing.assert_allclose(layer.weights, before - 0.5)


def test_loss_is_averaged_over_the_batch_like_pytorch():
    from termnet.engine import cross_entropy, mse, mse_prime
    y = np.eye(3)[[0, 1]]
    p = np.array([[0.5, 0.25, 0.25], [0.1, 0.8, 0.1]])
    assert mse(y, p) == pytest.approx(np.mean((y - p) ** 2))
    np.testing.assert_allclose(mse_prime(y, p), 2 * (p - y) / 6)
    assert cross_entropy(y, p) == pytest.approx(-(np.log(0.5) + np.log(0.8)) / 2)


def test_a_cnn_learns_on_tiny_images():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 2, 200)
    x = rng.normal(scale=0.3, size=(200, 1, 8, 8)).astype(np.float32)
    x[labels == 1, :, :, :4] += 1.0  # class 1 is bright on the left
    net = (Network(0.05, epochs=5, batch_size=16, seed=0, optimizer="momentum")
           .add(Convolution((1, 8, 8), 3, 4, padding="same")).add(Activation("relu")).add(Pooling(2))
           .add(Flatten()).add(FC(64, 2)).add(Activation("softmax")).use("cross_entropy"))
    net.fit(x, labels)
    assert net.evaluate(x, labels)["accuracy"] > 0.95


def test_loss_value_of_outputs_already_predicted_matches_evaluate():
    x, y, labels = blobs()
    net = mlp().fit(x, y)
    assert net.loss_value(net.predict(x), labels) == pytest.approx(net.evaluate(x, y)["loss"])
    with pytest.raises(ValueError, match=r"len\(x\)=300, len\(y\)=2"):
        net.loss_value(net.predict(x), labels[:2])


def test_the_epoch_loss_is_the_mean_over_samples_not_over_batches():
    """With batches of 32, 32 and 6 samples, the epoch's loss weights each batch's mean by its size."""
    x, y, _ = blobs(n=70)
    batches = []
    net = mlp(learning_rate=0.05, epochs=1, batch_size=32)
    net.fit(x, y, callbacks=[LambdaCallback(on_batch_end=lambda batch, logs: batches.append(
        (logs["loss"], logs["size"])))])
    assert [size for _, size in batches] == [32, 32, 6]
    weighted = sum(loss * size for loss, size in batches) / 70
    unweighted = np.mean([loss for loss, _ in batches])
    assert abs(weighted - unweighted) > 1e-4, "the test needs batches whose losses differ"
    assert net.history["loss"][0] == pytest.approx(weighted, rel=1e-6), "epoch loss must be a mean over samples"
