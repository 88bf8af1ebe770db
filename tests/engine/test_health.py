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


def test_per_layer_timing_times_the_steps_training_runs(monkeypatch):
    # a convolution, its relu and 2x2 max pooling train as one step (conv_pool.py); timing them one by one
    # would time a computation training never does (every position of the convolution, relu on full maps)
    from termnet.engine import Convolution, Pooling, conv_pool
    from termnet.engine.profiling import profile_layers

    network = (Network(0.1, seed=0).add(Convolution((1, 6, 6), 3, 2)).add(Activation("relu")).add(Pooling(2))
               .add(Activation("relu")).add(Pooling(2)).add(Flatten()).add(FC(2, 2)).add(Activation("softmax"))
               .use("cross_entropy"))
    calls = {"forward": 0, "backward": 0}
    for name in calls:
        real = getattr(conv_pool, name)

        def spy(*args, real=real, name=name):
            calls[name] += 1
            return real(*args)

        monkeypatch.setattr(conv_pool, name, spy)
    x = np.random.default_rng(0).random((4, 1, 6, 6), dtype=np.float32)
    rows = profile_layers(network, x, np.eye(2)[np.arange(4) % 2], repeats=3)
    layers = network.layers
    assert [(r.index, r.layer) for r in rows] == [
        (0, " + ".join(map(repr, layers[:3]))), (3, " + ".join(map(repr, layers[3:5]))),
        (5, repr(layers[5])), (6, repr(layers[6])), (7, repr(layers[7]))]
    assert [r.count for r in rows] == [3, 2, 1, 1, 1]
    assert calls == {"forward": 3, "backward": 3}  # the fused step itself, once a repeat each way
    assert rows[0].backward_ms > 0 and rows[1].backward_ms > 0 and rows[-1].backward_ms == 0.0
