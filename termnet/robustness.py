"""Robustness: test accuracy as the test images are damaged more and more, one kind of damage at a time.

Four damages, each with its levels: rotation (degrees), shift (pixels right and down), Gaussian noise
(its standard deviation) and stroke thickness (pixels of dilation, or erosion when negative). Each
level damages the same test images with the augmentation functions (engine/augment.py), so a curve
says how far a network's accuracy holds up, and two curves side by side compare two networks (one
trained with ``--augment``, one without). No user interface here: ``termnet evaluate --robustness`` and
the dashboard's robustness screen both read these curves.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .engine.augment import add_noise, affine, as_images, thicken

#: The test images damaged per level unless asked otherwise: enough for a curve to within about a point.
DEFAULT_SAMPLES = 2000


@dataclass(frozen=True)
class Damage:
    """One kind of damage: its name, the unit of its levels, the levels (the undamaged one among them) and a
    label short enough to title a plot half of 80 columns wide."""

    name: str
    unit: str
    levels: tuple[float, ...]
    label: str

    def apply(self, images: np.ndarray, level: float, seed: int = 0) -> np.ndarray:
        """``images`` damaged at ``level`` (the noise is drawn from ``seed``, so a level always damages alike)."""
        batch = as_images(images)
        if self.name == "rotation":
            out = affine(batch, level, (0, 0), 1)
        elif self.name == "shift":
            out = affine(batch, 0, (level, level), 1)
        elif self.name == "noise":
            out = add_noise(batch, level, np.random.default_rng(seed))
        else:
            out = thicken(batch, int(level))
        return np.clip(out, 0, 1).reshape(np.shape(images)).astype(batch.dtype, copy=False)


DAMAGES: dict[str, Damage] = {d.name: d for d in (
    Damage("rotation", "°", (-45, -30, -15, 0, 15, 30, 45), "Rotation, degrees"),
    Damage("shift", "px", (0, 1, 2, 3, 4, 5, 6), "Shift right+down, px"),
    Damage("noise", "σ", (0, 0.1, 0.2, 0.3, 0.4, 0.5), "Noise, std dev σ"),
    Damage("thickness", "px", (-1, 0, 1, 2), "Stroke thickness, px"),
)}


@dataclass
class Curve:
    """A network's test accuracy at each level of one damage."""

    damage: Damage
    accuracies: list[float] = field(default_factory=list)

    @property
    def levels(self) -> tuple[float, ...]:
        return self.damage.levels

    @property
    def worst(self) -> tuple[float, float]:
        """The level with the lowest accuracy, and that accuracy."""
        index = int(np.argmin(self.accuracies))
        return self.levels[index], self.accuracies[index]


def labels_of(y) -> np.ndarray:
    """Integer labels from labels or one-hot rows."""
    y = np.asarray(y)
    return y.argmax(axis=1) if y.ndim > 1 else y.astype(np.int64)


def predictions(network, images: np.ndarray) -> np.ndarray:
    """The class each image is predicted to be."""
    with np.errstate(over="ignore", invalid="ignore"):
        return network.predict(images).argmax(axis=1)


def robustness_curves(network, x, y, damages=None, samples: int | None = DEFAULT_SAMPLES,
                      seed: int = 0) -> dict[str, Curve]:
    """For each damage (all of ``DAMAGES`` by default), ``network``'s accuracy on the first ``samples`` of
    ``x`` (labels or one-hot ``y``; None: all of them) at each of its levels."""
    x, labels = np.asarray(x)[:samples], labels_of(y)[:samples]
    if len(x) == 0:
        raise ValueError("Robustness needs at least one test image. Received: 0 images")
    curves = {}
    for damage in (damages or DAMAGES.values()):
        damage = DAMAGES[damage] if isinstance(damage, str) else damage
        accuracies = [float(np.mean(predictions(network, damage.apply(x, level, seed)) == labels))
                      for level in damage.levels]
        curves[damage.name] = Curve(damage, accuracies)
    return curves


def wrong_under_damage(network, x, y, damage: Damage | str, level: float, limit: int = 10,
                       samples: int | None = DEFAULT_SAMPLES, seed: int = 0):
    """The damaged images (of the first ``samples``) that ``network`` gets wrong at ``level``, at most
    ``limit``: (images, true labels, predicted labels, their indices in ``x``)."""
    damage = DAMAGES[damage] if isinstance(damage, str) else damage
    x, labels = np.asarray(x)[:samples], labels_of(y)[:samples]
    damaged = damage.apply(x, level, seed)
    predicted = predictions(network, damaged)
    wrong = np.flatnonzero(predicted != labels)[:limit]
    return damaged[wrong], labels[wrong], predicted[wrong], wrong


def level_text(damage: Damage, level: float) -> str:
    """A level as a person reads it: ``+15°``, ``3px``, ``σ 0.2``, ``-1px``."""
    if damage.name == "noise":
        return f"σ {level:g}"
    sign = "+" if level > 0 and damage.name in ("rotation", "thickness") else ""
    return f"{sign}{level:g}{damage.unit}"
