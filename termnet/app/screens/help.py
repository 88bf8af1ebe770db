"""HelpScreen: every key of the dashboard."""

from __future__ import annotations

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

KEYS = [
    ("Anywhere", [("?", "this help"), ("b t c g", "tabs: Build, Train, Confusion, Digits"),
                  ("i r v", "tabs: Inside, Runs, Draw"), ("tab / shift+tab", "move focus"),
                  ("s", "start training"), ("p", "pause or resume"), ("x", "stop (keeps the weights)"),
                  ("S / L", "save / load a model file"), ("W / R", "write / read a spec (TOML)"),
                  ("k", "check the gradients of the stack (finite differences)"),
                  ("o", "time each layer's forward and backward"), ("D", "download MNIST"), ("q", "quit")]),
    ("Build: the layer list", [("1 2 3 4", "presets: article MLP, article CNN, MLP, CNN"), ("a", "add a layer"),
                               ("e / enter", "edit the layer"), ("d / delete", "delete the layer"),
                               ("[ / ]", "move the layer up / down")]),
    ("Digits", [("arrows, page up/down", "choose a digit: its ten probabilities show beside, and i looks inside"),
                ("m", "mistakes only"), ("0-9", "one true class"), ("a", "all digits")]),
    ("Draw", [("arrows", "move the pen"), ("space", "pen down / up"), ("mouse", "drag to draw"),
              ("backspace", "clear"), ("", "the prediction updates as you draw")]),
]


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 72; height: 90%; border: thick $primary; background: $surface; }
    """
    BINDINGS = [Binding("escape,q,question_mark", "close", "Close")]

    def compose(self) -> ComposeResult:
        table = Table(title="termnet keys", show_header=False, expand=True)
        table.add_column(style="bold", width=22)
        table.add_column()
        for section, keys in KEYS:
            table.add_row(f"[u]{section}[/u]", "")
            for key, action in keys:
                table.add_row(key, action)
        with VerticalScroll():
            yield Static(table)

    def action_close(self) -> None:
        self.dismiss(None)
