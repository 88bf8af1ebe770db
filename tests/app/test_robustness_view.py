"""The dashboard's robustness screen (u) and augmentation preview (A), and the form's Augment setting in training."""

import numpy as np
import pytest
from textual.widgets import Static

from termnet.app import make_app
from termnet.app.screens.augment_preview import AugmentPreviewScreen
from termnet.app.screens.robustness import RobustnessScreen
from termnet.app.widgets.hyperparameters import HyperparameterForm
from termnet.engine.augment import add_noise, affine, thicken

from .pilot import notifications, rendered_text, train


async def robustness_screen(pilot) -> RobustnessScreen:
    await train(pilot)
    await pilot.press("u")
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    assert isinstance(pilot.app.screen, RobustnessScreen)
    return pilot.app.screen


async def test_the_curves_are_the_engine_s_accuracies_on_the_damaged_digits(digits):
    app = make_app(dataset=digits, preset="mlp")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await robustness_screen(pilot)
        network, x, y = app.dashboard.network, digits.x_test, digits.y_test

        def accuracy(images):
            return pytest.approx(float(np.mean(network.predict(images).argmax(axis=1) == y)))

        curves = screen.curves
        angles = (-45, -30, -15, 0, 15, 30, 45)
        assert curves["rotation"].accuracies == [accuracy(affine(x, a, (0, 0), 1)) for a in angles]
        assert curves["shift"].accuracies == [accuracy(affine(x, 0, (s, s), 1)) for s in range(7)]
        assert curves["noise"].accuracies == [accuracy(add_noise(x, s, np.random.default_rng(0)))
                                              for s in (0, 0.1, 0.2, 0.3, 0.4, 0.5)]
        assert curves["thickness"].accuracies == [accuracy(thicken(x, t)) for t in (-1, 0, 1, 2)]
        assert curves["rotation"].accuracies[3] == pytest.approx(app.dashboard.evaluation.accuracy)


async def test_the_gallery_shows_the_digits_misread_at_the_chosen_level(digits):
    app = make_app(dataset=digits, preset="mlp")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await robustness_screen(pilot)
        network = app.dashboard.network
        title = screen.query_one("#gallery-title", Static)
        assert "rotation +45°" in str(title.content)
        await pilot.press("left", "left", "down")  # shift, its 4th level (3 px): the levels are kept per damage
        await pilot.pause()
        assert "shift 6px" in str(title.content)
        await pilot.press("left", "left", "left")
        await pilot.pause()
        damaged = affine(digits.x_test, 0, (3, 3), 1)
        wrong = np.flatnonzero(network.predict(damaged).argmax(axis=1) != digits.y_test)[:8]
        text = rendered_text(screen.query_one("#gallery", Static).content)
        shown = [caption for caption in text.split() if "→" in caption]
        assert "shift 3px" in str(title.content)
        names = digits.class_names
        predicted = network.predict(damaged[wrong]).argmax(axis=1)
        assert shown == [f"{names[t]}→{names[p]}" for t, p in zip(digits.y_test[wrong], predicted)]
        await pilot.press("escape")
        assert app.screen is app.dashboard


async def test_robustness_needs_a_network(digits):
    app = make_app(dataset=digits, preset="mlp")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("u")
        await pilot.pause()
        assert app.screen is app.dashboard and "No network on screen" in notifications(app)


async def test_the_preview_changes_the_first_training_digits_at_the_form_s_level(digits):
    app = make_app(dataset=digits, preset="mlp")
    async with app.run_test(size=(80, 24)) as pilot:
        app.dashboard.query_one(HyperparameterForm).set_values({"augment": "strong"})
        await pilot.pause()
        await pilot.press("A")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, AugmentPreviewScreen) and screen.level == "strong"
        first, second = screen.changed()
        assert first.shape == digits.x_train[:5].shape and not np.array_equal(first, digits.x_train[:5])
        assert not np.array_equal(first, second)  # each draw changes the digits anew
        await pilot.press("space")
        assert screen.level == "none"
        await pilot.press("escape")
        assert app.screen is app.dashboard


async def test_training_augments_with_the_form_s_level(digits, monkeypatch):
    seen = []
    from termnet.engine import Network

    fit = Network.fit

    def recording_fit(self, *args, **kwargs):
        seen.append(kwargs.get("augment"))
        return fit(self, *args, **kwargs)

    monkeypatch.setattr(Network, "fit", recording_fit)
    app = make_app(dataset=digits, preset="cnn")
    async with app.run_test(size=(120, 40)) as pilot:
        app.dashboard.query_one(HyperparameterForm).set_values({"augment": "light", "epochs": 1})
        await train(pilot)
        assert seen and seen[-1] is not None and seen[-1].rotation == 10
        assert seen[-1].shift == pytest.approx(2 * 8 / 28)  # the 8x8 digits' shift, scaled from 28x28
        assert app.dashboard.network.epochs_trained == 1


async def test_closing_the_screen_while_it_measures_leaves_the_dashboard_working(digits):
    app = make_app(dataset=digits, preset="mlp")
    async with app.run_test(size=(80, 24)) as pilot:
        await train(pilot)
        await pilot.press("u", "escape")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.screen is app.dashboard and app.is_running
        await pilot.press("u")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.screen.curves is not None
