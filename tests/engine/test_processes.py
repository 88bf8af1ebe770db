"""Batches split with helper processes give the whole batch's gradients and training, and survive a helper's end."""

import os
import time

import numpy as np
import pytest

from termnet.engine import FC, Activation, Convolution, Dropout, Flatten, Network, Pooling, processes
from termnet.engine.layer import Layer
from termnet.engine.registry import register_layer, unregister_layer

pytestmark = pytest.mark.skipif(not processes.supported(), reason="helper processes need Linux (memfd)")


def cnn(threads=None, activation="relu", dtype="float32", loss="cross_entropy", batch_size=32, epochs=2):
    return (Network(0.05, epochs=epochs, batch_size=batch_size, seed=3, threads=threads, dtype=dtype)
            .add(Convolution((1, 8, 8), 3, 4)).add(Activation(activation)).add(Pooling(2)).add(Flatten())
            .add(FC(36, 5)).add(Activation("softmax")).use(loss))


def data(n=96, dtype=np.float32):
    rng = np.random.default_rng(0)
    return rng.random((n, 1, 8, 8)).astype(dtype), rng.integers(0, 5, n)


@pytest.fixture
def helper():
    helpers = processes.acquire(1)
    assert len(helpers) == 1, "no helper process started"
    yield helpers[0]
    processes.release(helpers)


@pytest.mark.parametrize("activation, loss", [("relu", "cross_entropy"), ("tanh", "mse")])
def test_a_batch_split_with_a_helper_gives_the_whole_batch_gradients(helper, activation, loss):
    """relu: a convolution fused with its pooling; tanh: three layers. Each share's error carries 1/N of the
    whole batch, whichever loss, so the summed gradients are the batch's."""
    x, labels = data(30, np.float64)
    y = np.eye(5)[labels]
    network = cnn(activation=activation, dtype="float64", loss=loss).build((1, 8, 8))
    whole = network.gradients(x, y)
    expected = [g.copy() for g in network.grads()]
    shards = processes.ProcessShards(network, [helper], 30)
    try:
        assert shards.helpers == [helper]
        output = shards.train_step(x, y)
    finally:
        shards.close()
    np.testing.assert_allclose(output, whole, rtol=1e-12)
    for got, want in zip(network.grads(), expected):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-13)


def test_the_helper_trains_on_the_shared_memory_itself(helper):
    """FC and Convolution keep their weights and gradients in attributes: the helper points them at the shared
    memory, so a step copies nothing there. A changed weight in the main process changes the helper's result."""
    x, labels = data(8, np.float64)
    network = cnn(dtype="float64").build((1, 8, 8))
    shards = processes.ProcessShards(network, [helper], 8)
    try:
        before = shards.train_step(x, np.eye(5)[labels])[4:].copy()
        network.layers[4].bias[0] += 1.0  # only in this process: the next step's weights travel
        after = shards.train_step(x, np.eye(5)[labels])[4:]
    finally:
        shards.close()
    assert not np.allclose(before, after)
    np.testing.assert_allclose(after, network.predict(x[4:]), rtol=1e-12)


def test_training_with_a_helper_matches_one_process(monkeypatch):
    split = []
    original = processes.ProcessShards.train_step

    def counted(self, x, y):
        split.append(bool(self.helpers))
        return original(self, x, y)

    monkeypatch.setattr(processes.ProcessShards, "train_step", counted)
    x, labels = data()
    one, two = cnn(threads=1).fit(x, labels), cnn(threads=2).fit(x, labels)
    assert split == [True] * 6  # every step of both epochs, the first fit's too (it waits for a new helper)
    np.testing.assert_allclose(one.history["loss"], two.history["loss"], rtol=1e-5)
    for a, b in zip(one.params(), two.params()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)


def test_a_helper_that_stops_mid_fit_leaves_the_fit_whole():
    """Killed after the second batch: that step and the rest run in this process, the training as one
    process would; the next fit starts a new helper."""
    from termnet.engine import LambdaCallback

    killed = []

    def kill(batch, logs):
        if batch == 1 and not killed:
            helper = network._sharded.helpers[0]
            helper.process.kill()
            helper.process.wait()
            killed.append(helper)

    x, labels = data()
    network = cnn(threads=2)
    network.fit(x, labels, callbacks=[LambdaCallback(on_batch_end=kill)])
    alone = cnn(threads=1).fit(x, labels)
    assert killed and killed[0].problem  # "the helper process stopped" or "is gone", as it was found
    np.testing.assert_allclose(network.history["loss"], alone.history["loss"], rtol=1e-5)
    for a, b in zip(network.params(), alone.params()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)
    helpers = processes.acquire(1)
    try:
        assert helpers and helpers[0] is not killed[0] and helpers[0].process.poll() is None
    finally:
        processes.release(helpers)


def test_a_helper_that_fails_a_step_says_why_and_is_left_out(helper):
    processes._send(helper.sock, {"op": "step", "rows": 1, "total": 2})  # no fit begun: nothing to train
    assert not helper.finish_step()
    assert "AttributeError" in helper.problem
    processes.release([helper])
    assert helper not in processes._idle
    deadline = time.monotonic() + 10
    while helper.process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert helper.process.poll() is not None  # stopped, not left running


def test_a_helper_stops_when_its_socket_closes():
    [helper] = processes.acquire(1)
    helper.close()
    assert helper.process.wait(timeout=10) == 0


def test_a_helper_of_another_termnet_is_not_used(monkeypatch):
    """A helper imports termnet from the same folder as this process (its path goes first); if it found
    another one all the same, training must not use weights laid out by other code."""
    import termnet

    processes.close_all()
    monkeypatch.setattr(termnet, "__file__", os.path.join("elsewhere", "termnet", "__init__.py"))
    assert processes.acquire(1) == []


class Scaled(Layer):
    """A layer type of a test's own: a helper could not build it."""

    def forward(self, x, training=True):
        return 2 * x

    def backward(self, output_error, learning_rate=None):
        return 2 * output_error


def test_layers_that_cannot_travel_to_a_helper():
    assert processes.travels(cnn().layers)
    assert not processes.travels(cnn().layers[:4] + [Dropout(0.5)])  # keeps its masks in step (follow)
    register_layer(Scaled)
    try:
        assert not processes.travels([Scaled()])
    finally:
        unregister_layer(Scaled)


def test_a_network_that_cannot_use_helpers_splits_over_threads_as_before():
    from termnet.engine import parallel

    network = (Network(0.05, batch_size=32, threads=2).add(Convolution((1, 8, 8), 3, 4)).add(Activation("tanh"))
               .add(Pooling(2)).add(Flatten()).add(Dropout(0.2)).add(FC(36, 5)).add(Activation("softmax"))
               .use("cross_entropy").build((1, 8, 8)))
    steps = parallel.split_steps(network, 2, 32)
    try:
        assert isinstance(steps, parallel.ShardedSteps)
    finally:
        steps.close()
