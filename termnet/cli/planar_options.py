"""The 2-D data options (--samples, --noise, --test-ratio, --features), read from their one table in
termnet/data/planar.py, and the PlanarOptions they ask for."""

from __future__ import annotations

import argparse
from dataclasses import asdict, fields

from ..data import PLANAR, PLANAR_OPTIONS, PlanarOptions
from .common import UserError

NAMES = tuple(name for name, *_ in PLANAR_OPTIONS)


def _typed(parse):
    def read(text: str):
        try:
            return parse(text)
        except ValueError as error:
            raise argparse.ArgumentTypeError(str(error)) from None
    return read


def add_planar_options(parser: argparse.ArgumentParser, prefix: str = "") -> None:
    for name, option, parse, help_text in PLANAR_OPTIONS:
        parser.add_argument(option, dest=f"{prefix}{name}", type=_typed(parse), metavar=name.upper(), help=help_text)


def planar_options(args, dataset: str | None, remembered: dict | None = None) -> PlanarOptions | None:
    """The options given for ``dataset`` over those a model file remembers (None when no 2-D set is used);
    a UserError when one is given for image data, where it would silently do nothing."""
    given = {name: getattr(args, name, None) for name in NAMES if getattr(args, name, None) is not None}
    if dataset not in PLANAR:
        if given:
            option = next(option for name, option, *_ in PLANAR_OPTIONS if name in given)
            raise UserError(f"{option} is for the 2-D data sets ({', '.join(PLANAR)}); "
                            f"{dataset or 'the image data'} is images: leave it out, or pass --data spirals")
        return None
    known = {f.name for f in fields(PlanarOptions)}
    values = {k: (tuple(v) if k == "features" else v) for k, v in (remembered or {}).items() if k in known}
    return PlanarOptions(**{**asdict(PlanarOptions()), **values, **given})
