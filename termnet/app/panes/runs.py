"""RunsView: every run of the session (and loaded models), side by side."""

from __future__ import annotations

from dataclasses import dataclass

from textual.containers import Vertical
from textual.widgets import DataTable
from textual_plotext import PlotextPlot

from ...engine.registry import short_label


def stack_name(layers) -> str:
    """A stack in a few letters, for the runs table: each layer type's ``short_label``, joined by dashes."""
    return "-".join(short_label(layer) for layer in layers)


@dataclass
class Run:
    """One finished run: its name, stack (``stack_name`` of its layers, or the layers), settings, history and
    test accuracy."""

    name: str
    stack: str | list
    settings: dict
    history: dict
    accuracy: float


class RunsView(Vertical):
    DEFAULT_CSS = """
    RunsView #runs-table { height: auto; max-height: 40%; }
    RunsView #runs-plot { height: 1fr; }
    """

    def compose(self):
        yield DataTable(id="runs-table", cursor_type="row", zebra_stripes=True)
        yield PlotextPlot(id="runs-plot")

    def on_mount(self) -> None:
        self.runs: list[Run] = []
        # what tells runs apart first; the stack, the longest, last (it is cut first at 80 columns)
        columns = ("run", "test acc", "lr", "epochs", "batch", "optimizer", "loss", "stack")
        self.query_one("#runs-table", DataTable).add_columns(*columns)

    def add(self, run: Run) -> None:
        if not isinstance(run.stack, str):
            run.stack = stack_name(run.stack)
        self.runs.append(run)
        s = run.settings
        self.query_one("#runs-table", DataTable).add_row(
            run.name, f"{run.accuracy:.2%}", f"{s.get('learning_rate', 0):g}", str(len(run.history.get("loss", []))),
            str(s.get("batch_size", "?")), s.get("optimizer", "?"), s.get("loss", "?"), run.stack)
        self.redraw()

    def redraw(self) -> None:
        plt = self.query_one(PlotextPlot).plt
        plt.clear_data()
        plt.clear_figure()
        plt.title("Training loss per epoch, every run")
        plt.xlabel("epoch")
        for run in self.runs[-8:]:
            losses = run.history.get("loss", [])
            if losses:
                plt.plot(list(range(1, len(losses) + 1)), losses, label=run.name, marker="braille")
        self.query_one(PlotextPlot).refresh()
