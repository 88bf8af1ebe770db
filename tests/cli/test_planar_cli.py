"""termnet with the 2-D data sets: train, evaluate and predict on the command line."""

import json

import pytest

from .test_cli import termnet


def test_the_playground_preset_learns_the_spirals_to_95_percent():
    result = termnet("train", "--data", "spirals", "--json")
    summary = json.loads(result.stdout.splitlines()[-1])
    assert summary["model"] == "playground", "2-D data trains the playground's preset when --model is left out"
    assert summary["test_accuracy"] >= 0.95 and summary["test_samples"] == 300


def test_a_model_trained_with_features_is_evaluated_on_the_same_points_and_predict_says_it_is_for_images(tmp_path):
    path = tmp_path / "circles.termnet"
    trained = termnet("train", "--data", "circles", "--noise", "0.1", "--features", "x1^2,x2^2", "--samples", "200",
                      "--epochs", "5", "--save", path, "--json")
    accuracy = json.loads(trained.stdout.splitlines()[-1])["test_accuracy"]
    evaluated = json.loads(termnet("evaluate", path, "--json").stdout)
    assert evaluated["test_accuracy"] == accuracy and evaluated["samples"] == 100  # the options were remembered
    refused = termnet("predict", path, check_ok=False)
    error = refused.stderr.splitlines()[-1]
    assert refused.returncode == 2 and error.startswith("termnet: error: predict draws an image; circles is 2-D")


@pytest.mark.parametrize("args, message", [
    (["train", "--data", "digits", "--noise", "0.1"], "--noise is for the 2-D data sets"),
    (["train", "--data", "spirals", "--test-ratio", "0.95"], "test ratio must be from 0.1 to 0.9"),
    (["train", "--data", "spirals", "--features", "x3"], "unknown feature 'x3'"),
    (["train", "--data", "spirals", "--model", "cnn"], "cnn is for images; this data is points with 2 inputs"),
])
def test_bad_2d_options_are_refused_in_one_line(args, message):
    result = termnet(*args, check_ok=False)
    error = result.stderr.splitlines()[-1]  # after the line that says which data was loaded, if any
    assert result.returncode == 2 and "error:" in error and message in error, result.stderr
