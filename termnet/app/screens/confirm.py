"""ConfirmScreen: a yes/no question (quit while training, overwrite a file); dismisses with True or False."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label


class ConfirmScreen(ModalScreen[bool]):
    """y answers yes; n and escape answer no. Every other key is swallowed, so nothing behind it runs."""

    DEFAULT_CSS = """
    ConfirmScreen { align: center middle; }
    ConfirmScreen > Vertical { width: 70; height: auto; border: thick $warning; background: $surface;
                               padding: 0 1; }
    """
    BINDINGS = [Binding("y", "answer(True)", "Yes"), Binding("n,escape", "answer(False)", "No")]

    def __init__(self, question: str):
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.question)
            yield Label("y: yes · n or escape: no", classes="dim")

    answered = False  # a second key queued behind the first answer must not dismiss it twice

    def action_answer(self, yes: bool) -> None:
        if not self.answered:
            self.answered = True
            self.dismiss(yes)
