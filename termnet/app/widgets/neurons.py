"""NeuronPictures: every hidden neuron's output over the plane of a 2-D data set, layer by layer.

Each neuron is a small heat map (orange negative, blue positive; termnet.plane_grid.signed_colours).
Left and right choose one, up and down move between layers; the chosen one's incoming weights are
listed under the pictures (read from the FC layer before its activation).
"""

from __future__ import annotations

import numpy as np
from rich.console import Group
from rich.text import Text
from textual.binding import Binding
from textual.widgets import Static

from ...display import ColourBlocks
from ...plane_grid import signed_colours


class NeuronPictures(Static, can_focus=True):
    BINDINGS = [
        Binding("left", "move(0, -1)", "Previous neuron", show=False, tooltip="Choose the neuron to the left"),
        Binding("right", "move(0, 1)", "Next neuron", show=False, tooltip="Choose the neuron to the right"),
        Binding("up", "move(-1, 0)", "Layer before", show=False, tooltip="Choose a neuron of the layer before"),
        Binding("down", "move(1, 0)", "Layer after", show=False, tooltip="Choose a neuron of the layer after"),
    ]
    DEFAULT_CSS = """
    NeuronPictures { width: 1fr; height: auto; padding: 0 1; }
    """

    def __init__(self, **kwargs):
        super().__init__("", **kwargs)
        self.neurons: list[tuple[int, np.ndarray]] = []
        self.chosen = (0, 0)  # (hidden layer, unit)
        self.network = None
        self.input_names: list[str] = ["x1", "x2"]

    def show(self, snapshot, network, input_names: list[str]) -> None:
        layout = [maps.shape for _, maps in snapshot.neurons] != [maps.shape for _, maps in self.neurons]
        self.neurons, self.network, self.input_names = snapshot.neurons, network, input_names
        if self.neurons:
            layer = min(self.chosen[0], len(self.neurons) - 1)
            self.chosen = (layer, min(self.chosen[1], len(self.neurons[layer][1]) - 1))
        self.redraw(layout)

    def action_move(self, layers: int, units: int) -> None:
        if not self.neurons:
            return
        layer = int(np.clip(self.chosen[0] + layers, 0, len(self.neurons) - 1))
        unit = self.chosen[1] + units if layer == self.chosen[0] else self.chosen[1]
        self.chosen = (layer, int(np.clip(unit, 0, len(self.neurons[layer][1]) - 1)))
        self.redraw()

    def incoming(self) -> tuple[list[str], np.ndarray, float] | None:
        """The chosen neuron's incoming weights: (source names, weights, bias), from the FC before it."""
        if not self.neurons or self.network is None:
            return None
        layer_index = self.neurons[self.chosen[0]][0]
        fc = self.network.layers[layer_index - 1] if layer_index else None
        if fc is None or not hasattr(fc, "weights") or fc.weights is None:
            return None
        unit = self.chosen[1]
        before = self.chosen[0] - 1
        names = self.input_names if before < 0 else [f"L{before + 1}.{i}" for i in range(fc.weights.shape[0])]
        if len(names) != fc.weights.shape[0]:
            names = [f"in {i}" for i in range(fc.weights.shape[0])]
        return names, fc.weights[:, unit].copy(), float(fc.bias[unit])

    def _caption(self, layer: int, unit: int) -> Text:
        chosen = (layer, unit) == self.chosen
        return Text(f"{'▶' if chosen else ' '}{unit}", style="bold reverse" if chosen else "dim")

    drawn_width = 0

    def on_resize(self) -> None:
        if self.size.width != self.drawn_width:  # the pictures a line depend on the width alone
            self.drawn_width = self.size.width
            self.redraw()

    def redraw(self, layout: bool = True) -> None:
        """``layout``: whether the pictures' number or size may have changed (else no layout pass is needed;
        the weights line keeps one line's width)."""
        if not self.neurons:
            self.update(Text("No hidden neurons: the inputs go straight to the output.", style="dim"))
            return
        parts = []
        for number, (index, maps) in enumerate(self.neurons):
            side = maps.shape[-1]
            per_row = max(1, ((self.size.width or 80) + 1) // (side + 1))  # as many pictures a line as fit
            parts.append(Text(f"hidden layer {number + 1} (layer {index}, {len(maps)} neurons)", style="bold"))
            for start in range(0, len(maps), per_row):
                units = range(start, min(start + per_row, len(maps)))
                # one picture per row of neurons, a column of the background between them: a rich Table of
                # small pictures measured ~40 ms per redraw on the UI thread, this a few
                gap = np.zeros((side, 1, 3), np.uint8)
                row = [piece for unit in units for piece in (signed_colours(maps[unit]), gap)][:-1]
                parts.append(ColourBlocks(np.concatenate(row, axis=1)))
                captions = Text()
                for unit in units:
                    captions.append_text(self._caption(number, unit))
                    captions.append(" " * (side + 1 - len(self._caption(number, unit))))
                parts.append(captions)
        incoming = self.incoming()
        if incoming:
            names, weights, bias = incoming
            line = Text(f"neuron {self.chosen[1]} of hidden layer {self.chosen[0] + 1}: ", style="bold")
            # fixed widths: the line keeps its length as the weights change, so no layout pass is needed
            line.append(" ".join(f"{n} {w:+6.2f}" for n, w in zip(names, weights)) + f" bias {bias:+6.2f}")
            parts.append(line)
        self.update(Group(*parts), layout=layout)
