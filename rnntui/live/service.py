"""LiveRun: one training run in a child process, driven by plain method calls, seen through events.

No UI here: the app, a test or a script creates a `LiveRun(config, corpus, on_event)`, calls
`start()`, and from then on `pause()`, `resume()`, `stop()`, `update_settings()` and `watch()`
from any thread. A reader thread turns the child's reports into `RunEvent`s for `on_event`
(called in that thread; keep it quick) and is the only writer of `state`.

The child is the only backend: training in a thread of the app shares one interpreter lock with
the UI, and keys pressed while it trained lagged several times longer (bench/ui_training.py).
"""

from __future__ import annotations

import itertools
import json
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import Enum

from rnntui.engine.config import ModelConfig
from rnntui.engine.corpus import Corpus
from rnntui.train.train_config import TrainConfig, TrainSettings
from rnntui.train.train_events import DoneEvent, EvalEvent, StateEvent, StepEvent, WarningEvent
from rnntui.errors import CorpusError
from rnntui.live.child import child_main
from rnntui.train.history import LONG_RUN_POINTS, RunHistory
from rnntui.live.protocol import (
    ChangeSettings,
    Pause,
    Resume,
    Sample,
    SettingsApplied,
    Started,
    StartFailed,
    Stop,
    Trained,
    View,
    Watch,
)

PROGRESS_INTERVAL = 0.1  # seconds between RunProgress events, whatever the step rate
STOP_GRACE = 10.0  # seconds close() lets a stopped child finish its step before killing it
# A view is megabytes; through the default 64 KB pipe the reader takes the interpreter lock
# once per 64 KB, and each time may wait for the UI thread to let go of it.
PIPE_BYTES = 1 << 20
_run_ids = itertools.count(1)


class RunState(Enum):
    STARTING = "starting"  # the child is importing torch and cutting the data
    RUNNING = "running"
    PAUSED = "paused"  # by a pause() or by the run itself (nan/inf, divergence)
    FINISHED = "finished"  # a limit, a stop, a failure, or the child died


# ---------------------------------------------------------------------- what on_event receives


@dataclass(frozen=True)
class RunEvent:
    run_id: int  # the LiveRun that sent it: a receiver drops an earlier run's news

    def can_replace(self, waiting: "RunEvent") -> bool:
        """Whether this event makes `waiting` (not yet handled) worth dropping: only news that
        says "read the run's latest state again" does, and only of the same kind and run."""
        return False


class Supersedes:
    """Mixed into events a receiver answers by reading the run's latest state: a newer one
    replaces a waiting one of its kind and run, so a slow receiver never works through stale ones."""

    def can_replace(self, waiting: RunEvent) -> bool:
        return type(waiting) is type(self) and waiting.run_id == self.run_id


@dataclass(frozen=True)
class RunStarted(RunEvent):
    pass


@dataclass(frozen=True)
class RunProgress(Supersedes, RunEvent):
    """New steps are in `history` (at most every PROGRESS_INTERVAL; the latest state is always read)."""


@dataclass(frozen=True)
class RunEvaluated(RunEvent):
    step: int
    val_loss: float
    is_best: bool


@dataclass(frozen=True)
class RunProblem(RunEvent):
    """The run paused itself: `message` says what happened (nan/inf, divergence)."""

    kind: str
    message: str


@dataclass(frozen=True)
class RunStateChanged(RunEvent):
    state: RunState


@dataclass(frozen=True)
class RunSettingsApplied(RunEvent):
    from_step: int  # the first step trained with them
    settings: TrainSettings


@dataclass(frozen=True)
class RunView(Supersedes, RunEvent):
    """The latest weights drawn (a waiting one is replaced by a newer one: only the newest is shown)."""

    view: View


@dataclass(frozen=True)
class RunSample(RunEvent):
    sample: Sample


@dataclass(frozen=True)
class RunFinished(RunEvent):
    message: str  # one line
    failed: bool
    started: bool  # False: the trainer was never built (nothing to save or show)


@dataclass(frozen=True)
class RunSnapshot:
    """The run as its owner sees it now."""

    state: RunState
    step: int  # steps trained
    settings: TrainSettings
    view: View | None  # the latest weights drawn, with their step (exact while paused or finished)


def check_trainable(config: TrainConfig, corpus: Corpus) -> None:
    """Refuse, before any process starts, a corpus whose training part cannot fill one window."""
    train_text, _ = corpus.split(config.val_fraction)
    if len(train_text) < config.seq_len + 1:
        raise CorpusError(
            f"corpus {corpus.name!r} is too short to train on: its training part has {len(train_text)} "
            f"characters and one window needs {config.seq_len + 1}. Choose a longer text, or a "
            f"sequence length below {max(1, len(train_text))}")


class LiveRun:
    """One training run in a spawned child; every method may be called from any thread."""

    def __init__(self, config: TrainConfig, corpus: Corpus,
                 on_event: Callable[[RunEvent], None] = lambda event: None,
                 watch: Watch | None = None, history_points: int | None = LONG_RUN_POINTS):
        self.id = next(_run_ids)
        self.config = config
        self.corpus = corpus
        self.on_event = on_event
        self.history = RunHistory(history_points)
        self.settings = TrainSettings(config.lr, config.clip_mode, config.clip)
        self.watched = watch or Watch("", config.clip_mode, config.clip)
        self.model_config: ModelConfig | None = None
        self.vocab: tuple[str, ...] = ()
        self.probe_text = ""
        self.view: View | None = None  # the latest View with weights in it
        self.done: DoneEvent | None = None
        self.failure: str | None = None  # why the run ended abnormally, if it did
        self._state = RunState.STARTING  # written only by _set_state, in the reader thread
        self._pause_wanted: bool | None = None  # a pause/resume sent and not yet confirmed
        self._process = None
        self._commands = None
        self._reader: threading.Thread | None = None
        self._send_lock = threading.Lock()

    # ------------------------------------------------------------------ control

    def start(self) -> "LiveRun":
        """Spawn the child. A corpus too short to train is refused here (CorpusError), nothing started."""
        check_trainable(self.config, self.corpus)
        start_resource_tracker()
        ctx = multiprocessing.get_context("spawn")  # a fresh interpreter: no copied threads or locks
        commands_in, commands_out = ctx.Pipe(duplex=False)
        reports_in, reports_out = ctx.Pipe(duplex=False)
        widen_pipe(reports_in)
        corpus = (self.corpus.name, self.corpus.text, self.corpus.description)
        process = ctx.Process(target=child_main, name="rnntui-training", daemon=True,
                              args=(self.config.to_json(), corpus, commands_in, reports_out, os.getpid(),
                                    self.watched))
        process.start()
        # Our copies of the child's ends must go: its death then reads as end-of-file at once.
        commands_in.close()
        reports_out.close()
        self._process, self._commands = process, commands_out
        self._reader = threading.Thread(target=self._read, args=(reports_in,), name=f"run {self.id} reader",
                                        daemon=True)
        self._reader.start()
        return self

    def pause(self) -> None:
        self._pause_wanted = True
        self._send(Pause())

    def resume(self) -> None:
        self._pause_wanted = False
        self._send(Resume())

    def stop(self) -> None:
        """End after the current step; the last View and the DoneEvent follow."""
        self._send(Stop())

    def update_settings(self, **changes) -> TrainSettings:
        """lr / clip_mode / clip from the next step on; a bad value raises RnntuiError and sends nothing."""
        settings = replace(self.settings, **changes)  # validates
        self.settings = settings
        self._send(ChangeSettings(settings.lr, settings.clip_mode, settings.clip))
        return settings

    def watch(self, watch: Watch) -> None:
        """What Views show and how samples stream; a View of it follows soon, even while paused."""
        self.watched = watch
        self._send(watch)

    def close(self, grace: float = STOP_GRACE) -> None:
        """Stop the run and make sure the child is gone (killed after `grace` seconds)."""
        process = self._process
        if process is None:
            return
        self.stop()
        process.join(grace)
        if process.is_alive():
            process.kill()
            process.join(1.0)
        if self._reader is not None and self._reader is not threading.current_thread():
            self._reader.join(2.0)
        with self._send_lock:
            if self._commands is not None:
                self._commands.close()
                self._commands = None

    def kill(self) -> None:
        """SIGKILL the child (tests and the bench use it to check that a death is reported)."""
        if self._process is not None and self._process.pid:
            os.kill(self._process.pid, signal.SIGKILL)

    # ------------------------------------------------------------------ reading

    @property
    def state(self) -> RunState:
        return self._state

    @property
    def active(self) -> bool:
        return self._state is not RunState.FINISHED

    @property
    def started(self) -> bool:
        """The model exists in the child (its config and vocabulary are known here)."""
        return self.model_config is not None

    @property
    def paused(self) -> bool:
        """Paused, or asked to pause and not yet confirmed (a key's effect shows at once)."""
        if not self.active:
            return False
        wanted = self._pause_wanted
        return wanted if wanted is not None else self._state is RunState.PAUSED

    @property
    def step(self) -> int:
        return self.history.step

    @property
    def pid(self) -> int | None:
        return None if self._process is None else self._process.pid

    def snapshot(self) -> RunSnapshot:
        return RunSnapshot(self._state, self.step, self.settings, self.view)

    def checkpoint_metadata(self, step: int) -> dict[str, str]:
        """What a checkpoint of the weights of `step` records besides them (as the CLI does)."""
        return {"train_config": self.config.to_json(), "step": str(step), "corpus": self.corpus.name,
                "best_val_loss": json.dumps(self.history.best_val_loss)}

    # ------------------------------------------------------------------ the reader thread

    def _send(self, command) -> None:
        with self._send_lock:
            if self._commands is None or self._state is RunState.FINISHED:
                return
            try:
                self._commands.send(command)
            except (BrokenPipeError, ConnectionError, OSError):
                pass  # the child is gone; the reader reports it

    def _set_state(self, state: RunState) -> None:
        if state is not self._state:
            self._state = state
            if self._pause_wanted is not None and self._pause_wanted == (state is RunState.PAUSED):
                self._pause_wanted = None
            self.on_event(RunStateChanged(self.id, state))

    def _read(self, reports) -> None:
        ended = False
        dirty = False  # steps arrived that no RunProgress announced yet
        last_progress = 0.0
        try:
            while not ended:
                if reports.poll(PROGRESS_INTERVAL if dirty else 0.5):
                    report = reports.recv()
                    if isinstance(report, Trained):
                        dirty = True
                    ended = self._handle(report)
                elif not self._process.is_alive() and not reports.poll(0):
                    break
                if dirty and (ended or time.monotonic() - last_progress >= PROGRESS_INTERVAL):
                    dirty = False
                    last_progress = time.monotonic()
                    self.on_event(RunProgress(self.id))
        except (EOFError, OSError):
            pass  # the child died: its end of the pipe closed
        finally:
            reports.close()
        if not ended:
            self._process.join(1.0)
            self.failure = f"the training process ended unexpectedly ({exit_description(self._process.exitcode)})"
            self._pause_wanted = None
            self._set_state(RunState.FINISHED)
            self.on_event(RunFinished(self.id, self.failure, failed=True, started=self.started))
        else:
            self._process.join(STOP_GRACE)

    def _handle(self, report) -> bool:
        """Act on one report; True when it ends the run."""
        if isinstance(report, Trained):
            return self._trained(report.events)
        if isinstance(report, View):
            if report.session is not None:
                self.view = report
            self.on_event(RunView(self.id, report))
        elif isinstance(report, Sample):
            self.on_event(RunSample(self.id, report))
        elif isinstance(report, SettingsApplied):
            settings = TrainSettings(report.lr, report.clip_mode, report.clip)
            self.on_event(RunSettingsApplied(self.id, report.from_step, settings))
        elif isinstance(report, Started):
            self.model_config, self.vocab, self.probe_text = report.model_config, report.vocab, report.probe_text
            self._set_state(RunState.RUNNING)
            self.on_event(RunStarted(self.id))
        elif isinstance(report, StartFailed):
            self.failure = report.message
            self._set_state(RunState.FINISHED)
            self.on_event(RunFinished(self.id, f"training could not start: {report.message}", failed=True,
                                      started=False))
            return True
        return False

    def _trained(self, events) -> bool:
        history = self.history
        for event in events:
            history(event)
            if isinstance(event, StepEvent):
                continue
            if isinstance(event, EvalEvent):
                self.on_event(RunEvaluated(self.id, event.step, event.val_loss, event.is_best))
            elif isinstance(event, WarningEvent):
                self.on_event(RunProblem(self.id, event.kind, event.message))
            elif isinstance(event, StateEvent):
                self._set_state(RunState.PAUSED if event.state == "paused" else RunState.RUNNING)
            elif isinstance(event, DoneEvent):
                self.done = event
                self.on_event(RunProgress(self.id))
                self._set_state(RunState.FINISHED)
                self.on_event(RunFinished(self.id, event.message, failed=event.failed, started=True))
                return True
        return False


def widen_pipe(connection) -> None:
    """Ask Linux for a PIPE_BYTES pipe; elsewhere, or above the system's limit, the default works."""
    try:
        import fcntl

        fcntl.fcntl(connection.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)
    except (ImportError, AttributeError, OSError):
        pass


def exit_description(code: int | None) -> str:
    if code is None:
        return "still running"
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"


def start_resource_tracker() -> None:
    """Start multiprocessing's resource tracker with the real stderr. While Textual runs,
    sys.stderr is its capture, whose fileno() is -1, and spawning the tracker with it fails
    ("bad value(s) in fds_to_keep")."""
    from multiprocessing import resource_tracker

    captured = sys.stderr
    sys.stderr = sys.__stderr__
    try:
        resource_tracker.ensure_running()
    finally:
        sys.stderr = captured
