"""AugmentPreviewScreen: a few training digits as they are and as an Augment level changes them (the A key)."""

from __future__ import annotations

import numpy as np
from rich.console import Group
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from ...engine import AUGMENTATION_LEVELS, Augmentation
from ..widgets.digit_strip import digit_strip

DIGITS = 5  # five 14-column digits fit across 80 columns
DRAWS = 2  # rows of changed copies: enough to see that each batch is changed anew


class AugmentPreviewScreen(ModalScreen):
    """The first training digits, then ``DRAWS`` random changes of them at a level; ``n`` draws again,
    space steps through the levels (the form's setting is unchanged), escape closes."""

    DEFAULT_CSS = """
    AugmentPreviewScreen { align: center middle; }
    AugmentPreviewScreen > VerticalScroll { width: 80; max-width: 100%; height: auto; max-height: 100%;
                                            border: round $accent; background: $surface; padding: 0 1; }
    """
    BINDINGS = [
        Binding("escape,A", "dismiss", "Close", tooltip="Close the preview"),
        Binding("n", "draw", "Draw again", tooltip="Change the same digits again, with new random draws"),
        Binding("space", "next_level", "Next level", tooltip="Preview the next level (the form keeps its own)"),
    ]

    def __init__(self, dataset, level: str = "light", seed: int | None = None):
        super().__init__()
        self.images = dataset.x_train[:DIGITS]
        self.side = dataset.image_shape[-1]
        self.form_level = level if level in AUGMENTATION_LEVELS else "none"
        # "none" changes nothing to look at: the preview opens on "light", and says what the form holds
        self.level = "light" if self.form_level == "none" else self.form_level
        self.seed = seed
        self.draws = 0

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(id="preview")

    def on_mount(self) -> None:
        self.show()

    def changed(self) -> list[np.ndarray]:
        """``DRAWS`` changed copies of the digits, from this level's policy (the images as they are at "none")."""
        policy = Augmentation.level(self.level, self.side, None if self.seed is None else self.seed + self.draws)
        return [self.images if policy is None else policy(self.images) for _ in range(DRAWS)]

    def show(self) -> None:
        settings = AUGMENTATION_LEVELS[self.level]
        what = ", ".join(f"{k} {v:g}" for k, v in settings.items()) or "training digits are left as they are"
        form = "the form's setting" if self.level == self.form_level else f"the form says {self.form_level}"
        rows = [Text.assemble(("Augment: ", "bold"), (self.level, "bold"), f" ({form}): {what}"),
                Text("As they are:", style="dim"), digit_strip(self.images)]
        for index, images in enumerate(self.changed()):
            rows += [Text(f"Changed, draw {index + 1}:", style="dim"), digit_strip(images)]
        rows.append(Text("n: draw again · space: next level · escape: close", style="dim"))
        self.query_one("#preview", Static).update(Group(*rows))

    def action_draw(self) -> None:
        self.draws += 1
        self.show()

    def action_next_level(self) -> None:
        levels = list(AUGMENTATION_LEVELS)
        self.level = levels[(levels.index(self.level) + 1) % len(levels)]
        self.show()
