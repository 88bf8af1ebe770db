"""A convolution, a relu and 2x2 max pooling of stride 2, run as one step inside a network.

Pooling keeps one of each 2x2 block of the convolution's output, so the convolution is computed in four
groups of positions, one per place in the block (top-left, bottom-left, top-right, bottom-right): its
im2col matrix holds the four groups side by side, and one matrix product gives all four. Then:

* the pooling is three element-wise maxima of whole, contiguous groups (not strided halves of a map);
* an odd-sized output's last row and column, which 2x2 pooling drops, are never computed (the second
  convolution of the reference CNN, 11x11 -> 5x5: 17% fewer multiply-adds, forward and back);
* backward, each group's error is the pooled error where that place held the block's maximum (ties as
  Pooling's 2x2 path breaks them: the left column's maximum before the right's, then within the column the
  top before the bottom), and the kernel gradient is one matrix
  product of the four groups' errors with the same im2col matrix. Only an input error that is needed (not
  the first layer's) is laid out as a whole map again, for the usual col2im.

relu(maxpool(x)) == maxpool(relu(x)) (see fusion.py), so the relu works on the pooled values. The relu
layer still reports its full output when read (a health report): computed then, from the batch's input
and the weights it was computed with.
"""

from __future__ import annotations

from functools import partial

import numpy as np
from numpy.lib.stride_tricks import as_strided

from . import products
from .activation import Activation
from .convolution import Convolution
from .pooling import Pooling

#: The places of a 2x2 block, (row, column): the order of the groups in the im2col matrix and the outputs.
PLACES = ((0, 0), (1, 0), (0, 1), (1, 1))


def _ones(mask: np.ndarray) -> np.ndarray:
    """A boolean mask as 0/1 bytes: floats times bytes measured ~2x faster than times booleans (NumPy casts
    booleans through a buffer), the same numbers."""
    return mask.view(np.uint8)


def fuses(conv, relu=None, pool=None) -> bool:
    """Whether ``conv``, ``relu``, ``pool`` run as one step: a convolution, a relu, then 2x2 max pooling of
    stride 2 (the common case; other poolings run as relu + pooling, fusion.py). Fewer layers (a slice at the
    end of a network) never fuse."""
    return (isinstance(conv, Convolution) and isinstance(relu, Activation) and relu.name == "relu"
            and isinstance(pool, Pooling) and pool.mode == "max" and pool.pool_size == pool.stride == 2)


def forward(conv: Convolution, relu: Activation, pool: Pooling, x: np.ndarray, training: bool) -> np.ndarray:
    """relu(maxpool(conv(x))), as the three layers give it; in training, what backward needs is kept."""
    n, channels = x.shape[:2]
    k, s = conv.kernel_size, conv.stride
    padded, crop = conv.padded(x)  # (C, H, W, N), as Convolution lays it out
    rows = ((padded.shape[1] - k) // s + 1) // 2  # the pooled output's side
    columns = ((padded.shape[2] - k) // s + 1) // 2
    taps, span = channels * k * k, rows * columns * n
    sc, sh, sw, sn = padded.strides
    cols = conv.scratch_shape("pooled_cols", (taps + 1, 4 * span), padded.dtype, reuse=training)
    for group, (a, b) in enumerate(PLACES):
        # every window whose output lands on place (a, b) of a block: windows 2s apart, starting a*s, b*s in
        windows = as_strided(padded[:, a * s:, b * s:], (channels, k, k, rows, columns, n),
                             (sc, sh, sw, 2 * s * sh, 2 * s * sw, sn), writeable=False)
        cols[:taps, group * span:(group + 1) * span].reshape(windows.shape)[...] = windows
    cols[taps] = 1  # the bias rides along in the product
    weights = conv.with_bias(conv.kernels, conv.bias)
    outs = conv.scratch_shape("pooled_outs", (conv.depth, 4 * span), np.result_type(weights, cols), reuse=training)
    products.wide_product(weights, cols, outs)
    groups = outs.reshape(conv.depth, 4, span)
    shape = (conv.depth, span)
    left_max = np.maximum(groups[:, 0], groups[:, 1], out=conv.scratch_shape("pooled_left", shape, outs.dtype,
                                                                              reuse=training))
    right_max = np.maximum(groups[:, 2], groups[:, 3], out=conv.scratch_shape("pooled_right", shape, outs.dtype,
                                                                               reuse=training))
    pooled = np.maximum(left_max, right_max, out=conv.scratch_shape("pooled_max", shape, outs.dtype, reuse=training))
    out = np.maximum(pooled, 0, out=relu.scratch_shape("output", shape, outs.dtype, reuse=training))
    if training:
        conv.pooled = (padded.shape, crop, (rows, columns), cols, groups, left_max, right_max, pooled)
        kernels, bias = conv.kernels.copy(), conv.bias.copy()  # the optimizer changes them in place after backward
        relu.defer_output(partial(conv.correlate, x, kernels, bias))  # a partial pickles; a lambda would not
    return out.reshape(conv.depth, rows, columns, n).transpose(3, 0, 1, 2)


def backward(conv: Convolution, relu: Activation, pool: Pooling, error: np.ndarray) -> np.ndarray | None:
    """The error at the convolution's input (None for a first layer), filling its gradients."""
    padded_shape, crop, (rows, columns), cols, groups, left_max, right_max, pooled = conv.pooled
    n = padded_shape[3]
    depth, span = conv.depth, rows * columns * n
    error = np.ascontiguousarray(error.transpose(1, 2, 3, 0)).reshape(depth, span)  # free in this layout
    error = error * _ones(pooled > 0)  # relu'(the block's maximum)
    errors = conv.scratch_shape("pooled_errors", (depth, 4, span), error.dtype)
    on_left = error * _ones(left_max >= right_max)  # ties: the left column, as Pooling breaks them
    on_right = np.subtract(error, on_left)
    np.multiply(on_left, _ones(groups[:, 0] >= groups[:, 1]), out=errors[:, 0])  # ties: the top row
    np.subtract(on_left, errors[:, 0], out=errors[:, 1])
    np.multiply(on_right, _ones(groups[:, 2] >= groups[:, 3]), out=errors[:, 2])
    np.subtract(on_right, errors[:, 2], out=errors[:, 3])
    flat = errors.reshape(depth, 4 * span)
    conv.kernel_gradient(flat, cols)  # over all four groups at once
    if not conv.needs_input_grad:
        return None
    # the error of every computed output position, as a map again (2*rows x 2*columns), then col2im as usual
    full = np.empty((depth, 2 * rows, 2 * columns, n), dtype=error.dtype)
    for group, (a, b) in enumerate(PLACES):
        full[:, a::2, b::2] = errors[:, group].reshape(depth, rows, columns, n)
    return conv.input_error(full.reshape(depth, -1), padded_shape, crop, 2 * rows, 2 * columns)
