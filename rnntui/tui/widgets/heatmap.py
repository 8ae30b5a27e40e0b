"""Units x timesteps heatmaps drawn with the line API, and the pane that stacks several of them.

A `HeatBlock` is one matrix (rows = units, columns = timesteps 1..T) with its name, formula and
colour scale. `HeatmapPane` draws blocks under one row of tokens, pages the timesteps when T does
not fit the width, marks the current column and the selected cell, and prints extra lines (the
selected value, the h_t vector) that its owner computes as text from the trace.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache, partial

import numpy as np
from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from textual import events
from textual.message import Message
from textual.strip import Strip

from rnntui.i18n import t
from rnntui.number_format import format_number
from rnntui import textwidth
from rnntui.tui.widgets import glyphs, palette
from rnntui.tui.widgets.line_pane import Line, LinePane, text_strip

LABEL_WIDTH = 5  # "u12 " plus a margin; wide enough for 64 units


# Cached: every pane asks for every token's glyph at every redraw, and a text has few distinct ones.
@lru_cache(maxsize=4096)
def token_glyph(char: str) -> str:
    """A visible glyph for a character: spaces, newlines and control characters made visible, and
    a combining mark (no cell of its own) shown as a dot. CJK characters and emoji take two cells."""
    visible = char.isprintable() and len(char) == 1 and cell_len(char) > 0
    return {" ": "␣", "\n": "⏎", "\t": "⇥"}.get(char, char if visible else "·")


def glyph_cells(tokens: list[str]) -> int:
    """Cells the widest token glyph takes: 2 once the input holds a CJK character or an emoji."""
    return max((_glyph_width(token) for token in set(tokens)), default=1)


@lru_cache(maxsize=4096)
def _glyph_width(token: str) -> int:
    return cell_len(token_glyph(token))


def wrap(text: str, width: int) -> list[str]:
    """Split a label into lines of at most `width` cells, between words or CJK characters (never an empty list)."""
    return [line for line in textwidth.wrap(text, max(8, width)) if line.strip()] or [""]


def column_width(T: int, available: int, narrowest: int = 1) -> int:
    """Cells per timestep: 3 when everything fits that way, then 2, else 1 (and page); never less
    than `narrowest`, the widest glyph (a wide character squeezed into one cell shifts every
    column after it)."""
    for width in (3, 2):
        if T * width <= available and width >= narrowest:
            return width
    return narrowest


def column_window(T: int, cursor: int, fit: int) -> tuple[int, int]:
    """The page [start, stop) of 0-based columns that holds 0-based column `cursor`."""
    fit = max(1, fit)
    if T <= fit:
        return 0, T
    start = min((max(0, cursor) // fit) * fit, T - fit)  # the last page is full, not a stub
    return start, start + fit


@dataclass
class HeatBlock:
    """One heatmap: `values` is (rows, T); the row labels are unit numbers."""

    title: str  # e.g. "h (layer 0)"; the formula follows it on the same line
    values: np.ndarray
    scale: str = "diverging"  # "diverging" (symmetric around 0) | "sequential" (low..high)
    limit: float = 1.0  # diverging: |value| mapped to the extreme colour; sequential: high end
    formula: str = ""
    row_prefix: str = "u"
    layer: int = 0  # which layer's units the rows are (a click selects that layer's unit)
    notes: list[str] = field(default_factory=list)  # lines printed under the block


def legend_strip(scale: str, limit: float, width: int = 9) -> Strip:
    """`-1.0 ▇▇▇▇▇▇▇▇▇ +1.0` in the block's colours."""
    if scale == "sequential":
        colors, low, high = palette.SEQUENTIAL_FG, 0.0, limit
    else:
        colors, low, high = palette.DIVERGING_FG, -limit, limit
    steps = [colors[round(i * (palette.LEVELS - 1) / (width - 1))] for i in range(width)]
    segments = [Segment(f"{format_number(low, 2, sign=True, significant=True)} ", palette.LABEL)]
    segments += [glyphs.solid(1, style) for style in steps]
    segments.append(Segment(f" {format_number(high, 2, sign=True, significant=True)}", palette.LABEL))
    return Strip(segments)


class HeatmapPane(LinePane):
    """Stacked heatmaps over the same timesteps; the app feeds it with `show(...)`."""

    @dataclass
    class CellClicked(Message):
        """A click on a heatmap cell: select `unit` of `layer`, and go to `timestep` (0-based) if set."""

        pane: "HeatmapPane"
        layer: int
        unit: int
        timestep: int | None

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.blocks: list[HeatBlock] = []
        self.tokens: list[str] = []
        self.cursor = 0  # 0-based column of the current timestep (t - 1)
        self.selected: tuple[int, int] | None = None  # (block, row) of the selected cell
        self.header: list[Strip] = []
        self.footer: list[Strip] = []
        self._selected_line = 0  # content line of the selected cell, to scroll it into view
        self._selected_title_line = 0  # content line of its block's title
        self._data: object = None
        self._row_cache: dict[tuple[int, int, int, int], _BlockRows] = {}  # (block, start, stop, cell)
        self._line_cells: dict[int, tuple[int, int]] = {}  # scrolling line -> (block, row), for clicks
        self._page = (0, 0, 1)  # (start, stop, cell) of the columns drawn
        self._unmarked: tuple | None = None  # (key, layout) of the unmarked lines, see _layout

    def show(
        self,
        blocks: list[HeatBlock],
        tokens: list[str],
        cursor: int,
        selected: tuple[int, int] | None = None,
        header: list[Strip | str] | None = None,
        footer: list[Strip | str] | None = None,
        data: object = None,
    ) -> None:
        """`header` and `footer` lines are Strips, or plain text wrapped to the pane's width.
        `data` is the object the blocks were read from (the trace): while the same object comes
        back, the coloured rows are reused and a cursor move only redraws the marker and labels."""
        self.blocks, self.tokens, self.cursor, self.selected = blocks, tokens, cursor, selected
        self.header, self.footer = header or [], footer or []
        if data is None or data is not self._data:
            self._row_cache.clear()
            self._unmarked = None
        self._data = data
        self.invalidate()
        # keep the selected unit on screen: its line number is known only after building
        self.call_after_refresh(self._reveal_selected)

    def _reveal_selected(self) -> None:
        """The selected cell's row, then its block's title: both in view when the block fits."""
        if self.selected is not None:
            self.scroll_line_into_view(self._selected_line)
            view = self.scrollable_content_region.height - len(self._pinned)
            if self._selected_line - self._selected_title_line < view:
                self.scroll_line_into_view(self._selected_title_line)

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or offset.y < len(self._pinned):
            return
        hit = self._line_cells.get(offset.y - len(self._pinned) + round(self.scroll_y))
        if hit is None:
            return
        block, row = hit
        start, stop, cell = self._page
        column = start + (offset.x - LABEL_WIDTH) // cell if offset.x >= LABEL_WIDTH else None
        timestep = column if column is not None and column < stop else None
        self.post_message(self.CellClicked(self, self.blocks[block].layer, row, timestep))

    def _columns(self, width: int) -> tuple[int, int, int, int]:
        """(T, cells per timestep, first column, stop column) of the page holding the cursor."""
        T = self.blocks[0].values.shape[1]
        cell = column_width(T, width - LABEL_WIDTH, glyph_cells(self.tokens))
        start, stop = column_window(T, self.cursor, (width - LABEL_WIDTH) // cell)
        return T, cell, start, stop

    def build_pinned(self, width: int) -> list[Strip]:
        lines = _wrapped(self.header, width)
        if self.blocks:
            T, cell, start, stop = self._columns(width)
            if (start, stop) != (0, T):
                lines.append(text_strip((t("panes.hidden.page", start=start + 1, stop=stop, total=T), palette.DIM)))
            lines.append(self._token_row(start, stop, cell))
        return lines

    def build_lines(self, width: int) -> list[Strip]:
        if not self.blocks:
            return _wrapped(self.footer, width)
        _, cell, start, stop = self._columns(width)
        self._page = (start, stop, cell)
        lines, self._line_cells, placed = self._layout(width, start, stop, cell)
        lines = list(lines)  # the layout is shared between redraws: mark a copy
        selected_block, selected_row = self.selected if self.selected is not None else (-1, -1)
        cursor_col = self.cursor - start
        if 0 <= selected_block < len(placed):
            self._selected_title_line, row_base, rows = placed[selected_block]
        if 0 <= selected_block < len(placed) and 0 <= cursor_col < stop - start:
            if 0 <= selected_row < rows.count:
                lines[row_base + selected_row] = partial(rows.marked, selected_row, cursor_col)
                self._selected_line = row_base + selected_row
        return lines + _wrapped(self.footer, width)

    def _layout(self, width: int, start: int, stop: int, cell: int):
        """Titles, formulas, rows and notes of every block, unmarked; with where each block's title
        and rows start. Kept while the trace, the page and the labels stay: stepping within a page then
        only marks another cell, instead of placing every row of every block again (thousands for
        a wide LSTM)."""
        roomy = self.scrollable_content_region.height >= 12
        labels = tuple((b.title, b.formula, tuple(b.notes), b.values.shape) for b in self.blocks)
        key = (start, stop, cell, width, roomy, labels)
        if self._data is not None and self._unmarked is not None and self._unmarked[0] == key:
            return self._unmarked[1]
        lines: list[Line] = []
        line_cells: dict[int, tuple[int, int]] = {}
        placed: list[tuple[int, int, _BlockRows]] = []  # (title line, first row line, rows) per block
        for b, block in enumerate(self.blocks):
            title_line = len(lines)
            if cell_len(block.title) + 2 + cell_len(block.formula) <= width or not roomy:
                lines.append(text_strip((block.title, palette.BOLD), (f"  {block.formula}", palette.LABEL)))
            else:  # a narrow pane: the formula gets its own line(s)
                lines.append(text_strip((block.title, palette.BOLD)))
                lines += [text_strip((part, palette.LABEL)) for part in wrap(block.formula, width)]
            rows = self._block_rows(b, block, start, stop, cell)
            placed.append((title_line, len(lines), rows))
            line_cells.update({len(lines) + r: (b, r) for r in range(rows.count)})
            lines += [partial(rows.get, r) for r in range(rows.count)]
            lines += [text_strip((part, palette.PLAIN)) for note in block.notes for part in wrap(note, width)]
        layout = (lines, line_cells, placed)
        self._unmarked = (key, layout)
        return layout

    def _token_row(self, start: int, stop: int, cell: int) -> Strip:
        segments = [Segment("t".ljust(LABEL_WIDTH), palette.LABEL)]
        for col in range(start, stop):
            glyph = token_glyph(self.tokens[col]) if col < len(self.tokens) else "?"
            style = palette.CURSOR if col == self.cursor else palette.PLAIN
            segments.append(Segment(set_cell_size(glyph, cell), style))
        return Strip(segments)

    def _block_rows(self, b: int, block: HeatBlock, start: int, stop: int, cell: int) -> "_BlockRows":
        """The block's rows, each drawn on first display and then reused while the trace is the same."""
        key = (b, start, stop, cell)
        rows = self._row_cache.get(key) if self._data is not None else None
        if rows is None:
            rows = self._row_cache[key] = _BlockRows(block, start, stop, cell)
        return rows


def _wrapped(items: list[Strip | str], width: int) -> list[Strip]:
    lines: list[Strip] = []
    for item in items:
        lines += [text_strip((part, palette.PLAIN)) for part in wrap(item, width)] if isinstance(item, str) else [item]
    return lines


class _BlockRows:
    """One block's rows on one page of columns: colour indices computed at once (NumPy), strips
    drawn one row at a time when first shown, then kept."""

    def __init__(self, block: HeatBlock, start: int, stop: int, cell: int) -> None:
        values = block.values[:, start:stop]
        if block.scale == "sequential":
            self.indices, self.styles = palette.sequential_indices(values, 0.0, block.limit), palette.SEQUENTIAL
        else:
            self.indices, self.styles = palette.diverging_indices(values, block.limit), palette.DIVERGING
        self.prefix, self.cell = block.row_prefix, cell
        self.count = values.shape[0]
        self._strips: dict[int, Strip] = {}

    def _segments(self, r: int) -> list[Segment]:
        blank, styles = " " * self.cell, self.styles
        label = Segment(f"{self.prefix}{r}".ljust(LABEL_WIDTH), palette.LABEL)
        return [label] + [Segment(blank, styles[i]) for i in self.indices[r].tolist()]

    def get(self, r: int) -> Strip:
        strip = self._strips.get(r)
        if strip is None:
            strip = self._strips[r] = Strip(self._segments(r))
        return strip

    def marked(self, r: int, column: int) -> Strip:
        """Row r with the selected-cell marker `●` in `column` (relative to the page)."""
        segments = self._segments(r)
        segments[1 + column] = Segment(glyphs.marker().ljust(self.cell), segments[1 + column].style)
        return Strip(segments)
