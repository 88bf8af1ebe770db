"""termnet train --patience: early stopping from the command line, one setting in termnet/settings.py."""

import json

import pytest

from termnet.engine.serialization import load_model

from .test_cli import termnet

#: a rate far too high for Adam on the digits: the validation loss gets worse within a few epochs
DIVERGING = ("--data", "digits", "--epochs", 40, "--learning-rate", 0.5, "--optimizer", "adam", "--seed", 1)


def test_patience_stops_early_and_saves_the_best_epochs_weights(tmp_path):
    from termnet.data import load_dataset

    saved = tmp_path / "early.termnet"
    result = termnet("train", *DIVERGING, "--patience", 2, "--json", "--save", saved)
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    report = summary["early_stopping"]
    assert report["stopped_epoch"] == summary["epochs"] < 40 and summary["stopped_early"]
    assert report["best_epoch"] < report["stopped_epoch"] and report["restored_best_weights"]
    assert report["best"] == pytest.approx(min(summary["history"]["val_loss"]))
    assert f"stopped after epoch {report['stopped_epoch']}" in result.stderr
    assert f"kept the weights of epoch {report['best_epoch']}" in result.stderr
    network, _ = load_model(saved)  # the file holds the best epoch's weights, not the last epoch's
    data = load_dataset("digits")
    _, held_out = network.split_validation(len(data.x_train), 0.1)
    assert network.evaluate(data.x_train[held_out], data.y_train[held_out])["loss"] == pytest.approx(report["best"],
                                                                                                    rel=1e-5)


def test_patience_without_validation_is_refused_in_one_line():
    result = termnet("train", "--data", "digits", "--patience", 3, "--validation-split", 0, check_ok=False)
    assert result.returncode == 2
    assert result.stderr.strip() == ("termnet: error: --patience 3 needs validation data: set --validation-split "
                                     "above 0 (or --patience 0 to turn early stopping off)")


def test_a_spec_with_patience_and_no_validation_is_refused_by_name(tmp_path):
    spec = tmp_path / "s.toml"
    spec.write_text('[training]\npatience = 2\nvalidation_split = 0\n[[layers]]\ntype = "Flatten"\n'
                    '[[layers]]\ntype = "FC"\noutput_size = 10\n')
    result = termnet("train", "--model", spec, "--data", "digits", check_ok=False)
    assert result.returncode == 2 and "patience 2 needs validation data" in result.stderr


@pytest.mark.parametrize("text", ["-1", "2.5", "x"])
def test_bad_patience_is_refused_naming_the_value(text):
    result = termnet("train", "--data", "digits", "--patience", text, check_ok=False)
    assert result.returncode == 2 and "--patience" in result.stderr and repr(text) in result.stderr


def test_a_resumed_run_may_turn_early_stopping_on(tmp_path):
    saved = tmp_path / "m.termnet"
    termnet("train", "--data", "digits", "--epochs", 1, "--save", saved)
    result = termnet("train", "--resume", saved, "--epochs", 3, "--patience", 5, "--json")
    assert json.loads(result.stdout.strip().splitlines()[-1])["early_stopping"]["patience"] == 5


def test_export_code_of_a_spec_with_patience_stops_early_the_same_way(tmp_path):
    spec = tmp_path / "s.toml"
    spec.write_text('[training]\npatience = 1\nepochs = 30\nlearning_rate = 0.5\noptimizer = "adam"\n'
                    'validation_split = 0.2\n[[layers]]\ntype = "Flatten"\n[[layers]]\ntype = "FC"\noutput_size = 10\n'
                    '[[layers]]\ntype = "Activation"\nname = "softmax"\n')
    script = termnet("export-code", spec, "--data", "digits").stdout
    engine_imports = [line for line in script.splitlines() if line.startswith("from termnet.engine import ")]
    assert any("EarlyStopping" in line for line in engine_imports)
    assert "net.fit(x_train, y_train, validation_split=0.2, callbacks=[EarlyStopping(patience=1)])" in script
    (tmp_path / "run.py").write_text(script + "print('epochs', net.epochs_trained)\n")
    import subprocess
    import sys

    ran = subprocess.run([sys.executable, tmp_path / "run.py"], capture_output=True, text=True, timeout=120)
    assert ran.returncode == 0, ran.stderr
    assert int(ran.stdout.split("epochs")[-1]) < 30, "the exported script stops early too"
