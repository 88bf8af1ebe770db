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
    """Read after a training step: the gradients and the cached relu outputs of that batch (of this
    process's share of it, when the batch is split over cores: parallel.py).

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


#: A base learning rate above this is far beyond what any of termnet's optimizers trains well with
#: (Adam wants about 0.001, gradient descent 0.01 to 0.5): a loss stuck at chance level then means too high.
HUGE_LEARNING_RATE = 1.0


def chance_loss(loss: str, classes: int) -> float | None:
    """The loss of a guess that gives every one of ``classes`` the same probability: what learning nothing scores."""
    if classes < 2:
        return None
    if loss == "cross_entropy":
        return float(np.log(classes))
    if loss == "mse":  # mean over every output of (1 - 1/k)^2 once and (1/k)^2 k-1 times
        return (classes - 1) / classes**2
    return None


#: A loss under this share of a uniform guess's has learned something: its standing still is convergence.
LEARNED_SHARE = 0.25


def at_chance(loss: float, chance: float | None) -> bool:
    """Whether ``loss`` is no better than a uniform guess's (within 10%): the network has learned nothing."""
    return chance is not None and not loss < 0.9 * chance  # NaN counts as learning nothing


def learning_rate_hint(epoch_losses: list[float], chance: float | None = None,
                       learning_rate: float | None = None) -> str | None:
    """A hint when the loss rises or gets stuck at chance level (learning rate too high), or stays flat (too low).

    ``chance`` is the loss of a uniform guess (``chance_loss``) and ``learning_rate`` the base rate; with them, a
    loss that stays at chance level is told apart from a slow one: a rate that threw the loss far above chance,
    or a huge rate, is too high, not too low (a rate of 50 ends at chance accuracy with a flat loss).
    """
    if len(epoch_losses) >= 2 and epoch_losses[-1] > epoch_losses[-2] * 1.05:
        return "The loss is rising: the learning rate looks too high"
    if epoch_losses and at_chance(epoch_losses[-1], chance):
        overshot = max(epoch_losses) > 1.5 * chance
        if overshot or (learning_rate is not None and learning_rate > HUGE_LEARNING_RATE):
            return "The loss is stuck at chance level (no better than a guess): the learning rate looks too high"
    # a loss far below chance that stays flat has learned (a one-cycle run ends so, its rate near 0): no hint
    learned = chance is not None and epoch_losses and epoch_losses[-1] < LEARNED_SHARE * chance
    flat = len(epoch_losses) >= 3 and abs(epoch_losses[-1] - epoch_losses[-3]) < 0.005 * abs(epoch_losses[-3])
    if flat and not learned:
        return "The loss is flat: the learning rate may be too low"
    return None


def run_warning(epoch_losses: list[float], accuracy: float | None, classes: int, loss: str,
                learning_rate: float | None = None) -> str | None:
    """A warning for a finished run that learned nothing: accuracy at chance level, or a loss that did not fall.

    None for a run that learned. The warning says what was seen and, from ``learning_rate_hint``, what to try.
    """
    chance = chance_loss(loss, classes)
    seen = []
    if accuracy is not None and classes > 1 and not accuracy > 1.5 / classes:
        seen.append(f"test accuracy {accuracy:.1%} is at chance level ({1 / classes:.0%} for {classes} classes)")
    if len(epoch_losses) >= 2 and not epoch_losses[-1] < epoch_losses[0]:
        seen.append(f"the loss did not fall ({epoch_losses[0]:.4g} -> {epoch_losses[-1]:.4g})")
    elif epoch_losses and at_chance(epoch_losses[-1], chance):
        seen.append(f"the loss {epoch_losses[-1]:.4g} is no better than a uniform guess's ({chance:.4g})")
    if not seen:
        return None
    hint = learning_rate_hint(epoch_losses, chance, learning_rate)
    if hint is None and learning_rate is not None and learning_rate > HUGE_LEARNING_RATE:
        hint = "the learning rate looks too high"
    advice = f"; {hint[0].lower()}{hint[1:]}" if hint else ""
    return f"the network learned nothing: {' and '.join(seen)}{advice}"
