"""scikit-learn's bundled 8x8 handwritten digits: offline, instant."""

from __future__ import annotations

import numpy as np

TEST_FRACTION = 0.25
SPLIT_SEED = 0


def load_digits_arrays():
    """(x_train, y_train, x_test, y_test): 1,797 images in a fixed stratified split, scaled to [0, 1]."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    images = (digits.images / 16.0).astype(np.float32)[:, None, :, :]  # pixel values run 0..16
    labels = digits.target.astype(np.int64)
    x_train, x_test, y_train, y_test = train_test_split(
        images, labels, test_size=TEST_FRACTION, stratify=labels, random_state=SPLIT_SEED)
    return x_train, y_train, x_test, y_test
