"""The Lesson's course is the engine's own forward, loss, backward and update for one sample, on a copy."""

import copy
import subprocess
import sys

import numpy as np
import pytest

from termnet.data import load_dataset
from termnet.engine import FC, Activation, Convolution, Flatten, Network, Pooling
from termnet.lesson.course import course, take_step
from termnet.lesson.formulas import parameter_names
from termnet.lesson.text import course_text, summary_line, value_lines
from termnet.presets import fit_preset
from termnet.spec import load_spec


@pytest.fixture(scope="module")
def digits():
    return load_dataset("digits")


def preset(name, data, **overrides):
    spec = fit_preset(load_spec(name), data.image_shape)[0]
    return spec.build(data.image_shape, **overrides).build()


@pytest.mark.parametrize("name", ["article-mlp", "article-cnn", "cnn"])
def test_every_step_is_the_engines_own_forward_loss_backward_and_update(digits, name):
    network = preset(name, digits, optimizer="momentum")
    x, label = digits.x_test[5], int(digits.y_test[5])
    lesson = course(network, x, label)

    # forward: each layer's output, as the layers give it one after another
    reference = copy.deepcopy(network)
    outputs, value = [x[None]], x[None]
    for layer in reference.layers:
        value = layer.forward(value, training=True)
        outputs.append(np.array(value))
    forward = [dict(step.arrays) for step in lesson.steps if " forward: " in step.title]
    assert len(forward) == len(network.layers)
    for shown, expected in zip(forward, outputs[1:]):
        np.testing.assert_allclose(shown["Y"], expected, rtol=1e-5, atol=1e-7)
    target = np.eye(10, dtype=np.float32)[[label]]
    assert lesson.loss_before == pytest.approx(network.loss.value(network.predict(x[None]), target), rel=1e-5)

    # backward: the gradients the network's own (fused) backward fills
    engine = copy.deepcopy(network)
    out = engine.forward(x[None], training=True)
    engine.backward(out, target)
    gradient_steps = {step.layer: dict(step.arrays) for step in lesson.steps if "the gradients" in step.title}
    assert sorted(gradient_steps) == [i for i, layer in enumerate(network.layers) if layer.params()]
    for index, shown in gradient_steps.items():
        names = parameter_names(network.layers[index])
        for name_, grad in zip((f"dE/d{names[0]}", "dE/dB"), engine.layers[index].grads()):
            np.testing.assert_allclose(shown[name_], grad, rtol=1e-4, atol=1e-8)

    # update: the weights fit leaves after this one sample with batch size 1 (momentum: its own rule)
    fitted = copy.deepcopy(network)
    fitted.fit(x[None], [label], epochs=1, batch_size=1)
    for weights, expected in zip(lesson.weights_after, fitted.get_weights()):
        for a, b in zip(weights, expected):
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)
    updates = {step.layer: dict(step.arrays) for step in lesson.steps if " update: " in step.title}
    for index, shown in updates.items():
        w = parameter_names(network.layers[index])[0]
        np.testing.assert_allclose(shown[f"{w} after"], fitted.layers[index].params()[0], rtol=1e-5, atol=1e-7)
        np.testing.assert_allclose(shown[f"{w} change"], shown[f"{w} after"] - shown[f"{w} before"], atol=1e-7)
    assert lesson.loss_after == pytest.approx(fitted.loss.value(fitted.predict(x[None]), target), rel=1e-4)


def test_browsing_the_course_leaves_the_network_as_it_was(digits):
    network = preset("mlp", digits)  # Adam: its moments and step count must not move either
    weights = copy.deepcopy(network.get_weights())
    iterations = network.optimizer.iterations
    course(network, digits.x_test[0], int(digits.y_test[0]))
    for before, now in zip(weights, network.get_weights()):
        for a, b in zip(before, now):
            np.testing.assert_array_equal(a, b)
    assert network.optimizer.iterations == iterations and network.optimizer.m == []


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
def test_taking_the_step_for_real_is_fit_on_that_sample_with_batch_size_one(digits, optimizer):
    network = preset("article-cnn", digits, optimizer=optimizer, learning_rate=0.01)
    network.fit(digits.x_train[:20], digits.y_train[:20], epochs=1)  # an optimizer with state already
    fitted = copy.deepcopy(network)
    x, label = digits.x_test[7], int(digits.y_test[7])
    before, after = take_step(network, x, label)
    fitted.fit(x[None], [label], epochs=1, batch_size=1)
    for mine, theirs in zip(network.get_weights(), fitted.get_weights()):
        for a, b in zip(mine, theirs):
            np.testing.assert_array_equal(a, b)
    assert after < before  # one step on a sample lowers that sample's loss at these rates


def tiny_network(last="softmax", loss="mse"):
    network = (Network(learning_rate=0.5, dtype="float64", seed=3)
               .add(Convolution(kernel_size=3, depth=2)).add(Activation("relu")).add(Pooling(2))
               .add(Flatten()).add(FC(8, 4)).add(Activation("tanh")).add(FC(4, 3)).add(Activation(last)).use(loss))
    return network.build((1, 6, 6))


def central_difference(f, x, h=1e-6):
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        old = x[index]
        x[index] = old + h
        up = f(x)
        x[index] = old - h
        down = f(x)
        x[index] = old
        grad[index] = (up - down) / (2 * h)
    return grad


@pytest.mark.parametrize("loss", ["mse", "cross_entropy"])
def test_the_error_over_the_input_matches_finite_differences(loss):
    network = tiny_network(loss=loss)
    x = np.random.default_rng(1).random((1, 6, 6))
    target = np.eye(3)[[2]]
    lesson = course(network, x, 2)
    shown = dict(lesson.steps[-2].arrays)["dE/dX"]
    expected = central_difference(lambda image: network.loss.value(network.predict(image[None]), target), x.copy())
    np.testing.assert_allclose(shown[0], expected, rtol=1e-5, atol=1e-9)


def test_the_loss_comparison_hands_back_each_losss_true_error_before_the_softmax():
    network = tiny_network()
    x = np.random.default_rng(2).random((1, 6, 6))
    lesson = course(network, x, 1)
    (comparison,) = [step for step in lesson.steps if step.title.startswith("Why the loss matters")]
    shown = dict(comparison.arrays)
    scores = network.layers[-1]  # the softmax: differentiate each loss with respect to its input
    logits = copy.deepcopy(network)
    logits.layers = logits.layers[:-1]
    z = logits.predict(x[None])[0]
    target = np.eye(3)[1]

    def softmax(v):
        e = np.exp(v - v.max())
        return e / e.sum()

    mse = central_difference(lambda v: np.mean((softmax(v) - target) ** 2), z.copy())
    cross_entropy = central_difference(lambda v: -np.log(softmax(v)[1]), z.copy())
    np.testing.assert_allclose(shown["MSE: dE/dX"][0], mse, rtol=1e-5, atol=1e-10)
    np.testing.assert_allclose(shown["cross-entropy: dE/dX"][0], cross_entropy, rtol=1e-5, atol=1e-10)
    assert isinstance(scores, Activation) and "times larger" in comparison.explanation


def test_a_network_without_a_softmax_has_no_comparison_and_still_goes_all_the_way_back():
    lesson = course(tiny_network(last="sigmoid"), np.zeros((1, 6, 6)), 0)
    assert not [step for step in lesson.steps if step.title.startswith("Why")]
    assert lesson.steps[0].title.startswith("Point A") and lesson.steps[-2].title.startswith("Back at point A")


def test_every_formula_states_the_shapes_of_this_sample(digits):
    lesson = course(preset("article-mlp", digits), digits.x_test[0], int(digits.y_test[0]))
    formulas = "\n".join(step.formula for step in lesson.steps)
    assert "Y = X·W + B   (1,64)·(64,100) + (100,) -> (1,100)" in formulas
    assert "dE/dX = dE/dY·Wᵀ   (1,100)·(100,64) -> (1,64)" in formulas
    assert "dE/dX = dE/dY ⊙ (1 - Y²)   (1,50) -> (1,50)" in formulas
    cnn = course(preset("article-cnn", digits), digits.x_test[0], int(digits.y_test[0]))
    text = "\n".join(step.formula for step in cnn.steps)
    assert "⋆ (5,1,3,3) + (5,) -> (1,5,6,6)" in text and "full convolution" in text


def test_values_are_shown_in_full_when_small_and_summarised_when_large():
    lines = value_lines(np.array([[0.5, -0.25, 1e-5]]))
    assert lines == ["   0│+0.5000 -0.2500 +0.0000"]
    assert value_lines(np.array([2e-5, -1e-6])) == ["   0│+2.00e-05 -1.00e-06"]
    summary = summary_line(np.arange(-5.0, 200.0).reshape(1, 5, 41))
    assert summary.startswith("shape (5,41): min -5  max +199") and "[4,40] +199" in summary


def test_the_course_as_text_numbers_its_steps(digits):
    lesson = course(preset("article-mlp", digits), digits.x_test[0], int(digits.y_test[0]), "test image 0")
    text = course_text(lesson)
    total = len(lesson.steps)
    assert text.startswith(f"Step 1/{total} (forward): Point A: the input, test image 0")
    assert f"Step {total}/{total} (backward): The step is taken" in text
    assert max(len(line) for line in text.splitlines()) <= 78


def test_the_course_imports_no_user_interface_library():
    code = ("import sys, termnet.lesson.course, termnet.lesson.text; "
            "print(','.join(m for m in ('textual', 'rich', 'plotext') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""


def test_the_update_says_when_the_schedule_has_all_but_stopped_the_rate(digits):
    """After a one-cycle run the rate is near 0 and the weights barely move: the update step says why."""
    spec, _ = fit_preset(load_spec("mlp"), digits.image_shape)
    trained = spec.build(digits.image_shape, epochs=1, schedule="one-cycle")
    trained.fit(digits.x_train[:256], digits.y_train[:256])
    fresh = spec.build(digits.image_shape, schedule="constant")
    for network, said in ((trained, True), (fresh, False)):
        updates = [step for step in course(network, digits.x_test[0], int(digits.y_test[0])).steps
                   if "update" in step.title]
        assert updates and all(("the schedule has lowered the rate" in step.explanation) == said for step in updates)
