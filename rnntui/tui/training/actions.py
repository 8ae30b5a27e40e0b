"""The app's training keys and message handlers, mixed into RnnApp (`class RnnApp(TrainingActions, App)`).

o picks a corpus, t starts / pauses / resumes, T stops, n edits the run's settings, L sets the
learning rate, p the prime of the streamed samples, s saves a checkpoint. While a run is active:
- the loss curve pane shows its figures (from the run's shared history, ~10 repaints/s at most);
- a few times a second the StepSession is rebuilt on the trainer's latest weights and the probe
  text, so the heatmaps and the gradient bars show the model as it learns;
- every few seconds a sample is drawn (NumPy engine, in a thread) into the console log.
The bindings themselves live in RnnApp.BINDINGS, so help and the command palette list them.
"""

from __future__ import annotations

import os
import time
from functools import partial
from pathlib import Path

from textual.worker import Worker, WorkerState, get_current_worker

from rnntui.engine.checkpoint import Checkpoint, save_checkpoint
from rnntui.engine.config import CELLS
from rnntui.engine.corpus import Corpus
from rnntui.engine.numpy_rnn import Clipping
from rnntui.engine.session import StepSession
from rnntui.engine.train_config import TrainConfig
from rnntui.errors import RnntuiError
from rnntui.tui import views
from rnntui.tui.screens.confirm import ConfirmScreen
from rnntui.tui.screens.corpus_picker import CorpusPickerScreen
from rnntui.tui.screens.prompt import PromptScreen
from rnntui.tui.screens.train_settings import TrainSettingsScreen
from rnntui.tui.training.messages import (
    TrainingEvaluated,
    TrainingFinished,
    TrainingProblem,
    TrainingProgress,
    TrainingSample,
    TrainingStarted,
    TrainingStateChanged,
    WeightsReady,
)
from rnntui.tui.training.process import ProcessTrainingRun
from rnntui.tui.training.run import TrainingRun
from rnntui.tui.widgets.console import GenerationConsole
from rnntui.tui.widgets.loss_curve import CurveData, LossCurve, TrainingStats

SYNC_INTERVAL = 0.25  # seconds between copies of the trainer's weights into the StepSession, at best
# A sync costs CPU that training would use: a thread builds the session (forward, BPTT, the
# W_hh spectral radii) and the UI redraws every pane. For a 2×256 LSTM that is ~0.2-0.4 s, so
# syncs may take at most this share of the time (tiny models still sync every SYNC_INTERVAL).
SYNC_DUTY = 0.15
PANE_CHARS = 64  # the probe text's first characters, which the panes step through while training
SAMPLE_INTERVAL = 3.0  # seconds between streamed samples
SAMPLE_CHARS = 120
SAVE_DIR = Path("runs") / "app"
CELL_LABELS = {"rnn": "RNN", "lstm": "LSTM", "gru": "GRU"}
# Fields a running model cannot change: a different value means a new model (a restart).
MODEL_FIELDS = ("cell", "activation", "hidden_size", "num_layers", "embedding_dim", "seq_len",
                "batch_size", "val_fraction", "steps", "minutes", "threads", "optimizer", "seed")


def app_train_config() -> TrainConfig:
    """The settings screen's defaults: a 2×256 LSTM that learns visibly within a minute or two."""
    return TrainConfig(
        hidden_size=256,
        eval_every=100,  # a validation point every few seconds to a minute, depending on the corpus
        sample_length=0,  # the app streams its own samples, with the person's prime and temperature
        probe_every=1_000_000,  # the gradient pane runs the same probe on the synced weights
        threads=max(1, (os.cpu_count() or 2) - 1),  # one core stays free for the UI
    )


def session_on_weights(run: TrainingRun, params, text: str, cursor: int, clipping: Clipping,
                       seed: int = 0) -> StepSession:
    """A StepSession on `params` of the run's model over `text` (the probe text when the run's
    vocabulary cannot read it), at `cursor`, with the trace and gradients already computed."""
    cfg = run.model_config
    if not text or not set(text) <= set(run.vocab_chars):
        text = run.probe_text[:PANE_CHARS]
    session = StepSession(text, cell=cfg.cell, activation=cfg.activation, hidden_size=cfg.hidden_size,
                          num_layers=cfg.num_layers, embedding_dim=cfg.embedding_dim, seed=seed,
                          clipping=clipping, params=params, vocab=run.vocab_chars)
    session.move_to(min(max(cursor, 1), session.T))
    session.gradients  # noqa: B018 - computes the trace and BPTT here, in the caller's thread
    return session


def prepare_session(app, run: TrainingRun, step: int, params, text: str, cursor: int, clipping, seed: int) -> None:
    """In a thread: the session on new weights, posted to the app (which only installs and draws)."""
    start = time.perf_counter()
    try:
        session = session_on_weights(run, params, text, cursor, clipping, seed)
        # What RnnApp caches per model and per trace, computed here rather than in the UI thread:
        # eight 256×256 eigvals and a BPTT cost a 2×256 model more than drawing its panes.
        derived = {"_radii": (session.model, session.spectral_radii()),
                   "_last_gradients": (session.trace, views.last_prediction_gradients(session))}
    except RnntuiError:  # weights the NumPy engine refuses (non-finite): keep showing the last ones
        session, derived = None, {}
    app.post_message(WeightsReady(run, step, session, text, derived, time.perf_counter() - start))


def clipping_label(mode: str, threshold: float) -> str:
    return {"off": "off", "norm": f"norm ≤ {threshold:g}", "value": f"value ±{threshold:g}"}[mode]


class TrainingActions:
    """Live training for RnnApp. Needs from the app: session, changed(), temperature, notify, push_screen."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.corpus: Corpus | None = None
        self.train_config = app_train_config()
        self.training: TrainingRun | None = None
        # A child process by default: a training thread shares the GIL with the UI and made keys
        # pressed during training 4× slower at p95 (process.py); the thread is kept for comparison.
        self.train_in_process = True
        self.training_prime = ""  # "" = start samples from a newline (or a random character)
        self.training_samples: list[tuple[int, str]] = []  # (step, sample), newest last
        self._next_sync = 0.0  # monotonic time before which no new sync starts (SYNC_DUTY)
        self._synced_step = -1
        self._sync_pending = False  # a session is being prepared in a thread
        self._sample_pending = False  # a sample is being drawn in a thread
        self.sync_seconds: list[float] = []  # UI-thread time of each sync's redraw (for the bench)
        self._sample_timer = None

    # ------------------------------------------------------------------ corpus

    def choose_corpus(self, corpus: Corpus | None) -> None:
        """The corpus the next run trains on (also usable before the app runs: --corpus)."""
        if corpus is None:
            return
        self.corpus = corpus
        if self.is_running:
            self.log_line(f"corpus {corpus.name}: {len(corpus.text):,} characters, "
                          f"{len(corpus.vocab)} symbols; t trains on it")

    def on_mount(self) -> None:
        if self.corpus is not None:
            self.log_line(f"corpus {self.corpus.name}: {len(self.corpus.text):,} characters, "
                          f"{len(self.corpus.vocab)} symbols; t trains on it")

    def action_open_corpus(self, then_train: bool = False) -> None:
        def chosen(corpus: Corpus | None) -> None:
            self.choose_corpus(corpus)
            if corpus is not None and then_train:
                self.open_settings()

        self.push_screen(CorpusPickerScreen(None if self.corpus is None else self.corpus.name), chosen)

    # ------------------------------------------------------------------ start, pause, stop

    @property
    def training_active(self) -> bool:
        return self.training is not None and self.training.active

    def action_train(self) -> None:
        """t: start a run (picker and settings first), or pause / resume the running one."""
        run = self.training
        if run is not None and run.active:
            if run.paused:
                run.resume()
                self.log_line(f"resumed at step {run.step}")
            else:
                run.pause()
                self.log_line(f"paused at step {run.step}: t resumes, s saves, T stops")
            self.show_training()
        elif self.corpus is None:
            self.action_open_corpus(then_train=True)
        else:
            self.open_settings()

    def action_stop_training(self) -> None:
        """T: end the run after its current step; the weights stay in the app to step through."""
        if self.training_active:
            self.training.stop()
            self.log_line(f"stopping at step {self.training.step}…")
        else:
            self.notify("no training is running (t starts one)", timeout=2)

    def open_settings(self) -> None:
        run = self.training
        if run is not None and run.active:
            title = f"Training settings (running, step {run.step}): learning rate and clipping apply at once"
            base = self.live_config(run)
        else:
            title = f"Train on {self.corpus.name} ({len(self.corpus.text):,} characters)"
            base = self.train_config
        hint = "enter starts / applies · escape cancels · cell, sizes and budgets need a new run"
        self.push_screen(TrainSettingsScreen(base, title, hint), self.settings_chosen)

    def action_train_settings(self) -> None:
        """n: the settings screen; for a running model, live changes apply and others ask to restart."""
        if self.corpus is None:
            self.action_open_corpus(then_train=True)
        else:
            self.open_settings()

    def settings_chosen(self, config: TrainConfig | None) -> None:
        if config is None:
            return
        run = self.training
        if run is None or not run.active:
            self.start_training(config)
            return
        changed = [name for name in MODEL_FIELDS if getattr(config, name) != getattr(run.config, name)]
        if not changed:
            self.apply_live_settings(lr=config.lr, clip_mode=config.clip_mode, clip=config.clip)
            return
        self.ask_restart(config, f"{', '.join(name.replace('_', ' ') for name in changed)} changed")

    def ask_restart(self, config: TrainConfig, why: str) -> None:
        """Changing the model means a new run: ask first (the current one is lost unless saved)."""

        def answered(answer: str | None) -> None:
            if answer == "yes":
                self.start_training(config)

        step = self.training.step if self.training else 0
        self.push_screen(ConfirmScreen(
            f"{why}: that needs a new model. Restart training from scratch? "
            f"The current run (step {step:,}) is discarded; s saves it first.",
            "restart with the new settings"), answered)

    def live_config(self, run: TrainingRun) -> TrainConfig:
        """The run's config with the settings changed while it runs."""
        settings = run.settings
        if settings is None:
            return run.config
        return run.config.with_(lr=settings.lr, clip_mode=settings.clip_mode, clip=settings.clip)

    def start_training(self, config: TrainConfig) -> TrainingRun:
        """Start a run of `config` on the chosen corpus in a thread worker (a running one stops)."""
        if self.corpus is None:
            raise RnntuiError("choose a corpus first (o)")
        if self.training is not None and self.training.active:
            self.training.stop()
        self.train_config = config
        # k and K act on the session's clipping and the run follows it: start them equal.
        self.session.set_clipping(config.clip_mode, config.clip)
        self.changed(keep_sample=True)
        run_class = ProcessTrainingRun if self.train_in_process else TrainingRun
        run = run_class(config, self.corpus, self.post_message)
        self.training = run
        self.training_samples = []
        self._synced_step = -1
        self._next_sync = 0.0
        self.run_worker(partial(self._train_in_thread, run), name=f"training run {run.id}", group="training",
                        thread=True, exclusive=True, exit_on_error=False)
        self.log_line(f"starting: {self.model_label(config)} on {self.corpus.name}, seq {config.seq_len}, "
                      f"batch {config.batch_size}, lr {config.lr:g}, clip "
                      f"{clipping_label(config.clip_mode, config.clip)} (loading PyTorch…)")
        self.show_training()
        return run

    @staticmethod
    def _train_in_thread(run: TrainingRun):
        worker = get_current_worker()
        run.should_stop = lambda: worker.is_cancelled  # an exclusive restart or the app exiting
        return run.run()

    # ------------------------------------------------------------------ live settings

    def apply_live_settings(self, **changes) -> None:
        """lr / clipping for the next step of the running model; refusals are notified."""
        run = self.training
        try:
            run.update_settings(**changes)
        except RnntuiError as error:
            self.notify(str(error), title="refused", severity="error")
            return
        settings = run.settings
        if settings.clip_mode != self.session.clipping.mode or settings.clip != self.session.clipping.threshold:
            self.session.set_clipping(settings.clip_mode, settings.clip)
            self.changed(keep_sample=True)
        self.log_line(f"from step {run.step + 1}: lr {settings.lr:g}, clip "
                      f"{clipping_label(settings.clip_mode, settings.clip)}")
        self.show_training()

    def clipping_changed(self) -> None:
        """After k / K changed the session's clipping: the running model (or the next run) follows."""
        clipping = self.session.clipping
        if self.training_active and self.training.settings is not None:
            self.apply_live_settings(clip_mode=clipping.mode, clip=clipping.threshold)
        else:
            self.train_config = self.train_config.with_(clip_mode=clipping.mode, clip=clipping.threshold)

    def action_learning_rate(self) -> None:
        """L: the learning rate, for the running model at its next step, or for the next run."""
        current = self.live_config(self.training).lr if self.training_active else self.train_config.lr

        def apply(text: str) -> None:
            lr = parse_positive(text, "the learning rate")
            if self.training_active and self.training.settings is not None:
                self.apply_live_settings(lr=lr)
            else:
                self.train_config = self.train_config.with_(lr=lr)

        self.push_screen(PromptScreen("Learning rate (applies at the next step)", f"{current:g}", apply,
                                      "a number > 0, e.g. 1e-3; enter applies, escape cancels"))

    def action_prime(self) -> None:
        """p: the text streamed samples start from."""

        def apply(text: str) -> None:
            vocab = self.training.vocab_chars if self.training and self.training.vocab_chars else None
            unknown = sorted({ch for ch in text if vocab is not None and ch not in vocab})
            if unknown:
                raise RnntuiError(f"the corpus has no {''.join(unknown)!r}: the model cannot read it")
            self.training_prime = text

        self.push_screen(PromptScreen("Prime for the streamed samples", self.training_prime, apply,
                                      "empty: start from a newline; - and + change the temperature"))

    async def run_action(self, action, default_namespace=None, namespaces=None) -> bool:
        """While a run is active, keys that would change the model's shape ask to restart instead."""
        name = action if isinstance(action, str) else ""
        if self.training_active and name in ("cycle_cell", "toggle_activation"):
            self.model_change_key(name)
            return True
        return await super().run_action(action, default_namespace, namespaces)

    def model_change_key(self, name: str) -> None:
        config = self.training.config
        if name == "cycle_cell":
            cell = CELLS[(CELLS.index(config.cell) + 1) % len(CELLS)]
            self.ask_restart(config.with_(cell=cell), f"cell {CELL_LABELS[cell]}")
        elif config.cell == "rnn":
            activation = "relu" if config.activation == "tanh" else "tanh"
            self.ask_restart(config.with_(activation=activation), f"activation {activation}")
        else:
            self.notify("the activation applies to the vanilla RNN only", timeout=2)

    # ------------------------------------------------------------------ checkpoints and quitting

    def default_save_path(self) -> Path:
        run = self.training
        if run is not None and run.started:
            stem = Path(run.corpus.name).stem or "run"
            return SAVE_DIR / f"{stem}-{run.config.cell}-step{run.step}.safetensors"
        return SAVE_DIR / f"{self.session.config.cell}-h{self.session.config.hidden_size}.safetensors"

    def save_checkpoint_to(self, path: str | Path) -> Path:
        """Save the trained weights (or, with no run, the stepped model) as rnntui/1, atomically."""
        path = Path(path).expanduser()
        if path.suffix != ".safetensors":
            raise RnntuiError(f"{str(path)!r}: a checkpoint file name ends in .safetensors")
        if path.is_dir():
            raise RnntuiError(f"{str(path)!r} is a folder: give a file name")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise RnntuiError(f"cannot create folder {str(path.parent)!r}: {error.strerror}") from None
        run = self.training
        if run is not None and run.started:
            step, params = run.snapshot()
            return save_checkpoint(path, params, run.model_config, run.vocab_chars, run.checkpoint_metadata(step))
        s = self.session
        return save_checkpoint(path, s.params, s.config, s.vocab.chars, {"source": "rnntui app"})

    def action_save(self) -> None:
        """s: save a checkpoint; the path is asked for (a file in runs/app/ by default)."""

        def apply(text: str) -> None:
            saved = self.save_checkpoint_to(text.strip())
            self.log_line(f"saved {saved} (rnntui app --checkpoint {saved} steps through it)")

        self.push_screen(PromptScreen("Save a checkpoint (rnntui/1 .safetensors)", str(self.default_save_path()),
                                      apply, "enter saves (folders are created), escape cancels"))

    async def action_quit(self) -> None:
        """q: while a run is active, ask whether to save it first."""
        if not self.training_active:
            self.exit()
            return
        path = self.default_save_path()

        def answered(answer: str | None) -> None:
            if answer is None:
                return
            if answer == "yes":
                try:
                    self.save_checkpoint_to(path)
                except RnntuiError as error:
                    self.notify(str(error), title="not saved", severity="error")
                    return
            self.training.stop()
            self.exit()

        self.push_screen(ConfirmScreen(f"Training is running (step {self.training.step:,}). Save it before quitting?",
                                       f"save {path} and quit", "quit without saving"), answered)

    def on_unmount(self) -> None:
        # The worker thread must end, or the process waits for it on exit.
        if self.training is not None:
            self.training.stop()

    # ------------------------------------------------------------------ what the run reports

    def _current(self, message) -> bool:
        """From the run on screen, and the panes still exist (messages drain while the app exits)."""
        return message.run is self.training and self._panes_alive()

    def _panes_alive(self) -> bool:
        return self.is_running and bool(self.screen_stack)  # False from the start of shutdown on


    def on_training_started(self, message: TrainingStarted) -> None:
        if not self._current(message):
            return
        run = message.run
        self.log_line(f"training {self.model_label(run.config)} on {run.corpus.name}: "
                      f"{len(run.vocab_chars)} symbols; the panes step through the probe text")
        self.show_run_model(run)
        if self._sample_timer is None:
            self._sample_timer = self.set_interval(SAMPLE_INTERVAL, self.stream_sample)
        self.show_training()

    def on_training_progress(self, message: TrainingProgress) -> None:
        if not self._current(message):
            return
        self.show_training()
        if time.monotonic() >= self._next_sync:
            self.request_sync()

    def on_training_evaluated(self, message: TrainingEvaluated) -> None:
        if self._current(message):
            best = " (best so far)" if message.is_best else ""
            self.log_line(f"step {message.step:,}: validation loss {message.val_loss:.4f}{best}")
            self.show_training()

    def on_training_problem(self, message: TrainingProblem) -> None:
        if self._current(message):
            self.log_line(message.text)
            self.notify(message.text, title="training paused", severity="warning", timeout=8)
            self.request_sync()
            self.show_training()

    def on_training_state_changed(self, message: TrainingStateChanged) -> None:
        if self._current(message):
            self.show_training()

    def on_training_finished(self, message: TrainingFinished) -> None:
        if not self._current(message):
            return
        self.log_line(("training failed: " if message.failed else "") + message.message
                      + ("" if not message.run.started else "; s saves, t starts a new run"))
        if message.failed and message.run.started:
            self.notify(message.message, title="training stopped", severity="error", timeout=8)
        if message.run.started:
            self.request_sync()
            self.stream_sample(final=True)
        self.show_training()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A bug in the run (not a refused setting) must still say so, not vanish."""
        if event.state != WorkerState.ERROR or not self._panes_alive():
            return
        if event.worker.group == "sample":
            self._sample_pending = False
        elif event.worker.group == "sync":
            self._sync_pending = False
            self.log_line(f"could not show the trained weights: {event.worker.error!r}")
        elif event.worker.group == "training":
            self.log_line(f"training crashed: {event.worker.error!r}")
            if self.training is not None:
                self.training.state = "finished"
            self.show_training()

    # ------------------------------------------------------------------ weights and samples

    def show_run_model(self, run: TrainingRun) -> None:
        """The panes switch to the run's model, on the start of its validation probe text."""
        clipping = Clipping(run.config.clip_mode, run.config.clip)
        self.request_sync(text=run.probe_text[:PANE_CHARS], cursor=1, clipping=clipping)

    def request_sync(self, text: str | None = None, cursor: int | None = None, clipping=None) -> None:
        """Prepare a StepSession on the trainer's current weights in a thread (WeightsReady installs it)."""
        run = self.training
        snapshot = None if run is None else run.snapshot()
        if snapshot is None or self._sync_pending:
            return
        step, params = snapshot
        if step == self._synced_step and text is None:
            run.want_snapshot()  # newer weights come with a later TrainingProgress
            return
        s = self.session
        self._sync_pending = True
        self.run_worker(partial(prepare_session, self, run, step, params, s.text if text is None else text,
                                s.cursor if cursor is None else cursor, s.clipping if clipping is None else clipping,
                                s.seed), group="sync", thread=True, exit_on_error=False)

    def on_weights_ready(self, message: WeightsReady) -> None:
        self._sync_pending = False
        run = self.training
        if not self._panes_alive():
            return
        if message.run is not run:  # a finished run's last sync; the new run's first one was refused
            if run is not None and run.started and self._synced_step < 0:
                self.show_run_model(run)
            return
        if message.step < self._synced_step or message.session is None:
            return
        session = message.session
        if self._synced_step >= 0 and self.session.text != message.text:
            self._next_sync = 0.0  # the text was edited meanwhile: the next sync uses the new one
            return
        if self._synced_step >= 0:
            session.move_to(min(self.session.cursor, session.T))  # a key may have moved it meanwhile
        start = time.perf_counter()
        for name, value in message.derived.items():
            if hasattr(self, name):  # RnnApp's caches (app.py); if they are renamed, it only costs time
                setattr(self, name, value)
        self.session = session
        self._synced_step = message.step
        self.changed(keep_sample=True)
        cost = time.perf_counter() - start
        self.sync_seconds.append(cost)
        self._next_sync = time.monotonic() + max(SYNC_INTERVAL, (message.seconds + cost) / SYNC_DUTY)
        if not run.active or run.paused:  # the last weights of a pause or a finished run: show them
            self.call_later(self.request_sync)

    def stream_sample(self, final: bool = False) -> None:
        """Every SAMPLE_INTERVAL: a sample from the trainer's current weights, drawn in a thread
        (`final`: once more when the run ends, from its last weights)."""
        run = self.training
        if run is None or self._sample_pending or not (final or (run.active and not run.paused)):
            return
        snapshot = run.snapshot()
        if snapshot is None or snapshot[0] < 1:
            return
        step, params = snapshot
        model = Checkpoint(run.model_config, run.vocab_chars, params)
        self._sample_pending = True
        self.run_worker(partial(draw_sample, self, model, step, self.training_prime, self.temperature),
                        group="sample", thread=True, exit_on_error=False)

    def on_training_sample(self, message: TrainingSample) -> None:
        self._sample_pending = False
        if not self._panes_alive():
            return
        self.training_samples.append((message.step, message.text))
        shown = message.text.replace("\n", "↵")
        self.log_line(f"sample @{message.step:,} T={self.temperature:g}: {shown}")

    # ------------------------------------------------------------------ drawing

    @staticmethod
    def model_label(config: TrainConfig) -> str:
        return f"{CELL_LABELS[config.cell]} {config.num_layers}×{config.hidden_size}"

    def log_line(self, text: str) -> None:
        console = self.query_one(GenerationConsole)
        width = max(20, console.content_region.width - 1)
        for start in range(0, max(1, len(text)), width):  # the log does not wrap: wrap here
            console.write_log(text[start:start + width])

    def loss_curve_pane(self, running: bool) -> LossCurve:
        """The loss-curve pane in the console, mounted on first use; lays the screen out for a run."""
        main = self.screen_stack[0]
        main.set_class(True, "has-run")
        main.set_class(running, "training")
        curves = self.query(LossCurve)
        if curves:
            return curves.first()
        curve = LossCurve(id="loss-curve")
        self.query_one(GenerationConsole).mount(curve, before="#console-log")
        return curve

    def show_training(self) -> None:
        """Mount the loss curve on first use, then redraw it from the run's history."""
        run = self.training
        if run is None:
            return
        curve = self.loss_curve_pane(running=run.active)
        history = run.history
        last = history.last
        settings = run.settings
        clip_mode, clip = (settings.clip_mode, settings.clip) if settings else (run.config.clip_mode, run.config.clip)
        state = "paused" if run.active and run.paused else run.state
        val = history.val_losses[-1] if history.val_losses else None
        stats = TrainingStats(
            state=state, corpus=run.corpus.name, model=self.model_label(run.config), step=run.step,
            loss=None if last is None else last.loss, val_loss=val, best_val_loss=history.best_val_loss,
            tokens_per_second=history.tokens_per_second or None, eta_seconds=run.eta_seconds() if run.active else None,
            grad_norm=None if last is None else last.grad_norm,
            grad_norm_clipped=None if last is None else last.grad_norm_clipped,
            clipping=clipping_label(clip_mode, clip), lr=None if last is None else last.lr,
        )
        n = len(history.steps)  # the thread may append meanwhile: copy a consistent prefix
        data = CurveData(history.steps[:n], history.losses[:n], list(history.val_steps), list(history.val_losses))
        curve.show(stats, data)


def draw_sample(app, model: Checkpoint, step: int, prime: str, temperature: float) -> None:
    """In a thread: SAMPLE_CHARS characters from `model` (NumPy engine), posted to the app."""
    from rnntui.engine.sampling import NumpyStepper, generate
    from rnntui.engine.vocab import Vocab

    try:
        text = generate(NumpyStepper(model), Vocab(model.vocab), prime, SAMPLE_CHARS, temperature, seed=step)
    except RnntuiError as error:
        text = f"(no sample: {error})"
    app.post_message(TrainingSample(step, text))


def parse_positive(text: str, what: str) -> float:
    try:
        value = float(text.strip())
    except ValueError:
        raise RnntuiError(f"{what} must be a number, got {text.strip()!r}") from None
    if not value > 0:
        raise RnntuiError(f"{what} must be > 0, got {value:g}")
    return value
