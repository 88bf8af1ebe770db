"""What keeps the dashboard quick while it trains and when it starts: the footer is rebuilt only when its keys
change, progress and health reach the UI together, and the first frame is drawn before the data is loaded."""

from textual.widgets._footer import FooterKey

from termnet.app import make_app
from termnet.app import training as training_module
from termnet.app.app import TermnetApp
from termnet.app.messages import BatchProgress, HealthReport
from termnet.app.training import MessageBridge, TrainingControl
from termnet.app.widgets.drawing_canvas import DrawingCanvas
from termnet.spec import load_spec

from .pilot import SIZE, rendered_text


def footer_keys(app) -> list[FooterKey]:
    return list(app.screen.query_one("Footer").query(FooterKey))


async def test_the_footer_keeps_its_keys_between_tabs_that_show_the_same_ones_and_changes_for_others(digits):
    app = make_app(dataset=digits)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("i")
        await pilot.pause()
        inside = footer_keys(app)
        assert [key.key for key in inside] == ["s", "1", "2", "3", "4", "question_mark", "q"]
        await pilot.press("c")  # the Confusion tab shows the same keys: nothing to rebuild
        await pilot.pause()
        assert footer_keys(app) == inside, "the footer was rebuilt although its keys did not change"
        await pilot.press("b")  # the layer list's own keys come in
        await pilot.pause()
        keys = [key.key for key in footer_keys(app)]
        assert keys[:3] == ["a", "e", "d"] and "q" in keys
        await pilot.press("c")
        await pilot.pause()
        assert [key.key for key in footer_keys(app)] == [key.key for key in inside]
        assert not set(footer_keys(app)) & set(inside), "after other keys were shown, the footer must be rebuilt"


def test_health_reports_come_only_with_a_progress_message(digits, monkeypatch):
    """Two messages at once land in one UI frame: a health report between progress messages would cost one more."""
    monkeypatch.setattr(training_module, "PROGRESS_INTERVAL", 0.0)  # progress at every batch
    monkeypatch.setattr(training_module, "HEALTH_INTERVAL", 0.0)  # health as often as it may come
    posted = []
    network = load_spec("mlp").build(digits.image_shape, epochs=3, batch_size=32)
    network.fit(digits.x_train, digits.y_train, callbacks=[MessageBridge(posted.append, TrainingControl(), 3,
                                                                         lambda: False)])
    kinds = [type(message) for message in posted]
    steps = -(-len(digits.x_train) // 32)
    assert kinds.count(BatchProgress) == 3 * steps
    assert kinds.count(HealthReport) == kinds.count(BatchProgress), f"{kinds.count(HealthReport)} of {3 * steps}"
    for index, kind in enumerate(kinds):
        if kind is HealthReport:
            assert kinds[index - 1] is BatchProgress, "a health report must follow the progress of its batch"


async def test_the_first_screen_is_drawn_before_the_data_starts_loading(monkeypatch):
    """The footer's keys are drawn with the rest in the first frame, so the data (the digits import scikit-learn
    in a thread, which takes the GIL) starts loading only once the first screen is drawn: the layers and the
    footer's keys, what benchmarks/startup.py waits for."""
    screens_when_loading = []
    load = TermnetApp.load_data

    def load_data(self, *args, **kwargs):
        screens_when_loading.append(self.first_screens)
        return load(self, *args, **kwargs)

    monkeypatch.setattr(TermnetApp, "load_data", load_data)
    app = make_app(data_name="digits")
    app.first_screens = 0  # frames drawn with the layer list and the footer's keys on them
    display = app._display

    def counted(screen, renderable):
        if renderable is not None and screen.query("#layers") and footer_keys(app):
            app.first_screens += 1
        display(screen, renderable)

    app._display = counted
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert screens_when_loading and screens_when_loading[0] >= 1, "the data started loading before the first screen"
        assert app.dataset is not None and app.dataset.name == "digits", "the data must still be loaded"


async def test_a_stroke_is_classified_within_the_key_that_drew_it(digits):
    """No message hops between the canvas and the prediction: it is on screen when the key's handler returns."""
    app = make_app(dataset=digits, preset="mlp")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.dashboard.query_one("#form").set_values({"epochs": 1})
        await pilot.press("s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("v", "space")
        await pilot.pause()
        result = app.dashboard.query_one("#draw-result")
        for move in ("up", "right", "down"):
            before = result.content
            app.dashboard.query_one(DrawingCanvas).action_move(*{"up": (0, -1), "right": (1, 0), "down": (0, 1)}[move])
            assert result.content is not before, f"the stroke {move} was not classified at once"
            assert "Prediction:" in rendered_text(result.content)
