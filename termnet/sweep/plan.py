"""A sweep's plan: the axes and trials from the command line's options over a spec's ``[sweep]`` table.

    [sweep]
    learning_rate = "1e-3:1:7log"     # or a list: [0.001, 0.01]; or "0.001,0.01"
    batch_size = [32, 64]
    layers = ["1.output_size=32,64,128"]
    seeds = [0, 1]
    random = 20                        # random search: 20 draws instead of the grid

An option given on the command line replaces the table's entry of the same name. A setting given one value
is no axis: every trial trains with it.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..settings import SETTINGS
from .space import NOT_SWEPT, Axis, SweepError, Trial, grid, layer_axis, parse_seeds, random_trials, setting_axis

TABLE_KEYS = ("layers", "seeds", "random")


@dataclass
class Plan:
    axes: list[Axis]
    fixed: dict  # settings every trial shares (those given one value)
    trials: list[Trial]


def _text(value) -> str:
    return ",".join(map(str, value)) if isinstance(value, list) else str(value)


def make_plan(spec, given: dict[str, str], layer_texts: list[str] | None = None, random: int | None = None,
              seeds: str | None = None) -> Plan:
    """The plan for ``spec`` and the command line's ``given`` texts by setting name (None: not given)."""
    table = dict(spec.sweep)
    unknown = sorted(set(table) - set(SETTINGS) - set(TABLE_KEYS) | (set(table) & set(NOT_SWEPT)))
    if unknown:
        raise SweepError(f"{spec.name}: [sweep] cannot vary {', '.join(unknown)}; it takes the training "
                         f"settings (but seed), layers, seeds and random")
    texts = {name: _text(value) for name, value in table.items() if name in SETTINGS}
    texts.update({name: text for name, text in given.items() if text is not None})
    axes, fixed = [], {}
    for name, text in texts.items():
        axis = setting_axis(name, text)
        if len(axis.values) == 1:
            fixed[name] = axis.values[0]
        else:
            axes.append(axis)
    layers = layer_texts if layer_texts else table.get("layers", [])
    if not isinstance(layers, list) or not all(isinstance(t, str) for t in layers):
        raise SweepError(f"{spec.name}: [sweep] layers must be a list of texts such as \"1.output_size=32,64\"")
    axes += [layer_axis(text, spec.layers) for text in layers]
    seed_text = seeds if seeds is not None else _text(table["seeds"]) if "seeds" in table else None
    seed_list = parse_seeds(seed_text) if seed_text is not None else [spec.hyperparameters()["seed"]]
    count = random if random is not None else table.get("random")
    if count is not None and (isinstance(count, bool) or not isinstance(count, int) or count < 1):
        raise SweepError(f"random search needs a whole number of trials, 1 or more. Received: {count!r}")
    trials = random_trials(axes, count, seed_list) if count else grid(axes, seed_list)
    return Plan(axes, fixed, trials)
