"""A Figure as plain lines of text: an aligned table, one sparkline per curve, free lines.

The narration panel and the plain-text walk-through print the same lines, so a figure looks the
same over SSH, in a pipe and in the app.
"""

from __future__ import annotations

import math

from rnntui.demos.script import Figure, fmt

BARS = "▁▂▃▄▅▆▇█"


def sparkline(values: list[float], width: int) -> str:
    """The last `width` values as bars; a log scale when they span more than 100x (a blow-up)."""
    shown = [v for v in values[-width:] if math.isfinite(v)]
    if not shown:
        return ""
    low, high = min(shown), max(shown)
    use_log = low > 0 and high / low > 100
    scale = (lambda v: math.log10(v)) if use_log else (lambda v: v)
    lo, hi = scale(low), scale(high)
    span = (hi - lo) or 1.0
    return "".join(BARS[min(len(BARS) - 1, int((scale(v) - lo) / span * len(BARS)))] for v in shown)


def table_lines(columns: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(str(r[i])) for r in [columns, *rows] if i < len(r)) for i in range(len(columns))]
    line = lambda cells: "  ".join(str(c).ljust(w) for c, w in zip(cells, widths)).rstrip()  # noqa: E731
    return [line(columns), line(["─" * w for w in widths]), *(line(r) for r in rows)]


def figure_lines(figure: Figure | None, width: int = 100) -> list[str]:
    if figure is None:
        return []
    lines: list[str] = []
    if figure.columns:
        lines += table_lines(figure.columns, figure.rows)
    for name, values in figure.curves.items():
        if not values:
            continue
        label = f"{name}: {fmt(values[0])} → {fmt(values[-1])} "
        lines.append(label + sparkline(values, max(8, width - len(label))))
    lines += [line[:width] for line in figure.lines]
    return lines
