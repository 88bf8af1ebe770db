"""The bridge between Network.fit in a worker thread and the dashboard: callbacks become messages.

The worker never touches widgets: it posts messages (messages.py). Pause blocks
between batches on an Event; stop and cancellation set ``network.stop_training``,
which fit honours between batches, keeping the weights learned so far.

Continuing a network (the dashboard's C) trains a copy of it with the form's settings
(``continuation``), after ``continue_problem`` has found nothing that forbids it.
"""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Callable

from ..engine import Callback, Network
from ..engine.health import training_health
from .messages import BatchProgress, EpochEnded, HealthReport

# seconds between decision-boundary pictures of a 2-D data set: three a second, each with the progress line and
# the epochs ended meanwhile, so that all land in one UI frame. Computing one takes the training thread ~0.5 ms;
# drawing a frame takes the UI thread ~10 ms, time taken from training (the GIL)
PLANE_INTERVAL = 0.33
HEALTH_INTERVAL = 1.0  # seconds between gradient-norm and dead-unit reports
PROGRESS_INTERVAL = 0.5  # seconds between progress messages: plenty for a person, cheap for training
# seconds between messages of ended epochs: an epoch longer than that is posted at its end, shorter ones (the
# Playground's last ~50 ms) together, with a progress message. Adding rows to the epochs table costs the UI
# thread ~35 ms (a layout pass) however many: once a second, not 20 times, which took half of training's time
EPOCH_INTERVAL = 1.0
SMOOTHING = 0.9  # exponential moving average of the batch loss


class TrainingControl:
    """Pause, stop, single-step and setting changes from the UI, read by the training thread between batches."""

    #: The settings that may change while a run trains: each takes effect at the next batch.
    LIVE_SETTINGS = ("learning_rate",)

    def __init__(self):
        self.running = threading.Event()
        self.running.set()
        self.stop_requested = False
        self.stopped_at: tuple[int, int] | None = None  # (epoch, batch) after which training stopped, 0-based
        self.steps_requested = 0  # batches to take while paused (the step key)
        self.changes: dict = {}  # live settings asked for, applied by the training thread before the next batch
        self.lock = threading.Lock()
        self.waiting_at: int | None = None  # while paused: the number of batches trained so far in this run

    def change(self, name: str, value) -> None:
        """Ask for ``name`` (one of LIVE_SETTINGS) to be ``value`` from the next batch on."""
        if name not in self.LIVE_SETTINGS:
            raise ValueError(f"{name} cannot change while training; it applies to the next run")
        with self.lock:
            self.changes[name] = value

    def take_changes(self) -> dict:
        if not self.changes:  # read without the lock: a change made just now is taken after the next batch
            return {}
        with self.lock:
            changes, self.changes = self.changes, {}
        return changes

    def step(self) -> None:
        """While paused: train one more batch, then pause again."""
        with self.lock:
            self.steps_requested += 1

    def _take_step(self) -> bool:
        with self.lock:
            if self.steps_requested:
                self.steps_requested -= 1
                return True
        return False

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

    def __init__(self, post: Callable, control: TrainingControl, epochs: int, is_cancelled: Callable[[], bool],
                 first_epoch: int = 0, probe: Callable | None = None):
        """``first_epoch``: the epochs the network has already trained, so that a continued run's epochs
        are numbered on from them (fit counts each call's epochs from 0). ``probe``: called with the network
        between batches a few times a second, returns a message to post (the 2-D data's decision boundary)."""
        self.post, self.control, self.is_cancelled = post, control, is_cancelled
        self.first_epoch, self.epochs, self.probe = first_epoch, epochs, probe
        self.smoothed = None
        self.last_post = self.last_health = self.last_epochs = 0.0
        self.batches_done = 0
        self.ended: list[tuple[int, dict, float]] = []  # epochs ended and not yet posted (see post_epochs)
        self.epoch_end_loss = 0.0  # the smoothed loss at the last batch of the epoch under way

    def on_train_begin(self, logs):
        self.steps = logs["steps"]
        # the first health report after HEALTH_INTERVAL, not at the first batch: drawing its table as training
        # starts measured ~10 ms of the UI thread in the first epoch (a short run gets one at its last batch)
        self.started = self.last_epochs = self.last_health = time.perf_counter()
        self.samples_done = 0
        self.total_samples = logs["samples"] * self.epochs

    def on_epoch_begin(self, epoch, logs):
        self.epoch = self.first_epoch + epoch

    def on_batch_end(self, batch, logs):
        loss = logs["loss"]
        self.smoothed = loss if self.smoothed is None else SMOOTHING * self.smoothed + (1 - SMOOTHING) * loss
        self.samples_done += logs["size"]
        self.batches_done += 1
        now = time.perf_counter()
        stepped = self.control.waiting_at is not None  # this batch was a single step: show it at once
        if batch == self.steps - 1:
            self.epoch_end_loss = self.smoothed
        final = batch == self.steps - 1 and self.epoch + 1 == self.first_epoch + self.epochs  # the run's last batch
        # with a plane to draw, the progress comes with each picture: one UI frame for both, not two
        interval = PLANE_INTERVAL if self.probe else PROGRESS_INTERVAL
        if now - self.last_post >= interval or final or stepped:
            self.last_post = now
            # everything this batch reports is made first, then posted back to back: the UI handles them in one
            # frame (posted between computations, each arrived alone and drew a frame of its own, each frame
            # taking the GIL from training)
            health = None
            if now - self.last_health >= HEALTH_INTERVAL or final:  # this batch's gradients and relu outputs are cached
                self.last_health = now
                health = HealthReport(training_health(self.network))
            picture = self.probe(self.network) if self.probe else None  # after health: it replaces the cached outputs
            if now - self.last_epochs >= EPOCH_INTERVAL:
                self.post_epochs()  # the epochs ended meanwhile, in the progress message's frame
            rate = self.samples_done / max(now - self.started, 1e-9)
            self.post(BatchProgress(self.epoch, self.first_epoch + self.epochs, batch + 1, self.steps, loss,
                                    self.smoothed, rate,
                                    (self.total_samples - self.samples_done) / rate if rate else 0.0,
                                    logs.get("learning_rate")))
            for message in (health, picture):
                if message is not None:
                    self.post(message)
        if not self.control.running.is_set():
            self.post_epochs()  # a paused run shows every epoch it has ended
            paused_at = time.perf_counter()
            self.control.waiting_at = self.batches_done
            while not self.control.running.wait(0.1) and not self.is_cancelled():
                if self.control._take_step():
                    break  # one batch, then this wait again
            else:
                self.control.waiting_at = None
            self.started += time.perf_counter() - paused_at  # paused time is not training time
        for name, value in self.control.take_changes().items():
            setattr(self.network, name, value)  # the optimizer reads its rate at each step: the next batch's
        if self.control.stop_requested or self.is_cancelled():
            self.network.stop_training = True
            self.control.stopped_at = (self.epoch, batch)

    def on_epoch_end(self, epoch, logs):
        # a stop asked for during the epoch's validation pass ends here, before another epoch and its validation
        if epoch + 1 < self.epochs and not self.network.stop_training and (
                self.control.stop_requested or self.is_cancelled()):
            self.network.stop_training = True
            self.control.stopped_at = (self.epoch, self.steps - 1)
        self.ended.append((self.first_epoch + epoch, dict(logs), self.epoch_end_loss))
        # with a plane to draw, the epochs go with a picture (on_batch_end): a frame of their own each second
        # measured about a fifth of the UI thread's time while the Playground trains
        due = not self.probe and time.perf_counter() - self.last_epochs >= EPOCH_INTERVAL
        if epoch + 1 == self.epochs or self.network.stop_training or due:
            self.post_epochs()

    def on_train_end(self, logs):
        self.post_epochs()  # an early stop (a later callback's) or a failure ends the run: the table gets them all

    def post_epochs(self) -> None:
        """Post the epochs ended and not yet posted, in one message: the table ends with every epoch."""
        if self.ended:
            self.last_epochs = time.perf_counter()
            self.post(EpochEnded(self.ended))
            self.ended = []


# -- continuing ------------------------------------------------------------------------
def same_stack(trained: list, layers: list) -> bool:
    """Whether ``layers`` (fresh from the Build tab) describe the ``trained`` ones: the same types and
    arguments, as their reprs show them (a built layer's config also holds the input shape it was built for)."""
    return [repr(layer) for layer in trained] == [repr(layer) for layer in layers]


def continue_problem(network: Network, layers: list, values: dict, image_shape: tuple, classes: int) -> str | None:
    """Why ``network`` cannot go on training on data of ``image_shape`` with ``classes`` classes, with the stack
    ``layers`` (built from the Build tab) and the form's ``values``: one line, or None when it can."""
    if tuple(network.input_shape) != tuple(image_shape):
        return (f"This network takes images of shape {tuple(network.input_shape)}; the data has {tuple(image_shape)}: "
                f"s trains the stack from scratch on this data")
    if network.output_shape[-1] != classes:
        return (f"This network has {network.output_shape[-1]} outputs; the data has {classes} classes: "
                f"s trains the stack from scratch on this data")
    if not same_stack(network.layers, layers):
        return "The stack was edited since this network was trained: s trains the new stack from scratch"
    for name, had in (("optimizer", network.optimizer.name), ("loss", network.loss.name if network.loss else None)):
        if values[name] != had:  # the optimizer's moments and the loss belong to the network: no silent swap
            return (f"This network was trained with the {name} {had}; the form says {values[name]}: set it back to "
                    f"continue, or s trains from scratch with {values[name]}")
    return None


def continuation(network: Network, values: dict, steps_per_epoch: int) -> tuple[Network, str]:
    """A copy of ``network`` set to train on with the form's epochs, batch size, learning rate, weight decay and
    schedule, and a few words on what its schedule does.

    Its weights, optimizer state (momentum, Adam's moments and step count), history, shuffling and schedule
    position are the network's. The copy trains while the original stays on screen: the Draw and Inside tabs
    run the original forward, which would overwrite the caches a training step's backward reads; and a copy
    that fails leaves the original as it was.

    The schedule: an unfinished plan of the same kind goes on (x then C gives what one run would have given);
    a finished one, one of another kind or none starts a new plan over these epochs, since a finished one-cycle
    or cosine plan would otherwise go on at its final, nearly zero, rate; "constant" trains at the form's rate.
    """
    twin = copy.deepcopy(network)  # a fit's thread pool or helper processes stay behind (Network.__getstate__)
    twin.epochs, twin.batch_size, twin.learning_rate = values["epochs"], values["batch_size"], values["learning_rate"]
    twin.optimizer.weight_decay = values.get("weight_decay", 0.0)  # a coefficient without state: the form's applies
    schedule = None if values["schedule"] in (None, "constant") else values["schedule"]
    if schedule is None:
        twin.schedule = None
        return twin, f"constant rate {twin.learning_rate:g}"
    step, steps = twin.schedule_step, twin.schedule_steps
    if twin.schedule == schedule and steps is not None and step < steps:
        left = steps - step
        after = "" if left >= steps_per_epoch * twin.epochs else ", then its final rate"
        return twin, f"the {schedule} plan goes on at step {step:,} of {steps:,}{after}"
    if twin.schedule == schedule:
        why = "the last one had ended"
    else:
        why = f"it trained with {twin.schedule}" if twin.schedule else "it trained at a constant rate"
    twin.schedule, twin.schedule_steps, twin.schedule_step = schedule, None, 0  # fit plans these epochs' steps
    return twin, f"a new {schedule} plan over these {twin.epochs} epoch(s) ({why})"
