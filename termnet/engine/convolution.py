"""Convolution: learned filters slid over an image (cross-correlation)."""

from __future__ import annotations

import math

import numpy as np
from numpy.lib.stride_tricks import as_strided

from . import products
from .fields import Field
from .initializers import initial_weights
from .layer import Layer, Shape, ShapeError, check_weights

#: The named paddings; a Convolution also takes an int, that many zeros on every side.
PADDING_MODES = ("valid", "same")
PADDINGS = PADDING_MODES


def _positive_int(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"Convolution {name} must be a positive integer. Received: {name}={value!r}")
    return int(value)


class Convolution(Layer):
    """``depth`` filters of ``kernel_size`` x ``kernel_size`` over every input channel.

    Args:
        input_shape: ``(C, H, W)`` of one sample; ``None`` takes it from the previous layer.
        kernel_size: the side ``k`` of each square filter.
        depth: the number of filters, which is the number of output channels.
        stride: the step between neighbouring windows.
        padding: ``"valid"`` (no padding), ``"same"`` (output side ``ceil(H / stride)``,
            zeros split as evenly as possible, the extra one at the bottom/right), or an int.

    Input shape: ``(N, C, H, W)``. Output shape: ``(N, depth, H_out, W_out)``.
    Weights: ``[K (depth, C, k, k), b (depth,)]``, one bias per filter.
    """

    fields = (
        Field("input_shape", "shape", default=None, optional=True,
              help="(channels, height, width) of one sample; left out, taken from the layer before"),
        Field("kernel_size", "int", default=3, minimum=1, explicit=True, help="the side of each square filter"),
        Field("depth", "int", default=1, minimum=1, initial=8, explicit=True,
              help="the number of filters, which is the number of output channels"),
        Field("stride", "int", default=1, minimum=1, help="the step between neighbouring windows"),
        Field("padding", "choice", default="valid", choices=PADDING_MODES,
              help="valid: no zeros; same: as many windows as input pixels per stride (or an int)"),
    )

    def __init__(self, input_shape: Shape | None = None, kernel_size: int = 3, depth: int = 1,
                 stride: int = 1, padding: str | int = "valid"):
        self.kernel_size = _positive_int("kernel_size", kernel_size)
        self.depth = _positive_int("depth", depth)
        self.stride = _positive_int("stride", stride)
        if not (padding in PADDINGS or (isinstance(padding, int) and not isinstance(padding, bool) and padding >= 0)):
            raise ValueError(
                f"Convolution padding must be 'valid', 'same' or an int >= 0. Received: padding={padding!r}")
        self.padding = padding
        if input_shape is not None:
            input_shape = tuple(int(d) for d in input_shape)
            if len(input_shape) != 3 or min(input_shape) < 1:
                raise ValueError(f"Convolution input_shape must be (channels, height, width). Received: {input_shape}")
        self._input_shape = input_shape
        self.kernels: np.ndarray | None = None
        self.bias: np.ndarray | None = None

    # -- shapes -------------------------------------------------------------
    @property
    def input_shape(self) -> Shape | None:
        return self._input_shape

    def _pads(self, size: int) -> tuple[int, int]:
        """Zeros before and after along one side of length ``size``."""
        if self.padding == "valid":
            return 0, 0
        if self.padding == "same":
            out = math.ceil(size / self.stride)
            total = max((out - 1) * self.stride + self.kernel_size - size, 0)
            return total // 2, total - total // 2
        return self.padding, self.padding

    def _out_size(self, size: int) -> int:
        before, after = self._pads(size)
        return (size + before + after - self.kernel_size) // self.stride + 1

    def output_shape(self, input_shape: Shape) -> Shape:
        input_shape = tuple(input_shape)
        if len(input_shape) != 3:
            raise ShapeError(f"{self!r} expects images (channels, height, width) but receives {input_shape}")
        if self._input_shape is not None and input_shape != self._input_shape:
            raise ShapeError(f"{self!r} expects inputs of shape {self._input_shape} but receives {input_shape}")
        channels, height, width = input_shape
        if self.kernels is not None and self.kernels.shape[1] != channels:
            raise ShapeError(f"{self!r} has filters for {self.kernels.shape[1]} channels but receives {input_shape}")
        for side in (height, width):
            before, after = self._pads(side)
            if side + before + after < self.kernel_size:
                k = self.kernel_size
                raise ShapeError(f"{self!r}: the {k}x{k} kernel is larger than its input {input_shape}")
        return (self.depth, self._out_size(height), self._out_size(width))

    # -- parameters ---------------------------------------------------------
    @property
    def built(self) -> bool:
        return self.kernels is not None

    def build(self, input_shape, rng, init, dtype) -> None:
        channels = input_shape[0]
        if self._input_shape is None:
            self._input_shape = tuple(input_shape)
        if self.kernels is None:
            k = self.kernel_size
            fan_in, fan_out = channels * k * k, self.depth * k * k
            self.kernels = initial_weights((self.depth, channels, k, k), fan_in, fan_out, init, rng, dtype)
            self.bias = np.zeros(self.depth, dtype=dtype)
        else:
            self.kernels = np.ascontiguousarray(self.kernels, dtype=dtype)
            self.bias = self.bias.astype(dtype, copy=False)
        self.grad_kernels = np.zeros_like(self.kernels)
        self.grad_bias = np.zeros_like(self.bias)

    def count_params(self, input_shape=None) -> int:
        if self.kernels is not None:
            return super().count_params()
        channels = (input_shape or self._input_shape or (0,))[0]
        return self.depth * channels * self.kernel_size**2 + self.depth

    def params(self) -> list[np.ndarray]:
        return [] if self.kernels is None else [self.kernels, self.bias]

    def grads(self) -> list[np.ndarray]:
        return [] if self.kernels is None else [self.grad_kernels, self.grad_bias]

    def set_weights(self, weights) -> None:
        k = self.kernel_size
        if self._input_shape:
            channels = self._input_shape[0]
        else:  # not placed in a network yet: the kernels tell the channel count
            kernels = np.asarray(weights[0]) if len(weights) == 2 else None
            channels = kernels.shape[1] if kernels is not None and kernels.ndim == 4 else 1
        kernels, bias = check_weights(self, weights, [(self.depth, channels, k, k), (self.depth,)], ["K", "b"])
        # before build, keep float64 weights as they are: build brings them to the network's dtype
        given = kernels.dtype if kernels.dtype in (np.float32, np.float64) else np.float32
        dtype = self.kernels.dtype if self.kernels is not None else given
        self.kernels = np.array(kernels, dtype=dtype)
        self.bias = np.array(bias, dtype=dtype)
        self.grad_kernels = np.zeros_like(self.kernels)
        self.grad_bias = np.zeros_like(self.bias)

    # -- computation ----------------------------------------------------------
    # Memory layout. Arrays are (N, C, H, W) to the outside, but this layer stores its output
    # as (C, H, W, N) in memory and views it as (N, C, H, W) (a free transpose). With the batch
    # innermost, a window position covers a contiguous run of W_out * N numbers, so im2col and
    # col2im copy long runs instead of rows of a dozen, and the activations and pooling after it
    # work on runs of N. Layers after it see ordinary (N, C, H, W) arrays.
    def forward(self, x: np.ndarray, training: bool = True) -> np.ndarray:
        return self._correlate(x, self.kernels, self.bias, training)

    def correlate(self, x: np.ndarray, kernels: np.ndarray, bias: np.ndarray) -> np.ndarray:
        """What ``forward(x, training=False)`` gives with these weights, keeping nothing (a fused step's relu
        computes its full output this way when read: conv_pool.py)."""
        return self._correlate(x, kernels, bias, False)

    def padded(self, x: np.ndarray) -> tuple[np.ndarray, tuple[int, int, int, int]]:
        """``x`` (N, C, H, W) laid out as (C, H, W, N) with this layer's zeros around it, and where the
        input sits in it: (top, left, height, width), which ``input_error`` crops back to."""
        height, width = x.shape[2:]
        (top, bottom), (left, right) = self._pads(height), self._pads(width)
        x = np.ascontiguousarray(x.transpose(1, 2, 3, 0))  # (C, H, W, N); free when already so
        if top or bottom or left or right:
            x = np.pad(x, ((0, 0), (top, bottom), (left, right), (0, 0)))
        return x, (top, left, height, width)

    def with_bias(self, kernels: np.ndarray, bias: np.ndarray) -> np.ndarray:
        """[K b]: the kernels as rows with the bias as a last column, for im2col's row of ones."""
        return np.concatenate([kernels.reshape(self.depth, -1), bias[:, None]], axis=1)

    def kernel_gradient(self, errors: np.ndarray, cols: np.ndarray) -> None:
        """[dK db] from ``errors`` (depth, positions) and the im2col matrix ``cols`` ([cols; 1], positions
        along its rows): out = [K b] . [cols; 1], so [dK db] = errors . [cols; 1]^T (db sums the errors)."""
        # computed transposed, [cols; 1] . errors^T: the same sums, and OpenBLAS runs this long, thin product
        # 1.3-1.5x faster that way round (both operands read along their rows; measured, the reference CNN's
        # second convolution, 1 and 2 threads); a first convolution's, in pieces of its long side (products.py)
        grad = products.long_inner_product(cols, errors.T).T
        self.grad_kernels.reshape(self.depth, -1)[...] = grad[:, :-1]
        self.grad_bias[...] = grad[:, -1]

    def input_error(self, errors: np.ndarray, padded_shape: tuple, crop: tuple, out_h: int, out_w: int) -> np.ndarray:
        """The error at the input for ``errors`` (depth, out_h*out_w*N) at the output positions: dcols = K^T .
        errors, then col2im adds each kernel offset's share back onto the padded image, cropped to ``crop``."""
        channels, n = padded_shape[0], padded_shape[3]
        k, s = self.kernel_size, self.stride
        top, left, height, width = crop
        col_errors = (self.kernels.reshape(self.depth, -1).T @ errors).reshape(channels, k, k, out_h, out_w, n)
        padded = np.zeros(padded_shape, dtype=errors.dtype)
        for i in range(k):
            for j in range(k):
                padded[:, i:i + s * (out_h - 1) + 1:s, j:j + s * (out_w - 1) + 1:s] += col_errors[:, i, j]
        return padded[:, top:top + height, left:left + width].transpose(3, 0, 1, 2)

    def _correlate(self, x: np.ndarray, kernels: np.ndarray, bias: np.ndarray, training: bool) -> np.ndarray:
        n, channels = x.shape[:2]
        k, s = self.kernel_size, self.stride
        x, crop = self.padded(x)
        out_h = (x.shape[1] - k) // s + 1
        out_w = (x.shape[2] - k) // s + 1
        # im2col: a strided view of every window, (C, k, k, H_out, W_out, N), copied once into a
        # (C*k*k, H_out*W_out*N) matrix so that the whole batch is one matrix product. A last row
        # of ones carries the bias through the same product, saving a pass over the output.
        sc, sh, sw, sn = x.strides
        windows = as_strided(x, (channels, k, k, out_h, out_w, n), (sc, sh, sw, sh * s, sw * s, sn),
                             writeable=False)
        # During a fit the matrix and the output are the layer's step buffers (see Layer.scratch).
        taps = channels * k * k
        cols = self.scratch_shape("cols", (taps + 1, out_h * out_w * n), x.dtype, reuse=training)
        cols[:taps].reshape(windows.shape)[...] = windows
        cols[taps] = 1
        weights = self.with_bias(kernels, bias)
        out = self.scratch_shape("out", (self.depth, cols.shape[1]), np.result_type(weights, cols), reuse=training)
        products.wide_product(weights, cols, out)  # thin: in pieces where that is quicker (products.py)
        if training:
            self.cols = cols
            self.geometry = (x.shape, crop, (out_h, out_w))
        return out.reshape(self.depth, out_h, out_w, n).transpose(3, 0, 1, 2)

    def backward(self, output_error: np.ndarray, learning_rate: float | None = None) -> np.ndarray:
        padded_shape, crop, (out_h, out_w) = self.geometry
        # (depth, H_out*W_out*N); free when the error kept this layer's layout, as it does
        # through the activations and pooling
        errors = np.ascontiguousarray(output_error.transpose(1, 2, 3, 0)).reshape(self.depth, -1)
        self.kernel_gradient(errors, self.cols)
        input_error = None
        if self.needs_input_grad:
            input_error = self.input_error(errors, padded_shape, crop, out_h, out_w)
        if learning_rate is not None:
            self.apply_gradients(learning_rate)
        return input_error

    @classmethod
    def label(cls, config: dict) -> str:
        k = config.get("kernel_size", 3)
        extra = f" s{config['stride']}" if config.get("stride", 1) != 1 else ""
        padding = config.get("padding", "valid")
        extra += "" if padding == "valid" else f" {padding}" if isinstance(padding, str) else f" p{padding}"
        return f"Conv {config.get('depth', 1)}@{k}x{k}{extra}"

    @classmethod
    def short_label(cls, config: dict) -> str:
        return f"Conv{config.get('depth', 1)}"

    def __repr__(self) -> str:
        extra = "" if self.stride == 1 else f", stride={self.stride}"
        extra += "" if self.padding == "valid" else f", padding={self.padding!r}"
        return f"Convolution({self.depth}x{self.kernel_size}x{self.kernel_size}{extra})"
