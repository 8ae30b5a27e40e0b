"""One training run for the app: a Trainer driven from a thread worker, reporting by messages.

The training thread only ever appends to `history` and calls `post`; the UI thread reads
`history`, asks for `snapshot()` and sends pause/stop/settings through the Trainer's thread-safe
controls. Nothing here touches a widget. torch is imported inside `run()`, in the worker thread,
so building the run (and opening the app) stays torch-free and the UI never waits for the import.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from rnntui.engine.config import ModelConfig
from rnntui.engine.corpus import Corpus
from rnntui.engine.train_config import TrainConfig
from rnntui.engine.train_events import DoneEvent, EvalEvent, StateEvent, StepEvent, WarningEvent
from rnntui.errors import RnntuiError
from rnntui.tui.training.messages import (
    TrainingEvaluated,
    TrainingFinished,
    TrainingProblem,
    TrainingProgress,
    TrainingStarted,
    TrainingStateChanged,
)

PROGRESS_INTERVAL = 0.1  # seconds between progress messages: ~10 per second, whatever the step rate
THROUGHPUT_WINDOW = 2.0  # seconds of recent steps that the shown tokens/s averages over
_run_ids = itertools.count(1)


@dataclass
class History:
    """Everything the curve needs, appended by the training thread (list.append is atomic)."""

    steps: list[int] = field(default_factory=list)
    losses: list[float] = field(default_factory=list)  # nan where the step was skipped
    val_steps: list[int] = field(default_factory=list)
    val_losses: list[float] = field(default_factory=list)
    last: StepEvent | None = None  # the latest step, as the trainer reported it
    tokens_per_second: float = 0.0  # over the last THROUGHPUT_WINDOW seconds of training
    best_val_loss: float | None = None


class TrainingRun:
    """`run()` in a worker thread; every other method from the UI thread."""

    def __init__(self, config: TrainConfig, corpus: Corpus, post: Callable[[object], object],
                 should_stop: Callable[[], bool] = lambda: False):
        self.id = next(_run_ids)
        self.config = config
        self.corpus = corpus
        self.post = post  # App.post_message: thread-safe
        self.should_stop = should_stop  # e.g. the worker's is_cancelled, checked every step
        self.history = History()
        self.trainer = None  # built inside run(): building imports torch
        self.state = "starting"  # starting | running | paused | finished
        self.done: DoneEvent | None = None
        self.model_config: ModelConfig | None = None
        self.vocab_chars: list[str] = []
        self.probe_text = ""
        self._stop_requested = False
        self._pause_requested = False
        self._control = threading.Lock()  # orders stop/pause requests against the trainer's creation
        self._last_post = 0.0
        self._recent: deque[tuple[float, int]] = deque()  # (training seconds, step) for tokens/s
        self.tokens_per_step = 0  # characters trained on per step (streams × sequence length)

    # ------------------------------------------------------------------ the worker thread

    def run(self) -> DoneEvent | None:
        """Build the Trainer and train until a limit, a stop or a failure; never raises RnntuiError."""
        try:
            from rnntui.engine.trainer import Trainer

            trainer = Trainer(self.config, self.corpus)
        except RnntuiError as error:
            self.state = "finished"
            self.post(TrainingFinished(self, f"training could not start: {error}", failed=True))
            return None
        self.model_config = trainer.model_config
        self.vocab_chars = list(trainer.vocab.chars)
        self.probe_text = trainer.probe_text
        self.tokens_per_step = trainer.train_data.streams * trainer.train_data.seq_len
        trainer.add_callback(self._on_event)
        with self._control:
            self.trainer = trainer
            if self._pause_requested:
                trainer.pause()
            if self._stop_requested:
                trainer.stop()
        self.state = "paused" if trainer.paused else "running"
        self.post(TrainingStarted(self))
        done = trainer.run()
        self.done = done
        self.state = "finished"
        self.post(TrainingFinished(self, done.message, failed=done.failed))
        return done

    def _on_event(self, event) -> None:
        """The Trainer's callback, in the training thread: record, throttle, post. Keep it quick."""
        if isinstance(event, StepEvent):
            self._record_step(event)
            if self.should_stop():
                self.stop()
            now = time.monotonic()
            if now - self._last_post >= PROGRESS_INTERVAL:
                self._last_post = now
                self.post(TrainingProgress(self))
        elif isinstance(event, EvalEvent):
            history = self.history
            history.val_steps.append(event.step)
            history.val_losses.append(event.val_loss)
            history.best_val_loss = event.best_val_loss
            self.post(TrainingEvaluated(self, event.step, event.val_loss, event.is_best))
        elif isinstance(event, WarningEvent):
            # Pause at once, in the training thread: the next step must not run on the bad settings.
            self.pause()
            self.post(TrainingProblem(self, problem_text(event, self.settings)))
        elif isinstance(event, StateEvent):
            self.state = event.state
            self.post(TrainingStateChanged(self, event.state))
        elif isinstance(event, DoneEvent):
            self.post(TrainingProgress(self))  # the last steps, whatever the throttle says

    def _record_step(self, event: StepEvent) -> None:
        history = self.history
        history.steps.append(event.step)
        history.losses.append(event.loss)
        history.last = event
        recent = self._recent
        recent.append((event.elapsed, event.step))
        while len(recent) > 2 and recent[-1][0] - recent[0][0] > THROUGHPUT_WINDOW:
            recent.popleft()
        (t0, s0), (t1, s1) = recent[0], recent[-1]
        if t1 > t0:
            history.tokens_per_second = self.tokens_per_step * (s1 - s0) / (t1 - t0)
        else:
            history.tokens_per_second = event.tokens_per_second

    # ------------------------------------------------------------------ the UI thread

    @property
    def started(self) -> bool:
        """The model exists (torch loaded, data cut): weights can be read and settings changed."""
        return self.trainer is not None

    @property
    def active(self) -> bool:
        """Started and not finished (running or paused)."""
        return self.state != "finished"

    @property
    def step(self) -> int:
        last = self.history.last
        return 0 if last is None else last.step

    def pause(self) -> None:
        with self._control:
            self._pause_requested = True
            if self.trainer is not None:
                self.trainer.pause()

    def resume(self) -> None:
        with self._control:
            self._pause_requested = False
            if self.trainer is not None:
                self.trainer.resume_training()

    def stop(self) -> None:
        """Ask the run to end after the current step; safe before the trainer exists."""
        with self._control:
            self._stop_requested = True
            if self.trainer is not None:
                self.trainer.stop()

    @property
    def paused(self) -> bool:
        """Paused by the person (t) or by the run itself after a nan/inf or divergence."""
        with self._control:
            return self._pause_requested if self.trainer is None else self.trainer.paused

    def update_settings(self, **changes) -> None:
        """lr / clip_mode / clip for the next step; invalid values raise RnntuiError, change nothing."""
        if self.trainer is None:
            raise RnntuiError("training is still starting: try again in a moment")
        self.trainer.update_settings(**changes)

    @property
    def settings(self):
        return None if self.trainer is None else self.trainer.settings

    def snapshot(self) -> tuple[int, dict[str, np.ndarray]] | None:
        """(step, float32 copies of the current weights), or None before the trainer exists."""
        return None if self.trainer is None else self.trainer.snapshot()

    def want_snapshot(self) -> None:
        """Ask for fresher weights than snapshot() gave (a TrainingProgress follows); here they always are."""

    def eta_seconds(self) -> float | None:
        """Training seconds left to the step or time limit, from the pace so far; None without one."""
        last = self.history.last
        if last is None or last.progress is None or last.progress <= 0:
            return None
        return last.elapsed * (1.0 - last.progress) / last.progress

    def checkpoint_metadata(self, step: int) -> dict[str, str]:
        """What a checkpoint of the weights of `step` records besides them (as the CLI does)."""
        best = self.history.best_val_loss
        return {"train_config": self.config.to_json(), "step": str(step), "corpus": self.corpus.name,
                "best_val_loss": json.dumps(best)}


def problem_text(event: WarningEvent, settings) -> str:
    """The trainer's warning, what the app did about it, and which keys to try."""
    advice = []
    if settings.clip_mode == "off":
        advice.append("k turns clipping on")
    advice.append(f"L lowers the learning rate (now {settings.lr:g})")
    return f"paused: {event.message}. {'; '.join(advice)}; t resumes from the last good weights"
