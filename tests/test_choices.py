"""Every list of choices the CLI and the dashboard offer is read from the registry that defines it."""

import argparse

import pytest
from textual.widgets import Select

from termnet.app import make_app
from termnet.app.screens.layer_form import LayerFormScreen
from termnet.app.widgets.hyperparameters import HyperparameterForm
from termnet.cli import build_parser
from termnet.cli.export import FRAMEWORKS
from termnet.data import DATASETS, IMAGE_SHAPES, SOURCES
from termnet.engine import AUGMENTATION_LEVELS
from termnet.engine.activation import ACTIVATIONS
from termnet.engine.convolution import PADDING_MODES
from termnet.engine.initializers import INITIALIZERS
from termnet.engine.losses import LOSSES
from termnet.engine.optimizers import OPTIMIZERS
from termnet.engine.pooling import POOLING_MODES
from termnet.engine.registry import LAYER_TYPES
from termnet.engine.schedules import SCHEDULES
from termnet.settings import SETTINGS

from .app.conftest import digits  # noqa: F401  (the fixture)
from .app.pilot import SIZE

REGISTRIES = {"optimizer": OPTIMIZERS, "loss": LOSSES, "schedule": SCHEDULES, "init": INITIALIZERS,
              "augment": AUGMENTATION_LEVELS, "framework": FRAMEWORKS}


def parsers(parser: argparse.ArgumentParser, path: str = "termnet"):
    """The parser and every sub-command's, with its command line prefix."""
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from parsers(sub, f"{path} {name}")


def choice_lists() -> list[tuple[str, str, list]]:
    return [(path, action.dest, list(action.choices)) for path, parser in parsers(build_parser())
            for action in parser._actions
            if action.choices is not None and not isinstance(action, argparse._SubParsersAction)]


def expected_cli_choices(path: str, dest: str) -> list:
    if dest in REGISTRIES:
        return list(REGISTRIES[dest])
    if dest == "global_data":  # --data before a command: any dataset, checked against the command after
        return list(DATASETS)
    if dest == "data":  # summary and export-code need the image shape before loading anything
        return list(IMAGE_SHAPES) if path.split()[-1] in ("summary", "export-code") else list(DATASETS)
    if path == "termnet data fetch" and dest == "name":
        return list(SOURCES)
    raise AssertionError(f"{path}: --{dest} has choices but no registry is known for them: add one here")


@pytest.mark.parametrize("path, dest, choices", choice_lists(), ids=lambda v: v if isinstance(v, str) else "")
def test_every_cli_choice_list_is_its_registry(path, dest, choices):
    assert choices == expected_cli_choices(path, dest)


def test_the_cli_offers_the_registries_where_it_should():
    found = {(path, dest) for path, dest, _ in choice_lists()}
    assert {("termnet train", "optimizer"), ("termnet train", "loss"), ("termnet train", "data"),
            ("termnet", "global_data"), ("termnet export-code", "data"), ("termnet data fetch", "name")} <= found


def test_image_shapes_name_only_datasets():
    assert set(IMAGE_SHAPES) <= set(DATASETS) and set(SOURCES) <= set(DATASETS)


def options(select: Select) -> list:
    return [value for _, value in select._options if value is not Select.BLANK]


async def test_the_settings_form_offers_the_engine_registries(digits):  # noqa: F811
    app = make_app(dataset=digits, preset="mlp")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        form = app.dashboard.query_one(HyperparameterForm)
        for name, registry in REGISTRIES.items():
            if name in SETTINGS:  # the form shows the training settings (export-code's framework is no setting)
                assert options(form.query_one(f"#field-{name}", Select)) == list(registry), name


async def test_the_layer_form_offers_the_engine_registries(digits):  # noqa: F811
    app = make_app(dataset=digits, preset="mlp")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("a")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, LayerFormScreen)
        type_select = form.query_one("#type", Select)
        assert options(type_select) == list(LAYER_TYPES)
        for kind, field, registry in [("Activation", "name", ACTIVATIONS), ("Convolution", "padding", PADDING_MODES),
                                      ("Pooling", "mode", POOLING_MODES)]:
            type_select.value = kind
            await pilot.pause()
            assert options(form.query_one(f"#f-{field}", Select)) == list(registry), kind
            assert LAYER_TYPES[kind].field(field).choices == registry
