"""Every layer's backward against finite differences, in float64 (relative error < 1e-6)."""

import numpy as np
import pytest

from termnet.engine import FC, Activation, Convolution, Flatten, Network, Pooling
from termnet.engine.gradcheck import layer_gradient_errors, network_gradient_errors, relative_error
from termnet.engine.losses import CrossEntropy

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


def _refused(kernel_size, stride, padding, shape):
    """True when the layer itself refuses this combination (at construction or for this input)."""
    try:
        Convolution(shape, kernel_size, depth=2, stride=stride, padding=padding).output_shape(shape)
    except ValueError:  # ShapeError is a ValueError
        return True
    return False


def _direct_convolution(x, kernels, bias, stride, pads):
    """The definition, one output number at a time: zero-pad, then cross-correlate every window."""
    (top, bottom), (left, right) = pads
    x = np.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)))
    n, _, height, width = x.shape
    depth, _, k, _ = kernels.shape
    out_h, out_w = (height - k) // stride + 1, (width - k) // stride + 1
    out = np.zeros((n, depth, out_h, out_w))
    for i in range(out_h):
        for j in range(out_w):
            window = x[:, :, i * stride:i * stride + k, j * stride:j * stride + k]
            out[:, :, i, j] = np.einsum("nchw,dchw->nd", window, kernels) + bias
    return out


def _expected_pads(kernel_size, stride, padding, size):
    """Zeros before and after one side, worked out from the documented rule."""
    if padding == "valid":
        return 0, 0
    if padding == "same":  # output ceil(size / stride); the odd zero goes after (bottom/right)
        total = max((-(-size // stride) - 1) * stride + kernel_size - size, 0)
        return total // 2, total - total // 2
    return padding, padding


CONV_MATRIX = [(k, s, p, h, w) for k in (1, 2, 3, 4) for s in (1, 2, 3) for p in ("valid", "same", 1)
               for h, w in ((5, 6), (6, 7), (7, 5))]


@pytest.mark.parametrize("kernel_size, stride, padding, height, width", CONV_MATRIX)
def test_convolution_gradients_for_every_kernel_stride_padding_and_parity(kernel_size, stride, padding, height, width):
    # odd and even heights and widths in each case, never square, so rows and columns cannot be swapped unseen
    shape = (2, height, width)
    if _refused(kernel_size, stride, padding, shape):
        pytest.skip("the layer refuses this combination")
    conv = built(Convolution(shape, kernel_size, depth=2, stride=stride, padding=padding), shape)
    x = np.random.default_rng(7).normal(size=(2,) + shape)
    errors = layer_gradient_errors(conv, x)
    assert set(errors) == {"input", "param0", "param1"}, "input, weights and bias must all be checked"
    for name, what in (("input", "input gradient"), ("param0", "weight gradient"), ("param1", "bias gradient")):
        assert errors[name] < TOLERANCE, (f"Convolution k={kernel_size} stride={stride} padding={padding!r} on "
                                          f"{height}x{width}: {what} disagrees with finite differences "
                                          f"(relative error {errors[name]:.1e})")


@pytest.mark.parametrize("kernel_size, stride, padding, height, width", CONV_MATRIX)
def test_convolution_forward_matches_the_definition(kernel_size, stride, padding, height, width):
    shape = (2, height, width)
    if _refused(kernel_size, stride, padding, shape):
        pytest.skip("the layer refuses this combination")
    conv = built(Convolution(shape, kernel_size, depth=3, stride=stride, padding=padding), shape)
    x = np.random.default_rng(8).normal(size=(2,) + shape)
    pads = (_expected_pads(kernel_size, stride, padding, height), _expected_pads(kernel_size, stride, padding, width))
    expected = _direct_convolution(x, conv.kernels, conv.bias, stride, pads)
    if padding == "same":
        assert expected.shape[2:] == (-(-height // stride), -(-width // stride)), "'same' output is ceil(H / stride)"
    assert conv.output_shape(shape) == expected.shape[1:], "output_shape must match the convolution's definition"
    np.testing.assert_allclose(conv.forward(x, training=False), expected, rtol=1e-12, atol=1e-12,
                               err_msg=f"Convolution k={kernel_size} stride={stride} padding={padding!r} must "
                                       "cross-correlate the zero-padded input (odd zero after)")


def test_convolution_matrix_is_not_all_skipped():
    refused = [case for case in CONV_MATRIX if _refused(case[0], case[1], case[2], (2, case[3], case[4]))]
    assert len(refused) < len(CONV_MATRIX) // 10, f"most combinations must be checked; refused: {refused}"


def _softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


@pytest.mark.parametrize("targets", ["one-hot", "soft"])
def test_fused_softmax_cross_entropy_gradient_is_the_derivative_of_the_loss_wrt_the_logits(targets):
    rng = np.random.default_rng(9)
    logits = rng.normal(scale=2.0, size=(5, 4))
    if targets == "one-hot":
        y = np.eye(4)[rng.integers(0, 4, 5)]
    else:  # any target rows summing to 1 (label smoothing)
        y = rng.random((5, 4))
        y /= y.sum(axis=1, keepdims=True)
    loss = CrossEntropy()

    def f():
        return loss.value(_softmax(logits), y)

    numeric = np.zeros_like(logits)
    eps = 1e-6
    for index in np.ndindex(logits.shape):
        saved = logits[index]
        logits[index] = saved + eps
        plus = f()
        logits[index] = saved - eps
        minus = f()
        logits[index] = saved
        numeric[index] = (plus - minus) / (2 * eps)
    analytic = CrossEntropy.softmax_gradient(_softmax(logits), y)
    assert relative_error(analytic, numeric) < TOLERANCE, (
        "softmax_gradient must be d(cross-entropy of softmax(z))/dz, batch mean included: (p - y) / N")


def test_the_network_starts_backward_at_the_logits_with_the_fused_gradient():
    rng = np.random.default_rng(10)
    net = (Network(seed=0, dtype="float64").add(FC(3, 4)).add(Activation("softmax")).use("cross_entropy"))
    x, y = rng.normal(size=(6, 3)), np.eye(4)[rng.integers(0, 4, 6)]
    net.build((3,))
    logits = net.layers[0].forward(x)
    eps, numeric = 1e-6, np.zeros_like(logits)
    for index in np.ndindex(logits.shape):
        up, down = logits.copy(), logits.copy()
        up[index] += eps
        down[index] -= eps
        numeric[index] = (net.loss.value(_softmax(up), y) - net.loss.value(_softmax(down), y)) / (2 * eps)
    error, end = net.output_error(net.forward(x), y)
    assert end == 1, "with softmax + cross-entropy, backward must skip the softmax layer"
    assert relative_error(error, numeric) < TOLERANCE, "the error entering the last FC must be dLoss/dlogits"


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


@pytest.mark.parametrize("pool_size, stride", [(3, None), (3, 2), (2, 1)])
def test_max_pooling_sends_a_tied_maximum_once_in_every_window_shape(pool_size, stride):
    """Not only the 2x2 fast path: in every window a tie's error goes to one position (the first), not to all."""
    x = np.ones((1, 1, 6, 6))
    pool = Pooling(pool_size, stride)
    out = pool.forward(x)
    error = pool.backward(np.ones_like(out))
    # the input error sums to the output error: each window passes its error on exactly once
    assert error.sum() == out.size, "a tied maximum must receive the window's error once, not once per tie"
    assert set(np.unique(error)) <= set(range(out.size + 1))
