"""Looking inside a network while it trains: activations, gradient norms, dead relu units."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .activation import Activation
from .network import Network


def layer_outputs(network: Network, x: np.ndarray) -> list[np.ndarray]:
    """Every layer's output for the batch ``x`` (inference mode), in order."""
    x, _ = network.prepare(x)
    outputs = []
    for layer in network.layers:
        x = layer.forward(x, training=False)
        outputs.append(x)
    return outputs


@dataclass
class LayerHealth:
    """One layer's gradient size and, for relu layers, its share of dead units."""

    index: int
    layer: str
    gradient_norm: float | None  # root mean square of the gradient, per weight
    dead_share: float | None  # relu units that output 0 for every sample of the batch


def training_health(network: Network) -> list[LayerHealth]:
    """Read after a training step: the gradients and the cached relu outputs of that batch.

    The gradient norm is ``||g|| / sqrt(n)`` (per weight), so layers of any size compare.
    """
    rows = []
    for index, layer in enumerate(network.layers):
        grads = layer.grads()
        norm = None
        if grads:
            size = sum(g.size for g in grads)
            norm = float(np.sqrt(sum(float(np.vdot(g, g)) for g in grads) / size))
        dead = None
        if isinstance(layer, Activation) and layer.name == "relu" and getattr(layer, "output", None) is not None:
            output = layer.output
            alive = np.any(output > 0, axis=0)  # per unit (and position) over the batch
            dead = float(1.0 - np.count_nonzero(alive) / alive.size)
        if norm is not None or dead is not None:
            rows.append(LayerHealth(index, repr(layer), norm, dead))
    return rows


def learning_rate_hint(epoch_losses: list[float]) -> str | None:
    """A hint when the loss rises (learning rate too high) or stays flat (too low)."""
    if len(epoch_losses) >= 2 and epoch_losses[-1] > epoch_losses[-2] * 1.05:
        return "The loss is rising: the learning rate looks too high"
    if len(epoch_losses) >= 3 and abs(epoch_losses[-1] - epoch_losses[-3]) < 0.005 * abs(epoch_losses[-3]):
        return "The loss is flat: the learning rate may be too low"
    return None
