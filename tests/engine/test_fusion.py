"""A relu before max pooling runs fused inside a network; step buffers live only through a fit.

The fused pass must give what the layers give one by one (outputs, every gradient, the relu's
output that health reports read), in float64, on one thread and on several; the reused arrays
must never be shared between networks, threads or copies, nor outlive the fit.
"""

import copy
import pickle

import numpy as np
import pytest

from termnet.engine import FC, Activation, Convolution, Flatten, LambdaCallback, Network, Pooling, conv_pool, fusion
from termnet.engine import layer as layer_module
from termnet.engine.gradcheck import network_gradient_errors
from termnet.engine.health import training_health
from termnet.engine.parallel import ShardedSteps

TOLERANCE = 1e-6


@pytest.fixture(autouse=True)
def every_array_buffered(monkeypatch):
    """The networks here are tiny: keep even their small arrays between steps, so the reuse is exercised."""
    monkeypatch.setattr(layer_module, "MIN_BUFFER_BYTES", 0)


def cnn(pool=(2, None), size=9, threads=1, dtype="float64", activation="relu"):
    return (Network(0.05, epochs=2, batch_size=16, seed=5, dtype=dtype, threads=threads)
            .add(Convolution((2, size, size), 3, 4)).add(Activation(activation)).add(Pooling(*pool))
            .add(Flatten()).add(FC(4 * ((size - 2 - pool[0]) // (pool[1] or pool[0]) + 1) ** 2, 3))
            .add(Activation("softmax")).use("cross_entropy"))


def batch(n=12, size=9, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, 2, size, size)), np.eye(3)[rng.integers(0, 3, n)]


def unfused_step(network, x, y):
    """The classic loop, layer by layer: the output and every gradient (copies)."""
    out = x
    for layer in network.layers:
        out = layer.forward(out, True)
    error, end = network.output_error(out, y)
    for layer in reversed(network.layers[network.first_trainable:end]):
        error = layer.backward(error)
    return out.copy(), [g.copy() for g in network.grads()]


@pytest.mark.parametrize("pool, size", [((2, None), 9), ((2, None), 8), ((3, 2), 9), ((3, None), 11)])
def test_a_network_pass_equals_the_layer_by_layer_pass(pool, size):
    network = cnn(pool, size).build((2, size, size))
    x, y = batch(size=size)
    want_out, want_grads = unfused_step(network, x, y)
    out = network.forward(x, training=True)
    network.backward(out, y)
    np.testing.assert_allclose(out, want_out, rtol=1e-12, atol=1e-15)
    for got, want in zip(network.grads(), want_grads):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(network.forward(x), want_out, rtol=1e-12, atol=1e-15)  # inference fuses too


@pytest.mark.parametrize("pool", [(2, None), (3, 2)])
def test_the_fused_pair_passes_ties_and_non_positive_windows_as_the_two_layers_do(pool):
    # small integers: many tied maxima, exact zeros and windows with nothing above zero
    x = np.random.default_rng(3).integers(-3, 3, size=(4, 3, 7, 7)).astype(np.float64)
    relu, pooling = Activation("relu"), Pooling(*pool)
    want = pooling.forward(relu.forward(x))
    error = np.random.default_rng(4).normal(size=want.shape)
    want_error = relu.backward(pooling.backward(error))
    fused_relu, fused_pool = Activation("relu"), Pooling(*pool)
    assert fusion.fuses(fused_relu, fused_pool)
    np.testing.assert_array_equal(fusion.relu_max_pool_forward(fused_relu, fused_pool, x, True), want)
    np.testing.assert_array_equal(fusion.relu_max_pool_backward(fused_relu, fused_pool, error), want_error)
    np.testing.assert_array_equal(fused_relu.output, np.maximum(x, 0))  # what relu.forward(x) keeps


def test_only_relu_then_max_pooling_fuses():
    assert not fusion.fuses(Activation("tanh"), Pooling(2))
    assert not fusion.fuses(Activation("relu"), Pooling(2, mode="average"))
    assert not fusion.fuses(Pooling(2), Activation("relu"))


def conv_relu_pool(size, stride=1, padding="valid", seed=1):
    """A convolution of small integer kernels (its outputs tie often), a relu and 2x2 max pooling."""
    conv = Convolution((2, size, size), 2, 3, stride=stride, padding=padding)
    conv.build((2, size, size), np.random.default_rng(0), "xavier", np.float64)
    conv.set_weights([np.random.default_rng(seed).integers(-1, 2, conv.kernels.shape).astype(float), np.zeros(3)])
    conv.needs_input_grad = True  # as for a convolution after another layer
    return conv, Activation("relu"), Pooling(2)


@pytest.mark.parametrize("size, stride, padding", [(9, 1, "valid"), (8, 1, "valid"), (11, 2, "valid"),
                                                   (7, 1, "same"), (6, 1, 2)])
def test_a_convolution_then_the_pair_runs_as_one_step_giving_what_the_three_layers_give(size, stride, padding):
    """Outputs computed in four groups of positions (conv_pool.py): the same pooled values, the same error at
    the input (every tie broken as Pooling breaks it), the same gradients, the same full relu output."""
    rng = np.random.default_rng(size)
    x = rng.integers(-2, 3, size=(5, 2, size, size)).astype(np.float64)  # ties, zeros, windows all <= 0
    layers = conv_relu_pool(size, stride, padding)
    want = x
    for layer in layers:
        want = layer.forward(want, True)
    error = rng.normal(size=want.shape)
    want_error = error
    for layer in reversed(layers):
        want_error = layer.backward(want_error)
    fused = conv_relu_pool(size, stride, padding)
    assert conv_pool.fuses(*fused)
    np.testing.assert_array_equal(conv_pool.forward(*fused, x, True), want)
    np.testing.assert_allclose(conv_pool.backward(*fused, error), want_error, rtol=1e-12, atol=1e-12)
    for got, expected in zip(fused[0].grads(), layers[0].grads(), strict=True):
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(fused[1].output, layers[1].output)
    fused[0].needs_input_grad = False  # a first layer: no input error, the same gradients
    conv_pool.forward(*fused, x, True)
    assert conv_pool.backward(*fused, error) is None
    np.testing.assert_allclose(fused[0].grads()[0], layers[0].grads()[0], rtol=1e-12, atol=1e-12)


def test_a_fused_relu_reports_its_batch_s_output_after_the_step_changed_the_weights_in_place():
    conv, relu, pool = conv_relu_pool(9)
    x = np.random.default_rng(2).normal(size=(4, 2, 9, 9))
    want = np.maximum(conv.forward(x, training=False), 0)
    conv_pool.forward(conv, relu, pool, x, True)
    conv.kernels += 1.0  # as the optimizer does after backward, before a health report reads the output
    conv.bias -= 1.0
    np.testing.assert_array_equal(relu.output, want)


def test_only_a_convolution_relu_and_2x2_max_pooling_of_stride_2_fuse_as_three():
    conv, relu, pool = conv_relu_pool(9)
    assert conv_pool.fuses(conv, relu, pool)
    assert not conv_pool.fuses(conv, relu, Pooling(2, 1))
    assert not conv_pool.fuses(conv, relu, Pooling(3))
    assert not conv_pool.fuses(conv, relu, Pooling(2, mode="average"))
    assert not conv_pool.fuses(conv, Activation("tanh"), pool)
    assert not conv_pool.fuses(FC(4, 4), relu, pool)


def test_a_trained_cnn_still_pickles_and_copies_with_its_fused_relu_output_pending():
    network = cnn(dtype="float32")
    x, y = batch(32)
    network.fit(x, y, epochs=1)
    twin = pickle.loads(pickle.dumps(network))
    np.testing.assert_array_equal(twin.layers[1].output, network.layers[1].output)
    copy.deepcopy(network)


def test_finite_differences_agree_with_the_fused_backward():
    network = cnn().build((2, 9, 9))
    x, y = batch(6)
    for check in network_gradient_errors(network, x, y, limit=None):
        assert check.relative_error < TOLERANCE, check


def test_sharded_fused_gradients_equal_the_layer_by_layer_gradients():
    single = cnn(threads=3).build((2, 9, 9))
    x, y = batch(30)
    _, want = unfused_step(single, x, y)
    for layer in single.layers:
        layer.buffers = {}  # as during a fit: each replica gets buffers of its own
    sharded = ShardedSteps(single, 3)
    try:
        for stack in sharded.stacks[1:]:
            for mine, theirs in zip(stack, single.layers):
                assert mine.buffers == {} and mine.buffers is not theirs.buffers
        output = sharded.forward(x)
        error, end = single.output_error(output, y)
        sharded.backward(error, single.first_trainable, end)
    finally:
        sharded.close()
    for got, expected in zip(single.grads(), want):
        np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize("threads", [1, 2])
def test_fit_trains_as_the_classic_loop_does(threads):
    """Two epochs of fit (fused, buffers reused across steps) equal plain SGD steps layer by layer."""
    x, y = batch(40, seed=1)
    trained = cnn(threads=threads, activation="relu")
    trained.shuffle = False
    trained.fit(x, y)
    classic = cnn(activation="relu").build((2, 9, 9))
    for _ in range(2):
        for start in range(0, len(x), 16):
            unfused_step(classic, x[start:start + 16], y[start:start + 16])
            for param, grad in zip(classic.params(), classic.grads()):
                param -= 0.05 * grad
    for got, want in zip(trained.params(), classic.params()):
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12)


def test_health_reports_the_dead_share_of_a_fused_relu():
    network = cnn().build((2, 9, 9))
    x, y = batch()
    network.backward(network.forward(x, training=True), y)
    fused = {row.index: row.dead_share for row in training_health(network)}
    unfused_step(network, x, y)
    assert fused == {row.index: row.dead_share for row in training_health(network)}
    assert fused[1] is not None


def test_step_buffers_last_one_fit_and_are_never_copied():
    network = cnn(dtype="float32")
    x, y = batch(32)
    seen = []

    def during(batch_index, logs):
        conv = network.layers[0]
        seen.append((conv.buffers is not None, copy.deepcopy(conv).buffers, copy.copy(conv).buffers))

    network.fit(x, y, epochs=1, callbacks=[LambdaCallback(on_batch_end=during)])
    assert seen and all(held and deep is None and shallow is None for held, deep, shallow in seen)
    assert all(layer.buffers is None for layer in network.layers), "a fit's end must free the step buffers"


def test_the_same_array_serves_every_training_step_of_a_fit_only():
    conv = Convolution((1, 5, 5), 3, 2)
    conv.build((1, 5, 5), np.random.default_rng(0), "xavier", np.float64)
    x1, x2 = np.random.default_rng(1).normal(size=(2, 4, 1, 5, 5))
    alone = conv.forward(x1)
    conv.forward(x2)
    np.testing.assert_array_equal(alone, conv.forward(x1, training=False))  # outside a fit: fresh arrays
    conv.buffers = {}
    first = conv.forward(x1)
    assert np.shares_memory(first, conv.forward(x2)), "a fit's steps reuse the output array"
    assert not np.shares_memory(conv.forward(x1, training=False), first), "inference never touches them"
    twin = conv.replica()
    assert twin.buffers == {} and twin.buffers is not conv.buffers
    held = {name: array for name, (_, array) in conv.buffers.items()}
    conv.forward(x1[:3])  # an epoch's shorter last batch replaces the arrays, never adds a second set
    assert conv.buffers.keys() == held.keys()
    assert not any(np.shares_memory(conv.buffers[name][1], array) for name, array in held.items())


def test_two_networks_training_at_once_never_share_a_buffer():
    x, y = batch(32, seed=2)
    outer, inner = cnn(dtype="float32"), cnn(dtype="float32")
    held = {}

    def buffered(network):
        return [array for layer in network.layers for _, array in (layer.buffers or {}).values()]

    def during_inner(batch_index, logs):
        held["inner"] = buffered(inner)

    def during_outer(batch_index, logs):
        if batch_index == 0:  # the inner network's whole fit runs while the outer one's is under way
            inner.fit(x, y, epochs=1, callbacks=[LambdaCallback(on_batch_end=during_inner)])
            held["outer"] = buffered(outer)

    outer.fit(x, y, epochs=1, callbacks=[LambdaCallback(on_batch_end=during_outer)])
    assert held["outer"] and held["inner"]
    assert not any(np.shares_memory(a, b) for a in held["outer"] for b in held["inner"])


def test_a_fit_works_out_its_steps_once_and_every_forward_of_it_follows_them(monkeypatch):
    """The fused steps are found once per fit (their search costs ~8% of the MLP's forward, timed alone); a
    forward given steps follows them."""
    found = []
    original = fusion.steps

    def counted(layers):
        found.append(len(layers))
        return original(layers)

    monkeypatch.setattr(fusion, "steps", counted)
    network = cnn()
    x = np.random.default_rng(0).random((16, 2, 9, 9))
    network.fit(x, np.eye(3)[np.arange(16) % 3], epochs=2, batch_size=4)
    assert found == [len(network.layers)]  # 2 epochs of 4 steps: one search
    assert network._spans is None
    layers = network.layers
    one_by_one = [(i, i + 1) for i in range(len(layers))]  # no fusion: each layer as written
    expected = x
    for layer in layers:
        expected = layer.forward(expected, False)
    np.testing.assert_allclose(fusion.forward(layers, x, False, one_by_one), expected, rtol=1e-12)
