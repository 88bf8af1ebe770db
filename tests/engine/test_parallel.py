"""Data-parallel steps give the same gradients and training as one thread."""

import numpy as np
import pytest

from termnet.engine import FC, Activation, Convolution, Flatten, Network, Pooling
from termnet.engine.parallel import ShardedSteps


def cnn(threads, dtype="float32"):
    return (Network(0.05, epochs=2, batch_size=32, seed=3, threads=threads, dtype=dtype)
            .add(Convolution((1, 8, 8), 3, 4)).add(Activation("relu")).add(Pooling(2)).add(Flatten())
            .add(FC(36, 5)).add(Activation("softmax")).use("cross_entropy"))


def data(n=96):
    rng = np.random.default_rng(0)
    return rng.random((n, 1, 8, 8)).astype(np.float32), rng.integers(0, 5, n)


def test_sharded_gradients_equal_the_single_thread_gradients():
    x, labels = data(30)
    y = np.eye(5)[labels]
    single = cnn(1, "float64").build((1, 8, 8))
    single.backward(single.forward(x.astype(np.float64), training=True), y)
    expected = [g.copy() for g in single.grads()]
    sharded = ShardedSteps(single, 3)
    try:
        output = sharded.forward(x.astype(np.float64))
        error, end = single.output_error(output, y)
        sharded.backward(error, single.first_trainable, end)
    finally:
        sharded.close()
    assert sharded.bounds == [(0, 10), (10, 20), (20, 30)]
    for got, want in zip(single.grads(), expected):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)


def test_training_on_two_threads_matches_one_thread():
    x, labels = data()
    one, two = cnn(1).fit(x, labels), cnn(2).fit(x, labels)
    np.testing.assert_allclose(one.history["loss"], two.history["loss"], rtol=1e-4)
    for a, b in zip(one.params(), two.params()):
        np.testing.assert_allclose(a, b, rtol=1e-3, atol=1e-5)


@pytest.mark.parametrize("helpers", [True, False])
def test_batches_of_fused_convolutions_are_split_only_where_helper_processes_can_take_them(monkeypatch, helpers):
    """A convolution fused with its relu and 2x2 pooling is one matrix product, which BLAS's threads share
    faster than two thread shards; helper processes (no shared GIL) are faster still. Other convolutions'
    element-wise passes are split either way."""
    from termnet.engine import network as network_module
    from termnet.engine import processes

    monkeypatch.setattr(network_module, "available_threads", lambda: 4)
    monkeypatch.setattr(processes, "supported", lambda: helpers)

    def with_activation(name, threads=None):
        return (Network(0.05, batch_size=64, threads=threads).add(Convolution((1, 8, 8), 3, 4))
                .add(Activation(name)).add(Pooling(2)).add(Flatten()).add(FC(36, 5)).add(Activation("softmax"))
                .use("cross_entropy"))

    # 64 samples: shares of at least 16 in helper processes, 32 in threads
    assert with_activation("relu")._workers(64) == (4 if helpers else 1)
    assert with_activation("relu")._workers(32) == (2 if helpers else 1)
    assert with_activation("relu").threads_help() is False
    assert with_activation("tanh")._workers(64) == (4 if helpers else 2)
    assert with_activation("tanh")._workers(32) == (2 if helpers else 1)
    assert with_activation("tanh").threads_help() is True
    assert with_activation("relu", threads=3)._workers(64) == 3  # asked for: split all the same


@pytest.mark.parametrize("layers", [
    [Convolution((1, 6, 6), 3, 2), Flatten()],
    [Convolution((1, 8, 8), 3, 2), Activation("relu"), Pooling(2), Convolution(None, 3, 4), Flatten()],
])
def test_a_convolution_among_the_last_two_layers_trains_with_the_default_threads(layers):
    """Nothing after it to run fused with: it is an ordinary layer (the thread policy once crashed on it)."""
    network = Network(0.05, batch_size=8, epochs=1)
    for layer in layers:
        network.add(layer)
    network.use("mse").build(layers[0].input_shape)
    x = np.random.default_rng(0).random((8, *layers[0].input_shape))
    network.fit(x, np.zeros((8, network.output_shape[-1])))
    assert len(network.history["loss"]) == 1
