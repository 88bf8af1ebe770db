"""export-code --framework pytorch: the generated script, run in its own interpreter, predicts what termnet does."""

import subprocess
import sys

import numpy as np
import pytest

from termnet.engine import save_model

from .networks import built, cases, images

pytest.importorskip("torch")

from termnet.onnx.pytorch_code import pytorch_script  # noqa: E402

# each starts an interpreter that imports torch (seconds): a few cases covering every writer and option -- both
# poolings, even and uneven zeros ("same" with an even kernel pads with ZeroPad2d), int padding, strides, floors
CASES = ["cnn", "conv-same-stride1-k4", "conv-2-stride3", "pool-average-3s2-side8", "activation-leaky_relu-0.3"]


@pytest.mark.parametrize("case", CASES)
def test_the_generated_pytorch_script_predicts_what_termnet_predicts(case, tmp_path):
    layers, shape = cases()[case]
    network = built(layers, shape)
    model_file = save_model(network, tmp_path / "model.termnet")
    script = tmp_path / "model_torch.py"
    script.write_text(pytorch_script(network, str(model_file)))
    x = images(6, shape)
    np.save(tmp_path / "x.npy", x)
    result = subprocess.run([sys.executable, str(script), str(model_file), str(tmp_path / "x.npy"),
                             str(tmp_path / "out.npy")], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    got = np.load(tmp_path / "out.npy", allow_pickle=False)
    expected = network.predict(x)
    np.testing.assert_allclose(got, expected, atol=1e-5, rtol=1e-5)
    assert np.array_equal(got.argmax(axis=1), expected.argmax(axis=1))


def test_the_script_reads_weights_without_pickle_and_names_each_layer(tmp_path):
    layers, shape = cases()["cnn"]
    text = pytorch_script(built(layers, shape), "m.termnet")
    assert "allow_pickle=False" in text and "pickle.load" not in text and "torch.load" not in text
    assert "('layer0', nn.Conv2d(1, 4, kernel_size=3, stride=1, padding=1))" in text
    assert "nn.Sequential" in text
