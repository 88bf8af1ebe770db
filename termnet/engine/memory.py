"""Will a network fit in memory? An estimate from shape arithmetic alone, made before anything is allocated.

A spec or a typed number can ask for an FC of 10**9 units or a convolution 10**6 deep; NumPy would then try to
allocate terabytes, and the machine swaps or the process is killed. ``memory_problem`` works out, from
``trace_shapes`` (no arrays made), what the layers would need and says which one does not fit and by how much.

The estimate is a lower bound on what training needs (weights, their gradients and the optimizer's state,
and each layer's output for one batch), so it never refuses a network that would have fitted.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

import numpy as np

from .layer import Layer, Shape
from .shapes import trace_shapes

#: Environment variable that sets the memory limit in bytes (tests; machines whose RAM is shared).
LIMIT_ENV = "TERMNET_MEMORY_LIMIT"
#: Per parameter, copies the optimizer keeps besides the weights and their gradients.
OPTIMIZER_SLOTS = {"sgd": 0, "momentum": 1, "adam": 2}
_UNITS = ("bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB")


class TooLargeError(ValueError):
    """A layer or network whose weights or activations would not fit in this machine's memory."""


@dataclass(frozen=True)
class LayerMemory:
    """What one layer needs: its weights (bytes, once) and its output for one sample (bytes)."""

    index: int
    layer: Layer
    weight_bytes: int
    output_bytes_per_sample: int


def memory_limit() -> int:
    """Bytes of memory this machine has: ``TERMNET_MEMORY_LIMIT`` if set, else its physical memory."""
    override = os.environ.get(LIMIT_ENV, "").strip()
    if override.isdigit():
        return int(override)
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):  # not POSIX: assume a modest machine rather than refuse nothing
        return 16 * 2**30


def format_bytes(size: float) -> str:
    """``3.14e12`` -> ``2.9 TiB``: two significant figures are enough to say how far off a size is."""
    unit = 0
    while size >= 1024 and unit < len(_UNITS) - 1:
        size /= 1024
        unit += 1
    if unit == 0:
        return f"{int(size):,} bytes"
    return f"{size:.1f} {_UNITS[unit]}" if size < 10 else f"{size:,.0f} {_UNITS[unit]}"


def layer_memory(layers: list[Layer], input_shape: Shape, dtype="float32") -> list[LayerMemory]:
    """Each layer's needs, as far as the shapes fit (a misfit is ShapeError's business, not this one's)."""
    itemsize = np.dtype(dtype).itemsize
    rows = []
    for row in trace_shapes(layers, input_shape):
        if row.output_shape is None:
            break
        rows.append(LayerMemory(row.index, row.layer, row.params * itemsize, math.prod(row.output_shape) * itemsize))
    return rows


def memory_problem(layers: list[Layer], input_shape: Shape, batch_size: int = 32, dtype="float32",
                   optimizer: str = "sgd", limit: int | None = None) -> str | None:
    """Why training ``layers`` on batches of ``batch_size`` would not fit in memory, or None.

    Checked in turn: one layer's weights, one layer's outputs for a batch, then the whole network
    (weights, gradients and the optimizer's copies, and every layer's outputs for a batch).
    """
    limit = memory_limit() if limit is None else limit
    has = f"this machine has {format_bytes(limit)}"
    rows = layer_memory(layers, input_shape, dtype)
    for row in rows:
        if row.weight_bytes > limit:
            return f"layer {row.index} {row.layer!r} would need {format_bytes(row.weight_bytes)} for its weights; {has}"
    for row in rows:
        batch_bytes = row.output_bytes_per_sample * batch_size
        if batch_bytes > limit:
            return (f"layer {row.index} {row.layer!r} would need {format_bytes(batch_bytes)}"
                    f" for its outputs for a batch of {batch_size} ({format_bytes(row.output_bytes_per_sample)} each);"
                    f" {has}; use a smaller layer or batch size")
    copies = 2 + OPTIMIZER_SLOTS.get(str(optimizer).lower(), 2)
    weights = sum(row.weight_bytes for row in rows) * copies
    outputs = sum(row.output_bytes_per_sample for row in rows) * batch_size
    if weights + outputs > limit:
        return (f"the network would need {format_bytes(weights + outputs)} to train (weights, gradients and optimizer "
                f"state {format_bytes(weights)}, outputs for a batch of {batch_size} {format_bytes(outputs)}); {has}")
    return None


def check_memory(layers: list[Layer], input_shape: Shape, batch_size: int = 32, dtype="float32",
                 optimizer: str = "sgd", limit: int | None = None) -> None:
    """Raise TooLargeError with ``memory_problem``'s message when the layers would not fit."""
    problem = memory_problem(layers, input_shape, batch_size, dtype, optimizer, limit)
    if problem:
        raise TooLargeError(problem)
