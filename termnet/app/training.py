"""The bridge between Network.fit in a worker thread and the dashboard: callbacks become messages.

The worker never touches widgets: it posts messages (messages.py). Pause blocks
between batches on an Event; stop and cancellation set ``network.stop_training``,
which fit honours between batches, keeping the weights learned so far.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from ..engine import Callback
from ..engine.health import training_health
from .messages import BatchProgress, EpochEnded, HealthReport

HEALTH_INTERVAL = 1.0  # seconds between gradient-norm and dead-unit reports
PROGRESS_INTERVAL = 0.5  # seconds between progress messages: plenty for a person, cheap for training
SMOOTHING = 0.9  # exponential moving average of the batch loss


class TrainingControl:
    """Pause and stop requests from the UI, read by the training thread."""

    def __init__(self):
        self.running = threading.Event()
        self.running.set()
        self.stop_requested = False

    def pause(self) -> None:
        self.running.clear()

    def resume(self) -> None:
        self.running.set()

    @property
    def paused(self) -> bool:
        return not self.running.is_set()

    def stop(self) -> None:
        self.stop_requested = True
        self.running.set()  # a paused run wakes up to stop


class MessageBridge(Callback):
    """Turns fit's callbacks into messages, and pause/stop/cancel into fit's stop flag."""

    def __init__(self, post: Callable, control: TrainingControl, epochs: int, is_cancelled: Callable[[], bool]):
        self.post, self.control, self.epochs, self.is_cancelled = post, control, epochs, is_cancelled
        self.smoothed = None
        self.last_post = self.last_health = 0.0

    def on_train_begin(self, logs):
        self.steps = logs["steps"]
        self.started = time.perf_counter()
        self.samples_done = 0
        self.total_samples = logs["samples"] * self.epochs

    def on_epoch_begin(self, epoch, logs):
        self.epoch = epoch

    def on_batch_end(self, batch, logs):
        loss = logs["loss"]
        self.smoothed = loss if self.smoothed is None else SMOOTHING * self.smoothed + (1 - SMOOTHING) * loss
        self.samples_done += logs["size"]
        now = time.perf_counter()
        if now - self.last_post >= PROGRESS_INTERVAL or batch == self.steps - 1:
            self.last_post = now
            rate = self.samples_done / max(now - self.started, 1e-9)
            self.post(BatchProgress(self.epoch, self.epochs, batch + 1, self.steps, loss, self.smoothed, rate,
                                    (self.total_samples - self.samples_done) / rate if rate else 0.0))
        if now - self.last_health >= HEALTH_INTERVAL:  # this batch's gradients and relu outputs are still cached
            self.last_health = now
            self.post(HealthReport(training_health(self.network)))
        if not self.control.running.is_set():
            paused_at = time.perf_counter()
            while not self.control.running.wait(0.1) and not self.is_cancelled():
                pass
            self.started += time.perf_counter() - paused_at  # paused time is not training time
        if self.control.stop_requested or self.is_cancelled():
            self.network.stop_training = True

    def on_epoch_end(self, epoch, logs):
        self.post(EpochEnded(epoch, dict(logs)))
