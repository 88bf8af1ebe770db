"""SweepFormScreen: what a dashboard sweep varies (one setting or layer argument), its values and the seeds."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Select

from ...settings import SETTINGS
from ...sweep import SweepError
from ...sweep.plan import make_plan

#: What each setting's values start as in the form: a few values worth comparing.
STARTING_VALUES = {"learning_rate": "1e-3:1e-1:5log", "epochs": "1,2,4", "batch_size": "16,32,64",
                   "validation_split": "0.1,0.2", "patience": "0,2"}
#: The layer arguments offered: the widths of FC and convolution layers.
LAYER_ARGUMENTS = ("output_size", "depth")


def choices(spec) -> list[tuple[str, str]]:
    """(label, key) of everything a sweep of ``spec`` may vary: settings, then its layers' widths."""
    options = [(setting.label, name) for name, setting in SETTINGS.items() if name not in ("seed", "train_size")]
    for index, layer in enumerate(spec.layers):
        options += [(f"layer {index} {argument}", f"{index}.{argument}") for argument in LAYER_ARGUMENTS
                    if argument in layer]
    return options


def starting_values(key: str) -> str:
    if "." in key:
        return "16,32,64"
    setting = SETTINGS[key]
    return STARTING_VALUES.get(key, ",".join(setting.choices))


class SweepFormScreen(ModalScreen):
    """Dismisses with the sweep's plan, or None (escape)."""

    DEFAULT_CSS = """
    SweepFormScreen { align: center middle; }
    SweepFormScreen > Vertical { width: 64; height: auto; border: round $primary; padding: 0 1; }
    SweepFormScreen Input, SweepFormScreen Select { width: 1fr; }
    SweepFormScreen #sweep-problem { color: $error; height: auto; }
    """
    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel", tooltip="Close the form; nothing runs")]

    def __init__(self, spec):
        super().__init__()
        self.spec = spec

    def compose(self) -> ComposeResult:
        options = choices(self.spec)
        with Vertical() as box:
            box.border_title = "Sweep: one training run per value (enter starts)"
            yield Label("Vary")
            yield Select([(label, key) for label, key in options], value=options[0][1], allow_blank=False, compact=True,
                         id="sweep-vary")
            yield Label("Values: a comma list, or lo:hi:Nlog / lo:hi:Nlin")
            yield Input(starting_values(options[0][1]), id="sweep-values", compact=True)
            yield Label("Seeds: each value trains with each (0,1,2 or 0:3)")
            yield Input("0", id="sweep-seeds", compact=True)
            yield Label("", id="sweep-problem")

    def on_select_changed(self, event: Select.Changed) -> None:
        self.query_one("#sweep-values", Input).value = starting_values(str(event.value))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        key = str(self.query_one("#sweep-vary", Select).value)
        values = self.query_one("#sweep-values", Input).value
        seeds = self.query_one("#sweep-seeds", Input).value
        try:
            if "." in key:
                plan = make_plan(self.spec, {}, [f"{key}={values}"], seeds=seeds)
            else:
                plan = make_plan(self.spec, {key: values}, seeds=seeds)
        except SweepError as error:
            self.query_one("#sweep-problem", Label).update(str(error))
            return
        self.dismiss(plan)
