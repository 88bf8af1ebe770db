"""DigitGrid: test digits drawn in half blocks with true label, prediction and confidence."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

from ...display import digit_text, downscale

CHOOSE = "Choose a digit: its ten probabilities show beside the grid, and i looks inside the network"


class DigitGrid(Widget, can_focus=True):
    """A page of digits; arrows choose one, ``m`` shows mistakes only, 0-9 one true class, ``a`` all."""

    DEFAULT_CSS = """
    DigitGrid { width: 1fr; height: 1fr; border: round $primary; }
    DigitGrid:focus { border: round $accent; }
    """
    BINDINGS = [
        Binding("left", "move(-1, 0)", "←", show=False, tooltip=CHOOSE),
        Binding("right", "move(1, 0)", "→", show=False, tooltip=CHOOSE),
        Binding("up", "move(0, -1)", "↑", show=False, tooltip=CHOOSE),
        Binding("down", "move(0, 1)", "↓", show=False, tooltip=CHOOSE),
        Binding("pageup", "page(-1)", "Page up", show=False, tooltip="Turn the page of digits"),
        Binding("pagedown", "page(1)", "Page down", show=False, tooltip="Turn the page of digits"),
        Binding("m", "mistakes", "Mistakes only", tooltip="Show only the digits the network got wrong"),
        Binding("a", "show_all", "All digits", tooltip="Show every digit again"),
    ] + [Binding(str(d), f"only({d})", f"Only {d}", show=False, tooltip="Show only the digits of one true class")
         for d in range(10)]

    mistakes_only = reactive(False)
    only_class = reactive(None)
    selected = reactive(0)

    @dataclass
    class Selected(Message):
        """The highlighted digit changed: its index in the test set."""

        grid: DigitGrid
        index: int

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.images = None
        self.labels = self.predictions = self.confidences = None
        self.class_names: list[str] = []
        self.shown = np.zeros(0, dtype=int)
        self.color = True

    def show(self, images, labels, probabilities, class_names) -> None:
        self.images, self.labels, self.class_names = images, labels, class_names
        self.predictions = probabilities.argmax(axis=1)
        self.confidences = probabilities.max(axis=1)
        self._filter()

    def _filter(self) -> None:
        if self.images is None:
            return
        keep = np.ones(len(self.labels), dtype=bool)
        if self.mistakes_only:
            keep &= self.predictions != self.labels
        if self.only_class is not None:
            keep &= self.labels == self.only_class
        self.shown = np.flatnonzero(keep)
        self.selected = 0
        self._describe()
        self._announce()
        self.refresh()

    def _describe(self) -> None:
        parts = ["mistakes" if self.mistakes_only else "all digits"]
        if self.only_class is not None:
            parts.append(f"true class {self.class_names[self.only_class]}")
        self.border_title = f"Predictions: {', '.join(parts)} ({len(self.shown):,})"

    def _announce(self) -> None:
        if len(self.shown):
            self.post_message(self.Selected(self, int(self.shown[self.selected])))

    def watch_mistakes_only(self) -> None:
        self._filter()

    def watch_only_class(self) -> None:
        self._filter()

    def _scale(self) -> int:
        """1, or 2 when full-size thumbnails would leave fewer than 2x2 on screen (28x28 digits at 80x24)."""
        height, width = self.images.shape[-2:]
        fits = (self.content_size.width // (width + 2)) * (self.content_size.height // ((height + 1) // 2 + 2))
        return 2 if fits < 4 and min(height, width) >= 16 else 1

    def _cell_size(self) -> tuple[int, int]:
        height, width = (-(-size // self._scale()) for size in self.images.shape[-2:])
        return max(width, 8) + 1, (height + 1) // 2 + 1  # the digit (its caption is 8 wide), a caption line

    def _layout(self) -> tuple[int, int]:
        cell_w, cell_h = self._cell_size()
        return max(1, self.content_size.width // cell_w), max(1, self.content_size.height // cell_h)

    def action_move(self, dx: int, dy: int) -> None:
        if not len(self.shown):
            return
        columns, _ = self._layout()
        self.selected = int(np.clip(self.selected + dx + dy * columns, 0, len(self.shown) - 1))
        self._announce()

    def action_page(self, direction: int) -> None:
        if self.images is None:  # page up/down before any results: nothing to move through
            return
        columns, rows = self._layout()
        self.action_move(0, direction * rows)

    def action_mistakes(self) -> None:
        self.mistakes_only = not self.mistakes_only

    def action_show_all(self) -> None:
        self.mistakes_only, self.only_class = False, None

    def action_only(self, digit: int) -> None:
        if self.images is not None and digit < len(self.class_names):
            self.only_class = None if self.only_class == digit else digit

    def render(self):
        if self.images is None:
            return Text("Train a network (s) to see its predictions here.", style="dim")
        if not len(self.shown):
            return Text("No digits match this filter (a: show all).", style="dim")
        columns, rows = self._layout()
        per_page = columns * rows
        start = (self.selected // per_page) * per_page
        grid = Table.grid(padding=(0, 1, 0, 0))
        for _ in range(columns):
            grid.add_column()
        page = self.shown[start:start + per_page]
        for row_start in range(0, len(page), columns):
            cells = []
            for offset, index in enumerate(page[row_start:row_start + columns]):
                right = self.predictions[index] == self.labels[index]
                caption = Text(f"{self.class_names[self.labels[index]]}→{self.class_names[self.predictions[index]]}"
                               f" {self.confidences[index]:.0%}", style="green" if right else "bold red")
                if start + row_start + offset == self.selected:
                    caption.stylize("reverse")
                image = downscale(self.images[index], self._scale())
                cells.append(Group(digit_text(image, color=self.color), caption))
            grid.add_row(*cells)
        return grid
