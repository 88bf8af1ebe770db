"""DrawView: a canvas, the digit as the network will see it, and its ten probabilities."""

from __future__ import annotations

from rich.console import Group
from rich.text import Text
from textual.containers import Horizontal, Vertical
from textual.widgets import Static

from ...display import digit_text, probability_bars
from ..widgets.drawing_canvas import DrawingCanvas


class DrawView(Horizontal):
    DEFAULT_CSS = """
    DrawView #draw-side { width: 1fr; padding: 0 1; }
    """

    def __init__(self, shape: tuple[int, int], **kwargs):
        super().__init__(**kwargs)
        self.shape = shape  # the network's input; the canvas is always 28x28, room enough to draw

    def compose(self):
        yield DrawingCanvas((28, 28), id="canvas")
        with Vertical(id="draw-side"):
            yield Static("Draw a digit: arrows move, space lifts or lowers the pen, backspace clears.",
                         id="draw-result")

    def prepared(self):
        """The drawing, boxed and centred as MNIST digits were, at the input's size: what gets classified."""
        # imported here, not at the top: preprocess brings scipy.ndimage (a third of a second or more), which
        # only a drawing being classified needs, not the dashboard's first screen
        from ...preprocess import mnist_style, resized

        return resized(mnist_style(self.query_one(DrawingCanvas).image), self.shape)

    #: The shape of what #draw-result shows (a message, or a prediction for images of some size): while it
    #: stays the same, a stroke's update needs no layout pass of the whole screen, which measured ~50 ms of
    #: the ~57 ms from a stroke to its prediction on the CNN preset (the network itself: under 1 ms).
    shown: tuple | None = None

    def show_prediction(self, probabilities, class_names, color: bool, image=None) -> None:
        image = self.prepared() if image is None else image
        predicted = int(probabilities.argmax())
        shape = ("prediction", image.shape, len(class_names))
        self.query_one("#draw-result", Static).update(Group(
            Text(f"Prediction: {class_names[predicted]} ({probabilities[predicted]:.0%})", style="bold"),
            Text("What the network sees:", style="dim"), digit_text(image, color=color),
            probability_bars(probabilities, class_names, width=20)), layout=shape != self.shown)
        self.shown = shape

    def show_message(self, text: str) -> None:
        self.query_one("#draw-result", Static).update(Text(text, style="dim"))
        self.shown = None
