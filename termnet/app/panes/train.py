"""TrainView: the Train tab: a progress line, the live loss plot, one row per epoch and training health."""

from __future__ import annotations

from rich import box
from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.containers import Horizontal, Vertical
from textual.widgets import ProgressBar, Static

from ...engine.health import learning_rate_hint
from ..messages import BatchProgress
from ..widgets.epoch_table import EpochTable
from ..widgets.loss_plot import LossPlot
from .plane import PlaneView

EPOCH_COLUMNS = ("epoch", "loss", "acc", "val loss", "val acc", "s")
EPOCH_KEYS = ("loss", "accuracy", "val_loss", "val_accuracy")


class TrainView(Vertical):
    """Attributes down: the screen hands it each message's figures; it only draws them."""

    hint: str | None = None
    chance: float | None = None  # the loss of a uniform guess, which tells a stuck run from a slow one
    learning_rate: float | None = None

    def compose(self):
        with Horizontal(id="progress-row"):
            # always with a total: an indeterminate bar animates, redrawing the screen non-stop
            yield ProgressBar(total=1, show_eta=False, id="progress")
            yield Static("Press s to start training.", id="progress-text")
        yield Static("", id="validation-note")
        with Horizontal():
            yield PlaneView(id="plane")  # 2-D data only (the -planar class): the boundary and every neuron
            yield LossPlot(id="plot")
            with Vertical(id="train-side"):
                yield EpochTable(EPOCH_COLUMNS, id="epochs")
                yield Static("", id="health")

    def set_data(self, data) -> None:
        """2-D data shows its plane where images show the loss plot (the epochs table keeps the loss)."""
        self.set_class(data is not None and data.plane is not None, "-planar")
        self.query_one(PlaneView).set_data(data)

    def say(self, text: str | Text, layout: bool = True) -> None:
        self.query_one("#progress-text", Static).update(text, layout=layout)

    def reset(self, epochs: int, validation_note: str, chance: float | None = None,
              learning_rate: float | None = None) -> None:
        self.query_one(LossPlot).reset()
        self.query_one(EpochTable).clear()
        self.query_one("#health", Static).update("")  # the last run's layers: the first report comes in a second
        self.health_rows = []
        self.carry_on(validation_note, chance, learning_rate, f"Starting: {epochs} epoch(s)…")

    def carry_on(self, validation_note: str, chance: float | None, learning_rate: float | None, text: str) -> None:
        """A run that goes on from the epochs shown (a continued network): the table and the plot stay."""
        self.query_one(ProgressBar).update(total=1, progress=0)
        self.query_one("#validation-note", Static).update(Text(validation_note, style="dim"))
        self.hint, self.chance, self.learning_rate = None, chance, learning_rate
        self.say(text)

    def replay(self, history: dict) -> None:
        """One row and one plot point per epoch of ``history`` (a loaded network's, shown before it goes on).

        A figure recorded for only some epochs (validation switched on later) cannot be placed, so it is left out.
        """
        epochs = len(history.get("loss", []))
        keys = [key for key in (*EPOCH_KEYS, "seconds") if len(history.get(key, [])) == epochs]
        for epoch in range(epochs):
            self.add_epoch(epoch, {key: history[key][epoch] for key in keys})

    def show_progress(self, message: BatchProgress, quiet: bool) -> None:
        """The bar, the plot's batch point and (unless ``quiet``: paused or stopping) the progress line."""
        total = message.epochs * message.batches
        done = message.epoch * message.batches + message.batch
        self.query_one(ProgressBar).update(total=total, progress=done)
        if not quiet:
            minutes, seconds = divmod(int(message.seconds_left), 60)
            # one line whose size never changes: no layout pass, which is most of the UI's cost
            self.say(f"epoch {message.epoch + 1}/{message.epochs} · batch {message.batch}/{message.batches} · "
                     f"loss {message.smoothed_loss:.4f} · {message.samples_per_second:,.0f} img/s · "
                     f"{minutes}:{seconds:02d} left", layout=False)
        self.query_one(LossPlot).add_batch(message.epoch + message.batch / message.batches, message.smoothed_loss)

    def add_epoch(self, epoch: int, logs: dict) -> None:
        self.add_epochs([(epoch, logs, None)])

    def add_epochs(self, epochs: list[tuple[int, dict, float | None]]) -> None:
        """A row and a plot point per (epoch, figures, smoothed loss at its last batch or None), then one scroll:
        the Playground's short epochs arrive several at once, each of them a layout pass if added alone."""
        plot = self.query_one(LossPlot)
        table, rows = self.query_one(EpochTable), []
        for epoch, logs, end_loss in epochs:
            plot.add_epoch(epoch, logs)
            if end_loss is not None and epoch + 1 not in plot.batch_x[-64:]:  # the run's last batch has its own
                plot.add_batch(epoch + 1, end_loss)  # each epoch's end is on the batch curve, progress or not
            figures = [f"{logs[key]:.4f}" if key in logs else "-" for key in EPOCH_KEYS]
            rows.append([str(epoch + 1), *figures, f"{logs['seconds']:.1f}" if "seconds" in logs else "-"])
        table.add_rows(rows)
        hint = learning_rate_hint(plot.epoch_loss, self.chance, self.learning_rate)
        if hint != self.hint:
            self.hint = hint
            if self.health_rows:  # the hint stands under the health table, which may not come again (a run's end)
                self.show_health(self.health_rows)
        table.follow()  # the newest epoch in view

    def mark_early_stop(self, best_epoch: int | None, stopped_epoch: int | None) -> None:
        """Early stopping's outcome in the epoch table: the row whose weights were kept (``4*``) and the one it
        stopped after (``7 stop``)."""
        table = self.query_one(EpochTable)
        for row in range(table.row_count):
            number = str(table.get_row_at(row)[0])
            if not number.isdigit() or int(number) not in (best_epoch, stopped_epoch):
                continue
            label = number + ("*" if int(number) == best_epoch else "") + (" stop" if int(number) == stopped_epoch
                                                                           else "")
            table.update_cell(row, 0, label)

    health_rows: list = []  # the latest health report's, which the hint is shown under

    def show_health(self, rows: list) -> None:
        self.health_rows = rows
        table = Table(title="Training health (latest batch)", expand=True, box=box.SIMPLE_HEAD, pad_edge=False)
        table.add_column("layer", no_wrap=True, overflow="ellipsis")  # one row per layer, however narrow
        for column in ("gradient rms", "dead relu"):
            table.add_column(column, justify="right", no_wrap=True, min_width=len(column))
        for row in rows:
            dead = "" if row.dead_share is None else Text(
                f"{row.dead_share:.0%}", style="bold red" if row.dead_share > 0.5 else "")
            grad = "" if row.gradient_norm is None else f"{row.gradient_norm:.2e}"
            table.add_row(f"{row.index} {row.layer}", grad, dead)
        parts = [table] + ([Text(self.hint, style="bold yellow")] if self.hint else [])
        self.query_one("#health", Static).update(Group(*parts), layout=False)

    def redraw_plot(self) -> None:
        self.query_one(LossPlot).redraw()
