"""Looking inside: layer outputs, gradient norms, dead relu units, learning-rate hints."""

import numpy as np
import pytest

from termnet.engine import FC, Activation, Flatten, Network
from termnet.engine.health import layer_outputs, learning_rate_hint, training_health


def net():
    return (Network(0.1, seed=0).add(Flatten()).add(FC(4, 3)).add(Activation("relu")).add(FC(3, 2))
            .add(Activation("softmax")).use("cross_entropy"))


def test_layer_outputs_end_with_the_prediction():
    network = net()
    x = np.random.default_rng(0).random((5, 1, 2, 2), dtype=np.float32)
    outputs = layer_outputs(network, x)
    assert [o.shape for o in outputs] == [(5, 4), (5, 3), (5, 3), (5, 2), (5, 2)]
    np.testing.assert_array_equal(outputs[-1], network.predict(x))


def test_gradient_norms_per_weight_and_dead_relu_units():
    network = net().build((1, 2, 2))
    network.layers[1].set_weights([np.array([[1, -1, 0], [1, -1, 0], [1, -1, 0], [1, -1, 0]], np.float32),
                                   np.array([0, 0, -1], np.float32)])
    x = np.random.default_rng(0).random((6, 1, 2, 2), dtype=np.float32)
    y = np.eye(2)[[0, 1, 0, 1, 0, 1]]
    network.backward(network.forward(x, training=True), y)
    rows = {row.index: row for row in training_health(network)}
    assert set(rows) == {1, 2, 3}
    assert rows[2].dead_share == pytest.approx(2 / 3)  # units 2 and 3 never fire: weights -1 and 0 with bias -1
    grads = network.layers[3].grads()
    expected = np.sqrt(sum(np.sum(g * g) for g in grads) / sum(g.size for g in grads))
    assert rows[3].gradient_norm == pytest.approx(expected, rel=1e-5)


def test_learning_rate_hints():
    assert "too high" in learning_rate_hint([1.0, 0.5, 0.9])
    assert "too low" in learning_rate_hint([1.0, 0.999, 0.998])
    assert learning_rate_hint([1.0, 0.5, 0.3]) is None


def test_per_layer_timing_covers_every_layer():
    from termnet.engine.profiling import profile_layers

    network = net()
    x = np.random.default_rng(0).random((8, 1, 2, 2), dtype=np.float32)
    rows = profile_layers(network, x, np.eye(2)[np.arange(8) % 2], repeats=2)
    assert [r.layer for r in rows] == [repr(layer) for layer in network.layers]
    assert rows[0].backward_ms == 0.0 and rows[1].backward_ms > 0  # Flatten gets no error to pass back
    assert all(r.forward_ms > 0 for r in rows)
