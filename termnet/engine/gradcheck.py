"""Finite-difference gradient checks: the analytic gradients against an independent oracle.

Central differences ``(f(p + eps) - f(p - eps)) / 2 eps`` need float64 to be
accurate to about 1e-9; a correct layer then shows relative errors far below 1e-6.
Every forward of a check starts from the layers' state as it was (``Layer.state()``): Dropout
draws one mask throughout, and BatchNorm's running statistics are left unchanged by the check.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .layer import Layer
from .network import Network


def relative_error(analytic: np.ndarray, numeric: np.ndarray) -> float:
    """``|a - n| / max(|a|, |n|)`` on whole arrays (0 when both are 0)."""
    scale = max(np.linalg.norm(analytic), np.linalg.norm(numeric))
    return float(np.linalg.norm(analytic - numeric) / scale) if scale else 0.0


def _numeric_gradient(f, array: np.ndarray, indices, eps: float) -> np.ndarray:
    """d f / d array at ``indices`` (flat positions), by central differences, in place."""
    flat = array.reshape(-1)
    grad = np.zeros(len(indices))
    for k, i in enumerate(indices):
        saved = flat[i]
        flat[i] = saved + eps
        plus = f()
        flat[i] = saved - eps
        minus = f()
        flat[i] = saved
        grad[k] = (plus - minus) / (2 * eps)
    return grad


def _holding_state(layers: list[Layer]):
    """A function that puts every layer's ``state()`` back as it is now: called before each forward of a check,
    it makes each forward draw the same Dropout mask, and leaves BatchNorm's running statistics as they were."""
    states = [layer.state() for layer in layers]

    def restore() -> None:
        for layer, state in zip(layers, states):
            if state:
                layer.load_state([array.copy() for array in state])

    return restore


def _sample(size: int, limit: int | None, rng) -> np.ndarray:
    return np.arange(size) if limit is None or size <= limit else rng.choice(size, limit, replace=False)


def layer_gradient_errors(layer: Layer, x: np.ndarray, eps: float = 1e-6, limit: int | None = None,
                          seed: int = 0) -> dict[str, float]:
    """Relative errors of one layer's input and parameter gradients.

    The scalar checked is ``sum(forward(x) * g)`` for a fixed random ``g``, so
    ``backward(g)`` must return exactly its gradient with respect to ``x``.
    """
    rng = np.random.default_rng(seed)
    x = np.array(x, dtype=np.float64)
    restore = _holding_state([layer])
    g = rng.standard_normal(layer.forward(x).shape)

    def f():
        restore()
        return float(np.sum(layer.forward(x) * g))

    restore()
    layer.forward(x)
    input_error = np.array(layer.backward(g), dtype=np.float64)
    analytic = [input_error] + [grad.copy() for grad in layer.grads()]
    errors = {}
    for name, array, grad in zip(["input"] + [f"param{i}" for i in range(len(analytic) - 1)],
                                 [x] + layer.params(), analytic):
        indices = _sample(array.size, limit, rng)
        numeric = _numeric_gradient(f, array, indices, eps)
        errors[name] = relative_error(grad.reshape(-1)[indices], numeric)
    restore()
    return errors


def param_names(count: int) -> list[str]:
    """Names for a layer's ``count`` parameter arrays: weights and bias, then param2, param3, ..."""
    return ["weights", "bias", *(f"param{i}" for i in range(2, count))][:count]


@dataclass
class GradientCheck:
    """One parameter array's check: which layer, how big, and the relative error."""

    layer_index: int
    layer: str
    param: str
    size: int
    relative_error: float


def network_gradient_errors(network: Network, x: np.ndarray, y: np.ndarray, eps: float = 1e-6,
                            limit: int | None = 30, seed: int = 0) -> list[GradientCheck]:
    """Check every parameter gradient of ``network``'s loss on ``x``, ``y``.

    The network must use float64. At most ``limit`` entries of each array are
    perturbed (all of them with ``limit=None``), chosen at random with ``seed``.
    """
    if network.dtype != np.float64:
        raise ValueError("Gradient checks need Network(dtype='float64'); float32 rounding hides errors")
    network.require_loss()
    x, y = network.prepare(x, y)
    rng = np.random.default_rng(seed)
    restore = _holding_state(network.layers)

    def f():
        restore()
        return network.loss.value(network.forward(x, training=True), y)

    restore()
    network.backward(network.forward(x, training=True), y)
    results = []
    for index, layer in enumerate(network.layers):
        params, grads = layer.params(), [g.copy() for g in layer.grads()]
        if len(grads) != len(params):
            raise ValueError(f"{layer!r} has {len(params)} parameter arrays but {len(grads)} gradients")
        names = param_names(len(params))
        for param, grad, name in zip(params, grads, names):
            indices = _sample(param.size, limit, rng)
            numeric = _numeric_gradient(f, param, indices, eps)
            error = relative_error(grad.reshape(-1)[indices], numeric)
            results.append(GradientCheck(index, repr(layer), name, param.size, error))
    restore()
    return results
