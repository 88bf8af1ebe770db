"""Every layer's backward against finite differences, in float64 (relative error < 1e-6)."""

import numpy as np
import pytest

from termnet.engine import FC, Activation, Convolution, Flatten, Network, Pooling
from termnet.engine.gradcheck import layer_gradient_errors, network_gradient_errors, relative_error

TOLERANCE = 1e-6


def built(layer, input_shape, seed=0):
    layer.build(input_shape, np.random.default_rng(seed), "xavier", np.float64)
    # non-zero biases so their gradients are exercised too
    for param in layer.params()[1:]:
        param[...] = np.random.default_rng(seed + 1).normal(size=param.shape)
    return layer


def assert_small(errors):
    assert errors, "nothing was checked"
    for name, error in errors.items():
        assert error < TOLERANCE, f"{name}: relative error {error:.2e}"


def test_relative_error_detects_a_wrong_gradient():
    a = np.array([1.0, 2.0, 3.0])
    assert relative_error(a, a) == 0.0
    assert relative_error(a, a * 1.01) > 1e-3


def test_fc():
    x = np.random.default_rng(0).normal(size=(5, 7))
    assert_small(layer_gradient_errors(built(FC(7, 4), (7,)), x))


@pytest.mark.parametrize("name", ["tanh", "sigmoid", "relu", "leaky_relu", "softmax"])
def test_activation(name):
    x = np.random.default_rng(1).normal(size=(6, 5))
    assert_small(layer_gradient_errors(Activation(name), x))


def test_flatten():
    x = np.random.default_rng(2).normal(size=(3, 2, 4, 4))
    assert_small(layer_gradient_errors(Flatten(), x))


@pytest.mark.parametrize(
    "kernel_size, stride, padding, size",
    [(3, 1, "valid", 6), (3, 1, "same", 6), (3, 2, "valid", 7), (3, 2, "same", 7), (2, 1, "same", 5),
     (5, 1, 2, 6), (1, 1, "valid", 4), (4, 3, "same", 8)],
)
def test_convolution(kernel_size, stride, padding, size):
    conv = built(Convolution((3, size, size), kernel_size, depth=2, stride=stride, padding=padding), (3, size, size))
    x = np.random.default_rng(3).normal(size=(2, 3, size, size))
    assert_small(layer_gradient_errors(conv, x))


@pytest.mark.parametrize("mode", ["max", "average"])
@pytest.mark.parametrize("pool_size, stride, size", [(2, None, 6), (2, None, 7), (3, None, 7), (3, 2, 7), (2, 1, 5)])
def test_pooling(mode, pool_size, stride, size):
    x = np.random.default_rng(4).normal(size=(2, 3, size, size))
    assert_small(layer_gradient_errors(Pooling(pool_size, stride, mode), x))


def test_max_pooling_sends_a_tied_maximum_once():
    x = np.ones((1, 1, 2, 2))
    pool = Pooling(2)
    pool.forward(x)
    error = pool.backward(np.ones((1, 1, 1, 1)))
    assert error.sum() == 1.0 and error[0, 0, 0, 0] == 1.0


def _small_cnn(loss, output="softmax"):
    return (Network(seed=0, dtype="float64")
            .add(Convolution((2, 7, 7), 3, depth=3, padding="same")).add(Activation("tanh"))
            .add(Pooling(2)).add(Convolution(None, 2, depth=2, stride=1)).add(Activation("relu"))
            .add(Flatten()).add(FC(8, 4)).add(Activation(output)).use(loss))


@pytest.mark.parametrize("loss, output", [("cross_entropy", "softmax"), ("mse", "softmax"),
                                          ("mse", "sigmoid"), ("cross_entropy", "sigmoid")])
def test_whole_network_including_the_loss(loss, output):
    rng = np.random.default_rng(5)
    x = rng.normal(size=(4, 2, 7, 7))
    y = np.eye(4)[rng.integers(0, 4, 4)]
    net = _small_cnn(loss, output)
    checks = network_gradient_errors(net, x, y, limit=None)
    assert len(checks) == 6  # weights and bias of two convolutions and one FC
    for check in checks:
        assert check.relative_error < TOLERANCE, check


def test_the_check_catches_a_wrong_derivative():
    class WrongTanh(Activation):
        def backward(self, output_error, learning_rate=None):
            return output_error  # forgets the 1 - tanh^2 factor

    x = np.random.default_rng(6).normal(size=(4, 5))
    assert layer_gradient_errors(WrongTanh("tanh"), x)["input"] > 1e-2
