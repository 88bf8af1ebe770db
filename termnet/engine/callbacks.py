"""Callbacks: how training reports progress, how it is stopped from outside, and early stopping.

``Network.fit`` calls these hooks; a callback stops training between batches by
setting ``network.stop_training = True`` (the dashboard's stop button), and can
pause it by blocking in ``on_batch_end``.
"""

from __future__ import annotations

from collections.abc import Callable


class Callback:
    """Override any of the hooks; ``self.network`` is set before training starts."""

    network = None

    def on_train_begin(self, logs: dict) -> None: ...

    def on_train_end(self, logs: dict) -> None: ...

    def on_epoch_begin(self, epoch: int, logs: dict) -> None: ...

    def on_batch_end(self, batch: int, logs: dict) -> None: ...

    def on_epoch_end(self, epoch: int, logs: dict) -> None: ...


class LambdaCallback(Callback):
    """A callback made of plain functions, for one-off uses."""

    def __init__(self, on_batch_end: Callable | None = None, on_epoch_end: Callable | None = None,
                 on_epoch_begin: Callable | None = None):
        if on_batch_end:
            self.on_batch_end = on_batch_end
        if on_epoch_end:
            self.on_epoch_end = on_epoch_end
        if on_epoch_begin:
            self.on_epoch_begin = on_epoch_begin


class CallbackList:
    """Calls every callback's hook in order."""

    def __init__(self, callbacks, network):
        self.callbacks = list(callbacks or [])
        for callback in self.callbacks:
            callback.network = network

    def __getattr__(self, hook: str):
        def call(*args):
            for callback in self.callbacks:
                getattr(callback, hook)(*args)
        return call


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved by more than ``min_delta`` for ``patience`` epochs, like Keras's.

    ``restore_best_weights``: when training ends (stopped early or not), the layers go back to the weights of
    the best epoch, unless it was the last. An epoch cut short by a divergence (TrainingDiverged) ends no
    epoch, so the engine's own fallback stands then. ``best_epoch`` and ``stopped_epoch`` count the network's
    epochs from its first (a resumed network's too), from 1; ``summary()`` says both in one line.
    ``mode``: "min", "max", or "auto" (max for an accuracy, min otherwise).
    """

    def __init__(self, monitor: str = "val_loss", patience: int = 0, min_delta: float = 0.0,
                 restore_best_weights: bool = True, mode: str = "auto"):
        if isinstance(patience, bool) or not isinstance(patience, int) or patience < 0:
            raise ValueError(f"patience must be a whole number, 0 or more. Received: patience={patience!r}")
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"mode must be auto, min or max. Received: mode={mode!r}")
        self.monitor, self.patience, self.min_delta = monitor, patience, abs(float(min_delta))
        self.restore_best_weights = restore_best_weights
        self.mode = ("max" if "acc" in monitor else "min") if mode == "auto" else mode

    def on_train_begin(self, logs):
        self.best, self.best_epoch, self.best_weights = None, None, None
        self.wait, self.stopped_epoch, self.last_epoch, self.restored = 0, None, None, False
        self._epoch_open = False

    def on_epoch_begin(self, epoch, logs):
        self._epoch_open = True

    def improved(self, value: float) -> bool:
        if self.best is None:
            return value == value  # a NaN is never the best
        return value < self.best - self.min_delta if self.mode == "min" else value > self.best + self.min_delta

    def on_epoch_end(self, epoch, logs):
        self._epoch_open = False
        if self.monitor not in logs:
            raise ValueError(f"early stopping watches {self.monitor}, which this training does not report: "
                             f"hold out validation data (validation_split above 0) or turn it off (patience 0)")
        value, number = float(logs[self.monitor]), self.network.epochs_trained
        self.last_epoch = number
        if self.improved(value):
            self.best, self.best_epoch, self.wait = value, number, 0
            if self.restore_best_weights:
                self.best_weights = [p.copy() for p in self.network.params()]
            return
        self.wait += 1
        if self.wait >= self.patience:  # as Keras: patience 3 stops after the third epoch without progress
            self.stopped_epoch = number
            self.network.stop_training = True

    def on_train_end(self, logs):
        if self._epoch_open or self.best_weights is None or self.best_epoch == self.last_epoch:
            return
        for param, best in zip(self.network.params(), self.best_weights):
            param[...] = best
        self.restored = True

    def report(self) -> dict:
        """What happened, for a JSON summary: the epoch it stopped at (None: it ran every epoch) and the best."""
        return {"monitor": self.monitor, "patience": self.patience, "stopped_epoch": self.stopped_epoch,
                "best_epoch": self.best_epoch, "best": self.best, "restored_best_weights": self.restored}

    def summary(self) -> str:
        """One line: where training stopped and which epoch's weights the layers keep."""
        if self.best_epoch is None:
            return "Early stopping: no epoch finished"
        best = f"{self.monitor} {self.best:.4f}"
        kept = (f"kept the weights of epoch {self.best_epoch} ({best}, the best)" if self.restored
                else f"the best epoch was {self.best_epoch} ({best})")
        if self.stopped_epoch is None:
            return f"Early stopping: ran every epoch; {kept}"
        return (f"Early stopping: stopped after epoch {self.stopped_epoch}, {self.monitor} had not improved for "
                f"{self.wait} epoch(s); {kept}")
