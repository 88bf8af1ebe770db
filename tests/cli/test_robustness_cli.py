"""termnet train --augment and termnet evaluate --robustness [--compare]: the curves are the engine's accuracies
on the damaged test images, drawn one plot per damage with a line per level."""

import json

import numpy as np
import pytest

from termnet.data import load_dataset
from termnet.engine.augment import affine, thicken
from termnet.engine.serialization import load_model
from termnet.robustness import DAMAGES

from .test_cli import termnet


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    folder = tmp_path_factory.mktemp("robust")
    plain, augmented = folder / "plain.termnet", folder / "light.termnet"
    first = termnet("train", "--data", "digits", "--epochs", 2, "--json", "--save", plain)
    second = termnet("train", "--data", "digits", "--epochs", 2, "--json", "--augment", "light", "--save", augmented)
    return plain, augmented, json.loads(first.stdout.splitlines()[-1]), json.loads(second.stdout.splitlines()[-1])


def test_train_augment_changes_the_training_and_the_file_remembers_it(models):
    plain, augmented, plain_run, augmented_run = models
    assert plain_run["history"]["loss"] != augmented_run["history"]["loss"]
    assert load_model(augmented)[1]["augment"] == "light" and load_model(plain)[1]["augment"] == "none"


def test_robustness_json_equals_the_engine_on_damaged_images(models):
    plain, augmented, plain_run, _ = models
    result = json.loads(termnet("evaluate", plain, "--robustness", "--compare", augmented, "--json").stdout)
    data = load_dataset("digits")
    assert result["samples"] == len(data.x_test)
    curves = result["models"][str(plain)]
    assert set(curves) == set(DAMAGES) and set(result["models"]) == {str(plain), str(augmented)}
    for damage in DAMAGES.values():  # undamaged, each curve is the test accuracy
        assert curves[damage.name]["accuracy"][damage.levels.index(0)] == pytest.approx(plain_run["test_accuracy"])
    network = load_model(plain)[0]
    for name, damaged in (("rotation", lambda x, level: affine(x, level, (0, 0), 1)),
                          ("shift", lambda x, level: affine(x, 0, (level, level), 1)),
                          ("thickness", thicken)):
        expected = [float(np.mean(network.predict(damaged(data.x_test, level)).argmax(1) == data.y_test))
                    for level in DAMAGES[name].levels]
        assert curves[name]["accuracy"] == pytest.approx(expected)


def test_robustness_draws_a_plot_per_damage_and_a_line_per_level(models):
    plain, augmented, _, _ = models
    out = termnet("evaluate", plain, "--robustness", "--compare", augmented, "--images", 100).stdout
    assert "first 100 test images" in out and "\x1b[" not in out
    for damage in DAMAGES.values():
        assert damage.label in out
    assert out.count("plain.termnet") >= 2 * len(DAMAGES) and out.count("light.termnet") >= 2 * len(DAMAGES)
    assert "+45°" in out and "σ 0.5" in out and "-1px" in out


@pytest.mark.parametrize("args, message", [
    (["--compare", "{other}"], "--compare goes with --robustness"),
    (["--robustness", "--compare", "{missing}"], "missing.termnet"),
])
def test_robustness_mistakes_fail_in_one_line(models, tmp_path, args, message):
    plain, augmented, _, _ = models
    args = [a.format(other=augmented, missing=tmp_path / "missing.termnet") for a in args]
    result = termnet("evaluate", plain, *args, check_ok=False)
    assert result.returncode == 2 and message in result.stderr
    assert len(result.stderr.strip().splitlines()) <= 2, result.stderr  # the data line, then the error


def test_export_code_trains_with_the_spec_s_augmentation(tmp_path):
    spec = tmp_path / "aug.toml"
    spec.write_text('name = "aug"\n[training]\naugment = "strong"\nseed = 4\n[[layers]]\ntype = "Flatten"\n'
                    '[[layers]]\ntype = "FC"\noutput_size = 10\n[[layers]]\ntype = "Activation"\nname = "softmax"\n')
    script = termnet("export-code", spec, "--data", "digits").stdout
    assert "net.fit(x_train, y_train, augment=Augmentation.level('strong', 8, seed=4))" in script
    assert "import Augmentation, FC" in script or "Augmentation," in script
    compile(script, "exported.py", "exec")
    plain = termnet("export-code", "mlp", "--data", "digits").stdout
    assert "net.fit(x_train, y_train)\n" in plain and "Augmentation" not in plain


def test_resume_goes_on_with_the_file_s_augmentation_unless_told_otherwise(models, tmp_path):
    _, augmented, _, _ = models
    kept, changed = tmp_path / "kept.termnet", tmp_path / "changed.termnet"
    termnet("train", "--resume", augmented, "--epochs", 1, "--save", kept)
    termnet("train", "--resume", augmented, "--epochs", 1, "--augment", "none", "--save", changed)
    assert load_model(kept)[1]["augment"] == "light" and load_model(changed)[1]["augment"] == "none"
