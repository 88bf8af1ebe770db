"""Layer classes by name, to rebuild a stack from a spec or a model file."""

from __future__ import annotations

from .activation import Activation
from .convolution import Convolution
from .dense import FC
from .layer import Layer
from .pooling import Pooling
from .reshape import Flatten

LAYER_TYPES: dict[str, type[Layer]] = {
    "FC": FC, "Activation": Activation, "Flatten": Flatten, "Convolution": Convolution, "Pooling": Pooling,
}


def layer_from_config(kind: str, config: dict) -> Layer:
    """``LAYER_TYPES[kind](**config)``, with errors that name the type and the bad key."""
    if kind not in LAYER_TYPES:
        raise ValueError(f"Unknown layer type {kind!r}; expected one of {', '.join(LAYER_TYPES)}")
    config = dict(config)
    if kind == "Convolution" and config.get("input_shape") is not None:
        config["input_shape"] = tuple(config["input_shape"])
    try:
        return LAYER_TYPES[kind](**config)
    except TypeError as error:
        raise ValueError(f"{kind}: {error}".replace("__init__() ", "")) from None


def layer_type(layer: Layer) -> str:
    return type(layer).__name__
