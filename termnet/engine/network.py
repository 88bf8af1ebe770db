"""Network: a stack of layers, a loss and an optimizer, trained by mini-batches."""

from __future__ import annotations

import math
import time

import numpy as np

from . import conv_pool, flat, fusion, parallel
from .activation import Activation
from .callbacks import CallbackList
from .convolution import Convolution
from .initializers import INITIALIZERS
from .layer import Layer, Shape, ShapeError
from .losses import CrossEntropy, Loss, get_loss
from .memory import TooLargeError, check_memory, format_bytes, memory_limit
from .optimizers import Optimizer, get_optimizer
from .parallel import MIN_SHARD, available_threads
from .schedules import SCHEDULES, learning_rate_factor
from .shapes import LayerShape, trace_shapes

__all__ = ["LayerShape", "Network", "TrainingDiverged", "trace_shapes"]  # shape tracing lives in shapes.py

PREDICT_BATCH = 512
DEFAULT_LEARNING_RATE = 0.1
#: Weights beyond this size are taken as the run's divergence under way, even while the loss is still finite:
#: a network with weights of 1e27 predicts NaN, so they are never the ones kept after TrainingDiverged.
MAX_SANE_WEIGHT = 1e6


class TrainingDiverged(ArithmeticError):
    """The loss became NaN or infinite; the layers went back to the weights of the epoch's start (or the fit's)."""


def _non_finite_problem(name: str, array: np.ndarray) -> str | None:
    """Why ``array`` cannot be learned from (NaN or infinite values, and where the first is), or None.

    A NaN or an infinity makes any sum of the values (or of their squares) non-finite, so a finite one
    proves them all finite: the common case costs one pass and no temporary array. It is paid at every fit,
    so the quickest comes first: a contiguous, aligned float32/float64 array's dot product with itself (BLAS),
    otherwise a sum in its own dtype (for 12,800 MNIST images: 1.4, 2.1 and, in float64, 4.3 ms); only if that
    overflows, a sum in float64 (which float32 and smaller cannot overflow), and only a failure looks for the
    position.
    """
    if array.size == 0 or not np.issubdtype(array.dtype, np.floating):
        return None
    with np.errstate(over="ignore", invalid="ignore"):  # an overflowing sum, or inf - inf, is a finding here
        # (aligned too: NumPy hands BLAS a copy of an unaligned operand, from np.frombuffer at an odd offset)
        if array.dtype in (np.float32, np.float64) and array.flags.c_contiguous and array.flags.aligned:
            flat = array.reshape(-1)
            quick = np.dot(flat, flat)
        else:
            quick = np.add.reduce(array, axis=None)
        if np.isfinite(quick) or np.isfinite(np.sum(array, dtype=np.float64)):
            return None
    bad = ~np.isfinite(array)
    if not bad.any():  # float64 values whose sum overflowed, every one finite
        return None
    first = int(np.flatnonzero(bad.reshape(len(array), -1).any(axis=1))[0]) if array.ndim else 0
    return (f"{name} holds {int(bad.sum()):,} NaN or infinite value(s), the first in sample {first}: "
            f"a network cannot learn from or predict them; fill or drop those samples. "
            f"Received: {name} with non-finite values")


def _positive(name: str, value, kind=float):
    ok = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)
    if kind is int:
        ok = ok and float(value).is_integer()
    if not ok or not math.isfinite(value) or value <= 0:
        what = "integer" if kind is int else "number"
        raise ValueError(f"{name} must be a positive {what}. Received: {name}={value!r}")
    return kind(value)


def _share(name: str, value) -> float:
    """A fraction in [0, 1), for ``validation_split``."""
    ok = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)
    if not ok or not 0 <= value < 1:  # NaN fails the comparison too
        raise ValueError(f"{name} must be a number in [0, 1). Received: {name}={value!r}")
    return float(value)


def _count(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _generator(state, current: np.random.Generator) -> np.random.Generator:
    """A generator of ``current``'s kind set to ``state`` (a bit generator's ``state`` dict), checked."""
    kind = type(current.bit_generator)
    problem = f"training_state: shuffle_rng must be a {kind.__name__} state. Received: {state!r:.80}"
    if not isinstance(state, dict) or state.get("bit_generator") != kind.__name__:
        raise ValueError(problem)
    inner = state.get("state")
    if not isinstance(inner, dict) or not all(_count(v) for v in inner.values()) or not inner:
        raise ValueError(problem)
    bit_generator = kind()
    try:
        bit_generator.state = state
    except (TypeError, ValueError, KeyError, OverflowError):
        raise ValueError(problem) from None
    return np.random.Generator(bit_generator)


class Network:
    """A feed-forward network.

    Args:
        learning_rate: the base step size (the peak, with a schedule); default 0.1. It has one owner, the
            optimizer: with a named optimizer the network creates it at this rate; an Optimizer object keeps
            its own rate, and ``learning_rate`` may then be left out (``network.learning_rate`` reports the
            optimizer's). An Optimizer object with a different explicit ``learning_rate`` is refused, since
            one of the two would be silently ignored. Setting ``network.learning_rate`` sets the optimizer's.
        epochs: passes over the training data per ``fit``.
        batch_size: samples per gradient step (1 is the classic tutorial's per-sample training).
        optimizer: ``"sgd"`` (plain gradient descent, the default), ``"momentum"``, ``"adam"`` or an Optimizer.
        schedule: ``None``, ``"cosine"`` or ``"one-cycle"``: a factor on the base learning rate at each step,
            planned over the steps of the ``fit`` that starts it (its epochs times its batches per epoch).
            Later fits, and a network loaded from a file, continue from the step reached: an interrupted
            plan goes on where it stopped, and steps past its end keep its final factor (as Keras's
            schedules do), so resuming never restarts the warmup. ``schedule_step`` and ``schedule_steps``
            say where the plan stands.
        init: ``"auto"`` (He before relu, Xavier otherwise), ``"he"``, ``"xavier"`` or ``"uniform"`` (±0.5).
        seed: makes the initial weights, the shuffling, the validation split and so the history reproducible.
        dtype: ``"float32"`` (fast, the default) or ``"float64"`` (gradient checks).
        threads: cores that share each batch in ``fit``, in helper processes (or threads where layers
            cannot go to a helper); ``None`` splits batches of networks with convolutions over the BLAS
            threads, except in threads when every convolution runs fused with a relu and 2x2 max pooling
            (their matrix products then use BLAS's threads); 1 never splits (see parallel.py).

    Example::

        net = (Network(learning_rate=0.1, epochs=3).add(FC(784, 100)).add(Activation("tanh"))
               .add(FC(100, 10)).add(Activation("softmax")).use("mse"))
        net.fit(x, y_onehot).predict(x_test)
    """

    def __init__(self, learning_rate: float | None = None, epochs: int = 10, batch_size: int = 32,
                 optimizer: str | Optimizer = "sgd", schedule: str | None = None, init: str = "auto",
                 seed: int | None = None, dtype="float32", shuffle: bool = True, threads: int | None = None):
        if learning_rate is not None:
            learning_rate = _positive("learning_rate", learning_rate)
        if isinstance(optimizer, Optimizer):
            if learning_rate is not None and learning_rate != optimizer.learning_rate:
                raise ValueError(f"learning_rate={learning_rate!r} and optimizer={optimizer!r} disagree: an "
                                 f"Optimizer object keeps its own learning rate, so give the rate to one of them")
            self.optimizer = optimizer
        else:
            self.optimizer = get_optimizer(optimizer, DEFAULT_LEARNING_RATE if learning_rate is None else learning_rate)
        self.epochs = _positive("epochs", epochs, int)
        self.batch_size = _positive("batch_size", batch_size, int)
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
        self._seed_sequence = np.random.SeedSequence(seed)
        # children 0 and 1 as before (weights, shuffling); the validation split is child 2
        seeds = self._seed_sequence.spawn(3)
        self._init_rng, self._shuffle_rng = (np.random.default_rng(s) for s in seeds[:2])
        self._split_seed = seeds[2]
        self.layers: list[Layer] = []
        self.loss: Loss | None = None
        self.history: dict[str, list[float]] = {}
        self.epochs_trained = 0
        self.schedule_step = 0  # steps taken along the schedule's plan
        self.schedule_steps: int | None = None  # the plan's length, fixed by the fit that starts it
        self.validation_split = 0.0  # the share the latest fit held out (saved, so a resumed fit can hold it out too)
        self.stop_training = False
        self.last_logs: dict = {}
        self.input_shape: Shape | None = None
        self.first_trainable = 0
        # a fit's own (Network._begin_steps): its split steps, flat weights and gradients, and fused steps
        self._sharded = self._flat = self._spans = None

    @property
    def learning_rate(self) -> float:
        """The base learning rate, which the optimizer owns (a schedule scales it at each step)."""
        return self.optimizer.learning_rate

    @learning_rate.setter
    def learning_rate(self, value: float) -> None:
        self.optimizer.learning_rate = _positive("learning_rate", value)

    # -- building -------------------------------------------------------------
    def add(self, layer: Layer) -> Network:
        """Append ``layer``; raises ShapeError now if it cannot take the previous output."""
        if not isinstance(layer, Layer):
            raise TypeError(f"add() takes a layer such as FC(784, 10). Received: {layer!r}")
        rows = trace_shapes(self.layers + [layer], self.input_shape)
        if rows[-1].error:
            raise ShapeError(f"Layer {len(self.layers)} {rows[-1].error}")
        if rows[-1].output_shape is not None:  # refused now, from shapes alone, before build allocates anything
            self._check_memory(self.layers + [layer], self.input_shape, self.batch_size)
        else:  # the input shape is not known yet (build checks the rest): the weights a layer fixes by itself
            need = layer.count_params(None) * self.dtype.itemsize
            if need > memory_limit():
                raise TooLargeError(f"layer {len(self.layers)} {layer!r} would need {format_bytes(need)} for its "
                                    f"weights; this machine has {format_bytes(memory_limit())}")
        self.layers.append(layer)
        return self

    def _check_memory(self, layers: list[Layer], input_shape: Shape | None, batch_size: int) -> None:
        """TooLargeError (a ValueError) naming the size needed, when ``layers`` would not fit in memory."""
        check_memory(layers, input_shape, batch_size, self.dtype, self.optimizer.name)

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
        shape = tuple(input_shape or self.input_shape or self.layers[0].input_shape)
        self._check_memory(self.layers, shape, self.batch_size)
        self.input_shape = shape
        trainable_before = False
        self.first_trainable = len(self.layers)
        for index, (layer, row) in enumerate(zip(self.layers, rows)):
            following = self.layers[index + 1] if index + 1 < len(self.layers) else None
            layer.build(shape, self._init_rng, self._init_for(following), self.dtype)
            # the error is only carried back as far as the first layer with parameters
            layer.needs_input_grad = trainable_before
            if layer.params() and not trainable_before:
                self.first_trainable = index
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
        """Every layer's forward in turn (a relu before max pooling fused with it, see fusion.py)."""
        return fusion.forward(self.layers, x, training, self._spans)

    def _fused(self) -> bool:
        last = self.layers[-1]
        return isinstance(last, Activation) and last.name == "softmax" and isinstance(self.loss, CrossEntropy)

    def output_error(self, output: np.ndarray, target: np.ndarray) -> tuple[np.ndarray, int]:
        """The error that starts backward, and the index of the layer it enters after."""
        if self._fused():
            return CrossEntropy.softmax_gradient(output, target), len(self.layers) - 1
        return self.loss.gradient(output, target), len(self.layers)

    def backward(self, output: np.ndarray, target: np.ndarray) -> None:
        """Fill every layer's gradients for the loss of ``output`` against ``target``."""
        error, end = self.output_error(output, target)
        fusion.backward(self.layers, error, self.first_trainable, end)

    def gradients(self, x: np.ndarray, target: np.ndarray, total: int | None = None) -> np.ndarray:
        """A training step's forward and backward for the batch ``x``, filling every layer's gradients; the
        output. ``x`` may be rows of a batch of ``total`` samples split over cores: the gradients are then
        that share of the whole batch's (a loss is a mean over samples), and the shares' gradients sum to it."""
        output = self.forward(x, training=True)
        error, end = self.output_error(output, target)
        if total is not None and total != len(x):
            error *= len(x) / total
        fusion.backward(self.layers, error, self.first_trainable, end)
        return output

    def _workers(self, batch_size: int) -> int:
        if not all(layer.shardable for layer in self.layers):
            return 1  # BatchNorm's statistics are the whole batch's: not split over threads (see Layer.shardable)
        if self.threads is not None:
            return max(1, min(self.threads, batch_size // 2))
        convolutions = [i for i, layer in enumerate(self.layers) if isinstance(layer, Convolution)]
        if not convolutions:
            return 1  # dense layers are single matrix products, which BLAS already spreads
        from . import processes  # only for a fit that may split: not among the first screen's imports

        helpers = processes.usable(self.layers, self.loss)
        if not self.threads_help() and not helpers:
            return 1
        smallest = processes.MIN_SHARE if helpers else MIN_SHARD
        return max(1, min(available_threads(), batch_size // smallest))

    def threads_help(self) -> bool:
        """Whether splitting batches over threads trains faster than one thread with BLAS's threads: not when
        every convolution is one matrix product with its relu and pooling (conv_pool.py), most of the step,
        which BLAS spreads. Measured, the reference CNN on 2 threads: 3.95 ms a batch of 64 with BLAS's, 4.72
        in two thread shards (5.40 on one). Helper processes do not share the GIL: 3.8-4.1 ms (processes.py)."""
        if self.threads is not None:
            return True
        return not all(conv_pool.fuses(*self.layers[i:i + 3])
                       for i, layer in enumerate(self.layers) if isinstance(layer, Convolution))

    def prepare(self, x, y=None):
        """``x`` as an array of the network's dtype (building the network for its sample shape if need be)
        and ``y`` as checked targets (integer labels one-hot encoded), or None without ``y``."""
        if x is None:
            raise ValueError("x must hold a batch of samples, shape (N, ...). Received: x=None")
        try:
            x = np.asarray(x, dtype=self.dtype)
        except (TypeError, ValueError) as error:  # ragged lists, strings, objects
            raise ValueError(f"x must be an array of numbers. Received: {type(x).__name__} ({error})") from None
        if x.ndim < 2:
            raise ValueError(f"x must hold a batch of samples, shape (N, ...). Received shape {x.shape}")
        if (problem := _non_finite_problem("x", x)) is not None:
            raise ValueError(problem)
        if self.input_shape is None or not all(layer.built for layer in self.layers):
            self.build(x.shape[1:])
        elif x.shape[1:] != self.input_shape:
            raise ShapeError(f"The network takes samples of shape {self.input_shape}. Received: {x.shape[1:]}")
        return x, (None if y is None else self._targets(y, len(x)))

    def _targets(self, y, count: int) -> np.ndarray:
        """``y`` checked against ``count`` samples and the output, integer labels one-hot encoded."""
        if y is None:
            raise ValueError("Targets are missing: give y, one-hot rows or integer labels. Received: y=None")
        try:
            y = np.asarray(y)
        except (TypeError, ValueError) as error:
            raise ValueError(f"y must be an array of numbers. Received: {type(y).__name__} ({error})") from None
        if y.ndim == 0 or not (np.issubdtype(y.dtype, np.number) or y.dtype == bool):
            raise ValueError(f"y must be an array of numbers, one row or label per sample. "
                             f"Received: shape {y.shape}, dtype {y.dtype}")
        if count != len(y):
            raise ValueError(f"x and y must have the same length. Received: len(x)={count}, len(y)={len(y)}")
        width = self.output_shape[-1] if self.output_shape else 1
        if y.ndim == 1 and np.issubdtype(y.dtype, np.integer) and width > 1 and len(y):
            if y.min() < 0 or y.max() >= width:
                raise ValueError(f"Labels must be in [0, {width}). Received: labels from {y.min()} to {y.max()}")
            y = np.eye(width, dtype=self.dtype)[y]  # class labels, one-hot encoded here
        if (problem := _non_finite_problem("y", y)) is not None:
            raise ValueError(problem)
        y = y.astype(self.dtype, copy=False)
        if y.shape[1:] != tuple(self.output_shape):
            raise ValueError(f"Targets must have shape (N, {', '.join(map(str, self.output_shape))}) to match "
                             f"the network's output. Received: {y.shape}")
        return y

    def predict(self, x, batch_size: int = PREDICT_BATCH) -> np.ndarray:
        """The network's output for every sample of ``x``, computed in batches."""
        batch_size = _positive("batch_size", batch_size, int)
        x, _ = self.prepare(x)
        out = None
        for start in range(0, len(x), batch_size):
            batch = self.forward(x[start:start + batch_size], training=False)
            if out is None:
                out = np.empty((len(x),) + batch.shape[1:], dtype=batch.dtype)
            out[start:start + len(batch)] = batch
        return out if out is not None else np.empty((0,) + tuple(self.output_shape), dtype=self.dtype)

    def loss_value(self, output: np.ndarray, y) -> float:
        """The loss of outputs already predicted, against targets (one-hot or integer labels)."""
        self.require_loss()
        return self.loss.value(output, self._targets(y, len(output)))

    def evaluate(self, x, y, batch_size: int = PREDICT_BATCH) -> dict[str, float]:
        """Loss and (for several outputs) accuracy on ``x``, ``y``."""
        self.require_loss()
        if y is None:
            raise ValueError("evaluate() needs targets y, one-hot rows or integer labels. Received: y=None")
        batch_size = _positive("batch_size", batch_size, int)
        x, y = self.prepare(x, y)
        if len(x) == 0:
            raise ValueError("evaluate() needs at least one sample. Received: x with 0 samples")
        out = self.predict(x, batch_size)
        result = {"loss": self.loss.value(out, y)}
        if out.shape[-1] > 1:
            result["accuracy"] = float(np.mean(out.argmax(axis=1) == y.argmax(axis=1)))
        return result

    def require_loss(self) -> None:
        """Raise a ValueError that says how to choose a loss, when none is chosen."""
        if self.loss is None:
            raise ValueError("No loss chosen: call use('mse') or use('cross_entropy') before fit()")

    # -- training -------------------------------------------------------------
    def fit(self, x, y, epochs: int | None = None, batch_size: int | None = None,
            validation_data=None, callbacks=None, validation_split: float = 0.0, augment=None) -> Network:
        """Train on ``x`` and targets ``y`` (one-hot, or integer labels); returns self.

        ``self.history`` gains one entry per epoch under ``loss`` and ``accuracy``, and
        ``val_loss`` and ``val_accuracy`` on validation data: ``validation_data=(x_val, y_val)``,
        or ``validation_split``, a share of ``x`` held out and never trained on (chosen at
        random with the network's seed before any shuffling, so the same seed and the same
        number of samples always hold out the same ones, also after saving and loading).
        Training stops between batches when a callback sets ``network.stop_training``. A
        loss that turns NaN or infinite raises TrainingDiverged, the layers back at the weights of the
        epoch's start (or, if those predict NaN too, of the fit's start), which predict finite numbers.
        NaN or infinite values in ``x`` or ``y`` are refused with a ValueError before training starts.
        ``augment`` (an ``Augmentation``, see augment.py, or None) changes each training batch before its
        step, in this thread (so the sharded threads get the changed batch); validation images never are.
        """
        self.require_loss()
        epochs = self.epochs if epochs is None else _positive("epochs", epochs, int)
        batch_size = self.batch_size if batch_size is None else _positive("batch_size", batch_size, int)
        validation_split = _share("validation_split", validation_split)
        if validation_split and validation_data is not None:
            raise ValueError("Give validation_data or validation_split, not both. "
                             f"Received: validation_split={validation_split!r} and validation_data")
        if y is None:
            raise ValueError("fit() needs targets y, one-hot rows or integer labels. Received: y=None")
        if validation_data is not None and (not isinstance(validation_data, (tuple, list))
                                            or len(validation_data) != 2):
            got = f"a {len(validation_data)}-tuple" if isinstance(validation_data, (tuple, list)) else \
                type(validation_data).__name__
            raise ValueError(f"validation_data must be a pair (x_val, y_val). Received: {got}")
        if hasattr(x, "__len__") and len(x) == 0:
            raise ValueError(f"fit() needs at least one sample. Received: x of shape {np.shape(x)}")
        x, y = self.prepare(x, y)
        if augment is not None:
            augment.check(x.shape[1:])
        self._augment = augment
        self._check_memory(self.layers, self.input_shape, batch_size)
        positions = None  # the rows trained on, when some are held out: batches gather them from x
        if validation_split:
            positions, held_out = self.split_validation(len(x), validation_split)
            validation_data = (x[held_out], y[held_out])
        elif validation_data is not None:
            validation_data = self.prepare(*validation_data)
            if len(validation_data[0]) == 0:
                raise ValueError("validation_data holds no sample. Received: x_val of 0 samples")
        count = len(x) if positions is None else len(positions)
        self.validation_split = validation_split
        callbacks = CallbackList(callbacks, self)
        labels = y.argmax(axis=1) if y.shape[-1] > 1 else None
        steps = math.ceil(count / batch_size)
        if self.schedule and self.schedule_steps is None:
            self.schedule_steps, self.schedule_step = steps * epochs, 0  # this fit's steps are the plan
        self.stop_training = False
        self.last_logs = {}
        try:  # Ctrl+C while a helper starts, or a callback's error: nothing of the fit's set-up stays behind
            params, grads = self._begin_steps(batch_size)
            self._fit_start = [p.copy() for p in params]  # what a divergence falls back on if the epoch's start is bad
            callbacks.on_train_begin({"epochs": epochs, "steps": steps, "samples": count})
        except BaseException:
            self._end_steps()
            self._augment = None
            raise
        # overflow on the way to a NaN loss is expected: _diverged reports it with advice
        try:
            with np.errstate(over="ignore", invalid="ignore"):
                for epoch in range(epochs):
                    self._fit_epoch(epoch, x, y, labels, positions, batch_size, steps, params, grads,
                                    validation_data, callbacks)
                    if self.stop_training:
                        break
        finally:
            self._end_steps()
            self._augment = None
            callbacks.on_train_end(self.last_logs)
        return self

    def _begin_steps(self, batch_size: int) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Set up a fit's steps: step buffers, weights and gradients in flat arrays (flat.py), the batch split
        over cores if it helps (parallel.py); the weights and gradients, as the optimizer gets them."""
        for layer in self.layers:  # each step reuses the arrays of the one before; the fit's end frees them
            layer.buffers = {}
        self._flat = flat.flatten_layers(self.layers)  # before any replica or helper shares the layers' arrays
        self._spans = fusion.steps(self.layers)  # the layers cannot change during the fit: its steps are known
        workers = self._workers(batch_size)
        self._sharded = parallel.split_steps(self, workers, batch_size) if workers > 1 else None
        self._flat = getattr(self._sharded, "flat", self._flat)  # a helper's: the weights in shared memory
        return self.params(), self.grads()

    def _end_steps(self) -> None:
        for layer in self.layers:
            layer.buffers = None
        sharded, self._sharded = self._sharded, None
        if sharded:
            sharded.close()
            if getattr(sharded, "flat", None) is not None:
                # the weights lived in memory shared with a helper: back in arrays of their own (a fork of this
                # process would share, not copy, that memory)
                flat.flatten_layers(self.layers)
        self._flat = self._spans = None

    def split_validation(self, count: int, validation_split: float) -> tuple[np.ndarray, np.ndarray]:
        """The rows trained on and the rows held out when ``validation_split`` of ``count`` samples are.

        Both in ascending order. The held-out rows are a random ``round(count * validation_split)``
        of them, drawn from the network's seed alone: the same seed and count give the same split.
        """
        validation_split = _share("validation_split", validation_split)
        held = round(count * validation_split)
        if held == 0:
            raise ValueError(f"validation_split={validation_split!r} holds out no sample of {count}; "
                             f"use a larger share or validation_split=0")
        if held >= count:
            raise ValueError(f"validation_split={validation_split!r} of {count} samples leaves no sample to train on")
        held_out = np.zeros(count, dtype=bool)
        held_out[np.random.default_rng(self._split_seed).permutation(count)[:held]] = True
        return np.flatnonzero(~held_out), np.flatnonzero(held_out)

    def _fit_epoch(self, epoch, x, y, labels, positions, batch_size, steps, params, grads,
                   validation_data, callbacks):
        callbacks.on_epoch_begin(epoch, {"epochs_trained": self.epochs_trained})
        snapshot = [p.copy() for p in params]  # the weights a divergence in this epoch goes back to
        count = len(x) if positions is None else len(positions)
        order = positions
        if self.shuffle:
            order = self._shuffle_rng.permutation(count)
            if positions is not None:
                order = positions[order]
        optimizer, schedule, plan = self.optimizer, self.schedule, self.schedule_steps
        started = time.perf_counter()
        loss_sum, correct, seen = 0.0, 0, 0
        for batch in range(steps):
            index = slice(batch * batch_size, (batch + 1) * batch_size)
            if order is not None:
                index = order[index]  # a gathered copy of this batch; a slice is a free view
            xb, yb = x[index], y[index]
            if self._augment is not None:  # training batches only: validation_data is evaluated untouched
                xb = self._augment(xb)
            sharded = self._sharded if self._sharded and len(xb) >= 2 * self._sharded.workers else None
            output = sharded.train_step(xb, yb) if sharded else self.gradients(xb, yb)
            loss = self.loss.value(output, yb)
            if not math.isfinite(loss):  # before any weight changes (the gradients are thrown away)
                self._diverged(epoch, batch, loss, params, snapshot, xb)
            factor = 1.0
            if schedule:  # past the plan's end, the final factor
                factor = learning_rate_factor(schedule, min(self.schedule_step, plan - 1), plan)
                self.schedule_step += 1
            optimizer.step(params, grads, factor, self._flat)
            n = len(xb)
            loss_sum += loss * n
            seen += n
            logs = {"loss": loss, "size": n, "epoch": epoch, "batches": steps,
                    "learning_rate": optimizer.step_learning_rate}
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
                    samples=seen, complete=seen == count)
        for key in ("loss", "accuracy", "val_loss", "val_accuracy", "seconds"):
            if key in logs:
                self.history.setdefault(key, []).append(logs[key])
        self.epochs_trained += 1
        self.last_logs = logs
        callbacks.on_epoch_end(epoch, logs)

    # -- resuming -------------------------------------------------------------------
    def training_state(self) -> dict:
        """What continuing to train needs beyond the weights and the optimizer, JSON-friendly: the
        shuffling generator's state, the schedule's position and plan, the validation split of the
        latest fit and the seed's entropy (which draws the split when there is no seed)."""
        return {"shuffle_rng": self._shuffle_rng.bit_generator.state, "schedule_step": self.schedule_step,
                "schedule_steps": self.schedule_steps, "validation_split": self.validation_split,
                "seed_entropy": self._seed_sequence.entropy}

    def load_training_state(self, state: dict) -> None:
        """Continue from ``training_state()``'s dict; a ValueError names the first bad entry."""
        if not isinstance(state, dict):
            raise ValueError(f"training_state must be a mapping. Received: {state!r:.60}")
        step, steps = state.get("schedule_step", 0), state.get("schedule_steps")
        if not _count(step):
            raise ValueError(f"training_state: schedule_step must be a whole number >= 0. Received: {step!r:.60}")
        if steps is not None and not (_count(steps) and steps > 0):
            raise ValueError(f"training_state: schedule_steps must be a positive whole number. "
                             f"Received: {steps!r:.60}")
        split = _share("training_state: validation_split", state.get("validation_split", 0.0))
        entropy = state.get("seed_entropy")
        if entropy is not None and self.seed is None:
            if not _count(entropy):
                raise ValueError(f"training_state: seed_entropy must be a whole number >= 0. "
                                 f"Received: {entropy!r:.60}")
            self._seed_sequence = np.random.SeedSequence(entropy)
            self._split_seed = self._seed_sequence.spawn(3)[2]
        if "shuffle_rng" in state:
            self._shuffle_rng = _generator(state["shuffle_rng"], self._shuffle_rng)
        self.schedule_step, self.schedule_steps, self.validation_split = step, steps, split

    def _diverged(self, epoch, batch, loss, params, snapshot, xb):
        """Go back to weights that predict finite numbers, then raise TrainingDiverged with advice.

        The weights of the step that gave the NaN loss are never kept, nor are "finite" ones of 1e27 (which
        predict NaN): first the epoch's starting weights are tried, then those this fit started from; each
        must be finite, below MAX_SANE_WEIGHT and give finite outputs for the batch that diverged.
        """
        kept = "the weights they had before this fit"
        for saved, where in ((snapshot, f"the weights they had at the start of epoch {epoch + 1}"),
                             (self._fit_start, kept)):
            for param, value in zip(params, saved):
                param[...] = value
            if self._sane(params, xb):
                kept = where
                break
        raise TrainingDiverged(
            f"Training stopped at epoch {epoch + 1}, batch {batch + 1}: the loss became {loss}. "
            f"The learning rate {self.learning_rate:g} is probably too large; try a smaller one, "
            f"such as {self.learning_rate / 10:g}. The layers keep {kept}."
        )

    def _sane(self, params, xb) -> bool:
        """Finite weights below MAX_SANE_WEIGHT whose outputs for ``xb`` are finite."""
        if not all(p.size == 0 or float(np.max(np.abs(p))) <= MAX_SANE_WEIGHT for p in params):
            return False  # NaN fails the comparison too
        return bool(np.all(np.isfinite(self.forward(xb, training=False))))

    # -- display ------------------------------------------------------------------
    def __getstate__(self) -> dict:
        # a fit's split steps (helper processes' sockets, a thread pool) are that fit's: a copy never carries them
        state = self.__dict__.copy()
        for name in ("_sharded", "_flat", "_spans"):
            if name in state:
                state[name] = None
        return state

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
