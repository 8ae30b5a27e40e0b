"""The training pane of a task or series run: live figures, the loss against the constant baseline,
and the run's own success measure over the training sequences.

Two braille plots drawn by `loss_curve.plot_lines`: the training loss with the best constant
prediction's loss as a dotted line (the level a model that learned nothing sits at), and the
success measure (the share of the test set the paper's criterion counts correct; for a series,
the one-step error over persistence's) with the line where it counts as success. The figures
arrive as a `TaskTrainingView` (`tui/training/task_curve.py` builds it from the run); the pane
only lays them out.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import zip_longest

from textual.strip import Strip

from rnntui.i18n import t
from rnntui.tui.widgets import palette
from rnntui.tui.widgets.line_pane import LinePane, text_strip
from rnntui.tui.widgets.loss_curve import CurveData, floor_mark, fmt, fmt_rate, plot_lines, val_mark

AXIS_KEY = "tasklive.pane.axis"  # the x axis counts training sequences
MIN_PLOT_ROWS = 3  # two rows of dots and the axis
SIDE_BY_SIDE = 70  # cells from which the two curves stand side by side (an 80-column terminal)
GAP = 2  # cells between them


@dataclass(frozen=True)
class TaskFigures:
    """A task's latest check, as the pane words it."""

    head: str  # "linear" (an MSE against the constant's) or "softmax" (errors against the commonest class's)
    error: float
    baseline: float
    correct: float  # share the paper's criterion counts correct
    tolerance: float | None  # linear: |error| below this is correct
    test_size: int


@dataclass(frozen=True)
class SeriesFigures:
    """A series' latest check: one step ahead against persistence, free-running against holding."""

    one_step: float
    persistence: float
    free_running: float
    held: float


@dataclass(frozen=True)
class TaskTrainingView:
    state: str  # starting | running | paused | finished
    what: str  # the task and its setting, or the series
    model: str  # e.g. "LSTM 1×16"
    sequences: int
    per_second: float | None
    loss: float | None  # the latest reported training loss
    baseline_loss: float | None  # the best constant prediction's training loss (None: not known yet)
    success_line: float | None  # where the measure counts as success
    figures: TaskFigures | SeriesFigures | None  # the latest check
    losses: CurveData  # training loss by sequences (test MSE as markers, where it is the same loss)
    measure: CurveData  # the success measure by sequences
    series: bool = False  # a series: the measure is a ratio to persistence, lower is better
    message: str = ""  # how the run ended, once it has


def percent(value: float | None) -> str:
    return fmt(None if value is None else 100 * value, ".1f") + " %"


def figure_lines(view: TaskTrainingView) -> list[Strip]:
    """The run's state, then its check against the baseline, then its success measure."""
    state_style = {"running": palette.GOOD, "paused": palette.WARNING}.get(view.state, palette.LABEL)
    lines = [text_strip((t(f"training.state.{view.state}"), state_style),
                        (t("tasklive.pane.what", model=view.model, what=view.what), palette.LABEL),
                        (t("tasklive.pane.sequences"), palette.LABEL), (f"{view.sequences:,}", palette.BOLD),
                        (t("tasklive.pane.rate", rate=fmt_rate(view.per_second)), palette.LABEL))]
    loss = [(t("tasklive.pane.loss"), palette.LABEL), (fmt(view.loss, ".4g"), palette.BAR)]
    figures = view.figures
    if isinstance(figures, TaskFigures):
        key = "mse" if figures.head == "linear" else "errors"
        error, baseline = ((fmt(figures.error, ".4g"), fmt(figures.baseline, ".4g")) if figures.head == "linear"
                           else (percent(figures.error), percent(figures.baseline)))
        lines.append(text_strip(*loss, (t(f"tasklive.pane.test_{key}"), palette.LABEL), (error, palette.GOOD),
                                (t(f"tasklive.pane.baseline_{key}", baseline=baseline), palette.DIM)))
        criterion = (t("tasklive.pane.within", tolerance=f"{figures.tolerance:g}") if figures.tolerance is not None
                     else t("tasklive.pane.classified"))
        met = figures.correct >= view.success_line
        lines.append(text_strip((criterion, palette.LABEL), (percent(figures.correct), palette.BOLD),
                                (t("tasklive.pane.of_test", size=f"{figures.test_size:,}",
                                   line=percent(view.success_line)), palette.LABEL),
                                *([(t("tasklive.pane.solved"), palette.GOOD)] if met else [])))
    elif isinstance(figures, SeriesFigures):
        ratio = figures.one_step / figures.persistence if figures.persistence > 0 else float("inf")
        lines.append(text_strip(*loss, (t("tasklive.pane.one_step"), palette.LABEL),
                                (fmt(figures.one_step, ".4g"), palette.GOOD),
                                (t("tasklive.pane.persistence", persistence=fmt(figures.persistence, ".4g")),
                                 palette.DIM)))
        verdict = t("tasklive.pane.beats" if ratio < 1 else "tasklive.pane.no_better")
        lines.append(text_strip((t("tasklive.pane.ratio"), palette.LABEL), (fmt(ratio, ".3f"), palette.BOLD),
                                (verdict, palette.GOOD if ratio < 1 else palette.WARNING),
                                (t("tasklive.pane.free_running", mse=fmt(figures.free_running, ".4g"),
                                   held=fmt(figures.held, ".4g")), palette.DIM)))
    else:
        lines.append(text_strip(*loss, (t("tasklive.pane.no_check"), palette.DIM)))
    if view.message:
        lines.append(text_strip((view.message, palette.LABEL)))
    return lines


class TaskTrainingPane(LinePane):
    """Live figures of a task or series run above its two curves, side by side where the width
    allows (one above the other where it does not); `show` hands over new figures."""

    DEFAULT_CSS = """
    TaskTrainingPane {
        height: 12;
    }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.view: TaskTrainingView | None = None

    def show(self, view: TaskTrainingView) -> None:
        self.view = view
        self.invalidate()

    def build_lines(self, width: int) -> list[Strip]:
        view = self.view
        if view is None:
            return []
        header = figure_lines(view)
        height = max(len(header) + 1 + MIN_PLOT_ROWS, self.scrollable_content_region.height)
        if width >= SIDE_BY_SIDE:
            rows = height - len(header) - 1  # a legend row above each plot
            half = (width - GAP) // 2
            left = [loss_legend(view)] + self.loss_plot(view, half, rows)
            right = [measure_legend(view)] + self.measure_plot(view, width - half - GAP, rows)
            gap = Strip.blank(GAP)
            pairs = zip_longest(left, right, fillvalue=Strip.blank(0))
            return header + [Strip.join([a.crop_extend(0, half, None), gap, b]) for a, b in pairs]
        rows = max(2 * MIN_PLOT_ROWS, height - len(header) - 2)
        loss_rows = max(MIN_PLOT_ROWS, (rows + 1) // 2)
        return (header + [loss_legend(view)] + self.loss_plot(view, width, loss_rows) + [measure_legend(view)]
                + self.measure_plot(view, width, max(MIN_PLOT_ROWS, rows - loss_rows)))

    @staticmethod
    def loss_plot(view: TaskTrainingView, width: int, rows: int) -> list[Strip]:
        return plot_lines(view.losses, width, rows, view.baseline_loss, AXIS_KEY)

    @staticmethod
    def measure_plot(view: TaskTrainingView, width: int, rows: int) -> list[Strip]:
        if not view.measure.steps:
            return [text_strip((t("tasklive.pane.no_check"), palette.DIM))]
        return plot_lines(view.measure, width, rows, view.success_line, AXIS_KEY, hold=True)


def loss_legend(view: TaskTrainingView) -> Strip:
    parts = [(t("tasklive.pane.train_legend"), palette.BAR)]
    if view.losses.val_steps:
        parts.append((t("tasklive.pane.test_legend", mark=val_mark()), palette.GOOD))
    if view.baseline_loss is not None:
        key = "tasklive.pane.persistence_legend" if view.series else "tasklive.pane.constant_legend"
        parts.append((t(key, mark=floor_mark(), value=fmt(view.baseline_loss, ".4g")), palette.DIM))
    return text_strip(*parts)


def measure_legend(view: TaskTrainingView) -> Strip:
    if view.series:
        line = "" if view.success_line is None else fmt(view.success_line, "g")
        return text_strip((t("tasklive.pane.ratio_legend"), palette.BAR),
                          (t("tasklive.pane.parity_legend", mark=floor_mark(), line=line), palette.DIM))
    line = "" if view.success_line is None else percent(view.success_line)
    return text_strip((t("tasklive.pane.measure_legend"), palette.BAR),
                      (t("tasklive.pane.success_legend", mark=floor_mark(), line=line), palette.DIM))
