"""80x24 is a first-class size: the keys that matter, the newest epoch and the essential columns are on
screen without scrolling; a window too small for the tabs says so instead of drawing a broken layout."""

import numpy as np
import pytest
from textual.widgets import DataTable, Static

from termnet.app import make_app
from termnet.app.widgets.digit_grid import DigitGrid
from termnet.app.widgets.epoch_table import EpochTable
from termnet.data import Dataset

from .pilot import rendered_text, start_training, train, wait_until

SMALL = (80, 24)


def footer_text(app) -> str:
    """The footer as drawn: each visible key and its description."""
    from textual.widgets._footer import FooterKey, FooterLabel

    footer = app.screen.query_one("Footer")
    palette = [key for key in footer.query(FooterKey) if key.has_class("-command-palette")]
    limit = palette[0].region.x if palette else footer.region.right  # the palette key is docked over the right end
    parts = [f"{key.key_display} {key.description}" for key in footer.query(FooterKey)
             if key not in palette and key.region.right <= limit]
    return " ".join(parts + [str(label.render()) for label in footer.query(FooterLabel)])


def on_screen(widget, app) -> bool:
    """The widget is drawn entirely inside the terminal."""
    region, size = widget.region, app.size
    return region.width > 0 and region.right <= size.width and region.bottom <= size.height


@pytest.fixture(scope="module")
def mnist_sized() -> Dataset:
    """28x28 images like MNIST's (random strokes, so it trains in a moment)."""
    rng = np.random.default_rng(0)
    images = (rng.random((160, 1, 28, 28)) > 0.8).astype(np.float32)
    labels = rng.integers(0, 10, 160)
    return Dataset("mnist", images[:120], labels[:120], images[120:], labels[120:], [str(d) for d in range(10)],
                   "28x28 test images")


@pytest.mark.parametrize("tab", ["b", "t", "c", "g", "i", "r", "v"])
async def test_every_tab_shows_start_and_help_in_the_footer_at_80x24(digits, tab):
    app = make_app(dataset=digits, preset="mlp")
    async with app.run_test(size=SMALL) as pilot:
        await pilot.pause()
        await pilot.press(tab)
        await pilot.pause()
        shown = footer_text(app)
        assert "s Start" in shown and "? Help" in shown and "q Quit" in shown, shown
        # the screen itself never scrolls: the tabs fit between the status line and the footer
        tabs = app.dashboard.query_one("TabbedContent")
        assert tabs.region.bottom <= app.dashboard.query_one("Footer").region.y


async def test_while_training_the_footer_offers_pause_and_stop_instead_of_start(digits):
    app = make_app(dataset=digits, preset="mlp")
    async with app.run_test(size=SMALL) as pilot:
        await pilot.pause()
        app.dashboard.query_one("#form").set_values({"epochs": 5000})  # runs until x: a loaded machine can't outpace it
        await start_training(pilot)  # pilot.press would wait for an idle app, which may come only after training
        await wait_until(lambda: "x Stop" in footer_text(app))
        shown = footer_text(app)
        assert "p Pause" in shown and "x Stop" in shown and "s Start" not in shown, shown
        await pilot.press("x")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "s Start" in footer_text(app) and "x Stop" not in footer_text(app)


async def test_the_epoch_table_follows_the_newest_epoch(digits):
    app = make_app(dataset=digits, preset="mlp")
    async with app.run_test(size=SMALL) as pilot:
        await pilot.pause()
        app.dashboard.query_one("#form").set_values({"epochs": 30, "train_size": 64, "validation_split": 0.0})
        await train(pilot)
        table = app.dashboard.query_one("#epochs", EpochTable)
        assert table.row_count == 30
        assert table.max_scroll_y > 0, "30 epochs must not fit at 80x24, or this test proves nothing"
        assert table.scroll_y == table.max_scroll_y  # the last rows are the ones drawn


async def test_the_progress_line_keeps_speed_and_time_left_at_80x24(digits):
    app = make_app(dataset=digits, preset="mlp")
    async with app.run_test(size=SMALL) as pilot:
        await pilot.pause()
        app.dashboard.query_one("#form").set_values({"epochs": 5000})  # runs until x
        await start_training(pilot)
        text = app.dashboard.query_one("#progress-text", Static)
        await wait_until(lambda: "left" in str(text.render()))
        line = str(text.render())
        assert "img/s" in line and "left" in line
        assert text.region.x + len(line) <= SMALL[0], f"cut at 80 columns: {line!r}"
        await pilot.press("x")
        await app.workers.wait_for_complete()


async def test_the_runs_table_shows_accuracy_and_settings_at_80x24(digits):
    app = make_app(dataset=digits, preset="mlp")
    async with app.run_test(size=SMALL) as pilot:
        await train(pilot)
        await pilot.press("r")
        await pilot.pause()
        table = app.dashboard.query_one("#runs-table", DataTable)
        widths = [column.get_render_width(table) for column in table.ordered_columns]
        labels = [str(column.label) for column in table.ordered_columns]
        # every column up to and including the batch size is drawn inside the table's width
        visible = labels[:labels.index("batch") + 1]
        assert visible == ["run", "test acc", "lr", "epochs", "batch"]
        assert sum(widths[:len(visible)]) <= table.size.width


async def test_digits_of_28x28_show_several_thumbnails_and_all_ten_bars_at_80x24(mnist_sized):
    app = make_app(dataset=mnist_sized, preset="mlp")
    async with app.run_test(size=SMALL) as pilot:
        await pilot.pause()
        app.dashboard.query_one("#form").set_values({"epochs": 1})
        await train(pilot)
        await pilot.press("g")
        await pilot.pause()
        grid = app.dashboard.query_one(DigitGrid)
        columns, rows = grid._layout()
        assert columns * rows >= 4
        bars = app.dashboard.query_one("#probabilities", Static)
        lines = rendered_text(bars.content).rstrip("\n").splitlines()
        assert [line[:2].strip() for line in lines[-10:]] == [str(d) for d in range(10)]
        assert len(lines) <= bars.size.height, "the ten bars must fit without scrolling"


@pytest.mark.parametrize("size, too_small", [((60, 18), True), ((69, 30), True), ((100, 19), True),
                                             ((80, 24), False), ((120, 40), False)])
async def test_a_window_too_small_asks_to_be_made_larger(digits, size, too_small):
    app = make_app(dataset=digits, preset="mlp")
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        message = app.dashboard.query_one("#too-small", Static)
        tabs = app.dashboard.query_one("TabbedContent")
        assert message.display == too_small and tabs.display == (not too_small)
        if too_small:
            assert f"{size[0]}x{size[1]}" in str(message.render()) and "larger" in str(message.render())


async def test_a_fields_problem_is_shown_whole_at_80x24(digits):
    app = make_app(dataset=digits, preset="mlp")
    async with app.run_test(size=SMALL) as pilot:
        await pilot.pause()
        app.dashboard.query_one("#field-epochs").value = "2.5"
        await pilot.pause()
        problem = app.dashboard.query_one("#problem-epochs")
        text = str(problem.render())
        assert "whole number" in text
        assert on_screen(problem, app) and problem.size.width * problem.size.height >= len(text)
        assert problem.size.height >= 2 or problem.size.width >= len(text)  # wrapped, not cut


async def test_with_a_network_on_screen_every_tab_still_shows_continue_help_and_quit(digits):
    app = make_app(dataset=digits, preset="mlp")
    async with app.run_test(size=SMALL) as pilot:
        await train(pilot)
        for tab in "btcgirv":
            await pilot.press(tab)
            await pilot.pause()
            shown = footer_text(app)
            assert all(key in shown for key in ("s Start", "C Continue", "? Help", "q Quit")), (tab, shown)
