"""The Lesson tab: the numbers on screen at every step are the engine's own, read back from the screen."""

import copy
import re

import numpy as np
import pytest

from termnet.app import make_app
from termnet.app.panes.lesson import LessonView
from termnet.data import Dataset, load_dataset
from termnet.lesson.formulas import parameter_names

from .pilot import SIZE, key, make_the_run_long, notifications, rendered_text, start_training, train, wait_until

FULL_ARRAY = re.compile(r"^(.+) \(([\d,]+)\):$")
SUMMARY = re.compile(r"^(.+): shape \([\d,]+\): min (\S+)\s+max (\S+)\s+mean (\S+)")


def screen(view) -> tuple[str, str]:
    """The status line and the step as the Lesson tab draws them, as plain text."""
    return (rendered_text(view.query_one("#lesson-status").content),
            rendered_text(view.query_one("#lesson-step").content))


def shown_arrays(text: str) -> dict:
    """Each array on screen by its label: every value, or (min, max, mean) from its summary."""
    arrays, lines = {}, text.splitlines()
    for index, line in enumerate(lines):
        line = line.rstrip()
        if match := FULL_ARRAY.match(line):
            values = []
            for row in lines[index + 1:]:
                if "│" not in row:
                    break
                values += [float(v) for v in row.split("│", 1)[1].split()]
            arrays[match[1]] = np.array(values)
        elif match := SUMMARY.match(line):
            arrays[match[1]] = tuple(float(v) for v in match.groups()[1:])
    return arrays


def engine_reference(network, x, label) -> dict:
    """Every array of the course, from direct calls on copies: forward layer by layer, the loss's error,
    the network's own backward, and fit on this one sample with batch size 1."""
    target = np.eye(network.output_shape[-1], dtype=network.dtype)[[label]]
    forward = copy.deepcopy(network)
    outputs = [x[None]]
    for layer in forward.layers:
        outputs.append(np.array(layer.forward(outputs[-1], training=True)))
    error, end = forward.output_error(outputs[-1], target)
    backward = copy.deepcopy(network)
    backward.backward(backward.forward(x[None], training=True), target)
    handed = copy.deepcopy(forward)
    arrived, passed, value = {}, {}, error
    for index in range(end - 1, -1, -1):
        handed.layers[index].needs_input_grad = True
        arrived[index] = value
        value = handed.layers[index].backward(value)
        passed[index] = value
    fitted = copy.deepcopy(network)
    fitted.fit(x[None], [label], epochs=1, batch_size=1)
    return {"outputs": outputs, "target": target, "error": error, "arrived": arrived, "passed": passed,
            "grads": [layer.grads() for layer in backward.layers], "before": network.get_weights(),
            "after": fitted.get_weights(), "names": [parameter_names(layer) for layer in network.layers]}


def expected_arrays(title: str, ref: dict) -> dict:
    """What the step titled ``title`` must show, by label."""
    match = re.match(r"Layer (\d+) (forward|backward|update|hands)", title)
    i = int(match[1]) if match else None
    if title.startswith("Point A"):
        return {"X": ref["outputs"][0]}
    if title.startswith("Point B"):
        return {"Y": ref["outputs"][-1], "T": ref["target"]}
    if title.startswith("The loss"):
        return {"dE/dY": ref["error"]}
    if title.startswith("Back at point A"):
        return {"dE/dX": ref["passed"][0]}
    if match and match[2] == "forward":
        return {"Y": ref["outputs"][i + 1]}
    if match and match[2] == "backward":
        params = dict(zip([f"dE/d{n}" for n in ref["names"][i]], ref["grads"][i]))
        return {"dE/dY arrives": ref["arrived"][i], **params} if params else \
            {"dE/dY arrives": ref["arrived"][i], "dE/dX handed on": ref["passed"][i]}
    if match and match[2] == "update":
        names = ref["names"][i]
        return {**{f"{n} before": w for n, w in zip(names, ref["before"][i])},
                **{f"{n} after": w for n, w in zip(names, ref["after"][i])}}
    if match and match[2] == "hands":
        return {"dE/dX handed on": ref["passed"][i]}
    return {}


def assert_same(label: str, shown, expected: np.ndarray) -> None:
    expected = np.asarray(expected, dtype=np.float64)
    if isinstance(shown, tuple):  # a summary: 4 significant digits
        np.testing.assert_allclose(shown[:2], [expected.min(), expected.max()], rtol=1e-3, atol=1e-9, err_msg=label)
        np.testing.assert_allclose(shown[2], expected.mean(), rtol=1e-3, atol=1e-7, err_msg=label)
    else:  # every value: 4 decimals, or 3 significant digits
        np.testing.assert_allclose(shown, expected.reshape(-1), rtol=6e-3, atol=6e-5, err_msg=label)


async def walk_and_compare(pilot, view, ref) -> int:
    """Press → through the whole course, checking every array of every step against ``ref``; the steps seen."""
    total = len(view.lesson.steps)
    checked = 0
    for number in range(1, total + 1):
        status, step = screen(view)
        assert f"step {number}/{total}" in status
        title = step.splitlines()[0]
        shown, expected = shown_arrays(step), expected_arrays(title, ref)
        for label, array in expected.items():
            assert label in shown, f"{title}: {label} not on screen"
            assert_same(f"{title}: {label}", shown[label], array)
            checked += 1
        await pilot.press("right")
    assert checked > total  # every step showed something checked
    return total


@pytest.mark.parametrize("preset", ["article-mlp", "article-cnn"])
async def test_every_step_shows_the_engines_forward_loss_backward_and_update(digits, preset):
    app = make_app(dataset=digits, preset=preset)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("l")
        await pilot.pause()
        view = app.dashboard.query_one(LessonView)
        assert app.focused is view
        network = view.network
        ref = engine_reference(network, digits.x_test[0], int(digits.y_test[0]))
        assert await walk_and_compare(pilot, view, ref) == len(view.lesson.steps)
        assert "test image 0, true" in screen(view)[0]


async def test_stepping_back_and_forward_returns_the_same_screen(digits):
    app = make_app(dataset=digits, preset="article-cnn")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("l", "right", "right", "right")
        await pilot.pause()
        view = app.dashboard.query_one(LessonView)
        before = screen(view)
        await pilot.press("left", "left", "right", "right")
        await pilot.pause()
        assert screen(view) == before
        await pilot.press("right")
        assert screen(view) != before


async def test_enter_takes_the_step_on_the_dashboards_network_as_fit_would(digits):
    app = make_app(dataset=digits, preset="mlp")
    async with app.run_test(size=SIZE) as pilot:
        await train(pilot)
        await pilot.press("l", "right_square_bracket", "right_square_bracket")  # test image 2
        await pilot.pause()
        view, trained = app.dashboard.query_one(LessonView), app.dashboard.network
        assert view.network is trained
        fitted = copy.deepcopy(trained)
        fitted.fit(digits.x_test[2:3], digits.y_test[2:3], epochs=1, batch_size=1)
        loss_before = view.lesson.loss_before
        await pilot.press("enter")
        await pilot.pause()
        assert app.dashboard.network is trained
        for mine, theirs in zip(trained.get_weights(), fitted.get_weights()):
            for a, b in zip(mine, theirs):
                np.testing.assert_array_equal(a, b)
        assert view.lesson.loss_before < loss_before  # the course now starts from the weights after the step
        assert f"1 real step(s) on this sample: loss {loss_before:.4f} →" in screen(view)[0]
        assert "test image 2" in screen(view)[0]


async def test_the_step_is_refused_while_training_runs(digits):
    app = make_app(dataset=digits, preset="article-mlp")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("l")
        await pilot.pause()
        view = app.dashboard.query_one(LessonView)
        weights = copy.deepcopy(view.network.get_weights())
        make_the_run_long(app)
        await start_training(pilot)
        app.dashboard.action_tab("lesson")  # the Train tab's focused field would take the letter l
        await key(app, "enter")
        await wait_until(lambda: "Training is running" in notifications(app))
        for before, now in zip(weights, view.network.get_weights()):
            for a, b in zip(before, now):
                np.testing.assert_array_equal(a, b)
        await key(app, "x")
        await app.workers.wait_for_complete()


async def test_space_plays_the_course_and_samples_change_with_keys(digits, monkeypatch):
    monkeypatch.setattr("termnet.app.panes.lesson.PLAY_SECONDS", 0.1)
    app = make_app(dataset=digits, preset="article-mlp")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("l")
        view = app.dashboard.query_one(LessonView)
        await pilot.press("space")
        await wait_until(lambda: view.position >= 2, seconds=10)
        await pilot.press("space")
        stopped = view.position
        await pilot.pause(0.5)
        assert view.position == stopped
        await pilot.press("end")
        assert screen(view)[1].startswith("The step is taken")
        await pilot.press("left_square_bracket")  # wraps to the last test image
        assert f"test image {len(digits.x_test) - 1}," in screen(view)[0]
        await pilot.press("n")
        assert re.search(r"test image \d+, true \d", screen(view)[0])


async def test_the_drawn_digit_is_followed_too(digits):
    app = make_app(dataset=digits, preset="article-mlp")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("v", "space", "down", "down", "right", "right", "space", "l", "d")
        await pilot.pause()
        status, step = screen(app.dashboard.query_one(LessonView))
        assert "your drawing" in status and step.startswith("Point A: the input, your drawing")
        await pilot.press("7")  # the drawing is a 7: the target says so
        status, step = screen(app.dashboard.query_one(LessonView))
        assert "your drawing (taken as a 7), true 7" in status
        await pilot.press("right_square_bracket", "3")  # a test image again: 3 loads the preset, as anywhere
        await pilot.pause()
        assert app.dashboard.spec.name == "mlp"
        assert app.dashboard.query_one(LessonView).network.layers[1].output_size == 128  # followed at once


async def test_the_digit_chosen_on_the_digits_tab_is_followed(digits):
    app = make_app(dataset=digits, preset="mlp")
    async with app.run_test(size=SIZE) as pilot:
        await train(pilot)
        await pilot.press("g", "right", "right", "right", "l")
        await pilot.pause()
        assert "test image 3," in screen(app.dashboard.query_one(LessonView))[0]
        await pilot.press("right_square_bracket", "g", "l")  # the choice is unchanged: the Lesson's own stays
        assert "test image 4," in screen(app.dashboard.query_one(LessonView))[0]


@pytest.mark.slow
async def test_mnist_course_shows_the_engines_numbers(mnist_dir):
    full = load_dataset("mnist", data_dir=mnist_dir)
    data = Dataset("mnist", full.x_train[:200], full.y_train[:200], full.x_test[:20], full.y_test[:20],
                   full.class_names, "200 MNIST images")
    app = make_app(dataset=data, preset="article-cnn")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("l")
        await pilot.pause()
        view = app.dashboard.query_one(LessonView)
        ref = engine_reference(view.network, data.x_test[0], int(data.y_test[0]))
        await walk_and_compare(pilot, view, ref)
