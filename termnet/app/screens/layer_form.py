"""LayerFormScreen: choose a layer type and its parameters; dismisses with the layer or None."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.css.query import NoMatches
from textual.screen import ModalScreen
from textual.validation import Integer, Number, Validator
from textual.widgets import Button, Input, Label, Select

from ...engine.fields import Field
from ...engine.registry import LAYER_TYPES


def form_fields(kind: str) -> list[Field]:
    """The fields of layer type ``kind`` the form shows: all but those taken from the layer before."""
    return [field for field in LAYER_TYPES[kind].fields if field.in_form]


def default_layer(kind: str | None = None) -> dict:
    """A new layer's description: the type (the first registered one by default) and its fields' start values."""
    kind = kind or next(iter(LAYER_TYPES))
    return {"type": kind, **{f.name: f.start for f in form_fields(kind) if f.start is not None}}


def expectation(field: Field) -> str:
    """What a number field takes, in words: 'a whole number, 1 or more'."""
    what = "a whole number" if field.kind == "int" else "a number"
    return what + (f", {field.minimum:g} or more" if field.minimum is not None else "")


def validators(field: Field) -> list[Validator]:
    check = Integer if field.kind == "int" else Number
    return [check(minimum=field.minimum, failure_description=f"must be {expectation(field)}")]


class LayerFormScreen(ModalScreen[dict | None]):
    """A form for one layer; enter accepts when every field is valid, escape cancels."""

    DEFAULT_CSS = """
    LayerFormScreen { align: center middle; }
    LayerFormScreen > Vertical { width: 64; height: auto; border: thick $primary; background: $surface;
                                 padding: 0 1; }
    LayerFormScreen Horizontal { height: 1; margin-bottom: 1; }
    LayerFormScreen Label.name { width: 14; }
    LayerFormScreen Input, LayerFormScreen Select { width: 16; }
    LayerFormScreen Label.problem { color: $error; width: 1fr; padding-left: 1; }
    LayerFormScreen #fields { height: auto; }
    LayerFormScreen #buttons { height: 3; align-horizontal: right; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel"), Binding("ctrl+s", "accept", "Accept")]

    def __init__(self, layer: dict | None = None):
        super().__init__()
        self.editing = layer is not None
        self.draft = dict(layer) if layer else default_layer()

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Edit layer" if self.editing else "Add layer", id="title")
            with Horizontal():
                yield Label("Type", classes="name")
                yield Select([(t, t) for t in LAYER_TYPES], value=self.draft["type"], allow_blank=False, compact=True,
                             id="type")
            yield Vertical(id="fields")
            with Horizontal(id="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("OK", variant="primary", id="ok")

    async def on_mount(self) -> None:
        await self._show_fields(self.draft["type"])

    @property
    def kind(self) -> str:
        return self.query_one("#type", Select).value

    async def _show_fields(self, kind: str) -> None:
        container = self.query_one("#fields", Vertical)
        await container.remove_children()
        start = self.draft if self.draft.get("type") == kind else default_layer(kind)
        rows = []
        for field in form_fields(kind):
            value = start.get(field.name, field.start)
            if field.kind == "choice":
                options = list(field.choices) + ([value] if value not in field.choices else [])
                widget = Select([(str(c), c) for c in options], value=value, allow_blank=False, compact=True,
                                id=f"f-{field.name}")
            else:
                widget = Input("" if value is None else str(value), type="integer" if field.kind == "int" else "number",
                               validators=validators(field), placeholder="auto" if field.optional else "",
                               compact=True, id=f"f-{field.name}")
            widget.tooltip = field.help or None
            rows.append(Horizontal(Label(field.label, classes="name"), widget,
                                   Label("", classes="problem", id=f"p-{field.name}"), id=f"r-{field.name}"))
        await container.mount_all(rows)
        self._show_relevant(kind)

    def _choices(self, kind: str) -> dict:
        return {f.name: self.query_one(f"#f-{f.name}", Select).value for f in form_fields(kind) if f.kind == "choice"}

    def _show_relevant(self, kind: str) -> None:
        """Show only the fields that matter for the choices made (leaky_relu's slope)."""
        try:
            chosen = self._choices(kind)
            for field in form_fields(kind):
                self.query_one(f"#r-{field.name}").display = field.applies(chosen)
        except NoMatches:  # a field of the type just left, reporting while its rows go
            pass

    async def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "type":
            await self._show_fields(event.value)
        elif event.select.id and event.select.id.startswith("f-"):
            self._show_relevant(self.kind)

    def on_input_changed(self, event: Input.Changed) -> None:
        name = event.input.id[2:]
        result = event.validation_result
        problem = "" if result is None or result.is_valid else "; ".join(result.failure_descriptions)
        if not event.value.strip():
            optional = any(f.name == name and f.optional for f in form_fields(self.kind))
            problem = "" if optional else "needs a value"
        for label in self.query(f"#p-{name}").results(Label):
            label.update(problem)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.action_accept()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.action_accept() if event.button.id == "ok" else self.action_cancel()

    def collect(self) -> tuple[dict | None, list[str]]:
        """The layer described by the form, and a message for each field that holds a bad value."""
        kind = self.kind
        layer, problems = {"type": kind}, []
        if self.draft.get("type") == kind:  # keep what the form does not show (an FC's explicit input_size)
            shown = {f.name for f in form_fields(kind)}
            layer.update({k: v for k, v in self.draft.items() if k != "type" and k not in shown})
        chosen = self._choices(kind)
        for field in form_fields(kind):
            if not field.applies(chosen):
                continue
            widget = self.query_one(f"#f-{field.name}")
            if field.kind == "choice":
                layer[field.name] = widget.value
                continue
            text = widget.value.strip()
            if not text and field.optional:
                continue
            result = widget.validate(widget.value)
            if not text or (result is not None and not result.is_valid):
                problems.append(f"{field.label} must be {expectation(field)} (received {widget.value!r})")
                continue
            layer[field.name] = int(text) if field.kind == "int" else float(text)
        return (None if problems else layer), problems

    def action_accept(self) -> None:
        layer, problems = self.collect()
        if problems:
            self.notify("\n".join(problems), title="Fix the layer first", severity="error")
            return
        self.dismiss(layer)

    def action_cancel(self) -> None:
        self.dismiss(None)
