"""Every message a worker thread posts to the dashboard: small dataclasses, the only way up."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from textual.message import Message

from ..data import Dataset
from ..engine import Network


@dataclass
class BatchProgress(Message):
    """Latest position in training; a newer one replaces an unprocessed older one."""

    epoch: int
    epochs: int
    batch: int
    batches: int
    loss: float
    smoothed_loss: float
    samples_per_second: float
    seconds_left: float
    learning_rate: float | None = None  # the rate of this batch's step (the schedule's factor included)

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, BatchProgress)


@dataclass
class PlaneUpdate(Message):
    """The network's outputs over the plane of a 2-D data set (a PlaneSnapshot); the newest replaces older."""

    snapshot: object

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, PlaneUpdate)


@dataclass
class EpochEnded(Message):
    """Epochs ended since the last such message, in order; never dropped: (epoch, figures (loss, accuracy,
    val_loss, val_accuracy, seconds), the smoothed batch loss at its last batch) each. Several at once when
    epochs are short (the Playground's last ~50 ms): one table update and one UI frame for all of them."""

    epochs: list[tuple[int, dict, float]]

    @property
    def epoch(self) -> int:
        """The newest epoch in the message."""
        return self.epochs[-1][0]

    @property
    def logs(self) -> dict:
        return self.epochs[-1][1]


@dataclass
class TrainingFinished(Message):
    """Training ended (all epochs, or stopped): the network and its test-set probabilities."""

    network: Network
    probabilities: np.ndarray
    stopped: bool
    seconds: float


@dataclass
class TrainingFailed(Message):
    """Training could not go on (a NaN loss, say); the message says why and what to try."""

    reason: str
    network: Network | None = None
    probabilities: np.ndarray | None = None


@dataclass
class DownloadProgress(Message):
    """Bytes of one dataset file downloaded so far."""

    file_name: str
    done: int
    total: int

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, DownloadProgress) and message.file_name == self.file_name


@dataclass
class DatasetLoaded(Message):
    """A dataset is ready to train on."""

    dataset: Dataset
    note: str = ""


@dataclass
class DatasetFailed(Message):
    """A dataset could not be loaded or downloaded."""

    reason: str
    extra: dict = field(default_factory=dict)


@dataclass
class HealthReport(Message):
    """Per-layer gradient norms and dead relu shares after a recent step; the newest replaces older ones."""

    rows: list

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, HealthReport)


@dataclass
class GradientCheckDone(Message):
    """Finite-difference check of the current stack: one row per parameter array."""

    rows: list
    error: str | None = None


@dataclass
class TimingDone(Message):
    """Forward and backward milliseconds per layer for one batch."""

    rows: list
    batch_size: int
    error: str | None = None


@dataclass
class DataRequested(Message):
    """The dashboard is on screen and needs data: the app loads it and answers with DatasetLoaded."""


@dataclass
class SpecRequested(Message):
    """The dashboard asks for a preset or a spec file by name; the app reads it and shows it there."""

    name: str


@dataclass
class SweepTrialEnded(Message):
    """One sweep trial's result (termnet.sweep's dict: values, seed, status, figures, history); never dropped."""

    result: dict


@dataclass
class SweepFinished(Message):
    """Every trial of the sweep has ended; ``model_path``: the best trial's model file (None: no trial finished)."""

    best: dict | None
    model_path: str | None
    trials: int


@dataclass
class MapReduced(Message):
    """A layer's activations reduced to two dimensions in a worker (PCA, then t-SNE): (N, 2) points, or why not."""

    layer: int
    method: str
    points: np.ndarray | None
    error: str | None = None
