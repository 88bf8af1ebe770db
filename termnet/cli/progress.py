"""Training progress on the command line: a rich bar on a terminal, one line per epoch otherwise."""

from __future__ import annotations

import signal
import sys
import time

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

from ..engine import Callback


def epoch_line(epoch: int, epochs: int, logs: dict) -> str:
    """One epoch's figures: training, then validation (``val_``), then the test set (``test_``) when given."""
    parts = [f"epoch {epoch + 1}/{epochs}", f"loss {logs['loss']:.4f}"]
    for key in ("accuracy", "val_loss", "val_accuracy", "test_loss", "test_accuracy"):
        if key in logs:
            parts.append(f"{key} {logs[key]:.4f}")
    parts += [f"{logs['samples_per_second']:,.0f} samples/s", f"{logs['seconds']:.1f}s"]
    if not logs.get("complete", True):
        parts.append("(stopped)")
    return "  ".join(parts)


class PlainProgress(Callback):
    """One line per epoch, for logs and pipes."""

    def __init__(self, epochs: int, stream=None):
        self.epochs, self.stream = epochs, stream or sys.stdout

    def on_epoch_end(self, epoch, logs):
        print(epoch_line(epoch, self.epochs, logs), file=self.stream, flush=True)


class RichProgress(Callback):
    """A live bar: epoch, batch, loss, samples per second and time left."""

    def __init__(self, epochs: int, console: Console):
        self.epochs, self.console = epochs, console
        self.progress = Progress(
            TextColumn("[bold]epoch {task.fields[epoch]}/{task.fields[epochs]}"), BarColumn(),
            TextColumn("batch {task.fields[batch]}/{task.fields[batches]}"),
            TextColumn("loss {task.fields[loss]:.4f}"), TextColumn("{task.fields[rate]:,.0f} samples/s"),
            TimeRemainingColumn(), console=console, transient=False)

    def on_train_begin(self, logs):
        self.steps = logs["steps"]
        self.task = self.progress.add_task("train", total=self.epochs * self.steps, epoch=1, epochs=self.epochs,
                                           batch=0, batches=self.steps, loss=float("nan"), rate=0.0)
        self.progress.start()

    def on_epoch_begin(self, epoch, logs):
        self.epoch, self.started, self.seen = epoch, time.perf_counter(), 0

    def on_batch_end(self, batch, logs):
        self.seen += logs["size"]
        rate = self.seen / max(time.perf_counter() - self.started, 1e-9)
        self.progress.update(self.task, completed=self.epoch * self.steps + batch + 1, epoch=self.epoch + 1,
                             batch=batch + 1, loss=logs["loss"], rate=rate)

    def on_epoch_end(self, epoch, logs):
        self.progress.console.print(epoch_line(epoch, self.epochs, logs))

    def on_train_end(self, logs):
        self.progress.stop()


class StopOnInterrupt(Callback):
    """Ctrl+C stops training after the current batch (a second Ctrl+C aborts at once)."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stderr
        self.interrupted = False

    def on_train_begin(self, logs):
        self.previous = signal.signal(signal.SIGINT, self._handle)

    def _handle(self, signum, frame):
        if self.interrupted:
            raise KeyboardInterrupt
        self.interrupted = True
        self.network.stop_training = True
        print("\nStopping after this batch (Ctrl+C again to abort)...", file=self.stream, flush=True)

    def on_train_end(self, logs):
        signal.signal(signal.SIGINT, self.previous)


def download_progress(console: Console):
    """A ``progress(file, done, total)`` callback drawing one bar per downloaded file."""
    progress = Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
                        console=console, transient=False)
    tasks: dict[str, int] = {}

    def update(name: str, done: int, total: int) -> None:
        if name not in tasks:
            if not tasks:
                progress.start()
            tasks[name] = progress.add_task(f"downloading {name}", total=total or None)
        progress.update(tasks[name], completed=done, total=total or None)
        if total and done >= total:
            progress.refresh()

    update.stop = progress.stop
    return update
