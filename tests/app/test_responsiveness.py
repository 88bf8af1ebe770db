"""What keeps the dashboard quick while it trains and when it starts: the footer is rebuilt only when its keys
change, progress and health reach the UI together, and the first frame is drawn before the data is loaded."""

import asyncio
import gc
import weakref

from textual.widgets._footer import FooterKey

from termnet.app import make_app
from termnet.app import training as training_module
from termnet.app.app import TermnetApp
from termnet.app.messages import BatchProgress, EpochEnded, HealthReport
from termnet.app.screens import dashboard as dashboard_module
from termnet.app.screens.dashboard import DashboardScreen
from termnet.app.training import MessageBridge, TrainingControl
from termnet.app.widgets.drawing_canvas import DrawingCanvas
from termnet.spec import load_spec

from .pilot import SIZE, rendered_text, train


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
        await train(pilot)
        await pilot.press("v", "space")
        await pilot.pause()
        result = app.dashboard.query_one("#draw-result")
        for move in ("up", "right", "down"):
            before = result.content
            app.dashboard.query_one(DrawingCanvas).action_move(*{"up": (0, -1), "right": (1, 0), "down": (0, 1)}[move])
            assert result.content is not before, f"the stroke {move} was not classified at once"
            assert "Prediction:" in rendered_text(result.content)


def test_a_short_run_gets_one_health_report_at_its_last_batch_and_none_at_its_first(digits):
    """The first report comes after HEALTH_INTERVAL, not as training starts (drawing it then slowed the first
    epoch); a run shorter than that still ends with the health of its last batch, with its progress."""
    posted = []
    network = load_spec("mlp").build(digits.image_shape, epochs=2, batch_size=32)
    network.fit(digits.x_train[:256], digits.y_train[:256],
                callbacks=[MessageBridge(posted.append, TrainingControl(), 2, lambda: False)])
    kinds = [type(message) for message in posted]
    assert kinds.count(HealthReport) == 1, kinds
    report = kinds.index(HealthReport)
    assert kinds[report - 1] is BatchProgress and kinds[report + 1:] == [EpochEnded], kinds
    assert (posted[report - 1].epoch, posted[report - 1].batch) == (1, 8), "the report is the last batch's"


async def test_the_footer_shows_the_runs_keys_before_its_worker_starts(digits, monkeypatch):
    """The footer is rebuilt (s Start gives way to p Pause, x Stop) in the frames drawn before training starts:
    rebuilt when the worker started, it took the GIL from the first epoch."""
    shown_at_start = []
    run_training = DashboardScreen.run_training

    def recording(self, *args):
        shown_at_start.append([key.key for key in footer_keys(self.app)])
        return run_training(self, *args)

    monkeypatch.setattr(DashboardScreen, "run_training", recording)
    app = make_app(dataset=digits, preset="mlp")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.dashboard.query_one("#form").set_values({"epochs": 1})
        await train(pilot)
    assert shown_at_start and "x" in shown_at_start[0] and "s" not in shown_at_start[0], shown_at_start


class Cycle:
    """Freed only by the cyclic garbage collector once it refers to itself."""


async def test_a_run_freezes_the_heap_and_its_end_collects_what_became_garbage(digits, monkeypatch):
    """While a run trains, full garbage collections skip the app's objects (gc.freeze: they took 100-150 ms each,
    with the GIL held); the run's end collects everything again, so cyclic garbage frozen meanwhile is freed."""
    frozen_during, held = [], []

    class Watched(dashboard_module.MessageBridge):
        def on_batch_end(self, batch, logs):
            frozen_during.append(gc.get_freeze_count())
            held.clear()  # garbage from now on, frozen with the rest while the run trains
            super().on_batch_end(batch, logs)

    monkeypatch.setattr(dashboard_module, "MessageBridge", Watched)
    app = make_app(dataset=digits, preset="mlp")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.dashboard.query_one("#form").set_values({"epochs": 1})
        held.append(Cycle())
        held[0].me = held[0]
        alive = weakref.ref(held[0])
        await pilot.press("s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.pause()
    assert frozen_during and min(frozen_during) > 10_000, "the app's objects were not frozen during the run"
    assert alive() is None, "cyclic garbage frozen during the run was never collected"


def test_the_app_draws_no_animations_unless_the_user_asks_for_them(monkeypatch):
    """The tab underline's slide redrew the screen ~18 times per tab switch, taking the GIL from training."""
    monkeypatch.delenv("TEXTUAL_ANIMATIONS", raising=False)
    assert make_app().animation_level == "none"
    monkeypatch.setenv("TEXTUAL_ANIMATIONS", "full")
    assert make_app().animation_level == "full"


async def test_a_run_starts_even_when_a_screen_opened_and_closed_before_its_frames(digits):
    """The frames a run waits for belong to the screen shown then: s, ? and escape in quick succession must
    still start it (else the dashboard says training runs while nothing does)."""
    from termnet.app.screens.help import HelpScreen

    app = make_app(dataset=digits, preset="mlp")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.dashboard.query_one("#form").set_values({"epochs": 1})
        app.dashboard.action_start()
        app.push_screen(HelpScreen())
        for _ in range(2):  # the dashboard's frame hands the run's start on to the help's next frame...
            await asyncio.sleep(0)
        app.pop_screen()  # ...which never comes
        await app.workers.wait_for_complete()
        for _ in range(100):  # the timer that starts it at the latest, then the run itself
            await pilot.pause(0.02)
            if app.network is not None and not app.dashboard.training:
                break
        assert app.network is not None and app.network.epochs_trained == 1
        assert not app.dashboard.training and not app.dashboard.launching
