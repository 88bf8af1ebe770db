"""termnet lesson: the Lesson tab's course as plain text, for a notebook, a log or a screen reader."""

from __future__ import annotations

import zipfile
from pathlib import Path


def add_parser(commands) -> None:
    from . import _data_options, _whole  # the command line's own option helpers (this runs while it builds)

    lesson = commands.add_parser("lesson", help="one test image forward through every layer and its error back, "
                                                "step by step, as plain text")
    lesson.add_argument("target", metavar="MODEL|PRESET|SPEC",
                        help="a saved model, a preset (article-mlp, ...) or a spec file; a preset or spec is "
                             "followed with its fresh weights (its seed)")
    lesson.add_argument("--index", type=_whole("index", 0), default=0, metavar="N", help="the test image (default 0)")
    _data_options(lesson)


def run(args) -> int:
    # imported here: the command line builds every command's options at each start, the app's included
    from ..engine import load_model
    from ..lesson.course import course
    from ..lesson.text import course_text
    from ..presets import fit_preset
    from ..provenance import remembered_data
    from ..spec import PRESETS, load_spec
    from .common import UserError, load_data

    target = args.target
    if Path(target).is_file() and zipfile.is_zipfile(target):
        network, metadata = load_model(target)
        dataset, data_dir = remembered_data(metadata, args.data, args.data_dir)
        data = load_data(dataset, data_dir)
        if tuple(network.input_shape) != data.image_shape:
            raise UserError(f"{target} takes images of shape {tuple(network.input_shape)}, "
                            f"but {data.name} has {data.image_shape}")
    else:
        spec = load_spec(target)
        data = load_data(args.data, args.data_dir)
        if target in PRESETS:  # a preset fits the images at hand, as in train and the dashboard
            spec = fit_preset(spec, data.image_shape)[0]
        network = spec.build(data.image_shape).build()
    if not 0 <= args.index < len(data.x_test):
        raise UserError(f"--index must be between 0 and {len(data.x_test) - 1}. Received: {args.index}")
    label = int(data.y_test[args.index])
    lesson = course(network, data.x_test[args.index], label, f"test image {args.index} of {data.name}")
    print(course_text(lesson))
    return 0
