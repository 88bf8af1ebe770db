"""Per-layer timing: where a training step spends its time, step by step as training runs it (a convolution,
its relu and 2x2 max pooling are one step, fusion.py: timed as one)."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from . import fusion
from .network import Network


@dataclass
class LayerTiming:
    """Median milliseconds of one step's forward and backward for one batch: the step runs ``count`` layers
    from ``index`` on (more than one when training runs them fused), ``layer`` names them."""

    index: int
    layer: str
    forward_ms: float
    backward_ms: float
    count: int = 1


def profile_layers(network: Network, x: np.ndarray, y: np.ndarray, repeats: int = 5) -> list[LayerTiming]:
    """Time each step's forward and backward on the batch ``x``, ``y``, as training runs them; weights are left
    unchanged."""
    network.require_loss()
    x, y = network.prepare(x, y)
    layers = network.layers
    spans = fusion.steps(layers)
    forward = np.zeros((repeats, len(spans)))
    backward = np.zeros((repeats, len(spans)))
    held = [layer.buffers for layer in layers]
    for layer in layers:  # as in training, each repeat reuses the arrays of the one before
        layer.buffers = {}
    try:
        _time_steps(network, x, y, spans, forward, backward)
    finally:
        for layer, buffers in zip(layers, held):
            layer.buffers = buffers
    f, b = np.median(forward, axis=0) * 1e3, np.median(backward, axis=0) * 1e3
    return [LayerTiming(start, " + ".join(repr(layer) for layer in layers[start:end]), float(f[i]), float(b[i]),
                        end - start) for i, (start, end) in enumerate(spans)]


def _time_steps(network: Network, x: np.ndarray, y: np.ndarray, spans: list[tuple[int, int]],
                forward: np.ndarray, backward: np.ndarray) -> None:
    """Fill ``forward`` and ``backward`` (repeats x steps) with seconds, each step run on its own."""
    layers = network.layers
    for r in range(len(forward)):
        out = x
        for i, (start, end) in enumerate(spans):
            begin = time.perf_counter()
            out = fusion.forward(layers[start:end], out, True)
            forward[r, i] = time.perf_counter() - begin
        error, stop = network.output_error(out, y)
        # as in training: the error goes back only as far as the first layer with parameters (a step's first)
        for i in reversed(range(len(spans))):
            start, end = spans[i]
            if start < network.first_trainable or end > stop:
                continue
            begin = time.perf_counter()
            error = fusion.backward(layers, error, start, end)
            backward[r, i] = time.perf_counter() - begin
