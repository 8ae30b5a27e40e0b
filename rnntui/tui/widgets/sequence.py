"""The input sequence: tokens with the current timestep highlighted, targets under them, and x_t."""

from __future__ import annotations

import numpy as np
from rich.cells import set_cell_size
from rich.segment import Segment
from textual.strip import Strip

from rnntui.i18n import t
from rnntui.number_format import format_number
from rnntui.textwidth import pad
from rnntui.tui.widgets import palette
from rnntui.tui.widgets.heatmap import column_width, column_window, glyph_cells, token_glyph
from rnntui.tui.widgets.line_pane import LinePane, text_strip

ROW_LABEL = 8  # "target  ", "时间步  ": labels are padded to this many cells


def format_vector(values: np.ndarray, digits: int = 4, limit: int = 16) -> str:
    """`[0.7616 -0.1200 …]`: at most `limit` entries, then how many more."""
    shown = " ".join(format_number(v, digits) for v in values[:limit].tolist())
    more = f" …(+{len(values) - limit})" if len(values) > limit else ""
    return f"[{shown}{more}]"


def step_ruler(start: int, stop: int, cell: int) -> str:
    """Timestep numbers over columns start..stop-1: every one when they fit in `cell`, else a
    ruler with a number ending at each multiple of 10 and a dot at each other multiple of 5."""
    if cell >= len(str(stop)) + 1:
        return "".join(str(col + 1).ljust(cell) for col in range(start, stop))
    ruler = [" "] * ((stop - start) * cell)
    for col in range(start, stop):
        step = col + 1
        at = (col - start) * cell
        if step % 10 == 0 and at + 1 >= len(str(step)):
            ruler[at + 1 - len(str(step)) : at + 1] = str(step)
        elif step % 5 == 0 and ruler[at] == " ":
            ruler[at] = "·"
    return "".join(ruler)


class SequencePane(LinePane):
    """Tokens, targets and the current input vector; the app feeds it with `show(...)`."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.tokens: list[str] = []
        self.targets: list[str | None] = []
        self.cursor = 0
        self.x_line = ""

    def show(self, tokens: list[str], targets: list[str | None], cursor: int, x_line: str) -> None:
        """`cursor` is the 0-based current timestep; `x_line` describes x_t (built by the owner)."""
        self.tokens, self.targets, self.cursor, self.x_line = tokens, targets, cursor, x_line
        self.invalidate()

    def build_lines(self, width: int) -> list[Strip]:
        T = len(self.tokens)
        if T == 0:
            return [text_strip((t("panes.sequence.empty"), palette.DIM))]
        cell = column_width(T, width - ROW_LABEL, glyph_cells(self.tokens))
        start, stop = column_window(T, self.cursor, (width - ROW_LABEL) // cell)
        page = t("panes.sequence.page", start=start + 1, stop=stop, total=T) if (start, stop) != (0, T) else ""
        steps = [Segment(pad(t("panes.sequence.step"), ROW_LABEL), palette.LABEL), Segment(step_ruler(start, stop, cell), palette.DIM)]
        inputs = [Segment(pad(t("panes.sequence.input"), ROW_LABEL), palette.LABEL)]
        targets = [Segment(pad(t("panes.sequence.target"), ROW_LABEL), palette.LABEL)]
        for col in range(start, stop):
            current = col == self.cursor
            inputs.append(Segment(set_cell_size(token_glyph(self.tokens[col]), cell), palette.CURSOR if current else palette.BOLD))
            target = self.targets[col] if col < len(self.targets) else None
            targets.append(
                Segment(set_cell_size(token_glyph(target) if target is not None else "·", cell),
                        palette.WARNING if current else palette.DIM)
            )
        lines = [Strip(inputs), Strip(targets), text_strip((self.x_line, palette.PLAIN), (page, palette.DIM))]
        if self.scrollable_content_region.height >= 4:  # the step numbers only when there is room
            lines.insert(0, Strip(steps))
        return lines
