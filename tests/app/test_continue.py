"""C continues training the network on screen; x says at once that it stops, then what is left to do.

The reference for every continued network is the engine itself: a network built from the same spec and seed,
fitted the same number of epochs in as many fit calls, on the same data and validation share.
"""

import math

import numpy as np
import pytest
from textual.widgets._footer import FooterKey

from termnet.app import make_app
from termnet.app.messages import DatasetLoaded
from termnet.app.panes.runs import RunsView
from termnet.app.panes.train import TrainView
from termnet.app.screens.confirm import ConfirmScreen
from termnet.app.training import MessageBridge, TrainingControl, continuation
from termnet.app.widgets.hyperparameters import HyperparameterForm
from termnet.app.widgets.layer_list import LayerList
from termnet.app.widgets.loss_plot import LossPlot
from termnet.data import Dataset
from termnet.engine import Dropout, LambdaCallback, processes
from termnet.spec import load_spec

from .pilot import SIZE, key, make_the_run_long, notifications, train, wait_until
from .test_training_view import epoch_rows


def set_form(app, **values) -> None:
    app.dashboard.query_one(HyperparameterForm).set_values(values)


async def press_and_wait(pilot, name: str) -> None:
    """Press ``name`` and wait until the run it starts has ended and its messages are handled."""
    await pilot.press(name)
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def reference(app, digits, *epochs: int):
    """The engine's own network for the form's settings, fitted ``epochs[0]``, then ``epochs[1]``, ... epochs."""
    spec, values, problems = app.dashboard.current_spec()
    assert not problems
    network = spec.build(digits.image_shape, **values)
    for count in epochs:
        network.fit(digits.x_train, digits.y_train, epochs=count, validation_split=values["validation_split"])
    return network


def assert_same_weights(actual, expected) -> None:
    for mine, theirs in zip(actual.get_weights(), expected.get_weights(), strict=True):
        for a, b in zip(mine, theirs, strict=True):
            np.testing.assert_array_equal(a, b)


def said(monkeypatch) -> list[str]:
    """Every line the Train tab's progress line shows from now on, in order."""
    lines = []
    original = TrainView.say

    def say(self, text, layout=True):
        lines.append(str(text))
        original(self, text, layout)

    monkeypatch.setattr(TrainView, "say", say)
    return lines


async def test_continuing_two_plus_two_epochs_equals_two_fits_of_the_engine(digits):
    app = make_app(dataset=digits, preset="mlp")  # Adam: its step count and moments must go on
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        set_form(app, epochs=2, schedule="constant")
        await train(pilot)
        first = app.network
        first_weights = first.get_weights()
        await press_and_wait(pilot, "C")
        network = app.network
        assert len(network.history["loss"]) == 4 and network.epochs_trained == 4
        expected = reference(app, digits, 2, 2)
        assert_same_weights(network, expected)
        for name, arrays in expected.optimizer.state().items():  # Adam's moments, not fresh zeros
            for mine, theirs in zip(network.optimizer.state()[name], arrays, strict=True):
                np.testing.assert_array_equal(mine, theirs)
        steps = math.ceil(len(network.split_validation(len(digits.x_train), 0.1)[0]) / 32)
        assert network.optimizer.iterations == expected.optimizer.iterations == 4 * steps
        assert network.history == expected.history | {"seconds": network.history["seconds"]}
        # the engine keeps shuffling from where it was: two fits of 2 epochs are one fit of 4
        assert_same_weights(network, reference(app, digits, 4))
        # the Train tab goes on: rows 1-4, plot points at epochs 1-4, batch points beyond epoch 2
        assert [row[0] for row in epoch_rows(app)] == ["1", "2", "3", "4"]
        plot = app.dashboard.query_one(LossPlot)
        assert plot.epoch_x == [1, 2, 3, 4] and plot.epoch_loss == network.history["loss"]
        assert plot.val_x == [1, 2, 3, 4] and max(plot.batch_x) == 4 and min(plot.batch_x) < 2
        # a second row in the Runs tab; the first keeps its own 2 epochs and the network it was
        runs = app.dashboard.query_one(RunsView).runs
        assert [len(run.history["loss"]) for run in runs] == [2, 4]
        assert runs[1].name == "mlp #2 (continues mlp #1)"
        for before, after in zip(first_weights, first.get_weights(), strict=True):
            for a, b in zip(before, after, strict=True):
                np.testing.assert_array_equal(a, b)
        # the results tabs show the continued network
        np.testing.assert_array_equal(app.evaluation.probabilities, network.predict(digits.x_test))


async def test_a_finished_one_cycle_plans_a_new_cycle_over_the_new_epochs(digits, monkeypatch):
    app = make_app(dataset=digits, preset="mlp")  # one-cycle
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        set_form(app, epochs=2, schedule="one-cycle")
        await train(pilot)
        steps = app.network.schedule_steps
        assert app.network.schedule_step == steps  # the plan has ended, at 1/250,000 of the rate
        lines = said(monkeypatch)
        set_form(app, epochs=3)
        await press_and_wait(pilot, "C")
        network = app.network
        assert network.schedule_steps == network.schedule_step == steps // 2 * 3, "a new plan over 3 epochs"
        assert lines[0] == ("Continuing after epoch 2: 3 more epoch(s), a new one-cycle plan over these 3 epoch(s) "
                            "(the last one had ended)…")
        expected = reference(app, digits, 2)
        expected.schedule_steps = None  # what the dashboard does to a finished plan
        expected.fit(digits.x_train, digits.y_train, epochs=3, validation_split=0.1)
        assert_same_weights(network, expected)
        # "constant" on continue: the form's rate for every step
        set_form(app, epochs=1, schedule="constant", learning_rate=0.002)
        await press_and_wait(pilot, "C")
        assert app.network.schedule is None and app.network.optimizer.step_learning_rate == 0.002
        continuing = [line for line in lines if line.startswith("Continuing after epoch")]
        assert len(continuing) == 2 and continuing[1].startswith("Continuing after epoch 5: 1 more epoch(s), constant")


async def test_C_shows_only_with_a_network_to_continue_and_nothing_training(digits):
    app = make_app(dataset=digits, preset="article-mlp")  # one sample per step: a long run

    def footer_keys() -> set[str]:
        return {footer_key.key for footer_key in app.dashboard.query(FooterKey)}

    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert "C" not in app.dashboard.active_bindings and "C" not in footer_keys()
        await pilot.press("C")  # nothing to continue: nothing happens
        await pilot.pause()
        assert app.network is None and not app.dashboard.training
        set_form(app, epochs=1)
        await train(pilot)
        assert "C" in app.dashboard.active_bindings and "C" in footer_keys()
        make_the_run_long(app)
        await key(app, "C")
        await wait_until(lambda: app.dashboard.training)
        assert "C" not in app.dashboard.active_bindings
        await wait_until(lambda: "C" not in footer_keys() and "x" in footer_keys())
        await key(app, "x")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "C" in footer_keys() and "x" not in footer_keys()


async def test_an_edited_stack_another_optimizer_or_other_data_are_refused(digits):
    app = make_app(dataset=digits, preset="mlp")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        set_form(app, epochs=1)
        await train(pilot)
        trained = app.network
        layers = app.dashboard.query_one(LayerList)
        original = [dict(layer) for layer in layers.stack]
        layers.put(2, {"type": "Activation", "name": "tanh"})  # relu before: the shapes still fit
        await press_and_wait(pilot, "C")
        assert ("The stack was edited since this network was trained: s trains the new stack from scratch"
                in notifications(app))
        assert app.network is trained and trained.epochs_trained == 1
        layers.set_stack(original, digits.image_shape)
        set_form(app, optimizer="sgd")
        await press_and_wait(pilot, "C")
        assert "This network was trained with the optimizer adam; the form says sgd" in notifications(app)
        set_form(app, optimizer="adam")
        # data of another shape: the same digits, each pixel drawn twice as large
        large = Dataset("large", digits.x_train.repeat(2, 2).repeat(2, 3), digits.y_train,
                        digits.x_test.repeat(2, 2).repeat(2, 3), digits.y_test, digits.class_names, "16x16 digits")
        app.post_message(DatasetLoaded(large))
        await pilot.pause()
        await press_and_wait(pilot, "C")
        assert "This network takes images of shape (1, 8, 8); the data has (1, 16, 16)" in notifications(app)
        assert app.network is trained and trained.epochs_trained == 1


async def test_stop_during_continue_says_so_at_once_and_keeps_the_weights(digits, monkeypatch):
    app = make_app(dataset=digits, preset="article-mlp")  # one sample per step
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        set_form(app, epochs=1)
        await train(pilot)
        first = app.network
        before = first.get_weights()
        make_the_run_long(app)  # CI once saw 30 epochs end in 0.9 s, before the test could stop them
        lines = said(monkeypatch)
        await key(app, "C")
        table = app.dashboard.query_one("#epochs")
        await wait_until(lambda: table.row_count >= 2)
        app.dashboard.action_stop()  # what x does; the line must change before any message comes back
        assert lines[-1].startswith("Stopping… (this batch ends, then checking the 30 held-out images)")
        await app.workers.wait_for_complete()
        await pilot.pause()
        network = app.network
        assert network is not first and 2 <= len(network.history["loss"]) < 1001
        assert network.epochs_trained == len(network.history["loss"])
        # the results are those of the weights kept; the network continued from is as it was
        np.testing.assert_array_equal(app.evaluation.probabilities, network.predict(digits.x_test))
        for kept, now in zip(before, first.get_weights(), strict=True):
            for a, b in zip(kept, now, strict=True):
                np.testing.assert_array_equal(a, b)
        epoch, batch = app.dashboard.control.stopped_at
        stopping = next(i for i, line in enumerate(lines) if line.startswith("Stopping…"))
        assert lines[stopping + 1:] == [
            f"Stopped in epoch {epoch + 1} after batch {batch + 1}: evaluating on the 120 test images…",
            lines[-1]], "after 'Stopping…': what it does, then the results, and nothing else"
        assert lines[-1].startswith(f"Stopped at epoch {epoch + 1} after ")
        assert [row[0] for row in epoch_rows(app)] == [str(n) for n in range(1, epoch + 2)]


async def test_a_loaded_network_continues_with_its_history_and_optimizer_state(digits, tmp_path):
    app = make_app(dataset=digits, preset="mlp")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        set_form(app, epochs=2, schedule="constant")
        await train(pilot)
        app._save_model_to(str(tmp_path / "two.termnet"))
        set_form(app, epochs=1)
        await train(pilot)  # the Train tab now shows another run
        app._load_model(str(tmp_path / "two.termnet"))
        await pilot.pause()
        loaded = app.network
        set_form(app, epochs=1)
        await press_and_wait(pilot, "C")
        assert app.network is not loaded and len(app.network.history["loss"]) == 3
        assert [row[0] for row in epoch_rows(app)] == ["1", "2", "3"], "the file's epochs, then the new one"
        assert_same_weights(app.network, reference(app, digits, 2, 1))
        assert app.network.optimizer.iterations == reference(app, digits, 2, 1).optimizer.iterations
        assert app.dashboard.query_one(RunsView).runs[-1].name == "two #4 (continues two.termnet)"


async def test_quitting_after_continuing_a_saved_network_asks_first(digits, tmp_path):
    app = make_app(dataset=digits, preset="mlp")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        set_form(app, epochs=1)
        await train(pilot)
        app._save_model_to(str(tmp_path / "m.termnet"))
        await press_and_wait(pilot, "C")  # continued since the save: unsaved
        await pilot.press("q")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen) and "never saved" in app.screen.question
        await pilot.press("n")
        await pilot.pause()
        assert app.is_running


async def test_training_without_validation_share_trains(digits):
    app = make_app(dataset=digits, preset="mlp")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        set_form(app, epochs=1, validation_split=0)
        await train(pilot)
        assert app.network is not None and app.network.epochs_trained == 1, notifications(app)
        assert "val_loss" not in app.network.history


def test_a_stop_asked_for_while_an_epoch_validates_ends_the_run_there(digits):
    """Not one more batch, nor another validation pass over the held-out images for it."""
    network = load_spec("mlp").build(digits.image_shape, epochs=5)
    control, posted = TrainingControl(), []
    during_validation = LambdaCallback(on_epoch_end=lambda epoch, logs: control.stop())  # x pressed meanwhile
    bridge = MessageBridge(posted.append, control, network.epochs, lambda: False, first_epoch=0)
    network.fit(digits.x_train, digits.y_train, validation_split=0.1, callbacks=[during_validation, bridge])
    assert len(network.history["val_loss"]) == network.epochs_trained == 1 and network.stop_training
    steps = math.ceil(270 / network.batch_size)
    assert control.stopped_at == (0, steps - 1) and network.optimizer.iterations == steps


@pytest.mark.parametrize("threads", [2, 3])  # 2 on this spec: helper processes; 3 and a Dropout: threads
def test_a_network_copied_while_it_trains_in_shards_is_continued_on_the_copy(digits, threads):
    """A fit's split steps (helper processes' sockets, a thread pool) cannot be copied: a copy made while the
    network trains in them leaves them behind and trains on in its own; the original's weights stay."""
    network = load_spec("article-cnn").build(digits.image_shape, epochs=1, batch_size=64)
    if threads == 3:
        network.layers.insert(-2, Dropout(0.1))  # before the last FC: cannot go to a helper, splits over threads
    network.threads = threads
    values = {"epochs": 1, "batch_size": 64, "learning_rate": 0.05, "schedule": "constant"}
    copies, kinds = [], []

    def copy_mid_fit(batch, logs):
        if batch == 0:
            kinds.append(type(network._sharded).__name__)  # the split steps are live now
            copies.append(continuation(network, values, steps_per_epoch=5))

    network.fit(digits.x_train, digits.y_train, callbacks=[LambdaCallback(on_batch_end=copy_mid_fit)])
    assert kinds == ["ProcessShards" if threads == 2 and processes.supported() else "ShardedSteps"]
    [(twin, plan)] = copies
    assert twin._sharded is None and twin._flat is None
    before = network.get_weights()
    twin.fit(digits.x_train, digits.y_train)
    assert plan == "constant rate 0.05" and len(twin.history["loss"]) == 1 and len(network.history["loss"]) == 1
    for kept, now in zip(before, network.get_weights(), strict=True):
        for a, b in zip(kept, now, strict=True):
            np.testing.assert_array_equal(a, b)
