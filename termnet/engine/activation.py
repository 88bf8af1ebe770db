"""Activation: an element-wise non-linearity (softmax: per sample)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .fields import Field
from .layer import Layer

ACTIVATIONS = ("tanh", "sigmoid", "relu", "leaky_relu", "softmax")


class Activation(Layer):
    """Applies ``name`` to its input; shapes pass through unchanged.

    Args:
        name: one of ``tanh``, ``sigmoid``, ``relu``, ``leaky_relu``, ``softmax``.
        alpha: the slope of ``leaky_relu`` below zero.
    """

    fields = (
        Field("name", "choice", choices=ACTIVATIONS, initial="relu", help="the function"),
        Field("alpha", "float", default=0.01, when=("name", ("leaky_relu",)),
              help="leaky_relu's slope below zero"),
    )

    _output: np.ndarray | None = None
    # a relu's input (or a function giving it), when its output is computed only if read
    _deferred: np.ndarray | Callable[[], np.ndarray] | None = None

    def __init__(self, name: str, alpha: float = 0.01):
        if name not in ACTIVATIONS:
            raise ValueError(f"Unknown activation {name!r}; expected one of {', '.join(ACTIVATIONS)}")
        self.name = name
        self.alpha = float(alpha)

    @property
    def output(self) -> np.ndarray | None:
        """The output of the latest forward pass (None before one)."""
        if self._output is None and self._deferred is not None:
            deferred = self._deferred
            self._output = np.maximum(deferred() if callable(deferred) else deferred, 0)
        return self._output

    @output.setter
    def output(self, value: np.ndarray | None) -> None:
        self._output, self._deferred = value, None

    def defer_output(self, x: np.ndarray | Callable[[], np.ndarray]) -> None:
        """Keep ``x``, this relu's input, in place of its output, which ``output`` computes when first read;
        ``x`` may be a function that gives the input (a fused convolution's, computed only then).

        A relu followed by max pooling runs after the pooling inside a network (fusion.py, conv_pool.py);
        only a health report reads the full output, so it is computed then, and is what forward would give.
        Read it before the next training step: ``x`` (or what the function reads) may be a step buffer that
        the next forward overwrites (a health report reads it in the same batch's ``on_batch_end``).
        """
        self._output, self._deferred = None, x

    def forward(self, x: np.ndarray, training: bool = True) -> np.ndarray:
        if self.name == "relu":
            y = np.maximum(x, 0, out=self.scratch("output", x, reuse=training))
        elif self.name == "tanh":
            y = np.tanh(x)
        elif self.name == "sigmoid":
            # 1 / (1 + e^-x) written with tanh, which never overflows
            y = np.tanh(x * 0.5)
            y += 1
            y *= 0.5
        elif self.name == "leaky_relu":
            self.input = x
            y = np.maximum(x, self.alpha * x) if self.alpha <= 1 else np.minimum(x, self.alpha * x)
        else:
            # subtracting the row maximum leaves softmax unchanged and keeps exp() finite
            # (the ufuncs' reduce directly: ndarray.max and .sum add Python wrappers, a few us a batch)
            y = x - np.maximum.reduce(x, axis=-1, keepdims=True)
            np.exp(y, out=y)
            y /= np.add.reduce(y, axis=-1, keepdims=True)
        self.output = y
        return y

    def backward(self, output_error: np.ndarray, learning_rate: float | None = None) -> np.ndarray:
        y = self.output
        if self.name == "relu":
            # relu'(x) is 1 where the output is positive, else 0: a float mask, no np.where
            return output_error * (y > 0)
        if self.name == "tanh":
            # tanh'(x) = 1 - tanh(x)^2
            slope = y * y
            np.subtract(1, slope, out=slope)
            slope *= output_error
            return slope
        if self.name == "sigmoid":
            # sigmoid'(x) = s(x) (1 - s(x))
            slope = 1 - y
            slope *= y
            slope *= output_error
            return slope
        if self.name == "leaky_relu":
            slope = (self.input > 0).astype(output_error.dtype)
            slope *= 1 - self.alpha
            slope += self.alpha
            slope *= output_error
            return slope
        # softmax: the Jacobian is diag(s) - s s^T, so J^T g = s * (g - <g, s>)
        dot = np.sum(output_error * y, axis=-1, keepdims=True)
        return y * (output_error - dot)

    @classmethod
    def label(cls, config: dict) -> str:
        name = config.get("name", "?")
        slope = config.get("alpha", 0.01) if name == "leaky_relu" else 0.01
        return f"Activation {name}" + (f" {slope:g}" if slope != 0.01 else "")

    @classmethod
    def short_label(cls, config: dict) -> str:
        return str(config.get("name", "?"))

    def __repr__(self) -> str:
        return f"Activation({self.name!r})"
