"""RunHistory: the one consumer of a Trainer's events that every view of a run reads.

The app's loss curve, the demos' RunResult and the CLI's progress bar all need the same few
things: the losses, the validation points, the recent tokens/s and how long is left. This
callback keeps them, so the three show the same numbers computed the same way.

Memory stays bounded on long runs: past `max_points` the losses are halved by averaging
neighbouring pairs, and later steps are grouped as widely (a curve a few hundred columns wide
cannot show more anyway).
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

from rnntui.train.train_events import DoneEvent, EvalEvent, StateEvent, StepEvent, TrainEvent, WarningEvent

THROUGHPUT_WINDOW = 2.0  # seconds of recent training that tokens/s averages over
MIN_PROGRESS_FOR_ETA = 0.02  # earlier than this, start-up time dominates any guess
LONG_RUN_POINTS = 20_000  # points kept by runs that may go on for hours (the app, the CLI)


class BoundedCurve:
    """A value per step in bounded memory: past `max_points` (None: never) neighbouring points are
    merged in pairs, and later steps are grouped as widely."""

    def __init__(self, max_points: int | None = None):
        self.max_points = max_points
        self.steps: list[int] = []  # the step each point ends at (the last of its group)
        self.losses: list[float] = []
        self._stride = 1  # steps per point
        self._group: list[float] = []  # values of the steps not yet in a point

    def add(self, step: int, loss: float) -> None:
        self._group.append(loss)
        if len(self._group) == self._stride:
            self.steps.append(step)
            self.losses.append(finite_mean(self._group))
            self._group = []
            if self.max_points is not None and len(self.losses) > self.max_points:
                self._halve()

    def _halve(self) -> None:
        """Merge neighbouring points (all of one stride, so a plain mean is the right weight)."""
        n = len(self.losses) // 2 * 2
        merged = [finite_mean(pair) for pair in zip(self.losses[0:n:2], self.losses[1:n:2])]
        if n < len(self.losses):  # an odd point out starts the next, twice as wide, group
            self._group = [self.losses[-1]] * self._stride
        self._stride *= 2
        self.losses, self.steps = merged, self.steps[1:n:2]


@dataclass(frozen=True)
class ValPoint:
    step: int
    loss: float
    is_best: bool


class RunHistory:
    """`trainer.add_callback(history)`; read its fields from any thread (appends are atomic)."""

    def __init__(self, max_points: int | None = None):
        self.max_points = max_points  # None keeps every step (short runs: demos, tests)
        self.curve = BoundedCurve(max_points)  # the training loss by step
        self.val: list[ValPoint] = []
        self.samples: list[tuple[int, str]] = []  # (step, sample) the trainer drew at evaluations
        self.warnings: list[str] = []
        self.last: StepEvent | None = None
        self.done: DoneEvent | None = None
        self.paused = False  # as the trainer last reported between steps
        self.tokens = 0  # characters trained on so far, in this run
        self._recent: deque[tuple[float, int]] = deque()  # (elapsed, tokens so far)

    @property
    def steps(self) -> list[int]:
        """The step each point of `losses` ends at (the last of its group)."""
        return self.curve.steps

    @property
    def losses(self) -> list[float]:
        """The training loss per step, or per group of steps on a long run; nan where a step was skipped."""
        return self.curve.losses

    def __call__(self, event: TrainEvent) -> None:
        if isinstance(event, StepEvent):
            self._record_step(event)
        elif isinstance(event, EvalEvent):
            self.val.append(ValPoint(event.step, event.val_loss, event.is_best))
            if event.sample:
                self.samples.append((event.step, event.sample))
        elif isinstance(event, WarningEvent):
            self.warnings.append(event.message)
        elif isinstance(event, StateEvent):
            self.paused = event.state == "paused"
        elif isinstance(event, DoneEvent):
            self.done = event
            self.paused = False

    def _record_step(self, event: StepEvent) -> None:
        self.last = event
        self.tokens += event.tokens
        recent = self._recent
        recent.append((event.elapsed, self.tokens))
        while len(recent) > 2 and recent[-1][0] - recent[0][0] > THROUGHPUT_WINDOW:
            recent.popleft()
        self.curve.add(event.step, event.loss)

    # ------------------------------------------------------------------ derived figures

    @property
    def step(self) -> int:
        return 0 if self.last is None else self.last.step

    @property
    def best_val_loss(self) -> float | None:
        finite = [p.loss for p in self.val if math.isfinite(p.loss)]
        return min(finite) if finite else None

    @property
    def tokens_per_second(self) -> float:
        """Over the last THROUGHPUT_WINDOW seconds of training (pauses excluded)."""
        recent = self._recent
        if len(recent) >= 2 and recent[-1][0] > recent[0][0]:
            (t0, n0), (t1, n1) = recent[0], recent[-1]
            return (n1 - n0) / (t1 - t0)
        last = self.last
        return 0.0 if last is None else last.tokens_per_second

    @property
    def seconds(self) -> float:
        """Training seconds so far (pauses excluded)."""
        if self.done is not None:
            return self.done.elapsed
        return 0.0 if self.last is None else self.last.elapsed

    def eta_seconds(self) -> float | None:
        """Training seconds left to the step or time limit at the pace so far; None without a limit."""
        last = self.last
        if self.done is not None or last is None or last.progress is None or last.progress < MIN_PROGRESS_FOR_ETA:
            return None
        return last.elapsed * (1.0 - last.progress) / last.progress


def finite_mean(values) -> float:
    """Mean of the finite values (a skipped step must not hide its neighbours), nan if none."""
    finite = [x for x in values if math.isfinite(x)]
    return sum(finite) / len(finite) if finite else math.nan
