"""The termnet command: the dashboard, and headless training, evaluation and data management."""

from __future__ import annotations

import argparse
import sys

from .. import __version__
from ..data import DATASETS, IMAGE_SHAPES, SOURCES
from ..engine.losses import LOSSES
from ..engine.optimizers import OPTIMIZERS


def _positive(kind, name):
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            what = "an integer" if kind is int else "a number"
            raise argparse.ArgumentTypeError(f"{name} must be {what}. Received: {text!r}") from None
        if not value > 0 or value != value or value == float("inf"):
            raise argparse.ArgumentTypeError(f"{name} must be a positive number. Received: {text}")
        return value
    return parse


def _share(name):
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} must be a number. Received: {text!r}") from None
        if not 0 <= value < 1:
            raise argparse.ArgumentTypeError(f"{name} must be at least 0 and below 1. Received: {text}")
        return value
    return parse


def _non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be an integer. Received: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more. Received: {value}")
    return value


def _data_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", choices=list(DATASETS),
                        help="dataset (default: MNIST when cached or --data-dir is given, else the 8x8 digits)")
    parser.add_argument("--data-dir", metavar="DIR", help="a folder holding the four IDX files")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="termnet", description="Build, train and look inside neural networks "
                                     "in the terminal. Without a command, opens the dashboard.")
    parser.add_argument("--version", action="version", version=f"termnet {__version__}")
    _data_options(parser)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    train = commands.add_parser("train", help="train a network headless")
    train.add_argument("--model", metavar="PRESET|SPEC.toml",
                       help="article-mlp, article-cnn, mlp (default), cnn, or a spec file (not with --resume)")
    _data_options(train)
    train.add_argument("--epochs", type=_positive(int, "epochs"))
    train.add_argument("--learning-rate", type=_positive(float, "learning rate"))
    train.add_argument("--batch-size", type=_positive(int, "batch size"))
    train.add_argument("--optimizer", choices=list(OPTIMIZERS))
    train.add_argument("--loss", choices=list(LOSSES))
    train.add_argument("--train-size", type=_non_negative_int, metavar="N", help="first N training images (0: all)")
    train.add_argument("--seed", type=int)
    train.add_argument("--validation-split", type=_share("validation split"), metavar="SHARE",
                       help="share of the training images held out to validate each epoch (default 0.1; 0: none)")
    train.add_argument("--save", metavar="FILE", help="save the trained model (also after Ctrl+C)")
    train.add_argument("--resume", metavar="FILE", help="continue training a saved model (where it stopped: "
                       "optimizer, shuffling, schedule, validation split; --epochs, --learning-rate, "
                       "--batch-size and --save apply, other changes are refused)")
    train.add_argument("--json", action="store_true", help="end with one JSON line of results")

    evaluate = commands.add_parser("evaluate", help="accuracy, confusion matrix, precision and recall")
    evaluate.add_argument("file")
    _data_options(evaluate)
    evaluate.add_argument("--json", action="store_true")

    predict = commands.add_parser("predict", help="draw a test digit with the model's ten probabilities")
    predict.add_argument("file")
    predict.add_argument("--index", type=int, default=0, metavar="I")
    _data_options(predict)

    summary = commands.add_parser("summary", help="layers, output shapes and parameters")
    summary.add_argument("target", metavar="PRESET|SPEC|FILE")
    summary.add_argument("--data", choices=list(IMAGE_SHAPES), default="mnist")

    export = commands.add_parser("export-code", help="print a Python script that builds and trains a spec")
    export.add_argument("spec", metavar="PRESET|SPEC")
    export.add_argument("--data", choices=list(IMAGE_SHAPES), default="mnist")

    data = commands.add_parser("data", help="list or download datasets")
    data_commands = data.add_subparsers(dest="data_command", metavar="ACTION", required=True)
    listing = data_commands.add_parser("list", help="each dataset: available, cached, where, size")
    listing.add_argument("--data-dir", metavar="DIR")
    fetch = data_commands.add_parser("fetch", help="download a dataset into the cache")
    fetch.add_argument("name", choices=list(SOURCES))

    serve = commands.add_parser("serve", help="serve the dashboard to a browser with textual-serve")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    _data_options(serve)
    return parser


def _dispatch(args) -> int:
    from . import data_commands, export, model_commands
    from . import train as train_command

    handlers = {"train": train_command.train, "evaluate": model_commands.evaluate, "predict": model_commands.predict,
                "summary": model_commands.summary, "export-code": export.export}
    if args.command in handlers:
        return handlers[args.command](args)
    if args.command == "data":
        return {"list": data_commands.data_list, "fetch": data_commands.data_fetch}[args.data_command](args)
    from ..app.launch import run_app, serve_app

    if args.command == "serve":
        return serve_app(args)
    return run_app(args)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from ..data import DatasetError, DownloadError
    from ..engine.serialization import ModelFileError
    from ..spec import SpecError
    from .common import UserError

    try:
        return _dispatch(args)
    except (UserError, DatasetError, DownloadError, ModelFileError, SpecError, ValueError, OSError) as error:
        print(f"termnet: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("termnet: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
