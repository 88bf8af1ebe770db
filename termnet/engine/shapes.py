"""Shape tracing: what each layer of a stack outputs for one sample, or why it does not fit."""

from __future__ import annotations

from dataclasses import dataclass

from .layer import Layer, Shape, ShapeError


@dataclass
class LayerShape:
    """One row of a stack's shape trace: a layer, what it outputs, or why it does not fit."""

    index: int
    layer: Layer
    output_shape: Shape | None
    params: int
    error: str | None = None


def trace_shapes(layers: list[Layer], input_shape: Shape | None = None) -> list[LayerShape]:
    """Each layer's output shape and parameter count, or the reason it does not fit.

    ``input_shape`` is one sample's shape; without it the first layer's own
    (FC's input size, Convolution's ``input_shape``) is used. Rows after the
    first misfit, or before any shape is known, have neither shape nor error.
    """
    rows = []
    shape = tuple(input_shape) if input_shape is not None else (layers[0].input_shape if layers else None)
    for index, layer in enumerate(layers):
        if shape is None:
            rows.append(LayerShape(index, layer, None, 0))
            continue
        try:
            output = layer.output_shape(shape)
        except ShapeError as error:
            source = f"from {layers[index - 1]!r}" if index else "from the data"
            rows.append(LayerShape(index, layer, None, 0, f"{error} {source}"))
            shape = None
            continue
        rows.append(LayerShape(index, layer, output, layer.count_params(shape)))
        shape = output
    return rows
