"""Several curves over one time axis in braille dots, each in its colour, with a cut marked.

The series screen draws the truth, the one-step predictions and the free-running forecast with it.
Each curve is placed by its own x positions; a cell two curves cross takes the dots of both and the
colour of the later one, so the forecast (drawn last) stays visible over the truth.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from rnntui.tui.widgets import glyphs, palette
from rnntui.tui.widgets.line_pane import ViewPane, text_strip
from rnntui.tui.widgets.loss_curve import Y_LABEL_WIDTH, _DOT, axis_label


@dataclass(frozen=True)
class Curve:
    label: str
    start: int  # the time index of values[0]
    values: np.ndarray
    style: Style


@dataclass(frozen=True)
class SeriesPlotView:
    curves: list[Curve]
    first: int  # the time index at the left edge
    last: int  # the time index at the right edge
    cut: int | None  # the time index drawn as a vertical mark (the first forecast value)
    legend_after: str = ""  # words after the curves' legend


class SeriesPlot(ViewPane):
    """A legend line, the plot with a y axis, and an x axis line."""

    view: SeriesPlotView | None

    def build_lines(self, width: int) -> list[Strip]:
        view = self.view
        if view is None:
            return []
        legend = [(f"━ {curve.label}   ", curve.style) for curve in view.curves]
        lines = [text_strip(*legend, (view.legend_after, palette.DIM))]
        rows = max(2, self.scrollable_content_region.height - 2)
        plot_width = max(4, width - Y_LABEL_WIDTH)
        span = max(1, view.last - view.first)
        shown = [curve.values[max(0, view.first - curve.start): view.last - curve.start + 1] for curve in view.curves]
        finite = np.concatenate([v[np.isfinite(v)] for v in shown if v.size] or [np.zeros(1)])
        low, high = float(finite.min()), float(finite.max())
        if high - low < 1e-12:
            low, high = low - 0.5, high + 0.5
        dots_x, dots_y = 2 * plot_width, 4 * rows
        bits = np.zeros((rows, plot_width), dtype=np.int64)
        owner = np.full((rows, plot_width), -1)
        def mark(x: int, y: int, k: int) -> None:
            bits[y // 4, x // 2] |= _DOT[x % 2][y % 4]
            owner[y // 4, x // 2] = k

        for k, curve in enumerate(view.curves):
            previous = None  # (x, y) of the last point drawn: the next one is joined to it
            for i, value in enumerate(curve.values.tolist()):
                x_time = curve.start + i
                if not (view.first <= x_time <= view.last) or not math.isfinite(value):
                    previous = None
                    continue
                x = min(dots_x - 1, (x_time - view.first) * (dots_x - 1) // span)
                y = round((high - value) / (high - low) * (dots_y - 1))
                if previous is None:
                    mark(x, y, k)
                else:  # a straight line: at each dot column, a vertical run to the line's height there
                    x0, y0 = previous
                    last_y = y0
                    for xx in range(x0 + 1, x + 1):
                        yy_line = round(y0 + (y - y0) * (xx - x0) / (x - x0))
                        for yy in range(min(last_y, yy_line), max(last_y, yy_line) + 1):
                            mark(xx, yy, k)
                        last_y = yy_line
                previous = (x, y)
        cut_col = None if view.cut is None else min(plot_width - 1, (view.cut - view.first) * (dots_x - 1) // span // 2)
        for r in range(rows):
            label = axis_label(high) if r == 0 else axis_label(low) if r == rows - 1 else ""
            segments = [Segment(label.rjust(Y_LABEL_WIDTH - 1), palette.LABEL), Segment(glyphs.axis(bool(label)), palette.DIM)]
            for c in range(plot_width):
                if bits[r, c]:
                    segments.append(Segment(chr(0x2800 + int(bits[r, c])), view.curves[owner[r, c]].style))
                elif c == cut_col:
                    segments.append(Segment(glyphs.threshold(), palette.DIM))
                else:
                    segments.append(Segment(" "))
            lines.append(Strip(segments).simplify())
        left, right = f"t={view.first}", f"t={view.last}"
        gap = max(1, plot_width - len(left) - len(right))
        lines.append(text_strip((" " * Y_LABEL_WIDTH + left + " " * gap + right, palette.LABEL)))
        return lines
