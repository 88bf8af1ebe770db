"""What each layer type does in the Lesson, forward and backward: the formula with shapes and a few plain words.

Keyed by the layer's type name in the engine's registry; a type registered elsewhere gets the generic
words (the Lesson still runs its own forward and backward). No user interface here: the command line's
text course and the dashboard's Lesson tab both read these.
"""

from __future__ import annotations

import numpy as np

from ..engine import Activation, Convolution, Layer, Pooling
from ..engine.registry import layer_type


def shape(array_or_shape) -> str:
    """``(1,784)``: a shape as the formulas write it, without spaces."""
    dims = array_or_shape.shape if isinstance(array_or_shape, np.ndarray) else array_or_shape
    return "(" + ",".join(str(d) for d in dims) + ("," if len(dims) == 1 else "") + ")"


ACTIVATION_FORWARD = {
    "tanh": "Y = tanh(X)",
    "sigmoid": "Y = 1 / (1 + e^-X)",
    "relu": "Y = max(X, 0)",
    "leaky_relu": "Y = X if X > 0 else alpha·X",
    "softmax": "Y = e^X / Σ e^X",
}
ACTIVATION_BACKWARD = {
    "tanh": "dE/dX = dE/dY ⊙ (1 - Y²)",
    "sigmoid": "dE/dX = dE/dY ⊙ Y·(1 - Y)",
    "relu": "dE/dX = dE/dY ⊙ [X > 0]",
    "leaky_relu": "dE/dX = dE/dY ⊙ (1 if X > 0 else alpha)",
    "softmax": "dE/dX = Y ⊙ (dE/dY - Σ dE/dY ⊙ Y)",
}
ACTIVATION_WORDS = {
    "tanh": "tanh squashes every value into (-1, 1). Near 0 it lets changes through; far from 0 it is flat.",
    "sigmoid": "sigmoid squashes every value into (0, 1). Far from 0 it is flat, and little changes get through.",
    "relu": "relu keeps positive values and turns negative ones into 0: the simplest bend that lets a network "
            "learn more than straight lines.",
    "leaky_relu": "leaky relu keeps positive values and shrinks negative ones by alpha, so no unit goes silent.",
    "softmax": "softmax turns the scores into probabilities: all positive, adding up to 1, the largest score "
               "getting the largest share.",
}


def forward_formula(layer: Layer, x: np.ndarray, y: np.ndarray) -> str:
    """The layer's forward pass as a formula, with this sample's shapes."""
    arrow = f"{shape(x)} -> {shape(y)}"
    kind = layer_type(layer)
    if kind == "FC":
        return f"Y = X·W + B   {shape(x)}·{shape(layer.weights)} + {shape(layer.bias)} -> {shape(y)}"
    if isinstance(layer, Activation):
        return f"{ACTIVATION_FORWARD[layer.name]}   {arrow}"
    if isinstance(layer, Convolution):
        return (f"Y[d] = B[d] + Σc X[c] ⋆ K[d,c]   {shape(x)} ⋆ {shape(layer.kernels)} + {shape(layer.bias)} -> "
                f"{shape(y)}\n    ⋆: cross-correlation, each filter slid with stride {layer.stride}, "
                f"padding {layer.padding}")
    if isinstance(layer, Pooling):
        p = layer.pool_size
        return f"Y = {layer.mode} of each {p}x{p} window (stride {layer.stride})   {arrow}"
    if kind == "Flatten":
        return f"Y = X laid out in one row   {arrow}"
    if kind == "Dropout":
        return f"Y = X ⊙ M / (1 - {layer.rate:g}),  M random 0/1, kept with probability {1 - layer.rate:g}   {arrow}"
    if kind == "BatchNorm":
        return f"Y = γ·(X - mean)/√(var + ε) + β, mean and var over the batch   {arrow}"
    return f"Y = {kind}(X)   {arrow}"


def forward_words(layer: Layer) -> str:
    kind = layer_type(layer)
    if kind == "FC":
        return ("Every output is a weighted sum of every input, plus a bias. The weights say how much each "
                "input counts for each output; learning means adjusting them.")
    if isinstance(layer, Activation):
        return ACTIVATION_WORDS[layer.name] + " It has no weights: nothing here is learned."
    if isinstance(layer, Convolution):
        return ("Each filter slides over the image and, at every position, multiplies the pixels under it by "
                "its weights and adds them up. A filter lights up its map where the image looks like it: "
                "an edge, a stroke, a corner.")
    if isinstance(layer, Pooling):
        return ("Each window of the maps is replaced by its largest (or mean) value: the maps get smaller "
                "and a feature found a pixel further away still counts. Nothing is learned here.")
    if kind == "Dropout":
        return ("While training, a random share of the values is set to zero and the rest scaled up to keep "
                "the sum; no unit can rely on another. At test time nothing is dropped.")
    if kind == "BatchNorm":
        return ("Each feature is shifted and scaled to mean 0 and variance 1 over the batch, then by the learnt "
                "γ and β. With one sample the batch's mean is the sample itself: training one image at a time "
                "is where batch normalisation stops making sense, and why it wants batches.")
    if kind == "Flatten":
        return ("The maps are laid out in one long row so that a fully connected layer can take them. The "
                "numbers do not change, only their arrangement.")
    return f"The {kind} layer computes its output from its input; the numbers below are what it gave."


def backward_formula(layer: Layer, error: np.ndarray, handed_on: np.ndarray | None) -> list[str]:
    """The layer's backward pass: one line per formula (gradients first, then the error handed on)."""
    back = shape(handed_on) if handed_on is not None else "?"
    kind = layer_type(layer)
    if kind == "FC":
        return [f"dE/dW = Xᵀ·dE/dY   {shape(layer.input.T)}·{shape(error)} -> {shape(layer.weights)}",
                f"dE/dB = dE/dY   {shape(error)} -> {shape(layer.bias)}",
                f"dE/dX = dE/dY·Wᵀ   {shape(error)}·{shape(layer.weights.T)} -> {back}"]
    if isinstance(layer, Activation):
        return [f"{ACTIVATION_BACKWARD[layer.name]}   {shape(error)} -> {back}"]
    if isinstance(layer, Convolution):
        return [f"dE/dK[d,c] = X[c] ⋆ dE/dY[d]   -> {shape(layer.kernels)}   (⋆: cross-correlation)",
                f"dE/dB[d] = Σ dE/dY[d]   {shape(error)} -> {shape(layer.bias)}",
                f"dE/dX[c] = Σd dE/dY[d] ∗ K[d,c]   -> {back}   (∗: full convolution, filter turned 180°)"]
    if isinstance(layer, Pooling):
        if layer.mode == "max":
            return [f"dE/dX = dE/dY at each window's max, 0 elsewhere   {shape(error)} -> {back}"]
        return [f"dE/dX = dE/dY / {layer.pool_size ** 2} on every input of each window   {shape(error)} -> {back}"]
    if kind == "Dropout":
        return [f"dE/dX = dE/dY ⊙ M / (1 - {layer.rate:g})   {shape(error)} -> {back}"]
    if kind == "Flatten":
        return [f"dE/dX = dE/dY laid back out in the input's shape   {shape(error)} -> {back}"]
    return [f"dE/dX = {kind}'s backward(dE/dY)   {shape(error)} -> {back}"]


def backward_words(layer: Layer) -> str:
    kind = layer_type(layer)
    if kind == "FC":
        return ("The error that arrives says how the loss changes with each output. An input that was large "
                "where the error is large gets a large weight gradient. The error is handed on through the "
                "same weights, turned around (Wᵀ), before they change.")
    if isinstance(layer, Activation):
        return ("The error is multiplied by the function's slope at the value it had going forward. Where the "
                "function is flat (tanh or sigmoid far from 0, relu below 0) the error all but stops: that "
                "unit barely learns from this sample.")
    if isinstance(layer, Convolution):
        return ("Each filter weight gathers the error of every position it touched, times the pixel it saw "
                "there. The error goes back to the image by sliding each filter, turned 180°, over the "
                "error maps.")
    if isinstance(layer, Pooling):
        return ("Only the input that was picked going forward had an effect on the output, so only it gets "
                "the error; the others get 0 (average pooling shares it out evenly).")
    if kind == "Flatten":
        return "The error is put back into the shape of the maps, number for number."
    return f"The {kind} layer passes the error back to the layer before it."


def parameter_names(layer: Layer) -> tuple[str, ...]:
    """What the formulas call the layer's parameters, in ``params()``'s order."""
    names = {"FC": ("W", "B"), "Convolution": ("K", "B"), "BatchNorm": ("γ", "β")}.get(layer_type(layer))
    count = len(layer.params())
    return names if names and len(names) == count else tuple(f"P{i}" for i in range(count))


def schedule_words(rate: float, base_rate: float) -> str:
    """A sentence when the schedule has brought this step's rate far under the base rate: the weights then barely
    move, which a learner would otherwise read as the step not working (a finished one-cycle run ends so)."""
    if base_rate <= 0 or rate >= 0.1 * base_rate:
        return ""
    return (f" Here the schedule has lowered the rate to {rate / base_rate:.1%} of its base {base_rate:g}, as it does "
            f"at the end of a run, so the weights barely move: a constant schedule shows the full step.")


def update_formula(optimizer_name: str, rate: float, name: str = "W") -> str:
    if optimizer_name == "sgd":
        return f"{name} ← {name} - η·dE/d{name},  B ← B - η·dE/dB   η = {rate:g}"
    if optimizer_name == "momentum":
        return f"V ← momentum·V - η·dE/d{name},  {name} ← {name} + V   (the same for B)   η = {rate:g}"
    return f"{name} ← {name} - η·m / (√v + ε)   (Adam: running means of the gradient and its square)   η = {rate:g}"


UPDATE_WORDS = ("Each weight moves a small step against its gradient: downhill on the loss. The learning rate η "
                "sets the size of the step: too small and learning crawls, too large and it overshoots.")
