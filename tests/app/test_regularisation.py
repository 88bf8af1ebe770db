"""The dashboard with weight decay, Dropout and BatchNorm: the form's field, the layer list and training."""

from textual.widgets import Input, Label

from termnet.app import make_app
from termnet.app.training import continuation
from termnet.app.widgets.layer_list import LayerList
from termnet.engine import BatchNorm, Dropout
from termnet.spec import load_spec

from .pilot import SIZE, notifications, train

STACK = [{"type": "Convolution", "kernel_size": 3, "depth": 4}, {"type": "BatchNorm"},
         {"type": "Activation", "name": "relu"}, {"type": "Dropout", "rate": 0.25}, {"type": "Flatten"},
         {"type": "FC", "output_size": 10}, {"type": "Activation", "name": "softmax"}]


async def test_a_stack_with_batchnorm_dropout_and_weight_decay_trains_from_the_dashboard(digits):
    app = make_app(dataset=digits, preset="mlp")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        layers = app.dashboard.query_one(LayerList)
        layers.set_stack(STACK)
        await pilot.pause()
        labels = [str(item.query_one(Label).content) for item in layers.children]
        assert any("BatchNorm" in text for text in labels) and any("Dropout 0.25" in text for text in labels)
        assert not layers.misfits
        app.dashboard.query_one("#field-weight_decay", Input).value = "0.001"
        await train(pilot)
        assert app.network is not None and app.network.optimizer.weight_decay == 0.001
        assert isinstance(app.network.layers[1], BatchNorm) and isinstance(app.network.layers[3], Dropout)
        assert app.network.layers[3].draws > 0  # the masks were drawn: dropout was on while training


async def test_a_bad_weight_decay_or_dropout_rate_is_refused_with_its_message(digits):
    app = make_app(dataset=digits, preset="mlp")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.dashboard.query_one("#field-weight_decay", Input).value = "-1"
        await pilot.pause()
        problem = app.dashboard.query_one("#problem-weight_decay", Label)
        assert problem.display and "must be from 0 to 1" in str(problem.content)
        await pilot.press("s")
        await pilot.pause()
        assert not app.dashboard.training and "Weight decay: must be from 0 to 1 (received '-1')" in notifications(app)
        app.dashboard.query_one("#field-weight_decay", Input).value = "0"
        layers = app.dashboard.query_one(LayerList)
        layers.set_stack([{"type": "Flatten"}, {"type": "Dropout", "rate": 1.5}, {"type": "FC", "output_size": 10}])
        await pilot.pause()
        assert layers.misfits and "layer 1: Dropout rate must be" in layers.misfits[0].error
        await pilot.press("s")
        await pilot.pause()
        assert not app.dashboard.training and "Dropout rate must be a number from 0 to below 1" in notifications(app)
        assert app.is_running


def test_continuing_takes_the_forms_weight_decay(digits):
    network = load_spec("mlp").build(digits.image_shape, epochs=1)
    network.fit(digits.x_train, digits.y_train)
    values = {"epochs": 1, "batch_size": 32, "learning_rate": 0.05, "schedule": "constant", "weight_decay": 0.01}
    twin, _ = continuation(network, values, steps_per_epoch=10)
    assert twin.optimizer.weight_decay == 0.01 and network.optimizer.weight_decay == 0
