"""The plane of a 2-D data set as a grid of pixels: where each pixel's centre lies, and its colour.

NumPy only (no engine, no Textual): the training thread computes a network's outputs at ``grid_points``
and the Train tab's widgets turn them into colours here. Row 0 is the top of the plane (x2 largest), as
a picture is read; a pixel is half a terminal cell (two per cell, see termnet.display.ColourBlocks).
"""

from __future__ import annotations

import numpy as np

#: The two classes' colours, the Playground's orange and blue (RGB).
CLASS_COLOURS = np.array([(245, 147, 34), (8, 119, 189)], dtype=np.float32)
#: The colour of a pixel where the network cannot tell the classes apart.
UNDECIDED = np.array((32, 32, 32), dtype=np.float32)
#: How far towards its class colour a fully confident pixel goes: the points, drawn in full colour, stand out.
HEAT = 0.6
#: Strengths are rounded to this many steps: a picture then holds a few dozen colours, whose cell styles are
#: parsed once and cached (unrounded, each picture brought a thousand new ones, measured ~30 ms of the UI
#: thread per picture, time taken from training).
LEVELS = 8


def grid_points(extent: float, columns: int, rows: int) -> np.ndarray:
    """The centres of ``rows`` x ``columns`` pixels covering [-extent, extent]², row by row from the top:
    an (rows * columns, 2) float32 array of (x1, x2)."""
    step_x, step_y = 2 * extent / columns, 2 * extent / rows
    xs = -extent + (np.arange(columns) + 0.5) * step_x
    ys = extent - (np.arange(rows) + 0.5) * step_y
    grid_x, grid_y = np.meshgrid(xs, ys)
    return np.stack([grid_x.ravel(), grid_y.ravel()], axis=1).astype(np.float32)


def pixels_of(points: np.ndarray, extent: float, columns: int, rows: int) -> tuple[np.ndarray, np.ndarray]:
    """The (row, column) of the pixel each (x1, x2) point falls in; points outside go to the nearest edge."""
    points = np.asarray(points, dtype=np.float64)
    column = np.floor((points[:, 0] + extent) / (2 * extent) * columns).astype(int)
    row = np.floor((extent - points[:, 1]) / (2 * extent) * rows).astype(int)
    return np.clip(row, 0, rows - 1), np.clip(column, 0, columns - 1)


def _class_colours(count: int) -> np.ndarray:
    """A colour per class: the Playground's two, then evenly spread hues for any more."""
    if count <= len(CLASS_COLOURS):
        return CLASS_COLOURS[:count]
    hues = np.arange(count) / count
    return np.stack([127 + 127 * np.cos(2 * np.pi * (hues + shift)) for shift in (0, 1 / 3, 2 / 3)], axis=1)


def heat_colours(probabilities: np.ndarray) -> np.ndarray:
    """(rows, columns, classes) outputs as (rows, columns, 3) uint8 colours: each pixel its likeliest class's
    colour, from UNDECIDED (a tie) to HEAT of the way to the class colour (certain), in LEVELS steps."""
    probabilities = np.nan_to_num(np.asarray(probabilities, dtype=np.float32))
    classes = probabilities.shape[-1]
    winner = probabilities.argmax(axis=-1)
    chance = 1.0 / classes
    confidence = np.clip((probabilities.max(axis=-1) - chance) / (1.0 - chance), 0.0, 1.0)[..., None]
    confidence = np.round(confidence * LEVELS) / LEVELS
    target = _class_colours(classes)[winner]
    return np.rint(UNDECIDED + (target - UNDECIDED) * HEAT * confidence).astype(np.uint8)


def point_colours(labels: np.ndarray, test: bool) -> np.ndarray:
    """The colour each data point is drawn in: its class's, full strength for training points and pale
    (half-way to white) for test points."""
    colours = _class_colours(max(int(np.max(labels, initial=0)) + 1, 2))[np.asarray(labels, dtype=int)]
    return np.rint(colours + (255 - colours) * 0.5 if test else colours).astype(np.uint8)


def signed_colours(values: np.ndarray) -> np.ndarray:
    """A hidden neuron's outputs over the plane (rows, columns) as colours: orange where negative, blue where
    positive, scaled by the largest magnitude (a dead neuron, all zero, is UNDECIDED throughout)."""
    return each_signed_colours(np.asarray(values)[None])[0]


def each_signed_colours(maps: np.ndarray) -> np.ndarray:
    """signed_colours of each (rows, columns) map of ``maps`` (units, rows, columns), each scaled by its own
    largest magnitude, in one pass: (units, rows, columns, 3) uint8."""
    maps = np.nan_to_num(np.asarray(maps, dtype=np.float32))
    peak = np.abs(maps).max(axis=(1, 2), keepdims=True)
    scaled = np.round(np.divide(maps, peak, out=np.zeros_like(maps), where=peak > 0) * LEVELS) / LEVELS
    target = np.where((scaled >= 0)[..., None], CLASS_COLOURS[1], CLASS_COLOURS[0])
    return np.rint(UNDECIDED + (target - UNDECIDED) * np.abs(scaled)[..., None]).astype(np.uint8)


def draw_points(heat: np.ndarray, extent: float, point_sets) -> np.ndarray:
    """A copy of the (rows, columns, 3) ``heat`` with each (points, labels, test) set of ``point_sets`` drawn
    over it in point_colours, later sets over earlier ones."""
    pixels = heat.copy()
    rows, columns = heat.shape[:2]
    for points, labels, test in point_sets:
        pixels[pixels_of(points, extent, columns, rows)] = point_colours(labels, test)
    return pixels
