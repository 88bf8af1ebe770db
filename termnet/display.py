"""Drawing digits and probabilities as rich text, for the command line and the dashboard."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from rich.measure import Measurement
from rich.segment import Segment
from rich.style import Style
from rich.table import Table
from rich.text import Text

# one terminal cell shows two pixels: the upper one as foreground of "▀", the lower as background
UPPER_HALF = "▀"


def grey(value: float) -> str:
    """A colour for a pixel value in [0, 1], black to white."""
    level = int(round(float(np.clip(value, 0.0, 1.0)) * 255))
    return f"#{level:02x}{level:02x}{level:02x}"


# without colour, a pixel is on or off: a cell shows none, the upper, the lower or both
MONOCHROME = {(False, False): " ", (True, False): "▀", (False, True): "▄", (True, True): "█"}


#: grey(level / 255) for every level: a list lookup per cell instead of a clip and a format
GREYS = [f"#{level:02x}{level:02x}{level:02x}" for level in range(256)]


@lru_cache(maxsize=65536)
def _cell_style(upper: str, lower: str) -> Style:
    """The style of one half-block cell, parsed once per pair of colours (parsing per cell was most of
    the cost of drawing a digit)."""
    return Style.parse(f"{upper} on {lower}")


class HalfBlocks:
    """An (H, W) or (1, H, W) image in [0, 1] as H/2 lines of W half-block cells, built as segments.

    With ``color`` each cell shows two grey levels; without, pixels above 0.5 are drawn. ``marks`` paints
    chosen pixels in a colour (the Draw tab's pen). Measured: a 28x28 digit took ~18 ms as a rich Text
    with a style per cell, and well under 1 ms as segments; the Draw tab redraws two on every stroke.
    """

    def __init__(self, image: np.ndarray, color: bool = True, marks: dict | None = None):
        image = np.asarray(image, dtype=np.float32).reshape(image.shape[-2:])
        if image.shape[0] % 2:  # an odd height: a blank last half row
            image = np.vstack([image, np.zeros((1, image.shape[1]), np.float32)])
        self.on = image > 0.5  # monochrome: a pixel is drawn or not
        self.levels = np.rint(np.clip(image, 0.0, 1.0) * 255).astype(int)
        self.color, self.marks = color, marks or {}

    def lines(self) -> list[list[Segment]]:
        rows, columns = self.levels.shape
        colours = [[GREYS[level] for level in row] for row in self.levels.tolist()]
        for (row, col), colour in self.marks.items():
            if 0 <= row < rows and 0 <= col < columns:
                colours[row][col] = colour
        lines = []
        for row in range(0, rows, 2):
            if self.color:
                upper, lower = colours[row], colours[row + 1]
                lines.append([Segment(UPPER_HALF, _cell_style(upper[col], lower[col])) for col in range(columns)])
            else:
                cells = (MONOCHROME[bool(upper), bool(lower)] for upper, lower in zip(self.on[row], self.on[row + 1]))
                lines.append([Segment("".join(cells))])
        return lines

    def __rich_console__(self, console, options):
        for line in self.lines():  # each line ends with a newline, as a Text's do: what follows starts below
            yield from line
            yield Segment.line()

    def __rich_measure__(self, console, options) -> Measurement:
        return Measurement(self.levels.shape[1], self.levels.shape[1])


def digit_text(image: np.ndarray, color: bool = True) -> HalfBlocks:
    """An (H, W) or (1, H, W) image in [0, 1] as H/2 lines of W half-block cells (see HalfBlocks)."""
    return HalfBlocks(image, color)


def downscale(image: np.ndarray, factor: int) -> np.ndarray:
    """An (H, W) or (C, H, W) image ``factor`` times smaller on each side, each pixel the mean of a block
    (edges padded with 0): a 28x28 digit becomes 14x14, still readable, in a quarter of the cells."""
    image = np.asarray(image, dtype=np.float32)
    image = image.reshape(image.shape[-2:])
    if factor <= 1:
        return image
    height, width = (-(-size // factor) * factor for size in image.shape)
    padded = np.zeros((height, width), np.float32)
    padded[:image.shape[0], :image.shape[1]] = image
    return padded.reshape(height // factor, factor, width // factor, factor).mean(axis=(1, 3))


def probability_bars(probabilities: np.ndarray, class_names: list[str], width: int = 30,
                     true_label: int | None = None) -> Text:
    """One line per class: name, a bar, the percentage; the predicted class in bold.

    Values outside [0, 1] (a network without a softmax output) are clipped for the bars.
    """
    probabilities = np.nan_to_num(np.asarray(probabilities, dtype=np.float64), nan=0.0, posinf=1.0, neginf=0.0)
    predicted = int(np.argmax(probabilities))
    probabilities = np.clip(probabilities, 0.0, 1.0)
    name_width = max(len(name) for name in class_names)
    text = Text()
    for index, (name, p) in enumerate(zip(class_names, probabilities)):
        filled = int(round(float(p) * width))
        style = "bold green" if index == predicted and index == true_label else (
            "bold red" if index == predicted and true_label is not None else ("bold" if index == predicted else ""))
        text.append(f"{name:>{name_width}} ", style=style)
        text.append("█" * filled, style=style or "cyan")
        text.append("·" * (width - filled), style="dim")
        text.append(f" {float(p) * 100:5.1f}%", style=style)
        if index == true_label:
            text.append("  ← true", style="dim")
        if index < len(class_names) - 1:
            text.append("\n")
    return text


def confusion_table(confusion, class_names) -> Table:
    """Counts with a colour scale: rows are true classes, columns predictions, as scikit-learn's."""
    table = Table(title="Confusion matrix (rows: true, columns: predicted)", show_lines=False)
    table.add_column("true", justify="right", style="bold")
    for name in class_names:
        table.add_column(name[:6], justify="right")
    peak = max(int(confusion.max()), 1)
    for i, (name, row) in enumerate(zip(class_names, confusion)):
        cells = []
        for j, count in enumerate(row):
            diagonal = i == j
            shade = int(40 + 160 * count / peak) if count else 0
            colour = f"rgb(0,{shade},0)" if diagonal else f"rgb({shade},0,0)"
            style = f"on {colour}" + (" bold" if diagonal else "")
            cells.append(Text(str(count), style=style if count else "dim"))
        table.add_row(name[:6], *cells)
    return table


def per_class_table(evaluation, class_names) -> Table:
    """Precision, recall and support of each class: one table for the dashboard and the command line."""
    table = Table(title="Per class", expand=False)
    for column in ("class", "precision", "recall", "support"):
        table.add_column(column, justify="right")
    supports = evaluation.confusion.sum(axis=1)
    for name, p, r, n in zip(class_names, evaluation.precision, evaluation.recall, supports):
        table.add_row(name, f"{p:.3f}", f"{r:.3f}", f"{n:,}")
    return table


class ColourBlocks:
    """An (H, W, 3) uint8 RGB picture as H/2 lines of W half-block cells (the upper pixel the foreground of
    "▀", the lower its background), built as segments like HalfBlocks. An odd height gets a black last row."""

    def __init__(self, pixels: np.ndarray):
        pixels = np.asarray(pixels, dtype=np.uint8)
        if pixels.shape[0] % 2:
            pixels = np.concatenate([pixels, np.zeros((1, *pixels.shape[1:]), np.uint8)])
        self.pixels = pixels

    def colours(self) -> list[list[str]]:
        """Each pixel's colour as ``#rrggbb``, row by row."""
        packed = (self.pixels[..., 0].astype(np.int32) << 16) | (self.pixels[..., 1].astype(np.int32) << 8) \
            | self.pixels[..., 2]
        return [[f"#{value:06x}" for value in row] for row in packed.tolist()]

    def lines(self) -> list[list[Segment]]:
        """Built once: a widget renders its content again on every refresh of the region it covers.

        One Segment per distinct pair of colours, shared by every cell that shows it: a heat map of a few dozen
        colours then costs a list lookup per cell (formatting and styling each cell measured ~4 ms for the
        Playground's 40x40 boundary, three times a second on the UI thread while training runs)."""
        if self._lines is None:
            pixels = self.pixels.astype(np.int64)
            packed = (pixels[..., 0] << 16) | (pixels[..., 1] << 8) | pixels[..., 2]
            pairs = (packed[0::2] << 24) | packed[1::2]  # (upper, lower) colours of each cell
            unique, index = np.unique(pairs, return_inverse=True)
            segments = [Segment(UPPER_HALF, _cell_style(f"#{pair >> 24:06x}", f"#{pair & 0xFFFFFF:06x}"))
                        for pair in unique.tolist()]
            self._lines = [[segments[i] for i in row] for row in index.reshape(pairs.shape).tolist()]
        return self._lines

    _lines: list[list[Segment]] | None = None

    def __rich_console__(self, console, options):
        for line in self.lines():
            yield from line
            yield Segment.line()

    def __rich_measure__(self, console, options) -> Measurement:
        return Measurement(self.pixels.shape[1], self.pixels.shape[1])
