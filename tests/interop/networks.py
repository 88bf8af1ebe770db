"""Small networks covering every layer type and option, with random weights, for the ONNX and PyTorch tests."""

import numpy as np

from termnet.engine import (
    ACTIVATIONS,
    FC,
    LAYER_TYPES,
    PADDING_MODES,
    Activation,
    Convolution,
    Flatten,
    Network,
    Pooling,
)


def built(layers, input_shape, seed=0) -> Network:
    network = Network(seed=seed)
    for layer in layers:
        network.add(layer)
    network.build(input_shape)
    # biases start at zero: random ones, so that a bias dropped or misplaced shows
    rng = np.random.default_rng(seed + 1)
    for layer in network.layers:
        if layer.params():
            layer.set_weights([w if i == 0 else rng.normal(size=w.shape).astype(w.dtype)
                               for i, w in enumerate(layer.get_weights())])
    return network


def images(count, shape, seed=0) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(count, *shape)).astype(np.float32)


def _head(features, activation="softmax"):
    return [Flatten(), FC(features, 10), Activation(activation)]


def _conv_net(padding, stride, kernel=3, side=9, depth=3, activation="relu"):
    conv = Convolution(kernel_size=kernel, depth=depth, stride=stride, padding=padding)
    out = conv._out_size(side)
    return [conv, Activation(activation), *_head(depth * out * out)], (2, side, side)


def cases() -> dict[str, tuple[list, tuple]]:
    """Name -> (fresh layers, one sample's shape): each activation, padding mode, stride and pooling mode."""
    found = {}
    for name in ACTIVATIONS:
        found[f"activation-{name}"] = ([Flatten(), FC(16, 12), Activation(name), FC(12, 10), Activation("softmax")],
                                       (1, 4, 4))
    found["activation-leaky_relu-0.3"] = ([Flatten(), FC(16, 10), Activation("leaky_relu", 0.3)], (1, 4, 4))
    found["activation-leaky_relu-2.5"] = ([Flatten(), FC(16, 10), Activation("leaky_relu", 2.5)], (1, 4, 4))
    for padding in (*PADDING_MODES, 2):
        for stride in (1, 2, 3):
            # odd side 9 and even kernel 4: "same" then puts its odd zero at the bottom/right
            found[f"conv-{padding}-stride{stride}"] = _conv_net(padding, stride)
            found[f"conv-{padding}-stride{stride}-k4"] = _conv_net(padding, stride, kernel=4, side=10)
    for mode in ("max", "average"):
        for size, stride, side in ((2, 2, 7), (3, 2, 8), (2, 1, 5), (3, 3, 10)):  # sides that leave rows behind
            pool = Pooling(size, stride, mode)
            out = (side - size) // stride + 1
            found[f"pool-{mode}-{size}s{stride}-side{side}"] = ([pool, *_head(2 * out * out, "sigmoid")],
                                                                (2, side, side))
    found["cnn"] = ([Convolution(kernel_size=3, depth=4, padding="same"), Activation("relu"), Pooling(2),
                     Convolution(kernel_size=3, depth=6, stride=2), Activation("tanh"), Pooling(2, mode="average"),
                     *_head(6)], (1, 12, 12))
    return found


def batch_norm_cases() -> dict[str, tuple[list, tuple]]:
    """Networks with BatchNorm and Dropout, once the engine has them (the tests skip until then)."""
    batch_norm, dropout = LAYER_TYPES["BatchNorm"], LAYER_TYPES["Dropout"]
    return {
        "dense": ([Flatten(), FC(16, 12), batch_norm(), Activation("relu"), dropout(0.5), FC(12, 10),
                   Activation("softmax")], (1, 4, 4)),
        "conv": ([Convolution(kernel_size=3, depth=4), batch_norm(), Activation("relu"), dropout(0.25),
                  *_head(4 * 5 * 5)], (1, 7, 7)),
    }


def with_running_statistics(network: Network, seed=0) -> Network:
    """Give each BatchNorm running statistics far from 0 and 1 (a conversion that ignored them would show)."""
    rng = np.random.default_rng(seed)
    for layer in network.layers:
        if hasattr(layer, "running_mean"):
            layer.running_mean = rng.normal(size=np.shape(layer.running_mean)).astype(np.float32)
            layer.running_var = rng.uniform(0.5, 2.0, size=np.shape(layer.running_var)).astype(np.float32)
    return network
