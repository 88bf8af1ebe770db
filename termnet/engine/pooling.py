"""Pooling: keep the largest (or mean) value of each window, per channel."""

from __future__ import annotations

import numpy as np

from .fields import Field
from .layer import Layer, Shape, ShapeError

POOLING_MODES = ("max", "average")
MODES = POOLING_MODES


class Pooling(Layer):
    """Downsamples each channel by windows of ``pool_size`` x ``pool_size``.

    A trailing row or column that does not fill a window is dropped, as frameworks
    do (11 -> 5 with a 2x2 window).

    Args:
        pool_size: the window's side.
        stride: the step between windows; ``None`` means ``pool_size`` (no overlap).
        mode: ``"max"`` or ``"average"``.

    Input shape: ``(N, C, H, W)``. Output shape: ``(N, C, (H - p) // s + 1, (W - p) // s + 1)``.
    """

    fields = (
        Field("pool_size", "int", default=2, minimum=1, explicit=True, help="the window's side"),
        Field("stride", "int", default=None, minimum=1, optional=True,
              help="the step between windows; empty: the window's side (no overlap)"),
        Field("mode", "choice", default="max", choices=POOLING_MODES, help="keep each window's max or average"),
    )

    def __init__(self, pool_size: int = 2, stride: int | None = None, mode: str = "max"):
        for name, value in (("pool_size", pool_size), ("stride", stride if stride is not None else pool_size)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"Pooling {name} must be a positive integer. Received: {name}={value!r}")
        if mode not in MODES:
            raise ValueError(f"Pooling mode must be 'max' or 'average'. Received: mode={mode!r}")
        self.pool_size = int(pool_size)
        self.stride = int(stride) if stride is not None else self.pool_size
        self.mode = mode

    def output_shape(self, input_shape: Shape) -> Shape:
        input_shape = tuple(input_shape)
        if len(input_shape) != 3:
            raise ShapeError(f"{self!r} expects images (channels, height, width) but receives {input_shape}")
        channels, height, width = input_shape
        if height < self.pool_size or width < self.pool_size:
            p = self.pool_size
            raise ShapeError(f"{self!r}: the {p}x{p} window is larger than its input {input_shape}")
        return (channels, (height - self.pool_size) // self.stride + 1, (width - self.pool_size) // self.stride + 1)

    def _offsets(self, out_h: int, out_w: int):
        """Index of each offset inside the window: pool_size**2 strided views of the output's shape."""
        s = self.stride
        for a in range(self.pool_size):
            for b in range(self.pool_size):
                rows, cols = slice(a, a + s * (out_h - 1) + 1, s), slice(b, b + s * (out_w - 1) + 1, s)
                yield (slice(None), slice(None), rows, cols)

    def forward(self, x: np.ndarray, training: bool = True) -> np.ndarray:
        _, out_h, out_w = self.output_shape(x.shape[1:])
        if self.mode == "max" and self.pool_size == self.stride == 2:
            return self._forward_2x2(x, out_h, out_w, training)
        views = [x[index] for index in self._offsets(out_h, out_w)]
        # element-wise max/sum over the offsets of each window: no reshape, no axis reductions
        out = np.copy(views[0], order="K")
        combine = np.maximum if self.mode == "max" else np.add
        for view in views[1:]:
            combine(out, view, out=out)
        if self.mode == "average":
            out *= 1.0 / self.pool_size**2
        if training:
            self.input, self.output = x, out
            self.__dict__.pop("rows", None)
        return out

    # The common 2x2, stride 2 max pooling in two stages, each a maximum of two halves: row pairs
    # (long contiguous runs), then column pairs of that half-size result. Backward sends the error
    # down one side of each stage with a single mask, the other side getting the rest, so every
    # window's error lands on exactly one position (ties: the first) in six passes.
    def _forward_2x2(self, x, out_h, out_w, training):
        top, bottom = x[:, :, 0:2 * out_h:2, :2 * out_w], x[:, :, 1:2 * out_h:2, :2 * out_w]
        rows = np.maximum(top, bottom, out=self.scratch("rows", top, reuse=training))
        left, right = rows[..., 0::2], rows[..., 1::2]
        out = np.maximum(left, right, out=self.scratch("output", left, reuse=training))
        if training:
            self.input, self.output, self.rows = x, out, rows
        return out

    def _backward_2x2(self, output_error):
        x, rows = self.input, self.rows
        out_h, out_w = rows.shape[2], rows.shape[3] // 2
        row_error = np.empty_like(rows, dtype=output_error.dtype)
        left = np.multiply(output_error, rows[..., 0::2] >= rows[..., 1::2], out=row_error[..., 0::2])
        np.subtract(output_error, left, out=row_error[..., 1::2])
        input_error = np.empty_like(x, dtype=output_error.dtype)
        if x.shape[2] > 2 * out_h:
            input_error[:, :, 2 * out_h:] = 0  # the dropped trailing row gets no error
        if x.shape[3] > 2 * out_w:
            input_error[:, :, :, 2 * out_w:] = 0
        top, bottom = x[:, :, 0:2 * out_h:2, :2 * out_w], x[:, :, 1:2 * out_h:2, :2 * out_w]
        upper = np.multiply(row_error, top >= bottom, out=input_error[:, :, 0:2 * out_h:2, :2 * out_w])
        np.subtract(row_error, upper, out=input_error[:, :, 1:2 * out_h:2, :2 * out_w])
        return input_error

    def backward(self, output_error: np.ndarray, learning_rate: float | None = None) -> np.ndarray:
        if hasattr(self, "rows"):
            return self._backward_2x2(output_error)
        x, out = self.input, self.output
        out_h, out_w = out.shape[2:]
        input_error = np.zeros_like(x, dtype=output_error.dtype)  # same memory layout as x
        if self.mode == "average":
            # each input of a window contributed 1/p^2 of its mean
            share = output_error * (1.0 / self.pool_size**2)
            for index in self._offsets(out_h, out_w):
                input_error[index] += share
            return input_error
        # max: the error goes to the first position holding the window's maximum (ties: first wins)
        taken = np.zeros(out.shape, dtype=bool)
        for index in self._offsets(out_h, out_w):
            hit = x[index] == out
            hit &= ~taken
            taken |= hit
            input_error[index] += output_error * hit
        return input_error

    @classmethod
    def label(cls, config: dict) -> str:
        p = config.get("pool_size", 2)
        stride = config.get("stride") or p
        extra = "" if stride == p else f" s{stride}"
        return f"{'Max' if config.get('mode', 'max') == 'max' else 'Avg'}Pool {p}x{p}{extra}"

    def __repr__(self) -> str:
        extra = "" if self.stride == self.pool_size else f", stride={self.stride}"
        return f"Pooling({self.pool_size}x{self.pool_size} {self.mode}{extra})"
