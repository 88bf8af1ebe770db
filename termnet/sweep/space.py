"""What a sweep varies: axes of values for training settings and layer arguments, and the trials they make.

An axis is written ``lo:hi:Nlog`` (N values spaced evenly on a log scale, ends included), ``lo:hi:Nlin``
(evenly), or a comma list (``32,64,128``, ``adam,sgd``). A training setting's values are read as the setting
reads them (termnet/settings.py), so a sweep refuses what ``train`` refuses, for the same reason; a layer's
argument (``2.output_size``) is checked against its layer's fields (the registry) before anything trains.
"""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass, field

import numpy as np

from ..engine.registry import LAYER_TYPES
from ..settings import SETTINGS

#: Settings a sweep cannot vary: the seed has --seeds of its own.
NOT_SWEPT = ("seed",)
_RANGE = re.compile(r"\s*([^:]+):([^:]+):\s*([0-9]+)\s*(log|lin)\s*")
_LAYER = re.compile(r"\s*([0-9]+)\.([A-Za-z_][A-Za-z0-9_]*)\s*=(.*)", re.S)


class SweepError(ValueError):
    """A sweep that cannot run as written; the message names the value and what to do."""


@dataclass
class Axis:
    """One thing varied: a setting (``learning_rate``) or a layer argument (``layer 2.output_size``)."""

    name: str
    values: list
    scale: str | None = None  # "log" or "lin" for a range (random search draws between its ends), else None
    bounds: tuple[float, float] | None = None
    whole: bool = False
    layer: tuple[int, str] | None = None  # (index, argument) for a layer's argument

    @property
    def label(self) -> str:
        return f"layer {self.layer[0]}.{self.layer[1]}" if self.layer else self.name

    @property
    def numeric(self) -> bool:
        return all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in self.values)


def _number(text: str, what: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise SweepError(f"{what}: {text.strip()!r} is not a number") from None
    if not math.isfinite(value):
        raise SweepError(f"{what}: {text.strip()!r} is not a finite number")
    return value


def _range(text: str, what: str, whole: bool) -> tuple[list, str, tuple[float, float]] | None:
    """The values of ``lo:hi:Nlog|Nlin``, its scale and ends; None when ``text`` is no range."""
    match = _RANGE.fullmatch(text)
    if not match:
        if text.count(":"):
            raise SweepError(f"{what}: {text!r} is not a range: write lo:hi:Nlog or lo:hi:Nlin (such as "
                             f"1e-3:1:7log), or a comma list")
        return None
    low, high = _number(match[1], what), _number(match[2], what)
    count, scale = int(match[3]), match[4]
    if count < 1 or count > 1000:
        raise SweepError(f"{what}: {text!r} asks for {count} values; give 1 to 1000")
    if scale == "log" and (low <= 0 or high <= 0):
        raise SweepError(f"{what}: {text!r}: a log range needs both ends above 0")
    values = np.geomspace(low, high, count) if scale == "log" else np.linspace(low, high, count)
    values = [float(f"{v:.6g}") for v in values]  # 0.0316228, not 0.031622776601683784
    if whole:
        values = list(dict.fromkeys(int(round(v)) for v in values))
    return values, scale, (low, high)


def setting_axis(name: str, text: str) -> Axis:
    """The axis for a training setting written ``text`` (``--learning-rate 1e-3:1:7log``)."""
    setting = SETTINGS.get(name)
    if setting is None or name in NOT_SWEPT:
        raise SweepError(f"{name!r} cannot be swept; sweep one of "
                         f"{', '.join(n for n in SETTINGS if n not in NOT_SWEPT)} (the seed: --seeds)")
    what = setting.option
    whole = setting.kind == "whole"
    ranged = None if setting.kind == "choice" else _range(text, what, whole)
    values = ranged[0] if ranged else [part for part in text.split(",")]
    checked = []
    for value in values:
        try:
            checked.append(setting.parse(str(value)))
        except ValueError as error:
            raise SweepError(f"{what}: {str(value).strip()!r} {error}") from None
    return Axis(name, list(dict.fromkeys(checked)), *(ranged[1:] if ranged else (None, None)), whole=whole)


def _layer_value(text: str):
    text = text.strip()
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def layer_axis(text: str, layers: list[dict]) -> Axis:
    """The axis for ``--layer 2.output_size=32,64,128`` on a spec's ``layers``; each value checked by the layer."""
    match = _LAYER.fullmatch(text)
    if not match:
        raise SweepError(f"--layer: {text!r} is not INDEX.ARGUMENT=VALUES (such as 2.output_size=32,64,128)")
    index, argument, values_text = int(match[1]), match[2], match[3]
    if index >= len(layers):
        raise SweepError(f"--layer {text}: the spec has layers 0 to {len(layers) - 1}, no layer {index}")
    description = layers[index]
    cls = LAYER_TYPES[description["type"]]
    fields = {f.name for f in cls.fields}
    if argument not in fields:
        raise SweepError(f"--layer {text}: layer {index} ({description['type']}) has no argument {argument!r}; "
                         f"it has {', '.join(sorted(fields))}")
    kind = next(f for f in cls.fields if f.name == argument)
    whole = getattr(kind, "kind", None) == "int" or isinstance(description.get(argument), int)
    ranged = _range(values_text, f"--layer {index}.{argument}", whole)
    values = ranged[0] if ranged else [_layer_value(v) for v in values_text.split(",")]
    for value in values:
        config = {k: v for k, v in description.items() if k != "type"} | {argument: value}
        problems = cls.config_problems(config)
        if problems:
            raise SweepError(f"--layer {index}.{argument}={value!r}: {'; '.join(problems)}")
    return Axis(f"layer_{index}_{argument}", list(dict.fromkeys(values)),
                *(ranged[1:] if ranged else (None, None)), whole=whole, layer=(index, argument))


@dataclass
class Trial:
    """One training run: the value of each axis, and the seed."""

    number: int
    values: dict = field(default_factory=dict)  # axis label -> value
    seed: int | None = 0


def grid(axes: list[Axis], seeds: list[int | None]) -> list[Trial]:
    """Every combination of the axes' values, with each seed."""
    combos = itertools.product(*(axis.values for axis in axes), seeds)
    return [Trial(n, {a.label: v for a, v in zip(axes, combo[:-1])}, combo[-1]) for n, combo in enumerate(combos)]


def random_trials(axes: list[Axis], count: int, seeds: list[int | None], draw_seed: int = 0) -> list[Trial]:
    """``count`` random combinations (a range drawn anywhere between its ends, on its scale), with each seed."""
    rng = np.random.default_rng(draw_seed)
    trials = []
    for _ in range(count):
        values = {}
        for axis in axes:
            if axis.bounds is None:
                values[axis.label] = axis.values[rng.integers(len(axis.values))]
                continue
            low, high = axis.bounds
            value = (math.exp(rng.uniform(math.log(low), math.log(high))) if axis.scale == "log"
                     else rng.uniform(low, high))
            values[axis.label] = int(round(value)) if axis.whole else float(f"{value:.6g}")
        trials += [Trial(0, dict(values), seed) for seed in seeds]
    for number, trial in enumerate(trials):
        trial.number = number
    return trials


def parse_seeds(text: str) -> list[int]:
    """``0,1,2`` or a count range ``0:4`` (0 to 3)."""
    parts = text.split(":") if ":" in text else None
    try:
        if parts and len(parts) == 2:
            seeds = list(range(int(parts[0]), int(parts[1])))
        else:
            seeds = [int(part) for part in text.split(",")]
    except ValueError:
        raise SweepError(f"--seeds: {text!r} is not whole numbers: write 0,1,2 or 0:3") from None
    if not seeds or any(seed < 0 for seed in seeds):
        raise SweepError(f"--seeds: {text!r} gives no seed, or one below 0: write 0,1,2 or 0:3")
    return list(dict.fromkeys(seeds))
