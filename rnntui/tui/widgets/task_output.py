"""The task's output: what the head says at the cursor, and the answer at the end against the target
and the paper's criterion (a number within 0.04, or the right class)."""

from __future__ import annotations

from dataclasses import dataclass

from rich.segment import Segment
from textual.strip import Strip

from rnntui.i18n import t
from rnntui.textwidth import cells, pad
from rnntui.tui.widgets import glyphs, palette
from rnntui.tui.widgets.heatmap import wrap
from rnntui.tui.widgets.line_pane import ViewPane, text_strip


@dataclass(frozen=True)
class ClassBar:
    name: str
    probability: float
    target: bool  # the class the sequence's answer is


@dataclass(frozen=True)
class TaskOutputView:
    """What the output pane shows, read off a TaskSession by the screen; every line is words already."""

    at_cursor: str  # the head's output at the cursor, in words
    bars: list[ClassBar]  # softmax: the likeliest classes at the cursor (and the target's); linear: []
    end_lines: list[str]  # the answer at the end: target, prediction, error against the criterion
    meets: bool


class TaskOutputPane(ViewPane):
    """The verdict at the end, then the output at the cursor (class bars for a softmax head)."""

    view: TaskOutputView | None

    def build_lines(self, width: int) -> list[Strip]:
        view = self.view
        if view is None:
            return []
        # The verdict at the end first: it is what the task is judged by, and it stays in view on a short terminal.
        verdict = palette.GOOD if view.meets else palette.WARNING
        lines = [text_strip((t("taskapp.output.at_end"), palette.LABEL))]
        for k, line in enumerate(view.end_lines):
            style = verdict if k == len(view.end_lines) - 1 else palette.PLAIN
            lines += [text_strip((part, style)) for part in wrap(line, width)]
        lines += [text_strip((part, palette.LABEL)) for part in wrap(view.at_cursor, width)]
        name_width = max((cells(bar.name) for bar in view.bars), default=0)
        bar_width = max(4, width - name_width - 12 - cells(t("taskapp.output.target_mark")))
        # scaled to the likeliest class: over a hundred classes every probability is a few percent
        scale = bar_width / max((bar.probability for bar in view.bars), default=1.0) if view.bars else 0.0
        for bar in view.bars:
            style = palette.GOOD if bar.target else palette.BAR
            lines.append(Strip([
                Segment(f" {pad(bar.name, name_width)} ", palette.BOLD),
                Segment(f"{bar.probability:6.3f} ", palette.PLAIN),
                glyphs.solid(max(1 if bar.probability > 0 else 0, round(bar.probability * scale)), style),
                Segment(t("taskapp.output.target_mark") if bar.target else "", palette.GOOD),
            ]))
        return lines
