"""Which samples each training batch sees: a fresh permutation every epoch, all of them, x and y together.

Every sample's first feature is its row number, and a pass-through first layer records the rows of each
training batch, so the order fit uses is read straight off the data.
"""

import numpy as np
import pytest

from termnet.engine import FC, Activation, Callback, Network
from termnet.engine.layer import Layer

N, BATCH = 10, 4  # batches of 4, 4 and a last partial batch of 2


class Recorder(Layer):
    """Passes its input on and remembers the row numbers (first feature) of every training batch."""

    def __init__(self):
        self.batches = []

    def forward(self, x, training=True):
        if training:
            self.batches.append([int(round(v)) for v in x[:, 0]])
        return x

    def backward(self, output_error, learning_rate=None):
        return output_error


class EpochMarks(Callback):
    """The number of batches recorded when each epoch ends, to split the record into epochs."""

    def __init__(self, recorder):
        self.recorder, self.ends = recorder, []

    def on_epoch_end(self, epoch, logs):
        self.ends.append(len(self.recorder.batches))


def numbered(n=N):
    x = np.stack([np.arange(n, dtype=np.float64), np.linspace(-1.0, 1.0, n)], axis=1)
    y = np.arange(n) % 2
    return x, y


def run(epochs=3, fits=1, **kwargs):
    """Train a small network and return, per epoch, the list of batches (lists of row numbers) it saw."""
    kwargs.setdefault("seed", 0)
    recorder = Recorder()
    net = (Network(0.1, epochs=epochs, batch_size=BATCH, dtype="float64", **kwargs)
           .add(recorder).add(FC(2, 2)).add(Activation("softmax")).use("cross_entropy"))
    marks = EpochMarks(recorder)
    x, y = numbered()
    for _ in range(fits):
        net.fit(x, y, callbacks=[marks])
    starts = [0] + marks.ends[:-1]
    return [recorder.batches[a:b] for a, b in zip(starts, marks.ends)]


def flat(epoch):
    return [row for batch in epoch for row in batch]


def test_every_epoch_is_a_permutation_of_all_samples_and_each_order_is_new():
    epochs = run(epochs=3)
    assert len(epochs) == 3
    for number, epoch in enumerate(epochs, start=1):
        assert sorted(flat(epoch)) == list(range(N)), f"epoch {number} must see every sample exactly once"
        assert [len(batch) for batch in epoch] == [4, 4, 2], f"epoch {number}: batches of 4, 4 and the last 2"
    orders = [flat(epoch) for epoch in epochs]
    assert orders[0] != list(range(N)), "shuffle=True must not train in the stored order"
    assert orders[0] != orders[1] and orders[1] != orders[2] and orders[0] != orders[2], (
        "the training data must be reshuffled between epochs, not shuffled once")


def test_two_fits_continue_the_shuffling_rather_than_repeat_it():
    one_fit = [flat(epoch) for epoch in run(epochs=2, fits=1)]
    two_fits = [flat(epoch) for epoch in run(epochs=1, fits=2)]
    assert two_fits[0] != two_fits[1], "a second fit must not repeat the first fit's order"
    assert two_fits == one_fit, "fit(epochs=1) twice must shuffle like fit(epochs=2): the shuffling stream goes on"


def test_shuffle_false_keeps_the_stored_order_every_epoch():
    epochs = run(epochs=3, shuffle=False)
    for number, epoch in enumerate(epochs, start=1):
        assert epoch == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]], (
            f"shuffle=False must give batches 0..N-1 in order in epoch {number}, the last partial one included")


def test_the_same_seed_gives_the_same_orders_and_another_seed_others():
    a, b, c = run(seed=3), run(seed=3), run(seed=4)
    assert a == b, "the same seed must reproduce the same batches"
    assert a != c, "another seed must give other orders"


def test_the_last_partial_batch_is_trained_on():
    sizes = []

    class Sizes(Callback):
        def on_batch_end(self, batch, logs):
            sizes.append((batch, logs["size"]))

    x, y = numbered()
    net = (Network(0.1, epochs=2, batch_size=BATCH, seed=0).add(FC(2, 2)).add(Activation("softmax"))
           .use("cross_entropy"))
    net.fit(x, y, callbacks=[Sizes()])
    assert sizes == [(0, 4), (1, 4), (2, 2)] * 2, "10 samples in batches of 4 must make 3 steps, the last of 2"
    assert net.optimizer.iterations == 6, "the partial batch must take an optimizer step too"
    assert net.last_logs["samples"] == N and net.last_logs["complete"], "every sample must count as seen"


@pytest.mark.parametrize("shuffle", [True, False])
def test_targets_travel_with_their_samples(shuffle):
    # a model that fits y = x exactly: the loss is 0 only if each row meets its own target
    x = np.arange(N, dtype=np.float64)[:, None] / N
    fc = FC(1, 1)
    fc.set_weights([np.ones((1, 1)), np.zeros(1)])
    losses = []

    class Losses(Callback):
        def on_batch_end(self, batch, logs):
            losses.append(logs["loss"])

    net = Network(0.1, epochs=3, batch_size=BATCH, seed=0, shuffle=shuffle, dtype="float64").add(fc).use("mse")
    net.fit(x, x.copy(), callbacks=[Losses()])
    assert len(losses) == 9 and max(losses) == 0.0, "shuffling must reorder x and y together"
