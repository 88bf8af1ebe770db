"""BatchNorm: each feature (after FC) or channel (after a convolution) normalised, then scaled and shifted.

``y = gamma * (x - mean) / sqrt(var + epsilon) + beta`` (Ioffe & Szegedy, 2015). While training, the
mean and variance are the batch's (the biased variance, over the samples, and over the positions of
an image for a channel); each training step also moves the running statistics a share ``momentum``
toward the batch's, with the unbiased variance (``n / (n - 1)``), as PyTorch's BatchNorm1d/2d do.
At inference the running statistics are used, so a prediction never depends on the rest of its batch.

The statistics are the whole batch's, so a network holding a BatchNorm does not split its batches
over threads (``shardable = False``, see parallel.py): it trains on one thread.
"""

from __future__ import annotations

import numpy as np

from .fields import Field
from .layer import Layer, Shape, ShapeError, check_weights


class BatchNorm(Layer):
    """Batch normalisation over the batch, per feature ``(N, F)`` or per channel ``(N, C, H, W)``.

    Args:
        momentum: the share of the batch's statistics the running ones take at each training step.
        epsilon: added to the variance, so that a constant feature does not divide by zero.

    Input and output shapes: ``(F,)`` or ``(C, H, W)`` per sample, unchanged.
    Weights: ``[gamma (C,), beta (C,)]`` (start at 1 and 0). State: ``[running_mean (C,), running_var (C,)]``.
    """

    fields = (
        Field("momentum", "float", default=0.1, minimum=0,
              help="share of each batch's statistics the running ones take, from 0 to 1 (PyTorch's 0.1)"),
        Field("epsilon", "float", default=1e-5, minimum=0,
              help="added to the variance so a constant feature does not divide by zero (above 0)"),
    )

    shardable = False  # its statistics are the whole batch's

    def __init__(self, momentum: float = 0.1, epsilon: float = 1e-5):
        for name, value, ok in (("momentum", momentum, lambda v: 0 <= v <= 1), ("epsilon", epsilon, lambda v: v > 0)):
            number = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)
            if not number or not ok(value):
                bounds = "from 0 to 1" if name == "momentum" else "above 0"
                raise ValueError(f"BatchNorm {name} must be a number {bounds}. Received: {name}={value!r}")
        self.momentum, self.epsilon = float(momentum), float(epsilon)
        self.gamma: np.ndarray | None = None
        self.beta: np.ndarray | None = None
        self.running_mean: np.ndarray | None = None
        self.running_var: np.ndarray | None = None

    # -- shapes -------------------------------------------------------------
    def output_shape(self, input_shape: Shape) -> Shape:
        input_shape = tuple(input_shape)
        if len(input_shape) not in (1, 3):
            raise ShapeError(f"{self!r} takes features (F,) or images (channels, height, width) "
                             f"but receives {input_shape}")
        if self.gamma is not None and len(self.gamma) != input_shape[0]:
            raise ShapeError(f"{self!r} normalises {len(self.gamma)} features or channels but receives {input_shape}")
        return input_shape

    # -- parameters ---------------------------------------------------------
    @property
    def built(self) -> bool:
        return self.gamma is not None and self.running_mean is not None

    def build(self, input_shape, rng, init, dtype) -> None:
        channels = input_shape[0]
        if self.gamma is None:
            self.gamma, self.beta = np.ones(channels, dtype=dtype), np.zeros(channels, dtype=dtype)
        else:  # weights set before fit are kept, only brought to the network's dtype
            self.gamma, self.beta = self.gamma.astype(dtype, copy=False), self.beta.astype(dtype, copy=False)
        if self.running_mean is None:
            self.running_mean, self.running_var = np.zeros(channels, dtype=dtype), np.ones(channels, dtype=dtype)
        else:
            self.running_mean = self.running_mean.astype(dtype, copy=False)
            self.running_var = self.running_var.astype(dtype, copy=False)
        self.grad_gamma, self.grad_beta = np.zeros_like(self.gamma), np.zeros_like(self.beta)

    def _channels(self, input_shape: Shape | None) -> int:
        if self.gamma is not None:
            return len(self.gamma)
        return input_shape[0] if input_shape else 0

    def count_params(self, input_shape=None) -> int:
        return 2 * self._channels(input_shape)

    def count_state(self, input_shape=None) -> int:
        return 2 * self._channels(input_shape)

    def params(self) -> list[np.ndarray]:
        return [] if self.gamma is None else [self.gamma, self.beta]

    def grads(self) -> list[np.ndarray]:
        return [] if self.gamma is None or not hasattr(self, "grad_gamma") else [self.grad_gamma, self.grad_beta]

    def set_weights(self, weights) -> None:
        channels = len(self.gamma) if self.gamma is not None else len(np.atleast_1d(weights[0])) if weights else 0
        gamma, beta = check_weights(self, weights, [(channels,), (channels,)], ["gamma", "beta"])
        given = gamma.dtype if gamma.dtype in (np.float32, np.float64) else np.float32
        dtype = self.gamma.dtype if self.gamma is not None else given
        self.gamma, self.beta = np.array(gamma, dtype=dtype), np.array(beta, dtype=dtype)
        self.grad_gamma, self.grad_beta = np.zeros_like(self.gamma), np.zeros_like(self.beta)

    def state(self) -> list[np.ndarray]:
        return [] if self.running_mean is None else [self.running_mean.copy(), self.running_var.copy()]

    def load_state(self, arrays: list[np.ndarray]) -> None:
        channels = self._channels(None)
        mean, var = check_weights(self, arrays, [(channels,), (channels,)], ["running_mean", "running_var"])
        if np.any(var < 0):
            raise ValueError(f"{self!r}: running_var must not be negative. Received: a minimum of {var.min()!r}")
        dtype = self.gamma.dtype if self.gamma is not None else np.float32
        self.running_mean, self.running_var = np.array(mean, dtype=dtype), np.array(var, dtype=dtype)

    # -- computation ----------------------------------------------------------
    # Both kinds of input are worked on as a (C, M) matrix of rows: one row per feature or channel,
    # every value it normalises along it. For an image the matrix is the (C, H, W, N) layout a
    # Convolution leaves its output in (free to reach), and the output keeps that layout.
    @staticmethod
    def _rows(x: np.ndarray) -> np.ndarray:
        if x.ndim == 2:
            return x.T
        return np.ascontiguousarray(x.transpose(1, 2, 3, 0)).reshape(x.shape[1], -1)

    @staticmethod
    def _unrows(rows: np.ndarray, shape: Shape) -> np.ndarray:
        if len(shape) == 2:
            return rows.T
        n, c, h, w = shape
        return rows.reshape(c, h, w, n).transpose(3, 0, 1, 2)

    def forward(self, x: np.ndarray, training: bool = True) -> np.ndarray:
        if x.ndim not in (2, 4):
            raise ShapeError(f"{self!r} takes (N, F) or (N, C, H, W) batches. Received: {x.shape}")
        rows = self._rows(x)
        gamma, beta = self.gamma[:, None], self.beta[:, None]
        if not training:  # the running statistics, folded into one scale and shift per row
            scale = self.gamma / np.sqrt(self.running_var + self.epsilon)
            shift = self.beta - self.running_mean * scale
            return self._unrows(rows * scale[:, None] + shift[:, None], x.shape)
        count = rows.shape[1]
        mean = rows.mean(axis=1, keepdims=True)
        centered = rows - mean
        var = np.mean(np.square(centered), axis=1, keepdims=True)
        inv_std = 1 / np.sqrt(var + self.epsilon)
        normalised = np.multiply(centered, inv_std, out=centered)
        self.normalised, self.inv_std, self.shape = normalised, inv_std, x.shape
        if count > 1:  # a single value has no unbiased variance: the running statistics wait for a real batch
            m = self.momentum
            self.running_mean *= 1 - m
            self.running_mean += m * mean[:, 0]
            self.running_var *= 1 - m
            self.running_var += (m * count / (count - 1)) * var[:, 0]
        out = normalised * gamma
        out += beta
        return self._unrows(out, x.shape)

    def backward(self, output_error: np.ndarray, learning_rate: float | None = None) -> np.ndarray:
        # with x^ the normalised input: dgamma = sum(dy x^), dbeta = sum(dy), and
        # dx = gamma / std * (dy - mean(dy) - x^ mean(dy x^)), the batch's mean and variance depending on x
        errors = self._rows(output_error)
        count = errors.shape[1]
        np.sum(errors, axis=1, out=self.grad_beta)
        np.sum(errors * self.normalised, axis=1, out=self.grad_gamma)
        input_error = None
        if self.needs_input_grad:
            rows = self.normalised * (self.grad_gamma[:, None] / count)
            rows += self.grad_beta[:, None] / count
            np.subtract(errors, rows, out=rows)
            rows *= self.gamma[:, None] * self.inv_std
            input_error = self._unrows(rows, self.shape)
        if learning_rate is not None:
            self.apply_gradients(learning_rate)
        return input_error

    @classmethod
    def short_label(cls, config: dict) -> str:
        return "BN"
