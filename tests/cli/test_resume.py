"""termnet train --resume: it finds the data the model was trained on, saves back (or not, or elsewhere),
and takes a new schedule; --schedule and --init reach a new run's network."""

import shutil

import pytest

from termnet.data import DatasetError
from termnet.engine.serialization import load_model, save_model
from termnet.provenance import data_folder, remembered_data

from ..data.helpers import write_tiny_mnist
from .test_cli import model, termnet, tiny  # noqa: F401  (the fixtures)


def test_a_resumed_run_finds_the_folder_it_was_trained_from_and_saves_back(tmp_path):
    write_tiny_mnist(tmp_path / "images", train=40, test=10)
    (tmp_path / "elsewhere").mkdir()
    termnet("train", "--data", "idx", "--data-dir", "images", "--epochs", 1, "--save", "first.termnet",
            cwd=tmp_path)  # a relative folder: remembered as an absolute path
    path = tmp_path / "first.termnet"
    _, metadata = load_model(path)
    assert metadata["dataset"] == "idx" and metadata["data_dir"] == str((tmp_path / "images").resolve())
    # an idx dataset cannot be found without its folder: the model file's memory of it is what finds it
    result = termnet("train", "--resume", path, "--epochs", 1, cwd=tmp_path / "elsewhere")
    assert f"Saved {path.resolve()} (back to the file it resumed from)" in result.stderr
    network, metadata = load_model(path)
    assert network.epochs_trained == 2 and metadata["data_dir"] == str((tmp_path / "images").resolve())
    evaluated = termnet("evaluate", path, "--json", cwd=tmp_path / "elsewhere")
    assert '"dataset": "idx"' in evaluated.stdout


def test_a_remembered_folder_that_is_gone_is_named_in_one_line(model, tmp_path):  # noqa: F811
    trained, _ = model
    network, metadata = load_model(trained)
    gone = tmp_path / "gone"
    path = tmp_path / "moved.termnet"
    save_model(network, path, {**metadata, "data_dir": str(gone)})
    for command in (["train", "--resume", path, "--epochs", 1], ["evaluate", path]):
        result = termnet(*command, check_ok=False)
        lines = result.stderr.strip().splitlines()
        assert result.returncode == 2 and len(lines) == 1, result.stderr
        assert str(gone) in lines[0] and "pass --data-dir" in lines[0]


def test_no_save_and_save_elsewhere_leave_the_resumed_file_as_it_was(model, tiny, tmp_path):  # noqa: F811
    trained, _ = model
    path = tmp_path / "kept.termnet"
    shutil.copy(trained, path)
    before = path.read_bytes()
    result = termnet("train", "--resume", path, "--epochs", 1, "--no-save")
    assert "Saved" not in result.stderr and path.read_bytes() == before
    other = tmp_path / "other.termnet"
    result = termnet("train", "--resume", path, "--epochs", 1, "--save", other)
    assert path.read_bytes() == before and f"Saved {other.resolve()}\n" in result.stderr
    assert load_model(other)[0].epochs_trained == load_model(path)[0].epochs_trained + 1


def test_a_resumed_run_takes_a_new_schedule_and_keeps_its_own(tiny, tmp_path):  # noqa: F811
    path = tmp_path / "cycle.termnet"
    termnet("train", "--data-dir", tiny, "--epochs", 1, "--schedule", "one-cycle", "--init", "xavier",
            "--save", path)
    first, _ = load_model(path)
    assert first.schedule == "one-cycle" and first.init == "xavier"
    steps = first.schedule_steps
    assert steps and first.schedule_step == steps  # one epoch's steps are the whole plan

    # its own schedule (and its own init) change nothing: the finished plan stays finished
    same = tmp_path / "same.termnet"
    result = termnet("train", "--resume", path, "--epochs", 1, "--schedule", "one-cycle", "--init", "xavier",
                     "--save", same)
    assert "has run all its" in result.stderr
    network, _ = load_model(same)
    assert network.schedule == "one-cycle" and network.schedule_steps == steps

    # constant: the base rate from here on
    flat = tmp_path / "flat.termnet"
    result = termnet("train", "--resume", path, "--epochs", 1, "--schedule", "constant", "--save", flat)
    assert "Schedule: constant from here on, the learning rate" in result.stderr
    network, _ = load_model(flat)
    assert network.schedule is None and network.epochs_trained == 2

    # another schedule: a new plan over this run's steps
    cosine = tmp_path / "cosine.termnet"
    result = termnet("train", "--resume", path, "--epochs", 2, "--schedule", "cosine", "--save", cosine)
    assert "Schedule: cosine from here on, a new plan over this run's 2 epoch(s)" in result.stderr
    network, _ = load_model(cosine)
    assert network.schedule == "cosine" and network.schedule_steps == network.schedule_step == 2 * steps


def test_the_folder_remembered_is_the_one_given_made_absolute(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "images").mkdir()
    absolute = str(tmp_path.resolve() / "images")
    assert data_folder("mnist", "images") == data_folder("idx", str(tmp_path / "images")) == absolute
    assert data_folder("mnist", None) is None  # found by name again: the cache, the system's copy or a download
    assert data_folder("digits", "images") is None  # bundled: the digits ignore a folder


def test_the_data_given_wins_and_a_remembered_folder_serves_only_its_own_dataset(tmp_path):
    metadata = {"dataset": "idx", "data_dir": str(tmp_path)}
    assert remembered_data(metadata, None, None) == ("idx", str(tmp_path))
    assert remembered_data(metadata, "idx", "elsewhere") == ("idx", "elsewhere")
    assert remembered_data(metadata, "mnist", None) == ("mnist", None)
    assert remembered_data({"dataset": "mnist"}, None, None) == ("mnist", None)  # a file saved before folders were
    assert remembered_data({"dataset": "mnist", "data_dir": 3}, None, None) == ("mnist", None)
    with pytest.raises(DatasetError, match=f"trained on idx from {tmp_path / 'gone'}, which is gone: pass --data-dir"):
        remembered_data({"dataset": "idx", "data_dir": str(tmp_path / "gone")}, None, None)
