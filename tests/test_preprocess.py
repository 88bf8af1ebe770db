"""A drawn digit is boxed and centred the way MNIST's digits were."""

import numpy as np

from termnet.preprocess import mnist_style


def test_mnist_digits_come_back_unchanged(mnist_dir):
    from termnet.data import load_dataset

    images = load_dataset("mnist", data_dir=mnist_dir, train_size=1).x_test[:300, 0]
    assert all(np.array_equal(mnist_style(image), image) for image in images)


def test_a_small_off_centre_stroke_is_scaled_into_20x20_and_centred():
    image = np.zeros((28, 28), np.float32)
    image[2:7, 3:5] = 1.0  # a short bar in the top-left corner
    out = mnist_style(image)
    rows, cols = np.nonzero(out > 0)
    assert rows.max() - rows.min() + 1 == 20  # the long side fills 20 pixels
    centre = np.array([np.average(rows, weights=out[rows, cols]), np.average(cols, weights=out[rows, cols])])
    assert np.all(np.abs(centre - 14) <= 0.5)


def test_moving_a_digit_does_not_change_the_result():
    image = np.zeros((28, 28), np.float32)
    image[8:20, 10:16] = np.random.default_rng(0).random((12, 6))
    moved = np.roll(np.roll(image, -6, axis=0), 7, axis=1)
    np.testing.assert_array_equal(mnist_style(moved), mnist_style(image))


def test_an_empty_canvas_stays_empty():
    assert not mnist_style(np.zeros((8, 8))).any()


def test_a_28x28_drawing_is_resized_for_8x8_digits():
    from termnet.preprocess import resized

    image = np.zeros((28, 28), np.float32)
    image[4:24, 12:16] = 1.0  # a vertical bar
    small = resized(mnist_style(image), (8, 8))
    assert small.shape == (8, 8) and small.max() == 1.0
    assert small[:, 3:5].sum() > small[:, :2].sum() + small[:, 6:].sum()  # still a bar in the middle
