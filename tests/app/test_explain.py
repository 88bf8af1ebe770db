"""F1 explains what is focused; every layer type, setting and tab has its words."""

from textual.widgets import Input

from termnet.app import make_app
from termnet.app.explain import LAYERS, SETTINGS, TABS, WIDGETS, explanation
from termnet.app.screens.dashboard import DashboardScreen
from termnet.engine import LAYER_TYPES
from termnet.settings import SETTINGS as TRAINING_SETTINGS

from .pilot import SIZE, notifications


def test_every_layer_type_setting_and_tab_has_an_explanation():
    assert set(LAYER_TYPES) <= set(LAYERS), set(LAYER_TYPES) - set(LAYERS)
    assert set(TRAINING_SETTINGS) <= set(SETTINGS), set(TRAINING_SETTINGS) - set(SETTINGS)
    assert set(DashboardScreen.TAB_LABELS) <= set(TABS), set(DashboardScreen.TAB_LABELS) - set(TABS)
    for text in [*LAYERS.values(), *SETTINGS.values(), *TABS.values(), *WIDGETS.values()]:
        assert 60 < len(text) < 400  # a few sentences: more than a label, less than a page


async def test_f1_explains_the_layer_row_the_setting_and_the_tab_focused(digits):
    app = make_app(dataset=digits, preset="cnn")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        layers = app.dashboard.query_one("#layers")
        layers.index = 0
        await pilot.press("f1")
        assert LAYERS["Convolution"] in notifications(app)
        app.clear_notifications()
        layers.index = len(layers.stack) - 1  # the softmax
        await pilot.press("f1")
        assert LAYERS["Activation"] in notifications(app)
        app.clear_notifications()
        app.dashboard.query_one("#field-batch_size", Input).focus()
        await pilot.press("f1")
        assert SETTINGS["batch_size"] in notifications(app)
        app.clear_notifications()
        app.dashboard.action_tab("runs")  # (a key would go into the field) the Runs table has its own words
        await pilot.press("f1")
        assert WIDGETS["runs-table"] in notifications(app)
        await pilot.press("l")
        assert explanation(app.focused) == ("The Lesson tab", TABS["lesson"])
