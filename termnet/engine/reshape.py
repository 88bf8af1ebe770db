"""Flatten: images to vectors, so an FC layer can follow a Convolution."""

from __future__ import annotations

import math

import numpy as np

from .layer import Layer, Shape


class Flatten(Layer):
    """Input shape: ``(N, *dims)``. Output shape: ``(N, prod(dims))``."""

    def output_shape(self, input_shape: Shape) -> Shape:
        return (math.prod(input_shape),)

    def forward(self, x: np.ndarray, training: bool = True) -> np.ndarray:
        self.input = x
        return x.reshape(len(x), -1)

    def backward(self, output_error: np.ndarray, learning_rate: float | None = None) -> np.ndarray:
        error = output_error.reshape(self.input.shape)
        if self.input.flags.c_contiguous:
            return error
        # hand the error back in the memory layout the input had (a Convolution's, say), so
        # the layers before work element by element on matching layouts
        same_layout = np.empty_like(self.input, dtype=output_error.dtype)
        same_layout[...] = error
        return same_layout
