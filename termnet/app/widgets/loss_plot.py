"""LossPlot: the training loss per batch (smoothed) and per epoch, with validation loss."""

from __future__ import annotations

import bisect

from textual_plotext import PlotextPlot

MAX_POINTS = 400  # batch points kept for drawing; older ones are thinned out


class LossPlot(PlotextPlot):
    """Store points as they arrive; ``redraw`` (main thread only) draws them all again."""

    DEFAULT_CSS = "LossPlot { height: 1fr; min-height: 8; }"

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.reset()

    def reset(self) -> None:
        self.batch_x: list[float] = []
        self.batch_y: list[float] = []
        self.epoch_x: list[float] = []
        self.epoch_loss: list[float] = []
        self.val_x: list[float] = []  # its own positions: a continued run may validate where the first did not
        self.val_loss: list[float] = []
        self.dirty = True

    def add_batch(self, position: float, smoothed_loss: float) -> None:
        """A point of the batch curve, in its place: an epoch's end may arrive after later batches' progress."""
        if not self.batch_x or position >= self.batch_x[-1]:
            self.batch_x.append(position)
            self.batch_y.append(smoothed_loss)
        else:
            index = bisect.bisect(self.batch_x, position)
            self.batch_x.insert(index, position)
            self.batch_y.insert(index, smoothed_loss)
        if len(self.batch_x) > MAX_POINTS:  # keep every other point: the curve's shape stays
            self.batch_x, self.batch_y = self.batch_x[::2], self.batch_y[::2]
        self.dirty = True

    def add_epoch(self, epoch: int, logs: dict) -> None:
        self.epoch_x.append(epoch + 1)
        self.epoch_loss.append(logs["loss"])
        if "val_loss" in logs:
            self.val_x.append(epoch + 1)
            self.val_loss.append(logs["val_loss"])
        self.dirty = True

    def redraw(self) -> None:
        if not self.dirty:
            return
        self.dirty = False
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        plt.title("Loss")
        plt.xlabel("epoch")
        if self.batch_x:
            plt.plot(self.batch_x, self.batch_y, label="batch (smoothed)", marker="braille")
        if self.epoch_x:
            plt.plot(self.epoch_x, self.epoch_loss, label="epoch", marker="dot")
        if self.val_loss:
            plt.plot(self.val_x, self.val_loss, label="validation", marker="dot")
        self.refresh()
