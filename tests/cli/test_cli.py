"""The real termnet command, in subprocesses, on tiny data."""

import io
import json
import os
import re
import signal
import subprocess
import sys
import zipfile

import numpy as np
import pytest

from termnet.engine.serialization import load_model

from ..data.helpers import closed_port_url, write_tiny_mnist


def termnet(*args, env=None, check_ok=True, cwd=None):
    result = subprocess.run([sys.executable, "-m", "termnet", *map(str, args)], capture_output=True, text=True,
                            env={**os.environ, **(env or {})}, timeout=120, cwd=cwd)
    assert "Traceback" not in result.stderr, result.stderr
    if check_ok:
        assert result.returncode == 0, result.stderr
    return result


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tiny")
    write_tiny_mnist(folder, train=60, test=20)
    return folder


@pytest.fixture(scope="module")
def model(tiny, tmp_path_factory):
    path = tmp_path_factory.mktemp("models") / "mlp.termnet"
    result = termnet("train", "--model", "mlp", "--data-dir", tiny, "--epochs", 2, "--save", path)
    return path, result


def test_train_prints_one_plain_line_per_epoch_when_not_a_terminal(model):
    _, result = model
    lines = [line for line in result.stdout.splitlines() if line.startswith("epoch ")]
    assert [line.split()[1] for line in lines] == ["1/2", "2/2"]
    assert "\x1b[" not in result.stdout  # no escape codes in logs


def test_train_json_ends_with_one_parsable_object(tiny, tmp_path):
    from termnet.data import load_dataset

    saved = tmp_path / "json.termnet"
    result = termnet("train", "--model", "mlp", "--data-dir", tiny, "--epochs", 2, "--json", "--save", saved)
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    for key in ("test_accuracy", "test_loss", "epochs", "train_seconds", "train_samples_per_second", "history"):
        assert key in summary
    assert summary["epochs"] == 2 and len(summary["history"]["loss"]) == 2
    # the reported test figures are those of the model it saved, recomputed here from its predictions
    network, _ = load_model(saved)
    data = load_dataset("mnist", data_dir=tiny)
    probabilities = network.predict(data.x_test)
    accuracy = float(np.mean(probabilities.argmax(axis=1) == data.y_test))
    assert summary["test_accuracy"] == pytest.approx(accuracy), "test_accuracy must be the saved model's accuracy"
    assert summary["test_loss"] == pytest.approx(network.loss_value(probabilities, data.y_test), rel=1e-5), (
        "test_loss must be the saved model's loss on the test set")


def test_evaluate_matches_scikit_learn_on_the_models_predictions(model, tiny):
    from sklearn.metrics import confusion_matrix

    from termnet.data import load_dataset

    path, _ = model
    report = json.loads(termnet("evaluate", path, "--data-dir", tiny, "--json").stdout.splitlines()[-1])
    network, _ = load_model(path)
    data = load_dataset("mnist", data_dir=tiny)
    predictions = network.predict(data.x_test).argmax(axis=1)
    assert report["confusion_matrix"] == confusion_matrix(data.y_test, predictions, labels=range(10)).tolist()
    assert report["test_accuracy"] == pytest.approx(float(np.mean(predictions == data.y_test)))
    assert set(report["per_class"]) == {str(d) for d in range(10)}
    table = termnet("evaluate", path, "--data-dir", tiny).stdout
    assert "Confusion matrix" in table and "precision" in table


def test_predict_draws_the_digit_and_ten_probabilities(model, tiny):
    path, _ = model
    out = termnet("predict", path, "--data-dir", tiny, "--index", 3).stdout
    assert out.startswith("Test image 3: true 3")
    assert len(re.findall(r"^\d [█·]+ +[\d.]+%", out, flags=re.MULTILINE)) == 10
    assert termnet("predict", path, "--data-dir", tiny, "--index", 99, check_ok=False).returncode == 2


def test_resume_continues_the_history(model, tiny, tmp_path):
    path, _ = model
    resumed = tmp_path / "resumed.termnet"
    termnet("train", "--resume", path, "--data-dir", tiny, "--epochs", 1, "--save", resumed)
    network, _ = load_model(resumed)
    assert len(network.history["loss"]) == 3 and network.epochs_trained == 3
    assert network.optimizer.iterations > load_model(path)[0].optimizer.iterations


def test_summary_and_export_code(model, tmp_path):
    path, _ = model
    assert "Total params: 109,386" in termnet("summary", "mlp").stdout
    assert "trained 2 epoch(s) on mnist" in termnet("summary", path).stdout
    script = termnet("export-code", "mlp", "--data", "digits").stdout
    assert ".add(FC(64, 128))" in script and '.use("cross_entropy")' in script.replace("'", '"')
    (tmp_path / "train_mlp.py").write_text(script)
    run = subprocess.run([sys.executable, str(tmp_path / "train_mlp.py")], capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0, run.stderr
    assert float(run.stdout.strip().splitlines()[-1].split()[-1].rstrip("%")) > 80


def _corrupt(kind: str, good: bytes) -> bytes:
    if kind == "truncated":
        return good[: len(good) // 2]
    if kind == "random bytes":
        return np.random.default_rng(0).bytes(4000)
    with zipfile.ZipFile(io.BytesIO(good)) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    if kind == "pickle inside":
        buffer = io.BytesIO()
        np.savez(buffer, layer1_0=np.array([{"x": 1}], dtype=object))
        members["weights.npz"] = buffer.getvalue()
    elif kind == "newer version":
        document = json.loads(members["termnet.json"])
        document["version"] = 7
        members["termnet.json"] = json.dumps(document).encode()
    elif kind == "wrong shape":
        buffer = io.BytesIO()
        with np.load(io.BytesIO(members["weights.npz"])) as weights:
            arrays = dict(weights)
        arrays["layer1_0"] = np.zeros((3, 3), np.float32)
        np.savez(buffer, **arrays)
        members["weights.npz"] = buffer.getvalue()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


@pytest.mark.parametrize("kind, message", [
    ("truncated", "not a zip archive, or truncated"), ("random bytes", "not a termnet model"),
    ("pickle inside", "pickle"), ("newer version", "format 7 by a newer termnet"),
    ("wrong shape", r"expects W of shape (784, 128)"),
])
def test_bad_model_files_fail_cleanly(model, tiny, tmp_path, kind, message):
    path, _ = model
    bad = tmp_path / "bad.termnet"
    bad.write_bytes(_corrupt(kind, path.read_bytes()))
    result = termnet("evaluate", bad, "--data-dir", tiny, check_ok=False)
    assert result.returncode == 2
    assert str(bad) in result.stderr and message in result.stderr


@pytest.mark.parametrize("args, message", [
    (["train", "--model", "resnet"], "'resnet' is neither a preset"),
    (["train", "--learning-rate", "-0.1"], "argument --learning-rate: must be > 0. Received: '-0.1'"),
    (["train", "--data-dir", "/no/such/folder"], "Data directory /no/such/folder does not exist"),
    (["train", "--epochs", "0"], "argument --epochs: must be 1 or more. Received: '0'"),
    (["evaluate", "/no/such.termnet"], "no such model file"),
])
def test_bad_options_fail_cleanly(args, message):
    result = termnet(*args, check_ok=False)
    assert result.returncode == 2 and message in result.stderr


def test_data_list_and_a_fetch_with_every_mirror_down():
    listing = termnet("data", "list").stdout
    assert "digits" in listing and "fashion-mnist" in listing
    result = termnet("data", "fetch", "mnist", env={"TERMNET_MNIST_MIRRORS": closed_port_url()}, check_ok=False)
    assert result.returncode == 2 and "every mirror failed" in result.stderr


def test_ctrl_c_stops_between_batches_and_still_saves(tmp_path):
    target = tmp_path / "stopped.termnet"
    process = subprocess.Popen([sys.executable, "-m", "termnet", "train", "--model", "article-mlp", "--data", "digits",
                                "--save", str(target)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    first_epoch = process.stdout.readline()  # training is under way once an epoch has ended
    assert first_epoch.startswith("epoch 1/35")
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    assert "Stopping after this batch" in err and "Traceback" not in err
    network, _ = load_model(target)
    assert 1 <= len(network.history["loss"]) < 35


def test_train_and_evaluate_json_report_the_test_set_under_the_same_keys(model, tiny):
    path, _ = model
    trained = json.loads(termnet("train", "--resume", path, "--data-dir", tiny, "--epochs", 1, "--json", "--no-save")
                         .stdout.splitlines()[-1])
    evaluated = json.loads(termnet("evaluate", path, "--data-dir", tiny, "--json").stdout.splitlines()[-1])
    for key in ("test_accuracy", "test_loss"):
        assert key in trained and key in evaluated
    assert "accuracy" not in evaluated and "loss" not in evaluated
    assert re.search(r"test\s+accuracy", termnet("evaluate", path, "--data-dir", tiny).stdout)


def test_train_holds_out_a_validation_share_and_labels_it_apart_from_the_test_set(model, tiny):
    _, result = model  # trained with the default --validation-split 0.1 of 60 images
    lines = [line for line in result.stdout.splitlines() if line.startswith("epoch ")]
    assert all("val_loss" in line and "val_accuracy" in line and "test" not in line for line in lines)
    assert "Test accuracy" in result.stdout and "Validation: 6 of the 60 training images" in result.stderr
    summary = json.loads(termnet("train", "--model", "mlp", "--data-dir", tiny, "--epochs", 1, "--json",
                                 "--validation-split", 0).stdout.splitlines()[-1])
    assert "val_loss" not in summary["history"] and summary["validation_samples"] == 0
    assert summary["train_samples"] == 60


@pytest.mark.parametrize("option, message", [
    (["--optimizer", "sgd"], "--optimizer cannot change on --resume: the model was trained with adam"),
    (["--loss", "mse"], "--loss cannot change on --resume: the model was trained with cross_entropy"),
    (["--seed", "3"], "--seed cannot change on --resume: the model was trained with seed 0"),
    (["--model", "cnn"], "--model cannot be used with --resume"),
    (["--validation-split", "0.3"], "--validation-split cannot change on --resume: the model was trained with 0.1"),
    (["--train-size", "30"], "--train-size cannot change on --resume"),
    (["--data", "digits"], "--data cannot change on --resume: the model was trained on mnist"),
    (["--init", "xavier"], "--init cannot change on --resume: the model was trained from auto initial weights"),
])
def test_resume_refuses_an_option_it_cannot_apply(model, tiny, option, message):
    path, _ = model
    result = termnet("train", "--resume", path, "--data-dir", tiny, "--epochs", 1, *option, check_ok=False)
    assert result.returncode == 2 and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_resume_applies_epochs_learning_rate_and_batch_size(model, tiny, tmp_path):
    path, _ = model
    resumed = tmp_path / "resumed.termnet"
    termnet("train", "--resume", path, "--data-dir", tiny, "--epochs", 1, "--learning-rate", 0.001,
            "--batch-size", 8, "--optimizer", "adam", "--seed", 0, "--validation-split", 0.1, "--save", resumed)
    network, _ = load_model(resumed)
    assert network.learning_rate == network.optimizer.learning_rate == 0.001 and network.batch_size == 8
    assert network.optimizer.iterations - load_model(path)[0].optimizer.iterations == 7  # 54 images in batches of 8
    assert network.validation_split == 0.1


def test_a_resumed_model_that_diverges_at_once_fails_with_one_line(model, tiny):
    path, _ = model
    before = path.read_bytes()
    for json_flag in ([], ["--json"]):
        result = termnet("train", "--resume", path, "--data-dir", tiny, "--epochs", 1, "--learning-rate", 1e30,
                         *json_flag, check_ok=False)
        assert result.returncode == 1
        errors = [line for line in result.stderr.splitlines() if line.startswith("termnet:")]
        assert len(errors) == 1 and "Training stopped at epoch 1" in errors[0], result.stderr
        assert "Warning" not in result.stderr and "AttributeError" not in result.stderr
        assert f"Not saved: {path.resolve()} is kept as it was" in result.stderr  # the run it resumed is not replaced
    assert path.read_bytes() == before
