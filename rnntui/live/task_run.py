"""LiveTaskRun: a paper task or a series trained in a child process, watched as a corpus run is.

The same life as `service.LiveRun` (`child_run.ChildRun`: pause, resume, stop, close, the same
events), with a task's news: `history` holds the training loss and every check of the held-out
data, `params` the latest weights (NumPy, PyTorch's names), `started` the constant baseline. When
the run ends, however it ends, the weights it keeps are saved to `save_to` (atomically, the task
or series recorded, never over an existing file) before `RunFinished` says so.
No Textual import here, and no torch: the child (`task_child`) imports it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np

from rnntui.engine.checkpoint import TASK_KEY, save_checkpoint
from rnntui.engine.paths import unused_path
from rnntui.engine.tasks import Task, make_task
from rnntui.errors import RnntuiError
from rnntui.i18n import t
from rnntui.live.child_run import ChildRun, RunEvent, RunFinished, RunProgress, RunStarted, RunState
from rnntui.live.protocol import StartFailed
from rnntui.live.task_child import task_child_main
from rnntui.live.task_protocol import Job, SeriesJob, TaskCheck, TaskDone, TaskJob, TaskProgress, TaskStarted
from rnntui.train.history import LONG_RUN_POINTS, BoundedCurve

SERIES_KEY = "series"  # checkpoint metadata: the series a model was trained on (name, log, held-out points)


class TaskHistory:
    """The training loss of every step (`BoundedCurve`: bounded memory on long runs) by training
    sequences, and every check, thinned past `max_points`."""

    def __init__(self, max_points: int = LONG_RUN_POINTS, batch_size: int = 1):
        self.max_points = max_points
        self.batch_size = batch_size  # training sequences per step
        self.curve = BoundedCurve(max_points)  # the training loss by sequences seen
        self.checks: list[TaskCheck] = []
        self.seen = 0  # training sequences so far
        self.seconds = 0.0  # training time so far, pauses excluded

    def add(self, progress: TaskProgress) -> None:
        self.seen, self.seconds = progress.sequences, progress.seconds
        last = len(progress.losses) - 1
        for k, loss in enumerate(progress.losses):
            self.curve.add(progress.sequences - (last - k) * self.batch_size, loss)
        if progress.check is not None:
            self.add_check(progress.check)

    def add_check(self, check: TaskCheck) -> None:
        self.checks.append(check)
        if len(self.checks) > self.max_points:
            self.checks = self.checks[1::2]

    @property
    def last_check(self) -> TaskCheck | None:
        return self.checks[-1] if self.checks else None

    @property
    def sequences_per_second(self) -> float | None:
        return self.seen / self.seconds if self.seconds > 0 else None


class LiveTaskRun(ChildRun):
    """One task or series run in a spawned child; every method may be called from any thread."""

    def __init__(self, job: Job, on_event: Callable[[RunEvent], None] = lambda event: None,
                 save_to: Path | None = None):
        super().__init__(on_event)
        self.job = job
        self.save_to = save_to  # where the kept weights go when the run ends (a free name beside it if taken)
        self.history = TaskHistory()
        self.started_news: TaskStarted | None = None
        self.params: dict[str, np.ndarray] | None = None  # the latest weights
        self.params_sequences = 0  # ... after this many training sequences
        self.done: TaskDone | None = None
        self.saved: Path | None = None
        self.ending = ""  # how the run ended, in one line (where it was saved included)

    @property
    def task(self) -> Task | None:
        """The paper's task trained (None for a series)."""
        job = self.job
        return make_task(job.name, job.setting) if isinstance(job, TaskJob) else None

    @property
    def test_size(self) -> int | None:
        return None if self.started_news is None else self.started_news.test_size

    @property
    def label(self) -> str:
        """What is trained, as the pane and the file names say it: `adding T=100`, `sines`."""
        task = self.task
        if task is None:
            return self.job.name
        return task.name if task.kind.setting is None else f"{task.name} {task.kind.setting}={task.setting}"

    def start(self) -> "LiveTaskRun":
        """Spawn the child. An unknown task or a setting out of range is refused here (RnntuiError)."""
        if isinstance(self.job, TaskJob):
            make_task(self.job.name, self.job.setting)
        self._spawn(task_child_main, self.job)
        return self

    # ------------------------------------------------------------------ reading

    @property
    def sequences(self) -> int:
        return self.history.seen

    def checkpoint_metadata(self) -> dict[str, str]:
        """What a checkpoint of the run's weights records besides them: the task or series, and how far it got."""
        job = self.job
        if isinstance(job, TaskJob):
            recorded = {TASK_KEY: json.dumps(self.task.to_dict())}
        else:
            recorded = {SERIES_KEY: json.dumps({"name": job.name, "log": job.log, "test_points": job.test_points})}
        solved = self.done is not None and self.done.reason == "solved"
        return recorded | {"sequences": str(self.params_sequences),
                           "solved_after": str(self.done.sequences) if solved else "None"}

    def save(self, path: Path) -> Path:
        """The latest weights as a checkpoint (format rnntui/1, atomically); RnntuiError if it cannot be."""
        path.parent.mkdir(parents=True, exist_ok=True)
        return save_checkpoint(path, self.params, self.model_config, [], self.checkpoint_metadata())

    # ------------------------------------------------------------------ the reader thread

    def _brings_progress(self, report) -> bool:
        return isinstance(report, TaskProgress)

    def _handle(self, report) -> bool:
        if isinstance(report, TaskProgress):
            self.history.add(report)
            self.params, self.params_sequences = report.params, report.sequences
            self._set_state(RunState.PAUSED if report.paused else RunState.RUNNING)
        elif isinstance(report, TaskDone):
            return self._finished(report)
        elif isinstance(report, TaskStarted):
            self.started_news, self.model_config = report, report.model_config
            self.history.batch_size = report.batch_size
            self._set_state(RunState.RUNNING)
            self.on_event(RunStarted(self.id))
        elif isinstance(report, StartFailed):
            return self._start_failed(report.message)
        return False

    def _finished(self, done: TaskDone) -> bool:
        self.done = done
        self.history.seen, self.history.seconds = done.sequences, done.seconds
        if done.check is not None:
            self.history.add_check(done.check)
        if done.params is not None:
            self.params, self.params_sequences = done.params, done.sequences
        message = done.message
        if self.save_to is not None and self.params is not None:
            try:
                self.saved = self.save(unused_path(self.save_to))
                message = t("tasklive.done.saved", message=message, path=str(self.saved))
            except (RnntuiError, OSError) as error:
                message = t("tasklive.done.not_saved", message=message, error=getattr(error, "strerror", None) or error)
        self.ending = message
        self.on_event(RunProgress(self.id))
        self._set_state(RunState.FINISHED)
        self.on_event(RunFinished(self.id, message, failed=done.failed, started=True))
        return True
