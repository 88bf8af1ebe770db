"""The layer contract every part of a network follows.

A layer maps a batch to a batch. ``forward(x)`` keeps what ``backward`` needs;
``backward(output_error)`` fills the gradients of the layer's parameters and
returns the error with respect to its input, so the error travels from the loss
back to the first layer. Given a ``learning_rate``, ``backward`` also takes the
plain gradient-descent step itself, which is the classic tutorial's contract;
inside a ``Network`` an optimizer takes that step instead.
"""

from __future__ import annotations

import copy
import math
from typing import Any

import numpy as np

from .fields import Field

Shape = tuple[int, ...]

#: Smaller arrays are not kept between steps: the allocator recycles them at no cost (larger ones it
#: maps afresh, and their first touch faults every page in).
MIN_BUFFER_BYTES = 128 * 1024


class ShapeError(ValueError):
    """A layer was given an input whose shape it cannot take."""


class Layer:
    """Base class: a layer without parameters that passes shapes through.

    A layer describes its constructor's arguments once, as data, in ``fields``
    (see ``fields.py``), in the constructor's order, each kept in an attribute of
    the same name. Its ``config()``, default ``repr``, the code ``export-code``
    writes, the dashboard's form and labels, and the checks on a spec's keys all
    come from there. ``label`` and ``short_label`` may be overridden for a more
    compact text; they are given a config, so they work on a spec's description too.
    """

    #: The constructor's arguments, in its order.
    fields: tuple[Field, ...] = ()

    #: False for the first layer of a network: its input error is never used,
    #: so layers that can skip computing it (FC, Convolution) do.
    needs_input_grad: bool = True

    #: Arrays reused from one training step to the next, by name (for one shape, dtype and layout); None (a layer
    #: called alone) makes every call allocate afresh. A network hands each layer an empty dict for the
    #: length of a fit and takes it back after; a copy or a thread's replica never shares it. Only what a
    #: training forward keeps for backward (im2col matrices, outputs) lives here: those live through the
    #: whole step anyway, so reusing them saves the page faults of fresh multi-megabyte arrays without
    #: growing the step's memory. Backward's short-lived temporaries stay fresh: the allocator hands back
    #: memory just freed, still in cache, which measured as fast as any buffer of their own.
    buffers: dict | None = None

    #: False for a layer whose training forward needs the whole batch at once (BatchNorm's batch statistics):
    #: a network holding one trains on one thread instead of splitting batches (see parallel.py).
    shardable: bool = True

    def forward(self, x: np.ndarray, training: bool = True) -> np.ndarray:
        raise NotImplementedError

    def backward(self, output_error: np.ndarray, learning_rate: float | None = None) -> np.ndarray:
        raise NotImplementedError

    # -- shapes -------------------------------------------------------------
    def output_shape(self, input_shape: Shape) -> Shape:
        """The shape of one sample's output, given one sample's input shape."""
        return tuple(input_shape)

    @property
    def input_shape(self) -> Shape | None:
        """The per-sample input shape this layer fixes by itself, if any."""
        return None

    # -- parameters ---------------------------------------------------------
    def build(self, input_shape: Shape, rng: np.random.Generator, init: str, dtype) -> None:
        """Create parameters for ``input_shape`` unless they already exist."""

    @property
    def built(self) -> bool:
        return True

    def params(self) -> list[np.ndarray]:
        """The trainable arrays, updated in place by optimizers."""
        return []

    def grads(self) -> list[np.ndarray]:
        """The gradients of ``params()``, same order, filled by ``backward``."""
        return []

    def get_weights(self) -> list[np.ndarray]:
        return [p.copy() for p in self.params()]

    def set_weights(self, weights: list[np.ndarray]) -> None:
        if weights:
            raise ValueError(f"{self!r} has no weights. Received: {len(weights)} arrays")

    def count_params(self, input_shape: Shape | None = None) -> int:
        """Trainable numbers: those held, or, before ``build``, those it would make for ``input_shape``."""
        return int(sum(p.size for p in self.params()))

    # -- state: arrays a model file keeps beside the weights, never trained by an optimizer ---------------
    def state(self) -> list[np.ndarray]:
        """Arrays that are not weights but belong in a model file (BatchNorm's running statistics)."""
        return []

    def load_state(self, arrays: list[np.ndarray]) -> None:
        """Take back ``state()``'s arrays (a loaded model's), checked; called after ``build``."""
        if arrays:
            raise ValueError(f"{self!r} keeps no state beside its weights. Received: {len(arrays)} arrays")

    def count_state(self, input_shape: Shape | None = None) -> int:
        """How many numbers ``state()`` holds for ``input_shape``: a model file's sizes are checked against it."""
        return int(sum(a.size for a in self.state()))

    def follow(self, original: Layer, start: int) -> None:
        """Called on a data-parallel replica, in the main thread, before each split batch's forward: its
        shard starts at sample ``start`` of the batch that ``original`` (stack 0) also takes part in. A
        layer that draws per-sample randomness (Dropout) takes its position from here, so that the
        numbers drawn do not depend on how the batch is split or on thread timing."""

    def apply_gradients(self, learning_rate: float) -> None:
        """Plain gradient descent on this layer's own parameters."""
        for param, grad in zip(self.params(), self.grads()):
            param -= learning_rate * grad

    # -- description: everything below comes from ``fields`` -----------------------
    def config(self) -> dict:
        """Constructor arguments, JSON-friendly, to rebuild this layer (``type(self).from_config``)."""
        config = {field.name: field.stored(getattr(self, field.name)) for field in self.fields}
        return {field.name: config[field.name] for field in self.fields if field.applies(config)}

    @classmethod
    def field(cls, name: str) -> Field:
        for field in cls.fields:
            if field.name == name:
                return field
        raise KeyError(f"{cls.__name__} has no argument {name!r}")

    @classmethod
    def config_problems(cls, config: dict) -> list[str]:
        """What is wrong with ``config``'s keys and plain types (unknown, missing, not a number)."""
        names = [field.name for field in cls.fields]
        takes = f"{cls.__name__} takes {', '.join(names)}" if names else f"{cls.__name__} takes no arguments"
        problems = [f"unexpected keyword argument {key!r} ({takes})" for key in config if key not in names]
        for field in cls.fields:
            if field.name not in config:
                if field.required and field.infer is None:
                    problems.append(f"missing required argument {field.name!r}")
                continue
            problem = field.check(field.coerce(config[field.name]))
            if problem and not (field.infer is not None and config[field.name] in (None, "auto")):
                problems.append(problem)
        return problems

    @classmethod
    def from_config(cls, config: dict) -> Layer:
        """A layer from its ``config()`` (or a spec's keys): checked against ``fields``, then constructed."""
        problems = cls.config_problems(config)
        if problems:
            raise ValueError(f"{cls.__name__}: {'; '.join(problems)}")
        arguments = {name: cls.field(name).coerce(value) for name, value in config.items()}
        try:
            return cls(**arguments)
        except TypeError as error:
            raise ValueError(f"{cls.__name__}: {error}".replace("__init__() ", "")) from None

    @classmethod
    def written(cls, config: dict) -> list[tuple[Field, Any]]:
        """The arguments worth writing out: the required and explicit ones, and the others where they
        change the layer (Pooling's ``stride`` equal to its ``pool_size`` changes nothing)."""
        keep = {field.name: config[field.name] for field in cls.fields
                if field.name in config and field.applies(config)}
        for field in cls.fields:
            if field.name not in keep or field.required or field.explicit:
                continue
            trial = {k: v for k, v in keep.items() if k != field.name}
            if keep[field.name] == field.default or _same_layer(cls, trial, keep):
                keep = trial
        return [(field, keep[field.name]) for field in cls.fields if field.name in keep]

    @classmethod
    def call_arguments(cls, config: dict) -> str:
        """The constructor's arguments as Python source: ``64, 128`` or ``kernel_size=3, depth=16``."""
        parts, positional = [], True
        for field, value in cls.written(config):
            positional = positional and field.required
            parts.append(field.code(value) if positional else f"{field.name}={field.code(value)}")
        return ", ".join(parts)

    @classmethod
    def label(cls, config: dict) -> str:
        """A short description for the layer list, from a config (a spec's may lack inferred keys)."""
        values = [f"{field.name}={value}" for field, value in cls.written(config) if value is not None]
        return " ".join([cls.__name__, *values])

    @classmethod
    def short_label(cls, config: dict) -> str:
        """A few characters for the runs table's stack column."""
        required = [str(value) for field, value in cls.written(config) if field.required and not field.infer]
        return cls.__name__[:4] + "".join(required[:1])

    def scratch(self, name: str, like: np.ndarray, dtype=None, reuse: bool = True) -> np.ndarray:
        """An uninitialised array shaped and laid out in memory like ``like``, for this layer to fill.

        While the layer holds ``buffers`` (during a fit) and ``reuse`` is true (a training forward), the
        same array comes back at every step for the same name, shape, dtype and layout, so whatever it
        held before is overwritten: only for arrays the layer itself replaces at each step.
        """
        dtype = like.dtype if dtype is None else dtype
        if self.buffers is None or not reuse or like.size * np.dtype(dtype).itemsize < MIN_BUFFER_BYTES:
            return np.empty_like(like, dtype=dtype)
        return self._buffer(name, (like.shape, like.strides, dtype), lambda: np.empty_like(like, dtype=dtype))

    def scratch_shape(self, name: str, shape: Shape, dtype, reuse: bool = True) -> np.ndarray:
        """An uninitialised C-ordered array of ``shape``, reused across steps as ``scratch`` is."""
        if self.buffers is None or not reuse or math.prod(shape) * np.dtype(dtype).itemsize < MIN_BUFFER_BYTES:
            return np.empty(shape, dtype=dtype)
        return self._buffer(name, (tuple(shape), None, dtype), lambda: np.empty(shape, dtype=dtype))

    def _buffer(self, name: str, key: tuple, make) -> np.ndarray:
        # one array per name: a batch of another size (an epoch's last) replaces it rather than adding
        # a second, so a fit never holds more than one step's arrays
        held = self.buffers.get(name)
        if held is None or held[0] != key:
            held = self.buffers[name] = (key, make())
        return held[1]

    def __getstate__(self) -> dict:
        # copies (copy.copy, deepcopy, replicas) never share or carry the step buffers
        state = self.__dict__.copy()
        state.pop("buffers", None)
        return state

    def replica(self) -> Layer:
        """A twin for another thread: the same parameters, its own caches, gradients and step buffers."""
        twin = copy.copy(self)
        twin.__dict__.update({name: np.zeros_like(value) for name, value in self.__dict__.items()
                              if name.startswith("grad_") and isinstance(value, np.ndarray)})
        if self.buffers is not None:
            twin.buffers = {}
        return twin

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.call_arguments(self.config())})"


def _same_layer(cls: type[Layer], a: dict, b: dict) -> bool:
    """Whether configs ``a`` and ``b`` build the same layer."""
    try:
        return cls.from_config(a).config() == cls.from_config(b).config()
    except (TypeError, ValueError):
        return False


def check_weights(layer: Layer, weights: list, expected: list[Shape], names: list[str]) -> list[np.ndarray]:
    """Validate ``weights`` against the expected shapes and return them as arrays."""
    if len(weights) != len(expected):
        raise ValueError(
            f"{layer!r} takes {len(expected)} arrays ({', '.join(names)}). Received: {len(weights)}"
        )
    arrays = []
    for array, shape, name in zip(weights, expected, names):
        array = np.asarray(array)
        if array.shape != tuple(shape):
            raise ValueError(
                f"{layer!r} expects {name} of shape {tuple(shape)}. Received: {array.shape}"
            )
        if not np.issubdtype(array.dtype, np.floating) and not np.issubdtype(array.dtype, np.integer):
            raise ValueError(f"{layer!r}: {name} must be numeric. Received dtype {array.dtype}")
        arrays.append(array)
    return arrays
