"""Callbacks: how training reports progress and how it is stopped from outside.

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
