"""A parameter matrix as a colour grid with numbers, with a selected entry moved by the arrows."""

from __future__ import annotations

import numpy as np
from rich.segment import Segment
from textual.strip import Strip

from rnntui.number_format import format_number
from rnntui.tui.widgets import palette
from rnntui.tui.widgets.heatmap import column_window
from rnntui.tui.widgets.line_pane import LinePane, text_strip
from rnntui.tui.keys import key, localize_bindings

ENTRY = 8  # "+0.1234 ": a number of ENTRY - 1 characters and a space
ROW_LABEL = 5


class MatrixGrid(LinePane, can_focus=True):
    """Shows `values` (2-D; a bias vector is shown as one column) and a selected (row, col)."""

    BINDINGS = [
        key("up", "move(-1, 0)", "matrix-up", show=False),
        key("down", "move(1, 0)", "matrix-down", show=False),
        key("left", "move(0, -1)", "matrix-left", show=False),
        key("right", "move(0, 1)", "matrix-right", show=False),
    ]

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        localize_bindings(self)  # the words in the language chosen now
        self.values = np.zeros((1, 1))
        self.row, self.col = 0, 0
        self.caption = ""

    def show(self, values: np.ndarray, caption: str = "") -> None:
        self.values = values.reshape(-1, 1) if values.ndim == 1 else values
        self.row = min(self.row, self.values.shape[0] - 1)
        self.col = min(self.col, self.values.shape[1] - 1)
        self.caption = caption
        self.invalidate()

    @property
    def selected_value(self) -> float:
        return float(self.values[self.row, self.col])

    def action_move(self, d_row: int, d_col: int) -> None:
        rows, cols = self.values.shape
        self.row = max(0, min(rows - 1, self.row + d_row))
        self.col = max(0, min(cols - 1, self.col + d_col))
        self.invalidate()
        self.call_after_refresh(self.scroll_line_into_view, self.row)

    def _page(self, width: int) -> tuple[int, int]:
        return column_window(self.values.shape[1], self.col, (width - ROW_LABEL) // ENTRY)

    def build_pinned(self, width: int) -> list[Strip]:
        """The caption and the column numbers stay on top while the rows scroll."""
        start, stop = self._page(width)
        header = [Segment(" " * ROW_LABEL)] + [Segment(f"{c:>{ENTRY - 1}} ", palette.LABEL) for c in range(start, stop)]
        return [text_strip((self.caption, palette.LABEL)), Strip(header)]

    def build_lines(self, width: int) -> list[Strip]:
        start, stop = self._page(width)
        limit = float(np.max(np.abs(self.values))) or 1.0
        indices = palette.diverging_indices(self.values[:, start:stop], limit)
        lines = []
        for r in range(self.values.shape[0]):
            segments = [Segment(f"{r:<{ROW_LABEL}}", palette.LABEL)]
            for c, index in zip(range(start, stop), indices[r].tolist()):
                style = palette.CURSOR if (r, c) == (self.row, self.col) else palette.DIVERGING[index]
                number = format_number(self.values[r, c], width=ENTRY - 1, sign=True)
                segments.append(Segment(number.rjust(ENTRY - 1) + " ", style))
            lines.append(Strip(segments))
        return lines
