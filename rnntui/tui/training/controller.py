"""TrainingController: the app's side of live training, an object the app owns.

The app creates it, calls `open()` on mount and `close()` on unmount. It drives one
`rnntui.live.LiveRun` at a time. Whatever the run reports (a `RunEvent`, in the run's reader
thread) travels to the UI thread in one message, `RunNews`, and is handled in one place,
`on_news`, where news from an earlier run is dropped. Progress and views never queue up: a newer
one replaces a waiting one (`RunEvent.can_replace`) and the handler reads the run's latest history.

Everything heavy happens in the child: the StepSession the panes draw arrives with its trace,
gradients and spectral radii computed, and samples arrive drawn. Here they are only proposed to
the stepping screen (`install_session`). The run follows the screen the other way: its clipping
and what its views show come from the session on screen (`follow_screen`). Weights are
read-only while a run is active (the next view would replace any edit). Saving the run is
`saving.RunSaving`'s job, drawing its curve `curve.show_live_run`'s.
"""

from __future__ import annotations

import os
import threading
import time
from collections import deque
from dataclasses import dataclass

from textual.message import Message

from rnntui.engine.config import CELLS
from rnntui.engine.corpus import Corpus
from rnntui.train.train_config import TrainConfig
from rnntui.errors import RnntuiError
from rnntui.i18n import t
from rnntui.numbers import parse_number
from rnntui.live.protocol import View, Watch
from rnntui.live.service import (
    LiveRun,
    RunEvaluated,
    RunEvent,
    RunFinished,
    RunProblem,
    RunProgress,
    RunSample,
    RunSettingsApplied,
    RunStarted,
    RunStateChanged,
    RunView,
)
from rnntui.tui.screens.confirm import ConfirmScreen
from rnntui.tui.screens.corpus_picker import CorpusPickerScreen, Picked
from rnntui.tui.screens.prompt import PromptScreen
from rnntui.tui.screens.train_settings import TrainSettingsScreen, setting_label
from rnntui.tui.training.curve import CELL_LABELS, LossFloors, clipping_label, model_label, show_live_run
from rnntui.tui.training.saving import RunSaving

SAMPLE_INTERVAL = 3.0  # seconds between streamed samples
# Installing a view redraws every pane; a key pressed meanwhile waits for it. Views come at most
# this often for the redraw time to stay this share of the UI's time (between the two bounds).
UI_DUTY = 0.05
VIEW_EVERY = (0.25, 2.0)
# Fields a running model cannot change: a different value means a new model (a restart).
MODEL_FIELDS = ("cell", "activation", "hidden_size", "num_layers", "embedding_dim", "seq_len",
                "batch_size", "val_fraction", "steps", "minutes", "threads", "optimizer", "seed")
CLOSE_GRACE = 3.0  # seconds the app waits on quitting for the child to finish its step


def app_train_config() -> TrainConfig:
    """The settings screen's defaults: a 2×256 LSTM that learns visibly within a minute or two."""
    return TrainConfig(
        hidden_size=256,
        eval_every=100,  # a validation point every few seconds to a minute, depending on the corpus
        sample_length=0,  # the app streams its own samples, with the person's prime and temperature
        probe_every=1_000_000,  # the gradient pane runs the same probe on the synced weights
        threads=max(1, (os.cpu_count() or 2) - 1),  # one core stays free for the UI
        embedding_dim=None, dropout=0.0,  # one-hot input: the weight panes show one column per character
    )


def parse_positive(text: str, what: str) -> float:
    value = parse_number(text, what)  # a number, and finite
    if not value > 0:
        raise RnntuiError(t("training.prompt.positive", what=what, value=f"{value:g}"))
    return value


class TrainingController:
    """Live training for RnnApp: start, pause, stop, settings, and what the run reports."""

    @dataclass
    class RunNews(Message):
        """Anything a run reports (a `RunEvent`), posted from the run's reader thread. A waiting
        progress or view is replaced by a newer one: the handler reads the run's latest state."""

        event: RunEvent

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, TrainingController.RunNews) and self.event.can_replace(message.event)

    # ------------------------------------------------------------------ life cycle

    def __init__(self, app) -> None:
        self.app = app
        self.corpus: Corpus | None = None
        self.floors = LossFloors()
        self.config = app_train_config()
        self.run: LiveRun | None = None
        self.prime = ""  # "" = samples start from a newline (or a random character)
        self.samples: deque[tuple[int, str]] = deque(maxlen=200)  # (step, sample), newest last
        self.synced_step = -1  # the step of the weights the panes show (-1: not the run's yet)
        self.view_every = VIEW_EVERY[0]  # what the child is asked for (Watch.view_every)
        self.saving = RunSaving(self)  # s, and q while a run is active
        self._opened = False

    def open(self) -> None:
        self._opened = True
        if self.corpus is not None:
            self.say_corpus()

    def close(self) -> None:
        """The app is going: no child may outlive it."""
        self._opened = False
        if self.run is not None:
            self.run.close(CLOSE_GRACE)

    @property
    def active(self) -> bool:
        return self.run is not None and self.run.active

    def post_news(self, event: RunEvent) -> None:
        """The run's callback, in its reader thread: hand the event to the UI thread (thread-safe)."""
        self.app.post_message(self.RunNews(event))

    # ------------------------------------------------------------------ corpus

    def choose_corpus(self, corpus: Corpus | None) -> None:
        """The corpus the next run trains on (also before the app runs: --corpus)."""
        if corpus is None:
            return
        self.corpus = corpus
        if self._opened:
            self.say_corpus()

    def say_corpus(self) -> None:
        corpus = self.corpus
        self.log_line(t("training.log.corpus", name=corpus.name, characters=f"{len(corpus.text):,}",
                        symbols=len(corpus.vocab)))

    def open_corpus(self, then_train: bool = False) -> None:
        def chosen(corpus: Corpus | Picked | None) -> None:
            if isinstance(corpus, Picked):  # a task or a series: its own screen, which the app opens
                self.app.open_picked(corpus)
                return
            self.choose_corpus(corpus)
            if corpus is not None and then_train:
                self.open_settings()

        self.app.push_screen(CorpusPickerScreen(None if self.corpus is None else self.corpus.name), chosen)

    # ------------------------------------------------------------------ start, pause, stop

    def toggle(self) -> None:
        """t: start a run (picker and settings first), or pause / resume the active one."""
        run = self.run
        if run is not None and run.active:
            if run.paused:
                run.resume()
                self.log_line(t("training.log.resumed", step=run.step))
            else:
                run.pause()
                self.log_line(t("training.log.paused", step=run.step))
            self.show_training()
        elif self.corpus is None:
            self.open_corpus(then_train=True)
        else:
            self.open_settings()

    def stop(self) -> None:
        """T: end the run after its current step; the weights stay in the app to step through."""
        if self.active:
            self.run.stop()
            self.log_line(t("training.log.stopping", step=self.run.step))
        else:
            self.app.notify(t("training.notify.no_training"), timeout=2)

    def settings_key(self) -> None:
        """n: the settings screen (the corpus picker first when there is no corpus)."""
        if self.corpus is None:
            self.open_corpus(then_train=True)
        else:
            self.open_settings()

    def open_settings(self) -> None:
        run = self.run
        if run is not None and run.active:
            title = t("training.settings.title_running", step=run.step)
            base = self.live_config()
        else:
            title = t("training.settings.title_new", corpus=self.corpus.name, characters=f"{len(self.corpus.text):,}")
            clipping = self.screen.session.clipping  # k and K set the next run's clipping too
            base = self.config.with_(clip_mode=clipping.mode, clip=clipping.threshold)
        self.app.push_screen(TrainSettingsScreen(base, title, t("training.settings.hint")), self.settings_chosen)

    def settings_chosen(self, config: TrainConfig | None) -> None:
        if config is None:
            return
        if not self.active:
            self.start(config)
            return
        run = self.run
        changed = [name for name in MODEL_FIELDS if getattr(config, name) != getattr(run.config, name)]
        if not changed:
            self.apply_settings(lr=config.lr, clip_mode=config.clip_mode, clip=config.clip)
            return
        self.ask_restart(config, t("training.settings.changed", fields=", ".join(setting_label(name) for name in changed)))

    def ask_restart(self, config: TrainConfig, why: str) -> None:
        """Changing the model means a new run: ask first (the current one is lost unless saved)."""

        def answered(answer: str | None) -> None:
            if answer == "yes":
                self.start(config)

        step = self.run.step if self.run else 0
        self.app.push_screen(ConfirmScreen(t("training.settings.restart", why=why, step=f"{step:,}"),
                                           t("training.settings.restart_yes")), answered)

    def restart_for(self, action: str) -> None:
        """c / a while a run is active: the same change, as a new run (asked first)."""
        config = self.run.config
        if action == "cycle_cell":
            cell = CELLS[(CELLS.index(config.cell) + 1) % len(CELLS)]
            self.ask_restart(config.with_(cell=cell), t("training.settings.cell", cell=CELL_LABELS[cell]))
        elif config.cell == "rnn":
            activation = "relu" if config.activation == "tanh" else "tanh"
            self.ask_restart(config.with_(activation=activation), t("training.settings.activation", activation=activation))
        else:
            self.app.notify(t("training.notify.activation_rnn_only"), timeout=2)

    def live_config(self) -> TrainConfig:
        """The run's config with the settings changed while it runs."""
        run = self.run
        s = run.settings
        return run.config.with_(lr=s.lr, clip_mode=s.clip_mode, clip=s.clip)

    def start(self, config: TrainConfig) -> LiveRun | None:
        """Start a run of `config` on the chosen corpus (an active one stops). A refusal (a corpus
        too short to train, say) is logged in full and returns None; the panes keep their model."""
        if self.corpus is None:
            raise RnntuiError(t("training.prompt.choose_corpus"))
        app = self.app
        # The session's clipping is the one the panes show and k and K change; the run follows it.
        self.screen.set_clipping(config.clip_mode, config.clip)
        run = LiveRun(config, self.corpus, self.post_news, watch=self.watch_for(""))
        try:
            run.start()
        except RnntuiError as error:
            self.log_line(t("training.log.refused", error=error))
            app.notify(str(error), title=t("training.notify.cannot_train"), severity="error", timeout=10)
            return None
        if self.run is not None:  # the old run ends in the background: a restart never waits for it
            threading.Thread(target=self.run.close, args=(CLOSE_GRACE,), name="closing-run", daemon=True).start()
        self.config = config
        self.run = run
        self.samples.clear()
        self.synced_step = -1
        self.log_line(t("training.log.starting", model=model_label(config), corpus=self.corpus.name, seq=config.seq_len,
                        batch=config.batch_size, lr=f"{config.lr:g}",
                        clipping=clipping_label(config.clip_mode, config.clip)))
        app.refresh_bindings()
        self.show_training()
        return run

    # ------------------------------------------------------------------ live settings

    def apply_settings(self, **changes) -> bool:
        """lr / clipping for the next step of the running model; a refusal is notified."""
        run = self.run
        try:
            settings = run.update_settings(**changes)
        except RnntuiError as error:
            self.app.notify(str(error), title=t("training.notify.refused"), severity="error")
            return False
        clipping = self.screen.session.clipping
        if (settings.clip_mode, settings.clip) != (clipping.mode, clipping.threshold):
            self.screen.set_clipping(settings.clip_mode, settings.clip)
        self.show_training()  # the log says from which step once the child confirms
        return True

    def ask_learning_rate(self) -> None:
        """L: the learning rate, for the running model at its next step, or for the next run."""
        current = self.live_config().lr if self.active else self.config.lr

        def apply(text: str) -> None:
            lr = parse_positive(text, t("training.prompt.lr_what"))
            if self.active:
                self.apply_settings(lr=lr)
            else:
                self.config = self.config.with_(lr=lr)

        self.app.push_screen(PromptScreen(t("training.prompt.lr"), f"{current:g}", apply, t("training.prompt.lr_hint")))

    def ask_prime(self) -> None:
        """p: the text streamed samples start from."""

        def apply(text: str) -> None:
            vocab = self.run.vocab if self.run is not None and self.run.vocab else None
            unknown = sorted({ch for ch in text if vocab is not None and ch not in vocab})
            if unknown:
                raise RnntuiError(t("training.prompt.prime_unknown", chars=repr("".join(unknown))))
            self.prime = text
            self.follow_screen()

        self.app.push_screen(PromptScreen(t("training.prompt.prime"), self.prime, apply, t("training.prompt.prime_hint")))

    # ------------------------------------------------------------------ what the panes watch

    @property
    def screen(self):
        """The stepping screen: what the panes show, which the run's views follow."""
        return self.app.step_screen

    def watch_for(self, text: str) -> Watch:
        screen = self.screen
        clipping = screen.session.clipping
        return Watch(text, clipping.mode, clipping.threshold, screen.session.seed, self.prime, screen.temperature,
                     SAMPLE_INTERVAL, self.view_every)

    def follow_screen(self) -> None:
        """After any change on the screen, an active run follows it: the clipping the session
        shows becomes the run's from its next step, and if the run's views would show something
        else (the text, clipping, prime, temperature) the child is told; a fresh view answers."""
        run = self.run
        if run is None or not run.active:
            return
        clipping = self.screen.session.clipping
        if (clipping.mode, clipping.threshold) != (run.settings.clip_mode, run.settings.clip):
            self.apply_settings(clip_mode=clipping.mode, clip=clipping.threshold)
        if self.synced_step < 0:
            return  # the panes still show the model from before the run
        watch = self.watch_for(self.screen.session.text)
        if watch != run.watched:
            run.watch(watch)

    def weights_locked(self) -> str | None:
        """Why the weights may not be edited now, or None."""
        return t("training.prompt.read_only") if self.active else None

    # ------------------------------------------------------------------ what the run reports

    def current(self, run_id: int) -> bool:
        """From the run on screen, and the panes still exist (messages drain while the app exits)."""
        return self.run is not None and run_id == self.run.id and self._opened and bool(self.app.screen_stack)

    def on_news(self, event: RunEvent) -> None:
        """What the run reported, on the UI thread; news from an earlier run is dropped."""
        if not self.current(event.run_id):
            return
        run = self.run
        match event:
            case RunStarted():
                self.log_line(t("training.log.training", model=model_label(run.config), corpus=run.corpus.name,
                                symbols=len(run.vocab)))
                self.show_training()
            case RunProgress():
                self.show_training()
            case RunView(view=view):
                self.install_view(view)
            case RunSample(sample=sample):
                self.samples.append((sample.step, sample.prime + sample.text))
                shown = (sample.prime + sample.text).replace("\n", "↵")
                self.log_line(t("training.log.sample", step=f"{sample.step:,}", temperature=f"{sample.temperature:g}", text=shown))
            case RunEvaluated(step=step, val_loss=val_loss, is_best=is_best):
                best = t("training.log.best") if is_best else ""
                self.log_line(t("training.log.validation", step=f"{step:,}", loss=f"{val_loss:.4f}", best=best))
            case RunProblem(message=problem):
                settings = run.settings
                advice = [t("training.log.advice_clip")] if settings.clip_mode == "off" else []
                advice.append(t("training.log.advice_lr", lr=f"{settings.lr:g}"))
                text = t("training.log.problem", problem=problem, advice="; ".join(advice))
                self.log_line(text)
                self.app.notify(text, title=t("training.notify.training_paused"), severity="warning", timeout=8)
                self.show_training()
            case RunStateChanged():
                self.show_training()
                self.saving.save_when_paused()
            case RunSettingsApplied(from_step=from_step, settings=settings):
                self.log_line(t("training.log.settings_applied", step=f"{from_step:,}", lr=f"{settings.lr:g}",
                                clipping=clipping_label(settings.clip_mode, settings.clip)))
            case RunFinished(message=message, failed=failed, started=started):
                if self.saving.saving_to_quit:
                    self.saving.save_and_quit()  # the last view came before this news; if the save fails, say the rest too
                said = t("training.log.failed", message=message) if failed else message
                self.log_line(t("training.log.ending_saved" if started else "training.log.ending", message=said))
                if failed:
                    self.app.notify(message, title=t("training.notify.training_stopped"), severity="error", timeout=8)
                self.app.refresh_bindings()
                self.show_training()

    def install_view(self, view: View) -> None:
        """Propose the child's session to the screen: the panes show the weights of `view.step`."""
        session, watched = view.session, self.run.watched
        if (session is None or view.step < self.synced_step or view.text != watched.text
                or (session.clipping.mode, session.clipping.threshold) != (watched.clip_mode, watched.clip)):
            return  # refused weights, an older view, or one for a text or clipping the panes no longer show
        start = time.perf_counter()
        first = self.synced_step < 0
        self.synced_step = view.step
        self.screen.install_session(session, cursor=1 if first else None)  # later views: where keys moved it
        self.pace_views(time.perf_counter() - start)
        self.saving.save_when_paused()

    def pace_views(self, cost: float) -> None:
        """Ask the child for views no more often than the UI can redraw them within UI_DUTY;
        only a clear change is sent (each Watch is a message), and follow_screen sends it."""
        low, high = VIEW_EVERY
        wanted = min(high, max(low, cost / UI_DUTY))
        if abs(wanted - self.view_every) > 0.25 * self.view_every:
            self.view_every = wanted
            self.follow_screen()

    # ------------------------------------------------------------------ drawing

    def log_line(self, text: str) -> None:
        self.screen.log_line(text)

    def show_training(self) -> None:
        """Redraw the loss curve from the run's latest history."""
        if self.run is not None:
            show_live_run(self.screen, self.run, self.floors.of(self.run.corpus))
