"""Experiment specs and the presets that ship with termnet."""

import numpy as np
import pytest

from termnet.engine import Activation, Convolution, Flatten, Pooling, ShapeError
from termnet.spec import PRESETS, SpecError, load_spec, parse_spec, spec_from_layers


@pytest.mark.parametrize("preset", PRESETS)
def test_every_preset_builds_for_mnist(preset):
    net = load_spec(preset).build((1, 28, 28))
    assert net.build().output_shape == (10,)


def test_fc_input_size_is_inferred_so_mlps_fit_the_8x8_digits():
    net = load_spec("mlp").build((1, 8, 8))
    assert repr(net.layers[1]) == "FC(64 -> 128)"


def test_the_small_cnn_does_not_fit_8x8_and_says_why():
    with pytest.raises(ShapeError, match=r"window is larger than its input \(32, 1, 1\)"):
        load_spec("cnn").build((1, 8, 8))


def test_overrides_win_over_the_spec():
    spec = load_spec("mlp")
    net = spec.build((1, 28, 28), learning_rate=0.5, epochs=2, optimizer=None)
    assert net.learning_rate == 0.5 and net.epochs == 2 and net.optimizer.name == "adam"


def test_round_trip_through_toml(tmp_path):
    spec = load_spec("cnn")
    layers = spec.build_layers((1, 28, 28))
    again = spec_from_layers("mine", layers, spec.training, "a copy")
    path = tmp_path / "mine.toml"
    path.write_text(again.to_toml())
    loaded = load_spec(path)
    assert loaded.name == "mine" and loaded.training == spec.training
    assert [repr(layer) for layer in loaded.build_layers((1, 28, 28))] == [repr(layer) for layer in layers]
    # the copy trains exactly like the original: same layers, same settings, same seed
    rng = np.random.default_rng(0)
    x, labels = rng.random((8, 1, 28, 28), dtype=np.float32), rng.integers(0, 10, 8)
    original = spec.build((1, 28, 28), epochs=1)
    before = [p.copy() for p in original.build().params()]
    original.fit(x, labels)
    copy = loaded.build((1, 28, 28), epochs=1).fit(x, labels)
    batch_size = spec.hyperparameters()["batch_size"]
    assert copy.optimizer.iterations == -(-8 // batch_size), "one epoch of 8 samples takes ceil(8 / batch) steps"
    assert any(not np.array_equal(a, b) for a, b in zip(before, original.params())), "fit must change the weights"
    assert copy.history["loss"] == original.history["loss"], "a spec read back from TOML must train identically"
    for a, b in zip(copy.params(), original.params()):
        np.testing.assert_array_equal(a, b, err_msg="a spec read back from TOML must give the same trained weights")


def test_every_argument_of_every_layer_survives_toml(tmp_path):
    """Non-default arguments (a leaky_relu's slope, strides, paddings) are written and read back."""
    layers = [Convolution((1, 28, 28), kernel_size=5, depth=4, stride=2, padding="same"),
              Activation("leaky_relu", alpha=0.2), Pooling(3, stride=1, mode="average"),
              Convolution(kernel_size=3, depth=2, padding=1), Flatten()]
    path = tmp_path / "all.toml"
    path.write_text(spec_from_layers("all", layers, {}).to_toml())
    assert "alpha = 0.2" in path.read_text()
    loaded = load_spec(path).build_layers((1, 28, 28))
    assert [layer.config() for layer in loaded] == [layer.config() for layer in layers]


@pytest.mark.parametrize("text, message", [
    ("name = 'x'", "at least one \\[\\[layers\\]\\]"),
    ("[[layers]]\ntype = 'Dense'", "unknown type 'Dense'"),
    ("[[layers]]\ntype = 'FC'\noutput_size = 3\nunits = 4", "unexpected keyword argument 'units'"),
    ("[[layers]]\ntype = 'FC'\nunits = 4", "layer 0: FC: unexpected keyword argument 'units' \\(FC takes input_size, "
     "output_size\\); missing required argument 'output_size'"),
    ("[[layers]]\ntype = 'Flatten'\n[[layers]]\ntype = 'Convolution'\ndepth = 'many'",
     "layer 1: Convolution: depth must be a whole number. Received: 'many'"),
    ("[[layers]]\ntype = 'Activation'\nname = 'swish'", "Unknown activation 'swish'"),
    ("[training]\nlearning_rat = 1\n[[layers]]\ntype = 'Flatten'", "unknown training setting\\(s\\) learning_rat"),
    ("[[layers]\ntype = 'FC'", "not valid TOML"),
])
def test_bad_specs_name_the_problem(tmp_path, text, message):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(SpecError, match=message):
        load_spec(path).build((4,))


def test_unknown_preset():
    with pytest.raises(SpecError, match="'resnet' is neither a preset"):
        load_spec("resnet")


def test_parse_spec_names_its_source():
    with pytest.raises(SpecError, match="^my.toml: "):
        parse_spec("x = 1", "my.toml")
