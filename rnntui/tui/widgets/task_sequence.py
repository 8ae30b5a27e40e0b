"""The task's input sequence: the values as a small bar plot and the markers, or the symbols,
with the steps the answer depends on highlighted and the cursor's column reversed."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from rich.cells import set_cell_size
from rich.segment import Segment
from textual.strip import Strip

from rnntui.i18n import t
from rnntui.textwidth import pad
from rnntui.tui.widgets import glyphs, palette
from rnntui.tui.widgets.heatmap import column_width, column_window, glyph_cells, token_glyph
from rnntui.tui.widgets.line_pane import ViewPane, text_strip
from rnntui.tui.widgets.sequence import ROW_LABEL, step_ruler


@dataclass(frozen=True)
class TaskSequenceView:
    """What the sequence pane shows, read off a TaskSession by the screen."""

    tokens: list[str]  # one glyph per step: the symbol, or the marker (values tasks)
    values: np.ndarray | None  # (T,) the value channel to plot, None for symbol tasks
    value_range: tuple[float, float]  # the plot's bottom and top
    marked: frozenset[int]  # 0-based steps the answer depends on
    cursor: int  # 0-based
    detail: str  # what the step at the cursor reads
    answer: str  # what the network must produce at the end


class TaskSequencePane(ViewPane):
    """Step ruler, a bar plot of the values (values tasks), the token row, and two lines of words."""

    view: TaskSequenceView | None

    def style(self, col: int):
        view = self.view
        return palette.CURSOR if col == view.cursor else palette.WARNING if col in view.marked else palette.BAR

    def build_lines(self, width: int) -> list[Strip]:
        view = self.view
        if view is None:
            return []
        T = len(view.tokens)
        cell = column_width(T, width - ROW_LABEL, glyph_cells(view.tokens))
        start, stop = column_window(T, view.cursor, (width - ROW_LABEL) // cell)
        height = self.scrollable_content_region.height
        lines = []
        if view.values is not None:
            lines += self.plot(start, stop, cell, rows=2 if height >= 6 else 1)
        tokens = [Segment(pad(t("taskapp.sequence.input"), ROW_LABEL), palette.LABEL)]
        for col in range(start, stop):
            style = palette.CURSOR if col == view.cursor else palette.WARNING if col in view.marked else palette.DIM
            tokens.append(Segment(set_cell_size(token_glyph(view.tokens[col]), cell), style))
        lines.append(Strip(tokens))
        page = t("panes.sequence.page", start=start + 1, stop=stop, total=T) if (start, stop) != (0, T) else ""
        lines += [text_strip((view.detail, palette.PLAIN), (page, palette.DIM)), text_strip((view.answer, palette.BOLD))]
        if len(lines) < height:  # the step numbers only when there is room
            lines.insert(0, Strip([Segment(pad(t("panes.sequence.step"), ROW_LABEL), palette.LABEL),
                                   Segment(step_ruler(start, stop, cell), palette.DIM)]))
        return lines

    def plot(self, start: int, stop: int, cell: int, rows: int) -> list[Strip]:
        """The values as bars rising from the plot's bottom, `rows` cells high in eighths."""
        view = self.view
        low, high = view.value_range
        span = rows * 8
        heights = np.rint((np.clip(view.values[start:stop], low, high) - low) / (high - low) * span).astype(int)
        lines = []
        for r in range(rows):
            level = rows - 1 - r
            label = f"{high:+.0f}" if r == 0 else f"{low:+.0f}" if r == rows - 1 else ""
            if rows == 1:
                label = t("taskapp.sequence.value")
            segments = [Segment(pad(label, ROW_LABEL - 1) + glyphs.axis(bool(label)), palette.LABEL)]
            for col, h in enumerate(heights.tolist(), start=start):
                fill = max(0, min(8, h - level * 8))
                segments.append(glyphs.eighths(fill, cell, self.style(col)) if fill else
                                Segment(" " * cell, palette.CURSOR if col == view.cursor else palette.PLAIN))
            lines.append(Strip(segments).simplify())
        return lines
