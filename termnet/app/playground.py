"""The dashboard's TensorFlow Playground side: the plane of a 2-D data set drawn as training runs, the
learning rate changed mid-run, and a single batch at a time while paused.

A mixin of DashboardScreen, so that the screen keeps only the hooks: its handlers are found by name
(``on_plane_update``, ``on_input_changed``, ``action_step``), which Textual looks up along the class's MRO.
"""

from __future__ import annotations

from textual.widgets import Input, Select

from ..settings import SETTINGS
from .messages import PlaneUpdate
from .panes.plane import PlaneView
from .panes.train import TrainView
from .plane_probe import plane_probe, plane_snapshot
from .training import TrainingControl


class PlaygroundControls:
    """Mixed into DashboardScreen (which provides ``app``, ``control``, ``network``, ``training`` and the rest)."""

    #: The line the picture tabs show for 2-D data ({tab}: the tab's name, {data}: the data set's).
    NOT_IMAGES = "The {tab} is for images; {data} is 2-D points: the Train tab (t) draws them and every neuron."

    def refuse_unless_images(self, view: str) -> bool:
        """True, with the one line saying why, when the data on screen is 2-D points, not images (``view``: what
        the key would have opened)."""
        data = self.app.dataset
        if data is None or data.is_images:
            return False
        self.notify(self.NOT_IMAGES.format(tab=view, data=data.name), severity="warning")
        return True

    def show_data(self, data) -> None:
        """The data set loaded: the Train tab shows its plane (2-D data) or the loss plot (images)."""
        self.query_one(TrainView).set_data(data)
        if self.network is not None:
            self.show_plane(self.network)

    # -- the plane ---------------------------------------------------------------
    def plane_probe(self, data):
        """The training bridge's probe for ``data``: None for images. Read in the training thread, the
        picture's size is taken from the widget as it is at each call."""
        if data is None or data.plane is None:
            return None
        view = self.query_one(PlaneView)
        return plane_probe(data.plane, lambda: view.resolution, (data.y_train, data.y_test))

    def show_plane(self, network) -> None:
        """Draw ``network`` over the plane now (a network trained, loaded or on screen when data arrives)."""
        data = self.app.dataset
        if data is None or data.plane is None or tuple(network.input_shape or ()) != data.image_shape:
            return
        view = self.query_one(PlaneView)
        view.show(plane_snapshot(network, data.plane, view.resolution, (data.y_train, data.y_test)), network)

    def on_plane_update(self, message: PlaneUpdate) -> None:
        control = self.control
        live = bool(control and self.training and not control.paused)  # a single step's picture is drawn whole
        self.query_one(PlaneView).show(message.snapshot, self.shown_training, live=live)

    # -- playing with a run ----------------------------------------------------------
    def action_step(self) -> None:
        control: TrainingControl | None = self.control
        if not (control and self.training and control.paused):
            self.notify("n trains one batch while paused (p pauses)", severity="warning")
            return
        control.step()

    def on_input_changed(self, event: Input.Changed) -> None:
        """A live setting typed in the form while training takes effect at the next batch; the network, its
        weights and its optimizer's state stay (a schedule scales the new base rate as it did the old)."""
        name = (event.input.id or "").removeprefix("field-")
        control = self.control
        if name not in SETTINGS or not (control and self.training):
            return
        if name not in TrainingControl.LIVE_SETTINGS:
            self._next_run(name)
            return
        try:
            value = SETTINGS[name].parse(event.value)
        except ValueError:
            return  # the form says why under the field; the run goes on at its rate
        control.change(name, value)
        self.notify(f"{SETTINGS[name].label} {value:g} from the next batch", title="Training")

    def on_select_changed(self, event: Select.Changed) -> None:
        name = (event.select.id or "").removeprefix("field-")
        if name in SETTINGS and self.control and self.training:
            self._next_run(name)

    def _next_run(self, name: str) -> None:
        self.notify(f"{SETTINGS[name].label} applies to the next run: only the learning rate changes a run "
                    f"under way", title="Training", severity="warning")
