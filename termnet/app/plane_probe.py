"""What a network does over the plane of a 2-D data set: its outputs at every pixel of the decision boundary
and each hidden neuron's output on a small grid, from one forward pass.

Called by the training thread between batches (MessageBridge's probe) and by the dashboard for a network
that is not training; never while another thread runs the same network forward.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from rich.segment import Segment

from ..display import ColourBlocks
from ..engine import Activation, Network, layer_outputs
from ..plane_grid import draw_points, each_signed_colours, grid_points, heat_colours
from .messages import PlaneUpdate

#: Each neuron's picture is NEURON_PIXELS x NEURON_PIXELS pixels: NEURON_PIXELS columns, half as many lines.
NEURON_PIXELS = 8


@dataclass
class PlaneSnapshot:
    """The network's outputs over [-extent, extent]²: ``probabilities`` (rows, columns, classes) at
    ``points`` (rows * columns, 2), and per hidden activation layer (index, (units, n, n) outputs).

    And their pictures, made where the snapshot is taken (the training thread, for a run's): ``heat`` (rows,
    columns, 3) the boundary's colours, ``pixels`` the same with the data points drawn over it, ``lines`` those
    as half-block segments, and ``neuron_lines`` per hidden layer, per unit, its picture's segment lines. Made
    on the UI thread instead, their dozens of small NumPy calls each let the training thread take the GIL
    back: measured ~15 ms of the UI thread per picture, three a second, time taken from training.
    """

    extent: float
    points: np.ndarray
    probabilities: np.ndarray
    neurons: list[tuple[int, np.ndarray]]
    heat: np.ndarray | None = None
    pixels: np.ndarray | None = None
    lines: list[list[Segment]] = field(default_factory=list)
    neuron_lines: list[list[list[list[Segment]]]] = field(default_factory=list)


def hidden_layers(network: Network) -> list[int]:
    """The activation layers before the output layer: their units are the hidden neurons."""
    last = len(network.layers) - 1
    return [i for i, layer in enumerate(network.layers) if isinstance(layer, Activation) and i < last]


def plane_snapshot(network: Network, plane, resolution: tuple[int, int], labels=None,
                   neuron_pixels: int = NEURON_PIXELS) -> PlaneSnapshot:
    """``network`` over ``plane`` (a Dataset's Plane) at ``resolution`` (columns, pixel rows), with its
    pictures; ``labels``: (training labels, test labels) to draw the data points, or None for none."""
    columns, rows = resolution
    points = grid_points(plane.extent, columns, rows)
    small = grid_points(plane.extent, neuron_pixels, neuron_pixels)
    outputs = layer_outputs(network, plane.inputs(np.concatenate([points, small])))
    count = len(points)
    probabilities = outputs[-1][:count].reshape(rows, columns, -1)
    neurons = [(i, outputs[i][count:].T.reshape(-1, neuron_pixels, neuron_pixels)) for i in hidden_layers(network)]
    heat = heat_colours(probabilities)
    point_sets = [] if labels is None else [(plane.train_points, labels[0], False),
                                            (plane.test_points, labels[1], True)]
    pixels = draw_points(heat, plane.extent, point_sets)
    return PlaneSnapshot(plane.extent, points, probabilities, neurons, heat, pixels, ColourBlocks(pixels).lines(),
                         [neuron_pictures(maps) for _, maps in neurons])


def neuron_pictures(maps: np.ndarray) -> list[list[list[Segment]]]:
    """Each of ``maps`` (units, n, n) as its picture's n/2 lines of n half-block segments (one ColourBlocks
    for all of them: the units' pictures stacked, then cut apart)."""
    units, side = maps.shape[0], maps.shape[1]
    if not units:
        return []
    colours = each_signed_colours(maps)
    if side % 2:  # each picture its own whole lines: an odd one gets a black last row (as ColourBlocks pads)
        colours = np.concatenate([colours, np.zeros((units, 1, side, 3), np.uint8)], axis=1)
    lines = ColourBlocks(colours.reshape(-1, side, 3)).lines()
    per_unit = len(lines) // units
    return [lines[unit * per_unit:(unit + 1) * per_unit] for unit in range(units)]


def plane_probe(plane, resolution, labels=None):
    """The training bridge's probe: a PlaneUpdate of the network at ``resolution()`` (read each time, so a
    resized widget gets pictures of its new size), its pictures made in the training thread."""
    return lambda network: PlaneUpdate(plane_snapshot(network, plane, resolution(), labels))
