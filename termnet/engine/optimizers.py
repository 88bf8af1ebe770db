"""Optimizers: how gradients become parameter updates.

Each keeps its per-parameter state (velocities, moments) in lists parallel to the
network's parameter list, so the state can be saved and resumed.

An optimizer owns its base ``learning_rate``; a schedule never changes it, but
passes ``step`` a factor for each step, so the rate of a step is
``learning_rate * factor`` (``step_learning_rate``) and schedules never compound.
"""

from __future__ import annotations

import math

import numpy as np


def _learning_rate(value) -> float:
    ok = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)
    if not ok or not math.isfinite(value) or value <= 0:
        raise ValueError(f"learning_rate must be a positive number. Received: learning_rate={value!r}")
    return float(value)


class Optimizer:
    """Base class: ``step(params, grads)`` updates ``params`` in place.

    ``update`` reads the rate of the current step from ``step_learning_rate``, which
    ``step`` sets to ``learning_rate * factor`` (the schedule's factor, 1 without one).
    """

    name = ""

    def __init__(self, learning_rate: float = 0.01):
        self.learning_rate = _learning_rate(learning_rate)
        self.step_learning_rate = self.learning_rate
        self.iterations = 0

    def step(self, params: list[np.ndarray], grads: list[np.ndarray], factor: float = 1.0) -> None:
        """One update of every parameter, at ``learning_rate * factor``."""
        self.iterations += 1
        self.step_learning_rate = self.learning_rate * factor
        for index, (param, grad) in enumerate(zip(params, grads)):
            self.update(index, param, grad)

    def update(self, index: int, param: np.ndarray, grad: np.ndarray) -> None:
        raise NotImplementedError

    def state(self) -> dict[str, list[np.ndarray]]:
        """Arrays to save with a model, by name."""
        return {}

    def load_state(self, state: dict[str, list[np.ndarray]], iterations: int) -> None:
        self.iterations = iterations

    def config(self) -> dict:
        return {"name": self.name}

    def __repr__(self) -> str:
        return f"{type(self).__name__}(learning_rate={self.learning_rate})"


class SGD(Optimizer):
    """Gradient descent: ``p -= lr * g`` (with ``momentum``: a velocity that remembers past steps)."""

    name = "sgd"

    def __init__(self, learning_rate: float = 0.01, momentum: float = 0.0):
        super().__init__(learning_rate)
        if not 0.0 <= momentum < 1.0:
            raise ValueError(f"momentum must be in [0, 1). Received: momentum={momentum}")
        self.momentum = momentum
        self.velocities: list[np.ndarray] = []
        self.scratch: list[np.ndarray] = []

    def update(self, index, param, grad):
        if not self.momentum:
            # lr * grad into a reused buffer: no temporary per step, and the gradient stays readable
            if index == len(self.scratch):
                self.scratch.append(np.empty_like(grad))
            param -= np.multiply(grad, self.step_learning_rate, out=self.scratch[index])
            return
        if index == len(self.velocities):
            self.velocities.append(np.zeros_like(param))
        velocity = self.velocities[index]
        velocity *= self.momentum
        velocity -= self.step_learning_rate * grad
        param += velocity

    def state(self):
        return {"velocities": self.velocities} if self.velocities else {}

    def load_state(self, state, iterations):
        super().load_state(state, iterations)
        self.velocities = [np.array(v) for v in state.get("velocities", [])]

    def config(self):
        return {"name": self.name, "momentum": self.momentum}


class Momentum(SGD):
    """Gradient descent with momentum 0.9 by default."""

    name = "momentum"

    def __init__(self, learning_rate: float = 0.01, momentum: float = 0.9):
        super().__init__(learning_rate, momentum)


class Adam(Optimizer):
    """Adam (Kingma & Ba): steps scaled by running averages of the gradient and its square."""

    name = "adam"

    def __init__(self, learning_rate: float = 0.001, beta1: float = 0.9, beta2: float = 0.999, epsilon: float = 1e-8):
        super().__init__(learning_rate)
        self.beta1, self.beta2, self.epsilon = beta1, beta2, epsilon
        self.m: list[np.ndarray] = []
        self.v: list[np.ndarray] = []

    def step(self, params, grads, factor=1.0):
        self.iterations += 1
        self.step_learning_rate = self.learning_rate * factor
        t = self.iterations
        # bias correction folded into the step size, as in the paper's section 2
        self._step_size = self.step_learning_rate * np.sqrt(1 - self.beta2**t) / (1 - self.beta1**t)
        for index, (param, grad) in enumerate(zip(params, grads)):
            self.update(index, param, grad)

    def update(self, index, param, grad):
        if index == len(self.m):
            self.m.append(np.zeros_like(param))
            self.v.append(np.zeros_like(param))
        m, v = self.m[index], self.v[index]
        m *= self.beta1
        m += (1 - self.beta1) * grad
        v *= self.beta2
        v += (1 - self.beta2) * np.square(grad)
        denominator = np.sqrt(v)
        denominator += self.epsilon
        param -= self._step_size * m / denominator

    def state(self):
        return {"m": self.m, "v": self.v} if self.m else {}

    def load_state(self, state, iterations):
        super().load_state(state, iterations)
        self.m = [np.array(a) for a in state.get("m", [])]
        self.v = [np.array(a) for a in state.get("v", [])]

    def config(self):
        return {"name": self.name, "beta1": self.beta1, "beta2": self.beta2, "epsilon": self.epsilon}


OPTIMIZERS: dict[str, type[Optimizer]] = {"sgd": SGD, "momentum": Momentum, "adam": Adam}


def get_optimizer(optimizer: str | Optimizer, learning_rate: float) -> Optimizer:
    """``optimizer`` itself if it is an Optimizer (keeping its own rate), else a new one by name."""
    if isinstance(optimizer, Optimizer):
        return optimizer
    if isinstance(optimizer, str) and optimizer.lower() in OPTIMIZERS:
        return OPTIMIZERS[optimizer.lower()](learning_rate)
    raise ValueError(f"Unknown optimizer {optimizer!r}; expected one of {', '.join(OPTIMIZERS)} or an Optimizer")
