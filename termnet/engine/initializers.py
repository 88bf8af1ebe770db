"""Weight initialisation: how the first random weights are scaled.

``"auto"`` picks He initialisation before relu-like activations and Xavier
(Glorot) before the others, which keeps the variance of activations roughly
constant from layer to layer. ``"uniform"`` is the classic tutorial's
uniform(-0.5, 0.5), kept so its results can be reproduced.
"""

from __future__ import annotations

import numpy as np

INITIALIZERS = ("auto", "he", "xavier", "uniform")


def initial_weights(
    shape: tuple[int, ...], fan_in: int, fan_out: int, init: str, rng: np.random.Generator, dtype
) -> np.ndarray:
    if init == "he":
        weights = rng.normal(0.0, np.sqrt(2.0 / fan_in), size=shape)
    elif init == "xavier":
        limit = np.sqrt(6.0 / (fan_in + fan_out))
        weights = rng.uniform(-limit, limit, size=shape)
    elif init == "uniform":
        weights = rng.uniform(-0.5, 0.5, size=shape)
    else:
        raise ValueError(f"Unknown initialisation {init!r}; expected one of {INITIALIZERS[1:]}")
    return weights.astype(dtype)
