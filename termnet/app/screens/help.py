"""HelpScreen: every key of the dashboard, read from the bindings themselves, and what each tab shows."""

from __future__ import annotations

from itertools import groupby

from rich.table import Table
from rich.text import Text
from textual.actions import parse
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from ..commands import key_text
from ..hints import TAB_HINTS
from ..panes.lesson import LessonView
from ..panes.runs import RunsView
from ..widgets.digit_grid import DigitGrid
from ..widgets.drawing_canvas import DrawingCanvas
from ..widgets.layer_list import LayerList
from ..widgets.layer_map import LayerMap
from ..widgets.neurons import NeuronPictures
from .dashboard import DashboardScreen
from .layer_map import LayerMapScreen

# The dashboard's keys by section: its tabs and presets have their own; the rest work anywhere.
SCREEN_SECTIONS = {"tab": "Tabs", "preset": "Build: the layer list"}
# What no binding says: Textual's focus keys, the mouse, what happens by itself.
NOTES = {
    "Anywhere": [("tab / shift+tab", "Move focus")],
    "Draw": [("mouse", "Drag to draw"), ("", "The prediction updates as you draw")],
    "Lesson": [("↑ ↓ pgup pgdn", "Scroll a step longer than the screen")],
    "Layer map (M)": [("mouse", "Click a point to choose it")],
}


def rows(app, bindings: list[Binding]) -> list[tuple[str, str]]:
    """One row per binding, as (keys, what they do). Neighbours with the same action and the same tooltip or
    footer group share a row ("← → ↑ ↓", "0 1 2 ... 9", the presets); a tab's row says what the tab shows."""
    table = []
    for _, group in groupby(bindings, key=lambda b: (parse(b.action)[1], b.tooltip or b.group or id(b))):
        group = list(group)
        first, (_, name, params) = group[0], parse(group[0].action)
        keys = [key_text(app, binding).split(" / ") for binding in group]
        if len({len(k) for k in keys}) == 1:  # "[ ] / shift+↑ shift+↓": the keys first, then their alternatives
            shown = " / ".join(" ".join(alternatives) for alternatives in zip(*keys))
        else:
            shown = " ".join(" / ".join(k) for k in keys)
        if first.tooltip:
            text = first.tooltip
        elif name == "tab" and params and params[0] in TAB_HINTS:
            text = f"{first.description} — {TAB_HINTS[params[0]]}"
        else:
            text = ", ".join(binding.description for binding in group)
            if len(group) > 1 and first.group:
                text = f"{first.group.description}: {text}"
        table.append((shown, text))
    return table


def sections(app) -> list[tuple[str, list[tuple[str, str]]]]:
    """The help's sections, in order, each a list of (keys, what they do)."""
    by_section: dict[str, list[Binding]] = {"Anywhere": [], "Tabs": [], "Build: the layer list": []}
    for binding in DashboardScreen.BINDINGS:
        by_section[SCREEN_SECTIONS.get(parse(binding.action)[1], "Anywhere")].append(binding)
    by_section["Anywhere"] += type(app).BINDINGS
    by_section["Build: the layer list"] += LayerList.BINDINGS
    by_section["Digits"] = list(DigitGrid.BINDINGS)
    by_section["Draw"] = list(DrawingCanvas.BINDINGS)
    by_section["Lesson"] = list(LessonView.BINDINGS)
    by_section["Runs"] = list(RunsView.BINDINGS)
    by_section["Layer map (M)"] = list(LayerMapScreen.BINDINGS) + list(LayerMap.BINDINGS)
    by_section["Train: the neurons of 2-D data"] = list(NeuronPictures.BINDINGS)
    return [(title, rows(app, bindings) + NOTES.get(title, [])) for title, bindings in by_section.items()]


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 100; max-width: 100%; height: 90%; border: thick $primary; background: $surface;
    }
    """
    BINDINGS = [Binding("escape,q,question_mark", "close", "Close")]

    def compose(self) -> ComposeResult:
        closing = key_text(self.app, self.BINDINGS[0]).split(" / ")
        palette = self.app.get_key_display(Binding(self.app.COMMAND_PALETTE_BINDING, "command_palette"))
        table = Table(title="termnet keys", show_header=False, expand=True)
        table.add_column(style="bold", width=22)
        table.add_column()
        for title, keys in sections(self.app):
            table.add_row(Text(title, style="underline"), "")
            for key, action in keys:
                table.add_row(Text(key), Text(action))  # plain text: "[" is a key here, not markup
        with VerticalScroll():
            yield Static(f"{', '.join(closing[:-1])} or {closing[-1]} closes this help · {palette} opens the "
                         "command palette: every action by name", id="help-intro", markup=False)
            yield Static(table, id="help-keys")

    def action_close(self) -> None:
        self.dismiss(None)
