"""Classification metrics, computed with scikit-learn, shared by the command line and the dashboard."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Evaluation:
    """How a model did on a labelled set."""

    accuracy: float
    loss: float | None
    confusion: np.ndarray  # rows: true class, columns: predicted class, as scikit-learn's
    precision: np.ndarray
    recall: np.ndarray
    predictions: np.ndarray
    probabilities: np.ndarray

    def as_dict(self, class_names: list[str]) -> dict:
        return {
            "accuracy": self.accuracy, "loss": self.loss, "confusion_matrix": self.confusion.tolist(),
            "per_class": {name: {"precision": float(p), "recall": float(r)}
                          for name, p, r in zip(class_names, self.precision, self.recall)},
        }


def evaluate(probabilities: np.ndarray, labels: np.ndarray, num_classes: int, loss: float | None = None) -> Evaluation:
    # imported here, not at the top: scikit-learn's metrics take a second or more to import (scipy comes with
    # them), and the dashboard imports this module to draw its first screen, long before anything is evaluated
    from sklearn.metrics import accuracy_score, confusion_matrix, precision_recall_fscore_support

    predictions = probabilities.argmax(axis=1)
    classes = list(range(num_classes))
    precision, recall, _, _ = precision_recall_fscore_support(labels, predictions, labels=classes, zero_division=0)
    return Evaluation(float(accuracy_score(labels, predictions)), loss,
                      confusion_matrix(labels, predictions, labels=classes), precision, recall, predictions,
                      probabilities)
