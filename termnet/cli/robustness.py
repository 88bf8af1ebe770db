"""termnet evaluate MODEL --robustness [--compare OTHER]: test accuracy under rotation, shift, noise and
thickness, as one terminal plot per damage (both models on each) and a line per level.

Only the options are defined at import time; NumPy, plotext and the models load when the command runs.
"""

from __future__ import annotations

import argparse
import json
import os
import sys


def add_arguments(evaluate: argparse.ArgumentParser) -> None:
    """The robustness options of ``termnet evaluate``."""
    evaluate.add_argument("--robustness", action="store_true",
                          help="accuracy on test images rotated, shifted, noisy, thinner or thicker, a curve each")
    evaluate.add_argument("--compare", metavar="OTHER_MODEL",
                          help="with --robustness: draw a second model's curves beside the first's")
    evaluate.add_argument("--images", type=_positive_whole, metavar="N",
                          help="with --robustness: damage the first N test images (default: 2000)")


def _positive_whole(text: str) -> int:
    if not text.strip().isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number, 1 or more. Received: {text!r}")
    return int(text)


def run(args) -> int:
    from ..engine import load_model
    from ..robustness import DEFAULT_SAMPLES, robustness_curves
    from .common import UserError
    from .model_commands import _model_and_data

    if not args.robustness:
        raise UserError(f"--{'compare' if args.compare else 'samples'} goes with --robustness: "
                        f"add --robustness to draw the curves")
    network, _, data = _model_and_data(args)
    models = {str(args.file): network}
    if args.compare:
        other, _ = load_model(args.compare)
        if tuple(other.input_shape) != data.image_shape:
            raise UserError(f"{args.compare} takes images of shape {tuple(other.input_shape)}, "
                            f"but {data.name} has {data.image_shape}: compare models trained on the same data")
        models[str(args.compare) if str(args.compare) not in models else f"{args.compare} (2)"] = other
    samples = min(args.images or DEFAULT_SAMPLES, len(data.x_test))
    curves = {name: robustness_curves(model, data.x_test, data.y_test, samples=samples)
              for name, model in models.items()}
    if args.json:
        print(json.dumps({"dataset": data.name, "samples": samples, "models": {
            name: {damage: {"levels": list(curve.levels), "accuracy": curve.accuracies}
                   for damage, curve in by_damage.items()} for name, by_damage in curves.items()}}))
        return 0
    color = sys.stdout.isatty() and not os.environ.get("NO_COLOR")  # logs and pipes get no escape codes
    print(f"Robustness on the first {samples:,} test images of {data.name}: accuracy as each damage grows")
    for damage in next(iter(curves.values())):
        print(plot(damage, {name: by_damage[damage] for name, by_damage in curves.items()}, color=color))
        print(level_lines({name: by_damage[damage] for name, by_damage in curves.items()}))
    return 0


MARKERS = ("•", "+")  # one per model, so the curves differ without colour too


def plot(damage: str, curves: dict, width: int | None = None, color: bool = True) -> str:
    """One damage's curves (one per model) as a plotext chart, accuracy in percent."""
    import shutil

    import plotext as plt

    plt.clear_figure()
    plt.plotsize(width or min(shutil.get_terminal_size((100, 24)).columns, 100), 14)
    first = next(iter(curves.values()))
    for marker, (name, curve) in zip(MARKERS, curves.items()):
        plt.plot(list(curve.levels), [100 * a for a in curve.accuracies], label=_short(name), marker=marker)
    plt.title(first.damage.label)
    plt.ylim(0, 100)
    plt.xticks(list(first.levels))
    plt.ylabel("accuracy %")
    plt.theme("clear")
    return plt.build() if color else plt.uncolorize(plt.build())


def level_lines(curves: dict) -> str:
    """A line per level: the level, then each model's accuracy at it."""
    from ..robustness import level_text

    first = next(iter(curves.values()))
    names = list(curves)
    header = f"  {'level':>8}  " + "  ".join(f"{_short(name):>18}" for name in names)
    rows = [header]
    for index, level in enumerate(first.levels):
        rows.append(f"  {level_text(first.damage, level):>8}  "
                    + "  ".join(f"{curves[name].accuracies[index]:>18.2%}" for name in names))
    return "\n".join(rows)


def _short(name: str) -> str:
    """A model file's name, without its folders, at most 18 characters."""
    from pathlib import Path

    short = Path(name).name
    return short if len(short) <= 18 else short[:17] + "…"
