"""HyperparameterForm: learning rate, epochs and the rest, validated as they are typed."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.validation import ValidationResult, Validator
from textual.widgets import Input, Label, Select

from ...settings import SETTINGS, Setting, combination_problem, whole_text_problem


class WholeNumber(Validator):
    """Digits only, at least ``minimum``. Textual's ``type="integer"`` silently drops the characters it does not
    take, so ``1e9`` became 19 and ``2.5`` became 25: here the whole text stays in the field and is refused."""

    def __init__(self, minimum: int | None = None):
        super().__init__()
        self.minimum = minimum

    def validate(self, value: str) -> ValidationResult:
        problem = whole_text_problem(value, self.minimum)
        return self.failure(problem) if problem else self.success()


class SettingText(Validator):
    """A number or share as its setting reads it (termnet/settings.py): the form refuses what the spec and the
    command line refuse, with the same words."""

    def __init__(self, setting: Setting):
        super().__init__()
        self.setting = setting

    def validate(self, value: str) -> ValidationResult:
        try:
            self.setting.parse(value)
        except ValueError as error:
            return self.failure(str(error))
        return self.success()


def validators(setting: Setting) -> list[Validator]:
    """What checks a typed setting's field."""
    return [WholeNumber(minimum=setting.minimum) if setting.kind == "whole" else SettingText(setting)]


#: Every training setting, in the table's order; a choice is a Select of its registry, the rest are typed.
ORDER = list(SETTINGS)
CHOICES = {name: (s.label, list(s.choices)) for name, s in SETTINGS.items() if s.kind == "choice"}
NUMBER_FIELDS = {  # name: (label, kind, validators); typed as text and read only once the validators pass
    name: (s.label, s.kind, validators(s)) for name, s in SETTINGS.items() if s.kind != "choice"}


def _choice(name: str, value) -> str:
    """The option a Select shows for ``value``: its registry's name for it ("Adam": adam), else the default."""
    value = SETTINGS[name].canonical(value)
    return value if value in CHOICES[name][1] else SETTINGS[name].default


class HyperparameterForm(VerticalScroll, can_focus=False):
    """One row per setting; a bad value shows its reason beside the field and is never used."""

    DEFAULT_CSS = """
    HyperparameterForm { border: round $primary; height: 1fr; }
    HyperparameterForm > Vertical { height: auto; }
    HyperparameterForm Horizontal { height: 1; }
    HyperparameterForm Label.name { width: 14; }
    HyperparameterForm Input, HyperparameterForm Select { width: 1fr; max-width: 16; }
    /* a problem wraps under its field instead of being cut at 80 columns */
    HyperparameterForm Label.problem { color: $error; padding-left: 2; width: 1fr; height: auto; }
    """

    def __init__(self, values: dict, **kwargs):
        super().__init__(**kwargs)
        self.initial = values
        self.border_title = "Training"

    def compose(self) -> ComposeResult:
        for name in ORDER:
            with Vertical(id=f"row-{name}"):
                with Horizontal():
                    if name in NUMBER_FIELDS:
                        label, kind, validators = NUMBER_FIELDS[name]
                        yield Label(label, classes="name")
                        yield Input(str(self.initial[name]), type="text", validators=validators, compact=True,
                                    id=f"field-{name}", select_on_focus=True)
                    else:
                        label, options = CHOICES[name]
                        yield Label(label, classes="name")
                        yield Select([(o, o) for o in options], value=_choice(name, self.initial[name]),
                                     allow_blank=False, compact=True, id=f"field-{name}")
                problem = Label("", classes="problem", id=f"problem-{name}")
                problem.display = False  # shown under its field only while the value is bad
                yield problem

    def on_input_changed(self, event: Input.Changed) -> None:
        name = event.input.id.removeprefix("field-")
        result = event.validation_result
        problem = "" if result is None or result.is_valid else "; ".join(result.failure_descriptions)
        if not event.value.strip():
            problem = "needs a value"
        label = self.query_one(f"#problem-{name}", Label)
        label.update(problem)
        label.display = bool(problem)

    def set_values(self, values: dict) -> None:
        for name in ORDER:
            if name not in values:
                continue
            widget = self.query_one(f"#field-{name}")
            if isinstance(widget, Input):
                widget.value = str(values[name])
            else:
                widget.value = _choice(name, values[name])

    def values(self) -> tuple[dict, list[str]]:
        """The settings, and a message for each field that holds a bad value."""
        values, problems = {}, []
        for name in ORDER:
            widget = self.query_one(f"#field-{name}")
            if isinstance(widget, Select):
                values[name] = widget.value
                continue
            label = NUMBER_FIELDS[name][0]
            result = widget.validate(widget.value)
            text = widget.value.strip()
            if not text or (result is not None and not result.is_valid):
                reason = "needs a value" if not text else "; ".join(result.failure_descriptions)
                problems.append(f"{label}: {reason} (received {text!r})")
                continue
            values[name] = SETTINGS[name].parse(text)
        if not problems and (problem := combination_problem(values)):
            problems.append(problem[0].upper() + problem[1:])
        return values, problems
