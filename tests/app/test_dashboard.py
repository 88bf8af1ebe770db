"""The dashboard driven by its keys, headless, with Textual's pilot."""

import asyncio
import re

import numpy as np
from sklearn.metrics import confusion_matrix
from textual.widgets import Input, Label

from termnet.app import make_app
from termnet.app.widgets.layer_list import LayerList
from termnet.spec import load_spec

from .pilot import SIZE, key, make_the_run_long, notifications, rendered_text, start_training, train, wait_until


async def test_build_a_stack_by_keys_alone_then_train_it(digits):
    app = make_app(dataset=digits, preset=None)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        layers = app.dashboard.query_one(LayerList)
        assert layers.stack == []
        # Flatten: open the type list, go down to Flatten (the fifth), accept
        await pilot.press("a", "enter", "down", "down", "down", "down", "enter", "ctrl+s")
        # FC with 10 outputs: the default type; tab to Outputs, type, enter accepts
        await pilot.press("a", "tab", "1", "0", "enter")
        # Activation softmax: type list down once; tab to Function, from relu down twice to softmax
        await pilot.press("a", "enter", "down", "enter", "tab", "enter", "down", "down", "enter", "ctrl+s")
        await pilot.pause()
        assert layers.stack == [{"type": "Flatten"}, {"type": "FC", "output_size": 10},
                                {"type": "Activation", "name": "softmax"}]
        assert [row.output_shape for row in layers.rows] == [(64,), (10,), (10,)]
        assert layers.total_params == 650 and not layers.misfits
        # move the softmax up and back down with [ and ]
        await pilot.press("left_square_bracket")
        assert layers.stack[1]["type"] == "Activation"
        await pilot.press("right_square_bracket")
        assert layers.stack[2]["type"] == "Activation"
        await train(pilot)
        assert app.evaluation is not None and app.network.epochs_trained == 10


async def test_training_shows_the_confusion_matrix_scikit_learn_computes(digits):
    app = make_app(dataset=digits, preset="mlp")
    async with app.run_test(size=SIZE) as pilot:
        await train(pilot)
        predictions = app.network.predict(digits.x_test).argmax(axis=1)
        expected = confusion_matrix(digits.y_test, predictions, labels=range(10))
        shown = rendered_text(app.dashboard.query_one("#confusion-matrix").content)
        rows = [list(map(int, line.split("│")[2:12])) for line in shown.splitlines()
                if re.match(r"^│\s+\d\s+│", line)]
        assert np.array_equal(np.array(rows), expected)
        assert f"Test accuracy {np.mean(predictions == digits.y_test):.2%}" in shown
        epochs_table = app.dashboard.query_one("#epochs")
        assert epochs_table.row_count == 5
        await pilot.press("g")
        assert app.focused.id == "grid" and app.dashboard.query_one("TabbedContent").active == "digits"
        await pilot.press("m")
        grid = app.focused
        assert len(grid.shown) == int(np.sum(predictions != digits.y_test))


async def test_stop_in_the_middle_keeps_what_was_learned(digits):
    app = make_app(dataset=digits, preset="article-mlp")  # one sample at a time: slow enough to stop
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        make_the_run_long(app)
        await key(app, "s")
        table = app.dashboard.query_one("#epochs")
        await wait_until(lambda: table.row_count >= 1)
        await key(app, "p")
        control = app.dashboard.control
        await wait_until(lambda: control.waiting_at is not None)  # a loaded machine may take a moment per key
        paused_after = control.waiting_at  # the batches trained when it held
        rows = table.row_count
        await asyncio.sleep(0.3)
        assert table.row_count <= rows + 1  # paused: at most the epoch under way ends
        await key(app, "x")
        await app.workers.wait_for_complete()
        await pilot.pause()
        history = app.network.history["loss"]
        assert 1 <= len(history) < 1000
        # x stops at the batch it held after, not at the end of its epoch
        epoch, batch = control.stopped_at
        network = app.network
        trained = network.split_validation(len(digits.x_train), app.dashboard.run_values["validation_split"])[0]
        steps = -(-len(trained) // network.batch_size)
        assert epoch * steps + batch + 1 == paused_after, "x did not stop training at once"
        assert "Stopped" in str(app.dashboard.query_one("#progress-text").content)
        assert app.evaluation is not None  # the confusion matrix of the weights learned so far


async def test_a_bad_learning_rate_is_refused_with_its_message(digits):
    app = make_app(dataset=digits, preset="mlp")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("tab")  # from the layer list to the learning rate
        assert isinstance(app.focused, Input) and app.focused.id == "field-learning_rate"
        await pilot.press("minus", "1")
        await pilot.pause()
        problem = app.dashboard.query_one("#problem-learning_rate", Label)
        assert problem.display and "must be > 0" in str(problem.content)
        app.dashboard.query_one(LayerList).focus()
        await pilot.press("s")
        await pilot.pause()
        assert not app.dashboard.training
        assert "Learning rate: must be > 0 (received '-1')" in notifications(app)
        assert app.is_running


async def test_the_cnn_preset_fits_the_8x8_digits_and_says_what_it_left_out(digits):
    app = make_app(dataset=digits, preset="mlp")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("4")
        await pilot.pause()
        layers = app.dashboard.query_one(LayerList)
        assert not layers.misfits and len(layers.stack) == len(load_spec("cnn").layers) - 1
        assert "Left out on 8x8 images: the second MaxPool 2x2" in notifications(app)
        assert "784" not in notifications(app) and "8x8 -> " in notifications(app)
        await train(pilot)
        assert app.network is not None


async def test_a_misfitting_stack_is_marked_and_cannot_train(digits):
    app = make_app(dataset=digits, preset="mlp")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        layers = app.dashboard.query_one(LayerList)
        layers.set_stack(load_spec("cnn").layers)  # a user's stack is not fitted: two conv + pool stages on 8x8
        await pilot.pause()
        assert [row.index for row in layers.misfits] == [5]
        await pilot.press("s")
        await pilot.pause()
        assert not app.dashboard.training
        assert "Layer 5 does not fit" in notifications(app) and "window is larger than its input" in notifications(app)
        # fixing it (deleting the second pooling) makes the stack trainable
        layers.index = 5
        await pilot.press("d")
        await pilot.pause()
        assert not layers.misfits


async def test_a_diverging_run_stops_with_advice(digits):
    app = make_app(dataset=digits, preset="mlp")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        # a linear output is unbounded (a softmax's MSE or cross-entropy is not), so it can blow up
        app.dashboard.query_one(LayerList).set_stack([{"type": "Flatten"}, {"type": "FC", "output_size": 10}])
        form = app.dashboard.query_one("#form")
        form.set_values({"learning_rate": 1e9, "optimizer": "sgd", "loss": "mse"})
        await train(pilot)
        assert "smaller" in notifications(app)
        assert all(np.all(np.isfinite(p)) for p in app.network.params())


async def test_models_and_specs_are_saved_and_loaded_from_keys(digits, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    app = make_app(dataset=digits, preset="mlp")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("S")
        await pilot.pause()
        assert "Train or load a model first" in notifications(app)
        await train(pilot)
        accuracy = app.evaluation.accuracy
        await pilot.press("S", "enter")  # the file dialog offers model.termnet
        await pilot.press("W", "enter")  # and spec.toml
        await pilot.pause()
        assert (tmp_path / "model.termnet").is_file() and "[[layers]]" in (tmp_path / "spec.toml").read_text()
        layers = app.dashboard.query_one(LayerList)
        layers.set_stack([{"type": "Flatten"}])
        await pilot.press("R", "enter")
        await pilot.pause()
        assert len(layers.stack) == 7 and layers.stack[1] == {"type": "FC", "output_size": 128}  # input size: auto

    fresh = make_app(dataset=digits, preset=None)
    async with fresh.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("L", "enter")
        await pilot.pause()
        assert fresh.evaluation is not None and fresh.evaluation.accuracy == accuracy
        assert len(fresh.dashboard.query_one(LayerList).stack) == 7
        (tmp_path / "broken.termnet").write_bytes(b"not a model")
        await pilot.press("L")
        await pilot.pause()
        await pilot.press("ctrl+u", *"broken.termnet", "enter")
        await pilot.pause()
        assert f"{tmp_path.resolve() / 'broken.termnet'}: not a termnet model" in notifications(fresh)
        assert fresh.is_running


async def test_digits_are_drawn_without_colour_when_no_color_is_set(digits, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app(dataset=digits, preset="mlp")
    async with app.run_test(size=SIZE) as pilot:
        await train(pilot)
        await pilot.press("g")
        grid = app.focused
        assert grid.color is False
        assert any(glyph in rendered_text(grid.render()) for glyph in "█▀▄")


async def test_data_and_models_wait_while_training(digits):
    app = make_app(dataset=digits, preset="article-mlp")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        make_the_run_long(app)
        await start_training(pilot)
        await key(app, "D")
        await key(app, "L")
        await wait_until(lambda: "Wait until training ends" in notifications(app))  # a busy machine is slow
        assert app.dataset is digits and len(app.screen_stack) == 1  # no download, no file prompt
        await key(app, "x")
        await app.workers.wait_for_complete()
