"""termnet sweep on the digits: trials in parallel processes, streamed, each reported once; the best saved."""

import json
import sys

import pytest

from termnet.engine.serialization import load_model

from ..cli.test_cli import termnet

QUICK = ("--data", "digits", "--epochs", 1, "--train-size", 400, "--batch-size", 32)


def lines(result) -> list[dict]:
    return [json.loads(line) for line in result.stdout.strip().splitlines()]


def test_trials_stream_as_json_lines_each_once_and_the_best_is_the_highest_validation_accuracy(tmp_path):
    saved = tmp_path / "best.termnet"
    result = termnet("sweep", *QUICK, "--learning-rate", "1e-3:1e-1:3log", "--layer", "1.output_size=8,32",
                     "--workers", 2, "--json", "--save-best", saved)
    *trials, summary = lines(result)
    assert sorted(t["trial"] for t in trials) == list(range(6)) and summary["trials"] == 6
    assert {(t["values"]["learning_rate"], t["values"]["layer 1.output_size"]) for t in trials} == {
        (r, w) for r in (0.001, 0.01, 0.1) for w in (8, 32)}
    assert len({t["worker"] for t in trials}) == 2, "two worker processes share the trials"
    best = max(trials, key=lambda t: (t["val_accuracy"], -t["val_loss"], -t["trial"]))
    assert summary["best"] == best
    network, metadata = load_model(saved)  # the best trial's model, with train's metadata
    assert metadata["dataset"] == "digits" and network.learning_rate == best["values"]["learning_rate"]
    assert metadata["train_size"] == 400 and metadata["augment"] == "none"  # how this trial trained: --resume reads it
    assert network.layers[1].output_size == best["values"]["layer 1.output_size"]
    from termnet.data import load_dataset

    data = load_dataset("digits", train_size=400)
    _, held_out = network.split_validation(400, 0.1)
    assert network.evaluate(data.x_train[held_out], data.y_train[held_out])["accuracy"] == pytest.approx(
        best["val_accuracy"])


def test_the_same_seeds_give_the_same_results_in_one_process_or_several():
    args = ("sweep", *QUICK, "--learning-rate", "0.01,0.05", "--seeds", "0,1", "--json")
    one = {t["trial"]: t for t in lines(termnet(*args, "--workers", 1))[:-1]}
    two = {t["trial"]: t for t in lines(termnet(*args, "--workers", 2))[:-1]}
    figures = ("val_accuracy", "val_loss", "test_accuracy", "values", "seed")
    assert {n: [t[k] for k in figures] for n, t in one.items()} == {n: [t[k] for k in figures] for n, t in two.items()}
    assert one[0]["val_loss"] != one[2]["val_loss"], "seed 0 and seed 1 must train differently"


def test_a_trial_that_diverges_is_reported_with_its_reason_and_the_sweep_goes_on():
    result = termnet("sweep", *QUICK, "--optimizer", "sgd", "--loss", "mse", "--learning-rate", "0.1,1e30",
                     "--workers", 2, "--json")
    *trials, summary = lines(result)
    by_rate = {t["values"]["learning_rate"]: t for t in trials}
    assert by_rate[1e30]["status"] == "diverged" and "learning rate" in by_rate[1e30]["reason"]
    assert by_rate[0.1]["status"] == "ok" and summary["failed"] == 1 and summary["best"]["trial"] == 0


def test_plain_lines_then_the_best_and_a_plot_against_the_rate_on_a_log_axis():
    result = termnet("sweep", *QUICK, "--learning-rate", "1e-3:1e-1:3log", "--workers", 2)
    assert result.stdout.count("\ntrial ") + result.stdout.startswith("trial ") == 3
    assert "Best: trial" in result.stdout and "validation accuracy against learning_rate" in result.stdout
    assert "learning_rate (log scale)" in result.stdout and "\x1b[" not in result.stdout


@pytest.mark.parametrize("args, message", [
    (("--learning-rate", "0:1:3log"), "--learning-rate: '0:1:3log': a log range needs both ends above 0"),
    (("--batch-size", "8,x"), "--batch-size: 'x' must be a whole number"),
    (("--layer", "7.output_size=3"), "no layer 7"),
    (("--validation-split", "0"), "set --validation-split above 0"),
    (("--seeds", "a"), "--seeds: 'a'"),
    (("--workers", "0"), "--workers must be 1 or more"),
])
def test_mistakes_are_one_line_naming_the_value(args, message):
    result = termnet("sweep", "--data", "digits", *args, check_ok=False)
    assert result.returncode == 2 and message in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_without_dask_the_scheduler_option_says_what_to_install(monkeypatch):
    from termnet.sweep import SweepError, connect

    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(SweepError, match=r"pip install 'termnet\[cluster\]'"):
        connect("tcp://127.0.0.1:1")
