"""The training process: a Trainer plus everything the app would otherwise compute per sync.

Three threads share one Trainer:
- the main thread runs `trainer.run()` and reports its events, steps batched a few times a second;
- `commands` obeys the app (pause, resume, stop, settings, what to watch); an end of file means
  the app is gone, and the process exits at once;
- `views` builds what the panes draw (a StepSession on the current weights with its trace, both
  BPTTs and the spectral radii computed) and streams samples, within a budget of the wall time,
  so training keeps its speed and the app's process only installs and draws.
A tiny thread polls the parent's pid (a killed app leaves no orphan training on), and a sender
thread writes every report to the pipe, so the training loop never waits while a view crosses it.
"""

from __future__ import annotations

import os
import queue
import signal
import threading
import time
from dataclasses import replace

import numpy as np

from rnntui.engine.checkpoint import Checkpoint
from rnntui.engine.corpus import Corpus
from rnntui.engine.numpy_rnn import Clipping
from rnntui.engine.session import StepSession
from rnntui.train.train_config import TrainConfig
from rnntui.train.train_events import DoneEvent, StateEvent, StepEvent, WarningEvent
from rnntui.errors import RnntuiError
from rnntui.i18n import t
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

BATCH_SECONDS = 0.05  # steps are sent in batches at most this old: the app's log never lags
VIEW_INTERVAL = 0.25  # seconds between views at best (tiny models)
# While training runs, views and samples may use at most this share of the wall time: the
# views thread shares the process's interpreter lock with the training loop's Python glue.
VIEW_DUTY = 0.05
PANE_CHARS = 64  # the probe text's first characters, stepped through when the app's text does not fit
SAMPLE_CHARS = 120
PARENT_POLL = 0.5  # seconds between checks that the app is still there
# The training process runs a little below the app's priority: when the cores are all busy (a
# slow CPU, or other work beside), the scheduler hands the app's key handling the next slice and
# training loses only the moments the app actually works. Alone on its cores it runs as before.
NICENESS = 5


def child_main(config_json: str, corpus_fields: tuple[str, str, str], commands, reports,
               parent_pid: int, watch: Watch) -> None:
    """Entry point of the spawned process."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the app's to handle, not ours
    try:
        os.nice(NICENESS)
    except OSError:  # a platform or sandbox that refuses: train at the app's priority
        pass
    Child(commands, reports, parent_pid, watch).run(config_json, corpus_fields)


class Child:
    def __init__(self, commands, reports, parent_pid: int, watch: Watch):
        self.commands = commands
        self.reports = reports
        self.parent_pid = parent_pid
        self.watch = watch
        self.trainer = None
        self.vocab: tuple[str, ...] = ()
        self._outbox: queue.SimpleQueue = queue.SimpleQueue()  # reports for the sender thread; None ends it
        self._views_queued = 0  # views handed to the sender and not yet written: no new one meanwhile
        self._wake = threading.Condition()
        self._view_wanted = True  # the first view comes at once: the app shows the new model
        self._finished = threading.Event()
        self._pending: list[StepEvent] = []
        self._last_batch = time.monotonic()
        # Settings change between two steps, in the training thread, so the step they start
        # from is known exactly; while the loop waits in a pause, the commands thread applies them.
        self._settings_lock = threading.Lock()
        self._new_settings: ChangeSettings | None = None
        self._loop_waiting = False

    # ------------------------------------------------------------------ plumbing

    def send(self, report) -> None:
        if isinstance(report, View):
            self._views_queued += 1
        self._outbox.put(report)

    def deliver(self) -> None:
        """The sender thread: write reports in order until None."""
        while (report := self._outbox.get()) is not None:
            try:
                self.reports.send(report)
            except (BrokenPipeError, ConnectionError, OSError):
                os._exit(0)  # nobody is listening: the app is gone
            if isinstance(report, View):
                self._views_queued -= 1

    def watch_parent(self) -> None:
        while os.getppid() == self.parent_pid:
            time.sleep(PARENT_POLL)
        os._exit(0)

    # ------------------------------------------------------------------ main thread

    def run(self, config_json: str, corpus_fields) -> None:
        threading.Thread(target=self.watch_parent, name="parent", daemon=True).start()
        sender = threading.Thread(target=self.deliver, name="sender", daemon=True)
        sender.start()
        try:
            self.train(config_json, corpus_fields)
        finally:
            self._outbox.put(None)
            sender.join()  # everything reported before the process ends

    def train(self, config_json: str, corpus_fields) -> None:
        from rnntui.train.trainer import Trainer

        try:
            trainer = Trainer(TrainConfig.from_json(config_json), Corpus(*corpus_fields))
        except (RnntuiError, MemoryError) as error:
            self.send(StartFailed(str(error) or type(error).__name__))
            return
        self.trainer = trainer
        self.vocab = tuple(trainer.vocab.chars)
        data = trainer.train_data
        self.send(Started(trainer.model_config, self.vocab, trainer.probe_text, data.streams * data.seq_len))
        trainer.add_callback(self.on_event)
        # Keys pressed while torch loaded (t, T during start-up) are already in the pipe: obey them
        # before the first step, not whenever the commands thread happens to be scheduled.
        while self.commands.poll():
            self.obey_one(self.receive())
        threading.Thread(target=self.obey, name="commands", daemon=True).start()
        views = threading.Thread(target=self.serve_views, name="views", daemon=True)
        views.start()
        done = trainer.run()
        self._finished.set()
        with self._wake:
            self._wake.notify()
        views.join()
        # The last weights, drawn and sampled, arrive before the news that the run ended.
        self.send(self.build_view(self.watch))
        if self.watch.sample_every and trainer.step >= 1:
            self.send(self.draw_sample(self.watch))
        self.send(Trained(tuple(self._pending) + (done,)))

    def on_event(self, event) -> None:
        """The Trainer's callback (training thread): batch steps, send the rest at once."""
        if isinstance(event, StepEvent):
            if event.grad_norm_h is not None:
                event = replace(event, grad_norm_h=None, probe_text=None)  # the views carry the gradients
            self._pending.append(event)
            with self._settings_lock:
                if self._new_settings is not None:
                    self.flush()
                    self.apply_settings()
            if time.monotonic() - self._last_batch >= BATCH_SECONDS:
                self.flush()
            return
        if isinstance(event, DoneEvent):
            return  # sent by run() after the last view
        if isinstance(event, WarningEvent):
            self.trainer.pause()  # before the next step, not after a round trip through the app
        self.flush((event,))
        if isinstance(event, StateEvent):
            with self._settings_lock:
                self._loop_waiting = event.state == "paused"
                if self._loop_waiting and self._new_settings is not None:
                    self.apply_settings()
            if event.state == "paused":
                self.want_view()  # the paused weights, exactly, for the panes and for saving

    def flush(self, extra: tuple = ()) -> None:
        events, self._pending = tuple(self._pending) + extra, []
        self._last_batch = time.monotonic()
        if events:
            self.send(Trained(events))

    # ------------------------------------------------------------------ commands

    def obey(self) -> None:
        while True:
            self.obey_one(self.receive())

    def receive(self):
        try:
            return self.commands.recv()
        except (EOFError, OSError):
            os._exit(0)  # the app closed its end or died: nothing to train for

    def obey_one(self, command) -> None:
        """Carry out one command from the app."""
        trainer = self.trainer
        if isinstance(command, Pause):
            trainer.pause()
        elif isinstance(command, Resume):
            trainer.resume_training()
        elif isinstance(command, Stop):
            trainer.stop()
        elif isinstance(command, ChangeSettings):
            with self._settings_lock:
                self._new_settings = command
                if self._loop_waiting:
                    self.apply_settings()
        elif isinstance(command, Watch):
            shown, self.watch = self.watch, command
            if not command.shows_the_same(shown):
                self.want_view()

    def apply_settings(self) -> None:
        """Apply the waiting ChangeSettings (its lock held, between steps) and say from which step."""
        command, self._new_settings = self._new_settings, None
        try:
            self.trainer.update_settings(lr=command.lr, clip_mode=command.clip_mode, clip=command.clip)
        except RnntuiError:
            return  # validated by the app already
        self.send(SettingsApplied(self.trainer.step + 1, command.lr, command.clip_mode, command.clip))

    def want_view(self) -> None:
        with self._wake:
            self._view_wanted = True
            self._wake.notify()

    # ------------------------------------------------------------------ views and samples

    def serve_views(self) -> None:
        next_view = next_sample = 0.0
        last_step = -1
        trainer = self.trainer
        while not self._finished.is_set():
            with self._wake:
                if not self._view_wanted:
                    self._wake.wait(VIEW_INTERVAL / 2)
                wanted, self._view_wanted = self._view_wanted, False
            if self._finished.is_set():
                return
            watch, now = self.watch, time.monotonic()
            running = not trainer.paused
            due = running and now >= next_view and trainer.step != last_step and not self._views_queued
            if wanted or due:
                start = time.perf_counter()
                view = self.build_view(watch)
                self.send(view)
                last_step = view.step
                cost = time.perf_counter() - start
                next_view = time.monotonic() + max(VIEW_INTERVAL, watch.view_every, cost / VIEW_DUTY)
            now = time.monotonic()
            if watch.sample_every and running and now >= next_sample and trainer.step >= 1:
                start = time.perf_counter()
                self.send(self.draw_sample(watch))
                next_sample = time.monotonic() + max(watch.sample_every, (time.perf_counter() - start) / VIEW_DUTY)

    def build_view(self, watch: Watch) -> View:
        """A StepSession on the current weights over the watched text, every cache computed."""
        start = time.perf_counter()
        trainer = self.trainer
        step, params = trainer.snapshot()
        text = watch.text
        if not text or not set(text) <= set(self.vocab):
            text = trainer.probe_text[:PANE_CHARS]
        cfg = trainer.model_config
        try:
            session = StepSession(text, cell=cfg.cell, activation=cfg.activation, hidden_size=cfg.hidden_size,
                                  num_layers=cfg.num_layers, embedding_dim=cfg.embedding_dim, seed=watch.seed,
                                  clipping=Clipping(watch.clip_mode, watch.clip), dtype=np.float32,
                                  params=params, vocab=list(self.vocab)).prepare()
        except RnntuiError:
            session = None  # weights the NumPy engine refuses (non-finite): the app keeps the last ones
        return View(step, watch.text, session, time.perf_counter() - start)

    def draw_sample(self, watch: Watch) -> Sample:
        from rnntui.engine.sampling import NumpyStepper, generate
        from rnntui.engine.vocab import Vocab

        trainer = self.trainer
        step, params = trainer.snapshot()
        model = Checkpoint(trainer.model_config, list(self.vocab), params)
        try:
            text = generate(NumpyStepper(model), Vocab(list(self.vocab)), watch.prime, SAMPLE_CHARS,
                            watch.temperature, seed=step)[len(watch.prime):]
        except RnntuiError as error:
            text = t("train.sampling.no_sample", error=error)
        return Sample(step, watch.prime, watch.temperature, text)
