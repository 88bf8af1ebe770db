"""termnet lesson prints the Lesson's course as plain text: a preset with its seed's weights, or a saved model."""

import re

import numpy as np
import pytest

from termnet.cli import main
from termnet.data import load_dataset
from termnet.engine import save_model
from termnet.presets import fit_preset
from termnet.spec import load_spec


def values_after(text: str, step: str, heading: str) -> np.ndarray:
    """The numbers printed under ``heading`` in the first step whose title holds ``step``."""
    lines = text.splitlines()
    within = next(i for i, line in enumerate(lines) if line.startswith("Step ") and step in line)
    start = lines.index(heading, within) + 1
    numbers = []
    for line in lines[start:]:
        if "│" not in line:
            break
        numbers += [float(v) for v in line.split("│")[1].split()]
    return np.array(numbers)


def test_a_preset_is_followed_with_the_weights_of_its_seed(capsys):
    assert main(["lesson", "article-mlp", "--data", "digits", "--index", "3"]) == 0
    text = capsys.readouterr().out
    data = load_dataset("digits")
    network = fit_preset(load_spec("article-mlp"), data.image_shape)[0].build(data.image_shape).build()
    probabilities = network.predict(data.x_test[3:4])[0]
    steps = re.findall(r"^Step (\d+)/(\d+) \((forward|loss|backward)\): (.*)$", text, flags=re.M)
    assert steps[0][3].startswith("Point A: the input, test image 3 of digits")
    assert [int(number) for number, *_ in steps] == list(range(1, int(steps[0][1]) + 1))
    np.testing.assert_allclose(values_after(text, "Point B", "Y (1,10):"), probabilities, atol=6e-5)
    assert "Y = X·W + B   (1,64)·(64,100) + (100,) -> (1,100)" in text
    assert "dE/dX = dE/dY·Wᵀ   (1,10)·(10,50) -> (1,50)" in text


def test_a_saved_model_is_followed_on_the_data_it_remembers(tmp_path, capsys):
    data = load_dataset("digits")
    network = fit_preset(load_spec("article-cnn"), data.image_shape)[0].build(data.image_shape)
    network.fit(data.x_train[:50], data.y_train[:50], epochs=1)
    path = tmp_path / "cnn.termnet"
    save_model(network, path, {"dataset": "digits"})
    assert main(["lesson", str(path), "--index", "0"]) == 0
    text = capsys.readouterr().out
    target = np.eye(10, dtype=np.float32)[data.y_test[:1]]
    loss = network.loss.value(network.predict(data.x_test[:1]), target)
    assert f"E before {loss:.6f}" in text
    assert "Layer 0 forward: Convolution(5x3x3)" in text and "full convolution" in text


@pytest.mark.parametrize("args, message", [
    (["lesson", "article-mlp", "--data", "digits", "--index", "450"], "--index must be between 0 and 449"),
    (["lesson", "no-such-preset", "--data", "digits"], "neither a preset"),
])
def test_mistakes_are_one_line(args, message, capsys):
    assert main(args) == 2
    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert error.startswith("termnet: error:") and message in error
