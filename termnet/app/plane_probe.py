"""What a network does over the plane of a 2-D data set: its outputs at every pixel of the decision boundary
and each hidden neuron's output on a small grid, from one forward pass.

Called by the training thread between batches (MessageBridge's probe) and by the dashboard for a network
that is not training; never while another thread runs the same network forward.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..engine import Activation, Network, layer_outputs
from ..plane_grid import grid_points
from .messages import PlaneUpdate

#: Each neuron's picture is NEURON_PIXELS x NEURON_PIXELS pixels: NEURON_PIXELS columns, half as many lines.
NEURON_PIXELS = 8


@dataclass
class PlaneSnapshot:
    """The network's outputs over [-extent, extent]²: ``probabilities`` (rows, columns, classes) at
    ``points`` (rows * columns, 2), and per hidden activation layer (index, (units, n, n) outputs)."""

    extent: float
    points: np.ndarray
    probabilities: np.ndarray
    neurons: list[tuple[int, np.ndarray]]


def hidden_layers(network: Network) -> list[int]:
    """The activation layers before the output layer: their units are the hidden neurons."""
    last = len(network.layers) - 1
    return [i for i, layer in enumerate(network.layers) if isinstance(layer, Activation) and i < last]


def plane_snapshot(network: Network, plane, resolution: tuple[int, int],
                   neuron_pixels: int = NEURON_PIXELS) -> PlaneSnapshot:
    """``network`` over ``plane`` (a Dataset's Plane) at ``resolution`` (columns, pixel rows)."""
    columns, rows = resolution
    points = grid_points(plane.extent, columns, rows)
    small = grid_points(plane.extent, neuron_pixels, neuron_pixels)
    outputs = layer_outputs(network, plane.inputs(np.concatenate([points, small])))
    count = len(points)
    probabilities = outputs[-1][:count].reshape(rows, columns, -1)
    neurons = [(i, outputs[i][count:].T.reshape(-1, neuron_pixels, neuron_pixels)) for i in hidden_layers(network)]
    return PlaneSnapshot(plane.extent, points, probabilities, neurons)


def plane_probe(plane, resolution):
    """The training bridge's probe: a PlaneUpdate of the network at ``resolution()`` (read each time, so a
    resized widget gets pictures of its new size)."""
    return lambda network: PlaneUpdate(plane_snapshot(network, plane, resolution()))
