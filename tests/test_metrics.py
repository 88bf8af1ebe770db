"""The figures every view reports, against counts made by hand on an unbalanced test set."""

import numpy as np
import pytest

from termnet.metrics import evaluate


def test_accuracy_precision_recall_and_confusion_on_an_unbalanced_set():
    # 6 of class 0 (5 right), 2 of class 1 (both right), 2 of class 2 (none right): per-class means differ
    labels = np.array([0, 0, 0, 0, 0, 0, 1, 1, 2, 2])
    predicted = np.array([0, 0, 0, 0, 0, 1, 1, 1, 0, 1])
    result = evaluate(np.eye(3)[predicted], labels, 3)
    assert result.accuracy == pytest.approx(7 / 10), "accuracy is right answers over all samples, not a class mean"
    np.testing.assert_array_equal(result.confusion, [[5, 1, 0], [0, 2, 0], [1, 1, 0]])  # rows: true class
    np.testing.assert_allclose(result.precision, [5 / 6, 2 / 4, 0.0])  # right / predicted as the class
    np.testing.assert_allclose(result.recall, [5 / 6, 2 / 2, 0 / 2])  # right / truly the class
    np.testing.assert_array_equal(result.predictions, predicted)


def test_as_dict_names_each_class():
    result = evaluate(np.eye(2)[[0, 1, 1]], np.array([0, 1, 0]), 2)
    report = result.as_dict(["cat", "dog"])
    assert report["per_class"]["dog"] == {"precision": 0.5, "recall": 1.0}
    assert report["confusion_matrix"] == [[1, 1], [0, 1]]
