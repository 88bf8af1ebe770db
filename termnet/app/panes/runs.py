"""RunsView: every run of the session (and loaded models), side by side; sweeps (w) start here."""

from __future__ import annotations

import math
import tempfile
from dataclasses import dataclass
from pathlib import Path

from textual import on, work
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable
from textual.worker import get_current_worker
from textual_plotext import PlotextPlot

from ...engine.registry import short_label
from ..messages import SweepFinished, SweepTrialEnded


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
    BINDINGS = [Binding("w", "sweep", "Sweep", tooltip="Sweep: train the Build tab's stack once per value of a "
                        "setting or layer width, in background processes; each trial joins this table")]
    #: The sweep under way or last run: its axis and its finished trials' results (the plot shows them).
    sweep_axis = None
    DEFAULT_CSS = """
    RunsView #runs-table { height: auto; max-height: 40%; }
    RunsView #runs-plot { height: 1fr; }
    """

    def compose(self):
        yield DataTable(id="runs-table", cursor_type="row", zebra_stripes=True)
        yield PlotextPlot(id="runs-plot")

    def on_mount(self) -> None:
        self.runs: list[Run] = []
        self.sweep_results: list[dict] = []
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

    # -- sweeps ---------------------------------------------------------------------------
    def action_sweep(self) -> None:
        from ..screens.sweep_form import SweepFormScreen

        dashboard = self.screen
        if any(w.group == "sweep" and w.is_running for w in self.workers):
            self.notify("A sweep is already running", severity="warning")
            return
        if self.app.dataset is None:
            self.notify("The data is still loading", severity="warning")
            return
        spec, _, problems = dashboard.current_spec()
        if problems:
            self.notify("\n".join(problems), title="Cannot sweep", severity="error", timeout=8)
            return
        self.app.push_screen(SweepFormScreen(spec), lambda plan: plan and self.start_sweep(spec, plan))

    def start_sweep(self, spec, plan) -> None:
        self.sweep_axis, self.sweep_results = (plan.axes[0] if plan.axes else None), []
        self.notify(f"Sweep: {len(plan.trials)} trial(s) in background processes; each joins this table as it "
                    f"ends", title="Sweep")
        self.run_sweep(spec, plan, self.app.dataset)

    @work(thread=True, group="sweep", exit_on_error=False, description="sweep")
    def run_sweep(self, spec, plan, data) -> None:
        from ...provenance import model_metadata
        from ...sweep import make_jobs, pack_data, run_local
        from ...sweep.report import best_result

        worker = get_current_worker()
        jobs = make_jobs(spec, plan.trials, plan.axes, plan.fixed, save=True,
                         metadata=model_metadata(data, spec.name, 0, None))
        finished, best_bytes = [], None
        results = run_local(jobs, pack_data(data))
        try:
            for result in results:
                if best_result([*finished, result]) is result:
                    best_bytes = result.get("model_bytes")
                result = {k: v for k, v in result.items() if k != "model_bytes"}
                finished.append(result)
                self.post_message(SweepTrialEnded(result))
                if worker.is_cancelled:
                    return
        finally:
            results.close()  # trials not started yet never start
        best, path = best_result(finished), None
        if best is not None and best_bytes:
            path = str(Path(tempfile.mkdtemp(prefix="termnet-sweep-")) / f"sweep-best-trial-{best['trial']}.termnet")
            Path(path).write_bytes(best_bytes)
        self.post_message(SweepFinished(best, path, len(jobs)))

    @on(SweepTrialEnded)
    def trial_ended(self, message: SweepTrialEnded) -> None:
        result = message.result
        self.sweep_results.append(result)
        values = " ".join(f"{key.removeprefix('layer ')}={value:g}" if isinstance(value, float)
                          else f"{key.removeprefix('layer ')}={value}" for key, value in result["values"].items())
        name = f"sweep {result['trial']} {values} s{result['seed']}"
        if result["status"] != "ok":
            self.notify(f"{name}: {result['status']}: {result.get('reason', '')}", severity="warning", timeout=6)
            return
        self.add(Run(name, result["stack"], result["settings"], result["history"], result["test_accuracy"]))

    @on(SweepFinished)
    def sweep_finished(self, message: SweepFinished) -> None:
        from ...sweep.report import best_line

        self.notify(best_line(message.best, self.sweep_results) + (" · loading it into Build" if message.model_path
                                                                    else ""), title="Sweep finished", timeout=10)
        if message.model_path:
            self.app.load_model_file(message.model_path)

    def redraw(self) -> None:
        plt = self.query_one(PlotextPlot).plt
        plt.clear_data()
        plt.clear_figure()
        if self.sweep_axis is not None and self.sweep_axis.numeric:
            self.draw_sweep(plt)
            return
        plt.title("Training loss per epoch, every run")
        plt.xlabel("epoch")
        for run in self.runs[-8:]:
            losses = run.history.get("loss", [])
            if losses:
                plt.plot(list(range(1, len(losses) + 1)), losses, label=run.name, marker="braille")
        self.query_one(PlotextPlot).refresh()

    def draw_sweep(self, plt) -> None:
        """Validation accuracy against the swept value, a point per finished trial. A log range is drawn at
        log10 of its values with the values as tick labels: plotext's own log scale transforms the stored
        points on every draw, and a widget is drawn again at each refresh."""
        axis = self.sweep_axis
        points = [(r["values"][axis.label], r["val_accuracy"]) for r in self.sweep_results if r["status"] == "ok"]
        plt.title(f"Sweep: validation accuracy against {axis.label}")
        plt.xlabel(axis.label + (" (log scale)" if axis.scale == "log" else ""))
        if points:
            xs = [x for x, _ in points]
            if axis.scale == "log":
                plt.xticks([math.log10(v) for v in axis.values], [f"{v:g}" for v in axis.values])
                xs = [math.log10(x) for x in xs]
            plt.scatter(xs, [y for _, y in points], marker="braille")
        self.query_one(PlotextPlot).refresh()
