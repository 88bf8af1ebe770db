"""PathPromptScreen: ask for a file path; dismisses with the path or None."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label


class PathPromptScreen(ModalScreen[str | None]):
    DEFAULT_CSS = """
    PathPromptScreen { align: center middle; }
    PathPromptScreen > Vertical { width: 70; height: auto; border: thick $primary; background: $surface;
                                  padding: 0 1; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, default: str):
        super().__init__()
        self.title_text, self.default = title, default

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.title_text)
            yield Input(self.default, id="path")
            yield Label("enter: accept · escape: cancel", classes="dim")

    answered = False  # keys queued behind the first answer (a second enter) must not dismiss it twice

    def on_input_submitted(self, event: Input.Submitted) -> None:
        path = event.value.strip()
        if path and not self.answered:
            self.answered = True
            self.dismiss(path)

    def action_cancel(self) -> None:
        if not self.answered:
            self.answered = True
            self.dismiss(None)
