"""Looking inside from the dashboard: drawing, the inside view, gradient check, timing, runs."""

import numpy as np

from termnet.app import make_app
from termnet.app.panes.inside import NOISE_FLOOR, TOLERANCE, InsideView, gradient_error_text
from termnet.app.panes.runs import RunsView
from termnet.app.widgets.drawing_canvas import DrawingCanvas
from termnet.data import Dataset, load_dataset

from .pilot import SIZE, rendered_text, train


async def test_a_digit_put_on_the_canvas_cell_by_cell_is_classified_like_the_digit(mnist_dir):
    full = load_dataset("mnist", data_dir=mnist_dir)
    data = Dataset("mnist", full.x_train[:3000], full.y_train[:3000], full.x_test[:200], full.y_test[:200],
                   full.class_names, "3,000 MNIST digits")
    app = make_app(dataset=data, preset="mlp")
    async with app.run_test(size=SIZE) as pilot:
        await train(pilot)
        await pilot.press("v")
        canvas = app.dashboard.query_one(DrawingCanvas)
        digit = data.x_test[0, 0]
        for row, col in zip(*np.nonzero(digit)):
            canvas.set_pixel(int(row), int(col), float(digit[row, col]))
        await pilot.pause()
        expected = app.network.predict(data.x_test[:1])[0]
        shown = rendered_text(app.dashboard.query_one("#draw-result").content)
        assert f"Prediction: {data.class_names[int(expected.argmax())]} ({expected.max():.0%})" in shown


async def test_strokes_drawn_by_keys_change_the_canvas_and_the_probabilities(digits):
    app = make_app(dataset=digits, preset="mlp")
    async with app.run_test(size=SIZE) as pilot:
        await train(pilot)
        await pilot.press("v")
        canvas = app.focused
        assert isinstance(canvas, DrawingCanvas) and canvas.image.shape == (28, 28) and not canvas.image.any()
        await pilot.press("space", "up", "up", "up")  # pen down, a vertical stroke
        await pilot.pause()
        first = rendered_text(app.dashboard.query_one("#draw-result").content)
        assert canvas.image.sum() > 0 and "Prediction:" in first
        await pilot.press("right", "right", "down")
        await pilot.pause()
        assert rendered_text(app.dashboard.query_one("#draw-result").content) != first
        await pilot.press("backspace")
        assert not canvas.image.any()


async def layer_timing(app, pilot) -> str:
    """The Inside tab's timing table as text, after pressing its key."""
    await pilot.press("o")
    await app.workers.wait_for_complete()
    await pilot.pause()
    return rendered_text(app.dashboard.query_one("#layer-timing").content)


async def test_the_gradient_check_of_a_correct_stack_is_below_tolerance(digits):
    app = make_app(dataset=digits, preset="mlp")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("k")
        await app.workers.wait_for_complete()
        await pilot.pause()
        shown = rendered_text(app.dashboard.query_one("#gradient-check").content)
        # weights and bias of three FC layers, each marked correct, none wrong
        assert shown.count("✓") == 6 and "✗" not in shown, shown
        timing = await layer_timing(app, pilot)
        assert "forward ms" in timing and "FC(64 -> 128)" in timing


async def test_the_layer_timing_of_a_cnn_times_its_fused_step_as_one_row(digits):
    app = make_app(dataset=digits, preset="cnn")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        timing = await layer_timing(app, pilot)
        assert "0-2 Convolution(" in timing and "train as one step" in timing, timing


async def test_the_inside_view_and_the_compare_view_after_two_runs(digits):
    app = make_app(dataset=digits, preset="article-cnn")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.dashboard.query_one("#form").set_values({"epochs": 2})
        await train(pilot)
        await pilot.press("3")  # the relu MLP with cross-entropy beside the tanh + MSE network
        await train(pilot)
        await pilot.press("r")
        runs = app.dashboard.query_one(RunsView).runs
        assert [run.name for run in runs] == ["article-cnn #1", "mlp #2"]
        assert [run.settings["loss"] for run in runs] == ["mse", "cross_entropy"]
        table = app.dashboard.query_one("#runs-table")
        assert table.row_count == 2
        await pilot.press("i")
        view = rendered_text(app.dashboard.query_one(InsideView).query_one("#inside-images").content)
        assert "Activations for this digit" in view and "FC(64 -> 128)" in view
        assert "what each unit looks for" in view


async def test_training_health_is_shown_while_training(digits):
    app = make_app(dataset=digits, preset="mlp")
    async with app.run_test(size=SIZE) as pilot:
        await train(pilot)
        health = rendered_text(app.dashboard.query_one("#health").content)
        assert "gradient rms" in health and "FC(64 -> 128)" in health and "Activation('relu')" in health


def test_gradient_errors_are_shown_without_their_rounding_noise():
    """Digits below the noise floor differ from CPU to CPU: they are floored, so screens are portable."""
    assert gradient_error_text(3.2e-9).plain == gradient_error_text(7.7e-10).plain == f"< {NOISE_FLOOR:.0e} ✓"
    assert gradient_error_text(4.4e-7).plain == "4e-07 ✓"
    wrong = gradient_error_text(TOLERANCE * 3)
    assert wrong.plain == "3.00e-06 ✗" and "red" in str(wrong.style)
