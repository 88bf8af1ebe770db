"""fit(augment=...): every training batch is changed, validation images never; also under data-parallel threads."""

import numpy as np
import pytest

from termnet.engine import FC, Activation, Augmentation, Convolution, Flatten, Network, Pooling


def cnn(threads=1, seed=3):
    return (Network(0.05, epochs=2, batch_size=32, seed=seed, threads=threads)
            .add(Convolution((1, 8, 8), 3, 4)).add(Activation("relu")).add(Pooling(2)).add(Flatten())
            .add(FC(36, 5)).add(Activation("softmax")).use("cross_entropy"))


def data(n=96):
    rng = np.random.default_rng(0)
    return rng.random((n, 1, 8, 8)).astype(np.float32), rng.integers(0, 5, n)


class Recording:
    """An augmentation that remembers each batch it was given and returned."""

    def __init__(self, augmentation):
        self.augmentation, self.given, self.returned = augmentation, [], []

    def check(self, shape):
        self.augmentation.check(shape)

    def __call__(self, batch):
        self.given.append(batch.copy())
        self.returned.append(self.augmentation(batch))
        return self.returned[-1]


def test_each_training_batch_is_augmented_and_validation_is_not():
    x, labels = data()
    recording = Recording(Augmentation(rotation=15, shift=1, seed=0))
    network = cnn().fit(x, labels, epochs=1, validation_split=0.25, augment=recording)
    trained_on, held_out = network.split_validation(len(x), 0.25)
    assert sum(len(b) for b in recording.given) == len(trained_on)  # each training image once, no held-out one
    seen = np.concatenate(recording.given)
    assert {row.tobytes() for row in seen} == {row.tobytes() for row in x[trained_on]}
    assert all(not np.array_equal(a, b) for a, b in zip(recording.given, recording.returned))
    # the epoch's validation figures are those of the untouched held-out images
    assert network.history["val_loss"][-1] == pytest.approx(network.evaluate(x[held_out], labels[held_out])["loss"],
                                                            rel=1e-5)


def test_same_seed_same_training_and_no_augmentation_trains_otherwise():
    x, labels = data()
    first = cnn().fit(x, labels, augment=Augmentation(seed=1))
    second = cnn().fit(x, labels, augment=Augmentation(seed=1))
    plain = cnn().fit(x, labels)
    np.testing.assert_array_equal(first.history["loss"], second.history["loss"])
    assert first.history["loss"] != plain.history["loss"]


def test_threads_train_on_the_augmented_batches():
    x, labels = data()
    one = cnn(threads=1).fit(x, labels, augment=Augmentation(seed=2))
    two = cnn(threads=2).fit(x, labels, augment=Augmentation(seed=2))
    plain_two = cnn(threads=2).fit(x, labels)
    np.testing.assert_allclose(one.history["loss"], two.history["loss"], rtol=1e-4)
    for a, b in zip(one.params(), two.params()):
        np.testing.assert_allclose(a, b, rtol=1e-3, atol=1e-5)
    assert not np.allclose(two.history["loss"], plain_two.history["loss"], rtol=1e-4)


def test_samples_that_are_not_images_are_refused_before_training():
    network = Network(0.1, epochs=1, seed=0).add(FC(10, 3)).add(Activation("softmax")).use("cross_entropy")
    with pytest.raises(ValueError, match="Augmentation needs images"):
        network.fit(np.zeros((4, 10), dtype=np.float32), np.zeros(4, dtype=int), augment=Augmentation())
    assert network.epochs_trained == 0
