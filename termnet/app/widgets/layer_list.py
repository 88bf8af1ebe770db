"""LayerList: the layer stack, one row per layer with its output shape and parameter count."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets import Label, ListItem, ListView

from ...engine import LayerShape, trace_shapes
from ...engine.registry import describe_layer
from ...spec import Spec, SpecError


def describe(layer: dict) -> str:
    """A short name for a layer description, like ``FC → 128`` or ``Conv 16@3x3``: its type's ``label``."""
    return describe_layer(layer)


def trace(stack: list[dict], image_shape: tuple[int, ...]) -> list[LayerShape]:
    """Each described layer's output shape, parameters, or why it does not fit."""
    try:
        layers = Spec("stack", stack).build_layers(image_shape)
    except SpecError as error:
        return [LayerShape(i, None, None, 0, str(error)) for i in range(len(stack))]
    return trace_shapes(layers, image_shape)


MOVE_GROUP = Binding.Group("Move", compact=True)


class LayerList(ListView):
    """The stack of layer descriptions; keys edit it, and ``Changed`` reports every change."""

    DEFAULT_CSS = """
    LayerList { height: 1fr; border: round $primary; }
    LayerList > ListItem Label { width: 1fr; }
    LayerList > ListItem.misfit Label { color: $error; }
    """
    BINDINGS = [
        Binding("a", "add", "Add", tooltip="Add a layer after the chosen one"),
        Binding("e", "edit", "Edit", tooltip="Edit the chosen layer (enter does too)"),
        Binding("d,delete", "delete", "Delete", tooltip="Delete the chosen layer"),
        Binding("left_square_bracket,shift+up", "move(-1)", "Move up", group=MOVE_GROUP,
                tooltip="Move the chosen layer up or down"),
        Binding("right_square_bracket,shift+down", "move(1)", "Move down", group=MOVE_GROUP,
                tooltip="Move the chosen layer up or down"),
    ]

    @dataclass
    class Changed(Message):
        """The stack changed (added, edited, deleted or moved layers)."""

        layer_list: LayerList
        stack: list[dict]

    @dataclass
    class EditRequested(Message):
        """The user wants to add (``index`` is None) or edit the layer at ``index``."""

        layer_list: LayerList
        index: int | None

    def __init__(self, stack: list[dict], image_shape: tuple[int, ...], **kwargs):
        super().__init__(**kwargs)
        self.stack = [dict(layer) for layer in stack]
        self.image_shape = tuple(image_shape)
        self.rows: list[LayerShape] = []
        self.border_title = "Layers"

    def on_mount(self) -> None:
        self.refresh_rows()

    @property
    def misfits(self) -> list[LayerShape]:
        return [row for row in self.rows if row.error]

    @property
    def total_params(self) -> int:
        return sum(row.params for row in self.rows)

    def set_stack(self, stack: list[dict], image_shape: tuple[int, ...] | None = None, notify: bool = True) -> None:
        self.stack = [dict(layer) for layer in stack]
        if image_shape is not None:
            self.image_shape = tuple(image_shape)
        self.refresh_rows()
        if notify:
            self.post_message(self.Changed(self, self.stack))

    def refresh_rows(self) -> None:
        index = self.index
        self.rows = trace(self.stack, self.image_shape) if self.stack else []
        self.clear()
        items = []
        for layer, row in zip(self.stack, self.rows):
            text = Text(f"{row.index:<3}{describe(layer):<19}")
            if row.error:
                text.append(f"✗ does not fit\n   {row.error}", style="bold")
            elif row.output_shape is None:
                text.append("? (after a misfit)", style="dim")
            else:
                text.append(f"{str(row.output_shape):<13}{row.params:>8,}")
            items.append(ListItem(Label(text), classes="misfit" if row.error else ""))
        if not items:
            items.append(ListItem(Label("No layers yet: press a to add one, or 1-4 for a preset")))
        self.extend(items)
        if self.stack:
            self.index = min(index or 0, len(self.stack) - 1)
        self.border_subtitle = f"{self.total_params:,} parameters" + (
            f" · {len(self.misfits)} misfit" if self.misfits else "")

    def action_add(self) -> None:
        self.post_message(self.EditRequested(self, None))

    def action_edit(self) -> None:
        if self.stack and self.index is not None:
            self.post_message(self.EditRequested(self, self.index))

    def on_list_view_selected(self, event: ListView.Selected) -> None:
        event.stop()
        self.action_edit()

    def _locked(self) -> bool:
        """True (with a notification) while the screen trains on this stack: it cannot change under a run."""
        refuse = getattr(self.screen, "refuse_while_training", None)
        return bool(refuse and refuse())

    def action_delete(self) -> None:
        if self._locked():
            return
        if self.stack and self.index is not None:
            del self.stack[self.index]
            self.set_stack(self.stack)

    def action_move(self, delta: int) -> None:
        if self._locked():
            return
        i = self.index
        if i is None or not self.stack or not 0 <= i + delta < len(self.stack):
            return
        self.stack[i], self.stack[i + delta] = self.stack[i + delta], self.stack[i]
        self.set_stack(self.stack)
        self.index = i + delta

    def put(self, index: int | None, layer: dict) -> None:
        """Insert ``layer`` after the highlighted row (``index`` None) or replace row ``index``."""
        if index is None:
            at = (self.index + 1) if (self.stack and self.index is not None) else len(self.stack)
            self.stack.insert(at, layer)
        else:
            at = index
            self.stack[index] = layer
        self.set_stack(self.stack)
        self.index = at
