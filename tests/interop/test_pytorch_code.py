"""export-code --framework pytorch: the generated script, run in its own interpreter, predicts what termnet does."""

import subprocess
import sys

import numpy as np
import pytest

from termnet.engine import save_model

from .networks import batch_norm_cases, built, cases, images

pytest.importorskip("torch")

from termnet.onnx.pytorch_code import pytorch_script  # noqa: E402

# each starts an interpreter that imports torch (seconds): a few cases covering every writer and option -- both
# poolings, even and uneven zeros ("same" with an even kernel pads with ZeroPad2d), int padding, strides, floors
CASES = ["cnn", "conv-same-stride1-k4", "conv-2-stride3", "pool-average-3s2-side8", "activation-leaky_relu-0.3"]


def assert_script_predicts_as_termnet(network, x, tmp_path) -> str:
    """Save ``network``, write its script, run it on ``x`` in its own interpreter; returns the script's text."""
    model_file = save_model(network, tmp_path / "model.termnet")
    script = tmp_path / "model_torch.py"
    text = pytorch_script(network, str(model_file))
    script.write_text(text)
    np.save(tmp_path / "x.npy", x)
    result = subprocess.run([sys.executable, str(script), str(model_file), str(tmp_path / "x.npy"),
                             str(tmp_path / "out.npy")], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    got = np.load(tmp_path / "out.npy", allow_pickle=False)
    expected = network.predict(x)
    np.testing.assert_allclose(got, expected, atol=1e-5, rtol=1e-5)
    assert np.array_equal(got.argmax(axis=1), expected.argmax(axis=1))
    return text


def trained_a_few_steps(network, shape, steps=4, batch=8):
    """Trained on random labels, so gamma and beta leave 1 and 0 and the running statistics leave 0 and 1
    (on pixel-like images from 0 up: zero-mean ones would leave the first running means near 0)."""
    network.use("cross_entropy")
    x = np.abs(images(steps * batch, shape, seed=1))
    labels = np.random.default_rng(2).integers(0, 10, size=len(x))
    network.fit(x, labels, epochs=1, batch_size=batch)
    for layer in network.layers:
        if type(layer).__name__ == "BatchNorm":  # a script that dropped them would not agree
            assert not np.allclose(layer.running_mean, 0, atol=1e-3)
            assert not np.allclose(layer.running_var, 1, atol=1e-3)
            assert not np.allclose(layer.gamma, 1, atol=1e-4)
    return network


@pytest.mark.parametrize("case", CASES)
def test_the_generated_pytorch_script_predicts_what_termnet_predicts(case, tmp_path):
    layers, shape = cases()[case]
    assert_script_predicts_as_termnet(built(layers, shape), images(6, shape), tmp_path)


@pytest.mark.parametrize("case, norm", [("dense", "nn.BatchNorm1d(12, "), ("conv", "nn.BatchNorm2d(4, ")])
def test_batch_norm_and_dropout_after_training_predict_what_termnet_predicts(case, norm, tmp_path):
    layers, shape = batch_norm_cases()[case]
    network = trained_a_few_steps(built(layers, shape), shape)
    text = assert_script_predicts_as_termnet(network, np.abs(images(6, shape)), tmp_path)
    assert norm in text and "nn.Dropout(" in text and "archive.read(\"state.npz\")" in text


def test_the_cnn_plus_preset_exports_and_predicts_what_termnet_predicts(tmp_path):
    from termnet.spec import load_spec

    shape = (1, 28, 28)
    network = trained_a_few_steps(load_spec("cnn-plus").build(shape), shape, steps=2)
    text = assert_script_predicts_as_termnet(network, np.abs(images(6, shape, seed=3)), tmp_path)
    assert text.count("nn.BatchNorm2d(") == 2 and text.count("nn.BatchNorm1d(") == 1
    assert text.count("nn.Dropout(") == 2


def test_the_script_reads_weights_without_pickle_and_names_each_layer(tmp_path):
    layers, shape = cases()["cnn"]
    text = pytorch_script(built(layers, shape), "m.termnet")
    assert "allow_pickle=False" in text and "pickle.load" not in text and "torch.load" not in text
    assert "('layer0', nn.Conv2d(1, 4, kernel_size=3, stride=1, padding=1))" in text
    assert "nn.Sequential" in text
    assert "state.npz\")" not in text  # no layer keeps state: the script reads only what the file has
