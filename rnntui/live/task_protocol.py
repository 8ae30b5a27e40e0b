"""What the app and a task or series training child say to each other: small frozen dataclasses.

The commands are the corpus runs' own (`protocol.Pause`, `Resume`, `Stop`). What is trained is a
`TaskJob` (one of the paper's tasks) or a `SeriesJob` (a series, its values carried along);
settings left at None take the experiment's defaults (`TaskRunConfig`, `SeriesRunConfig`), so a
live run trains exactly as `rnntui experiment` and `rnntui series` do. Reports name the training
sequences they belong to; weights travel as NumPy arrays under PyTorch's names and layout, which
is what the NumPy engine takes. Nothing here imports torch.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rnntui.engine.config import ModelConfig
from rnntui.engine.series.forecast import ForecastScore
from rnntui.engine.tasks import Score

# ---------------------------------------------------------------------- what is trained


@dataclass(frozen=True)
class TaskJob:
    """One of the paper's tasks (`engine.tasks.KINDS`), trained until its criterion holds or the budget ends."""

    name: str
    setting: int | None = None  # its T or p; None: the paper's
    cell: str = "lstm"
    seed: int = 0
    hidden_size: int | None = None  # None, here and below: the experiment's default
    lr: float | None = None
    max_sequences: int | None = None  # training budget in sequences


@dataclass(frozen=True)
class SeriesJob:
    """A series, trained to predict its next change (`train.series_runs`), judged against persistence."""

    name: str
    values: np.ndarray  # the whole series; its last `test_points` are held out
    log: bool  # model the logarithm (a positive series whose swings grow with its level)
    test_points: int
    cell: str = "lstm"
    seed: int = 0
    hidden_size: int | None = None
    lr: float | None = None
    steps: int | None = None  # Adam steps in all


Job = TaskJob | SeriesJob

# ---------------------------------------------------------------------- reports (child -> app)


@dataclass(frozen=True)
class SeriesForecast:
    """A series model judged on the held-out end: one step ahead, and feeding its own predictions back."""

    one_step: ForecastScore  # against "tomorrow equals today"
    free_running: ForecastScore  # against holding the last known value
    predictions: np.ndarray  # (N - 1,) one-step predictions of values[1:]
    forecast: np.ndarray  # (test points,) the free-running forecast of the held-out end


@dataclass(frozen=True)
class TaskCheck:
    """One check on held-out data: a task's fixed test set, or a series' held-out end."""

    sequences: int  # training sequences seen when it was made
    seconds: float  # training time so far, pauses excluded
    score: Score | None  # a task: the paper's criterion, the error and the constant baseline's error
    forecast: SeriesForecast | None  # a series

    @property
    def measure(self) -> float:
        """The run's own success measure: the share of test sequences the paper's criterion counts
        correct (tasks), or the one-step error over persistence's (series: below 1 beats it)."""
        return self.score.correct if self.score is not None else self.forecast.one_step.ratio


@dataclass(frozen=True)
class TaskStarted:
    """The model is built (torch imported, the test set drawn)."""

    model_config: ModelConfig
    batch_size: int  # training sequences per step
    budget: int  # training sequences the run may take
    test_size: int  # sequences in the task's test set (a series: its held-out points)
    # The training loss of the best constant prediction (the targets' variance, or the entropy of
    # their classes; for a series, predicting no change): the line a model must get below.
    baseline_loss: float
    success_line: float  # where the success measure counts as success (a share, or a ratio of 1)


@dataclass(frozen=True)
class TaskProgress:
    """Training since the last report, sent a few times a second at most."""

    sequences: int  # training sequences seen so far
    seconds: float  # training time so far, pauses excluded
    losses: tuple[float, ...]  # the training loss of each step since the last report, the last one at `sequences`
    check: TaskCheck | None  # a check made since the last report
    params: dict[str, np.ndarray]  # the weights now
    paused: bool  # the loop is waiting for Resume (these are exactly the paused weights)


@dataclass(frozen=True)
class TaskDone:
    """The run ended; `params` are the weights it keeps (the last finite ones after a nan or inf)."""

    sequences: int
    seconds: float
    reason: str  # "solved" | "budget" | "stopped" | "non-finite" | "error" (the loop raised)
    message: str  # one line for the person who started it
    check: TaskCheck | None  # the final check, on the kept weights (None after an error)
    params: dict[str, np.ndarray] | None  # None after an error: the last reported weights stand

    @property
    def failed(self) -> bool:
        return self.reason in ("non-finite", "error")
