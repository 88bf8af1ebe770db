"""PlaneView: the Train tab's picture of a 2-D data set: the decision boundary and every hidden neuron."""

from __future__ import annotations

import time

from textual.containers import Horizontal, VerticalScroll

from ..widgets.boundary import DecisionBoundary
from ..widgets.neurons import NeuronPictures

#: Seconds between redraws of the neurons while training runs: drawing ~50 small pictures measured ~30 ms of
#: the UI thread (time taken from training), so they follow the boundary's few pictures a second at one a second.
NEURONS_INTERVAL = 1.0


class PlaneView(Horizontal):
    """Shown in the Train tab only for 2-D data (TrainView's ``-planar`` class); hidden for images."""

    DEFAULT_CSS = """
    PlaneView { width: 1fr; height: 1fr; }
    PlaneView #neurons-scroll { width: 1fr; height: 1fr; }
    """

    data = None  # the Dataset whose plane is shown
    neurons_drawn = 0.0  # when the neurons were last drawn (time.monotonic)

    def compose(self):
        yield DecisionBoundary(id="boundary")
        with VerticalScroll(id="neurons-scroll", can_focus=False):
            yield NeuronPictures(id="neurons")

    def on_resize(self, event) -> None:
        self.query_one(DecisionBoundary).fit_to(event.size.width, event.size.height)

    def set_data(self, data) -> None:
        self.data = data
        if data is not None and data.plane is not None:
            self.query_one(DecisionBoundary).set_points(data.plane, data.y_train, data.y_test)

    @property
    def resolution(self) -> tuple[int, int]:
        return self.query_one(DecisionBoundary).resolution

    def show(self, snapshot, network, live: bool = False) -> None:
        """``live``: a picture taken while training runs; its neurons are drawn at most once a second."""
        self.query_one(DecisionBoundary).show(snapshot)
        now = time.monotonic()
        if not live or now - self.neurons_drawn >= NEURONS_INTERVAL:
            self.neurons_drawn = now
            self.query_one(NeuronPictures).show(snapshot, network, self.data.plane.input_names)
