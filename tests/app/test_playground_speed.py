"""What keeps the Playground's short epochs (~50 ms each) from costing a UI frame apiece: the training bridge
posts the epochs ended since its last progress message together, pictures of the plane and progress only a few
times a second, and yet the table, the plot and the picture end exactly where the run ended."""

import numpy as np
import pytest

from termnet.app import make_app
from termnet.app import training as training_module
from termnet.app.messages import BatchProgress, EpochEnded, PlaneUpdate
from termnet.app.panes.train import TrainView
from termnet.app.training import MessageBridge, TrainingControl
from termnet.app.widgets.boundary import DecisionBoundary
from termnet.app.widgets.loss_plot import LossPlot
from termnet.data import PlanarOptions, load_dataset
from termnet.engine import EarlyStopping, LambdaCallback
from termnet.spec import load_spec

from .pilot import SIZE, train


@pytest.fixture(scope="module")
def spirals():
    return load_dataset("spirals", planar=PlanarOptions(samples=200))


@pytest.fixture
def rarely(monkeypatch):
    """Progress, pictures and lone epoch messages as rarely as may be: only what the run's end forces."""
    for name in ("PROGRESS_INTERVAL", "PLANE_INTERVAL", "EPOCH_INTERVAL", "HEALTH_INTERVAL"):
        monkeypatch.setattr(training_module, name, 1e9)


def fit_posting(data, epochs: int, callbacks=(), probe=None, control=None, validation_split=0.0):
    network = load_spec("playground").build(data.image_shape, epochs=epochs)
    posted = []
    bridge = MessageBridge(posted.append, control or TrainingControl(), epochs, lambda: False, probe=probe)
    network.fit(data.x_train, data.y_train, validation_split=validation_split, callbacks=[bridge, *callbacks])
    return network, posted


def epochs_posted(posted) -> list[tuple[int, dict, float]]:
    return [row for message in posted if isinstance(message, EpochEnded) for row in message.epochs]


def test_short_epochs_are_posted_together_and_every_one_of_them_is(spirals, rarely):
    network, posted = fit_posting(spirals, 6)
    messages = [message for message in posted if isinstance(message, EpochEnded)]
    assert [len(message.epochs) for message in messages] == [6], "one message (one table update) for them all"
    rows = epochs_posted(posted)
    assert [epoch for epoch, _, _ in rows] == list(range(6))
    assert [logs["loss"] for _, logs, _ in rows] == network.history["loss"]
    assert all(np.isfinite(end_loss) for _, _, end_loss in rows)


def test_each_epoch_is_posted_at_its_end_when_epochs_are_slow(spirals, monkeypatch):
    monkeypatch.setattr(training_module, "EPOCH_INTERVAL", 0.0)  # as for an MLP's epochs of seconds
    monkeypatch.setattr(training_module, "PROGRESS_INTERVAL", 1e9)
    _, posted = fit_posting(spirals, 4)
    assert [[epoch for epoch, _, _ in message.epochs] for message in posted if isinstance(message, EpochEnded)] \
        == [[0], [1], [2], [3]]


def test_with_a_plane_ended_epochs_come_with_a_picture_never_in_a_frame_of_their_own(spirals, monkeypatch):
    """Each message the UI handles alone draws a frame, time the GIL takes from training: the Playground's
    epochs wait for the next picture (a few a second) and go in its frame, just before its progress."""
    monkeypatch.setattr(training_module, "EPOCH_INTERVAL", 0.0)  # every epoch due at once
    monkeypatch.setattr(training_module, "PLANE_INTERVAL", 0.002)
    monkeypatch.setattr(training_module, "HEALTH_INTERVAL", 1e9)
    network, posted = fit_posting(spirals, 12, probe=lambda network: PlaneUpdate(None))
    kinds = [type(message).__name__ for message in posted]
    ended = [i for i, kind in enumerate(kinds) if kind == "EpochEnded"]
    assert len(ended) >= 2, kinds
    assert all(kinds[i + 1] == "BatchProgress" for i in ended[:-1]), kinds  # the last: the run's end
    assert [epoch for epoch, _, _ in epochs_posted(posted)] == list(range(12))


def test_a_pause_posts_the_epochs_ended_so_far(spirals, rarely):
    control = TrainingControl()
    shown = []

    def post(message):
        if isinstance(message, EpochEnded):
            shown.extend(epoch for epoch, _, _ in message.epochs)
        if isinstance(message, EpochEnded) and not control.paused:
            return
        if control.paused:  # the bridge waits now: what the table shows while paused
            assert shown == [0, 1, 2], shown
            control.resume()

    pause_in_epoch_4 = LambdaCallback(on_epoch_end=lambda epoch, logs: epoch == 2 and control.pause())
    network = load_spec("playground").build(spirals.image_shape, epochs=5)
    network.fit(spirals.x_train, spirals.y_train,
                callbacks=[pause_in_epoch_4, MessageBridge(post, control, 5, lambda: False)])
    assert shown == [0, 1, 2, 3, 4]


def test_an_early_stop_by_a_later_callback_still_posts_the_last_epochs(spirals, rarely):
    """EarlyStopping decides after the bridge's on_epoch_end: the run's end posts what is left."""
    stopper = EarlyStopping(patience=1, min_delta=1e9)  # no epoch improves by that much: stops after epoch 2
    network, posted = fit_posting(spirals, 30, callbacks=[stopper], validation_split=0.2)
    assert network.epochs_trained < 30
    assert [epoch for epoch, _, _ in epochs_posted(posted)] == list(range(network.epochs_trained))


def test_a_stop_posts_the_stopped_epoch_at_once(spirals, rarely):
    control = TrainingControl()
    stop_in_epoch_3 = LambdaCallback(on_epoch_end=lambda epoch, logs: epoch == 2 and control.stop())
    network = load_spec("playground").build(spirals.image_shape, epochs=30)
    posted = []
    bridge = MessageBridge(posted.append, control, 30, lambda: False)
    network.fit(spirals.x_train, spirals.y_train, callbacks=[stop_in_epoch_3, bridge])
    messages = [message for message in posted if isinstance(message, EpochEnded)]
    assert messages[-1].epoch == control.stopped_at[0] == 2 and network.epochs_trained == 3


def test_pictures_and_progress_are_not_posted_per_epoch_only_at_the_runs_end(spirals, rarely):
    probed = []
    probe = lambda network: probed.append([p.copy() for p in network.params()]) or PlaneUpdate(len(probed))  # noqa: E731
    network, posted = fit_posting(spirals, 5, probe=probe)
    assert sum(isinstance(message, BatchProgress) for message in posted) == 1
    assert sum(isinstance(message, PlaneUpdate) for message in posted) == 1
    for trained, pictured in zip(network.params(), probed[-1], strict=True):
        np.testing.assert_array_equal(trained, pictured)  # the last picture is of the final weights


async def test_the_table_the_plot_and_the_picture_end_where_the_run_ended(spirals, rarely):
    """What the user sees after a Playground run posted (almost) nothing during it."""
    app = make_app(dataset=spirals, preset="playground")
    async with app.run_test(size=SIZE) as pilot:
        app.dashboard.query_one("#form").set_values({"epochs": 7})
        await train(pilot)
        network = app.network
        table = app.dashboard.query_one("#epochs")
        assert [str(table.get_row_at(row)[0]) for row in range(table.row_count)] == [str(n) for n in range(1, 8)]
        assert str(table.get_row_at(6)[1]) == f"{network.history['loss'][6]:.4f}"
        plot = app.dashboard.query_one(LossPlot)
        assert plot.epoch_loss == network.history["loss"]
        assert set(range(1, 8)) <= set(plot.batch_x), "each epoch's end is on the batch curve"
        assert plot.batch_x == sorted(plot.batch_x) and len(set(plot.batch_x)) == len(plot.batch_x)
        assert table.scroll_y == table.max_scroll_y, "the table shows the newest epoch"
        snapshot = app.dashboard.query_one(DecisionBoundary).snapshot
        points = spirals.plane.inputs(snapshot.points)
        rows, columns = snapshot.probabilities.shape[:2]
        np.testing.assert_allclose(snapshot.probabilities, network.predict(points).reshape(rows, columns, -1),
                                   rtol=1e-5, atol=1e-6)


def test_a_replayed_history_adds_a_row_and_a_point_per_epoch_without_batch_points():
    view = TrainView()
    added = []
    view.add_epochs = added.extend
    view.replay({"loss": [1.0, 0.5], "seconds": [0.1, 0.2]})
    assert added == [(0, {"loss": 1.0, "seconds": 0.1}, None), (1, {"loss": 0.5, "seconds": 0.2}, None)]
