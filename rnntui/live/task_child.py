"""The training process of a live task or series run: the experiment's own loop, watched through its hook.

The main thread runs `train_on_task` (or `train_series`) with an `on_step` hook that, between two
Adam steps: waits while paused, ends the run on Stop, on success or on a loss that is no longer
finite (restoring the last weights whose loss was finite), checks the held-out data within a
share of the wall time, and reports the loss and the weights a few times a second. A commands
thread obeys the app; the parent watch and the sender come from `plumbing.ChildPlumbing`.
torch is imported here, in the child, never in the app's process.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import replace

import numpy as np

from rnntui.engine.series.forecast import prepare
from rnntui.engine.tasks import make_task, score
from rnntui.errors import RnntuiError
from rnntui.i18n import t
from rnntui.live.plumbing import ChildPlumbing, started_as_child
from rnntui.live.protocol import Pause, Resume, StartFailed, Stop
from rnntui.live.task_protocol import (
    Job,
    SeriesForecast,
    SeriesJob,
    TaskCheck,
    TaskDone,
    TaskProgress,
    TaskStarted,
)

REPORT_INTERVAL = 0.25  # seconds between progress reports at most
CHECK_INTERVAL = 0.5  # seconds between checks of the held-out data at best (tiny test sets)
# Checks may take at most this share of the wall time: a task's test set is 2,560 sequences, and
# scoring it often would slow the training it reports on.
CHECK_DUTY = 0.1


def task_child_main(job: Job, commands, reports, parent_pid: int) -> None:
    """Entry point of the spawned process."""
    started_as_child()
    TaskChild(commands, reports, parent_pid).run(job)


def constant_loss(head: str, targets: np.ndarray) -> float:
    """The training loss of the best constant prediction on `targets` (nan / -1 where there is none):
    the targets' variance for a linear head, the entropy of their classes for a softmax head."""
    if head == "linear":
        valid = targets[~np.isnan(targets).any(axis=-1)]
        return float(np.mean((valid - valid.mean(axis=0)) ** 2))
    counts = np.bincount(targets[targets >= 0])
    p = counts[counts > 0] / counts.sum()
    return float(-(p * np.log(p)).sum())


class TaskLoop:
    """A paper task: `train_on_task` with its test set, checked by the paper's criterion."""

    def __init__(self, job):
        from rnntui.train.task_runs import TaskRunConfig, build_model, model_config, test_set

        self.task = make_task(job.name, job.setting)
        defaults = TaskRunConfig()
        # The loop's own checks are replaced by ours, paced by the wall time (the hook ends the run).
        self.run = replace(defaults, cell=job.cell, seed=job.seed, eval_every=2**62,
                           hidden_size=job.hidden_size or defaults.hidden_size, lr=job.lr or defaults.lr,
                           max_sequences=job.max_sequences or defaults.max_sequences)
        self.test = test_set(self.task, self.run.test_size)
        self.model_config = model_config(self.task, self.run)
        self.initial = build_model(self.task, self.run).state_dict()  # the loop builds the same from the seed
        self.batch_size = self.run.batch_size
        self.budget = self.run.max_sequences
        self.test_size = self.run.test_size
        self.baseline_loss = constant_loss(self.task.kind.head, self.test.targets)
        self.success_line = self.task.kind.success_fraction

    def sequences(self, reported: int) -> int:
        return reported  # the hook already counts sequences

    def train(self, on_step):
        from rnntui.train.task_runs import train_on_task

        return train_on_task(self.task, self.run, self.test, on_step=on_step)

    def check(self, model, sequences: int, seconds: float) -> TaskCheck:
        from rnntui.train.task_runs import judged_outputs

        model.eval()
        result = score(self.task, judged_outputs(model, self.task, self.test), self.test)
        model.train()
        return TaskCheck(sequences, seconds, result, None)

    def final_check(self, result, sequences: int, seconds: float) -> TaskCheck:
        return TaskCheck(sequences, seconds, result.final, None)


class SeriesLoop:
    """A series: `train_series` on windows of its changes, judged against persistence on its end."""

    def __init__(self, job: SeriesJob):
        from rnntui.engine.config import ModelConfig
        from rnntui.train.series_runs import SeriesRunConfig

        defaults = SeriesRunConfig()
        self.run = replace(defaults, cell=job.cell, seed=job.seed,
                           hidden_size=job.hidden_size or defaults.hidden_size, lr=job.lr or defaults.lr,
                           steps=job.steps or defaults.steps)
        self.prepared = prepare(job.values, job.test_points, job.log)
        self.model_config = ModelConfig(cell=self.run.cell, hidden_size=self.run.hidden_size, vocab_size=1,
                                        input_dim=1, head="linear")
        self.initial = None  # train_series keeps the weights that validate best, finite ones included
        self.batch_size = self.run.batch_size
        self.budget = self.run.steps * self.run.batch_size
        self.test_size = job.test_points
        seen = self.prepared.changes[: self.prepared.test_start - 1]
        self.baseline_loss = float(np.mean(seen ** 2))  # predicting a change of zero: persistence
        self.success_line = 1.0

    def sequences(self, reported: int) -> int:
        return reported * self.batch_size  # the hook counts steps; each trains on a batch of windows

    def train(self, on_step):
        from rnntui.train.series_runs import train_series

        return train_series(self.prepared, self.run, on_step=on_step)

    def check(self, model, sequences: int, seconds: float) -> TaskCheck:
        from rnntui.train.series_runs import forecast_scores

        return TaskCheck(sequences, seconds, None, SeriesForecast(*forecast_scores(model, self.prepared)))

    def final_check(self, result, sequences: int, seconds: float) -> TaskCheck:
        forecast = SeriesForecast(result.one_step, result.free_running, result.predictions, result.forecast)
        return TaskCheck(sequences, seconds, None, forecast)


class TaskChild(ChildPlumbing):
    """The child's threads around one `TaskLoop` or `SeriesLoop`: the loop's hook and the commands."""

    def __init__(self, commands, reports, parent_pid: int):
        super().__init__(commands, reports, parent_pid)
        self._running = threading.Event()  # cleared while paused
        self._running.set()
        self._stop = False
        self._losses: list[float] = []  # since the last report
        self._check: TaskCheck | None = None  # made since the last report
        self._last_report = 0.0
        self._next_check = 0.0
        self._paused_seconds = 0.0
        self._started = 0.0
        self._good = None  # (sequences, state dict): the last weights whose loss was finite
        self._candidate = None  # the weights the next step's loss is computed on
        self._ended: tuple[str, str] | None = None  # (reason, message) once the hook ends the run
        self._sequences = 0  # training sequences seen
        self._model = None  # the model being trained, as the hook last saw it
        self.loop: TaskLoop | SeriesLoop | None = None

    # ------------------------------------------------------------------ commands

    def obey(self) -> None:
        while True:
            command = self.receive()
            if isinstance(command, Pause):
                self._running.clear()
            elif isinstance(command, Resume):
                self._running.set()
            elif isinstance(command, Stop):
                self._stop = True
                self._running.set()

    # ------------------------------------------------------------------ main thread

    def run(self, job: Job) -> None:
        self.serve(lambda: self.train(job))

    def train(self, job: Job) -> None:
        import torch

        torch.set_num_threads(1)  # a model of a few thousand weights: more threads only wait on each other
        try:
            loop = SeriesLoop(job) if isinstance(job, SeriesJob) else TaskLoop(job)
        except (RnntuiError, MemoryError) as error:
            self.send(StartFailed(str(error) or type(error).__name__))
            return
        self.loop = loop
        self.send(TaskStarted(loop.model_config, loop.batch_size, loop.budget, loop.test_size, loop.baseline_loss,
                              loop.success_line))
        if loop.initial is not None:
            self._candidate = (0, {k: v.clone() for k, v in loop.initial.items()})
        threading.Thread(target=self.obey, name="commands", daemon=True).start()
        self._started = time.monotonic()
        try:
            result = loop.train(self.on_step)
        except (RuntimeError, MemoryError, RnntuiError) as error:  # torch's own failures included
            self.send(TaskDone(self._sequences, self.seconds(), "error",
                               t("tasklive.done.error", error=str(error).splitlines()[0] if str(error) else
                                 type(error).__name__), None, None))
            return
        sequences, seconds, model = self._sequences, self.seconds(), self._model
        if self._losses:
            self.report(model, sequences, paused=False)  # the last steps' losses, before the end
        reason, message = self._ended or ("budget", t("tasklive.done.budget", sequences=f"{sequences:,}"))
        self.send(TaskDone(sequences, seconds, reason, message, loop.final_check(result, sequences, seconds),
                           model.numpy_params()))

    def seconds(self) -> float:
        return time.monotonic() - self._started - self._paused_seconds

    def on_step(self, reported: int, loss: float, model) -> bool:
        """Between two Adam steps: True ends the run."""
        import torch

        loop = self.loop
        self._model = model
        sequences = self._sequences = loop.sequences(reported)
        if math.isfinite(loss) and self._candidate is not None:
            self._good = self._candidate  # the weights this step started from gave a finite loss
        if not math.isfinite(loss):
            return self.end_non_finite(model, sequences, t("tasklive.done.loss_became", value=f"{loss:g}"))
        if not all(bool(torch.isfinite(p).all()) for p in model.parameters()):
            return self.end_non_finite(model, sequences, t("tasklive.done.weights_became"))
        if loop.initial is not None:
            self._candidate = (sequences, {k: v.detach().clone() for k, v in model.state_dict().items()})
        self._losses.append(loss)
        now = time.monotonic()
        if now >= self._next_check:
            start = time.perf_counter()
            self._check = loop.check(model, sequences, self.seconds())
            cost = time.perf_counter() - start
            self._next_check = time.monotonic() + max(CHECK_INTERVAL, cost / CHECK_DUTY)
            if self._check.score is not None and self._check.score.success:
                self._ended = ("solved", t("tasklive.done.solved", sequences=f"{sequences:,}"))
                return True
        if self._stop:
            self._ended = ("stopped", t("tasklive.done.stopped", sequences=f"{sequences:,}"))
            return True
        if not self._running.is_set():
            self.report(model, sequences, paused=True)
            waited = time.monotonic()
            self._running.wait()
            self._paused_seconds += time.monotonic() - waited
            self.report(model, sequences, paused=False)
            if self._stop:
                self._ended = ("stopped", t("tasklive.done.stopped", sequences=f"{sequences:,}"))
                return True
        elif now - self._last_report >= REPORT_INTERVAL:
            self.report(model, sequences, paused=False)
        return False

    def report(self, model, sequences: int, paused: bool) -> None:
        losses, self._losses = self._losses, []
        check, self._check = self._check, None
        self._last_report = time.monotonic()
        self.send(TaskProgress(sequences, self.seconds(), tuple(losses), check, model.numpy_params(), paused))

    def end_non_finite(self, model, sequences: int, what: str) -> bool:
        """Keep the last weights whose loss was finite and say so in one line."""
        if self._good is not None:
            kept, state = self._good
            model.load_state_dict(state)
            self._ended = ("non-finite", t("tasklive.done.non_finite", what=what, sequences=f"{sequences:,}",
                                           kept=f"{kept:,}"))
        else:  # a series: train_series goes back to its best validated weights by itself
            self._ended = ("non-finite", t("tasklive.done.non_finite_best", what=what, sequences=f"{sequences:,}"))
        return True
