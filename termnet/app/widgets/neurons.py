"""NeuronPictures: every hidden neuron's output over the plane of a 2-D data set, layer by layer.

Each neuron is a small heat map (orange negative, blue positive; termnet.plane_grid.signed_colours), made
with the snapshot (termnet.app.plane_probe) off the UI thread.
Left and right choose one, up and down move between layers; the chosen one's incoming weights are
listed under the pictures (read from the FC layer before its activation).
"""

from __future__ import annotations

import numpy as np
from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding
from textual.geometry import Size
from textual.strip import Strip
from textual.widget import Widget

from ...display import UPPER_HALF, _cell_style

BOLD = Style(bold=True)
CHOSEN = Style(bold=True, reverse=True)
DIM = Style(dim=True)
GAP = Segment(UPPER_HALF, _cell_style("#000000", "#000000"))  # a column of black between two pictures


def text_strip(*parts: tuple[str, Style | None]) -> Strip:
    """One line of styled words as a Strip."""
    return Strip([Segment(text, style) for text, style in parts])


def wrapped(pieces: list[tuple[str, Style | None]], width: int) -> list[Strip]:
    """Styled pieces joined by spaces, as lines of at most ``width`` cells, broken between pieces only."""
    lines, line, used = [], [], 0
    for text, style in pieces:
        if line and used + 1 + len(text) > width:
            lines.append(text_strip(*line))
            line, used = [], 0
        line.append((f" {text}" if line else text, style))
        used += len(text) + (1 if len(line) > 1 else 0)
    return [*lines, text_strip(*line)] if line else lines


class NeuronPictures(Widget, can_focus=True):
    """Attributes down: ``show`` for each snapshot of the plane.

    Drawn line by line from Strips built once per snapshot (Textual's line API), as DecisionBoundary is:
    the rich Group of pictures this was before cost ~50 ms of the UI thread per redraw while training ran,
    time the training thread lost; the Strips cost a few and a redraw of the same size needs no layout pass.
    """

    BINDINGS = [
        Binding("left", "move(0, -1)", "Previous neuron", show=False, tooltip="Choose the neuron to the left"),
        Binding("right", "move(0, 1)", "Next neuron", show=False, tooltip="Choose the neuron to the right"),
        Binding("up", "move(-1, 0)", "Layer before", show=False, tooltip="Choose a neuron of the layer before"),
        Binding("down", "move(1, 0)", "Layer after", show=False, tooltip="Choose a neuron of the layer after"),
    ]
    DEFAULT_CSS = """
    NeuronPictures { width: 1fr; height: auto; padding: 0 1; }
    """
    NO_NEURONS = "No hidden neurons: the inputs go straight to the output."

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.neurons: list[tuple[int, np.ndarray]] = []
        self.pictures: list = []  # per hidden layer, per unit: its picture's lines of segments (PlaneSnapshot)
        self.chosen = (0, 0)  # (hidden layer, unit)
        self.network = None
        self.input_names: list[str] = ["x1", "x2"]
        self.strips: list[Strip] = []
        self.drawn_width = 0

    def show(self, snapshot, network, input_names: list[str]) -> None:
        self.neurons, self.network, self.input_names = snapshot.neurons, network, input_names
        self.pictures = snapshot.neuron_lines
        if self.neurons:
            layer = min(self.chosen[0], len(self.neurons) - 1)
            self.chosen = (layer, min(self.chosen[1], len(self.neurons[layer][1]) - 1))
        self.redraw()

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

    def text(self) -> str:
        """What is drawn, as plain text (the pictures are half-block characters)."""
        return "\n".join(self.render_line(y).text for y in range(len(self.strips)))

    def on_resize(self) -> None:
        if self.size.width and self.size.width != self.drawn_width:  # the pictures a line depend on the width alone
            self.redraw()

    _base: Style | None = None  # the widget's own rich style (its colours), read once per change of the CSS

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._base = None
        self.redraw()

    def redraw(self) -> None:
        # off screen (another tab shown) the width reads 0: lay out for the width last drawn at, which a resize
        # to another width redraws
        self.drawn_width = self.size.width or self.drawn_width or 80
        before = len(self.strips)
        if self._base is None:
            self._base = self.rich_style  # walks the ancestors' styles: once, not per line drawn
        # the widget's own style goes under the words' (as a Static's content gets it), once here, not per line
        # drawn; not under the pictures: each of their cells sets both its colours (styling ~50 pictures' cells
        # measured ~10 ms of the UI thread per redraw while training runs)
        base = self._base
        self.strips = self._lines(base) if self.neurons else [text_strip((self.NO_NEURONS, DIM)).apply_style(base)]
        # the same number of lines needs no layout pass, which measured most of the UI thread's time
        self.refresh(layout=len(self.strips) != before)

    def _lines(self, base: Style) -> list[Strip]:
        """The lines drawn: the words on the widget's own style ``base``, the pictures as made."""
        width = self.drawn_width
        lines = []
        for number, (index, maps) in enumerate(self.neurons):
            side = maps.shape[-1]
            per_row = max(1, (width + 1) // (side + 1))  # as many pictures a line as fit
            lines += [line.apply_style(base) for line in wrapped(
                [(f"hidden layer {number + 1}", BOLD), (f"(layer {index},", BOLD), (f"{len(maps)} neurons)", BOLD)],
                width)]
            pictures = self.pictures[number]  # each unit's lines of segments, made with the snapshot
            for start in range(0, len(maps), per_row):
                units = range(start, min(start + per_row, len(maps)))
                for line in range(len(pictures[start])):  # the row's pictures side by side, a gap between
                    segments = [piece for unit in units for piece in (GAP, *pictures[unit][line])][1:]
                    lines.append(Strip(segments))
                captions = []
                for unit in units:
                    chosen = (number, unit) == self.chosen
                    caption = f"{'▶' if chosen else ' '}{unit}"
                    captions += [(caption, CHOSEN if chosen else DIM), (" " * (side + 1 - len(caption)), None)]
                lines.append(text_strip(*captions).apply_style(base))
        incoming = self.incoming()
        if incoming:
            names, weights, bias = incoming
            # fixed widths: the lines keep their number as the weights change (no layout pass)
            words = [f"{n} {w:+6.2f}" for n, w in zip(names, weights)] + [f"bias {bias:+6.2f}"]
            heading = f"neuron {self.chosen[1]} of hidden layer {self.chosen[0] + 1}:"
            lines += [line.apply_style(base) for line in wrapped(
                [*((word, BOLD) for word in heading.split()), *((word, None) for word in words)], width)]
        return lines

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return container.width

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self.strips) or 1

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if y >= len(self.strips):
            return Strip.blank(width, self._base)
        return self.strips[y].crop_extend(0, width, self._base)  # a Strip caches its crops: cheap when redrawn
