"""The results of a trained network on the test set: the Confusion tab and the Digits tab."""

from __future__ import annotations

from rich.console import Group
from rich.text import Text
from textual import on
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Static

from ...data import Dataset
from ...display import confusion_table, digit_text, downscale, per_class_table, probability_bars
from ...metrics import Evaluation
from ..widgets.digit_grid import DigitGrid


class ConfusionView(VerticalScroll):
    """The test-set confusion matrix and each class's precision and recall."""

    def compose(self):
        yield Static("Train a network to see its confusion matrix.", id="confusion-matrix")
        yield Static("", id="per-class")

    def show(self, result: Evaluation, data: Dataset) -> None:
        self.query_one("#confusion-matrix", Static).update(
            Group(Text(f"Test accuracy {result.accuracy:.2%} on {len(data.y_test):,} images", style="bold"),
                  confusion_table(result.confusion, data.class_names)))
        self.query_one("#per-class", Static).update(per_class_table(result, data.class_names))


class DigitsView(Horizontal):
    """Every test digit with the network's guess; the chosen one's ten probabilities beside the grid."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.data: Dataset | None = None
        self.result: Evaluation | None = None

    def compose(self):
        yield DigitGrid(id="grid")
        yield Static("", id="probabilities")

    def show(self, result: Evaluation, data: Dataset, color: bool) -> None:
        self.data, self.result = data, result
        grid = self.query_one(DigitGrid)
        grid.display = data.is_images
        if not data.is_images:
            self.query_one("#probabilities", Static).update(Text(
                f"The Digits tab is for images; {data.name} is 2-D points: the Train tab (t) draws them, "
                f"coloured by the network's answer.", style="dim"))
            return
        grid.color = color
        grid.show(data.x_test, data.y_test, result.probabilities, data.class_names)

    @on(DigitGrid.Selected)
    def show_probabilities(self, event: DigitGrid.Selected) -> None:
        data, result = self.data, self.result
        if result is None:
            return
        i = event.index
        label, predicted = int(data.y_test[i]), int(result.predictions[i])
        image = data.x_test[i]
        # two lines of caption, the digit, one line per class: a 28x28 digit is halved when that is too tall
        factor = 2 if 2 + (image.shape[-2] + 1) // 2 + len(data.class_names) > self.size.height else 1
        self.query_one("#probabilities", Static).update(Group(
            Text(f"Test image {i}\ntrue {data.class_names[label]}, predicted {data.class_names[predicted]}",
                 style="bold green" if label == predicted else "bold red"),
            digit_text(downscale(image, factor), color=event.grid.color),
            probability_bars(result.probabilities[i], data.class_names, width=16, true_label=label)))
