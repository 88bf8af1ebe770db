"""Dropout: during training, each value is zeroed with probability ``rate`` and the rest scaled up.

Inverted dropout (as PyTorch and Keras do it): the kept values are divided by ``1 - rate`` while
training, so the expected output equals the input and inference is the identity, with no rescaling.

Where the random numbers come from. A run must repeat with its seed, and a batch split over
threads (parallel.py) must draw the same mask as one thread would, whatever the timing. So the mask
is not drawn from a shared generator but computed: a counter-based generator (Philox) keyed by the
layer's ``key`` (drawn from the network's seeded generator at ``build``) and by ``draws``, the number
of training forwards so far, gives sample ``i`` of a batch the ``ceil(m / 8)`` Philox blocks starting
at block ``i * ceil(m / 8)`` (``m`` values per sample). A shard starting at sample ``start`` jumps
straight there (``Philox.advance``), so 1 thread and 2 threads give bit-identical masks. ``key`` and
``draws`` are the layer's ``state()``: a saved and resumed run goes on with the masks it would have drawn.
"""

from __future__ import annotations

import math

import numpy as np

from .fields import Field
from .layer import Layer, Shape

#: Philox makes 4 64-bit numbers per counter step: 8 uint32 uniforms, the unit a sample's draw is rounded up to.
UNIFORMS_PER_BLOCK = 8
#: Keys are kept below 2**53 so that a model file stores them exactly in a float64 array.
KEY_LIMIT = 2**53


class Dropout(Layer):
    """Zero a share ``rate`` of the values while training; the identity at inference.

    Args:
        rate: the probability that a value is dropped, in [0, 1).

    Input and output shapes: any, unchanged. No weights.
    """

    fields = (
        Field("rate", "float", minimum=0, initial=0.5, explicit=True,
              help="the share of values zeroed at each training step, from 0 to below 1 (0.5 is usual after FC)"),
    )

    def __init__(self, rate: float):
        ok = isinstance(rate, (int, float, np.integer, np.floating)) and not isinstance(rate, bool)
        if not ok or not 0 <= rate < 1:  # NaN fails the comparison too
            raise ValueError(f"Dropout rate must be a number from 0 to below 1. Received: rate={rate!r}")
        self.rate = float(rate)
        self.key: int | None = None  # set at build, from the network's seeded generator
        self.draws = 0  # training forwards so far: the mask's second key
        self.sample_offset = 0  # where this layer's shard starts in the whole batch (see follow)
        self.mask: np.ndarray | None = None

    @property
    def built(self) -> bool:
        return self.key is not None

    def build(self, input_shape, rng, init, dtype) -> None:
        if self.key is None:
            self.key = int(rng.integers(KEY_LIMIT))

    def follow(self, original: Layer, start: int) -> None:
        self.key, self.draws, self.sample_offset = original.key, original.draws, int(start)

    def keep_mask(self, count: int, per_sample: int) -> np.ndarray:
        """``(count, per_sample)`` booleans, True where a value is kept, for the samples from ``sample_offset``."""
        if self.key is None:  # a layer called alone, outside a network: a key from fresh entropy
            self.key = int(np.random.default_rng().integers(KEY_LIMIT))
        blocks = math.ceil(per_sample / UNIFORMS_PER_BLOCK)
        bits = np.random.Philox(key=np.array([self.key, self.draws], dtype=np.uint64))
        bits.advance(int(self.sample_offset * blocks))  # a NumPy integer overflows inside advance
        raw = bits.random_raw(count * blocks * UNIFORMS_PER_BLOCK // 2).view(np.uint32)
        threshold = np.uint32(min(round(self.rate * 2**32), 2**32 - 1))
        return raw.reshape(count, blocks * UNIFORMS_PER_BLOCK)[:, :per_sample] >= threshold

    def forward(self, x: np.ndarray, training: bool = True) -> np.ndarray:
        if not training or self.rate == 0:
            self.mask = None
            return x
        count = len(x)
        keep = self.keep_mask(count, x.size // count if count else 0)
        self.draws += 1
        # the kept values scaled by 1 / (1 - rate): one array that both forward and backward multiply by
        mask = np.multiply(keep, 1 / (1 - self.rate), dtype=x.dtype).reshape(x.shape)
        self.mask = mask
        out = np.empty_like(x)  # x's memory layout (a convolution's stays batch-innermost)
        return np.multiply(x, mask, out=out)

    def backward(self, output_error: np.ndarray, learning_rate: float | None = None) -> np.ndarray:
        if self.mask is None:
            return output_error
        return output_error * self.mask

    # -- state: the mask generator's position, so a resumed run draws on as the saved one would have ---
    def state(self) -> list[np.ndarray]:
        return [] if self.key is None else [np.array([self.key, self.draws], dtype=np.float64)]

    def count_state(self, input_shape: Shape | None = None) -> int:
        return 2

    def load_state(self, arrays: list[np.ndarray]) -> None:
        if len(arrays) != 1 or np.shape(arrays[0]) != (2,):
            raise ValueError(f"{self!r} keeps one array of 2 numbers (key, draws). Received: "
                             f"{[np.shape(a) for a in arrays]}")
        key, draws = (float(v) for v in arrays[0])
        if not (key.is_integer() and draws.is_integer() and 0 <= key < KEY_LIMIT and 0 <= draws < KEY_LIMIT):
            raise ValueError(f"{self!r}: its key and draws must be whole numbers from 0 to 2**53. "
                             f"Received: {key!r}, {draws!r}")
        self.key, self.draws = int(key), int(draws)

    @classmethod
    def label(cls, config: dict) -> str:
        return f"Dropout {config.get('rate', '?')}"

    @classmethod
    def short_label(cls, config: dict) -> str:
        return "Drop"

    def __repr__(self) -> str:
        return f"Dropout({self.rate:g})"
