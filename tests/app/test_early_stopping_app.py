"""The dashboard's Patience field: early stopping on the validation loss, reported in the epoch table."""

import pytest

from termnet.app import make_app
from termnet.app.widgets.hyperparameters import HyperparameterForm

from .pilot import SIZE, notifications, train


async def test_patience_stops_the_run_early_and_the_table_marks_the_kept_epoch(digits):
    app = make_app(dataset=digits, preset="mlp")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.dashboard.query_one(HyperparameterForm).set_values(
            {"learning_rate": 1, "optimizer": "adam", "epochs": 40, "patience": 1, "validation_split": 0.2})
        await train(pilot)
        stopper, network = app.dashboard.early_stopping, app.network
        assert stopper is not None and stopper.stopped_epoch == network.epochs_trained < 40
        assert stopper.best == pytest.approx(min(network.history["val_loss"]))
        table = app.dashboard.query_one("#epochs")
        labels = [str(table.get_row_at(i)[0]) for i in range(table.row_count)]
        assert labels[stopper.stopped_epoch - 1].endswith(" stop")
        if stopper.restored:
            assert labels[stopper.best_epoch - 1] == f"{stopper.best_epoch}*"
        assert f"stopped after epoch {stopper.stopped_epoch}" in notifications(app)


async def test_patience_without_validation_is_refused_before_training(digits):
    app = make_app(dataset=digits, preset="mlp")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.dashboard.query_one(HyperparameterForm).set_values({"patience": 2, "validation_split": 0})
        await train(pilot)
        assert app.network is None or not app.network.history
        assert "Patience 2 needs validation data: set validation_split above 0" in notifications(app)
