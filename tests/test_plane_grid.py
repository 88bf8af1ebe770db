"""The plane's pixels: their centres, the pixel a point falls in, and their colours."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from termnet.display import ColourBlocks
from termnet.plane_grid import (
    CLASS_COLOURS,
    HEAT,
    UNDECIDED,
    each_signed_colours,
    grid_points,
    heat_colours,
    pixels_of,
    signed_colours,
)


@given(st.floats(0.5, 10), st.integers(1, 40), st.integers(1, 40))
def test_each_grid_point_falls_in_its_own_pixel(extent, columns, rows):
    points = grid_points(extent, columns, rows)
    assert points.shape == (rows * columns, 2)
    row, column = pixels_of(points, extent, columns, rows)
    np.testing.assert_array_equal(row, np.repeat(np.arange(rows), columns))
    np.testing.assert_array_equal(column, np.tile(np.arange(columns), rows))


def test_row_zero_is_the_top_of_the_plane_and_points_outside_go_to_the_edge():
    points = grid_points(1.0, 4, 2)
    np.testing.assert_allclose(points[0], [-0.75, 0.5])  # top left
    np.testing.assert_allclose(points[-1], [0.75, -0.5])  # bottom right
    row, column = pixels_of(np.array([[5.0, 5.0], [-5.0, -5.0]]), 1.0, 4, 2)
    assert list(row) == [0, 1] and list(column) == [3, 0]


def test_a_pixel_shows_its_likeliest_class_stronger_the_surer_the_network_is():
    probabilities = np.array([[[1.0, 0.0], [0.5, 0.5], [0.25, 0.75], [0.0, 1.0]]])
    colours = heat_colours(probabilities).astype(float)
    np.testing.assert_allclose(colours[0, 0], UNDECIDED + (CLASS_COLOURS[0] - UNDECIDED) * HEAT, atol=0.5)
    np.testing.assert_allclose(colours[0, 1], UNDECIDED, atol=0.5)  # a tie
    np.testing.assert_allclose(colours[0, 2], UNDECIDED + (CLASS_COLOURS[1] - UNDECIDED) * HEAT * 0.5, atol=0.5)
    np.testing.assert_allclose(colours[0, 3], UNDECIDED + (CLASS_COLOURS[1] - UNDECIDED) * HEAT, atol=0.5)


def test_a_neurons_sign_picks_the_colour_and_its_size_the_strength():
    colours = signed_colours(np.array([[-2.0, 0.0, 1.0, 2.0]])).astype(float)
    np.testing.assert_allclose(colours[0, 0], CLASS_COLOURS[0], atol=0.5)
    np.testing.assert_allclose(colours[0, 1], UNDECIDED, atol=0.5)
    np.testing.assert_allclose(colours[0, 2], (UNDECIDED + CLASS_COLOURS[1]) / 2, atol=0.5)
    assert (signed_colours(np.zeros((2, 2))) == UNDECIDED).all()  # a dead neuron


def test_colour_blocks_draw_two_pixels_per_cell():
    pixels = np.zeros((3, 2, 3), np.uint8)
    pixels[0, 0] = (255, 0, 0)
    pixels[1, 0] = (0, 0, 255)
    pixels[2, 1] = (0, 255, 0)
    lines = ColourBlocks(pixels).lines()
    assert len(lines) == 2 and all(len(line) == 2 for line in lines)  # an odd height gets a black last row
    assert lines[0][0].text == "▀"
    assert (lines[0][0].style.color.name, lines[0][0].style.bgcolor.name) == ("#ff0000", "#0000ff")
    assert (lines[1][1].style.color.name, lines[1][1].style.bgcolor.name) == ("#00ff00", "#000000")


def test_each_neurons_colours_are_its_own_scaled_by_its_own_peak():
    rng = np.random.default_rng(0)
    maps = rng.normal(size=(5, 3, 3)).astype(np.float32) * np.array([1, 10, 0.1, 0, 3])[:, None, None]
    each = each_signed_colours(maps)
    for unit in range(5):
        np.testing.assert_array_equal(each[unit], signed_colours(maps[unit]))
    assert (each[3] == UNDECIDED).all()  # the all-zero (dead) one


def test_a_neurons_picture_lines_are_its_own_colours_even_at_an_odd_size():
    from termnet.app.plane_probe import neuron_pictures

    maps = np.random.default_rng(1).normal(size=(3, 5, 5)).astype(np.float32)
    pictures = neuron_pictures(maps)
    assert [len(lines) for lines in pictures] == [3, 3, 3]  # 5 pixel rows: 3 lines, the last half black
    for unit, lines in enumerate(pictures):
        alone = ColourBlocks(signed_colours(maps[unit])).lines()
        assert [[segment.style for segment in line] for line in lines] == [
            [segment.style for segment in line] for line in alone]
