"""termnet evaluate | predict | summary: looking at saved models and specs."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from rich.console import Console, Group
from rich.text import Text

from ..data import IMAGE_SHAPES
from ..display import confusion_table, digit_text, per_class_table, probability_bars
from ..engine import load_model
from ..metrics import evaluate as evaluate_predictions
from ..presets import fit_preset, stack_line
from ..provenance import remembered_data
from ..spec import PRESETS, load_spec
from .common import UserError, figures_on_test_set, load_data
from .planar_options import planar_options


def _model_and_data(args):
    network, metadata = load_model(args.file)
    dataset, data_dir = remembered_data(metadata, args.data, args.data_dir)  # where it was trained, unless given
    planar = planar_options(args, dataset, metadata.get("planar"))
    data = load_data(dataset, data_dir, quiet=getattr(args, "json", False), planar=planar)
    if tuple(network.input_shape) != data.image_shape:
        raise UserError(f"{args.file} takes images of shape {tuple(network.input_shape)}, "
                        f"but {data.name} has {data.image_shape}")
    return network, metadata, data


def evaluate(args) -> int:
    network, metadata, data = _model_and_data(args)
    probabilities = network.predict(data.x_test)
    result = evaluate_predictions(probabilities, data.y_test, data.num_classes,
                                  network.loss_value(probabilities, data.y_test))
    if args.json:
        details = {k: v for k, v in result.as_dict(data.class_names).items() if k not in ("accuracy", "loss")}
        print(json.dumps({"file": str(args.file), "dataset": data.name, "samples": len(data.x_test),
                          **figures_on_test_set(result), **details}))
        return 0
    console = Console()
    console.print(f"[bold]{args.file}[/]: test accuracy {result.accuracy:.2%}, test loss {result.loss:.4f} "
                  f"on {len(data.x_test):,} test images of {data.name}")
    console.print(confusion_table(result.confusion, data.class_names))
    console.print(per_class_table(result, data.class_names))
    return 0


def predict(args) -> int:
    network, metadata, data = _model_and_data(args)
    if not 0 <= args.index < len(data.x_test):
        raise UserError(f"--index must be between 0 and {len(data.x_test) - 1}. Received: {args.index}")
    if not data.is_images:
        raise UserError(f"predict draws an image; {data.name} is 2-D points: termnet evaluate {args.file} "
                        f"gives its accuracy, the dashboard (termnet --data {data.name}) its decision boundary")
    image, label = data.x_test[args.index], int(data.y_test[args.index])
    probabilities = network.predict(image[None])[0]
    predicted = int(probabilities.argmax())
    verdict = "right" if predicted == label else "wrong"
    console = Console()
    console.print(Group(
        Text(f"Test image {args.index}: true {data.class_names[label]}, predicted {data.class_names[predicted]} "
             f"({probabilities[predicted]:.1%}, {verdict})", style="bold"),
        digit_text(image, color=console.color_system is not None),
        probability_bars(probabilities, data.class_names, true_label=label)))
    return 0


def summary(args) -> int:
    target = args.target
    if Path(target).is_file() and zipfile.is_zipfile(target):
        network, metadata = load_model(target)
        print(f"{target}: trained {network.epochs_trained} epoch(s) on {metadata.get('dataset', '?')}")
        print(network.summary())
        return 0
    spec = load_spec(target)
    shape = IMAGE_SHAPES.get(args.data, (1, 28, 28))
    fitted = target in PRESETS  # a preset fits the images, as in train and the dashboard
    if fitted:
        spec, note = fit_preset(spec, shape)
    print(f"{spec.name}: {spec.description}" if spec.description else spec.name)
    if fitted:
        print(stack_line(spec, shape) + (f"\n{note}" if note else ""))
    print(spec.build(shape).summary(shape))
    return 0
