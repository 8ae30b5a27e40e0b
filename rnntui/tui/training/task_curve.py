"""A task or series run as its training pane shows it: `task_training_view` reads the run's latest
history and check into a `TaskTrainingView`. The pane draws; the numbers come from the run."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rnntui.live.task_protocol import SeriesJob, TaskCheck
from rnntui.tui.training.curve import CELL_LABELS
from rnntui.tui.widgets.loss_curve import CurveData
from rnntui.tui.widgets.task_training import SeriesFigures, TaskFigures, TaskTrainingView

if TYPE_CHECKING:
    from rnntui.live.task_run import LiveTaskRun


def check_figures(check: TaskCheck, run: LiveTaskRun) -> TaskFigures | SeriesFigures:
    if check.score is not None:
        score = check.score
        head = run.model_config.head
        tolerance = run.task.kind.tolerance if head == "linear" else None
        return TaskFigures(head, score.error, score.baseline, score.correct, tolerance, run.test_size)
    forecast = check.forecast
    return SeriesFigures(forecast.one_step.mse, forecast.one_step.persistence, forecast.free_running.mse,
                         forecast.free_running.persistence)


def task_training_view(run: LiveTaskRun) -> TaskTrainingView:
    """The run's latest state for the pane (the reader thread appends meanwhile: lists are copied)."""
    history = run.history
    checks = list(history.checks)
    started = run.started_news
    config = run.model_config
    model = f"{CELL_LABELS[config.cell]} {config.num_layers}×{config.hidden_size}" if config else CELL_LABELS[run.job.cell]
    sequences, losses = list(history.curve.steps), list(history.curve.losses)
    n = min(len(sequences), len(losses))
    linear_task = config is not None and config.head == "linear" and not isinstance(run.job, SeriesJob)
    # The test MSE of a linear task is the training loss on held-out sequences: the same curve's markers.
    tests = [(c.sequences, c.score.error) for c in checks if linear_task and c.score is not None]
    loss_curve = CurveData(sequences[:n], losses[:n], [s for s, _ in tests], [e for _, e in tests])
    measure = CurveData([c.sequences for c in checks], [c.measure for c in checks])
    return TaskTrainingView(
        state="paused" if run.paused else run.state.value, what=run.label, model=model,
        sequences=run.sequences, per_second=history.sequences_per_second, loss=losses[n - 1] if n else None,
        baseline_loss=None if started is None else started.baseline_loss,
        success_line=None if started is None else started.success_line,
        figures=check_figures(checks[-1], run) if checks and config is not None else None,
        losses=loss_curve, measure=measure, series=isinstance(run.job, SeriesJob),
        message=run.ending,
    )
