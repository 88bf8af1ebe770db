"""2-D toy data sets, as in TensorFlow Playground: points in the plane, two classes, made fresh from a seed.

``circles``, ``blobs`` and ``moons`` come from scikit-learn's generators; ``xor`` and ``spirals`` are drawn
here with NumPy. Every set is two classes, scaled to about [-1, 1] on both axes, with Gaussian ``noise``
(a standard deviation in those units) and ``test_ratio`` of the points held back as the test set.

``features`` adds inputs computed from (x1, x2), as the Playground's checkboxes do: with x1² and x2²
a network without a hidden layer separates the circles. The Dataset keeps the points themselves in a
``Plane``, which also turns any point (a grid of the plane, for the decision boundary) into the network's
inputs, so the training data and the picture are computed one way.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

#: Every 2-D data set, in the order the help lists them.
PLANAR = ("circles", "xor", "blobs", "spirals", "moons")
DESCRIPTIONS = {
    "circles": "a disc inside a ring (scikit-learn make_circles)",
    "xor": "the four quadrants, opposite ones alike (x1·x2 > 0)",
    "blobs": "two Gaussian clusters (scikit-learn make_blobs)",
    "spirals": "two interleaved spirals, 1.75 turns each",
    "moons": "two interleaving half circles (scikit-learn make_moons)",
}

#: The extra inputs a network may be fed besides x1 and x2: name -> (label, function of the (N, 2) points).
FEATURES = {
    "x1^2": ("x1²", lambda p: p[:, 0] ** 2),
    "x2^2": ("x2²", lambda p: p[:, 1] ** 2),
    "x1x2": ("x1·x2", lambda p: p[:, 0] * p[:, 1]),
    "sin_x1": ("sin(x1)", lambda p: np.sin(p[:, 0])),
    "sin_x2": ("sin(x2)", lambda p: np.sin(p[:, 1])),
}


@dataclass(frozen=True)
class PlanarOptions:
    """How a 2-D data set is drawn; every field is also a command-line option (``PLANAR_OPTIONS``)."""

    samples: int = 600
    noise: float = 0.05
    test_ratio: float = 0.5
    features: tuple[str, ...] = ()
    seed: int = 0


def parse_features(text: str) -> tuple[str, ...]:
    """``"x1^2,x2^2"`` or ``"all"`` or ``"none"`` as feature names; a ValueError names an unknown one."""
    text = text.strip()
    if text in ("", "none"):
        return ()
    if text == "all":
        return tuple(FEATURES)
    names = tuple(part.strip() for part in text.split(","))
    for name in names:
        if name not in FEATURES:
            raise ValueError(f"unknown feature {name!r}: use all, none or a comma list of {', '.join(FEATURES)}")
    return tuple(dict.fromkeys(names))  # each once, in the order given


def _share(text: str, name: str, low: float, high: float) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{name} must be a number. Received: {text!r}") from None
    if not low <= value <= high:  # also refuses nan
        raise ValueError(f"{name} must be from {low:g} to {high:g}. Received: {text}")
    return value


def _samples(text: str) -> int:
    if not text.strip().isdigit() or not 20 <= int(text) <= 100_000:
        raise ValueError(f"samples must be a whole number from 20 to 100000. Received: {text!r}")
    return int(text)


#: The 2-D data options, each declared once: (field, option, parse, help). The command line reads this table.
PLANAR_OPTIONS = (
    ("samples", "--samples", _samples, "2-D data: points drawn, training and test together (default 600)"),
    ("noise", "--noise", lambda text: _share(text, "noise", 0.0, 1.0),
     "2-D data: Gaussian noise added to each point, in units of the plane (0 to 1, default 0.05)"),
    ("test_ratio", "--test-ratio", lambda text: _share(text, "test ratio", 0.1, 0.9),
     "2-D data: share of the points kept as the test set (0.1 to 0.9, default 0.5)"),
    ("features", "--features", parse_features,
     f"2-D data: extra inputs besides x1 and x2: all, or a comma list of {', '.join(FEATURES)}"),
)


def expand(points: np.ndarray, features: tuple[str, ...]) -> np.ndarray:
    """(N, 2) points as the network's (N, 2 + len(features)) float32 inputs: x1, x2, then each feature."""
    points = np.asarray(points, dtype=np.float32)
    columns = [points] + [FEATURES[name][1](points)[:, None] for name in features]
    return np.concatenate(columns, axis=1).astype(np.float32, copy=False)


@dataclass(frozen=True)
class Plane:
    """The points of a 2-D data set and how any point becomes the network's inputs."""

    train_points: np.ndarray
    test_points: np.ndarray
    features: tuple[str, ...] = ()
    #: The plane shown runs from -extent to +extent on both axes: every point, with a margin.
    extent: float = 1.0
    options: PlanarOptions = field(default_factory=PlanarOptions)

    def inputs(self, points: np.ndarray) -> np.ndarray:
        return expand(points, self.features)

    @property
    def input_names(self) -> list[str]:
        return ["x1", "x2"] + [FEATURES[name][0] for name in self.features]


def _xor(count: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    points = rng.uniform(-1, 1, size=(count, 2))
    points += np.where(points >= 0, 0.05, -0.05)  # a gap along the axes, as the Playground leaves
    return points, (points[:, 0] * points[:, 1] > 0).astype(np.int64)


def _spirals(count: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    half = count // 2
    points, labels = [], []
    for label, turn in ((0, 0.0), (1, np.pi)):
        size = half if label == 0 else count - half
        share = np.arange(size) / size
        radius, angle = share, 1.75 * 2 * np.pi * share + turn
        points.append(np.stack([radius * np.sin(angle), radius * np.cos(angle)], axis=1))
        labels.append(np.full(size, label, np.int64))
    return np.concatenate(points), np.concatenate(labels)


def _points(name: str, count: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``count`` noiseless points of ``name`` and their labels (the noise is added by make_planar)."""
    from sklearn import datasets

    rng = np.random.default_rng(seed)
    if name == "circles":
        return datasets.make_circles(count, noise=0.0, factor=0.5, random_state=seed)
    if name == "blobs":
        return datasets.make_blobs(count, centers=[(-0.5, -0.5), (0.5, 0.5)], cluster_std=0.2, random_state=seed)
    if name == "moons":
        points, labels = datasets.make_moons(count, noise=0.0, random_state=seed)
        return (points - (0.5, 0.25)) / 1.5, labels
    if name == "xor":
        return _xor(count, rng)
    return _spirals(count, rng)


def make_planar(name: str, options: PlanarOptions = PlanarOptions()):
    """(x_train, y_train, x_test, y_test, plane) for the 2-D set ``name``: inputs float32, labels int64."""
    if name not in PLANAR:
        raise ValueError(f"Unknown 2-D data set {name!r}; expected one of {', '.join(PLANAR)}")
    points, labels = _points(name, options.samples, options.seed)
    rng = np.random.default_rng(options.seed + 1)
    order = rng.permutation(len(points))  # the generators list the classes in turn: shuffle before splitting
    # drawn after the order, so that the noise moves the points and never changes which ones are test points
    points = points + rng.normal(0.0, options.noise, size=points.shape) if options.noise else points
    points, labels = points[order].astype(np.float32), labels[order].astype(np.int64)
    test = int(round(len(points) * options.test_ratio))
    train_points, test_points = points[test:], points[:test]
    extent = round(float(np.ceil(np.abs(points).max() * 1.1 * 10)) / 10, 1)  # every point inside, rounded up to 0.1
    plane = Plane(train_points, test_points, options.features, extent, options)
    return (plane.inputs(train_points), labels[test:], plane.inputs(test_points), labels[:test], plane)
