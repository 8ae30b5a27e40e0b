"""A Figure as plain lines of text: an aligned table, one sparkline per curve, free lines.

The narration panel and the plain-text walk-through print the same lines, so a figure looks the
same over SSH, in a pipe and in the app.
"""

from __future__ import annotations

import math

from rich.cells import cell_len, set_cell_size

from rnntui.demos.script import Bilingual, Figure, fmt

BARS = "▁▂▃▄▅▆▇█"


def buckets(values: list[float], width: int) -> list[float]:
    """At most `width` points: the max of each run of values, so a spike or a blow-up stays visible."""
    if len(values) <= width:
        return list(values)
    edges = [round(i * len(values) / width) for i in range(width + 1)]
    return [max(values[a:b], key=lambda v: v if math.isfinite(v) else math.inf) for a, b in zip(edges, edges[1:])]


def sparkline(values: list[float], width: int) -> str:
    """Bars for the whole series; a log scale when it spans more than 10x; nan/inf as a full bar."""
    points = buckets(values, width)
    finite = [v for v in points if math.isfinite(v)]
    if not finite:
        return BARS[-1] * len(points)
    low, high = min(finite), max(finite)
    use_log = low > 0 and high / low > 10
    scale = math.log10 if use_log else (lambda v: v)
    lo, span = scale(low), (scale(high) - scale(low)) or 1.0
    return "".join(
        BARS[min(len(BARS) - 1, int((scale(v) - lo) / span * len(BARS)))] if math.isfinite(v) else BARS[-1]
        for v in points
    )


def label(text: str | Bilingual, lang: str) -> str:
    return text(lang) if isinstance(text, Bilingual) else text


def cut(text: str, width: int) -> str:
    """`text` cut to at most `width` terminal columns (Chinese characters and emoji take two)."""
    return text if cell_len(text) <= width else set_cell_size(text, width).rstrip()


def table_lines(columns: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(cell_len(r[i]) for r in [columns, *rows] if i < len(r)) for i in range(len(columns))]

    def line(row: list[str]) -> str:
        return "  ".join(set_cell_size(c, w) for c, w in zip(row, widths)).rstrip()

    return [line(columns), line(["─" * w for w in widths]), *(line(r) for r in rows)]


def figure_lines(figure: Figure | None, width: int = 100, lang: str = "en") -> list[str]:
    if figure is None:
        return []
    lines: list[str] = []
    if figure.columns:
        lines += table_lines([label(c, lang) for c in figure.columns],
                             [[label(c, lang) for c in row] for row in figure.rows])
    for name, values in figure.curves.items():
        if not values:
            continue
        head = f"{label(name, lang)}: {fmt(values[0])} → {fmt(values[-1])} "  # first and last as measured
        lines.append(head + sparkline(values, max(8, width - cell_len(head))))
    lines += [cut(label(line, lang), width) for line in figure.lines]
    return lines
