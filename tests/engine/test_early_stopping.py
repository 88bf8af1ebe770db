"""EarlyStopping: stops when the watched figure stops improving and keeps the best epoch's weights."""

import numpy as np
import pytest

from termnet.engine import FC, Activation, Callback, EarlyStopping, Network


def blobs(n=120, features=6, classes=3, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=3.0, size=(classes, features))
    labels = rng.integers(0, classes, n)
    return (centres[labels] + rng.normal(size=(n, features))).astype(np.float32), labels


def mlp(epochs=10):
    return (Network(seed=0, epochs=epochs, batch_size=10, learning_rate=0.05).add(FC(6, 8)).add(Activation("tanh"))
            .add(FC(8, 3)).add(Activation("softmax")).use("cross_entropy"))


class Script(Callback):
    """Replaces each epoch's val_loss with a scripted one (before EarlyStopping reads it) and keeps the weights
    every epoch ended with, so a test knows which epoch's weights the network holds."""

    def __init__(self, losses):
        self.losses, self.weights = list(losses), []

    def on_epoch_end(self, epoch, logs):
        logs["val_loss"] = self.losses[self.network.epochs_trained - 1]
        self.weights.append([p.copy() for p in self.network.params()])


def fit_scripted(losses, epochs=None, **kwargs):
    x, y = blobs()
    network, script = mlp(epochs or len(losses)), Script(losses)
    stopper = EarlyStopping(**kwargs)
    network.fit(x, y, validation_split=0.2, callbacks=[script, stopper])
    return network, script, stopper


def same_weights(a, b) -> bool:
    return all(np.array_equal(p, q) for p, q in zip(a, b))


def test_stops_after_patience_epochs_without_progress_and_keeps_the_best_weights():
    network, script, stopper = fit_scripted([1.0, 0.5, 0.6, 0.55, 0.7, 0.1, 0.1], patience=3)
    assert len(network.history["loss"]) == 5 and network.epochs_trained == 5  # epochs 3, 4, 5 did not improve
    assert (stopper.stopped_epoch, stopper.best_epoch, stopper.best) == (5, 2, 0.5)
    assert stopper.restored and same_weights(network.params(), script.weights[1])
    assert not same_weights(network.params(), script.weights[-1])
    assert "stopped after epoch 5" in stopper.summary() and "weights of epoch 2" in stopper.summary()


def test_keeps_training_while_it_improves_and_then_keeps_the_last_weights():
    network, script, stopper = fit_scripted([1.0, 0.9, 0.8, 0.7], patience=1)
    assert network.epochs_trained == 4 and stopper.stopped_epoch is None and stopper.best_epoch == 4
    assert not stopper.restored and same_weights(network.params(), script.weights[-1])
    assert "ran every epoch" in stopper.summary()


def test_the_best_epoch_is_restored_when_every_epoch_ran():
    network, script, stopper = fit_scripted([1.0, 0.4, 0.6], patience=5)
    assert stopper.stopped_epoch is None and stopper.best_epoch == 2
    assert stopper.restored and same_weights(network.params(), script.weights[1])


def test_min_delta_counts_small_gains_as_none_and_restore_can_be_off():
    network, script, stopper = fit_scripted([1.0, 0.99, 0.98, 0.97, 0.5], patience=2, min_delta=0.05,
                                            restore_best_weights=False)
    assert stopper.stopped_epoch == 3 and stopper.best_epoch == 1
    assert not stopper.restored and same_weights(network.params(), script.weights[-1])


def test_patience_zero_stops_at_the_first_epoch_without_progress_as_keras_does():
    network, _, stopper = fit_scripted([1.0, 1.0, 0.1], patience=0)
    assert network.epochs_trained == 2 and stopper.stopped_epoch == 2


def test_accuracy_is_maximised():
    x, y = blobs()
    network = mlp(3)
    accuracies = iter([0.5, 0.9, 0.7])

    class Accuracy(Callback):
        def on_epoch_end(self, epoch, logs):
            logs["val_accuracy"] = next(accuracies)

    stopper = EarlyStopping("val_accuracy", patience=1)
    network.fit(x, y, validation_split=0.2, callbacks=[Accuracy(), stopper])
    assert stopper.mode == "max" and stopper.best_epoch == 2 and stopper.stopped_epoch == 3


def test_epochs_count_from_the_networks_first_on_a_second_fit():
    x, y = blobs()
    network = mlp(2)
    network.fit(x, y, validation_split=0.2)
    stopper = EarlyStopping(patience=1)
    network.fit(x, y, validation_split=0.2, callbacks=[Script([9, 9, 1.0, 2.0, 0.1]), stopper])
    assert (stopper.best_epoch, stopper.stopped_epoch) == (3, 4)


def test_a_real_fit_that_overfits_stops_on_its_own_val_loss():
    """No script: tiny noisy data and a large network; whatever epoch is best, the weights kept give its loss."""
    x, y = blobs(n=40, seed=3)
    y = np.random.default_rng(1).permutation(y)  # labels unrelated to x: validation loss can only get worse
    network = (Network(seed=0, epochs=40, batch_size=4, learning_rate=0.05, optimizer="adam").add(FC(6, 64))
               .add(Activation("relu")).add(FC(64, 3)).add(Activation("softmax")).use("cross_entropy"))
    stopper = EarlyStopping(patience=2)
    network.fit(x, y, validation_split=0.25, callbacks=[stopper])
    assert stopper.stopped_epoch is not None and network.epochs_trained < 40
    _, held_out = network.split_validation(len(x), 0.25)
    assert network.evaluate(x[held_out], y[held_out])["loss"] == pytest.approx(stopper.best, rel=1e-6)
    assert min(network.history["val_loss"]) == pytest.approx(stopper.best)


def test_without_validation_data_it_says_what_to_do():
    x, y = blobs()
    with pytest.raises(ValueError, match="validation_split above 0"):
        mlp(2).fit(x, y, callbacks=[EarlyStopping(patience=1)])


@pytest.mark.parametrize("patience", [-1, 1.5, True, "3"])
def test_bad_patience_is_refused_by_name(patience):
    with pytest.raises(ValueError, match="patience"):
        EarlyStopping(patience=patience)
