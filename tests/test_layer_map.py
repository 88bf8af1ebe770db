"""The map's computation without the app: which layers, their activations, PCA, t-SNE, and the cells points get."""

import numpy as np
import pytest

from termnet.data import load_dataset
from termnet.engine import FC, Activation, Flatten, Network, layer_outputs
from termnet.layer_map import (
    default_layer,
    ideal_cells,
    layer_activations,
    mappable_layers,
    nearest_in_direction,
    pca_2d,
    place,
    reading_order,
    tsne_2d,
)
from termnet.presets import fit_preset
from termnet.spec import load_spec


@pytest.fixture(scope="module")
def digits():
    return load_dataset("digits")


def test_the_default_is_the_last_hidden_layer_and_layers_of_two_values_or_fewer_are_left_out(digits):
    mlp = load_spec("mlp").build(digits.image_shape).build()
    assert mappable_layers(mlp) == list(range(7)) and default_layer(mlp) == 4  # the relu after FC(128 -> 64)
    cnn = fit_preset("cnn", digits.image_shape)[0].build(digits.image_shape).build()
    assert repr(cnn.layers[default_layer(cnn)]) == "Activation('relu')" and default_layer(cnn) == len(cnn.layers) - 3
    narrow = Network().add(Flatten()).add(FC(64, 2)).add(Activation("relu")).add(FC(2, 10)).build((1, 8, 8))
    assert mappable_layers(narrow) == [0, 3] and default_layer(narrow) == 0  # the 2-unit layers have no map
    alone = Network().add(Flatten()).add(FC(64, 10)).build((1, 8, 8))
    assert default_layer(alone) == 0
    tiny = Network().add(Flatten()).add(FC(2, 2)).build((1, 1, 2))
    with pytest.raises(ValueError, match="nothing to map"):
        default_layer(tiny)


def test_activations_are_the_layers_outputs_batch_after_batch(digits):
    cnn = fit_preset("cnn", digits.image_shape)[0].build(digits.image_shape).build()
    images = digits.x_test[:450]  # more than one forward batch, and a partial last one
    for index in (0, 2, default_layer(cnn)):
        expected = layer_outputs(cnn, images)[index].reshape(len(images), -1)
        np.testing.assert_allclose(layer_activations(cnn, images, index), expected, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("columns", [64, 1500])  # the full SVD, and ARPACK for wide layers
def test_pca_is_the_projection_on_the_two_leading_singular_vectors(columns):
    rng = np.random.default_rng(0)
    structure = rng.normal(size=(300, 3)) * [10.0, 4.0, 1.0]
    activations = structure @ rng.normal(size=(3, columns)) + 0.01 * rng.normal(size=(300, columns))
    centred = activations - activations.mean(axis=0)
    u, s, _ = np.linalg.svd(centred, full_matrices=False)
    np.testing.assert_allclose(np.abs(pca_2d(activations)), np.abs(u[:, :2] * s[:2]), rtol=1e-6, atol=1e-6)


def test_pca_of_a_single_value_is_still_a_map():
    points = pca_2d(np.arange(5.0)[:, None])
    assert points.shape == (5, 2) and not points[:, 1].any()


def test_tsne_keeps_neighbours_together(digits):
    """On the raw 8x8 digits, t-SNE's 2-D neighbours mostly share a class (PCA's far fewer)."""
    x, y = digits.x_test[:300].reshape(300, -1), digits.y_test[:300]

    def neighbour_agreement(points):
        distances = np.sum((points[:, None] - points[None]) ** 2, axis=-1)
        np.fill_diagonal(distances, np.inf)
        return np.mean(y[distances.argmin(axis=1)] == y)

    tsne = tsne_2d(x)
    assert tsne.shape == (300, 2)
    assert neighbour_agreement(tsne) > 0.85 > neighbour_agreement(pca_2d(x))


def test_ideal_cells_stretch_each_axis_over_the_grid_with_up_as_up():
    points = np.array([[0.0, 0.0], [10.0, 1.0], [5.0, 0.5]])
    assert ideal_cells(points, 11, 5).tolist() == [[0, 4], [10, 0], [5, 2]]
    assert ideal_cells(np.ones((3, 2)), 11, 5).tolist() == [[5, 2]] * 3  # no spread: the centre


def test_a_point_whose_cell_is_taken_moves_to_the_nearest_free_one_or_hides():
    same = np.zeros((12, 2))  # twelve points wanting the same cell of a 5x5 grid
    cells = place(same, 5, 5)
    drawn = cells[cells[:, 0] >= 0]
    assert cells[0].tolist() == [2, 2]  # the first keeps it
    assert cells[1].tolist() in ([1, 2], [3, 2])  # the next to a side: a row is twice as far as a column
    assert len(drawn) == 9 and len({tuple(c) for c in drawn}) == 9  # the 3x3 around it, one point each
    assert np.abs(drawn - [2, 2]).max() == 1 and (cells[9:] == -1).all()  # the rest are hidden
    assert (place(same, 5, 5, radius=0)[1:] == -1).all()


def test_arrows_go_to_the_nearest_point_that_way_and_tab_in_reading_order():
    cells = np.array([[5, 5], [9, 5], [6, 9], [7, 1], [2, 6], [1, 1], [-1, -1]])
    assert nearest_in_direction(cells, 0, 1, 0) == 1  # straight right, not down-right
    assert nearest_in_direction(cells, 0, 0, 1) == 2
    assert nearest_in_direction(cells, 0, 0, -1) == 3
    assert nearest_in_direction(cells, 0, -1, 0) == 4
    assert nearest_in_direction(cells, 1, 1, 0) == 1  # nothing further right: it stays
    assert nearest_in_direction(cells, 4, -1, 0) == 5  # hidden points (-1, -1) are never chosen
    # point 4 lies more left than below: down takes it only when nothing lies within 45 degrees of down
    assert nearest_in_direction(cells[[0, 4]], 0, 0, 1) == 1
    assert reading_order(cells).tolist() == [5, 3, 0, 1, 4, 2]
