"""Dropout: inverted dropout in training only, reproducible masks, the same however a batch is split."""

import numpy as np
import pytest

from termnet.engine import FC, Activation, Dropout, Network
from termnet.engine.gradcheck import layer_gradient_errors, network_gradient_errors


def built(rate, seed=0):
    layer = Dropout(rate)
    layer.build((10,), np.random.default_rng(seed), "xavier", np.float64)
    return layer


def test_inference_is_the_identity_and_training_zeroes_or_scales_every_value():
    layer = built(0.3)
    x = np.random.default_rng(1).normal(size=(200, 500))
    assert layer.forward(x, training=False) is x
    out = layer.forward(x, training=True)
    dropped = out == 0
    np.testing.assert_allclose(out[~dropped], x[~dropped] / 0.7)
    assert abs(dropped.mean() - 0.3) < 0.01  # 100,000 draws: the share is within 1% of the rate
    # inverted dropout keeps the expected value: the mean of many masks is 1
    assert abs((out / x).mean() - 1) < 0.02


def test_backward_sends_the_error_through_the_same_mask():
    layer = built(0.5)
    x = np.random.default_rng(2).normal(size=(6, 40))
    out = layer.forward(x)
    error = layer.backward(np.ones_like(x))
    np.testing.assert_array_equal(error == 0, out == 0)
    np.testing.assert_allclose(error[out != 0], 2.0)


def test_gradient_matches_finite_differences_with_a_fixed_mask():
    """The checks put the layer's state back before each forward, so every forward draws one mask."""
    layer = built(0.4)
    x = np.random.default_rng(3).normal(size=(5, 7))
    errors = layer_gradient_errors(layer, x)
    assert errors["input"] < 1e-9
    assert np.count_nonzero(layer.mask == 0) > 0  # some values were dropped, so the mask was exercised
    assert layer.draws == 0  # and the check leaves the layer's draws as they were


def test_network_gradients_with_dropout_match_finite_differences():
    rng = np.random.default_rng(4)
    x, y = rng.normal(size=(6, 5)), rng.integers(0, 3, 6)
    net = (Network(0.1, seed=0, dtype="float64").add(FC(5, 8)).add(Activation("tanh")).add(Dropout(0.5))
           .add(FC(8, 3)).add(Activation("softmax")).use("cross_entropy"))
    checks = network_gradient_errors(net, x, y, limit=None)
    assert len(checks) == 4 and all(check.relative_error < 1e-6 for check in checks), checks


def test_each_step_draws_a_new_mask_and_the_same_key_repeats_them():
    a, b, other = built(0.5, seed=0), built(0.5, seed=0), built(0.5, seed=1)
    x = np.ones((4, 64))
    first, second = a.forward(x), a.forward(x)
    assert not np.array_equal(first, second)
    np.testing.assert_array_equal(b.forward(x), first)
    np.testing.assert_array_equal(b.forward(x), second)
    assert not np.array_equal(other.forward(x), first)


@pytest.mark.parametrize("bounds", [[0, 5, 12], [0, 1, 2, 12], [0, 6, 7, 12]])
def test_a_batch_split_into_shards_draws_the_masks_of_the_whole_batch(bounds):
    whole = built(0.5)
    x = np.ones((12, 3, 5, 5))
    expected = whole.forward(x)
    original = built(0.5)
    parts = []
    for start, stop in zip(bounds[:-1], bounds[1:]):
        shard = original.replica()
        shard.follow(original, start)
        parts.append(shard.forward(x[start:stop]))
    np.testing.assert_array_equal(np.concatenate(parts), expected)


def _fit(threads, x, y):
    net = (Network(0.05, epochs=2, batch_size=16, optimizer="momentum", seed=3, threads=threads)
           .add(FC(20, 32)).add(Activation("relu")).add(Dropout(0.5)).add(FC(32, 3)).add(Activation("softmax"))
           .use("cross_entropy"))
    return net.fit(x, y)


def test_one_and_two_threads_train_alike():
    """The masks are the same; what differs is the float32 rounding of the shards' summed gradients, as it
    does without dropout (so the weights agree to rounding, not bit for bit)."""
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(100, 20)).astype(np.float32), rng.integers(0, 3, 100)
    one, two = _fit(1, x, y), _fit(2, x, y)
    assert one.layers[2].draws == two.layers[2].draws == 14  # 7 steps per epoch, each drew once
    for a, b in zip(one.params(), two.params()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)
    again = _fit(2, x, y)
    for a, b in zip(two.params(), again.params()):
        np.testing.assert_array_equal(a, b)  # the same seed and threads: bit for bit


def test_other_masks_change_the_weights():
    """The check above can fail: a network whose masks differ trains to other weights."""
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(100, 20)).astype(np.float32), rng.integers(0, 3, 100)
    one = _fit(1, x, y)
    net = (Network(0.05, epochs=2, batch_size=16, optimizer="momentum", seed=3, threads=1)
           .add(FC(20, 32)).add(Activation("relu")).add(Dropout(0.5)).add(FC(32, 3)).add(Activation("softmax"))
           .use("cross_entropy"))
    net.build((20,))
    net.layers[2].key += 1
    net.fit(x, y)
    assert not np.allclose(one.params()[2], net.params()[2], rtol=1e-3)


@pytest.mark.parametrize("rate", [1, 1.5, -0.1, float("nan"), True, "0.5", None])
def test_a_rate_outside_0_to_1_is_refused_with_its_value(rate):
    with pytest.raises(ValueError, match=r"Dropout rate must be a number from 0 to below 1\. Received: rate="):
        Dropout(rate)


def test_rate_0_changes_nothing_and_the_config_round_trips():
    layer = built(0.0)
    x = np.ones((2, 3))
    assert layer.forward(x) is x
    assert Dropout.from_config(Dropout(0.25).config()).rate == 0.25
    assert repr(Dropout(0.25)) == "Dropout(0.25)"


def test_state_keeps_the_key_and_the_draws():
    layer = built(0.5)
    layer.forward(np.ones((2, 8)))
    twin = built(0.5, seed=9)
    twin.load_state(layer.state())
    np.testing.assert_array_equal(twin.forward(np.ones((2, 8))), layer.forward(np.ones((2, 8))))
    with pytest.raises(ValueError, match="whole numbers"):
        twin.load_state([np.array([0.5, 1.0])])
