"""LiveRun: one training run in a child process, driven by plain method calls, seen through events.

No UI here: the app, a test or a script creates a `LiveRun(config, corpus, on_event)`, calls
`start()`, and from then on `pause()`, `resume()`, `stop()`, `update_settings()` and `watch()`
from any thread. A reader thread turns the child's reports into `RunEvent`s for `on_event`
(called in that thread; keep it quick) and is the only writer of `state`.

The child is the only backend: training in a thread of the app shares one interpreter lock with
the UI, and keys pressed while it trained lagged several times longer (bench/ui_training.py).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace

from rnntui.engine.corpus import Corpus
from rnntui.train.train_config import TrainConfig, TrainSettings
from rnntui.train.train_events import DoneEvent, EvalEvent, StateEvent, StepEvent, WarningEvent
from rnntui.errors import CorpusError
from rnntui.i18n import t
from rnntui.live.child import child_main
from rnntui.live.child_run import (  # noqa: F401  (the events every live run reports, importable from here)
    STOP_GRACE,
    ChildRun,
    RunEvent,
    RunFinished,
    RunProblem,
    RunProgress,
    RunStarted,
    RunState,
    RunStateChanged,
    Supersedes,
)
from rnntui.train.history import LONG_RUN_POINTS, RunHistory
from rnntui.live.protocol import (
    ChangeSettings,
    Sample,
    SettingsApplied,
    Started,
    StartFailed,
    Trained,
    View,
    Watch,
)

# ---------------------------------------------------------------------- what on_event receives


@dataclass(frozen=True)
class RunEvaluated(RunEvent):
    step: int
    val_loss: float
    is_best: bool


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
        raise CorpusError(t("live.too_short", name=repr(corpus.name), length=len(train_text),
                            window=config.seq_len + 1, most=max(1, len(train_text))))


class LiveRun(ChildRun):
    """One training run in a spawned child; every method may be called from any thread."""

    def __init__(self, config: TrainConfig, corpus: Corpus,
                 on_event: Callable[[RunEvent], None] = lambda event: None,
                 watch: Watch | None = None, history_points: int | None = LONG_RUN_POINTS):
        super().__init__(on_event)
        self.config = config
        self.corpus = corpus
        self.history = RunHistory(history_points)
        self.settings = TrainSettings(config.lr, config.clip_mode, config.clip)
        self.watched = watch or Watch("", config.clip_mode, config.clip)
        self.vocab: tuple[str, ...] = ()
        self.probe_text = ""
        self.view: View | None = None  # the latest View with weights in it
        self.done: DoneEvent | None = None

    # ------------------------------------------------------------------ control

    def start(self) -> "LiveRun":
        """Spawn the child. A corpus too short to train is refused here (CorpusError), nothing started."""
        check_trainable(self.config, self.corpus)
        corpus = (self.corpus.name, self.corpus.text, self.corpus.description)
        self._spawn(child_main, self.config.to_json(), corpus, self.watched)
        return self

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

    # ------------------------------------------------------------------ reading

    @property
    def step(self) -> int:
        return self.history.step

    def snapshot(self) -> RunSnapshot:
        return RunSnapshot(self._state, self.step, self.settings, self.view)

    def checkpoint_metadata(self, step: int) -> dict[str, str]:
        """What a checkpoint of the weights of `step` records besides them (as the CLI does)."""
        return {"train_config": self.config.to_json(), "step": str(step), "corpus": self.corpus.name,
                "best_val_loss": json.dumps(self.history.best_val_loss)}

    # ------------------------------------------------------------------ the reader thread

    def _brings_progress(self, report) -> bool:
        return isinstance(report, Trained)

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
            return self._start_failed(report.message)
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
