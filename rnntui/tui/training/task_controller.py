"""TaskTrainingController: live training on the task and series screens, an object the app owns.

`t` on either screen trains the model on screen (its cell and size) on the screen's task or
series in a child process (`rnntui.live.task_run.LiveTaskRun`, the loop and settings of
`rnntui experiment` and `rnntui series`), and again pauses or resumes it; `T` stops it. Whatever the run reports reaches the UI thread as the
corpus runs' message, `TrainingController.RunNews`, handled in `on_news`: the training pane (mounted into the
screen's `#task-training` or `#series-training`) is redrawn from the run's history, and the latest weights are proposed to the
screen (`install_params`), at most as often as the screen can redraw them within a small share of
its time. The model is read-only while a run is active (`weights_locked`). A run that ends saves
its weights under runs/app/ with the task recorded; `q` while it trains asks first.
"""

from __future__ import annotations

import threading
import time

from rnntui.errors import RnntuiError
from rnntui.i18n import t
from rnntui.live.service import RunEvent, RunFinished, RunProgress, RunStarted, RunStateChanged
from rnntui.engine.series_session import SeriesSession
from rnntui.live.task_protocol import Job, SeriesJob, TaskJob
from rnntui.live.task_run import LiveTaskRun
from rnntui.tui.screens.confirm import ConfirmScreen
from rnntui.tui.training.controller import CLOSE_GRACE, UI_DUTY, VIEW_EVERY, TrainingController
from rnntui.tui.training.saving import SAVE_DIR
from rnntui.tui.training.task_curve import task_training_view
from rnntui.tui.widgets.task_training import TaskTrainingPane

PANE_ID = "task-training-pane"
TRAINING_CONTAINERS = ("#task-training", "#series-training")  # where each screen takes a run's widgets
# The app's runs end on T or on success; the budget only bounds a run nobody stops, well beyond the
# experiment's, so that a model smaller than the experiment's still gets there while watched.
APP_MAX_SEQUENCES = 1_000_000
QUIT_WAIT = 15.0  # seconds q-and-save waits for the stopped run to save before the app exits anyway


def job_for(session) -> tuple[Job, str]:
    """What a run trains for the session on screen (its task or series, its cell, size and seed),
    and the file name its weights are saved under."""
    config = session.config
    if isinstance(session, SeriesSession):
        series = session.series
        job = SeriesJob(series.name, session.values, series.log, series.test_points, cell=config.cell,
                        seed=session.seed, hidden_size=config.hidden_size)
        return job, f"{series.name}-{config.cell}"
    task = session.task
    job = TaskJob(task.name, task.setting, cell=config.cell, seed=session.seed, hidden_size=config.hidden_size,
                  max_sequences=APP_MAX_SEQUENCES)
    setting = "" if task.setting is None else f"-{task.kind.setting}{task.setting}"
    return job, f"{task.name}{setting}-{config.cell}"


class TaskTrainingController:
    """Live training for the task screen: start, pause, stop, quit, and what the run reports."""

    def __init__(self, app) -> None:
        self.app = app
        self.run: LiveTaskRun | None = None
        self.screen = None  # the task screen the run trains the model of
        self.installed = -1  # the sequence count of the weights on screen
        self.install_every = VIEW_EVERY[0]  # seconds between weights installed (paced by their cost)
        self._last_install = 0.0
        self._quitting = False  # q answered "save": the app exits once the run has saved

    @property
    def active(self) -> bool:
        return self.run is not None and self.run.active

    def weights_locked(self) -> str | None:
        """Why the task screen's model may not change now, or None."""
        return t("tasklive.note.read_only") if self.active else None

    def close(self) -> None:
        """The app is going: no child may outlive it, and nothing is saved that nobody asked for."""
        if self.run is not None:
            self.run.save_to = None
            self.run.close(CLOSE_GRACE)

    def post_news(self, event: RunEvent) -> None:
        """The run's callback, in its reader thread: hand the event to the UI thread (thread-safe) in
        the corpus runs' own message (a newer progress replaces a waiting one of the same run)."""
        self.app.post_message(TrainingController.RunNews(event))

    # ------------------------------------------------------------------ keys

    def toggle(self, screen) -> None:
        """t: start a run of the screen's task and model, or pause / resume the active one."""
        run = self.run
        if run is not None and run.active:
            if run.paused:
                run.resume()
                self.notify(t("tasklive.note.resumed"))
            else:
                run.pause()
                self.notify(t("tasklive.note.paused"))
            self.show()
            return
        self.start(screen)

    def stop(self) -> None:
        """T: end the run after its current step; its weights are saved and stay on screen."""
        if self.active:
            self.run.stop()
            self.notify(t("tasklive.note.stopping", sequences=f"{self.run.sequences:,}"))
        else:
            self.app.notify(t("training.notify.no_training"), timeout=2)

    def start(self, screen) -> LiveTaskRun | None:
        job, name = job_for(screen.session)
        run = LiveTaskRun(job, self.post_news, save_to=SAVE_DIR / f"{name}.safetensors")
        try:
            run.start()
        except RnntuiError as error:
            self.app.notify(str(error), title=t("training.notify.cannot_train"), severity="error", timeout=10)
            return None
        if self.run is not None:  # an ended run's child may still be saving: it ends in the background
            threading.Thread(target=self.run.close, args=(CLOSE_GRACE,), name="closing-run", daemon=True).start()
        self.run, self.screen, self.installed = run, screen, -1
        self.pane(screen)
        self.show()
        self.app.refresh_bindings()
        return run

    def quit(self, then) -> None:
        """q while a run is active: save it first (it stops, saves, and the app exits), or not.
        `then()` is what q does without a task run (the corpus run's own question, or exit)."""
        if not self.active:
            then()
            return
        run = self.run

        def answered(answer: str | None) -> None:
            if not answer or self.run is not run:
                return
            if answer == "yes" and run.active:
                self._quitting = True
                run.stop()  # the run saves when it ends; on_news exits then
                self.app.set_timer(QUIT_WAIT, self.app.exit)  # a child that does not answer
                return
            run.save_to = None
            run.stop()
            then()

        self.app.push_screen(ConfirmScreen(t("tasklive.quit.question", what=run.label, sequences=f"{run.sequences:,}"),
                                           t("training.save.quit_yes", folder=SAVE_DIR), t("training.save.quit_no")),
                             answered)

    def notify(self, text: str) -> None:
        self.app.notify(text, timeout=3)

    # ------------------------------------------------------------------ what the run reports

    def on_news(self, event: RunEvent) -> None:
        """What the run reported, on the UI thread; news from an earlier run is dropped."""
        run = self.run
        if run is None or event.run_id != run.id or not self.app.screen_stack:
            return
        match event:
            case RunStarted() | RunStateChanged():
                self.show()
            case RunProgress():
                self.install()
                self.show()
            case RunFinished(message=message, failed=failed):
                self.install(force=True)
                self.show()
                self.app.notify(message, title=t("tasklive.note.ended"), severity="error" if failed else "information",
                                timeout=8)
                self.app.refresh_bindings()
                if self._quitting:
                    self.app.exit()

    def install(self, force: bool = False) -> None:
        """Propose the run's latest weights to the screen, paced so that redrawing them stays within
        UI_DUTY of the UI's time (exactly the paused or final weights always)."""
        run = self.run
        if run.params is None or run.params_sequences == self.installed:
            return
        exact = force or run.paused or not run.active
        if not exact and time.monotonic() - self._last_install < self.install_every:
            return
        start = time.perf_counter()
        self.installed = run.params_sequences
        config = run.model_config
        self.screen.install_params(run.params, None if config == self.screen.session.config else config)
        cost = time.perf_counter() - start
        low, high = VIEW_EVERY
        self.install_every = min(high, max(low, cost / UI_DUTY))
        self._last_install = time.monotonic()

    # ------------------------------------------------------------------ the pane

    def pane(self, screen) -> TaskTrainingPane:
        """The training pane in the screen's training container, mounted on first use."""
        found = screen.query(f"#{PANE_ID}")
        if found:
            return found.first(TaskTrainingPane)
        pane = TaskTrainingPane(id=PANE_ID)
        screen.query_one(", ".join(TRAINING_CONTAINERS)).mount(pane)
        return pane

    def show(self) -> None:
        if self.run is not None and self.screen is not None and self.screen.is_mounted:
            self.pane(self.screen).show(task_training_view(self.run))
