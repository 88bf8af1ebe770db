"""InsideView: what a network does with one digit: activations, filters, feature maps, weights,
plus the gradient-check and per-layer timing tables."""

from __future__ import annotations

import numpy as np
from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual import work
from textual.containers import VerticalScroll
from textual.widgets import Static

from ...display import digit_text
from ...engine import FC, Convolution, Network
from ...engine.gradcheck import network_gradient_errors
from ...engine.health import layer_outputs
from ...engine.profiling import profile_layers
from ..messages import GradientCheckDone, TimingDone

SHOWN = 8  # filters, feature maps and units shown per layer
SPARKS = "▁▂▃▄▅▆▇█"
TOLERANCE = 1e-6
# Central differences in float64 measure relative errors down to about 1e-9, and the digits below
# 1e-7 are rounding noise that changes with the CPU and its BLAS kernels: they are shown as a floor.
NOISE_FLOOR = 1e-7


def gradient_error_text(error: float) -> Text:
    """A relative error as a learner should read it: green and floored when correct, red when not."""
    if error < NOISE_FLOOR:
        return Text(f"< {NOISE_FLOOR:.0e} ✓", style="green")
    if error < TOLERANCE:
        return Text(f"{error:.0e} ✓", style="green")
    return Text(f"{error:.2e} ✗", style="bold red")


def normalised(array: np.ndarray) -> np.ndarray:
    """Min-max to [0, 1], so weights of any scale show as greys."""
    low, high = float(array.min()), float(array.max())
    return (array - low) / (high - low) if high > low else np.zeros_like(array)


def image_rows(images: list[np.ndarray], captions: list[str], color: bool, width: int) -> Group:
    """Small images side by side, wrapped to ``width`` columns."""
    per_row = max(1, width // (max(i.shape[1] for i in images) + 1)) if images else 1
    grids = []
    for start in range(0, len(images), per_row):
        grid = Table.grid(padding=(0, 1))
        cells = [Group(Text(c, style="dim"), digit_text(i, color=color))
                 for i, c in zip(images[start:start + per_row], captions[start:start + per_row])]
        for _ in cells:
            grid.add_column()
        grid.add_row(*cells)
        grids.append(grid)
    return Group(*grids)


def histogram(values: np.ndarray, bins: int = 16) -> str:
    counts, _ = np.histogram(values, bins=bins)
    peak = counts.max() or 1
    return "".join(SPARKS[min(len(SPARKS) - 1, int(c / peak * (len(SPARKS) - 1) + 0.999))] if c else " "
                   for c in counts)


class InsideView(VerticalScroll):
    """Scrollable sections; ``show`` draws them for a network and one image."""

    DEFAULT_CSS = """
    InsideView { height: 1fr; }
    InsideView > Static { margin-bottom: 1; }
    InsideView > .-empty { display: none; }
    """

    def _fill(self, selector: str, content) -> None:
        static = self.query_one(selector, Static)
        static.remove_class("-empty")
        static.update(content)

    def compose(self):
        yield Static("Train a network (s), then choose a digit (g) or draw one (v) to look inside.", id="inside-title")
        # hidden until k or o fills them: empty, they would push the activations down a few lines
        yield Static("", id="gradient-check", classes="-empty")
        yield Static("", id="layer-timing", classes="-empty")
        yield Static("", id="inside-images")

    def show_note(self, text: str) -> None:
        """One line in place of the pictures (data that is not images)."""
        self.query_one("#inside-title", Static).update(Text(text, style="dim"))
        self.query_one("#inside-images", Static).update("")

    def show(self, network: Network, image: np.ndarray, caption: str, color: bool = True) -> None:
        outputs = layer_outputs(network, image[None])
        sections = [self._activations(network, outputs)]
        for index, layer in enumerate(network.layers):
            if isinstance(layer, Convolution):
                sections.append(self._convolution(index, layer, outputs[index][0], color))
        first_fc = next((i for i, layer in enumerate(network.layers) if isinstance(layer, FC)), None)
        if first_fc is not None and network.layers[first_fc].input_size == image.size and image.shape[0] == 1:
            sections.append(self._fc_units(first_fc, network.layers[first_fc], image.shape[1:], color))
        self.query_one("#inside-title", Static).update(Text.assemble((f"Inside view: {caption}", "bold"),
                                                                     (" · M maps what a layer learned", "dim")))
        self.query_one("#inside-images", Static).update(Group(*sections))

    def _activations(self, network: Network, outputs: list[np.ndarray]) -> Table:
        table = Table(title="Activations for this digit (histogram per layer)", expand=False)
        for column in ("layer", "histogram", "min", "mean", "max", "zero"):
            table.add_column(column, justify="left" if column in ("layer", "histogram") else "right")
        for index, (layer, out) in enumerate(zip(network.layers, outputs)):
            values = out.reshape(-1)
            table.add_row(f"{index} {layer!r}", histogram(values), f"{values.min():.2f}", f"{values.mean():.2f}",
                          f"{values.max():.2f}", f"{np.mean(values == 0):.0%}")
        return table

    def _convolution(self, index: int, layer: Convolution, maps: np.ndarray, color: bool) -> Group:
        kernels = layer.kernels[:SHOWN].mean(axis=1)  # averaged over input channels
        scale = max(1, 6 // layer.kernel_size)
        filters = [np.kron(normalised(k), np.ones((scale, scale))) for k in kernels]
        shown_maps = [normalised(m) for m in maps[:SHOWN]]
        return Group(
            Text(f"{index} {layer!r}: filters (first {len(filters)}) and the feature maps they make", style="bold"),
            image_rows(filters, [f"#{i}" for i in range(len(filters))], color, self._width()),
            image_rows(shown_maps, [f"map {i}" for i in range(len(shown_maps))], color, self._width()))

    def _fc_units(self, index: int, layer: FC, shape: tuple[int, int], color: bool) -> Group:
        units = [normalised(layer.weights[:, u].reshape(shape)) for u in range(min(SHOWN, layer.output_size))]
        return Group(Text(f"{index} {layer!r}: what each unit looks for (its weights as an image)", style="bold"),
                     image_rows(units, [f"unit {u}" for u in range(len(units))], color, self._width()))

    def _width(self) -> int:
        return max(20, self.content_size.width - 2)

    # -- the checks this view runs, each in its own labelled worker ---------------------------------
    def check_gradients(self, network: Network, x: np.ndarray, y: np.ndarray) -> None:
        self._fill("#gradient-check", "Checking gradients…")
        self._check_gradients(network, x, y)

    @work(thread=True, exclusive=True, group="gradient-check", description="gradient check", exit_on_error=False)
    def _check_gradients(self, network, x, y) -> None:
        try:
            rows = network_gradient_errors(network, x, y, limit=20)
        except Exception as error:  # noqa: BLE001 - shown in the view, never a traceback
            self.post_message(GradientCheckDone([], f"Gradient check failed: {error}"))
            return
        self.post_message(GradientCheckDone(rows))

    def on_gradient_check_done(self, message: GradientCheckDone) -> None:
        self.show_gradient_check(message.rows, message.error)

    def time_layers(self, network: Network, x: np.ndarray, y: np.ndarray) -> None:
        self._fill("#layer-timing", "Timing each layer…")
        self._time_layers(network, x, y)

    @work(thread=True, exclusive=True, group="layer-timing", description="layer timing", exit_on_error=False)
    def _time_layers(self, network, x, y) -> None:
        try:
            rows = profile_layers(network, x, y)
        except Exception as error:  # noqa: BLE001
            self.post_message(TimingDone([], len(x), f"Timing failed: {error}"))
            return
        self.post_message(TimingDone(rows, len(x)))

    def on_timing_done(self, message: TimingDone) -> None:
        self.show_timing(message.rows, message.batch_size, message.error)

    def show_gradient_check(self, rows, error: str | None) -> None:
        if error:
            self._fill("#gradient-check", Text(error, style="bold red"))
            return
        table = Table(title="Gradient check: analytic against finite differences (float64, 4 samples)",
                      caption=f"correct below {TOLERANCE:.0e}; below {NOISE_FLOOR:.0e} the difference is "
                              "rounding noise")
        for column in ("layer", "array", "entries", "relative error"):
            table.add_column(column, justify="right" if column != "layer" else "left")
        for row in rows:
            table.add_row(f"{row.layer_index} {row.layer}", row.param, f"{row.size:,}",
                          gradient_error_text(row.relative_error))
        self._fill("#gradient-check", table)

    def show_timing(self, rows, batch_size: int, error: str | None) -> None:
        if error:
            self._fill("#layer-timing", Text(error, style="bold red"))
            return
        total = sum(r.forward_ms + r.backward_ms for r in rows) or 1.0
        fused = any(row.count > 1 for row in rows)
        table = Table(title=f"Time per layer, as training runs it, for a batch of {batch_size} (median of 5)",
                      caption="layers joined by + train as one step, timed as one" if fused else None)
        for column in ("layer", "forward ms", "backward ms", "share"):
            table.add_column(column, justify="right" if column != "layer" else "left")
        for row in rows:
            share = (row.forward_ms + row.backward_ms) / total
            where = f"{row.index}" if row.count == 1 else f"{row.index}-{row.index + row.count - 1}"
            table.add_row(f"{where} {row.layer}", f"{row.forward_ms:.3f}", f"{row.backward_ms:.3f}",
                          f"{'█' * round(share * 10)}{'·' * (10 - round(share * 10))} {share:4.0%}")
        self._fill("#layer-timing", table)
