"""EpochTable draws what it holds: a header that stays while rows scroll, columns as wide as their widest cell."""

import pytest
from textual.app import App

from termnet.app.widgets.epoch_table import EpochTable


class TableApp(App):
    CSS = "EpochTable { height: 6; width: 40; }"

    def compose(self):
        yield EpochTable(("epoch", "loss"), id="table")


def drawn(table: EpochTable) -> list[str]:
    return [table.render_line(y).text.rstrip() for y in range(table.size.height)]


async def test_the_header_stays_while_the_rows_scroll_and_columns_widen_for_their_widest_cell():
    app = TableApp()
    async with app.run_test() as pilot:
        table = app.query_one(EpochTable)
        table.add_rows([[str(n), f"{1 / n:.4f}"] for n in range(1, 21)])
        await pilot.pause()
        assert table.row_count == 20 and table.get_row_at(2) == ["3", "0.3333"]
        assert drawn(table)[:2] == [" epoch  loss", " 1      1.0000"]
        table.scroll_end(animate=False, x_axis=False)
        await pilot.pause()
        lines = drawn(table)
        assert lines[0] == " epoch  loss" and lines[-1].split() == ["20", "0.0500"], lines
        table.update_cell(19, 0, "20 best epoch")  # wider than the column: every line is padded again
        await pilot.pause()
        lines = drawn(table)
        assert lines[0] == " epoch          loss" and lines[-1] == " 20 best epoch  0.0500", lines
        table.clear()
        await pilot.pause()
        assert table.row_count == 0 and drawn(table)[0] == " epoch  loss" and not any(drawn(table)[1:])


async def test_a_row_of_the_wrong_length_is_refused():
    app = TableApp()
    async with app.run_test():
        table = app.query_one(EpochTable)
        with pytest.raises(ValueError, match="a row of 1 cells for the 2 columns"):
            table.add_row("1")
        assert table.row_count == 0 and table.widths == [5, 4]


async def test_rows_added_to_a_laid_out_table_are_followed_at_once_without_a_layout_pass():
    app = TableApp()
    async with app.run_test() as pilot:
        table = app.query_one(EpochTable)
        table.add_rows([["1", "0.5000"], ["2", "0.2500"]])
        await pilot.pause()
        layouts = []
        screen_layout = app.screen._refresh_layout
        app.screen._refresh_layout = lambda *a, **k: (layouts.append(1), screen_layout(*a, **k))
        table.add_rows([[str(n), "0.1000"] for n in range(3, 31)])
        table.follow()
        assert table.virtual_size.height == 31 and table.scroll_y == table.max_scroll_y > 0
        assert drawn(table)[0] == " epoch  loss" and drawn(table)[-1].split() == ["30", "0.1000"]
        await pilot.pause()
        assert not layouts, "more rows of the same width need no layout pass of the screen"
