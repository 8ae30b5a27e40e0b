"""Training in a child process: the app's UI thread never shares a GIL with the training loop.

Measured (bench/ui_training.py, 2×256 LSTM, 2 CPU cores): with the Trainer in a thread of the
app, keys pressed while training had a p95 of ~200 ms and training kept 0.81 of its speed;
with the same Trainer in a child process, p95 ~50 ms and 0.99. Every step's Python glue in
the training thread (autograd, optimiser, callbacks) holds the GIL that Textual needs to draw.

`ProcessTrainingRun` keeps `TrainingRun`'s interface and reporting: the app's worker thread
calls `run()`, which starts the child and turns its events into the same throttled messages.
The child runs the ordinary Trainer; it sends every event, and the weights when the app asks for
them (`want_snapshot`), when it pauses and when it ends, so `snapshot()` never waits.
Commands (pause, resume, stop, settings, snapshot) go the other way.
"""

from __future__ import annotations

import multiprocessing
import queue
import sys
import threading
from dataclasses import replace

from rnntui.engine.corpus import Corpus
from rnntui.engine.train_config import TrainConfig, TrainSettings
from rnntui.engine.train_events import DoneEvent, StateEvent, StepEvent, WarningEvent
from rnntui.errors import RnntuiError
from rnntui.tui.training.messages import TrainingFinished, TrainingProgress, TrainingStarted
from rnntui.tui.training.run import TrainingRun

STOP_GRACE = 30.0  # seconds a stopped child may take to finish its step before it is terminated


class ProcessTrainingRun(TrainingRun):
    """A TrainingRun whose Trainer lives in a spawned child process."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._settings = TrainSettings(self.config.lr, self.config.clip_mode, self.config.clip)
        self._snapshot: tuple[int, dict] | None = None
        self._started = False
        self._snapshot_wanted = False
        self._commands = None  # the child's command queue, once it exists
        start_resource_tracker()

    # ------------------------------------------------------------------ the app's worker thread

    def run(self) -> DoneEvent | None:
        ctx = multiprocessing.get_context("spawn")  # a fresh interpreter: no copied threads or locks
        events, commands = ctx.Queue(), ctx.Queue()
        corpus = (self.corpus.name, self.corpus.text, self.corpus.description)
        child = ctx.Process(target=child_main, args=(self.config.to_json(), corpus, events, commands),
                            name="rnntui-training", daemon=True)
        child.start()
        with self._control:
            self._commands = commands
            if self._pause_requested:
                commands.put(("pause",))
            if self._stop_requested:
                commands.put(("stop",))
        try:
            return self._relay(events, child)
        finally:
            child.join(STOP_GRACE)
            if child.is_alive():
                child.terminate()
            self.state = "finished"

    def _relay(self, events, child) -> DoneEvent | None:
        """Read the child's events until it is done; the same bookkeeping as the thread version."""
        while True:
            if self.should_stop() and not self._stop_requested:
                self.stop()
            try:
                kind, payload = events.get(timeout=0.2)
            except queue.Empty:
                if not child.is_alive():
                    self.state = "finished"
                    self.post(TrainingFinished(self, f"the training process ended unexpectedly "
                                                     f"(exit code {child.exitcode})", failed=True))
                    return None
                continue
            if kind == "error":
                self.state = "finished"
                self.post(TrainingFinished(self, f"training could not start: {payload}", failed=True))
                return None
            if kind == "started":
                self.model_config, self.vocab_chars, self.probe_text, self.tokens_per_step, self._snapshot = payload
                self._started = True
                self.state = "paused" if self._pause_requested else "running"
                self.post(TrainingStarted(self))
            elif kind == "snapshot":
                self._snapshot = payload
                self._snapshot_wanted = False
                self.post(TrainingProgress(self))  # the app syncs from it
            elif kind == "event":
                if isinstance(payload, DoneEvent):
                    self._on_event(payload)
                    self.done = payload
                    self.state = "finished"
                    self.post(TrainingFinished(self, payload.message, failed=payload.failed))
                    return payload
                self._on_event(payload)

    # ------------------------------------------------------------------ the UI thread

    @property
    def started(self) -> bool:
        return self._started

    def _send(self, *command) -> None:
        with self._control:
            if self._commands is not None and self.state != "finished":
                self._commands.put(command)

    def pause(self) -> None:
        self._pause_requested = True
        self._send("pause")

    def resume(self) -> None:
        self._pause_requested = False
        self._send("resume")

    def stop(self) -> None:
        self._stop_requested = True
        self._send("stop")

    @property
    def paused(self) -> bool:
        return self._pause_requested or (self.state == "paused" and self.active)

    def update_settings(self, **changes) -> None:
        if not self._started:
            raise RnntuiError("training is still starting: try again in a moment")
        self._settings = replace(self._settings, **changes)  # validates here: a refusal sends nothing
        self._send("settings", changes)

    @property
    def settings(self):
        return self._settings if self._started else None

    def snapshot(self):
        """The latest (step, weights) the child sent: as old as the last want_snapshot() while it
        runs, exact while it is paused and after it ended."""
        return self._snapshot

    def want_snapshot(self) -> None:
        """Ask the child for its current weights. Only on demand: 6 MB of a 2×256 model five times
        a second, unpickled in this process, held the GIL long enough to double the keypress p95."""
        if not self._snapshot_wanted:
            self._snapshot_wanted = True
            self._send("snapshot")

    def _on_event(self, event) -> None:
        if isinstance(event, StateEvent) and event.state == "paused":
            self._pause_requested = True  # paused by the child itself (nan/inf, divergence) or by t
        if isinstance(event, WarningEvent):
            self._pause_requested = True  # the child paused already; the base class says so
        super()._on_event(event)


def start_resource_tracker() -> None:
    """Start multiprocessing's resource tracker with the real stderr. While Textual runs,
    sys.stderr is its capture, whose fileno() is -1, and spawning the tracker with it fails
    ("bad value(s) in fds_to_keep"). Called from the UI thread, the one that would print."""
    from multiprocessing import resource_tracker

    captured = sys.stderr
    sys.stderr = sys.__stderr__
    try:
        resource_tracker.ensure_running()
    finally:
        sys.stderr = captured


# ---------------------------------------------------------------------- the child process


def child_main(config_json: str, corpus_fields: tuple[str, str, str], events, commands) -> None:
    """Entry point of the training process: build the Trainer, obey commands, send events."""
    from rnntui.engine.trainer import Trainer

    try:
        corpus = Corpus(*corpus_fields)
        trainer = Trainer(TrainConfig.from_json(config_json), corpus)
    except RnntuiError as error:
        events.put(("error", str(error)))
        return
    def send_snapshot() -> None:
        events.put(("snapshot", trainer.snapshot()))

    def on_event(event) -> None:
        if isinstance(event, StepEvent):
            event = replace(event, grad_norm_h=None, probe_text=None)  # the app runs its own probe
        elif isinstance(event, WarningEvent):
            trainer.pause()  # before the next step, not after a round trip through the app
        elif isinstance(event, StateEvent) and event.state == "paused":
            send_snapshot()  # the paused weights, exactly, for syncing and saving
        elif isinstance(event, DoneEvent):
            send_snapshot()  # the final weights arrive before the news that the run ended
        events.put(("event", event))

    def obey() -> None:
        actions = {"pause": trainer.pause, "resume": trainer.resume_training, "stop": trainer.stop,
                   "snapshot": send_snapshot}
        while True:
            command = commands.get()
            if command[0] == "settings":
                try:
                    trainer.update_settings(**command[1])
                except RnntuiError:
                    pass  # validated by the app already; a race with nothing to report
            else:
                actions[command[0]]()
                if command[0] == "stop":
                    return

    trainer.add_callback(on_event)
    threading.Thread(target=obey, name="commands", daemon=True).start()
    data = trainer.train_data
    events.put(("started", (trainer.model_config, list(trainer.vocab.chars), trainer.probe_text,
                            data.streams * data.seq_len, trainer.snapshot())))
    trainer.run()
