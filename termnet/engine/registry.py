"""Layer types by name, to rebuild a stack from a spec or a model file, and to offer them in the dashboard.

A layer type is one class (its ``fields`` describe its arguments, see ``fields.py``)
and one ``register_layer`` call. The built-in types are registered below, in the
order the dashboard's add-layer form lists them. ``register_layer`` is also a
decorator, for layer types defined outside termnet::

    @register_layer
    class Scale(Layer):
        fields = (Field("factor", "float"),)
        ...
"""

from __future__ import annotations

from typing import TypeVar

from .activation import Activation
from .batchnorm import BatchNorm
from .convolution import Convolution
from .dense import FC
from .dropout import Dropout
from .layer import Layer
from .pooling import Pooling
from .reshape import Flatten

LayerClass = TypeVar("LayerClass", bound=type[Layer])

#: Every layer type a spec or model file may name, in the order the dashboard offers them.
LAYER_TYPES: dict[str, type[Layer]] = {}


def register_layer(cls: LayerClass, name: str | None = None) -> LayerClass:
    """Make ``cls`` known under ``name`` (default: its class name) to specs, model files, the
    dashboard and export-code; returns ``cls``, so it also decorates a class."""
    name = name or cls.__name__
    if not (isinstance(cls, type) and issubclass(cls, Layer)):
        raise TypeError(f"register_layer takes a Layer subclass. Received: {cls!r}")
    if LAYER_TYPES.get(name, cls) is not cls:
        raise ValueError(f"A layer type named {name!r} is already registered ({LAYER_TYPES[name]!r})")
    LAYER_TYPES[name] = cls
    return cls


def unregister_layer(name_or_class: str | type[Layer]) -> None:
    """Forget a layer type registered with ``register_layer`` (tests register throwaway ones)."""
    name = name_or_class if isinstance(name_or_class, str) else layer_type_name(name_or_class)
    LAYER_TYPES.pop(name, None)


for _builtin in (FC, Activation, Convolution, Pooling, Flatten, Dropout, BatchNorm):
    register_layer(_builtin)


def layer_class(kind: str) -> type[Layer]:
    """The class registered as ``kind``, or a ValueError that lists the known types."""
    if kind not in LAYER_TYPES:
        raise ValueError(f"Unknown layer type {kind!r}; expected one of {', '.join(LAYER_TYPES)}")
    return LAYER_TYPES[kind]


def layer_from_config(kind: str, config: dict) -> Layer:
    """``LAYER_TYPES[kind].from_config(config)``, with errors that name the type and the bad key."""
    return layer_class(kind).from_config(dict(config))


def layer_type_name(cls: type[Layer]) -> str:
    for name, registered in LAYER_TYPES.items():
        if registered is cls:
            return name
    return cls.__name__


def layer_type(layer: Layer) -> str:
    """The name ``layer``'s type is registered under (what specs and model files say)."""
    return layer_type_name(type(layer))


def describe_layer(description: dict) -> str:
    """The layer list's label for a spec's layer description (``{"type": "FC", "output_size": 10}``)."""
    kind = description.get("type")
    if kind not in LAYER_TYPES:
        return str(kind)
    return LAYER_TYPES[kind].label({k: v for k, v in description.items() if k != "type"})


def short_label(layer: Layer) -> str:
    """A few characters for ``layer`` (the runs table's stack column): FC128, relu, Conv16."""
    return type(layer).short_label(layer.config())
