"""FC: the fully connected layer, every input joined to every output."""

from __future__ import annotations

import math

import numpy as np

from .fields import Field
from .initializers import initial_weights
from .layer import Layer, Shape, ShapeError, check_weights


class FC(Layer):
    """``y = x @ W + b``.

    Args:
        input_size: features per sample coming in.
        output_size: features per sample going out.

    Input shape: ``(N, input_size)``. Output shape: ``(N, output_size)``.
    Weights: ``[W (input_size, output_size), b (output_size,)]``.
    """

    fields = (
        Field("input_size", "int", minimum=1, infer=math.prod,
              help="features per sample coming in; left out of a spec, taken from the layer before"),
        Field("output_size", "int", minimum=1, initial=64, help="features per sample going out"),
    )

    def __init__(self, input_size: int, output_size: int):
        for name, value in (("input_size", input_size), ("output_size", output_size)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"FC {name} must be a positive integer. Received: {name}={value!r}")
        self.input_size = int(input_size)
        self.output_size = int(output_size)
        self.weights: np.ndarray | None = None
        self.bias: np.ndarray | None = None

    @property
    def input_shape(self) -> Shape:
        return (self.input_size,)

    def output_shape(self, input_shape: Shape) -> Shape:
        if tuple(input_shape) != (self.input_size,):
            hint = " (add Flatten() before it)" if len(input_shape) > 1 else ""
            raise ShapeError(
                f"{self!r} expects inputs of shape ({self.input_size},) "
                f"but receives {tuple(input_shape)}{hint}"
            )
        return (self.output_size,)

    @property
    def built(self) -> bool:
        return self.weights is not None

    def build(self, input_shape, rng, init, dtype) -> None:
        if self.weights is None:
            self.weights = initial_weights(
                (self.input_size, self.output_size), self.input_size, self.output_size, init, rng, dtype
            )
            self.bias = np.zeros(self.output_size, dtype=dtype)
        else:  # weights set before fit are kept, only brought to the network's dtype
            self.weights = self.weights.astype(dtype, copy=False)
            self.bias = self.bias.astype(dtype, copy=False)
        self.grad_weights = np.zeros_like(self.weights)
        self.grad_bias = np.zeros_like(self.bias)

    def forward(self, x: np.ndarray, training: bool = True) -> np.ndarray:
        self.input = x
        out = x @ self.weights
        out += self.bias  # in place: one array per call, not two
        return out

    def backward(self, output_error: np.ndarray, learning_rate: float | None = None) -> np.ndarray:
        # dE/dW = x^T . dE/dY (summed over the batch), dE/db = sum of dE/dY, dE/dX = dE/dY . W^T
        np.matmul(self.input.T, output_error, out=self.grad_weights)
        np.add.reduce(output_error, axis=0, out=self.grad_bias)  # np.sum without its Python wrapper
        input_error = output_error @ self.weights.T if self.needs_input_grad else None
        if learning_rate is not None:
            self.apply_gradients(learning_rate)
        return input_error

    def count_params(self, input_shape=None) -> int:
        return self.input_size * self.output_size + self.output_size

    def params(self) -> list[np.ndarray]:
        return [] if self.weights is None else [self.weights, self.bias]

    def grads(self) -> list[np.ndarray]:
        return [] if self.weights is None else [self.grad_weights, self.grad_bias]

    def set_weights(self, weights) -> None:
        w, b = check_weights(
            self, weights, [(self.input_size, self.output_size), (self.output_size,)], ["W", "b"]
        )
        # before build, keep float64 weights as they are: build brings them to the network's dtype
        given = w.dtype if w.dtype in (np.float32, np.float64) else np.float32
        dtype = self.weights.dtype if self.weights is not None else given
        self.weights = np.array(w, dtype=dtype)
        self.bias = np.array(b, dtype=dtype)
        self.grad_weights = np.zeros_like(self.weights)
        self.grad_bias = np.zeros_like(self.bias)

    @classmethod
    def label(cls, config: dict) -> str:
        return f"FC → {config.get('output_size', '?')}"

    @classmethod
    def short_label(cls, config: dict) -> str:
        return f"FC{config.get('output_size', '?')}"

    def __repr__(self) -> str:
        return f"FC({self.input_size} -> {self.output_size})"
