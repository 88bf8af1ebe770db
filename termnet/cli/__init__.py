"""The termnet command: the dashboard, and headless training, evaluation and data management."""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path

from .. import __version__
from ..data import DATASETS, IMAGE_SHAPES, SOURCES
from ..settings import APPLIED_ON_RESUME, SETTINGS, Setting
from ..spec import PRESETS
from . import lesson, onnx_commands
from . import sweep as sweep_command
from .export import FRAMEWORKS
from .robustness import add_arguments as robustness_options

#: The presets for --model's help, the default marked (the names are spec.PRESETS, the default train's).
PRESET_LIST = ", ".join(f"{name} (default)" if name == "mlp" else name for name in PRESETS) + ","


class Parser(argparse.ArgumentParser):
    """argparse, but a mistake is one line (and where to read more), like every other termnet error: no usage
    block above it. Its commands' parsers are CommandParsers."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.register("action", "parsers", _CommandsAction)

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {_one_line(message)} ({self.prog} --help shows the options)\n")


class CommandParser(Parser):
    """A command's parser refuses the arguments it does not know itself, so that the error names the command
    (``termnet train: error: unrecognized arguments``) rather than leaving them to ``termnet``."""

    def parse_known_args(self, args=None, namespace=None):
        namespace, extras = super().parse_known_args(args, namespace)
        if extras:
            self.error(f"unrecognized arguments: {' '.join(extras)}")
        return namespace, extras


class _CommandsAction(argparse._SubParsersAction):
    def __init__(self, *args, **kwargs):
        kwargs["parser_class"] = CommandParser
        super().__init__(*args, **kwargs)


#: Digits only: "1e9" and "2.5" are refused by name rather than read as 1000000000 or cut to 2.
_WHOLE = re.compile(r"[+-]?[0-9]+")


def _integer(name: str, text: str, minimum: int | None = None, maximum: int | None = None) -> int:
    text = text.strip()
    if not _WHOLE.fullmatch(text):
        raise argparse.ArgumentTypeError(f"{name} must be a whole number written in digits. Received: {text!r}")
    value = int(text)
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        bounds = f"from {minimum} to {maximum}" if maximum is not None else f"{minimum} or more"
        raise argparse.ArgumentTypeError(f"{name} must be {bounds}. Received: {text}")
    return value


def _whole(name: str, minimum: int | None = None, maximum: int | None = None):
    return lambda text: _integer(name, text, minimum, maximum)


def _save_path(text: str) -> str:
    """Checked before training, so that an hour's run is not lost to a path that cannot be written."""
    if not text.strip():
        raise argparse.ArgumentTypeError("--save needs a file name. Received: an empty name")
    path = Path(text).expanduser()
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{path} is a folder: give a file name, such as {path / 'model.termnet'}")
    folder = path.parent.resolve()
    if not folder.is_dir():
        raise argparse.ArgumentTypeError(f"the folder {folder} does not exist: create it first, or save elsewhere")
    return text


def _setting_value(setting: Setting):
    """The option's type: the text read as the setting reads it (termnet/settings.py), so that the command line
    refuses what the form and a spec refuse, for the same reason."""
    def parse(text: str):
        try:
            return setting.parse(text)
        except ValueError as error:
            raise argparse.ArgumentTypeError(f"{error}. Received: {text!r}") from None
    return parse


_METAVARS = {"number": "X", "whole": "N", "share": "SHARE"}


def _setting_options(parser: argparse.ArgumentParser) -> None:
    """One option per training setting, from the table: a setting added there is offered here too. Each
    defaults to None (not given), so that the spec's own value, or the resumed model's, stands."""
    for setting in SETTINGS.values():
        choices = list(setting.choices) or None
        default = "none" if setting.default is None else setting.default
        parser.add_argument(setting.option, dest=setting.name, type=_setting_value(setting), choices=choices,
                            metavar=None if choices else _METAVARS[setting.kind],
                            help=f"{setting.help} (default: the spec's, else {default})")


def _data_options(parser: argparse.ArgumentParser, prefix: str = "") -> None:
    parser.add_argument("--data", choices=list(DATASETS), dest=f"{prefix}data",
                        help="dataset (default: MNIST when cached or --data-dir is given, else the 8x8 digits)")
    parser.add_argument("--data-dir", metavar="DIR", dest=f"{prefix}data_dir",
                        help="a folder holding the four IDX files")
    from .planar_options import add_planar_options  # --noise and the other 2-D data options

    add_planar_options(parser, prefix)


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="termnet", description="Build, train and look inside neural networks "
                                     "in the terminal. Without a command, opens the dashboard.")
    parser.add_argument("--version", action="version", version=f"termnet {__version__}")
    _data_options(parser, "global_")  # given before a command: applied to it by _apply_global_data
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    train = commands.add_parser("train", help="train a network headless")
    train.add_argument("--model", metavar="PRESET|SPEC.toml",
                       help=f"{PRESET_LIST} or a spec file (not with --resume)")
    _data_options(train)
    _setting_options(train)
    saving = train.add_mutually_exclusive_group()
    saving.add_argument("--save", metavar="FILE", type=_save_path,
                        help="save the trained model (also after Ctrl+C); with --resume: save here instead")
    saving.add_argument("--no-save", action="store_true", help="with --resume: leave the model file as it was")
    train.add_argument("--resume", metavar="FILE", help="continue training a saved model where it stopped (its "
                       "data, optimizer, shuffling, schedule, validation split), then save it back; "
                       f"{', '.join(SETTINGS[name].option for name in APPLIED_ON_RESUME)} apply, other changes are "
                       "refused")
    train.add_argument("--json", action="store_true", help="end with one JSON line of results")

    evaluate = commands.add_parser("evaluate", help="accuracy, confusion matrix, precision and recall")
    evaluate.add_argument("file")
    _data_options(evaluate)
    evaluate.add_argument("--json", action="store_true")
    robustness_options(evaluate)

    predict = commands.add_parser("predict", help="draw a test digit with the model's ten probabilities")
    predict.add_argument("file")
    predict.add_argument("--index", type=_whole("index", 0), default=0, metavar="I")
    _data_options(predict)

    summary = commands.add_parser("summary", help="layers, output shapes and parameters")
    summary.add_argument("target", metavar="PRESET|SPEC|FILE")
    summary.add_argument("--data", choices=list(IMAGE_SHAPES), help="image shape of this dataset (default: mnist)")

    export = commands.add_parser("export-code", help="print a Python script that builds and trains a spec")
    export.add_argument("spec", metavar="PRESET|SPEC|MODEL")
    export.add_argument("--data", choices=list(IMAGE_SHAPES), help="image shape of this dataset (default: mnist)")
    export.add_argument("--framework", choices=FRAMEWORKS, default="termnet",
                        help="pytorch: a torch.nn.Sequential script loading a saved MODEL's weights")
    onnx_commands.add_parsers(commands)

    data = commands.add_parser("data", help="list or download datasets")
    data_commands = data.add_subparsers(dest="data_command", metavar="ACTION", required=True)
    listing = data_commands.add_parser("list", help="each dataset: available, cached, where, size")
    listing.add_argument("--data-dir", metavar="DIR")
    fetch = data_commands.add_parser("fetch", help="download a dataset into the cache")
    fetch.add_argument("name", choices=list(SOURCES))

    lesson.add_parser(commands)  # termnet lesson: cli/lesson.py
    sweep_command.add_parser(commands, _data_options, _whole, _save_path)

    serve = commands.add_parser("serve", help="serve the dashboard to a browser with textual-serve")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=_whole("port", 1, 65535), default=8000)
    _data_options(serve)
    return parser


def _dispatch(args) -> int:
    from . import data_commands, export, model_commands, robustness
    from . import train as train_command

    if args.command == "evaluate" and (args.robustness or args.compare or args.images):
        return robustness.run(args)

    handlers = {"train": train_command.train, "evaluate": model_commands.evaluate, "predict": model_commands.predict,
                "summary": model_commands.summary, "export-code": export.export, "lesson": lesson.run,
                "sweep": sweep_command.run, **onnx_commands.HANDLERS}
    if args.command in handlers:
        return handlers[args.command](args)
    if args.command == "data":
        return {"list": data_commands.data_list, "fetch": data_commands.data_fetch}[args.data_command](args)
    from ..app.launch import run_app, serve_app

    if args.command == "serve":
        return serve_app(args)
    return run_app(args)


def _apply_global_data(parser: argparse.ArgumentParser, args) -> None:
    """``termnet --data digits train`` means ``termnet train --data digits``; a command that takes no
    such option, or the option given twice with two values, is refused rather than silently ignored."""
    command = " ".join(filter(None, [args.command, getattr(args, "data_command", None)])) or "the dashboard"
    from .planar_options import NAMES as PLANAR_NAMES

    if args.command is None:  # the dashboard has no options of its own: the global ones are its
        for name in ("data", "data_dir", *PLANAR_NAMES):
            setattr(args, name, getattr(args, f"global_{name}"))
        return
    for name in ("data", "data_dir", *PLANAR_NAMES):
        given = getattr(args, f"global_{name}")
        option = f"--{name.replace('_', '-')}"
        if given is None:
            continue
        if args.command is not None and not hasattr(args, name):
            parser.error(f"{option} given before '{command}', which does not take it")
        own = getattr(args, name, None)
        if own is not None and own != given:
            parser.error(f"{option} given twice, {given!r} before '{command}' and {own!r} after it: give it once")
        if name == "data" and args.command in ("summary", "export-code") and given not in IMAGE_SHAPES:
            parser.error(f"argument --data: invalid choice: {given!r} for '{command}' "
                         f"(choose from {', '.join(IMAGE_SHAPES)})")
        setattr(args, name, given)
    if args.command in ("summary", "export-code") and args.data is None:
        args.data = "mnist"


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    _apply_global_data(parser, args)
    from ..data import DatasetError, DownloadError
    from ..engine.serialization import ModelFileError
    from ..spec import SpecError
    from .common import UserError

    try:
        return _dispatch(args)
    except (UserError, DatasetError, DownloadError, ModelFileError, SpecError, ValueError, OSError) as error:
        print(f"termnet: error: {_one_line(error)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("termnet: interrupted", file=sys.stderr)
        return 130
    except MemoryError:
        print("termnet: error: out of memory: use a smaller network, batch size or --train-size", file=sys.stderr)
        return 2
    except Exception as error:  # noqa: BLE001 - a bug still ends in one line; TERMNET_DEBUG=1 shows the traceback
        if os.environ.get("TERMNET_DEBUG"):
            raise
        print(f"termnet: internal error: {type(error).__name__}: {_one_line(error)} "
              f"(a bug in termnet: TERMNET_DEBUG=1 shows where)", file=sys.stderr)
        return 1


def _one_line(error: BaseException) -> str:
    """The message on one line: a path or a value with a newline in it must not break the one-line promise."""
    text = " ".join(str(error).split())
    return text[:2000] + "…" if len(text) > 2000 else text


if __name__ == "__main__":
    sys.exit(main())
