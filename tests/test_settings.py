"""One table of training settings (termnet/settings.py): the dashboard's form, the spec checks and
``termnet train`` offer every setting in it, with the same default, and take or refuse the same values."""

import argparse
import json
import subprocess
import sys

import pytest
from textual.app import App
from textual.widgets import Input, Label, Select

from termnet.app.widgets.hyperparameters import HyperparameterForm
from termnet.cli import build_parser
from termnet.cli.train import APPLIED_ON_RESUME, kept_on_resume
from termnet.engine import AUGMENTATION_LEVELS, INITIALIZERS, LOSSES, OPTIMIZERS, SCHEDULES, Network
from termnet.settings import KINDS, SETTINGS
from termnet.spec import TRAINING_CHECKS, TRAINING_DEFAULTS, SpecError, parse_spec

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

#: Texts typed into a field or given to an option: good ones, edge ones and bad ones, by kind.
TEXTS = {
    "number": ["0.1", "1", "1e-9", "1e9", " 0.5 ", "0", "-1", "nan", "inf", "-inf", "abc", "", "1,5", "True"],
    "whole": ["0", "1", "+5", "32", " 7 ", "-1", "2.5", "1e3", "abc", "", "٣", "true", "9" * 30],
    "share": ["0", "0.1", "0.9", "0.5", "-0.1", "0.95", "1", "nan", "inf", "abc", ""],
    "choice": ["nope", "", "1"],
}


def texts(setting) -> list[str]:
    extra = [*setting.choices, setting.choices[0].upper(), *dict(setting.aliases)] if setting.kind == "choice" else []
    return TEXTS[setting.kind] + extra


CASES = [(name, text) for name, setting in SETTINGS.items() for text in texts(setting)]


def train_parser() -> argparse.ArgumentParser:
    action = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return action.choices["train"]


def cli_value(name: str, text: str):
    """The value ``termnet train --option TEXT`` trains with, or None when it is refused."""
    try:
        return getattr(train_parser().parse_args([SETTINGS[name].option, text]), name)
    except SystemExit:
        return None


def spec_value(name: str, text: str):
    """The value a spec's ``[training] name = TEXT`` trains with (a text TOML cannot read is a string), or None."""
    try:
        literal = text if isinstance(tomllib.loads(f"v = {text}")["v"], (int, float, bool)) else json.dumps(text)
    except tomllib.TOMLDecodeError:
        literal = json.dumps(text)
    try:
        spec = parse_spec(f"[training]\n{name} = {literal}\n[[layers]]\ntype = 'Flatten'\n", "s.toml")
    except SpecError:
        return None
    return spec.hyperparameters()[name]


class FormApp(App):
    def compose(self):
        yield HyperparameterForm(TRAINING_DEFAULTS, id="form")


def form_value(form: HyperparameterForm, name: str, text: str):
    """The value the form trains with once ``text`` is put in the field, or None when the form does not take it
    (a typed field shows a problem; a choice list has no such option and shows another)."""
    form.set_values({name: text})
    values, problems = form.values()
    if any(p.startswith(f"{SETTINGS[name].label}:") for p in problems):
        return None
    value = values[name]
    if SETTINGS[name].kind == "choice" and value != SETTINGS[name].canonical(text):
        return None
    return value


def test_every_setting_has_a_kind_a_label_a_help_and_a_default_it_accepts():
    for name, setting in SETTINGS.items():
        assert setting.kind in KINDS and setting.label and setting.help and "\n" not in setting.help, name
        assert setting.problem(setting.default) is None, name
    assert list(SETTINGS) == ["learning_rate", "epochs", "batch_size", "optimizer", "weight_decay", "loss", "schedule",
                              "train_size", "validation_split", "patience", "seed", "init", "augment"]


def test_the_choices_are_the_engine_registries():
    registries = {"optimizer": OPTIMIZERS, "loss": LOSSES, "schedule": SCHEDULES, "init": INITIALIZERS,
                  "augment": AUGMENTATION_LEVELS}
    assert {name: list(s.choices) for name, s in SETTINGS.items() if s.kind == "choice"} == {
        name: list(registry) for name, registry in registries.items()}


def test_every_setting_is_a_spec_key_with_the_tables_default():
    assert {name: s.default for name, s in SETTINGS.items()} == TRAINING_DEFAULTS
    assert set(TRAINING_CHECKS) == set(SETTINGS)
    spec = parse_spec("[[layers]]\ntype = 'Flatten'\n", "s.toml")
    assert spec.hyperparameters() == TRAINING_DEFAULTS


def test_every_setting_is_a_train_option_that_leaves_the_spec_s_value_when_not_given():
    parser = train_parser()
    options = {action.dest: action for action in parser._actions}
    given = parser.parse_args([])
    for name, setting in SETTINGS.items():
        assert options[name].option_strings == [setting.option]
        assert getattr(given, name) is None  # not given: the spec's own value (or the resumed model's) stands
        assert options[name].help.endswith(f"else {setting.default})"), options[name].help
        assert options[name].choices == (list(setting.choices) or None)


async def test_every_setting_is_a_form_field_with_its_label_and_default():
    app = FormApp()
    async with app.run_test() as pilot:
        await pilot.pause()
        form = app.query_one(HyperparameterForm)
        fields = [w.id.removeprefix("field-") for w in form.query("Input, Select")]
        assert fields == list(SETTINGS)  # every setting, in the table's order, and nothing else
        labels = [str(label.content) for label in form.query("Label.name")]
        assert labels == [s.label for s in SETTINGS.values()]
        for name, setting in SETTINGS.items():
            widget = form.query_one(f"#field-{name}")
            assert isinstance(widget, Select if setting.kind == "choice" else Input), name
        assert form.values() == (TRAINING_DEFAULTS, [])


async def test_the_form_the_spec_and_the_command_line_take_and_refuse_the_same_values():
    app = FormApp()
    async with app.run_test() as pilot:
        await pilot.pause()
        form = app.query_one(HyperparameterForm)
        disagreements = []
        for name, text in CASES:
            found = {"cli": cli_value(name, text), "form": form_value(form, name, text),
                     "spec": spec_value(name, text)}
            if len({repr(v) if v is None else v for v in found.values()}) != 1:
                disagreements.append((name, text, found))
            form.set_values(TRAINING_DEFAULTS)
        assert not disagreements
        # and each refusal is not all the cases: the good texts are taken
        assert sum(cli_value(name, text) is not None for name, text in CASES) > len(SETTINGS) * 2


@pytest.mark.parametrize("name, text", [("epochs", "0"), ("epochs", "2.5"), ("learning_rate", "-1"),
                                        ("validation_split", "0.95"), ("seed", "abc")])
async def test_a_refusal_gives_the_same_reason_in_the_form_the_spec_and_on_the_command_line(name, text, capsys):
    setting = SETTINGS[name]
    with pytest.raises(ValueError) as refused:
        setting.parse(text)
    reason = str(refused.value)
    assert cli_value(name, text) is None and reason in capsys.readouterr().err
    try:
        value = tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        value = text
    spec_reason = setting.problem(value)
    assert spec_reason == reason
    app = FormApp()
    async with app.run_test() as pilot:
        form = app.query_one(HyperparameterForm)
        form.set_values({name: text})
        await pilot.pause()
        assert str(form.query_one(f"#problem-{name}", Label).content) == reason


def test_a_resumed_run_either_applies_or_keeps_every_setting():
    """A setting added to the table must be placed here: a resumed run applies it, or refuses a change to it."""
    kept = kept_on_resume(Network(), {})
    assert set(APPLIED_ON_RESUME) | set(kept) == set(SETTINGS) and not set(APPLIED_ON_RESUME) & set(kept)


def test_the_table_and_its_readers_import_no_user_interface():
    code = ("import sys, termnet.settings, termnet.provenance, termnet.spec, termnet.cli; "
            "print(','.join(m for m in ('textual', 'rich') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""


def test_fit_extras_turn_patience_and_augment_into_what_fit_takes():
    from termnet.engine import Augmentation, EarlyStopping
    from termnet.settings import fit_extras

    none = fit_extras({"patience": 0, "augment": "none"}, (1, 28, 28), 0)
    assert none.stopper is None and none.augment is None and none.callbacks == []
    both = fit_extras({"patience": 3, "augment": "light"}, (1, 28, 28), 5)
    assert isinstance(both.stopper, EarlyStopping) and both.stopper.patience == 3 and both.callbacks == [both.stopper]
    assert isinstance(both.augment, Augmentation) and both.augment.rotation == 10
