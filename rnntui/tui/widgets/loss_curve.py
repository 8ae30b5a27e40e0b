"""The training pane: a few lines of live figures above a braille loss curve with labelled axes.

Training loss is drawn per step (averaged into as many points as the pane has dot columns),
validation loss as markers where it was measured, and on a generated corpus the floor (the best
loss any model can reach, `engine/loss_floor.py`) as a dotted line the curve can only approach. Drawn with the line API like the other panes:
the strips are rebuilt only when `show` hands over new numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from rich.segment import Segment
from textual.strip import Strip

from rnntui.i18n import t
from rnntui import textwidth
from rnntui.tui.widgets import glyphs, palette
from rnntui.tui.widgets.line_pane import LinePane, text_strip

Y_LABEL_WIDTH = 7  # "12.345┤"
VAL_MARK = "◆"
FLOOR_MARK = "┈"
# Braille dot bits by (column 0/1, row 0..3 from the top), as Unicode numbers them.
_DOT = ((0x01, 0x02, 0x04, 0x40), (0x08, 0x10, 0x20, 0x80))


@dataclass
class TrainingStats:
    """The live figures shown above the curve (None: not known yet)."""

    state: str  # starting | running | paused | finished
    corpus: str
    model: str  # e.g. "LSTM 2×256"
    step: int = 0
    loss: float | None = None
    val_loss: float | None = None
    best_val_loss: float | None = None
    tokens_per_second: float | None = None
    eta_seconds: float | None = None
    grad_norm: float | None = None
    grad_norm_clipped: float | None = None
    clipping: str = ""  # "norm ≤ 5", "off", ...
    lr: float | None = None
    floor: float | None = None  # the best possible validation loss, where the corpus's generator is known


@dataclass
class CurveData:
    steps: list[int] = field(default_factory=list)
    losses: list[float] = field(default_factory=list)
    val_steps: list[int] = field(default_factory=list)
    val_losses: list[float] = field(default_factory=list)


def fmt(value: float | None, spec: str = ".3f") -> str:
    return "–" if value is None or not math.isfinite(value) else format(value, spec)


def fmt_duration(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


def fmt_rate(tokens_per_second: float | None) -> str:
    if tokens_per_second is None:
        return "–"
    return f"{tokens_per_second / 1000:.1f}k" if tokens_per_second >= 1000 else f"{tokens_per_second:.0f}"


def stats_lines(stats: TrainingStats) -> list[Strip]:
    """Three short lines: where the run is, how well it does, what the gradients do."""
    state_style = {"running": palette.GOOD, "paused": palette.WARNING}.get(stats.state, palette.LABEL)
    eta = t("training.curve.eta", eta=fmt_duration(stats.eta_seconds)) if stats.eta_seconds is not None else ""
    return [
        text_strip((t(f"training.state.{stats.state}"), state_style), (t("training.curve.step"), palette.LABEL),
                   (f"{stats.step:,}", palette.BOLD),
                   (t("training.curve.rate", rate=fmt_rate(stats.tokens_per_second), eta=eta), palette.LABEL)),
        text_strip((t("training.curve.loss"), palette.LABEL), (fmt(stats.loss), palette.BAR),
                   (t("training.curve.val"), palette.LABEL), (fmt(stats.val_loss), palette.GOOD),
                   (t("training.curve.best", best=fmt(stats.best_val_loss)), palette.DIM),
                   (t("training.curve.lr", lr=fmt(stats.lr, '.2g')), palette.LABEL)),
        text_strip(("‖g‖ ", palette.LABEL), (fmt(stats.grad_norm, '.3g'), palette.PLAIN),
                   (" → ", palette.LABEL), (fmt(stats.grad_norm_clipped, '.3g'), palette.BOLD),
                   (t("training.curve.after_clip", clipping=stats.clipping), palette.LABEL)),
    ]


def axis_label(value: float, width: int = Y_LABEL_WIDTH - 1) -> str:
    """`value` in at most `width` characters, the most digits that fit: 1.02e+27 becomes 1e+27
    (never the cut 02e+27), 12345.6 becomes 1.2e+4."""
    if not math.isfinite(value):
        return str(value)

    def short_e(digits: int) -> str:
        mantissa, exponent = f"{value:.{digits}e}".split("e")
        return f"{mantissa}e{int(exponent):+d}"

    candidates = [f"{value:.3g}", short_e(2), f"{value:.2g}", short_e(1), f"{value:.1g}", short_e(0)]
    return next((text for text in candidates if len(text) <= width), candidates[-1])


def val_mark() -> str:
    return "o" if glyphs.spaces() else VAL_MARK


def floor_mark() -> str:
    return "-" if glyphs.spaces() else FLOOR_MARK


def column_means(steps: list[int], values: list[float], first: int, last: int, columns: int) -> list[float]:
    """The finite values binned by step into `columns` equal step ranges; nan where a bin is empty.

    NumPy, because a long run has tens of thousands of steps and this runs at every repaint."""
    steps_a, values_a = np.asarray(steps), np.asarray(values, dtype=np.float64)
    finite = np.isfinite(values_a)
    span = max(1, last - first)
    cols = np.minimum(columns - 1, (steps_a[finite] - first) * columns // (span + 1))
    sums = np.bincount(cols, weights=values_a[finite], minlength=columns)
    counts = np.bincount(cols, minlength=columns)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (sums / counts).tolist()


def held(values: list[float]) -> list[float]:
    """Each empty (nan) column between two values holds the one before it: a figure measured now
    and then stays drawn until the next measurement, rather than scattering as dots."""
    out, last = list(values), math.nan
    finite = [i for i, v in enumerate(values) if math.isfinite(v)]
    for i in range(finite[0] if finite else 0, finite[-1] if finite else 0):
        if math.isfinite(out[i]):
            last = out[i]
        else:
            out[i] = last
    return out


def plot_lines(data: CurveData, width: int, height: int, floor: float | None = None,
               axis_key: str = "training.curve.axis_step", hold: bool = False) -> list[Strip]:
    """`height` plot rows plus one x-axis row, `width` cells wide in all; `floor` a dotted row if given.
    `axis_key` labels the x axis's first value (field `step`): steps, or training sequences;
    `hold` draws a sparse measure as steps (`held`)."""
    plot_width = max(2, width - Y_LABEL_WIDTH)
    rows = max(2, height - 1)
    if not data.steps:
        return [text_strip((t("training.curve.waiting"), palette.DIM))]
    first, last = data.steps[0], data.steps[-1]
    dots_x, dots_y = 2 * plot_width, 4 * rows
    train = column_means(data.steps, data.losses, first, last, dots_x)
    if hold:
        train = held(train)
    val_points = [(s, v) for s, v in zip(data.val_steps, data.val_losses) if math.isfinite(v)]
    shown = [v for v in train if math.isfinite(v)] + [v for _, v in val_points]
    if not shown:
        return [text_strip((t("training.curve.no_finite"), palette.WARNING))]
    if floor is not None:
        shown.append(floor)  # always in view: the distance to it is the point of drawing it
    low, high = min(shown), max(shown)
    if high - low < 1e-9:
        low, high = low - 0.5, high + 0.5

    def dot_row(value: float) -> int:  # 0 = top
        return round((high - value) / (high - low) * (dots_y - 1))

    cells = [[0] * plot_width for _ in range(rows)]
    previous = None
    for x, value in enumerate(train):
        if not math.isfinite(value):
            continue
        y = dot_row(value)
        top, bottom = (y, y) if previous is None else (min(y, previous), max(y, previous))
        for yy in range(top, bottom + 1):  # a vertical run joins this point to the last one
            cells[yy // 4][x // 2] |= _DOT[x % 2][yy % 4]
        previous = y
    marks: dict[tuple[int, int], bool] = {}
    span = max(1, last - first)
    for step, value in val_points:
        col = min(plot_width - 1, max(0, (step - first) * plot_width // (span + 1)))
        marks[(dot_row(value) // 4, col)] = True
    floor_row = None if floor is None else dot_row(floor) // 4

    lines = []
    for r in range(rows):
        label = axis_label(high) if r == 0 else axis_label(low) if r == rows - 1 else ""
        segments = [Segment(label.rjust(Y_LABEL_WIDTH - 1), palette.LABEL),
                    Segment(glyphs.axis(bool(label)), palette.DIM)]
        for c in range(plot_width):
            if marks.get((r, c)):
                segments.append(Segment(val_mark(), palette.GOOD))
            elif cells[r][c]:
                segments.append(Segment(chr(0x2800 + cells[r][c]), palette.BAR))
            elif r == floor_row:
                segments.append(Segment(floor_mark(), palette.DIM))
            else:
                segments.append(Segment(" "))
        lines.append(Strip(segments))
    left, right = t(axis_key, step=f"{first:,}"), f"{last:,}"
    gap = max(1, plot_width - textwidth.cells(left) - len(right))
    lines.append(text_strip((" " * Y_LABEL_WIDTH + left + " " * gap + right, palette.LABEL)))
    return lines


class LossCurve(LinePane):
    """Live training figures and the loss curve: ⣀ training loss per step, ◆ validation loss."""

    DEFAULT_CSS = """
    LossCurve {
        height: 1fr;
        min-height: 6;
    }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.stats: TrainingStats | None = None
        self.data = CurveData()

    def show(self, stats: TrainingStats, data: CurveData) -> None:
        self.stats, self.data = stats, data
        self.invalidate()

    def build_lines(self, width: int) -> list[Strip]:
        if self.stats is None:
            return []
        header = stats_lines(self.stats)
        height = self.scrollable_content_region.height
        floor = self.stats.floor
        legend = text_strip((t("training.curve.train"), palette.BAR),
                            (t("training.curve.validation", mark=val_mark()), palette.GOOD),
                            *([(t("training.curve.floor", mark=floor_mark(), floor=fmt(floor)), palette.DIM)]
                              if floor is not None else []),
                            (t("training.curve.model_on", model=self.stats.model, corpus=self.stats.corpus), palette.DIM))
        plot_height = max(3, height - len(header) - 1)
        return header + [legend] + plot_lines(self.data, width, plot_height, floor)
