"""Colour scales for heatmaps and bars: `Style` objects built once at import, looked up per cell.

Building a Rich `Style` per cell per repaint is what made the cell-by-cell prototype slow; here a
value becomes an index into a tuple of ready styles.
"""

from __future__ import annotations


import numpy as np
from rich.color import Color
from rich.style import Style

LEVELS = 21  # odd, so that 0 has its own neutral colour in the diverging scale

# Diverging: blue (negative) -> dark neutral (0) -> red (positive); readable on dark terminals.
_NEGATIVE = (58, 120, 230)
_NEUTRAL = (40, 40, 48)
_POSITIVE = (230, 80, 60)
# Sequential (for sigmoid gates in [0, 1]): dark -> warm yellow.
_LOW = (30, 30, 40)
_HIGH = (250, 210, 80)


def _mix(a: tuple[int, int, int], b: tuple[int, int, int], f: float) -> Color:
    return Color.from_rgb(*(round(x + (y - x) * f) for x, y in zip(a, b)))


def _readable_on(color: Color) -> Color:
    r, g, b = color.get_truecolor()
    return Color.from_rgb(0, 0, 0) if (0.299 * r + 0.587 * g + 0.114 * b) > 140 else Color.from_rgb(255, 255, 255)


def _diverging_colors() -> list[Color]:
    half = LEVELS // 2
    colors = []
    for i in range(LEVELS):
        f = (i - half) / half  # -1 .. +1
        colors.append(_mix(_NEUTRAL, _NEGATIVE, -f) if f < 0 else _mix(_NEUTRAL, _POSITIVE, f))
    return colors


def _sequential_colors() -> list[Color]:
    return [_mix(_LOW, _HIGH, i / (LEVELS - 1)) for i in range(LEVELS)]


DIVERGING_COLORS = tuple(_diverging_colors())
SEQUENTIAL_COLORS = tuple(_sequential_colors())
# Cell backgrounds with a contrasting foreground, so a marker glyph drawn on a cell stays visible.
DIVERGING = tuple(Style(bgcolor=c, color=_readable_on(c)) for c in DIVERGING_COLORS)
SEQUENTIAL = tuple(Style(bgcolor=c, color=_readable_on(c)) for c in SEQUENTIAL_COLORS)
# Foreground-only versions, for bars drawn with block characters.
DIVERGING_FG = tuple(Style(color=c) for c in DIVERGING_COLORS)
SEQUENTIAL_FG = tuple(Style(color=c) for c in SEQUENTIAL_COLORS)

PLAIN = Style()
DIM = Style(dim=True)
BOLD = Style(bold=True)
CURSOR = Style(reverse=True, bold=True)
LABEL = Style(color="grey70")
WARNING = Style(color="rgb(250,160,60)", bold=True)
ALERT = Style(color="rgb(240,80,80)", bold=True)
GOOD = Style(color="rgb(110,200,120)")
BAR = Style(color="rgb(110,170,240)")
THRESHOLD = Style(color="rgb(240,80,80)")


def diverging_indices(values, scale: float):
    """Palette indices for values on a symmetric scale [-scale, +scale], clamped; NaN -> neutral.

    One NumPy call per heatmap, not one Python call per cell."""
    values = np.asarray(values, dtype=float)
    if scale <= 0:
        return np.full(values.shape, LEVELS // 2, dtype=int)
    f = np.clip(np.nan_to_num(values / scale, nan=0.0, posinf=1.0, neginf=-1.0), -1.0, 1.0)
    return np.rint((f + 1.0) * (LEVELS - 1) / 2).astype(int)


def sequential_indices(values, low: float = 0.0, high: float = 1.0):
    """Palette indices for values on [low, high], clamped; NaN -> lowest."""
    values = np.asarray(values, dtype=float)
    f = np.clip(np.nan_to_num((values - low) / (high - low), nan=0.0, posinf=1.0, neginf=0.0), 0.0, 1.0)
    return np.rint(f * (LEVELS - 1)).astype(int)
