"""The help screen lists every key from the bindings themselves, says what each tab shows, and how to close it."""

from textual.binding import Binding

from termnet.app import TermnetApp, make_app
from termnet.app.hints import HINT_WIDTH, TAB_HINTS, first_steps
from termnet.app.screens.dashboard import DashboardScreen
from termnet.app.screens.help import HelpScreen
from termnet.app.widgets.digit_grid import DigitGrid
from termnet.app.widgets.drawing_canvas import DrawingCanvas
from termnet.app.widgets.layer_list import LayerList

from .pilot import SIZE, rendered_text


def owners(app) -> set[type]:
    """The app, the dashboard and every termnet widget on it that declares keys: a new one must be in the help."""
    widgets = {type(node) for node in app.dashboard.query("*")}
    return {type(app), type(app.dashboard)} | {
        cls for cls in widgets if cls.__module__.startswith("termnet.") and "BINDINGS" in vars(cls)}


def help_lines(app) -> list[tuple[str, str]]:
    """The help table as (keys, what they do) rows, read from what it draws."""
    text = rendered_text(app.screen.query_one("#help-keys").content)
    cells = [line.split("│")[1:3] for line in text.splitlines() if line.count("│") >= 3]
    return [(keys.strip(), words.strip()) for keys, words in cells]


async def test_every_key_of_every_binding_is_in_the_help(digits):
    app = make_app(dataset=digits, preset="mlp")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        keys_shown = {token for keys, _ in help_lines(app) for token in keys.replace("/", " ").split()}
        assert {LayerList, DigitGrid, DrawingCanvas} <= owners(app)
        for owner in owners(app):
            for binding in Binding.make_bindings(owner.BINDINGS):
                key = app.get_key_display(binding)
                assert key in keys_shown, f"{owner.__name__}'s {binding.key} ({binding.description}) is not in the help"


async def test_the_help_explains_keys_with_their_tooltips_and_each_tab_in_a_line(digits):
    app = make_app(dataset=digits, preset="mlp")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        text = " ".join(" ".join(words.split()) for _, words in help_lines(app))
        for owner in owners(app):
            for binding in owner.BINDINGS:
                assert (binding.tooltip or binding.description) in text
        for name, hint in TAB_HINTS.items():
            assert hint in text, name
        intro = str(app.screen.query_one("#help-intro").content)
        assert "esc, q or ? closes this help" in intro and "^p opens the command palette" in intro


async def test_escape_and_question_mark_close_the_help(digits):
    app = make_app(dataset=digits, preset="mlp")
    async with app.run_test(size=SIZE) as pilot:
        for closing in ("escape", "question_mark"):
            await pilot.press("question_mark")
            assert isinstance(app.screen, HelpScreen)
            await pilot.press(closing)
            assert isinstance(app.screen, DashboardScreen), closing


def test_the_first_steps_name_keys_that_do_what_they_say():
    line = first_steps("MLP", "digits")
    assert line.startswith("Press s to train the MLP on the 8x8 digits") and "1-4" in line and "? keys" in line
    keys = {binding.key: binding.action for owner in (TermnetApp, DashboardScreen) for binding in owner.BINDINGS}
    assert keys["s"] == "start" and keys["question_mark"] == "help"
    assert all(keys[str(n)].startswith("preset(") for n in range(1, 5))
    assert "a adds a layer" in first_steps(None, None) and "the data" in first_steps("", None)
    assert "a" in {binding.key for binding in LayerList.BINDINGS}


def test_every_hint_fits_the_hint_line_at_80_columns():
    lines = list(TAB_HINTS.values()) + [first_steps(preset, data) for preset in ("Article MLP", "Article CNN", "")
                                        for data in ("digits", "fashion-mnist", "idx", None)]
    too_long = [line for line in lines if len(line) > HINT_WIDTH]
    assert not too_long
