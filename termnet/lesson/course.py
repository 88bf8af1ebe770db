"""The Lesson's course: one sample's trip forward through every layer, and its error's trip back.

``course(network, x, label)`` runs the engine's own layers, one at a time, on a copy of the network (browsing
never changes the real one) and returns the trip as a list of Steps: the input (point A), each layer's
output, the probabilities against the one-hot target (point B), the loss and its derivative, the loss
compared with the other loss, then backward, layer by layer: the error that arrives, the gradients, the
update at the learning rate and the error handed on; last, the error over the input. ``take_step`` takes
the same step on the real network. No user interface here: the command line prints the steps as text
(``text.py``), the dashboard's Lesson tab draws them.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

import numpy as np

from ..engine import Activation, CrossEntropy, Network, learning_rate_factor
from ..engine.losses import mse_prime
from . import formulas


@dataclass(frozen=True)
class Step:
    """One stop of the trip: what it is, the formula with shapes, a few plain sentences, and the arrays."""

    phase: str  # "forward", "loss" or "backward"
    title: str
    formula: str  # one or more lines
    explanation: str
    arrays: tuple[tuple[str, np.ndarray], ...] = ()
    layer: int | None = None  # the layer's index, for the steps of a layer


@dataclass
class Course:
    steps: list[Step]
    loss_before: float
    loss_after: float  # this sample's loss once the step is taken
    probabilities: np.ndarray
    label: int
    learning_rate: float  # the rate of this step (the base rate times the schedule's factor)
    weights_after: list[list[np.ndarray]] = field(default_factory=list)


def _one_hot(label: int, size: int, dtype) -> np.ndarray:
    if not 0 <= label < size:
        raise ValueError(f"The label must be in [0, {size}). Received: {label}")
    target = np.zeros((1, size), dtype=dtype)
    target[0, label] = 1
    return target


def _sample(network: Network, x) -> np.ndarray:
    """One sample (without the batch axis) as a batch of one in the network's dtype, checked by the network
    (which builds itself for it if need be)."""
    x = np.asarray(x)
    if network.input_shape is None or x.shape != (1, *network.input_shape):
        x = x[None]
    return network.prepare(x)[0]


def step_factor(network: Network) -> float:
    """The schedule's factor for the next step, as ``fit`` on this one sample would use it: along the plan under
    way, or, before any, at the start of a plan of one step (1 without a schedule)."""
    if not network.schedule:
        return 1.0
    plan = network.schedule_steps or 1
    step = network.schedule_step if network.schedule_steps else 0
    return learning_rate_factor(network.schedule, min(step, plan - 1), plan)


def take_step(network: Network, x, label: int) -> tuple[float, float]:
    """One training step on this sample alone, on ``network`` itself, as ``fit`` takes a step on a batch of
    one: forward, the loss's error, backward, the optimizer's update (its own state and the schedule's
    factor). Returns the sample's loss before and after.

    Unlike ``fit``, a step taken before any schedule's plan fixes no plan of one step (a later fit plans its own).
    """
    network.require_loss()
    x = _sample(network, x)
    target = _one_hot(label, network.output_shape[-1], network.dtype)
    output = network.forward(x, training=True)
    before = network.loss.value(output, target)
    network.backward(output, target)
    factor = step_factor(network)
    if network.schedule and network.schedule_steps:
        network.schedule_step += 1
    network.optimizer.step(network.params(), network.grads(), factor)
    after = network.loss.value(network.forward(x, training=False), target)
    return before, after


def course(network: Network, x, label: int, sample_name: str = "the sample") -> Course:
    """The whole trip of sample ``x`` (true class ``label``) through ``network``, as Steps."""
    network.require_loss()
    x = _sample(network, x)
    net = copy.deepcopy(network)
    for layer in net.layers:
        layer.needs_input_grad = True  # the error is carried all the way to the input, to show it there
        layer.buffers = None
    target = _one_hot(label, net.output_shape[-1], net.dtype)
    steps = [Step("forward", f"Point A: the input, {sample_name} (true class {label})",
                  f"X   {formulas.shape(x)}",
                  "The train leaves point A carrying this sample: the numbers are the pixels' brightness. "
                  "Every layer in turn computes its output from the output of the layer before.",
                  (("X", x),))]
    outputs = [x]
    for index, layer in enumerate(net.layers):
        out = np.array(layer.forward(outputs[-1], training=True))
        steps.append(Step("forward", f"Layer {index} forward: {layer!r}",
                          formulas.forward_formula(layer, outputs[-1], out), formulas.forward_words(layer),
                          (("Y", out),), index))
        outputs.append(out)
    output = outputs[-1]
    predicted = int(output.argmax())
    steps.append(Step("forward", "Point B: the output against the one-hot target",
                      f"Y {formulas.shape(output)} against T {formulas.shape(target)}",
                      f"The network says {predicted} ({float(output[0, predicted]):.1%}); the answer is {label}. "
                      f"The target T is 1 for the true class and 0 for every other: the distance between Y and "
                      f"T is what the network must shrink.", (("Y", output), ("T", target))))
    steps += _loss_steps(net, output, target)
    before = net.loss.value(output, target)

    # backward: the error from the loss, through every layer, as the engine's network starts it
    error, end = net.output_error(output, target)
    arrived, handed = {}, {}
    for index in range(end - 1, -1, -1):
        arrived[index] = error
        error = net.layers[index].backward(error)
        handed[index] = error
    grads = {index: [g.copy() for g in net.layers[index].grads()] for index in arrived}
    before_weights = [[p.copy() for p in layer.params()] for layer in net.layers]
    factor = step_factor(net)
    net.optimizer.step(net.params(), net.grads(), factor)
    rate = net.optimizer.learning_rate * factor
    for index in range(end - 1, -1, -1):
        steps += _backward_steps(net, index, arrived[index], handed[index], grads[index],
                                 before_weights[index], rate)
    steps.append(Step("backward", "Back at point A: the error over the input",
                      f"dE/dX   {formulas.shape(error)}",
                      "The error arrives back where the trip began. It says how the loss would change if each "
                      "pixel were brighter: the network cannot change the input, but the map shows which pixels "
                      "it is looking at for this decision.", (("dE/dX", error),)))
    after = net.loss.value(net.forward(x, training=False), target)
    change = "fell" if after < before else "did not fall"
    steps.append(Step("backward", "The step is taken: the loss before and after",
                      f"E before {before:.6f}   E after {after:.6f}",
                      f"With every layer's weights moved, the same sample goes forward again: its loss {change}, "
                      f"from {before:.6f} to {after:.6f}. Taking such a step on the real network, sample after "
                      f"sample, is training (batch size 1, as in the article).", ()))
    return Course(steps, before, after, output[0], label, rate, [layer.get_weights() for layer in net.layers])


def _softmax_backward(probabilities: np.ndarray, error: np.ndarray) -> np.ndarray:
    return probabilities * (error - np.sum(error * probabilities, axis=-1, keepdims=True))


def _loss_steps(net: Network, output: np.ndarray, target: np.ndarray) -> list[Step]:
    value = net.loss.value(output, target)
    out = formulas.shape(output)
    if isinstance(net.loss, CrossEntropy):
        formula = f"E = -Σ T·log(Y)   {out} -> ()"
        words = "Cross-entropy counts only the true class's probability: small when it is near 1, large near 0."
    else:
        formula = f"E = mean((Y - T)²)   {out} -> ()"
        words = "Mean squared error averages the squared distance between each output and its target."
    error, end = net.output_error(output, target)
    if end < len(net.layers):  # softmax and cross-entropy together: the error starts before the softmax
        formula += f"\ndE/dX = Y - T   (softmax and cross-entropy together)   {out} -> {formulas.shape(error)}"
        words += (" With a softmax before it, the two derivatives cancel to Y - T: the error skips the softmax "
                  "and enters the layer before it.")
    else:
        derivative = "2·(Y - T) / size" if net.loss.name == "mse" else "-T / Y"
        formula += f"\ndE/dY = {derivative}   {out} -> {formulas.shape(error)}"
        words += " Its derivative says, for each output, which way and how hard to push it."
    steps = [Step("loss", f"The loss: E = {value:.6f}", formula, words, (("dE/dY", error),))]
    last = net.layers[-1]
    if isinstance(last, Activation) and last.name == "softmax":
        steps.append(_comparison(output, target))
    return steps


def _comparison(probabilities: np.ndarray, target: np.ndarray) -> Step:
    """Why the loss matters: the error each loss hands back to the scores before the softmax."""
    with_mse = _softmax_backward(probabilities, mse_prime(target, probabilities))
    with_cross_entropy = CrossEntropy.softmax_gradient(probabilities, target)
    small, large = float(np.abs(with_mse).max()), float(np.abs(with_cross_entropy).max())
    times = f"{large / small:,.0f} times" if small > 0 else "far"
    return Step(
        "loss", "Why the loss matters: MSE against cross-entropy",
        "MSE:           dE/dX = Y ⊙ (g - Σ g ⊙ Y),  g = 2·(Y - T) / size\ncross-entropy: dE/dX = Y - T",
        f"On this sample the largest error MSE hands back is {small:.2e}, cross-entropy's {large:.2e}: "
        f"{times} larger. MSE's error is divided by the number of outputs and shrinks again through the "
        f"softmax's flat slope when the network is confidently wrong; tanh's slope shrinks it once more in "
        f"every layer. That is why the article's tanh + MSE recipe learns slowly.",
        (("MSE: dE/dX", with_mse), ("cross-entropy: dE/dX", with_cross_entropy)))


def _backward_steps(net: Network, index: int, arrived: np.ndarray, handed: np.ndarray, grads: list[np.ndarray],
                    before: list[np.ndarray], rate: float) -> list[Step]:
    layer = net.layers[index]
    lines = formulas.backward_formula(layer, arrived, handed)
    params = layer.params()
    if not params:
        return [Step("backward", f"Layer {index} backward: {layer!r}", "\n".join(lines),
                     formulas.backward_words(layer), (("dE/dY arrives", arrived), ("dE/dX handed on", handed)),
                     index)]
    names = formulas.parameter_names(layer)
    gradient_arrays = [("dE/dY arrives", arrived)] + [(f"dE/d{name}", g) for name, g in zip(names, grads)]
    update_arrays = []
    for name, old, new in zip(names, before, params):
        update_arrays += [(f"{name} before", old), (f"{name} change", new - old), (f"{name} after", new.copy())]
    return [
        Step("backward", f"Layer {index} backward: the error arrives, the gradients",
             "\n".join(lines[:-1]), formulas.backward_words(layer), tuple(gradient_arrays), index),
        Step("backward", f"Layer {index} update: {layer!r}",
             formulas.update_formula(net.optimizer.name, rate, names[0]),
             formulas.UPDATE_WORDS + formulas.schedule_words(rate, net.optimizer.learning_rate),
             tuple(update_arrays), index),
        Step("backward", f"Layer {index} hands the error on", lines[-1],
             "The error for the layer before is computed with the weights as they were going forward, before "
             "the update: it says how that layer's outputs changed the loss.", (("dE/dX handed on", handed),),
             index),
    ]
