"""Presets fitted to the loaded images: declared optional layers go when the maps are too small, and the
descriptions stay true for whatever data is loaded."""

import re

import numpy as np
import pytest

from termnet.engine import FC, Pooling
from termnet.presets import PresetUnavailable, fit_preset, preset_choices, stack_line
from termnet.spec import PRESETS, SpecError, load_spec, parse_spec

DIGITS, MNIST = (1, 8, 8), (1, 28, 28)
#: Shapes each preset must either fit (and train on) or be reported unavailable for.
SHAPES = [DIGITS, MNIST, (1, 16, 16), (1, 32, 32), (3, 32, 32), (1, 5, 5), (1, 4, 4), (1, 1, 1)]
#: The presets written for images (the playground's is for 2-D points).
IMAGE_PRESETS = [name for name in PRESETS if name != "playground"]


def _one_step(spec, shape):
    """Train ``spec`` for one epoch on four random images of ``shape``; the weights must change."""
    rng = np.random.default_rng(0)
    network = spec.build(shape, epochs=1)
    before = [p.copy() for p in network.build().params()]
    x, labels = rng.random((4, *shape), dtype=np.float32), rng.integers(0, network.output_shape[-1], 4)
    network.fit(x, labels)
    assert any(not np.array_equal(a, b) for a, b in zip(before, network.params()))


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: "x".join(map(str, s)))
@pytest.mark.parametrize("preset", IMAGE_PRESETS)
def test_every_preset_fits_and_trains_or_says_why_not(preset, shape):
    choice = {c.name: c for c in preset_choices(shape)}[preset]
    try:
        spec, note = fit_preset(preset, shape)
    except PresetUnavailable as error:
        message = str(error)
        assert not choice.available and choice.reason == message
        assert message.startswith(f"{preset} does not fit") and "\n" not in message and "larger than" in message
        return
    assert choice.available and choice.reason == "" and choice.note == note and "\n" not in note
    assert len(spec.layers) <= len(load_spec(preset).layers)
    _one_step(spec, shape)


@pytest.mark.parametrize("preset", IMAGE_PRESETS)
def test_on_mnist_every_preset_is_exactly_as_written(preset):
    assert fit_preset(preset, MNIST) == (load_spec(preset), "")


def test_the_cnn_leaves_out_its_second_pooling_on_8x8_and_says_so():
    spec, note = fit_preset("cnn", DIGITS)
    original = load_spec("cnn")
    assert spec.layers == original.layers[:5] + original.layers[6:]
    assert note == "Left out on 8x8 images: the second MaxPool 2x2, whose input (32@1x1) is too small for it"
    assert fit_preset(spec, DIGITS) == (spec, ""), "a fitted spec fits as it is"


def test_on_5x5_both_poolings_go_and_the_note_names_each():
    spec, note = fit_preset("cnn", (1, 5, 5))
    assert [layer["type"] for layer in spec.layers].count("Pooling") == 0
    assert note == ("Left out on 5x5 images: the first MaxPool 2x2, so that the second Conv 32@3x3 fits; "
                    "the second MaxPool 2x2, whose input (32@1x1) is too small for it")


def test_a_preset_too_large_for_the_images_is_unavailable_with_the_layer_that_does_not_fit():
    with pytest.raises(PresetUnavailable, match=r"^cnn does not fit 4x4 images, even without its optional "
                                                r"layers: Convolution\(32x3x3\): the 3x3 kernel is larger"):
        fit_preset("cnn", (1, 4, 4))
    assert issubclass(PresetUnavailable, SpecError)


def test_a_users_spec_is_never_adapted():
    text = load_spec("cnn").to_toml().replace("optional = true\n", "")
    mine = parse_spec(text, "mine.toml")
    assert mine.optional == ()
    with pytest.raises(PresetUnavailable, match=r"^cnn does not fit 8x8 images: Pooling\(2x2 max\): the 2x2 window"):
        fit_preset(mine, DIGITS)


def test_optional_survives_toml_and_must_be_true_or_false():
    spec = load_spec("cnn")
    assert spec.optional == (2, 5)
    assert parse_spec(spec.to_toml(), "again.toml") == spec
    with pytest.raises(SpecError, match=r"layer 0: optional must be true or false. Received: 'yes'"):
        parse_spec('[[layers]]\ntype = "Flatten"\noptional = "yes"\n', "bad.toml")


def _numbers(text: str) -> set[int]:
    return {int(n.replace(",", "")) for n in re.findall(r"\d[\d,]*", text)}


def _fc_chain(layers) -> list[int]:
    fcs = [layer for layer in layers if isinstance(layer, FC)]
    return [fcs[0].input_size] + [fc.output_size for fc in fcs]


@pytest.mark.parametrize("shape", [DIGITS, (1, 16, 16), MNIST], ids=lambda s: "x".join(map(str, s)))
@pytest.mark.parametrize("preset", IMAGE_PRESETS)
def test_descriptions_name_only_sizes_of_the_network_built_for_the_data(preset, shape):
    choice = {c.name: c for c in preset_choices(shape)}[preset]
    spec, _ = fit_preset(preset, shape)
    layers = spec.build_layers(shape)
    general, _, on_mnist = choice.description.partition("on MNIST:")
    assert "%" not in general, "an accuracy is only claimed for MNIST, and says so"
    built = {v for layer in layers for v in layer.config().values() if isinstance(v, int)}
    built |= {v for v in spec.hyperparameters().values() if isinstance(v, int)}
    assert _numbers(general) <= built, f"{preset}: {choice.description!r} names sizes the network lacks"
    # the generated line carries the data-dependent sizes, read from the network itself
    assert choice.stack == stack_line(spec, shape)
    chain = re.search(r"FC ([\d-]+)$", choice.stack).group(1)
    assert [int(n) for n in chain.split("-")] == _fc_chain(layers)
    maps = re.findall(r"(\d+)@(\d+)x(\d+)", choice.stack)
    outputs = [(layer.output_shape(s), s) for layer, s in zip(layers, _inputs(layers, shape))]
    assert [tuple(map(int, m)) for m in maps] == [out for out, s in outputs if len(out) == 3 and out != s]
    if shape == DIGITS:
        text = choice.description + choice.stack
        assert not re.search(r"\b(784|800)\b|28x28", text)


def _inputs(layers, shape):
    shapes = [tuple(shape)]
    for layer in layers[:-1]:
        shapes.append(layer.output_shape(shapes[-1]))
    return shapes


def test_the_stack_line_for_the_digits():
    assert stack_line(load_spec("mlp"), DIGITS) == "8x8 -> FC 64-128-64-10"
    assert stack_line(fit_preset("cnn", DIGITS)[0], DIGITS) == "8x8 -> 16@6x6 -> 16@3x3 -> 32@1x1 -> FC 32-128-10"
    assert stack_line(load_spec("cnn"), (3, 32, 32)).startswith("3@32x32 -> 16@30x30 -> 16@15x15")


def test_pooling_is_what_the_cnn_presets_declare_optional():
    for name in ("cnn", "article-cnn"):
        spec = load_spec(name)
        assert spec.optional and all(spec.layers[i]["type"] == "Pooling" for i in spec.optional)
        layers = spec.build_layers(MNIST)
        assert all(isinstance(layers[i], Pooling) for i in spec.optional)


@pytest.mark.parametrize("shape", [(2,), (7,)])
def test_on_2d_points_the_image_presets_say_they_are_for_images_and_the_others_train(shape):
    for choice in preset_choices(shape):
        if any(layer["type"] == "Convolution" for layer in load_spec(choice.name).layers):
            assert not choice.available
            assert choice.reason == (f"{choice.name} is for images; this data is points with {shape[0]} inputs: "
                                     f"use the playground preset, or FC layers")
        else:
            assert choice.available, choice.reason
            spec, _ = fit_preset(choice.name, shape)
            _one_step(spec, shape)


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: "x".join(map(str, s)))
def test_on_images_the_playground_preset_says_it_is_for_2d_points(shape):
    with pytest.raises(PresetUnavailable) as error:
        fit_preset("playground", shape)
    assert str(error.value).startswith("playground is for 2-D points") and "images: use another preset" in str(
        error.value)


def test_the_playground_description_names_only_sizes_of_its_network_and_claims_only_for_spirals():
    choice = {c.name: c for c in preset_choices((2,))}["playground"]
    general, _, on_spirals = choice.description.partition("on spirals:")
    assert "%" not in general and "95%" in on_spirals
    spec, _ = fit_preset("playground", (2,))
    built = {v for layer in spec.build_layers((2,)) for v in layer.config().values() if isinstance(v, int)}
    assert _numbers(general) - {2} <= built  # "2-D" names the data, not a size
    assert choice.stack == "2 -> FC 2-16-16-16-2"
