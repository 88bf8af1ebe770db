"""The layer contract every part of a network follows.

A layer maps a batch to a batch. ``forward(x)`` keeps what ``backward`` needs;
``backward(output_error)`` fills the gradients of the layer's parameters and
returns the error with respect to its input, so the error travels from the loss
back to the first layer. Given a ``learning_rate``, ``backward`` also takes the
plain gradient-descent step itself, which is the classic tutorial's contract;
inside a ``Network`` an optimizer takes that step instead.
"""

from __future__ import annotations

import copy

import numpy as np

Shape = tuple[int, ...]


class ShapeError(ValueError):
    """A layer was given an input whose shape it cannot take."""


class Layer:
    """Base class: a layer without parameters that passes shapes through."""

    #: False for the first layer of a network: its input error is never used,
    #: so layers that can skip computing it (FC, Convolution) do.
    needs_input_grad: bool = True

    def forward(self, x: np.ndarray, training: bool = True) -> np.ndarray:
        raise NotImplementedError

    def backward(self, output_error: np.ndarray, learning_rate: float | None = None) -> np.ndarray:
        raise NotImplementedError

    # -- shapes -------------------------------------------------------------
    def output_shape(self, input_shape: Shape) -> Shape:
        """The shape of one sample's output, given one sample's input shape."""
        return tuple(input_shape)

    @property
    def input_shape(self) -> Shape | None:
        """The per-sample input shape this layer fixes by itself, if any."""
        return None

    # -- parameters ---------------------------------------------------------
    def build(self, input_shape: Shape, rng: np.random.Generator, init: str, dtype) -> None:
        """Create parameters for ``input_shape`` unless they already exist."""

    @property
    def built(self) -> bool:
        return True

    def params(self) -> list[np.ndarray]:
        """The trainable arrays, updated in place by optimizers."""
        return []

    def grads(self) -> list[np.ndarray]:
        """The gradients of ``params()``, same order, filled by ``backward``."""
        return []

    def get_weights(self) -> list[np.ndarray]:
        return [p.copy() for p in self.params()]

    def set_weights(self, weights: list[np.ndarray]) -> None:
        if weights:
            raise ValueError(f"{self!r} has no weights. Received: {len(weights)} arrays")

    def count_params(self, input_shape: Shape | None = None) -> int:
        """Trainable numbers: those held, or, before ``build``, those it would make for ``input_shape``."""
        return int(sum(p.size for p in self.params()))

    def apply_gradients(self, learning_rate: float) -> None:
        """Plain gradient descent on this layer's own parameters."""
        for param, grad in zip(self.params(), self.grads()):
            param -= learning_rate * grad

    def config(self) -> dict:
        """Constructor arguments, JSON-friendly, to rebuild this layer."""
        return {}

    def replica(self) -> Layer:
        """A twin for another thread: the same parameters, its own caches and gradient buffers."""
        twin = copy.copy(self)
        twin.__dict__.update({name: np.zeros_like(value) for name, value in self.__dict__.items()
                              if name.startswith("grad_") and isinstance(value, np.ndarray)})
        return twin

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


def check_weights(layer: Layer, weights: list, expected: list[Shape], names: list[str]) -> list[np.ndarray]:
    """Validate ``weights`` against the expected shapes and return them as arrays."""
    if len(weights) != len(expected):
        raise ValueError(
            f"{layer!r} takes {len(expected)} arrays ({', '.join(names)}). Received: {len(weights)}"
        )
    arrays = []
    for array, shape, name in zip(weights, expected, names):
        array = np.asarray(array)
        if array.shape != tuple(shape):
            raise ValueError(
                f"{layer!r} expects {name} of shape {tuple(shape)}. Received: {array.shape}"
            )
        if not np.issubdtype(array.dtype, np.floating) and not np.issubdtype(array.dtype, np.integer):
            raise ValueError(f"{layer!r}: {name} must be numeric. Received dtype {array.dtype}")
        arrays.append(array)
    return arrays
