"""LayerMap: points in two dimensions drawn as characters, each its class's digit in its class's colour, with a
cursor that arrows move to the nearest point that way and tab steps through in reading order."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

from ...layer_map import nearest_in_direction, place, reading_order

#: One colour per class, told apart on a dark background (no dark blue, no two greens): red, orange, yellow,
#: green, teal, sky blue, violet, pink, white, tan.
CLASS_COLOURS = ("#ff5c5c", "#ff9f1c", "#ffe156", "#6bd968", "#2ec4b6",
                 "#4dabf7", "#a78bfa", "#ff7eb6", "#f1f1f1", "#c8a27a")

CHOOSE = "Choose a point: the nearest one that way; its image and the network's prediction show beside the map"
STEP = "Step through the points row by row, left to right (shift+tab goes back)"


def class_style(label: int) -> str:
    return f"bold {CLASS_COLOURS[label % len(CLASS_COLOURS)]}"


def class_char(label: int) -> str:
    """A point's character: its class's digit (class 12 of a larger set shows as 2, in its own colour)."""
    return str(label % 10)


def legend(class_names: list[str]) -> Text:
    """Each class's character in its colour; the name beside it when it is not the digit itself."""
    text = Text()
    digits = all(name == str(index) for index, name in enumerate(class_names))
    for index, name in enumerate(class_names):
        text.append(class_char(index), style=class_style(index))
        if not digits:
            text.append(f" {name}\n")
        elif index < len(class_names) - 1:
            text.append(" ")
    return text


class LayerMap(Widget, can_focus=True):
    """A map of ``points`` (N, 2) labelled ``labels``; ``cursor`` is the chosen point's index."""

    DEFAULT_CSS = """
    LayerMap { width: 1fr; height: 1fr; border: round $primary; }
    LayerMap:focus { border: round $accent; }
    """
    BINDINGS = [
        Binding("left", "move(-1, 0)", "←", show=False, tooltip=CHOOSE),
        Binding("right", "move(1, 0)", "→", show=False, tooltip=CHOOSE),
        Binding("up", "move(0, -1)", "↑", show=False, tooltip=CHOOSE),
        Binding("down", "move(0, 1)", "↓", show=False, tooltip=CHOOSE),
        Binding("tab", "step(1)", "Next point", show=False, tooltip=STEP),
        Binding("shift+tab", "step(-1)", "Previous point", show=False, tooltip=STEP),
    ]

    cursor = reactive(0)

    @dataclass
    class Chosen(Message):
        """The chosen point changed: its index in the points (the image's index among those mapped)."""

        layer_map: LayerMap
        index: int

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.points = np.zeros((0, 2))
        self.labels = np.zeros(0, dtype=int)
        self._placed: tuple[tuple, np.ndarray] | None = None  # (points' id, width, height) and their cells

    def show(self, points: np.ndarray, labels: np.ndarray) -> None:
        """Draw ``points``; the cursor stays on the same image, or goes to the first point drawn if it is hidden."""
        self.points, self.labels = np.asarray(points, dtype=np.float64), np.asarray(labels, dtype=int)
        self._placed = None
        self.refresh()
        self.call_after_refresh(self._keep_cursor_drawn)

    @property
    def cells(self) -> np.ndarray:
        """Each point's cell at the current size, (N, 2) as (column, row) inside the border; (-1, -1) if hidden."""
        width, height = self.content_size
        key = (id(self.points), width, height)
        if self._placed is None or self._placed[0] != key:
            self._placed = (key, place(self.points, max(width, 1), max(height, 1)))
        return self._placed[1]

    def on_resize(self) -> None:
        self._keep_cursor_drawn()

    def _keep_cursor_drawn(self) -> None:
        """After new points or a new size, a hidden cursor goes to the nearest drawn point, and says so."""
        if not len(self.points):
            return
        cells = self.cells
        cursor = min(self.cursor, len(self.points) - 1)
        drawn = np.flatnonzero(cells[:, 0] >= 0)
        if cells[cursor, 0] < 0 and len(drawn):
            cursor = int(drawn[np.argmin(np.sum((self.points[drawn] - self.points[cursor]) ** 2, axis=1))])
        self.choose(cursor)

    def choose(self, index: int) -> None:
        self.cursor = index
        self.post_message(self.Chosen(self, index))
        self.refresh()

    def action_move(self, dx: int, dy: int) -> None:
        if len(self.points):
            self.choose(nearest_in_direction(self.cells, self.cursor, dx, dy))

    def action_step(self, step: int) -> None:
        order = reading_order(self.cells)
        if not len(order):
            return
        where = np.flatnonzero(order == self.cursor)
        position = (int(where[0]) + step) % len(order) if len(where) else 0
        self.choose(int(order[position]))

    def on_click(self, event) -> None:
        """A click chooses the drawn point nearest to it."""
        offset = event.get_content_offset(self)
        drawn = np.flatnonzero(self.cells[:, 0] >= 0) if len(self.points) else []
        if offset is None or not len(drawn):
            return
        distances = np.sum(((self.cells[drawn] - [offset.x, offset.y]) * [1, 2]) ** 2, axis=1)
        self.choose(int(drawn[np.argmin(distances)]))

    def render(self):
        if not len(self.points):
            return Text("Computing the map…", style="dim italic")
        width, height = self.content_size
        cells = self.cells
        grid = [[None] * width for _ in range(height)]
        for index in np.flatnonzero(cells[:, 0] >= 0):
            column, row = cells[index]
            grid[row][column] = index
        text = Text(no_wrap=True, overflow="crop")
        for row_number, row in enumerate(grid):
            for index in row:
                if index is None:
                    text.append(" ")
                    continue
                label = int(self.labels[index])
                text.append(class_char(label), style=class_style(label) + (" reverse" if index == self.cursor else ""))
            if row_number < height - 1:
                text.append("\n")
        return text
