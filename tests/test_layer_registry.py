"""A layer type is one class and one register_layer call: the dashboard, specs, model files and
export-code all take it from there. Shown with a throwaway layer type, registered only in these tests."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from textual.widgets import Input, Label

from termnet.app import make_app
from termnet.app.panes.runs import stack_name
from termnet.app.screens.layer_form import LayerFormScreen
from termnet.app.widgets.layer_list import LayerList
from termnet.cli.export import export_code
from termnet.data import one_hot
from termnet.engine import Layer
from termnet.engine.fields import Field
from termnet.engine.registry import LAYER_TYPES, layer_from_config, register_layer, unregister_layer
from termnet.engine.serialization import load_model, save_model
from termnet.spec import SpecError, load_spec, parse_spec

from .app.conftest import digits  # noqa: F401  (the fixture)
from .app.pilot import SIZE, notifications

REPO = Path(__file__).resolve().parent.parent


class Scale(Layer):
    """``y = factor * x``: a layer type that termnet itself does not have."""

    fields = (Field("factor", "float", minimum=0, initial=2.0, help="what every input is multiplied by"),)

    def __init__(self, factor: float):
        self.factor = float(factor)

    def forward(self, x, training=True):
        return x * self.factor

    def backward(self, output_error, learning_rate=None):
        return output_error * self.factor


@pytest.fixture
def scale():
    register_layer(Scale)
    yield Scale
    unregister_layer(Scale)
    assert "Scale" not in LAYER_TYPES


def test_built_in_types_are_registered_in_the_forms_order():
    assert list(LAYER_TYPES) == ["FC", "Activation", "Convolution", "Pooling", "Flatten", "Dropout", "BatchNorm"]


def test_a_name_is_registered_once(scale):
    with pytest.raises(ValueError, match="already registered"):
        register_layer(type("Scale", (Layer,), {}))
    assert register_layer(Scale) is Scale  # the same class again is harmless


def test_config_repr_and_code_come_from_the_fields(scale):
    layer = Scale(0.5)
    assert layer.config() == {"factor": 0.5}
    assert repr(layer) == "Scale(0.5)" and Scale.label(layer.config()) == "Scale factor=0.5"
    assert repr(layer_from_config("Scale", {"factor": 3})) == "Scale(3.0)"  # TOML's 3 is a float here
    with pytest.raises(ValueError, match="Scale: unexpected keyword argument 'factr' \\(Scale takes factor\\)"):
        layer_from_config("Scale", {"factr": 3})
    with pytest.raises(ValueError, match="Scale: missing required argument 'factor'"):
        layer_from_config("Scale", {})
    with pytest.raises(SpecError, match="layer 0: Scale: factor must be 0 or more"):
        parse_spec("[[layers]]\ntype = 'Scale'\nfactor = -1", "bad.toml")


async def test_a_registered_layer_type_is_seen_end_to_end(scale, digits, tmp_path):  # noqa: F811
    # the dashboard's add-layer form offers it, with its float field
    app = make_app(dataset=digits, preset="mlp")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        layers = app.dashboard.query_one(LayerList)
        await pilot.press("a", "enter", *["down"] * (len(LAYER_TYPES) - 1), "enter")  # the last type: Scale
        await pilot.pause()
        form = app.screen
        assert isinstance(form, LayerFormScreen) and form.kind == "Scale"
        factor = form.query_one("#f-factor", Input)
        assert factor.value == "2.0" and factor.type == "number"
        assert str(form.query_one("#r-factor Label.name", Label).content) == "Factor"
        await pilot.press("tab", "minus", "1", "ctrl+s")  # refused: below the minimum
        await pilot.pause()
        assert app.screen is form and "Factor must be a number, 0 or more (received '-1')" in notifications(app)
        factor.value = ""
        await pilot.press("0", "full_stop", "5", "enter")
        await pilot.pause()
        assert {"type": "Scale", "factor": 0.5} in layers.stack and not layers.misfits
        assert "Scale factor=0.5" in str(layers.children[1].query_one(Label).content)
        spec, _, problems = app.dashboard.current_spec()
        assert not problems

    # a TOML spec, written and read back
    spec.training.update(epochs=1, train_size=300)
    path = tmp_path / "scaled.toml"
    path.write_text(spec.to_toml())
    assert "type = \"Scale\"\nfactor = 0.5" in path.read_text()
    loaded = load_spec(path)
    assert {"type": "Scale", "factor": 0.5} in loaded.layers

    # a model file, saved and loaded
    network = loaded.build(digits.image_shape)
    assert "Scale(0.5)" in network.summary()
    network.fit(digits.x_train, one_hot(digits.y_train, 10))
    save_model(network, tmp_path / "scaled.termnet")
    again, _ = load_model(tmp_path / "scaled.termnet")
    assert [layer.config() for layer in again.layers] == [layer.config() for layer in network.layers]
    assert isinstance(again.layers[1], Scale) and again.layers[1].factor == 0.5
    np.testing.assert_array_equal(again.predict(digits.x_test), network.predict(digits.x_test))
    assert stack_name(again.layers).startswith("Flat-Scal0.5-FC128")

    # export-code's script, which runs
    script = export_code(str(path), "digits")
    assert f"from {__name__} import Scale" in script and ".add(Scale(0.5))" in script
    (tmp_path / "train_scaled.py").write_text(script)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    run = subprocess.run([sys.executable, str(tmp_path / "train_scaled.py")], capture_output=True, text=True,
                         timeout=120, cwd=tmp_path, env=env)
    assert run.returncode == 0, run.stderr
    assert "Scale(0.5)" in run.stdout and "test accuracy" in run.stdout


def test_without_registration_it_is_unknown():
    with pytest.raises(SpecError, match="unknown type 'Scale'"):
        parse_spec("[[layers]]\ntype = 'Scale'\nfactor = 2.0", "spec.toml")


class Shift(Layer):
    """``y = x + b``: a throwaway layer type with a parameter of its own."""

    fields = ()

    def build(self, input_shape, rng, init, dtype):
        if not hasattr(self, "b"):
            self.b = np.zeros(input_shape, dtype=dtype)
            self.grad_b = np.zeros_like(self.b)

    def params(self):
        return [self.b] if hasattr(self, "b") else []

    def grads(self):
        return [self.grad_b] if hasattr(self, "grad_b") else []

    def set_weights(self, weights):
        (self.b,) = [np.array(w) for w in weights]
        self.grad_b = np.zeros_like(self.b)

    def count_params(self, input_shape=None):
        return int(np.prod(input_shape)) if input_shape is not None else super().count_params()

    def forward(self, x, training=True):
        return x + self.b

    def backward(self, output_error, learning_rate=None):
        self.grad_b[...] = output_error.sum(axis=0)
        return output_error


def test_an_unregistered_layer_type_is_refused_when_saving_not_when_loading(tmp_path):
    from termnet.engine import Network

    net = Network(seed=0).add(Shift()).build((3,))
    with pytest.raises(ValueError, match=r"Shift is not a registered layer type.*register_layer\(Shift\)"):
        save_model(net, tmp_path / "m.termnet")
    assert not (tmp_path / "m.termnet").exists()


def test_a_new_layer_type_with_parameters_must_find_them_in_the_file(tmp_path):
    """The rule "never size weights from the JSON alone" holds for every layer type, not only FC and Convolution."""
    import zipfile

    from termnet.engine import ModelFileError, Network

    register_layer(Shift)
    try:
        net = Network(seed=0).add(Shift()).build((3,))
        net.layers[0].b[...] = [1.0, 2.0, 3.0]
        path = save_model(net, tmp_path / "m.termnet")
        loaded, _ = load_model(path)
        np.testing.assert_array_equal(loaded.layers[0].b, [1.0, 2.0, 3.0])
        with zipfile.ZipFile(path) as archive:
            members = {name: archive.read(name) for name in archive.namelist()}
        empty = tmp_path / "empty.npz"
        np.savez(empty)
        members["weights.npz"] = empty.read_bytes()
        with zipfile.ZipFile(path, "w") as archive:
            for name, data in members.items():
                archive.writestr(name, data)
        with pytest.raises(ModelFileError, match=r"layer 0 .*Shift.* has no weights in the file"):
            load_model(path)
    finally:
        unregister_layer(Shift)
