"""Fixtures for the dashboard's tests: tiny real digits, and no blinking cursors."""

import numpy as np
import pytest
from textual.widgets import Input

from termnet.data import Dataset, load_dataset


@pytest.fixture(scope="session")
def digits() -> Dataset:
    """300 training and 120 test images of the bundled 8x8 digits: trains in a fraction of a second."""
    data = load_dataset("digits")
    return Dataset("digits", data.x_train[:300], data.y_train[:300], data.x_test[:120], data.y_test[:120],
                   data.class_names, "300 of the 8x8 digits (test data)")


@pytest.fixture(autouse=True)
def no_cursor_blink(monkeypatch):
    """A blinking cursor would make screenshots differ from run to run."""
    monkeypatch.setattr(Input.__dict__["cursor_blink"], "_default", False)


@pytest.fixture(autouse=True)
def seeded():
    np.random.seed(0)
