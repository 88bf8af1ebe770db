"""Optimizers: how gradients become parameter updates.

Each keeps its per-parameter state (velocities, moments) in lists parallel to the
network's parameter list, so the state can be saved and resumed.

An optimizer owns its base ``learning_rate``; a schedule never changes it, but
passes ``step`` a factor for each step, so the rate of a step is
``learning_rate * factor`` (``step_learning_rate``) and schedules never compound.

Weight decay (L2), on every optimizer: with ``weight_decay`` above 0 each step uses the gradient
``grad + weight_decay * param`` in place of ``grad``, the gradient of the loss plus
``weight_decay / 2 * sum(param ** 2)``. As in PyTorch's ``weight_decay`` (SGD, Adam: coupled L2, not
AdamW), it applies to every parameter array the network hands over: biases, and BatchNorm's gamma and
beta, are decayed too.
"""

from __future__ import annotations

import math

import numpy as np


def _weight_decay(value) -> float:
    ok = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)
    if not ok or not math.isfinite(value) or value < 0:
        raise ValueError(f"weight_decay must be a number, 0 or more. Received: weight_decay={value!r}")
    return float(value)


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

    def __init__(self, learning_rate: float = 0.01, weight_decay: float = 0.0):
        self.learning_rate = _learning_rate(learning_rate)
        self.weight_decay = _weight_decay(weight_decay)
        self.step_learning_rate = self.learning_rate
        self.iterations = 0
        self.decayed: list[np.ndarray] = []  # per parameter, the step's grad + weight_decay * param

    def step(self, params: list[np.ndarray], grads: list[np.ndarray], factor: float = 1.0,
             flat: tuple[np.ndarray, np.ndarray] | None = None) -> None:
        """One update of every parameter, at ``learning_rate * factor``. ``flat``: the same parameters and
        gradients as two flat arrays that ``params`` and ``grads`` are views of (flat.py), for an update that
        treats every number alike (``update_flat``)."""
        self.iterations += 1
        self.step_learning_rate = self.learning_rate * factor
        self.begin_step()
        if flat is not None and self.update_flat(*flat):
            return
        for index, (param, grad) in enumerate(zip(params, grads)):
            self.update(index, param, self.with_decay(index, param, grad))

    def update_flat(self, params: np.ndarray, grads: np.ndarray) -> bool:
        """Update every parameter at once, given as one flat array; whether this optimizer can (one whose update
        keeps no state per parameter array)."""
        return False

    def begin_step(self) -> None:
        """What a step works out once, before its updates (Adam's bias-corrected step size)."""

    def with_decay(self, index: int, param: np.ndarray, grad: np.ndarray) -> np.ndarray:
        """``grad + weight_decay * param`` (in a buffer kept per parameter: the gradient stays as it was)."""
        if not self.weight_decay:
            return grad
        if index == len(self.decayed):
            self.decayed.append(np.empty_like(grad))
        decayed = np.multiply(param, self.weight_decay, out=self.decayed[index])
        decayed += grad
        return decayed

    def update(self, index: int, param: np.ndarray, grad: np.ndarray) -> None:
        raise NotImplementedError

    def state(self) -> dict[str, list[np.ndarray]]:
        """Arrays to save with a model, by name."""
        return {}

    def load_state(self, state: dict[str, list[np.ndarray]], iterations: int) -> None:
        self.iterations = iterations

    def config(self) -> dict:
        return {"name": self.name, **self.decay_config()}

    def decay_config(self) -> dict:
        """``weight_decay`` when it is set: files of networks without it stay as they were."""
        return {"weight_decay": self.weight_decay} if self.weight_decay else {}

    def __repr__(self) -> str:
        decay = f", weight_decay={self.weight_decay:g}" if self.weight_decay else ""
        return f"{type(self).__name__}(learning_rate={self.learning_rate}{decay})"


class SGD(Optimizer):
    """Gradient descent: ``p -= lr * g`` (with ``momentum``: a velocity that remembers past steps)."""

    name = "sgd"

    def __init__(self, learning_rate: float = 0.01, momentum: float = 0.0, weight_decay: float = 0.0):
        super().__init__(learning_rate, weight_decay)
        if not 0.0 <= momentum < 1.0:
            raise ValueError(f"momentum must be in [0, 1). Received: momentum={momentum}")
        self.momentum = momentum
        self.velocities: list[np.ndarray] = []
        self.scratch: list[np.ndarray] = []
        self.flat_scratch: np.ndarray | None = None  # lr * grads of all parameters at once (update_flat)

    def update_flat(self, params, grads):
        if self.momentum or self.weight_decay:
            return False
        scratch = self.flat_scratch
        if scratch is None or scratch.shape != grads.shape or scratch.dtype != grads.dtype:
            self.flat_scratch = np.empty_like(grads)
        params -= np.multiply(grads, self.step_learning_rate, out=self.flat_scratch)
        return True

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
        return {"name": self.name, "momentum": self.momentum, **self.decay_config()}


class Momentum(SGD):
    """Gradient descent with momentum 0.9 by default."""

    name = "momentum"

    def __init__(self, learning_rate: float = 0.01, momentum: float = 0.9, weight_decay: float = 0.0):
        super().__init__(learning_rate, momentum, weight_decay)


class Adam(Optimizer):
    """Adam (Kingma & Ba): steps scaled by running averages of the gradient and its square."""

    name = "adam"

    def __init__(self, learning_rate: float = 0.001, beta1: float = 0.9, beta2: float = 0.999, epsilon: float = 1e-8,
                 weight_decay: float = 0.0):
        super().__init__(learning_rate, weight_decay)
        self.beta1, self.beta2, self.epsilon = beta1, beta2, epsilon
        self.m: list[np.ndarray] = []
        self.v: list[np.ndarray] = []

    def begin_step(self):
        t = self.iterations
        # bias correction folded into the step size, as in the paper's section 2
        self._step_size = self.step_learning_rate * np.sqrt(1 - self.beta2**t) / (1 - self.beta1**t)

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
        return {"name": self.name, "beta1": self.beta1, "beta2": self.beta2, "epsilon": self.epsilon,
                **self.decay_config()}


OPTIMIZERS: dict[str, type[Optimizer]] = {"sgd": SGD, "momentum": Momentum, "adam": Adam}


def get_optimizer(optimizer: str | Optimizer, learning_rate: float, weight_decay: float = 0.0) -> Optimizer:
    """``optimizer`` itself if it is an Optimizer (keeping its own rate and decay), else a new one by name."""
    if isinstance(optimizer, Optimizer):
        return optimizer
    if isinstance(optimizer, str) and optimizer.lower() in OPTIMIZERS:
        return OPTIMIZERS[optimizer.lower()](learning_rate, weight_decay=weight_decay)
    raise ValueError(f"Unknown optimizer {optimizer!r}; expected one of {', '.join(OPTIMIZERS)} or an Optimizer")
