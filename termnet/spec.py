"""Experiment specs: a stack of layers and its hyperparameters, as TOML.

The four presets that ship with termnet are specs in ``termnet/presets``. A
layer's keys are its constructor's arguments, the same as in its ``config()``
(its class's ``fields``); an argument with an ``infer`` rule (an FC's
``input_size``) may be left out, and is then taken from the layer before it, so
one spec fits both 28x28 MNIST and the 8x8 digits.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from .engine import Network, trace_shapes
from .engine.layer import Layer
from .engine.registry import LAYER_TYPES, layer_class, layer_type

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

PRESETS = ("article-mlp", "article-cnn", "mlp", "cnn")

TRAINING_DEFAULTS = {
    "learning_rate": 0.1, "epochs": 10, "batch_size": 32, "optimizer": "sgd", "schedule": "constant",
    "loss": "mse", "seed": 0, "init": "auto", "train_size": 0,
    # the share of the training images held out to validate each epoch; the test set is kept for the end
    "validation_split": 0.1,
}
NETWORK_KEYS = ("learning_rate", "epochs", "batch_size", "optimizer", "init", "seed")


class SpecError(ValueError):
    """A spec file or preset name that cannot be used; the message names it."""


@dataclass
class Spec:
    """A named stack of layer descriptions and the hyperparameters to train it with."""

    name: str
    layers: list[dict]
    training: dict = field(default_factory=dict)
    description: str = ""

    def hyperparameters(self, **overrides) -> dict:
        """Training settings: the spec's, over the defaults, under non-None ``overrides``."""
        merged = {**TRAINING_DEFAULTS, **self.training}
        merged.update({k: v for k, v in overrides.items() if v is not None})
        return merged

    def build_layers(self, input_shape: tuple[int, ...]) -> list[Layer]:
        """Fresh layers for one sample of ``input_shape``; arguments left out that a layer can infer
        (an FC's input_size) are taken from the output shape of the layer before."""
        layers: list[Layer] = []
        for index, description in enumerate(self.layers):
            config = {k: v for k, v in description.items() if k != "type"}
            try:
                cls = layer_class(description.get("type"))
                for field in cls.fields:
                    if field.infer is not None and config.get(field.name) in (None, "auto"):
                        rows = trace_shapes(layers, input_shape)
                        previous = rows[-1].output_shape if rows else tuple(input_shape)
                        config[field.name] = field.infer(previous or (1,))  # after a misfit: a stand-in
                layers.append(cls.from_config(config))
            except ValueError as error:
                raise SpecError(f"{self.name}, layer {index}: {error}") from None
        return layers

    def build(self, input_shape: tuple[int, ...], dtype="float32", **overrides) -> Network:
        """A Network with this spec's layers, loss and hyperparameters; raises on a misfit."""
        params = self.hyperparameters(**overrides)
        schedule = None if params["schedule"] in (None, "constant") else params["schedule"]
        network = Network(**{k: params[k] for k in NETWORK_KEYS}, schedule=schedule, dtype=dtype)
        network.input_shape = tuple(input_shape)
        for layer in self.build_layers(input_shape):
            network.add(layer)
        return network.use(params["loss"])

    def to_toml(self) -> str:
        lines = [f"name = {_toml_value(self.name)}"]
        if self.description:
            lines.append(f"description = {_toml_value(self.description)}")
        lines += ["", "[training]"] + [f"{k} = {_toml_value(v)}" for k, v in self.training.items()]
        for layer in self.layers:
            lines += ["", "[[layers]]"] + [f"{k} = {_toml_value(v)}" for k, v in layer.items() if v is not None]
        return "\n".join(lines) + "\n"


def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def spec_from_layers(name: str, layers: list[Layer], training: dict, description: str = "") -> Spec:
    """A spec describing existing layers (for saving what the dashboard built)."""
    described = []
    for layer in layers:
        config = {k: (list(v) if isinstance(v, tuple) else v) for k, v in layer.config().items()}
        described.append({"type": layer_type(layer), **config})
    return Spec(name, described, dict(training), description)


def parse_spec(text: str, source: str) -> Spec:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise SpecError(f"{source}: not valid TOML ({error})") from None
    layers = data.get("layers")
    if not isinstance(layers, list) or not layers or not all(isinstance(x, dict) for x in layers):
        raise SpecError(f"{source}: a spec needs at least one [[layers]] table")
    for index, layer in enumerate(layers):
        if layer.get("type") not in LAYER_TYPES:
            raise SpecError(f"{source}, layer {index}: unknown type {layer.get('type')!r}; "
                            f"expected one of {', '.join(LAYER_TYPES)}")
        cls = LAYER_TYPES[layer["type"]]
        problems = cls.config_problems({k: v for k, v in layer.items() if k != "type"})
        if problems:
            raise SpecError(f"{source}, layer {index}: {layer['type']}: {'; '.join(problems)}")
    training = data.get("training", {})
    unknown = set(training) - set(TRAINING_DEFAULTS)
    if unknown:
        raise SpecError(f"{source}: unknown training setting(s) {', '.join(sorted(unknown))}; "
                        f"expected {', '.join(TRAINING_DEFAULTS)}")
    return Spec(str(data.get("name", Path(source).stem)), layers, training, str(data.get("description", "")))


def load_spec(name_or_path: str | Path) -> Spec:
    """A preset by name (``article-mlp``, ``article-cnn``, ``mlp``, ``cnn``) or a TOML file."""
    if str(name_or_path) in PRESETS:
        text = resources.files("termnet.presets").joinpath(f"{name_or_path}.toml").read_text()
        return parse_spec(text, f"preset {name_or_path}")
    path = Path(name_or_path)
    if not path.is_file():
        raise SpecError(f"{str(name_or_path)!r} is neither a preset ({', '.join(PRESETS)}) nor a spec file")
    return parse_spec(path.read_text(), str(path))
