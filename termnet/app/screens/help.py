"""HelpScreen: every key of the dashboard."""

from __future__ import annotations

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

KEYS = [
    ("Anywhere", [("?", "this help"), ("b / t / i", "Build, Train, Inspect tabs"), ("tab / shift+tab", "move focus"),
                  ("s", "start training"), ("p", "pause or resume"), ("x", "stop (keeps the weights)"),
                  ("S / L", "save / load a model file"), ("W / R", "write / read a spec (TOML)"),
                  ("D", "download MNIST"), ("q", "quit")]),
    ("Build: the layer list", [("1 2 3 4", "presets: article MLP, article CNN, MLP, CNN"), ("a", "add a layer"),
                               ("e / enter", "edit the layer"), ("d / delete", "delete the layer"),
                               ("[ / ]", "move the layer up / down")]),
    ("Inspect: the digits", [("arrows, page up/down", "choose a digit: its ten probabilities show beside"),
                             ("m", "mistakes only"), ("0-9", "one true class"), ("a", "all digits")]),
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
