"""Half-block digits: each cell shows two pixels, upper as the foreground of ▀ and lower as its background."""

import io

import numpy as np
from rich.console import Console
from rich.style import Style

from termnet.display import HalfBlocks, digit_text, grey


def segments(renderable, color_system="truecolor"):
    console = Console(width=80, color_system=color_system, file=io.StringIO())
    return list(console.render(renderable))


def test_each_cell_shows_its_two_pixels_grey_levels():
    rng = np.random.default_rng(0)
    image = rng.random((1, 5, 4)).astype(np.float32)  # an odd height: the last half row is blank below
    lines = HalfBlocks(image).lines()
    assert len(lines) == 3 and all(len(line) == 4 for line in lines)
    padded = np.vstack([image[0], np.zeros((1, 4), np.float32)])
    for row, line in enumerate(lines):
        for col, segment in enumerate(line):
            assert segment.text == "▀"
            assert segment.style == Style.parse(f"{grey(padded[2 * row, col])} on {grey(padded[2 * row + 1, col])}")


def test_marks_paint_chosen_pixels_and_monochrome_draws_pixels_above_a_half():
    image = np.zeros((4, 3), np.float32)
    image[0, 0] = image[1, 1] = image[3, 2] = 0.9
    image[2, 0] = 0.5  # not above a half: not drawn
    marked = HalfBlocks(image, marks={(1, 2): "#ff5050"}).lines()
    assert marked[0][2].style == Style.parse(f"{grey(0)} on #ff5050")
    plain = [line[0].text for line in HalfBlocks(image, color=False).lines()]
    assert plain == ["▀▄ ", "  ▄"]


def test_a_digit_renders_as_lines_of_its_width():
    image = np.linspace(0, 1, 28 * 28, dtype=np.float32).reshape(28, 28)
    text = "".join(segment.text for segment in segments(digit_text(image), None))
    assert text.split("\n") == ["▀" * 28] * 14 + [""]  # ends with a newline: what follows starts below
