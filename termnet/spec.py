"""Experiment specs: a stack of layers and its hyperparameters, as TOML.

The presets that ship with termnet are specs in ``termnet/presets``. A
layer's keys are its constructor's arguments, the same as in its ``config()``
(its class's ``fields``); an argument with an ``infer`` rule (an FC's
``input_size``) may be left out, and is then taken from the layer before it, so
one spec fits both 28x28 MNIST and the 8x8 digits.

A layer table may also say ``optional = true``: the layer may be left out where
the images are too small for it (a 2x2 pooling of 1x1 maps). Only
``termnet.presets.fit_preset`` reads it, and says which layers it left out and
why; ``Spec.build`` builds every layer, so a stack that does not fit shows its
misfit. The presets mark their poolings optional::

    [[layers]]
    type = "Pooling"
    pool_size = 2
    optional = true

A preset's ``description`` names no size that depends on the images (784 inputs
on MNIST are 64 on the digits): ``termnet.presets.stack_line`` gives those sizes
for the data loaded. Accuracy figures are written ``on MNIST: 97% in 5 epochs``.
"""

from __future__ import annotations

import difflib
import reprlib
import sys
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from .engine import Network, get_optimizer, trace_shapes
from .engine.layer import Layer
from .engine.memory import TooLargeError, memory_problem
from .engine.registry import LAYER_TYPES, layer_class, layer_type
from .settings import DEFAULTS as SETTING_DEFAULTS
from .settings import SETTINGS, combination_problem
from .settings import problem as setting_problem

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

PRESETS = ("article-mlp", "article-cnn", "mlp", "cnn", "cnn-plus", "playground")

#: Each training setting's default, from the one table of settings (termnet/settings.py).
TRAINING_DEFAULTS = dict(SETTING_DEFAULTS)
NETWORK_KEYS = ("learning_rate", "epochs", "batch_size", "optimizer", "init", "seed")
#: What a spec holds at its top level.
TOP_LEVEL_KEYS = ("name", "description", "training", "layers", "sweep")
#: A spec is a few hundred bytes; anything far larger is not one, and is refused before it is parsed.
MAX_SPEC_CHARS = 2_000_000
#: A spec nests three deep ([[layers]] -> a table -> a shape list); tomllib recurses once per level, so a
#: file nested thousands deep would exhaust Python's stack.
MAX_NESTING = 32
#: The most training images termnet loads (MNIST's 60,000); a larger batch is never formed.
MAX_SAMPLES = 60_000
#: Other libraries' words for a layer argument, named in the error when a spec uses them.
SYNONYMS = {"filters": "depth", "units": "output_size", "kernel": "kernel_size", "strides": "stride",
            "activation": "name", "pool": "pool_size"}


class SpecError(ValueError):
    """A spec file or preset name that cannot be used; the message names it."""


@dataclass
class Spec:
    """A named stack of layer descriptions and the hyperparameters to train it with."""

    name: str
    layers: list[dict]
    training: dict = field(default_factory=dict)
    description: str = ""
    #: Indices of the layers marked ``optional = true``; ``Spec.build`` ignores it, ``fit_preset`` reads it.
    optional: tuple[int, ...] = ()
    #: What ``termnet sweep`` varies (``[sweep]``: a setting's values, ``layers``, ``seeds``, ``random``); see
    #: termnet/sweep/plan.py. Training ignores it.
    sweep: dict = field(default_factory=dict)

    def hyperparameters(self, **overrides) -> dict:
        """Training settings: the spec's, over the defaults, under non-None ``overrides``."""
        merged = {**TRAINING_DEFAULTS, **self.training}
        merged.update({k: v for k, v in overrides.items() if v is not None})
        # a choice as its registry names it: a spec's "Cosine" or "crossentropy" is accepted, and the engine
        # and the form's lists know only "cosine" and "cross_entropy"
        return {k: SETTINGS[k].canonical(v) if k in SETTINGS else v for k, v in merged.items()}

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
        """A Network with this spec's layers, loss and hyperparameters; raises on a misfit (ShapeError) and,
        before anything is allocated, on a bad setting or layers too large for this machine (SpecError)."""
        params = self.hyperparameters(**overrides)
        for key, value in params.items():
            if (problem := training_problem(key, value)) is not None:
                raise SpecError(f"{self.name}: [training] {key} = {_shown(value)}: {problem}")
        if (problem := combination_problem(params)) is not None:
            raise SpecError(f"{self.name}: [training] {problem}")
        layers = self.build_layers(input_shape)
        batch = min(params["batch_size"], params["train_size"] or MAX_SAMPLES)
        too_large = memory_problem(layers, tuple(input_shape), batch, dtype, params["optimizer"])
        if too_large:
            raise SpecError(f"{self.name}: {too_large}")
        schedule = None if params["schedule"] in (None, "constant") else params["schedule"]
        optimizer = get_optimizer(params["optimizer"], params["learning_rate"], params["weight_decay"])
        network = Network(**{k: params[k] for k in NETWORK_KEYS if k not in ("learning_rate", "optimizer")},
                          optimizer=optimizer, schedule=schedule, dtype=dtype)
        network.input_shape = tuple(input_shape)
        try:
            for layer in layers:
                network.add(layer)
        except TooLargeError as error:  # the engine's own check (it counts the batch size as given)
            raise SpecError(f"{self.name}: {error}") from None
        return network.use(params["loss"])

    def to_toml(self) -> str:
        lines = [f"name = {_toml_value(self.name)}"]
        if self.description:
            lines.append(f"description = {_toml_value(self.description)}")
        lines += ["", "[training]"] + [f"{k} = {_toml_value(v)}" for k, v in self.training.items()]
        for index, layer in enumerate(self.layers):
            lines += ["", "[[layers]]"] + [f"{k} = {_toml_value(v)}" for k, v in layer.items() if v is not None]
            lines += [f"{OPTIONAL_KEY} = true"] if index in self.optional else []
        if self.sweep:
            lines += ["", "[sweep]"] + [f"{k} = {_toml_value(v)}" for k, v in self.sweep.items()]
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


def _shown(value) -> str:
    """A value as an error message shows it: short, however long or deep the value is."""
    return reprlib.repr(value)


#: Each training setting's check: the reason a value does not suit it, or None.
TRAINING_CHECKS = {name: setting.problem for name, setting in SETTINGS.items()}


def training_problem(key: str, value) -> str | None:
    """Why ``value`` does not suit the training setting ``key`` (its type and range), or None."""
    return setting_problem(key, value)


def _nesting(data) -> int:
    """How deep tables and arrays nest in parsed TOML (without recursion: the value may be deep)."""
    deepest, stack = 0, [(data, 0)]
    while stack:
        value, depth = stack.pop()
        deepest = max(deepest, depth)
        if isinstance(value, dict):
            stack.extend((v, depth + 1) for v in value.values())
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value)
    return deepest


def _parse_toml(text: str, source: str) -> dict:
    """TOML to a dict, with every way of failing (syntax, depth, size, a 5,000-digit number) a SpecError."""
    if len(text) > MAX_SPEC_CHARS:
        raise SpecError(f"{source}: not a spec: {len(text):,} characters (a spec is a few hundred; "
                        f"at most {MAX_SPEC_CHARS:,} are read)")
    try:
        data = tomllib.loads(text)
    except RecursionError:  # tomllib recurses once per level of [ or {
        raise SpecError(f"{source}: not a spec: nested too deep to read (a spec nests {MAX_NESTING} levels "
                        f"at most)") from None
    except ValueError as error:  # TOMLDecodeError, and int()'s refusal of numbers over 4,300 digits
        raise SpecError(f"{source}: not valid TOML ({str(error)[:200]})") from None
    depth = _nesting(data)
    if depth > MAX_NESTING:
        raise SpecError(f"{source}: not a spec: nested {depth} levels deep (a spec nests {MAX_NESTING} at most)")
    return data


def _unknown_keys(data: dict, source: str) -> None:
    """Refuse top-level keys a spec does not have, suggesting the key meant (``[trainig]``: ``[training]``)."""
    unknown = sorted(set(data) - set(TOP_LEVEL_KEYS))
    if not unknown:
        return
    described = []
    for key in unknown:
        shown = f"[{key}]" if isinstance(data[key], dict) else key
        close = difflib.get_close_matches(key, TOP_LEVEL_KEYS, n=1)
        if close:
            shown += f" (did you mean {'[' + close[0] + ']' if close[0] == 'training' else close[0]}?)"
        described.append(shown)
    kind = "table" if len(unknown) == 1 and isinstance(data[unknown[0]], dict) else "key(s)"
    raise SpecError(f"{source}: unknown {kind} {', '.join(described)}; a spec holds name, description, "
                    f"[training], [[layers]] and [sweep]")


def _layer_problem(layer: dict, index: int, source: str) -> None:
    if not isinstance(layer.get("type"), str) or layer["type"] not in LAYER_TYPES:  # a list is unhashable
        raise SpecError(f"{source}, layer {index}: unknown type {_shown(layer.get('type'))}; "
                        f"expected one of {', '.join(LAYER_TYPES)}")
    cls = LAYER_TYPES[layer["type"]]
    config = {k: v for k, v in layer.items() if k != "type"}
    problems = cls.config_problems(config)
    if problems:
        names = {f.name for f in cls.fields}
        hints = [f"{key!r} is called {SYNONYMS[key]!r} here" for key in config
                 if key in SYNONYMS and key not in names and SYNONYMS[key] in names]
        raise SpecError(f"{source}, layer {index}: {layer['type']}: {'; '.join(problems + hints)}")


def _check_training(training, source: str) -> None:
    if not isinstance(training, dict):
        raise SpecError(f"{source}: [training] must be a table of settings. Received: {_shown(training)}")
    unknown = set(training) - set(TRAINING_DEFAULTS)
    if unknown:
        raise SpecError(f"{source}: unknown training setting(s) {', '.join(sorted(unknown))}; "
                        f"expected {', '.join(TRAINING_DEFAULTS)}")
    for key, value in training.items():
        problem = training_problem(key, value)
        if problem:
            raise SpecError(f"{source}: [training] {key} = {_shown(value)}: {problem}")


#: The key of a [[layers]] table that marks the layer as one that may be left out (see the module docstring).
OPTIONAL_KEY = "optional"


def _optional_layers(layers: list[dict], source: str) -> tuple[list[dict], tuple[int, ...]]:
    """The layer tables without their ``optional`` key, and the indices of those that said ``optional = true``."""
    for index, layer in enumerate(layers):
        if not isinstance(layer.get(OPTIONAL_KEY, False), bool):
            raise SpecError(f"{source}, layer {index}: {OPTIONAL_KEY} must be true or false. "
                            f"Received: {_shown(layer[OPTIONAL_KEY])}")
    optional = tuple(index for index, layer in enumerate(layers) if layer.get(OPTIONAL_KEY))
    return [{k: v for k, v in layer.items() if k != OPTIONAL_KEY} for layer in layers], optional


def parse_spec(text: str, source: str) -> Spec:
    """A Spec from TOML ``text``; ``source`` names it in errors. Every problem is a SpecError."""
    data = _parse_toml(text, source)
    _unknown_keys(data, source)
    layers = data.get("layers")
    if not isinstance(layers, list) or not layers or not all(isinstance(x, dict) for x in layers):
        raise SpecError(f"{source}: a spec needs at least one [[layers]] table")
    layers, optional = _optional_layers(layers, source)
    for index, layer in enumerate(layers):
        _layer_problem(layer, index, source)
    training = data.get("training", {})
    _check_training(training, source)
    for key in ("name", "description"):
        if key in data and not isinstance(data[key], str):
            raise SpecError(f"{source}: {key} must be text. Received: {_shown(data[key])}")
    sweep = data.get("sweep", {})
    if not isinstance(sweep, dict):
        raise SpecError(f"{source}: [sweep] must be a table of what to vary. Received: {_shown(sweep)}")
    return Spec(data.get("name", Path(source).stem), layers, training, data.get("description", ""), optional, sweep)


def _read_spec_text(path: Path) -> str:
    """The file's text, refusing before reading it all a file too large to be a spec, and any non-UTF-8 file."""
    try:
        with path.open("rb") as handle:
            size = path.stat().st_size
            if size > MAX_SPEC_CHARS * 4:  # 4 bytes per character at most in UTF-8
                raise SpecError(f"{path}: not a spec: {size:,} bytes (a spec is a few hundred)")
            raw = handle.read(MAX_SPEC_CHARS * 4 + 1)
    except OSError as error:
        raise SpecError(f"{path}: cannot read it ({error.strerror or error})") from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise SpecError(f"{path}: not a spec: not UTF-8 text; is it a model file? use L to load models "
                        f"(termnet train --resume on the command line)") from None


def load_spec(name_or_path: str | Path) -> Spec:
    """A preset by name (one of ``PRESETS``) or a TOML file."""
    if str(name_or_path) in PRESETS:
        text = resources.files("termnet.presets").joinpath(f"{name_or_path}.toml").read_text()
        return parse_spec(text, f"preset {name_or_path}")
    path = Path(name_or_path)
    if not path.is_file():
        raise SpecError(f"{str(name_or_path)!r} is neither a preset ({', '.join(PRESETS)}) nor a spec file")
    return parse_spec(_read_spec_text(path), str(path))
