"""How much of the END loss reaches each timestep: ||dL/dh_t|| on a log scale, the marked steps
highlighted, and one line with the share left at the marked steps against the last step."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from textual.strip import Strip

from rnntui.i18n import t
from rnntui.tui.widgets import palette
from rnntui.tui.widgets.gradients import AXIS, log_bar_lines
from rnntui.tui.widgets.heatmap import column_width, column_window, glyph_cells, wrap
from rnntui.tui.widgets.line_pane import ViewPane, text_strip


@dataclass(frozen=True)
class TaskGradientView:
    """What the pane shows, read off a TaskSession by the screen."""

    norms: np.ndarray  # (T,) ||dL_end/dh_t||
    tokens: list[str]
    cursor: int  # 0-based
    marked: frozenset[int]
    heading: str
    reach: str  # the share of the last step's gradient left at the marked steps, in words
    at_cursor: str


class TaskGradientPane(ViewPane):
    """Bars first (as many rows as fit beside the three lines of words), then the reach line."""

    view: TaskGradientView | None

    def build_lines(self, width: int) -> list[Strip]:
        view = self.view
        if view is None:
            return []
        words = [text_strip((part, palette.BOLD)) for part in wrap(view.reach, width)]
        words += [text_strip((part, palette.PLAIN)) for part in wrap(view.at_cursor, width)]
        rows = max(2, min(8, self.scrollable_content_region.height - 2 - len(words)))
        T = len(view.norms)
        cell = column_width(T, width - AXIS, glyph_cells(view.tokens))
        start, stop = column_window(T, view.cursor, (width - AXIS) // cell)  # the page log_bar_lines draws
        page = t("panes.sequence.page", start=start + 1, stop=stop, total=T) if (start, stop) != (0, T) else ""
        return ([text_strip((view.heading, palette.LABEL), (page, palette.DIM))]
                + log_bar_lines(view.norms, view.tokens, view.cursor, width, rows, view.marked) + words)
