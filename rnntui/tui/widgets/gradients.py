"""Gradient bars: ||dL/dh_t|| per timestep on a log scale, the clip threshold, norms and the ratio.

The engine computes every number (Gradients); this pane only places them: a vertical bar per
timestep, heights in eighths of a cell, the threshold drawn as a dashed line on the same axis.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from rich.cells import set_cell_size
from rich.segment import Segment
from textual.strip import Strip

from rnntui.engine.gradient_trend import growth_per_step, trend
from rnntui.i18n import t
from rnntui.number_format import format_number
from rnntui.textwidth import cells, pad
from rnntui.tui.widgets import glyphs, palette
from rnntui.tui.widgets.heatmap import column_width, column_window, glyph_cells, token_glyph, wrap
from rnntui.tui.widgets.line_pane import LinePane, text_strip

AXIS = 7  # "1e-03 ┤"


@dataclass
class GradientView:
    """What the gradient pane shows, read off the engine's Gradients by the app."""

    norms: np.ndarray  # (T,) ||dL/dh_t|| for the loss named by `source`, back through time
    source: str  # "last loss" (the last prediction's) or "whole loss" (every position's)

    layer: int
    cursor: int  # 0-based current timestep
    tokens: list[str]
    clip_mode: str  # "off" | "norm" | "value"
    threshold: float
    grad_norm: float
    grad_norm_clipped: float
    loss: float | None
    param_norms: dict[str, float] = field(default_factory=dict)
    param_norms_clipped: dict[str, float] = field(default_factory=dict)  # after clipping; {} when off
    clip_cosine: float = 1.0  # cosine of the gradient before and after clipping: 1 = direction kept
    alert: str | None = None  # shown instead of the bars when the numbers cannot be trusted


TREND_STYLES = {"vanishing": palette.WARNING, "exploding": palette.ALERT, "steady": palette.GOOD,
                "undefined": palette.DIM}


def trend_verdict(factor: float) -> tuple[str, object]:
    """Words and a style for the growth per step back: how the gradient fares going back in time."""
    word = trend(factor)
    return t(f"clipping.trend.{word}"), TREND_STYLES[word]


def param_norms_text(view: GradientView) -> str:
    """Every parameter's gradient norm; `before→after` where clipping changed it."""
    parts = []
    for name, before in view.param_norms.items():
        text = f"{short_param_name(name)} {format_number(before, 2, significant=True)}"
        after = view.param_norms_clipped.get(name, before)
        if not math.isclose(after, before, rel_tol=1e-9):
            text += f"→{format_number(after, 2, significant=True)}"
        parts.append(text)
    return "  ".join(parts)


def short_param_name(name: str) -> str:
    """`rnn.weight_hh_l0` -> `W_hh0`, `head.bias` -> `b_head`: fits many norms on one line."""
    if name.startswith("rnn."):
        kind, _, layer = name[4:].rpartition("_l")
        return kind.replace("weight", "W").replace("bias", "b") + layer
    return {"head.weight": "W_head", "head.bias": "b_head", "embedding.weight": "E"}.get(name, name)


def number(value: float) -> str:
    """Norms and thresholds: four significant digits."""
    return format_number(value, 4, significant=True)


def log_bar_lines(norms: np.ndarray, tokens: list[str], cursor: int, width: int, rows: int,
                  marked: frozenset[int] = frozenset()) -> list[Strip]:
    """One bar per timestep on a log axis, `rows` high in eighths of a cell, over a row of tokens.
    The page of timesteps holding `cursor` (0-based) is drawn; `marked` columns stand out."""
    T = len(norms)
    cell = column_width(T, width - AXIS, glyph_cells(tokens))
    start, stop = column_window(T, cursor, (width - AXIS) // cell)
    positive = [v for v in norms.tolist() if v > 0 and math.isfinite(v)]
    if not positive:
        return [text_strip((t("panes.gradients.all_zero"), palette.DIM))]
    lo = math.floor(math.log10(min(positive)))
    hi = max(lo + 1, math.ceil(math.log10(max(positive))))
    span = rows * 8

    def eighths(value: float) -> int:
        if math.isinf(value):
            return span
        if not (value > 0 and math.isfinite(value)):
            return 0
        return max(1, min(span, round((math.log10(value) - lo) / (hi - lo) * span)))

    def column_style(col: int):
        return palette.CURSOR if col == cursor else palette.WARNING if col in marked else palette.BAR

    heights = [eighths(v) for v in norms[start:stop].tolist()]
    lines = []
    for r in range(rows):
        level = rows - 1 - r  # 0 = bottom row
        if r == 0:
            label = f"1e{hi:+d}{glyphs.axis(True)}"
        elif r == rows - 1:
            label = f"1e{lo:+d}{glyphs.axis(True)}"
        else:
            label = glyphs.axis(False)
        segments = [Segment(label.rjust(AXIS), palette.LABEL)]
        for col, height in enumerate(heights, start=start):
            fill = max(0, min(8, height - level * 8))
            style = column_style(col)
            drawn = cell if cell == 1 else cell - 1  # a gap between wide columns
            segments.append(glyphs.eighths(fill, drawn, style) if fill else Segment(" " * drawn))
            segments.append(Segment(" " * (cell - drawn), style if fill and not glyphs.spaces() else palette.PLAIN))
        lines.append(Strip(segments).simplify())
    row = [Segment(" " * AXIS)]
    for col in range(start, stop):
        glyph = set_cell_size(token_glyph(tokens[col]), cell)
        row.append(Segment(glyph, palette.CURSOR if col == cursor else palette.WARNING if col in marked else palette.DIM))
    lines.append(Strip(row))
    return lines


class GradientPane(LinePane):
    """Log-scale bars plus the numbers that say whether gradients vanish or explode."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.view: GradientView | None = None
        self.max_bar_rows = 6

    def show(self, view: GradientView | None) -> None:
        self.view = view
        self.invalidate()

    @property
    def per_step(self) -> float:
        """The median factor of one step back (gradient_trend.growth_per_step), nan when undefined."""
        if self.view is None or len(self.view.norms) < 3:
            return float("nan")
        return growth_per_step(self.view.norms[:-1] if self.view.norms[-1] == 0 else self.view.norms)

    @property
    def ratio(self) -> float:
        """||dL/dh_1|| over ||dL/dh_t|| at the last timestep that has a target (nan when undefined).

        The very last character has no target, so its gradient is 0 and says nothing; with fewer
        than three characters there is only one timestep to compare with itself."""
        if self.view is None or len(self.view.norms) < 3 or self.view.norms[-2] == 0:
            return float("nan")
        return float(self.view.norms[0] / self.view.norms[-2])

    def build_lines(self, width: int) -> list[Strip]:
        view = self.view
        if view is None or len(view.norms) == 0:
            return [text_strip((t("panes.gradients.no_targets"), palette.DIM))]
        word, style = trend_verdict(self.per_step)
        per_step = t("clipping.trend.per_step", factor=format_number(self.per_step, 3, significant=True)) \
            if math.isfinite(self.per_step) else ""
        if len(view.norms) < 3:
            word = t("panes.gradients.needs_three")
        lines = [
            text_strip(
                (t("panes.gradients.source", source=view.source,
                   layer=t("panes.gradients.layer", layer=view.layer) if view.layer else ""), palette.LABEL),
                (t("panes.gradients.ratio"), palette.LABEL),
                (format_number(self.ratio, 3, significant=True) if math.isfinite(self.ratio) else "—", palette.BOLD),
                (f"  {per_step}", palette.PLAIN),
                (f" {word}", style),
            )
        ]
        lines += self._bars(view, width)
        lines.append(self._norm_gauge(view, width))
        if view.clip_mode == "off":
            clip = t("panes.gradients.clipping_off")
            clip_style = palette.DIM
        else:
            clip = t("panes.gradients.clip", mode=t(f"panes.clip_mode.{view.clip_mode}"), threshold=number(view.threshold),
                     clipped=number(view.grad_norm_clipped))
            clip_style = palette.WARNING if view.grad_norm_clipped < view.grad_norm else palette.GOOD
            if view.grad_norm_clipped != view.grad_norm:
                kept = view.clip_cosine >= 1 - 1e-9
                clip += "  " + t("clipping.pane.kept" if kept else "clipping.pane.turned",
                                 cosine=format_number(view.clip_cosine, 4))
        loss = t("panes.status.loss_none") if view.loss is None else t("panes.status.loss", loss=format_number(view.loss))
        full = t("panes.gradients.full", loss=loss, norm=number(view.grad_norm))
        if view.clip_mode == "off" or cells(full) + cells(clip) <= width:
            lines.append(text_strip((full, palette.PLAIN), (clip, clip_style)))
        else:  # clipping's before/after and direction get their own line rather than being cut off
            lines += [text_strip((full, palette.PLAIN)), text_strip((clip, clip_style))]
        lines.append(text_strip(("‖∂L/∂θ‖ ", palette.LABEL), (param_norms_text(view), palette.PLAIN)))
        return lines

    def _bars(self, view: GradientView, width: int) -> list[Strip]:
        if view.alert is not None:
            return [text_strip((part, palette.ALERT)) for part in wrap(view.alert, width)]
        # the text lines come first (one more with clipping on); bars get what height is left (2 rows at the least)
        text_lines = 5 if view.clip_mode == "off" else 6
        rows = max(2, min(self.max_bar_rows, self.scrollable_content_region.height - text_lines))
        return log_bar_lines(view.norms, view.tokens, view.cursor, width, rows)

    def _norm_gauge(self, view: GradientView, width: int) -> Strip:
        """`‖g‖ ██████████┊·····` on a log axis: the global norm against the clipping threshold."""
        label = pad(t("panes.gradients.gauge"), AXIS - 1, ">") + " "
        length = max(4, width - AXIS - 14)
        values = [v for v in (view.grad_norm, view.threshold) if v > 0 and math.isfinite(v)]
        if not values:
            return text_strip((label, palette.LABEL), ("‖g‖ = 0", palette.DIM))
        lo = math.floor(math.log10(min(values))) - 1
        hi = math.ceil(math.log10(max(values))) + 1

        def position(value: float) -> int:
            if not (value > 0 and math.isfinite(value)):
                return 0 if not math.isinf(value) else length
            return max(0, min(length, round((math.log10(value) - lo) / (hi - lo) * length)))

        filled = position(view.grad_norm)
        over = view.clip_mode == "norm" and view.grad_norm > view.threshold
        segments = [Segment(label, palette.LABEL), glyphs.solid(filled, palette.ALERT if over else palette.BAR)]
        segments.append(Segment(glyphs.dot() * (length - filled), palette.DIM))
        if view.clip_mode != "off":
            mark = min(length - 1, position(view.threshold))
            strip = Strip(segments).simplify()
            before = strip.crop(0, cells(label) + mark)
            after = strip.crop(cells(label) + mark + 1)
            segments = list(before) + [Segment(glyphs.threshold(), palette.THRESHOLD)] + list(after)
            segments.append(Segment(t("panes.gradients.gauge_clip", threshold=number(view.threshold)), palette.THRESHOLD))
        return Strip(segments)
