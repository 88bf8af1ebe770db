"""NetworkClassifier: scikit-learn's own estimator checks, and the ways scikit-learn users combine estimators."""

import numpy as np
import pytest
from sklearn.datasets import load_digits, load_iris
from sklearn.model_selection import GridSearchCV, cross_val_score, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from termnet.sklearn import NetworkClassifier

#: Checks the estimator cannot meet, each with the reason (scikit-learn marks them xfail, by name).
EXPECTED_FAILED_CHECKS = {
    "check_methods_subset_invariance": "float32 matrix products: a batch's probabilities and those of its rows "
                                       "one by one differ in the 7th digit (about 2e-7), above the check's 1e-7",
}


@parametrize_with_checks([NetworkClassifier(epochs=5)], expected_failed_checks=lambda _: EXPECTED_FAILED_CHECKS)
def test_scikit_learns_estimator_checks(estimator, check):
    check(estimator)


@pytest.fixture(scope="module")
def iris():
    data = load_iris()
    return data.data, data.target_names[data.target]  # string labels


def test_a_pipeline_with_a_scaler_learns_iris_with_string_labels(iris):
    x, y = iris
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.3, random_state=0, stratify=y)
    model = make_pipeline(StandardScaler(), NetworkClassifier(epochs=40)).fit(x_train, y_train)
    assert list(model.classes_) == ["setosa", "versicolor", "virginica"]
    assert set(model.predict(x_test)) <= set(y) and model.score(x_test, y_test) >= 0.9
    proba = model.predict_proba(x_test)
    assert proba.shape == (len(x_test), 3) and np.allclose(proba.sum(axis=1), 1)
    np.testing.assert_array_equal(model.classes_[proba.argmax(axis=1)], model.predict(x_test))


def test_cross_val_score_on_iris(iris):
    x, y = iris
    scores = cross_val_score(make_pipeline(StandardScaler(), NetworkClassifier(epochs=30)), x, y, cv=3)
    assert scores.shape == (3,) and scores.mean() >= 0.85


def test_grid_search_over_learning_rates_on_the_digits_picks_a_rate_that_learns():
    x, y = load_digits(return_X_y=True)
    x = x / 16.0
    rates = [1e-5, 1e-2]
    search = GridSearchCV(NetworkClassifier(epochs=5), {"learning_rate": rates}, cv=3).fit(x, y)
    scores = search.cv_results_["mean_test_score"]
    assert search.best_params_ == {"learning_rate": 1e-2}, scores  # 1e-5 barely moves the weights in 5 epochs
    assert scores[1] > 0.85 > scores[0]
    assert search.best_estimator_.network_.learning_rate == 1e-2


def test_images_train_a_preset_cnn_with_one_output_per_class():
    data = load_digits()
    images = (data.images / 16.0)[:, None].astype(np.float32)  # (N, 1, 8, 8)
    keep = data.target < 4  # four classes: the preset's ten outputs become four
    model = NetworkClassifier(spec="cnn", epochs=3).fit(images[keep][:500], data.target[keep][:500])
    assert model.network_.layers[-2].output_size == 4 and list(model.classes_) == [0, 1, 2, 3]
    assert model.score(images[keep][500:], data.target[keep][500:]) > 0.8


def test_layers_and_settings_come_from_the_parameters():
    x, y = load_iris(return_X_y=True)
    model = NetworkClassifier(layers=[{"type": "FC", "output_size": 8}, {"type": "Activation", "name": "tanh"},
                                      {"type": "FC", "output_size": 99}, {"type": "Activation", "name": "softmax"}],
                              optimizer="sgd", learning_rate=0.05, epochs=2, batch_size=10)
    network = model.fit(x, y).network_
    assert [layer.output_size for layer in network.layers if hasattr(layer, "output_size")] == [8, 3]
    assert (network.optimizer.name, network.learning_rate, network.batch_size, model.n_epochs_) == ("sgd", 0.05, 10, 2)
    assert model.set_params(epochs=7).get_params()["epochs"] == 7


def test_early_stopping_through_the_estimator(iris):
    x, y = iris
    model = NetworkClassifier(epochs=200, learning_rate=0.5, patience=2, validation_split=0.2).fit(x, y)
    assert model.n_epochs_ < 200 and len(model.history_["val_loss"]) == model.n_epochs_


@pytest.mark.parametrize("params, message", [
    ({"learning_rate": -1}, "learning_rate = -1: must be > 0"),
    ({"optimizer": "nope"}, "optimizer = 'nope'"),
    ({"patience": 3}, "patience 3 needs validation data"),
    ({"spec": "mlp", "layers": []}, "spec or layers, not both"),
])
def test_bad_parameters_are_refused_by_name(iris, params, message):
    with pytest.raises(ValueError, match=message):
        NetworkClassifier(**params).fit(*iris)
