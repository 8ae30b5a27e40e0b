"""The generation console: next-character distribution, a sampled continuation, and a log.

The log (`#console-log`) is where training output goes: the stepping screen's `log_line`
writes it, on the UI thread (a run's news reaches it through the training controller).
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.cells import chop_cells, set_cell_size
from rich.segment import Segment
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.strip import Strip
from textual.widgets import Log

from rnntui.tui.widgets import glyphs, palette
from rnntui.tui.widgets.heatmap import glyph_cells, token_glyph
from rnntui.tui.widgets.line_pane import LinePane, text_strip

TOP_K = 5


@dataclass
class ConsoleView:
    """The distribution after the current character, and the last sample, as the app read them."""

    after: str  # the character the distribution follows
    top: list[tuple[str, float]]  # (character, probability), most likely first
    temperature: float
    sample: str | None  # continuation sampled from the current state, or None before `g`
    target: str | None  # the actual next character, when there is one


class DistributionPane(LinePane):
    """Top-k bars of the next-character distribution and the sampled continuation."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.view: ConsoleView | None = None

    def show(self, view: ConsoleView | None) -> None:
        self.view = view
        self.invalidate()

    def build_lines(self, width: int) -> list[Strip]:
        view = self.view
        if view is None:
            return []
        if view.sample is None:
            sample_lines = [text_strip((" press g to sample from the current state", palette.DIM))]
        else:
            sample = "".join(token_glyph(c) for c in view.sample)
            sample_lines = [text_strip((" " + part, palette.BOLD)) for part in chop_cells(sample, max(2, width - 1))]
        # as many bars as fit beside the sample (at least two): the sample must stay in view
        bars = max(2, min(len(view.top), self.scrollable_content_region.height - 2 - len(sample_lines)))
        lines = [text_strip((f"next after {token_glyph(view.after)!r}:", palette.LABEL))]
        bar_width = max(4, width - 16)
        # Bars are scaled to the likeliest character: with thousands of characters (Chinese text)
        # every probability is a few percent, and bars on a 0..1 scale would all be one cell.
        scale = bar_width / max((p for _, p in view.top), default=1.0) if view.top else bar_width
        glyph_width = glyph_cells([char for char, _ in view.top])
        for char, p in view.top[:bars]:
            style = palette.GOOD if char == view.target else palette.BAR
            mark = " ← target" if char == view.target else ""
            lines.append(
                Strip(
                    [
                        Segment(f" {set_cell_size(token_glyph(char), glyph_width)} ", palette.BOLD),
                        Segment(f"{p:6.3f} ", palette.PLAIN),
                        glyphs.solid(max(1 if p > 0 else 0, round(p * scale)), style),
                        Segment(mark, palette.GOOD),
                    ]
                )
            )
        lines.append(text_strip((f"sample (temperature {view.temperature:g}, - / + to change):", palette.LABEL)))
        return lines + sample_lines


class GenerationConsole(Vertical):
    """The distribution pane above a log that training (or anything else) writes to."""

    def compose(self) -> ComposeResult:
        yield DistributionPane(id="distribution")
        log = Log(id="console-log", max_lines=500)
        log.can_focus = False  # keys belong to the app's actions (arrows step), not to scrolling the log
        yield log

    def write_log(self, line: str) -> None:
        self.query_one(Log).write_line(line)
