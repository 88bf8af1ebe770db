"""digit_strip: a row of small digits with a caption under each, for views that compare a few images."""

from __future__ import annotations

import numpy as np
from rich.console import Group
from rich.table import Table
from rich.text import Text

from ...display import digit_text, downscale


def shrink_factor(side: int) -> int:
    """How much to shrink an image of ``side`` pixels: a 28x28 digit is halved, an 8x8 one kept."""
    return 2 if side > 16 else 1


def digit_strip(images: np.ndarray, captions: list[str] | None = None, color: bool = True) -> Table:
    """``images`` ((N, C, H, W) or (N, H, W), values in [0, 1]) side by side, each over its caption."""
    images = np.asarray(images)
    factor = shrink_factor(images.shape[-1])
    grid = Table.grid(padding=(0, 1))
    cells = []
    for index, image in enumerate(images):
        caption = Text(captions[index] if captions else "", style="dim", no_wrap=True, overflow="ellipsis")
        cells.append(Group(digit_text(downscale(image, factor), color), caption))
        grid.add_column(width=max(images.shape[-1] // factor, 4))
    if cells:
        grid.add_row(*cells)
    return grid
