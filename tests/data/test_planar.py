"""The 2-D data sets: how they are drawn, split, expanded with features, and loaded by name."""

import numpy as np
import pytest

from termnet.data import DATASETS, PLANAR, PlanarOptions, load_dataset
from termnet.data.planar import expand, make_planar, parse_features
from termnet.engine import FC, Activation, Network


@pytest.mark.parametrize("name", PLANAR)
def test_each_set_is_two_balanced_classes_of_points_split_by_the_test_ratio(name):
    x_train, y_train, x_test, y_test, plane = make_planar(name, PlanarOptions(samples=400, test_ratio=0.25))
    assert x_train.shape == (300, 2) and x_test.shape == (100, 2) and x_train.dtype == np.float32
    assert set(np.unique(np.concatenate([y_train, y_test]))) == {0, 1}
    assert 0.35 < np.mean(np.concatenate([y_train, y_test])) < 0.65
    assert np.abs(np.concatenate([x_train, x_test])).max() <= plane.extent  # every point inside the picture
    np.testing.assert_array_equal(plane.train_points, x_train)  # no features: the inputs are the points


@pytest.mark.parametrize("name", PLANAR)
def test_a_seed_draws_the_same_points_and_noise_moves_them(name):
    first = make_planar(name, PlanarOptions(noise=0.0))
    np.testing.assert_array_equal(first[0], make_planar(name, PlanarOptions(noise=0.0))[0])
    noisy = make_planar(name, PlanarOptions(noise=0.2))
    assert not np.allclose(first[0], noisy[0])
    np.testing.assert_array_equal(first[1], noisy[1])  # the same labels: noise moves points, not classes


def test_features_are_appended_after_x1_and_x2():
    points = np.array([[0.5, -2.0], [1.0, 3.0]], np.float32)
    inputs = expand(points, parse_features("all"))
    expected = [[0.5, -2.0, 0.25, 4.0, -1.0, np.sin(0.5), np.sin(-2.0)], [1, 3, 1, 9, 3, np.sin(1.0), np.sin(3.0)]]
    np.testing.assert_allclose(inputs, expected, rtol=1e-6)
    assert parse_features("x2^2, x1x2") == ("x2^2", "x1x2") and parse_features("none") == ()
    with pytest.raises(ValueError, match="unknown feature 'x3'"):
        parse_features("x1^2,x3")


def linear_accuracy(data) -> float:
    """A network without a hidden layer: a straight line through the inputs."""
    network = Network(learning_rate=0.1, epochs=60, batch_size=10, optimizer="adam", seed=0)
    network.add(FC(data.image_shape[0], 2)).add(Activation("softmax")).use("cross_entropy")
    network.fit(data.x_train, data.y_train)
    return float(np.mean(network.predict(data.x_test).argmax(1) == data.y_test))


def test_with_squared_inputs_a_linear_model_separates_the_circles():
    plain = load_dataset("circles", planar=PlanarOptions(samples=400))
    squares = load_dataset("circles", planar=PlanarOptions(samples=400, features=("x1^2", "x2^2")))
    assert squares.image_shape == (4,) and squares.plane.input_names == ["x1", "x2", "x1²", "x2²"]
    assert linear_accuracy(plain) < 0.75  # no line parts a ring from the disc inside it
    assert linear_accuracy(squares) > 0.97  # x1² + x2² is the radius: one line does it


def test_load_dataset_knows_the_2d_sets_by_name_and_says_they_are_not_images():
    assert set(PLANAR) <= set(DATASETS)
    data = load_dataset("spirals", train_size=50)
    assert len(data.x_train) == 50 and data.plane is not None and not data.is_images
    assert "noise 0.05" in data.description and data.class_names == ["0", "1"]
    assert load_dataset("digits").is_images and load_dataset("digits").plane is None
