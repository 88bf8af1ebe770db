"""NetworkClassifier: a termnet network as a scikit-learn classifier (GridSearchCV, Pipeline, cross_val_score).

It takes flat tabular rows (N, features) or images (N, C, H, W), and any labels (strings too): ``classes_``
holds them sorted, as scikit-learn's classifiers do. The layers come from a spec (a preset's name, a spec
file, a Spec), from ``layers`` (the spec's ``[[layers]]`` tables as dicts), or, with neither, an MLP sized
from the data (``hidden_layer_sizes``). The last layer with an ``output_size`` is given one output per class,
so a preset made for MNIST's ten digits fits iris's three species. Training settings are those of
termnet/settings.py: each one given here wins over the spec's ``[training]``, which wins over DEFAULTS.

    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    model = make_pipeline(StandardScaler(), NetworkClassifier(learning_rate=0.01, epochs=50))
    model.fit(X_train, y_train).score(X_test, y_test)
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from .settings import fit_extras
from .spec import Spec, load_spec

#: The estimator's own defaults where the spec says nothing: settings that suit small tabular data (the
#: engine's defaults, SGD on a squared error, suit the article's MNIST runs); the rest are the settings' own.
DEFAULTS = {"learning_rate": 0.01, "epochs": 30, "batch_size": 32, "optimizer": "adam", "loss": "cross_entropy",
            "validation_split": 0.0, "patience": 0, "seed": 0}
#: The training settings the estimator takes (train_size is left out: scikit-learn chooses the rows).
TRAINING_PARAMS = ("learning_rate", "epochs", "batch_size", "optimizer", "loss", "schedule", "validation_split",
                   "patience", "seed", "init")


class NetworkClassifier(ClassifierMixin, BaseEstimator):
    """A classifier trained by termnet's engine. ``None`` for a setting: the spec's, else DEFAULTS."""

    def __init__(self, spec=None, layers=None, hidden_layer_sizes=(64,), learning_rate=None, epochs=None,
                 batch_size=None, optimizer=None, loss=None, schedule=None, validation_split=None, patience=None,
                 seed=None, init=None):
        self.spec = spec
        self.layers = layers
        self.hidden_layer_sizes = hidden_layer_sizes
        self.learning_rate = learning_rate
        self.epochs = epochs
        self.batch_size = batch_size
        self.optimizer = optimizer
        self.loss = loss
        self.schedule = schedule
        self.validation_split = validation_split
        self.patience = patience
        self.seed = seed
        self.init = init

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        return tags

    # -- building -------------------------------------------------------------------
    def _spec(self, sample_shape: tuple[int, ...], classes: int) -> Spec:
        """The layers to train, the last output sized for ``classes``."""
        if self.spec is not None and self.layers is not None:
            raise ValueError("give spec or layers, not both. Received: spec and layers")
        if self.spec is not None:
            spec = self.spec if isinstance(self.spec, Spec) else load_spec(self.spec)
            spec = Spec(spec.name, [dict(layer) for layer in spec.layers], dict(spec.training), spec.description,
                        spec.optional)
            if spec.optional:  # a preset's optional poolings: left out where the images are too small for them
                from .presets import fit_spec

                spec, _ = fit_spec(spec, sample_shape)
        elif self.layers is not None:
            spec = Spec("layers", [dict(layer) for layer in self.layers])
        else:
            spec = Spec("mlp", default_layers(self.hidden_layer_sizes, classes))
        sized = [i for i, layer in enumerate(spec.layers) if "output_size" in layer]
        if not sized:
            raise ValueError(f"{spec.name}: no layer with an output_size to give one output per class "
                             f"({classes}); end the layers with an FC")
        spec.layers[sized[-1]]["output_size"] = classes
        return spec

    def _settings(self, spec: Spec) -> dict:
        given = {name: getattr(self, name) for name in TRAINING_PARAMS if getattr(self, name) is not None}
        return {**DEFAULTS, **spec.training, **given}

    # -- scikit-learn's API -----------------------------------------------------------
    def fit(self, X, y):
        X, y = validate_data(self, X, y, allow_nd=True, dtype=np.float32, y_numeric=False)
        check_classification_targets(y)
        self.classes_, labels = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise ValueError(f"a classifier needs at least 2 classes in y; this y holds only one class: "
                             f"{self.classes_[0]!r}")
        spec = self._spec(X.shape[1:], len(self.classes_))
        settings = self._settings(spec)
        network = spec.build(X.shape[1:], **settings)
        extras = fit_extras(settings, X.shape[1:], network.seed)
        network.fit(X, labels.astype(np.int64), validation_split=settings["validation_split"],
                    callbacks=extras.callbacks, augment=extras.augment)
        self.network_, self.history_ = network, network.history
        self.n_epochs_ = network.epochs_trained
        return self

    def predict_proba(self, X) -> np.ndarray:
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, allow_nd=True, dtype=np.float32)
        probabilities = np.asarray(self.network_.predict(X), dtype=np.float64)
        return probabilities / probabilities.sum(axis=1, keepdims=True)  # float32 sums drift from 1

    def predict(self, X) -> np.ndarray:
        check_is_fitted(self)
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]


def default_layers(hidden_layer_sizes, classes: int) -> list[dict]:
    """An MLP: Flatten (images and rows alike), a relu FC per hidden size, an FC per class and a softmax."""
    sizes = (hidden_layer_sizes,) if isinstance(hidden_layer_sizes, int) else tuple(hidden_layer_sizes)
    layers = [{"type": "Flatten"}]
    for size in sizes:
        layers += [{"type": "FC", "output_size": size}, {"type": "Activation", "name": "relu"}]
    return layers + [{"type": "FC", "output_size": classes}, {"type": "Activation", "name": "softmax"}]
