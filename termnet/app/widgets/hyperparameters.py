"""HyperparameterForm: learning rate, epochs and the rest, validated as they are typed."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.validation import Number, ValidationResult, Validator
from textual.widgets import Input, Label, Select

from ...engine.losses import LOSSES
from ...engine.optimizers import OPTIMIZERS
from ...engine.schedules import SCHEDULES


class WholeNumber(Validator):
    """Digits only, at least ``minimum``. Textual's ``type="integer"`` silently drops the characters it does not
    take, so ``1e9`` became 19 and ``2.5`` became 25: here the whole text stays in the field and is refused."""

    def __init__(self, minimum: int | None = None):
        super().__init__()
        self.minimum = minimum

    def validate(self, value: str) -> ValidationResult:
        text = value.strip()
        digits = text[1:] if text[:1] in "+-" else text
        if not digits.isdigit() or not digits.isascii():
            return self.failure("must be a whole number")
        if self.minimum is not None and int(text) < self.minimum:
            return self.failure(f"must be {self.minimum} or more")
        return self.success()


NUMBER_FIELDS = {
    # name: (label, type, validators); every field is typed as text and read only once its validators pass
    "learning_rate": ("Learning rate", "number", [Number(minimum=1e-9, failure_description="must be > 0")]),
    "epochs": ("Epochs", "integer", [WholeNumber(minimum=1)]),
    "batch_size": ("Batch size", "integer", [WholeNumber(minimum=1)]),
    "train_size": ("Samples 0=all", "integer", [WholeNumber(minimum=0)]),
    "validation_split": ("Validation", "number", [Number(minimum=0, maximum=0.9,
                                                         failure_description="must be 0 to 0.9")]),
    "seed": ("Seed", "integer", [WholeNumber(minimum=0)]),
}
CHOICES = {  # read from the engine's registries
    "optimizer": ("Optimizer", list(OPTIMIZERS)),
    "loss": ("Loss", list(LOSSES)),
    "schedule": ("Schedule", list(SCHEDULES)),
}
ORDER = ["learning_rate", "epochs", "batch_size", "optimizer", "loss", "schedule", "train_size", "validation_split",
         "seed"]


class HyperparameterForm(VerticalScroll, can_focus=False):
    """One row per setting; a bad value shows its reason beside the field and is never used."""

    DEFAULT_CSS = """
    HyperparameterForm { border: round $primary; height: 1fr; }
    HyperparameterForm > Vertical { height: auto; }
    HyperparameterForm Horizontal { height: 1; }
    HyperparameterForm Label.name { width: 14; }
    HyperparameterForm Input, HyperparameterForm Select { width: 1fr; max-width: 16; }
    HyperparameterForm Label.problem { color: $error; padding-left: 2; }
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
                        yield Select([(o, o) for o in options], value=self.initial[name], allow_blank=False,
                                     compact=True, id=f"field-{name}")
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
                widget.value = values[name] if values[name] in CHOICES[name][1] else CHOICES[name][1][0]

    def values(self) -> tuple[dict, list[str]]:
        """The settings, and a message for each field that holds a bad value."""
        values, problems = {}, []
        for name in ORDER:
            widget = self.query_one(f"#field-{name}")
            if isinstance(widget, Select):
                values[name] = widget.value
                continue
            label, kind, _ = NUMBER_FIELDS[name]
            result = widget.validate(widget.value)
            text = widget.value.strip()
            if not text or (result is not None and not result.is_valid):
                reason = "needs a value" if not text else "; ".join(result.failure_descriptions)
                problems.append(f"{label}: {reason} (received {text!r})")
                continue
            values[name] = float(text) if kind == "number" else int(text)
        return values, problems
