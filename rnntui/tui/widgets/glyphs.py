"""The characters bars and markers are drawn with, or coloured spaces instead.

Block elements (█ ▁…▇), the marker ● and the dotted ┊ · are "ambiguous width" in Unicode: a
terminal set up for CJK text (many are, for Chinese readers) draws them two cells wide, so every
bar and every heatmap column after one shifts. With `RNNTUI_GLYPHS=spaces` the panes draw bars as
coloured spaces and use ASCII marks, which every terminal draws one cell wide. The heatmaps'
cells are coloured spaces in both modes.
"""

from __future__ import annotations

import os

from rich.segment import Segment
from rich.style import Style

ENV_VAR = "RNNTUI_GLYPHS"
MODES = ("blocks", "spaces")
EIGHTHS = " ▁▂▃▄▅▆▇█"


def spaces() -> bool:
    """Whether to draw with coloured spaces (read each time: a test or a served tab may set it)."""
    return os.environ.get(ENV_VAR, "").strip().lower() == "spaces"


def solid(count: int, style: Style) -> Segment:
    """`count` cells of solid colour: full blocks in `style`'s colour, or spaces on it."""
    if spaces():
        return Segment(" " * count, Style(bgcolor=style.color) if style.color else style + Style(reverse=True))
    return Segment("█" * count, style)


def eighths(fill: int, count: int, style: Style) -> Segment:
    """A bar cell filled `fill`/8 from the bottom; with spaces, a cell is filled once half of it is."""
    if spaces():
        return solid(count, style) if fill >= 4 else Segment(" " * count)
    return Segment(EIGHTHS[fill] * count, style)


def marker() -> str:
    """The selected-cell mark."""
    return "*" if spaces() else "●"


def dot() -> str:
    """The empty part of a gauge."""
    return "." if spaces() else "·"


def threshold() -> str:
    """The threshold mark on a gauge."""
    return "|" if spaces() else "┊"


def axis(tick: bool) -> str:
    """A y axis: `┤` where a value is labelled, `│` elsewhere (ASCII `+`, `|` with spaces)."""
    if spaces():
        return "+" if tick else "|"
    return "┤" if tick else "│"
