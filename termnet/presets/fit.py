"""Presets fitted to the images loaded: a preset's ``optional = true`` layers go where the maps are too small.

The presets are written for 28x28 MNIST. On smaller images (the 8x8 digits) a pooling can receive maps
smaller than its window; ``fit_preset`` leaves out the optional layers that stand in the way, one at a
time, and says in one line which and why. A preset that still does not fit is unavailable for those
images, with the reason. A spec with no optional layers (any stack a user wrote or built) comes back
unchanged or is refused with its own misfit: nothing the user did not declare is adapted.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from ..engine import FC, LayerShape, trace_shapes
from ..engine.registry import describe_layer
from ..spec import PRESETS, Spec, SpecError, load_spec

ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth")


class PresetUnavailable(SpecError):
    """A spec that no adaptation it declares makes fit the images; the one-line message says why."""


@dataclass(frozen=True)
class PresetChoice:
    """One preset as offered for images of one shape."""

    name: str
    #: What the preset is, true for any data (it names no size that depends on the images).
    description: str
    available: bool
    #: Why the preset does not fit these images ("" when it does).
    reason: str = ""
    #: What was left out for these images, and why ("" when the preset is used as written).
    note: str = ""
    #: The sizes for these images, from the network built: ``8x8 -> FC 64-128-64-10`` ("" when unavailable).
    stack: str = ""


def shape_text(shape: tuple[int, ...]) -> str:
    """An image shape as people write it: ``8x8`` for one channel, ``3@32x32`` for three."""
    if len(shape) == 3:
        channels, height, width = shape
        return f"{height}x{width}" if channels == 1 else f"{channels}@{height}x{width}"
    return "x".join(str(size) for size in shape)


def _images(shape: tuple[int, ...]) -> str:
    """``8x8 images``, or ``inputs of shape (64,)`` for data that is not images."""
    return f"{shape_text(shape)} images" if len(shape) == 3 else f"inputs of shape {shape}"


#: Layer types that take images (channels, height, width) only.
IMAGE_LAYERS = ("Convolution", "Pooling")


def _kind_misfit(spec: Spec, image_shape: tuple[int, ...]) -> str | None:
    """One plain line when ``spec`` is for another kind of data: a stack for images on 2-D points, or a stack
    for points (an FC first, no Flatten) on images; None otherwise."""
    types = [layer.get("type") for layer in spec.layers]
    if len(image_shape) != 3 and any(kind in IMAGE_LAYERS for kind in types):
        return (f"{spec.name} is for images; this data is points with {image_shape[0]} inputs: "
                f"use the playground preset, or FC layers")
    if len(image_shape) == 3 and types[:1] == ["FC"]:
        return (f"{spec.name} is for 2-D points (its first layer is an FC without Flatten); this data is "
                f"{shape_text(image_shape)} images: use another preset")
    return None


def _trace(spec: Spec, image_shape: tuple[int, ...]) -> list[LayerShape]:
    return trace_shapes(spec.build_layers(image_shape), image_shape)


def _without(spec: Spec, index: int) -> Spec:
    """``spec`` less the layer at ``index``, its other optional marks following their layers."""
    optional = tuple(i - (i > index) for i in spec.optional if i != index)
    return replace(spec, layers=spec.layers[:index] + spec.layers[index + 1:], optional=optional)


def _named(layers: list[dict], index: int) -> str:
    """``the second MaxPool 2x2``: the layer's label, with its place among the layers of its type."""
    same = [i for i, layer in enumerate(layers) if layer.get("type") == layers[index].get("type")]
    place = same.index(index)
    if len(same) == 1:
        return f"the {describe_layer(layers[index])}"
    ordinal = ORDINALS[place] if place < len(ORDINALS) else f"number {place + 1}"
    return f"the {ordinal} {describe_layer(layers[index])}"


def fit_spec(spec: Spec, image_shape: tuple[int, ...]) -> tuple[Spec, str]:
    """``spec`` with the optional layers left out that keep it from fitting ``image_shape``, and a one-line
    note saying which and why ("" when nothing was left out). Raises PresetUnavailable when it cannot fit.

    At each misfit: an optional layer that does not fit goes; otherwise the nearest optional layer before
    the one that does not fit goes (a pooling that shrank its maps too far); with none left, the spec is
    unavailable.
    """
    image_shape = tuple(image_shape)
    original, positions = spec.layers, list(range(len(spec.layers)))  # positions: current index -> original
    left_out: list[str] = []
    while True:
        rows = _trace(spec, image_shape)
        misfit = next((row for row in rows if row.error), None)
        if misfit is None:
            break
        at = misfit.index
        if at in spec.optional:
            received = rows[at - 1].output_shape if at else image_shape
            left_out.append(f"{_named(original, positions[at])}, whose input ({shape_text(received)}) "
                            f"is too small for it")
        else:
            earlier = [i for i in spec.optional if i < at]
            if not earlier:
                if (kind := _kind_misfit(spec, image_shape)) is not None:
                    raise PresetUnavailable(kind)
                even = ", even without its optional layers" if left_out else ""
                raise PresetUnavailable(f"{spec.name} does not fit {_images(image_shape)}{even}: {misfit.error}")
            left_out.append(f"{_named(original, positions[earlier[-1]])}, so that "
                            f"{_named(original, positions[at])} fits")
            at = earlier[-1]
        spec = _without(spec, at)
        del positions[at]
    note = f"Left out on {_images(image_shape)}: {'; '.join(left_out)}" if left_out else ""
    return spec, note


def fit_preset(preset: str | Spec, image_shape: tuple[int, ...]) -> tuple[Spec, str]:
    """A preset (by name, or a Spec already loaded) fitted to ``image_shape``, and the note saying what was
    left out ("" when nothing). Raises PresetUnavailable, a SpecError, when the preset cannot fit."""
    return fit_spec(load_spec(preset) if isinstance(preset, str) else preset, image_shape)


def stack_line(spec: Spec, image_shape: tuple[int, ...]) -> str:
    """The sizes of ``spec`` built for ``image_shape``, read from its layers: each new map shape, then the FC
    chain (``8x8 -> 16@6x6 -> 16@3x3 -> 32@1x1 -> FC 32-128-10``); ends in ``does not fit`` at a misfit."""
    parts: list[str] = [shape_text(image_shape)]
    previous, chain = tuple(image_shape), None
    for row in _trace(spec, tuple(image_shape)):
        shape = row.output_shape
        if shape is None:
            parts.append("does not fit")
            break
        if isinstance(row.layer, FC) and len(previous) == 1:  # a fully connected step (128 -> 128 too; not BatchNorm)
            if chain is None:
                chain = [previous[0]]
                parts.append(chain)
            chain.append(shape[0])
        elif shape != previous and not (len(shape) != len(previous) and math.prod(shape) == math.prod(previous)):
            # a new map shape; an activation changes no shape and Flatten only reshapes, so neither is shown
            parts.append(shape_text(shape))
            chain = None
        previous = shape
    return " -> ".join(part if isinstance(part, str) else "FC " + "-".join(map(str, part)) for part in parts)


def preset_choices(image_shape: tuple[int, ...]) -> list[PresetChoice]:
    """Every preset, in order, with whether it fits ``image_shape`` and, if not, why."""
    choices = []
    for name in PRESETS:
        preset = load_spec(name)
        try:
            spec, note = fit_spec(preset, image_shape)
        except SpecError as error:  # PresetUnavailable, or a size the images give that a layer refuses
            choices.append(PresetChoice(name, preset.description, False, reason=str(error)))
            continue
        choices.append(PresetChoice(name, preset.description, True, note=note, stack=stack_line(spec, image_shape)))
    return choices
