"""A fit's weights and gradients in two flat arrays: the layers hold views, and training is unchanged."""

import numpy as np
import pytest

from termnet.engine import FC, SGD, Activation, BatchNorm, Convolution, Flatten, Network, Pooling, flat
from termnet.engine.layer import Layer


def mlp(optimizer="sgd"):
    return (Network(0.1, epochs=2, batch_size=16, seed=1, optimizer=optimizer).add(FC(12, 8))
            .add(Activation("relu")).add(FC(8, 3)).add(Activation("softmax")).use("cross_entropy"))


def data(n=64):
    rng = np.random.default_rng(0)
    return rng.random((n, 12)).astype(np.float32), rng.integers(0, 3, n)


def test_the_layers_hold_views_of_the_flat_arrays_with_their_values():
    network = (Network(seed=0).add(Convolution((1, 6, 6), 3, 2)).add(Activation("relu")).add(Pooling(2))
               .add(Flatten()).add(FC(8, 3)).build((1, 6, 6)))
    before = [p.copy() for p in network.params()]
    params, grads = flat.flatten_layers(network.layers)
    assert params.size == grads.size == sum(p.size for p in before)
    for held, value in zip(network.params(), before):
        assert np.shares_memory(held, params) and held.flags.c_contiguous
        np.testing.assert_array_equal(held, value)
    assert all(np.shares_memory(g, grads) for g in network.grads())
    params[...] = 7  # one write reaches every layer
    assert all((p == 7).all() for p in network.params())


def test_flat_and_per_array_plain_gradient_descent_train_alike(monkeypatch):
    x, labels = data()
    one_pass = mlp().fit(x, labels)
    assert one_pass.optimizer.scratch == [] and one_pass.optimizer.flat_scratch is not None  # the flat pass ran
    monkeypatch.setattr(flat, "flatten_layers", lambda *args, **kwargs: None)  # each array on its own
    per_array = mlp().fit(x, labels)
    for a, b in zip(one_pass.params(), per_array.params()):
        np.testing.assert_array_equal(a, b)  # the same numbers, element by element


def test_plain_gradient_descent_updates_the_flat_arrays_in_one_pass():
    params, grads = np.ones(5, np.float32), np.arange(5, dtype=np.float32)
    sgd = SGD(0.5)
    sgd.step([params[:2], params[2:]], [grads[:2], grads[2:]], 1.0, (params, grads))
    np.testing.assert_array_equal(params, 1 - 0.5 * np.arange(5))
    assert sgd.scratch == [] and sgd.iterations == 1  # no per-array buffers: the pass was the flat one


@pytest.mark.parametrize("optimizer", [SGD(0.1, momentum=0.9), SGD(0.1, weight_decay=0.01), "adam"])
def test_optimizers_with_a_state_per_array_keep_updating_array_by_array(optimizer):
    x, labels = data()
    network = mlp(optimizer).fit(x, labels)
    assert network.optimizer.update_flat(*flat.flatten_layers(network.layers)) is False
    assert all(np.isfinite(p).all() for p in network.params())


class Doubled(Layer):
    """Keeps its weight inside a dict: no attribute to point at a view."""

    def __init__(self):
        self.store = {"w": np.ones(3, np.float32)}
        self.grad_w = np.zeros(3, np.float32)

    def params(self):
        return [self.store["w"]]

    def grads(self):
        return [self.grad_w]


def test_a_layer_that_keeps_its_weights_elsewhere_leaves_the_update_per_array():
    layers = [FC(3, 3), Doubled()]
    for layer in layers[:1]:
        layer.build((3,), np.random.default_rng(0), "xavier", np.float32)
    assert flat.flatten_layers(layers) is None
    assert layers[1].params()[0] is layers[1].store["w"]


def test_batchnorm_statistics_stay_out_of_the_flat_arrays():
    network = (Network(seed=0).add(FC(4, 3)).add(BatchNorm()).add(FC(3, 2)).build((4,)))
    state = [s.copy() for s in network.layers[1].state()]
    params, _ = flat.flatten_layers(network.layers)
    assert params.size == sum(p.size for p in network.params())
    for kept, now in zip(state, network.layers[1].state()):
        assert not np.shares_memory(now, params)
        np.testing.assert_array_equal(kept, now)


def test_weights_two_layers_share_stay_shared_through_a_fit():
    """Tied weights (one array in two layers) would be parted by a slice each: such layers keep their arrays."""
    x = np.random.default_rng(0).random((32, 6)).astype(np.float32)
    network = (Network(0.1, epochs=1, batch_size=8, seed=0).add(FC(6, 6)).add(Activation("tanh")).add(FC(6, 6))
               .use("mse").build((6,)))
    network.layers[2].weights = network.layers[0].weights
    assert flat.flatten_layers(network.layers) is None
    network.fit(x, x)
    assert network.layers[2].weights is network.layers[0].weights
