"""DecisionBoundary: the plane of a 2-D data set coloured by the network's output, its points drawn over it.

Each pixel (half a cell) is coloured by the class the network gives its centre, stronger the surer it is
(termnet.plane_grid.heat_colours); training points in their class's colour, test points paler. The
outputs arrive as a PlaneSnapshot, computed off the UI thread by the training thread a few times a second.
"""

from __future__ import annotations

import numpy as np
from rich.segment import Segment
from textual.geometry import Size
from textual.strip import Strip
from textual.widget import Widget

from ...plane_grid import pixels_of

#: The picture's largest side in pixels (columns; as many pixel rows, half as many lines).
MAX_PIXELS = 40
MIN_PIXELS = 8
NEURONS_WIDTH = 20  # the columns left beside the picture for the neurons' pictures


class DecisionBoundary(Widget):
    """Attributes down: ``set_points`` once per data set, ``show`` for each snapshot.

    Drawn line by line from Strips built once per picture (Textual's line API): a layout pass elsewhere on
    the screen (a row added to the epochs table, every epoch) then re-renders nothing here.
    """

    DEFAULT_CSS = """
    DecisionBoundary { width: auto; height: auto; max-width: 40; }
    """
    WAITING = "The decision boundary shows here as training runs."

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.strips: list[Strip] = []
        self.points: list[tuple[np.ndarray, np.ndarray, bool]] = []  # (points, labels, test?)
        self.snapshot = None
        self.heat: np.ndarray | None = None  # (rows, columns, 3): the network's colours, before the points
        self.pixels: np.ndarray | None = None  # what is drawn: the heat with the points over it
        self.side = MAX_PIXELS

    def fit_to(self, width: int, height: int) -> None:
        """The picture's side for a space of ``width`` columns and ``height`` lines (square pixels), leaving
        NEURONS_WIDTH columns beside it for the neurons."""
        self.side = int(np.clip(min(width - NEURONS_WIDTH, 2 * height), MIN_PIXELS, MAX_PIXELS))

    @property
    def resolution(self) -> tuple[int, int]:
        """(columns, pixel rows) of the picture the next snapshot should have."""
        return self.side, self.side

    def set_points(self, plane, y_train: np.ndarray, y_test: np.ndarray) -> None:
        self.points = [(plane.train_points, y_train, False), (plane.test_points, y_test, True)]

    def show(self, snapshot) -> None:
        """Draw ``snapshot``'s picture, made where it was taken (see PlaneSnapshot): no NumPy here."""
        rows, columns = snapshot.probabilities.shape[:2]
        # a picture of the same size needs no layout pass, which measured most of the UI thread's time
        same_size = self.pixels is not None and self.pixels.shape[:2] == (rows, columns)
        self.snapshot, self.heat, self.pixels = snapshot, snapshot.heat, snapshot.pixels
        self.strips = [Strip(line, columns) for line in snapshot.lines]
        self.refresh(layout=not same_size)

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return self.pixels.shape[1] if self.pixels is not None else min(len(self.WAITING), container.width)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self.strips) or 2

    def render_line(self, y: int) -> Strip:
        if not self.strips:
            text = self.WAITING[y * self.size.width:(y + 1) * self.size.width] if self.size.width else ""
            return Strip([Segment(text)]).adjust_cell_length(self.size.width)
        return self.strips[y] if y < len(self.strips) else Strip.blank(self.size.width)

    def covered(self) -> np.ndarray:
        """(rows, columns) booleans: the pixels a data point is drawn on (the rest show the heat map)."""
        rows, columns = self.heat.shape[:2]
        mask = np.zeros((rows, columns), bool)
        for points, _, _ in self.points:
            mask[pixels_of(points, self.snapshot.extent, columns, rows)] = True
        return mask
