"""A network's passes through its layers, with a relu and the max pooling after it run as one step.

Max pooling keeps each window's largest value, and relu never changes which value is largest (it is
monotone), so ``maxpool(relu(x)) == relu(maxpool(x))`` exactly. Run in that order, the relu works on
a quarter of the values (2x2 windows), forward and backward: backward, relu's mask is taken at each
window's maximum, where it equals the unfused mask at the position the pooling sends the error to,
and a window whose values are all <= 0 gets no error either way. Each layer called alone keeps its
own behaviour; only a network's forward and backward (and their data-parallel shards) fuse, and the
relu layer still reports its full output (``Activation.output``, computed when first read).

A convolution before the pair, with 2x2 pooling of stride 2, joins them in one step (conv_pool.py).
"""

from __future__ import annotations

import numpy as np

from . import conv_pool
from .activation import Activation
from .convolution import Convolution
from .layer import Layer
from .pooling import Pooling


def fuses(first: Layer, second: Layer) -> bool:
    """Whether ``first`` then ``second`` run as one step: a relu, then max pooling."""
    return (isinstance(first, Activation) and first.name == "relu"
            and isinstance(second, Pooling) and second.mode == "max")


def step_end(layers: list[Layer], index: int) -> int:
    """Where the step of a network's forward that starts at ``layers[index]`` ends: after a convolution, its
    relu and 2x2 max pooling (conv_pool.py), after a relu and the max pooling behind it, else after the layer."""
    layer = layers[index]
    # the type first: a dense network's layers (most calls of a step) pass without building a slice
    if isinstance(layer, Convolution) and conv_pool.fuses(*layers[index:index + 3]):
        return index + 3
    if isinstance(layer, Activation) and index + 1 < len(layers) and fuses(layer, layers[index + 1]):
        return index + 2
    return index + 1


def steps(layers: list[Layer]) -> list[tuple[int, int]]:
    """(start, end) of each step ``forward`` takes through ``layers``, in order."""
    spans, index = [], 0
    while index < len(layers):
        spans.append((index, end := step_end(layers, index)))
        index = end
    return spans


def forward(layers: list[Layer], x: np.ndarray, training: bool,
            spans: list[tuple[int, int]] | None = None) -> np.ndarray:
    """``x`` through every layer, as ``layer.forward`` one after another would give. ``spans``: ``steps(layers)``
    worked out once, for a fit's many forwards (finding them costs ~13 us of the MLP's ~160 us forward, timed
    alone; its epoch did not change measurably)."""
    for index, end in spans or steps(layers):
        if end - index == 3:
            x = conv_pool.forward(*layers[index:end], x, training)
        elif end - index == 2:
            x = relu_max_pool_forward(*layers[index:end], x, training)
        else:
            x = layers[index].forward(x, training)
    return x


def backward(layers: list[Layer], error: np.ndarray, start: int, end: int) -> np.ndarray | None:
    """``error`` back through ``layers[start:end]`` after ``forward``, filling their gradients."""
    index = end - 1
    while index >= start:
        layer = layers[index]
        if not isinstance(layer, Pooling):  # every fused step ends with one
            error = layer.backward(error)
            index -= 1
        elif index - 2 >= start and conv_pool.fuses(*layers[index - 2:index + 1]):
            error = conv_pool.backward(*layers[index - 2:index + 1], error)
            index -= 3
        elif index - 1 >= start and fuses(layers[index - 1], layer):
            error = relu_max_pool_backward(layers[index - 1], layers[index], error)
            index -= 2
        else:
            error = layers[index].backward(error)
            index -= 1
    return error


def relu_max_pool_forward(relu: Activation, pool: Pooling, x: np.ndarray, training: bool) -> np.ndarray:
    """relu(maxpool(x)): the pooling keeps ``x`` (before relu) for its backward, the relu its input."""
    pooled = pool.forward(x, training)
    if not training:  # a fresh array, which nothing else holds
        return np.maximum(pooled, 0, out=pooled)
    relu.defer_output(x)
    return np.maximum(pooled, 0, out=relu.scratch("output", pooled))


def relu_max_pool_backward(relu: Activation, pool: Pooling, error: np.ndarray) -> np.ndarray:
    """The error at relu's input: relu's mask at each window's maximum, then the pooling's backward."""
    # pool.output is the maximum before relu: relu'(max) is 1 where it is positive
    return pool.backward(error * (pool.output > 0))
