"""EpochTable: the Train tab's table of epochs, a header and one line per epoch, drawn with the line API.

Textual's DataTable rendered every visible cell through rich again whenever a row was added (its caches are
keyed by an update count each addition bumps) and on every layout pass of the screen: measured, it was
the largest single cost of the UI thread while a Playground run trains (about a third), time the training
thread lost. Here each row is one string, padded to the columns' widths when it arrives, and drawn as a
Strip; the header stays at the top while the rows scroll under it.
"""

from __future__ import annotations

from rich.segment import Segment
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

PAD = 1  # a space each side of a cell, as DataTable pads them


class EpochTable(ScrollView, can_focus=True):
    """Attributes down: ``add_row``/``add_rows`` as epochs end, ``clear`` for a new run, ``update_cell``.

    Cells are strings; ``rows`` holds them as given, ``get_row_at`` and ``row_count`` read them back. Keys
    scroll it as any scrolling container (ScrollView's own bindings).
    """

    COMPONENT_CLASSES = {"epoch-table--header", "epoch-table--even-row"}
    DEFAULT_CSS = """
    EpochTable { background: $surface; color: $foreground; overflow-y: scroll; }
    EpochTable:focus { background-tint: $foreground 5%; }
    EpochTable > .epoch-table--header { text-style: bold; background: $panel; color: $foreground; }
    EpochTable:ansi > .epoch-table--header { background: ansi_bright_blue; color: ansi_default; }
    EpochTable > .epoch-table--even-row { background: $surface-lighten-1 50%; }
    EpochTable:dark > .epoch-table--even-row { background: $surface-darken-1 40%; }
    """

    def __init__(self, columns: tuple[str, ...], **kwargs):
        super().__init__(**kwargs)
        self.columns = tuple(columns)
        self.rows: list[list[str]] = []
        self.widths = [len(column) for column in self.columns]
        self._lines: list[str | None] = []  # each row padded to the widths it was drawn with; None: to pad again

    @property
    def row_count(self) -> int:
        return len(self.rows)

    def get_row_at(self, index: int) -> list[str]:
        return list(self.rows[index])

    def clear(self) -> None:
        self.rows, self._lines = [], []
        self.widths = [len(column) for column in self.columns]
        self._resize()

    def add_row(self, *cells: str) -> None:
        self.add_rows([cells])

    def add_rows(self, rows: list) -> None:
        """Rows of strings, one cell per column; then one size update for all of them."""
        widths = list(self.widths)
        for cells in rows:
            cells = [str(cell) for cell in cells]
            if len(cells) != len(self.columns):  # a short row would narrow the columns after it for good
                raise ValueError(f"a row of {len(cells)} cells for the {len(self.columns)} columns {self.columns}")
            self.rows.append(cells)
            self._lines.append(None)
            widths = [max(width, len(cell)) for width, cell in zip(widths, cells)]
        if widths != self.widths:  # a wider cell: every line is padded again, once, when drawn
            self.widths, self._lines = widths, [None] * len(self.rows)
        self._resize()

    def update_cell(self, row: int, column: int, value: str) -> None:
        value = self.rows[row][column] = str(value)
        if len(value) > self.widths[column]:
            self.widths[column] = len(value)
            self._lines = [None] * len(self.rows)
        else:
            self._lines[row] = None
        self._resize()

    def _line(self, cells: list[str]) -> str:
        return "".join(f"{' ' * PAD}{cell.ljust(width)}{' ' * PAD}" for cell, width in zip(cells, self.widths))

    _sized = False  # whether the last size change is in place already (no layout pass pending for it)

    def _resize(self) -> None:
        width = sum(self.widths) + 2 * PAD * len(self.widths)
        size = Size(width, len(self.rows) + 1)  # the header is the first line
        self._sized = True
        if size.width == self.virtual_size.width and size != self.virtual_size and self.size.height:
            # only the number of rows changed, in a table of set height whose scroll bar always shows (the
            # CSS): the scroll range is all that changes, which needs no layout pass of the whole screen (the
            # reactive asks for one: measured, three passes of ~15 ms a second while the Playground trains)
            self.set_reactive(EpochTable.virtual_size, size)
            self._scroll_update(size)
        elif size != self.virtual_size:
            self.virtual_size = size
            self._sized = False
        self.refresh()

    def follow(self) -> None:
        """Show the newest row: at once when the size is in place, else after the layout pass that sets it."""
        if self._sized:
            self.scroll_to(y=self.max_scroll_y, animate=False, immediate=True)
        else:
            self.scroll_end(animate=False, x_axis=False)

    _styles: dict | None = None  # the header's and the rows' rich styles, read once per change of the CSS

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles = None

    def _style(self, name: str):
        if self._styles is None:
            base = self.rich_style
            self._styles = {"odd": base, "header": base + self.get_component_rich_style("epoch-table--header"),
                            "even": base + self.get_component_rich_style("epoch-table--even-row")}
        return self._styles[name]

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        scroll_x, scroll_y = self.scroll_offset
        if y == 0:  # the header, whatever the scroll
            text, style = self._line(list(self.columns)), self._style("header")
        else:
            index = scroll_y + y - 1
            if index >= len(self.rows):
                return Strip.blank(width, self._style("odd"))
            if self._lines[index] is None:
                self._lines[index] = self._line(self.rows[index])
            text, style = self._lines[index], self._style("odd" if index % 2 else "even")  # DataTable's stripes
        return Strip([Segment(text, style)]).crop_extend(scroll_x, scroll_x + width, style)
