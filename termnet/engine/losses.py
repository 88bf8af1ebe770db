"""Losses: how far predictions are from targets, and the derivative that starts backward.

Both are averaged over the batch (MSE also over the outputs), as in PyTorch and
Keras, so a learning rate means the same thing whatever the batch size.
"""

from __future__ import annotations

import numpy as np

# probabilities are clipped here before log(), so a confident mistake costs a lot but not inf
EPSILON = 1e-7


def mse(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Mean squared error over every sample and output."""
    return float(np.mean(np.square(y_true - y_pred)))


def mse_prime(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    """d mse / d y_pred = 2 (y_pred - y_true) / size."""
    return 2.0 * (y_pred - y_true) / y_pred.size


def cross_entropy(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """-sum(y_true * log(y_pred)) / N, for probabilities y_pred."""
    # np.clip and np.sum as their ufuncs: the wrappers cost more than the work on a batch (a step reports it)
    log_p = np.log(np.minimum(np.maximum(y_pred, EPSILON), 1.0))
    return float(-np.add.reduce(np.multiply(y_true, log_p), axis=None) / len(y_pred))


def cross_entropy_prime(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    """d cross_entropy / d y_pred = -y_true / y_pred / N."""
    return -y_true / np.clip(y_pred, EPSILON, 1.0) / len(y_pred)


class Loss:
    """A loss: ``value`` for reporting, ``gradient`` to start backward."""

    name = ""

    def value(self, y_pred: np.ndarray, y_true: np.ndarray) -> float:
        raise NotImplementedError

    def gradient(self, y_pred: np.ndarray, y_true: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class MeanSquaredError(Loss):
    name = "mse"

    def value(self, y_pred, y_true):
        return mse(y_true, y_pred)

    def gradient(self, y_pred, y_true):
        return mse_prime(y_true, y_pred)


class CrossEntropy(Loss):
    """Categorical cross-entropy on probabilities (a softmax output)."""

    name = "cross_entropy"

    def value(self, y_pred, y_true):
        return cross_entropy(y_true, y_pred)

    def gradient(self, y_pred, y_true):
        return cross_entropy_prime(y_true, y_pred)

    @staticmethod
    def softmax_gradient(probabilities: np.ndarray, y_true: np.ndarray) -> np.ndarray:
        """The gradient with respect to the logits before a softmax: (p - y) / N.

        The softmax Jacobian and -y/p cancel to this exactly, with no division by a
        tiny probability, which is why softmax + cross-entropy is fused.
        """
        grad = probabilities - y_true
        grad *= 1.0 / len(probabilities)
        return grad


LOSSES = {"mse": MeanSquaredError, "cross_entropy": CrossEntropy}
ALIASES = {"mean_squared_error": "mse", "crossentropy": "cross_entropy", "cross-entropy": "cross_entropy",
           "categorical_crossentropy": "cross_entropy"}


def get_loss(loss: str | Loss) -> Loss:
    if isinstance(loss, Loss):
        return loss
    if isinstance(loss, str):
        key = ALIASES.get(loss.lower(), loss.lower())
        if key in LOSSES:
            return LOSSES[key]()
    raise ValueError(f"Unknown loss {loss!r}; expected 'mse', 'cross_entropy' or a Loss object")
