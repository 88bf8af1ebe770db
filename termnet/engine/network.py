"""Network: a stack of layers, a loss and an optimizer, trained by mini-batches."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from .activation import Activation
from .callbacks import CallbackList
from .convolution import Convolution
from .initializers import INITIALIZERS
from .layer import Layer, Shape, ShapeError
from .losses import CrossEntropy, Loss, get_loss
from .optimizers import Optimizer, get_optimizer
from .parallel import MIN_SHARD, ShardedSteps, available_threads
from .schedules import SCHEDULES, learning_rate_factor

PREDICT_BATCH = 512


class TrainingDiverged(ArithmeticError):
    """The loss became NaN or infinite; the layers kept their last finite weights."""


@dataclass
class LayerShape:
    """One row of a stack's shape trace: a layer, what it outputs, or why it does not fit."""

    index: int
    layer: Layer
    output_shape: Shape | None
    params: int
    error: str | None = None


def trace_shapes(layers: list[Layer], input_shape: Shape | None = None) -> list[LayerShape]:
    """Each layer's output shape and parameter count, or the reason it does not fit.

    ``input_shape`` is one sample's shape; without it the first layer's own
    (FC's input size, Convolution's ``input_shape``) is used. Rows after the
    first misfit, or before any shape is known, have neither shape nor error.
    """
    rows = []
    shape = tuple(input_shape) if input_shape is not None else (layers[0].input_shape if layers else None)
    for index, layer in enumerate(layers):
        if shape is None:
            rows.append(LayerShape(index, layer, None, 0))
            continue
        try:
            output = layer.output_shape(shape)
        except ShapeError as error:
            source = f"from {layers[index - 1]!r}" if index else "from the data"
            rows.append(LayerShape(index, layer, None, 0, f"{error} {source}"))
            shape = None
            continue
        rows.append(LayerShape(index, layer, output, layer.count_params(shape)))
        shape = output
    return rows


def _positive(name: str, value, kind=float):
    ok = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)
    if kind is int:
        ok = ok and float(value).is_integer()
    if not ok or not math.isfinite(value) or value <= 0:
        what = "integer" if kind is int else "number"
        raise ValueError(f"{name} must be a positive {what}. Received: {name}={value!r}")
    return kind(value)


class Network:
    """A feed-forward network.

    Args:
        learning_rate: the step size (the peak, with a schedule).
        epochs: passes over the training data per ``fit``.
        batch_size: samples per gradient step (1 is the classic tutorial's per-sample training).
        optimizer: ``"sgd"`` (plain gradient descent, the default), ``"momentum"``, ``"adam"`` or an Optimizer.
        schedule: ``None``, ``"cosine"`` or ``"one-cycle"``, over all the steps of a ``fit``.
        init: ``"auto"`` (He before relu, Xavier otherwise), ``"he"``, ``"xavier"`` or ``"uniform"`` (±0.5).
        seed: makes the initial weights, the shuffling and so the history reproducible.
        dtype: ``"float32"`` (fast, the default) or ``"float64"`` (gradient checks).
        threads: threads that share each batch in ``fit``; ``None`` splits batches of networks
            with convolutions over the BLAS threads, 1 never splits (see parallel.py).

    Example::

        net = (Network(learning_rate=0.1, epochs=3).add(FC(784, 100)).add(Activation("tanh"))
               .add(FC(100, 10)).add(Activation("softmax")).use("mse"))
        net.fit(x, y_onehot).predict(x_test)
    """

    def __init__(self, learning_rate: float = 0.1, epochs: int = 10, batch_size: int = 32,
                 optimizer: str | Optimizer = "sgd", schedule: str | None = None, init: str = "auto",
                 seed: int | None = None, dtype="float32", shuffle: bool = True, threads: int | None = None):
        self.learning_rate = _positive("learning_rate", learning_rate)
        self.epochs = _positive("epochs", epochs, int)
        self.batch_size = _positive("batch_size", batch_size, int)
        self.optimizer = get_optimizer(optimizer, self.learning_rate)
        if schedule not in (None, *SCHEDULES):
            raise ValueError(f"Unknown schedule {schedule!r}; expected one of {', '.join(SCHEDULES)}")
        if init not in INITIALIZERS:
            raise ValueError(f"Unknown init {init!r}; expected one of {', '.join(INITIALIZERS)}")
        self.schedule, self.init, self.seed, self.shuffle = schedule, init, seed, shuffle
        if threads is not None:
            threads = _positive("threads", threads, int)
        self.threads = threads
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.float32, np.float64):
            raise ValueError(f"dtype must be float32 or float64. Received: dtype={dtype!r}")
        seeds = np.random.SeedSequence(seed).spawn(2)
        self._init_rng, self._shuffle_rng = (np.random.default_rng(s) for s in seeds)
        self.layers: list[Layer] = []
        self.loss: Loss | None = None
        self.history: dict[str, list[float]] = {}
        self.epochs_trained = 0
        self.stop_training = False
        self.input_shape: Shape | None = None

    # -- building -------------------------------------------------------------
    def add(self, layer: Layer) -> Network:
        """Append ``layer``; raises ShapeError now if it cannot take the previous output."""
        if not isinstance(layer, Layer):
            raise TypeError(f"add() takes a layer such as FC(784, 10). Received: {layer!r}")
        rows = trace_shapes(self.layers + [layer], self.input_shape)
        if rows[-1].error:
            raise ShapeError(f"Layer {len(self.layers)} {rows[-1].error}")
        self.layers.append(layer)
        return self

    def use(self, loss: str | Loss) -> Network:
        """Set the loss: ``"mse"``, ``"cross_entropy"`` or a Loss object."""
        self.loss = get_loss(loss)
        return self

    def shapes(self, input_shape: Shape | None = None) -> list[LayerShape]:
        return trace_shapes(self.layers, input_shape or self.input_shape)

    def build(self, input_shape: Shape | None = None) -> Network:
        """Check every shape and create missing weights for one sample's ``input_shape``."""
        if not self.layers:
            raise ValueError("The network has no layers; add some with add(FC(...)) first")
        rows = self.shapes(input_shape)
        for row in rows:
            if row.error:
                raise ShapeError(f"Layer {row.index} {row.error}")
        if rows[-1].output_shape is None:
            raise ValueError("The input shape is unknown: give build() an input_shape or call fit()")
        self.input_shape = tuple(input_shape or self.input_shape or self.layers[0].input_shape)
        shape = self.input_shape
        trainable_before = False
        self._first_trainable = len(self.layers)
        for index, (layer, row) in enumerate(zip(self.layers, rows)):
            following = self.layers[index + 1] if index + 1 < len(self.layers) else None
            layer.build(shape, self._init_rng, self._init_for(following), self.dtype)
            # the error is only carried back as far as the first layer with parameters
            layer.needs_input_grad = trainable_before
            if layer.params() and not trainable_before:
                self._first_trainable = index
            trainable_before = trainable_before or bool(layer.params())
            shape = row.output_shape
        self.output_shape = shape
        return self

    def _init_for(self, following: Layer | None) -> str:
        if self.init != "auto":
            return self.init
        relu_like = isinstance(following, Activation) and following.name in ("relu", "leaky_relu")
        return "he" if relu_like else "xavier"

    # -- parameters -------------------------------------------------------------
    def params(self) -> list[np.ndarray]:
        return [p for layer in self.layers for p in layer.params()]

    def grads(self) -> list[np.ndarray]:
        return [g for layer in self.layers for g in layer.grads()]

    def count_params(self) -> int:
        return sum(layer.count_params() for layer in self.layers)

    def get_weights(self) -> list[list[np.ndarray]]:
        return [layer.get_weights() for layer in self.layers]

    def set_weights(self, weights: list[list[np.ndarray]]) -> Network:
        if len(weights) != len(self.layers):
            raise ValueError(f"set_weights needs one list per layer ({len(self.layers)}). Received: {len(weights)}")
        for layer, layer_weights in zip(self.layers, weights):
            layer.set_weights(layer_weights)
        return self

    # -- computation ------------------------------------------------------------
    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        for layer in self.layers:
            x = layer.forward(x, training)
        return x

    def _fused(self) -> bool:
        last = self.layers[-1]
        return isinstance(last, Activation) and last.name == "softmax" and isinstance(self.loss, CrossEntropy)

    def _output_error(self, output: np.ndarray, target: np.ndarray) -> tuple[np.ndarray, int]:
        """The error that starts backward, and the index of the layer it enters after."""
        if self._fused():
            return CrossEntropy.softmax_gradient(output, target), len(self.layers) - 1
        return self.loss.gradient(output, target), len(self.layers)

    def backward(self, output: np.ndarray, target: np.ndarray) -> None:
        """Fill every layer's gradients for the loss of ``output`` against ``target``."""
        error, end = self._output_error(output, target)
        for layer in reversed(self.layers[self._first_trainable:end]):
            error = layer.backward(error)

    def _workers(self, batch_size: int) -> int:
        if self.threads is not None:
            return max(1, min(self.threads, batch_size // 2))
        if not any(isinstance(layer, Convolution) for layer in self.layers):
            return 1  # dense layers are single matrix products, which BLAS already spreads
        return max(1, min(available_threads(), batch_size // MIN_SHARD))

    def _prepare(self, x, y=None):
        x = np.asarray(x, dtype=self.dtype)
        if x.ndim < 2:
            raise ValueError(f"x must hold a batch of samples, shape (N, ...). Received shape {x.shape}")
        if self.input_shape is None or not all(layer.built for layer in self.layers):
            self.build(x.shape[1:])
        elif x.shape[1:] != self.input_shape:
            raise ShapeError(f"The network takes samples of shape {self.input_shape}. Received: {x.shape[1:]}")
        return x, (None if y is None else self._targets(y, len(x)))

    def _targets(self, y, count: int) -> np.ndarray:
        """``y`` checked against ``count`` samples and the output, integer labels one-hot encoded."""
        y = np.asarray(y)
        if count != len(y):
            raise ValueError(f"x and y must have the same length. Received: len(x)={count}, len(y)={len(y)}")
        width = self.output_shape[-1] if self.output_shape else 1
        if y.ndim == 1 and np.issubdtype(y.dtype, np.integer) and width > 1:
            if y.min() < 0 or y.max() >= width:
                raise ValueError(f"Labels must be in [0, {width}). Received: labels from {y.min()} to {y.max()}")
            y = np.eye(width, dtype=self.dtype)[y]  # class labels, one-hot encoded here
        y = y.astype(self.dtype, copy=False)
        if y.shape[1:] != tuple(self.output_shape):
            raise ValueError(f"Targets must have shape (N, {', '.join(map(str, self.output_shape))}) to match "
                             f"the network's output. Received: {y.shape}")
        return y

    def predict(self, x, batch_size: int = PREDICT_BATCH) -> np.ndarray:
        """The network's output for every sample of ``x``, computed in batches."""
        x, _ = self._prepare(x)
        out = None
        for start in range(0, len(x), batch_size):
            batch = self.forward(x[start:start + batch_size], training=False)
            if out is None:
                out = np.empty((len(x),) + batch.shape[1:], dtype=batch.dtype)
            out[start:start + len(batch)] = batch
        return out if out is not None else np.empty((0,) + tuple(self.output_shape), dtype=self.dtype)

    def loss_value(self, output: np.ndarray, y) -> float:
        """The loss of outputs already predicted, against targets (one-hot or integer labels)."""
        self._require_loss()
        return self.loss.value(output, self._targets(y, len(output)))

    def evaluate(self, x, y, batch_size: int = PREDICT_BATCH) -> dict[str, float]:
        """Loss and (for several outputs) accuracy on ``x``, ``y``."""
        self._require_loss()
        x, y = self._prepare(x, y)
        out = self.predict(x, batch_size)
        result = {"loss": self.loss.value(out, y)}
        if out.shape[-1] > 1:
            result["accuracy"] = float(np.mean(out.argmax(axis=1) == y.argmax(axis=1)))
        return result

    def _require_loss(self):
        if self.loss is None:
            raise ValueError("No loss chosen: call use('mse') or use('cross_entropy') before fit()")

    # -- training -------------------------------------------------------------
    def fit(self, x, y, epochs: int | None = None, batch_size: int | None = None,
            validation_data=None, callbacks=None) -> Network:
        """Train on ``x`` and targets ``y`` (one-hot, or integer labels); returns self.

        ``self.history`` gains one entry per epoch under ``loss`` and ``accuracy``
        (``val_loss`` and ``val_accuracy`` with ``validation_data``). Training stops
        between batches when a callback sets ``network.stop_training``. A loss that
        turns NaN or infinite raises TrainingDiverged with the last finite weights kept.
        """
        self._require_loss()
        epochs = self.epochs if epochs is None else _positive("epochs", epochs, int)
        batch_size = self.batch_size if batch_size is None else _positive("batch_size", batch_size, int)
        x, y = self._prepare(x, y)
        if len(x) == 0:
            raise ValueError("fit() needs at least one sample. Received: 0")
        if validation_data is not None:
            validation_data = self._prepare(*validation_data)
        callbacks = CallbackList(callbacks, self)
        params, grads = self.params(), self.grads()
        labels = y.argmax(axis=1) if y.shape[-1] > 1 else None
        steps = math.ceil(len(x) / batch_size)
        total_steps = steps * epochs
        self.stop_training = False
        workers = self._workers(batch_size)
        self._sharded = ShardedSteps(self, workers) if workers > 1 else None
        callbacks.on_train_begin({"epochs": epochs, "steps": steps, "samples": len(x)})
        # overflow on the way to a NaN loss is expected: _diverged reports it with advice
        try:
            with np.errstate(over="ignore", invalid="ignore"):
                for epoch in range(epochs):
                    self._fit_epoch(epoch, x, y, labels, batch_size, steps, total_steps, params, grads,
                                    validation_data, callbacks)
                    if self.stop_training:
                        break
        finally:
            if self._sharded:
                self._sharded.close()
            callbacks.on_train_end(self.last_logs if self.history else {})
        return self

    def _fit_epoch(self, epoch, x, y, labels, batch_size, steps, total_steps, params, grads,
                   validation_data, callbacks):
        callbacks.on_epoch_begin(epoch, {"epochs_trained": self.epochs_trained})
        snapshot = [p.copy() for p in params]  # the finite weights to fall back on
        order = self._shuffle_rng.permutation(len(x)) if self.shuffle else None
        started = time.perf_counter()
        loss_sum, correct, seen = 0.0, 0, 0
        for batch in range(steps):
            index = slice(batch * batch_size, (batch + 1) * batch_size)
            if order is not None:
                index = order[index]  # a gathered copy of this batch; a slice is a free view
            xb, yb = x[index], y[index]
            sharded = self._sharded if self._sharded and len(xb) >= 2 * self._sharded.workers else None
            output = sharded.forward(xb) if sharded else self.forward(xb, training=True)
            loss = self.loss.value(output, yb)
            if not math.isfinite(loss):
                self._diverged(epoch, batch, loss, params, snapshot)
            if sharded:
                error, end = self._output_error(output, yb)
                sharded.backward(error, self._first_trainable, end)
            else:
                self.backward(output, yb)
            step = epoch * steps + batch
            self.optimizer.learning_rate = self.learning_rate * learning_rate_factor(self.schedule, step, total_steps)
            self.optimizer.step(params, grads)
            n = len(xb)
            loss_sum += loss * n
            seen += n
            logs = {"loss": loss, "size": n, "epoch": epoch, "batches": steps,
                    "learning_rate": self.optimizer.learning_rate}
            if labels is not None:
                hits = int(np.count_nonzero(output.argmax(axis=1) == labels[index]))
                correct += hits
                logs["accuracy"] = hits / n
            callbacks.on_batch_end(batch, logs)
            if self.stop_training:
                break
        seconds = time.perf_counter() - started
        logs = {"loss": loss_sum / seen}
        if labels is not None:
            logs["accuracy"] = correct / seen
        if validation_data is not None:
            logs.update({f"val_{k}": v for k, v in self.evaluate(*validation_data).items()})
        logs.update(seconds=seconds, samples_per_second=seen / seconds if seconds else float("inf"),
                    samples=seen, complete=seen == len(x))
        for key in ("loss", "accuracy", "val_loss", "val_accuracy", "seconds"):
            if key in logs:
                self.history.setdefault(key, []).append(logs[key])
        self.epochs_trained += 1
        self.last_logs = logs
        callbacks.on_epoch_end(epoch, logs)

    def _diverged(self, epoch, batch, loss, params, snapshot):
        if not all(np.all(np.isfinite(p)) for p in params):
            for param, saved in zip(params, snapshot):
                param[...] = saved
        raise TrainingDiverged(
            f"Training stopped at epoch {epoch + 1}, batch {batch + 1}: the loss became {loss}. "
            f"The learning rate {self.learning_rate:g} is probably too large; try a smaller one, "
            f"such as {self.learning_rate / 10:g}. The layers keep their last finite weights."
        )

    # -- display ------------------------------------------------------------------
    def summary(self, input_shape: Shape | None = None) -> str:
        """A table of each layer's output shape and parameter count, and the total."""
        rows = self.shapes(input_shape)
        lines = [f"{'Layer':<32}{'Output shape':<20}{'Params':>12}", "-" * 64]
        for row in rows:
            shape = str(row.output_shape) if row.output_shape else (row.error or "?")
            lines.append(f"{row.index:>2} {row.layer!r:<29}{shape:<20}{row.params:>12,}")
        lines += ["-" * 64, f"Total params: {sum(r.params for r in rows):,}"]
        if self.loss is not None:
            lines.append(f"Loss: {self.loss.name}   Optimizer: {self.optimizer.name}   "
                         f"Learning rate: {self.learning_rate:g}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"Network({', '.join(repr(layer) for layer in self.layers)})"
