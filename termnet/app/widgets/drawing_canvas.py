"""DrawingCanvas: draw a digit with the arrow keys and space, or with the mouse."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.widget import Widget

from ...display import HalfBlocks

# a soft round pen, about as wide as an MNIST stroke: the centre, then its four neighbours
PEN = ((0, 0, 1.0), (-1, 0, 0.6), (1, 0, 0.6), (0, -1, 0.6), (0, 1, 0.6))


class DrawingCanvas(Widget, can_focus=True):
    """An image of the data's size, two pixels per cell; ``Changed`` follows every stroke."""

    DEFAULT_CSS = """
    DrawingCanvas { width: auto; height: auto; border: round $primary; }
    DrawingCanvas:focus { border: round $accent; }
    """
    BINDINGS = [
        Binding("up", "move(0, -1)", "↑", show=False, tooltip="Move the pen"),
        Binding("down", "move(0, 1)", "↓", show=False, tooltip="Move the pen"),
        Binding("left", "move(-1, 0)", "←", show=False, tooltip="Move the pen"),
        Binding("right", "move(1, 0)", "→", show=False, tooltip="Move the pen"),
        Binding("space", "pen", "Pen", tooltip="Lower or lift the pen: moving it while down draws"),
        Binding("backspace", "clear", "Clear", tooltip="Clear the canvas"),
    ]

    @dataclass
    class Changed(Message):
        """The drawing changed."""

        canvas: DrawingCanvas

    #: Called with the canvas after each change, in the key's own handler; without one, a Changed message
    #: goes up instead. The dashboard sets one: measured with the CNN preset, the UI thread's work from a
    #: stroke to its prediction fell from ~8.5 ms to ~3 ms without the message's six hops up to the screen.
    on_change: Callable[[DrawingCanvas], None] | None = None

    def __init__(self, shape: tuple[int, int] = (28, 28), **kwargs):
        super().__init__(**kwargs)
        self.resize(shape)

    def changed(self) -> None:
        if self.on_change is not None:
            self.on_change(self)
        else:
            self.post_message(self.Changed(self))

    def resize(self, shape: tuple[int, int]) -> None:
        self.image = np.zeros(shape, dtype=np.float32)
        self.cursor = (shape[0] // 2, shape[1] // 2)
        self.pen_down = False
        self._describe()
        self.refresh(layout=True)

    def _describe(self) -> None:
        self.border_title = f"Draw ({'pen down' if self.pen_down else 'pen up'})"
        self.border_subtitle = "arrows · space · mouse · backspace"

    def get_content_width(self, container, viewport) -> int:
        return self.image.shape[1]

    def get_content_height(self, container, viewport, width) -> int:
        return (self.image.shape[0] + 1) // 2

    def set_pixel(self, row: int, col: int, value: float) -> None:
        """Set one pixel (as a test or a paste would) and report the change."""
        self.image[row, col] = value
        self.refresh()
        self.changed()

    def stroke(self, row: int, col: int) -> None:
        for dr, dc, strength in PEN:
            r, c = row + dr, col + dc
            if 0 <= r < self.image.shape[0] and 0 <= c < self.image.shape[1]:
                self.image[r, c] = max(self.image[r, c], strength)
        self.refresh()
        self.changed()

    def action_move(self, dx: int, dy: int) -> None:
        row = int(np.clip(self.cursor[0] + dy, 0, self.image.shape[0] - 1))
        col = int(np.clip(self.cursor[1] + dx, 0, self.image.shape[1] - 1))
        self.cursor = (row, col)
        if self.pen_down:
            self.stroke(row, col)
        else:
            self.refresh()

    def action_pen(self) -> None:
        self.pen_down = not self.pen_down
        self._describe()
        if self.pen_down:
            self.stroke(*self.cursor)

    def action_clear(self) -> None:
        self.image[:] = 0
        self.refresh()
        self.changed()

    def _cell_pixel(self, event: events.MouseEvent) -> tuple[int, int] | None:
        offset = event.get_content_offset(self)
        if offset is None:
            return None
        row, col = offset.y * 2, offset.x
        if 0 <= row < self.image.shape[0] and 0 <= col < self.image.shape[1]:
            return row, col
        return None

    def on_mouse_down(self, event: events.MouseDown) -> None:
        self.focus()
        self.capture_mouse()
        self._paint_at(event)

    def on_mouse_move(self, event: events.MouseMove) -> None:
        if event.button:
            self._paint_at(event)

    def on_mouse_up(self, event: events.MouseUp) -> None:
        self.release_mouse()

    def _paint_at(self, event) -> None:
        pixel = self._cell_pixel(event)
        if pixel:
            self.cursor = pixel
            self.stroke(*pixel)
            if pixel[0] + 1 < self.image.shape[0]:  # a cell is two pixels tall: paint the lower one too
                self.stroke(pixel[0] + 1, pixel[1])

    def render(self) -> HalfBlocks:
        pen = "#ff5050"
        return HalfBlocks(self.image, marks={self.cursor: pen})
