"""A run in a spawned child process, seen from the app's side: the process, its two pipes, the
reader thread, the run's state, and the events every kind of live run reports.

`ChildRun` is the part every live run shares (a corpus run, `service.LiveRun`; a task or series
run, `task_run.LiveTaskRun`): spawning, pause / resume / stop, closing with a grace period, and a
reader thread that is the only writer of `state` and notices a dead child at once (its end of the
pipe closes). A subclass says what the child runs and what its reports mean (`_handle`).
No Textual import here, and no torch: the child imports it.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import signal
import sys
import threading
import time
from dataclasses import dataclass
from enum import Enum

from rnntui.engine.config import ModelConfig
from rnntui.i18n import t
from rnntui.live.protocol import Pause, Resume, Stop

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
class RunProblem(RunEvent):
    """The run paused itself: `message` says what happened (nan/inf, divergence)."""

    kind: str
    message: str


@dataclass(frozen=True)
class RunStateChanged(RunEvent):
    state: RunState


@dataclass(frozen=True)
class RunFinished(RunEvent):
    message: str  # one line
    failed: bool
    started: bool  # False: the trainer was never built (nothing to save or show)


class ChildRun:
    """The life of one child process; every public method may be called from any thread."""

    def __init__(self, on_event):
        self.id = next(_run_ids)
        self.on_event = on_event
        self.model_config: ModelConfig | None = None  # known once the child has built the model
        self.failure: str | None = None  # why the run ended abnormally, if it did
        self._state = RunState.STARTING  # written only by _set_state, in the reader thread
        self._pause_wanted: bool | None = None  # a pause/resume sent and not yet confirmed
        self._process = None
        self._commands = None
        self._reader: threading.Thread | None = None
        self._send_lock = threading.Lock()

    # ------------------------------------------------------------------ what a subclass says

    def _handle(self, report) -> bool:
        """Act on one report (in the reader thread); True when it ends the run."""
        raise NotImplementedError

    def _brings_progress(self, report) -> bool:
        """Whether `report` holds new training progress (announced by a throttled RunProgress)."""
        return False

    # ------------------------------------------------------------------ control

    def _spawn(self, target, *args) -> None:
        """Start `target(*args, commands, reports, parent_pid)` in a fresh interpreter and read its reports."""
        start_resource_tracker()
        ctx = multiprocessing.get_context("spawn")  # a fresh interpreter: no copied threads or locks
        commands_in, commands_out = ctx.Pipe(duplex=False)
        reports_in, reports_out = ctx.Pipe(duplex=False)
        widen_pipe(reports_in)
        process = ctx.Process(target=target, name="rnntui-training", daemon=True,
                              args=(*args, commands_in, reports_out, os.getpid()))
        process.start()
        # Our copies of the child's ends must go: its death then reads as end-of-file at once.
        commands_in.close()
        reports_out.close()
        self._process, self._commands = process, commands_out
        self._reader = threading.Thread(target=self._read, args=(reports_in,), name=f"run {self.id} reader",
                                        daemon=True)
        self._reader.start()

    def pause(self) -> None:
        self._pause_wanted = True
        self._send(Pause())

    def resume(self) -> None:
        self._pause_wanted = False
        self._send(Resume())

    def stop(self) -> None:
        """End after the current step; the last weights and the news that the run ended follow."""
        self._send(Stop())

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
        """The model exists in the child (its config is known here)."""
        return self.model_config is not None

    @property
    def paused(self) -> bool:
        """Paused, or asked to pause and not yet confirmed (a key's effect shows at once)."""
        if not self.active:
            return False
        wanted = self._pause_wanted
        return wanted if wanted is not None else self._state is RunState.PAUSED

    @property
    def pid(self) -> int | None:
        return None if self._process is None else self._process.pid

    # ------------------------------------------------------------------ the reader thread

    def _start_failed(self, message: str) -> bool:
        """The child could not build its model (`message` says why in one line): the run is over."""
        self.failure = message
        self._set_state(RunState.FINISHED)
        self.on_event(RunFinished(self.id, t("live.not_started", message=message), failed=True, started=False))
        return True

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
        dirty = False  # progress arrived that no RunProgress announced yet
        last_progress = 0.0
        try:
            while not ended:
                if reports.poll(PROGRESS_INTERVAL if dirty else 0.5):
                    report = reports.recv()
                    dirty = dirty or self._brings_progress(report)
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
            self.failure = t("live.ended", how=exit_description(self._process.exitcode))
            self._pause_wanted = None
            self._set_state(RunState.FINISHED)
            self.on_event(RunFinished(self.id, self.failure, failed=True, started=self.started))
        else:
            self._process.join(STOP_GRACE)


def widen_pipe(connection) -> None:
    """Ask Linux for a PIPE_BYTES pipe; elsewhere, or above the system's limit, the default works."""
    try:
        import fcntl

        fcntl.fcntl(connection.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)
    except (ImportError, AttributeError, OSError):
        pass


def exit_description(code: int | None) -> str:
    if code is None:
        return t("live.still_running")
    if code < 0:
        try:
            return t("live.killed_by", signal=signal.Signals(-code).name)
        except ValueError:
            return t("live.killed_by_signal", number=-code)
    return t("live.exit_code", code=code)


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
