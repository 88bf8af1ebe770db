"""What the Train, Confusion and Digits tabs promise, checked against the model itself, not against pictures.

Each test computes what the screen should say from the trained network (or its history) by an independent
route, and compares it with what the widgets were given and what they draw.
"""

import re

import numpy as np

from termnet.app import make_app
from termnet.app.widgets.digit_grid import DigitGrid
from termnet.app.widgets.loss_plot import LossPlot

from .pilot import SIZE, key, make_the_run_long, rendered_text, train, wait_until


def epoch_rows(app) -> list[list[str]]:
    table = app.dashboard.query_one("#epochs")
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


async def test_the_loss_plot_gets_every_epoch_and_the_validation_curve_and_draws_them(digits):
    app = make_app(dataset=digits, preset="mlp")
    async with app.run_test(size=SIZE) as pilot:
        await train(pilot)
        history, epochs = app.network.history, app.network.epochs_trained
        plot = app.dashboard.query_one(LossPlot)
        assert plot.epoch_x == list(range(1, epochs + 1)), "one point per epoch, at epoch 1, 2, ..."
        assert plot.epoch_loss == history["loss"], "the plotted epoch losses must be the network's"
        assert plot.val_loss == history["val_loss"], "the validation curve must be the network's"
        # batch points: in order, inside the run, and the end of every epoch among them (always reported)
        assert plot.batch_x == sorted(plot.batch_x) and plot.batch_x[0] > 0 and plot.batch_x[-1] == epochs
        assert set(range(1, epochs + 1)) <= set(plot.batch_x), "each epoch's last batch must be plotted"
        # and the progress messages' batches, inside epochs (the first comes with the run's first batch)
        assert any(x != int(x) for x in plot.batch_x), "no batch point inside an epoch: progress never reached it"
        assert all(np.isfinite(plot.batch_y)) and max(plot.batch_y) <= max(history["loss"]) * 10
        # and it is drawn: the legend of all three curves is on the screen
        await pilot.press("t")
        await pilot.pause()
        drawn = str(plot.render())
        for label in ("batch (smoothed)", "epoch", "validation"):
            assert label in drawn, f"the loss plot does not draw its {label!r} curve"
        assert any("\u2800" < ch <= "\u28ff" for ch in drawn), "no braille points drawn"


async def test_every_epoch_row_shows_the_training_and_validation_figures_of_that_epoch(digits):
    app = make_app(dataset=digits, preset="mlp")
    async with app.run_test(size=SIZE) as pilot:
        await train(pilot)
        history = app.network.history
        rows = epoch_rows(app)
        assert len(rows) == app.network.epochs_trained
        for epoch, row in enumerate(rows):
            assert row[0] == str(epoch + 1)
            assert row[1:5] == [f"{history[key][epoch]:.4f}" for key in ("loss", "accuracy", "val_loss",
                                                                            "val_accuracy")], \
                f"epoch {epoch + 1}: the table must show that epoch's loss, accuracy and validation figures"


async def test_pause_holds_progress_and_resume_continues_it(digits):
    app = make_app(dataset=digits, preset="article-mlp")  # one sample per step
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        make_the_run_long(app)
        await key(app, "s")
        bar = app.dashboard.query_one("#progress")
        await wait_until(lambda: (bar.progress or 0) > 0)
        await key(app, "p")
        await wait_until(lambda: "Paused" in str(app.dashboard.query_one("#progress-text").content))
        await key(app, "t")  # let any message posted before the pause arrive
        held = bar.progress
        for _ in range(12):  # progress is reported every 0.5 s while training: 1.2 s of silence is a pause
            await key(app, "t")
            await pilot.pause(0.1)
        assert bar.progress == held, "progress went on while paused"
        assert app.dashboard.training, "pausing must not end the run"
        await key(app, "p")
        await wait_until(lambda: bar.progress > held, seconds=10)
        await key(app, "x")
        await app.workers.wait_for_complete()


async def test_stop_while_running_ends_the_run_early_and_keeps_its_weights(digits):
    """Independent of pause: x on a running (not paused) run stops it between batches."""
    app = make_app(dataset=digits, preset="article-mlp")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        make_the_run_long(app)
        await key(app, "s")
        await wait_until(lambda: app.dashboard.query_one("#epochs").row_count >= 1)
        await key(app, "x")
        await app.workers.wait_for_complete()
        await pilot.pause()
        network = app.network
        assert not app.dashboard.training
        assert 1 <= network.epochs_trained < network.epochs, "x must stop the run before its last epoch"
        # the results shown are those of the weights kept, not of a fresh or an older network
        np.testing.assert_array_equal(app.evaluation.probabilities, network.predict(digits.x_test))


async def test_the_per_class_table_and_accuracy_equal_the_models(digits):
    app = make_app(dataset=digits, preset="mlp")
    async with app.run_test(size=SIZE) as pilot:
        await train(pilot)
        predicted = app.network.predict(digits.x_test).argmax(axis=1)
        truth = digits.y_test
        shown = rendered_text(app.dashboard.query_one("#per-class").content)
        rows = {int(m[0]): tuple(map(float, m[1:])) for m in re.findall(
            r"│\s*(\d)\s*│\s*([\d.]+)\s*│\s*([\d.]+)\s*│\s*(\d+)\s*│", shown)}
        assert sorted(rows) == list(range(10))
        for c, (precision, recall, support) in rows.items():
            hits = np.sum((predicted == c) & (truth == c))
            expected_precision = hits / max(np.sum(predicted == c), 1)
            expected_recall = hits / max(np.sum(truth == c), 1)
            assert support == np.sum(truth == c), f"class {c}: support"
            assert abs(precision - expected_precision) < 5e-4, f"class {c}: precision is TP / predicted as {c}"
            assert abs(recall - expected_recall) < 5e-4, f"class {c}: recall is TP / truly {c}"
        matrix = rendered_text(app.dashboard.query_one("#confusion-matrix").content)
        assert f"Test accuracy {np.mean(predicted == truth):.2%} on {len(truth):,} images" in matrix


async def test_the_digits_tab_shows_each_digits_true_label_prediction_and_probabilities(digits):
    app = make_app(dataset=digits, preset="mlp")
    async with app.run_test(size=SIZE) as pilot:
        await train(pilot)
        probabilities = app.network.predict(digits.x_test)
        await pilot.press("g")
        grid = app.dashboard.query_one(DigitGrid)
        np.testing.assert_array_equal(grid.predictions, probabilities.argmax(axis=1))
        np.testing.assert_allclose(grid.confidences, probabilities.max(axis=1))
        for step in range(3):  # the first three digits, chosen with the arrow key
            if step:
                await pilot.press("right")
            await pilot.pause()
            index = int(grid.shown[grid.selected])
            panel = rendered_text(app.dashboard.query_one("#probabilities").content)
            true, predicted = int(digits.y_test[index]), int(probabilities[index].argmax())
            assert f"Test image {index}" in panel and f"true {true}, predicted {predicted}" in panel
            percentages = [float(p) for p in re.findall(r"(\d+\.\d)%", panel)]
            np.testing.assert_allclose(percentages, probabilities[index] * 100, atol=0.051,
                                       err_msg=f"digit {index}: the bars must show the model's probabilities")
        await pilot.press("m")
        mistakes = np.flatnonzero(probabilities.argmax(axis=1) != digits.y_test)
        np.testing.assert_array_equal(grid.shown, mistakes)


async def test_the_learning_rate_hint_under_the_health_table_follows_the_epochs_that_arrive_after_it(digits):
    """The hint is read from the epochs; the health table it stands under comes at other moments (the run's last
    report before its last epoch): an epoch that changes the hint must change what is shown, never leave a
    stale 'rising' after the loss fell again."""
    from termnet.app.panes.train import TrainView
    from termnet.engine.health import LayerHealth

    app = make_app(dataset=digits, preset="mlp")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        view = app.dashboard.query_one(TrainView)
        view.reset(3, "note", chance=2.3, learning_rate=0.01)
        view.add_epochs([(0, {"loss": 1.0}, None), (1, {"loss": 1.5}, None)])  # rising
        view.show_health([LayerHealth(1, "FC(64 -> 10)", 0.01, None)])
        await pilot.pause()
        assert "rising" in rendered_text(view.query_one("#health").content)
        view.add_epochs([(2, {"loss": 0.5}, None)])  # falling again, after the last health report
        await pilot.pause()
        shown = rendered_text(view.query_one("#health").content)
        assert "rising" not in shown and "FC(64 -> 10)" in shown
