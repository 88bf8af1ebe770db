"""LayerFormScreen: choose a layer type and its parameters; dismisses with the layer or None."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.validation import Integer
from textual.widgets import Button, Input, Label, Select

from ...engine import ACTIVATIONS

POSITIVE = [Integer(minimum=1, failure_description="must be a whole number, 1 or more")]
# type -> [(key, label, kind, default)]; kind: "int" or a list of choices
FIELDS = {
    "FC": [("output_size", "Outputs", "int", 64)],
    "Activation": [("name", "Function", list(ACTIVATIONS), "relu")],
    "Convolution": [("depth", "Filters", "int", 8), ("kernel_size", "Kernel size", "int", 3),
                    ("stride", "Stride", "int", 1), ("padding", "Padding", ["valid", "same"], "valid")],
    "Pooling": [("pool_size", "Window", "int", 2), ("mode", "Mode", ["max", "average"], "max")],
    "Flatten": [],
}


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
        self.draft = dict(layer) if layer else {"type": "FC", "output_size": 64}

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Edit layer" if self.editing else "Add layer", id="title")
            with Horizontal():
                yield Label("Type", classes="name")
                yield Select([(t, t) for t in FIELDS], value=self.draft["type"], allow_blank=False, compact=True,
                             id="type")
            yield Vertical(id="fields")
            with Horizontal(id="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("OK", variant="primary", id="ok")

    async def on_mount(self) -> None:
        await self._show_fields(self.draft["type"])

    async def _show_fields(self, kind: str) -> None:
        container = self.query_one("#fields", Vertical)
        await container.remove_children()
        rows = []
        for key, label, field_kind, default in FIELDS[kind]:
            value = self.draft.get(key, default) if self.draft.get("type") == kind else default
            if field_kind == "int":
                widget = Input(str(value), type="integer", validators=POSITIVE, compact=True, id=f"f-{key}")
            else:
                widget = Select([(c, c) for c in field_kind], value=value, allow_blank=False, compact=True,
                                id=f"f-{key}")
            rows.append(Horizontal(Label(label, classes="name"), widget, Label("", classes="problem",
                                                                                id=f"p-{key}")))
        await container.mount_all(rows)

    async def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "type":
            await self._show_fields(event.value)

    def on_input_changed(self, event: Input.Changed) -> None:
        result = event.validation_result
        problem = "" if result is None or result.is_valid else "; ".join(result.failure_descriptions)
        self.query_one(f"#p-{event.input.id[2:]}", Label).update(problem)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.action_accept()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.action_accept() if event.button.id == "ok" else self.action_cancel()

    def collect(self) -> tuple[dict | None, list[str]]:
        kind = self.query_one("#type", Select).value
        layer, problems = {"type": kind}, []
        for key, label, field_kind, _ in FIELDS[kind]:
            widget = self.query_one(f"#f-{key}")
            if field_kind == "int":
                result = widget.validate(widget.value)
                if not widget.value.strip() or (result is not None and not result.is_valid):
                    problems.append(f"{label} must be a whole number, 1 or more (received {widget.value!r})")
                    continue
                layer[key] = int(widget.value)
            else:
                layer[key] = widget.value
        return (None if problems else layer), problems

    def action_accept(self) -> None:
        layer, problems = self.collect()
        if problems:
            self.notify("\n".join(problems), title="Fix the layer first", severity="error")
            return
        self.dismiss(layer)

    def action_cancel(self) -> None:
        self.dismiss(None)
