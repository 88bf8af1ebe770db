"""Per-layer timing: where a training step spends its time."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from .network import Network


@dataclass
class LayerTiming:
    """Median milliseconds of one layer's forward and backward for one batch."""

    index: int
    layer: str
    forward_ms: float
    backward_ms: float


def profile_layers(network: Network, x: np.ndarray, y: np.ndarray, repeats: int = 5) -> list[LayerTiming]:
    """Time each layer's forward and backward on the batch ``x``, ``y``; weights are left unchanged."""
    network.require_loss()
    x, y = network.prepare(x, y)
    layers = network.layers
    forward = np.zeros((repeats, len(layers)))
    backward = np.zeros((repeats, len(layers)))
    held = [layer.buffers for layer in layers]
    for layer in layers:  # as in training, each repeat reuses the arrays of the one before
        layer.buffers = {}
    try:
        _time_steps(network, x, y, forward, backward)
    finally:
        for layer, buffers in zip(layers, held):
            layer.buffers = buffers
    f, b = np.median(forward, axis=0) * 1e3, np.median(backward, axis=0) * 1e3
    return [LayerTiming(i, repr(layer), float(f[i]), float(b[i])) for i, layer in enumerate(layers)]


def _time_steps(network: Network, x: np.ndarray, y: np.ndarray, forward: np.ndarray, backward: np.ndarray) -> None:
    """Fill ``forward`` and ``backward`` (repeats x layers) with seconds, each layer run on its own."""
    layers = network.layers
    for r in range(len(forward)):
        out = x
        for i, layer in enumerate(layers):
            start = time.perf_counter()
            out = layer.forward(out, True)
            forward[r, i] = time.perf_counter() - start
        error, end = network.output_error(out, y)
        # as in training: the error goes back only as far as the first layer with parameters
        for i in reversed(range(network.first_trainable, end)):
            start = time.perf_counter()
            error = layers[i].backward(error)
            backward[r, i] = time.perf_counter() - start
