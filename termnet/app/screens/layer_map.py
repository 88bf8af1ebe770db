"""LayerMapScreen: what a layer learned, as a map of about 1,000 test images by their activations there.

A worker computes the layer's activations and their PCA, shown as soon as they are ready (a second or two),
then their t-SNE, which separates classes better but takes seconds more and replaces the PCA when it ends.
The chosen point's image and the network's prediction for it show beside the map.
"""

from __future__ import annotations

import copy
import threading

import numpy as np
from rich.console import Group
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Static
from textual.worker import get_current_worker

from ...data import Dataset
from ...display import digit_text, downscale
from ...engine import Network
from ...layer_map import MAP_SIZE, default_layer, layer_activations, mappable_layers, output_size, pca_2d, tsne_2d
from ..messages import MapReduced
from ..widgets.layer_map import LayerMap, class_style, legend

PCA, TSNE = "PCA", "t-SNE"
LAYER_GROUP = Binding.Group("Layer", compact=True)


def unless_cancelled(function, argument, cancelled, poll: float = 0.1):
    """``function(argument)``, run in a daemon thread and waited for until it ends, or None as soon as
    ``cancelled()``: scikit-learn's t-SNE cannot be interrupted, and a worker that waited for it would hold
    the app's exit (and a closed map) for the seconds it has left. A cancelled one ends unseen in the background."""
    outcome: dict = {}

    def run() -> None:
        try:
            outcome["value"] = function(argument)
        except Exception as error:  # noqa: BLE001 - raised again in the worker, which shows it
            outcome["error"] = error

    thread = threading.Thread(target=run, name="layer-map t-SNE", daemon=True)
    thread.start()
    while thread.is_alive():
        if cancelled():
            return None
        thread.join(poll)
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


class LayerMapScreen(Screen):
    """A map of one layer of ``network`` for the first MAP_SIZE test images of ``data``."""

    DEFAULT_CSS = """
    LayerMapScreen #map-title { height: 2; padding: 0 1; }
    LayerMapScreen #map-side { width: 30; padding: 0 1; }
    LayerMapScreen.-narrow #map-side { width: 22; }
    LayerMapScreen #map-legend { height: auto; margin-top: 1; }
    """
    BINDINGS = [
        Binding("escape,M", "close", "Back", tooltip="Close the map and go back to the dashboard"),
        Binding("left_square_bracket", "layer(-1)", "Layer before", key_display="[", group=LAYER_GROUP,
                tooltip="Map the layer before or after this one"),
        Binding("right_square_bracket", "layer(1)", "Layer after", key_display="]", group=LAYER_GROUP,
                tooltip="Map the layer before or after this one"),
        Binding("t", "switch", "PCA/t-SNE", tooltip="Switch between the PCA and the t-SNE map (once t-SNE is ready)"),
    ]
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]

    def __init__(self, network: Network, data: Dataset, trained: bool, color: bool = True):
        super().__init__()
        network = copy.deepcopy(network)  # its own copy: a run under way may go on training the one on screen
        self.network, self.data, self.trained, self.color = network, data, trained, color
        self.images = data.x_test[:MAP_SIZE]
        self.labels = np.asarray(data.y_test[:MAP_SIZE], dtype=int)
        self.probabilities = network.predict(self.images)
        self.mappable = mappable_layers(network)
        self.layer_index = default_layer(network)
        self.maps: dict[str, np.ndarray] = {}  # this layer's maps by method, as they become ready
        self.method = PCA
        self.chose_method = False  # once the user switches, a t-SNE that ends later does not take over
        self.error: str | None = None  # why this layer's map could not be made
        self.forwarding = threading.Lock()

    def compose(self) -> ComposeResult:
        yield Static("", id="map-title")
        with Horizontal():
            yield LayerMap(id="map")
            with Vertical(id="map-side"):
                yield Static("", id="map-point")
                yield Static(Text.assemble(("colour: true class", "dim"), "\n", legend(self.data.class_names)),
                             id="map-legend")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.query_one(LayerMap).focus()
        self.show_layer(self.layer_index)

    # -- the layer and its maps ------------------------------------------------------------------
    def show_layer(self, index: int) -> None:
        """Map layer ``index``: its PCA as soon as the worker has it, then its t-SNE."""
        self.layer_index, self.method, self.chose_method, self.error = index, PCA, False, None
        self.maps = {}
        self.query_one(LayerMap).show(np.zeros((0, 2)), np.zeros(0, dtype=int))
        self.show_title()
        self.reduce_layer(index)

    @work(thread=True, exclusive=True, group="layer-map", description="map of a layer", exit_on_error=False)
    def reduce_layer(self, index: int) -> None:
        """The layer's activations and their PCA (a second or two for a conv layer's 10,816 values), then
        their t-SNE (seconds more): off the UI thread, so keys work meanwhile. A newer layer cancels this one."""
        worker, method = get_current_worker(), PCA
        try:
            with self.forwarding:  # one worker at a time through the layers (their caches are per layer)
                if worker.is_cancelled:
                    return
                activations = layer_activations(self.network, self.images, index)
            self.post_message(MapReduced(index, PCA, pca_2d(activations)))
            if worker.is_cancelled:
                return
            method = TSNE
            points = unless_cancelled(tsne_2d, activations, lambda: worker.is_cancelled)
            if points is not None:
                self.post_message(MapReduced(index, TSNE, points))
        except Exception as error:  # noqa: BLE001 - shown on the title line, never a traceback
            self.post_message(MapReduced(index, method, None, f"{method} failed: {error}"))

    def on_map_reduced(self, message: MapReduced) -> None:
        if message.layer != self.layer_index:  # a layer left before its worker ended
            return
        if message.points is None:
            self.error = message.error
        else:
            self.maps[message.method] = message.points
            if message.method == PCA or not self.chose_method:  # t-SNE takes over unless t chose the PCA
                self.show_method(message.method)
        self.show_title()

    def show_method(self, method: str) -> None:
        self.method = method
        self.query_one(LayerMap).show(self.maps[method], self.labels)
        self.show_title()

    def show_title(self) -> None:
        layer, values = self.network.layers[self.layer_index], output_size(self.network, self.layer_index)
        count = len(self.images)
        drawn = int(np.count_nonzero(self.query_one(LayerMap).cells[:, 0] >= 0))
        shown = f"{self.method} of {count:,} images ({drawn:,} drawn)" if self.maps else f"{count:,} images"
        first = Text.assemble((f"Layer {self.layer_index} {layer!r}", "bold"), f", {values:,} values: {shown}")
        if self.error:
            second = Text(self.error, style="bold red")
        elif PCA not in self.maps:
            second = Text("Computing the activations and their PCA…", style="italic")
        elif TSNE not in self.maps:
            second = Text("t-SNE on its way… (the PCA meanwhile)", style="italic")
        else:
            second = Text(f"t shows the {PCA if self.method == TSNE else TSNE} · [ ] other layers", style="dim")
        if not self.trained:  # under 80 columns with either status after it
            second = Text("Untrained: random features (s trains) · ", style="yellow").append_text(second)
        self.query_one("#map-title", Static).update(Text("\n").join([first, second]))

    # -- the chosen point ----------------------------------------------------------------------
    @on(LayerMap.Chosen)
    def show_point(self, event: LayerMap.Chosen) -> None:
        index = event.index
        probabilities, names = self.probabilities[index], self.data.class_names
        predicted, true = int(np.argmax(probabilities)), int(self.labels[index])
        image = self.images[index]
        if self.has_class("-narrow") and min(image.shape[-2:]) >= 16:
            image = downscale(image, 2)  # a 28x28 digit in 14x7 cells, so the map keeps its room at 80x24
        verdict = Text.assemble(("true ", "dim"), (names[true], class_style(true)), (" · said ", "dim"),
                                (f"{names[predicted]} {float(probabilities[predicted]):.0%}",
                                 "bold green" if predicted == true else "bold red"))
        self.query_one("#map-point", Static).update(Group(
            Text(f"test image {index}", style="bold"), digit_text(image, color=self.color), verdict))
        self.show_title()  # the map chooses a point after each new layout: its drawn count may have changed

    # -- keys -----------------------------------------------------------------------------------
    def action_close(self) -> None:
        self.dismiss()

    def action_layer(self, step: int) -> None:
        position = self.mappable.index(self.layer_index) + step
        if 0 <= position < len(self.mappable):
            self.show_layer(self.mappable[position])
        else:
            self.notify(f"No layer {'before' if step < 0 else 'after'} this one to map", severity="warning")

    def action_switch(self) -> None:
        if len(self.maps) < 2:
            self.notify(self.error or "t-SNE is still on its way: the map switches by itself when it is ready")
            return
        self.chose_method = True
        self.show_method(TSNE if self.method == PCA else PCA)
