"""Saving a run from the app: where to (paths), asking first (s), and saving on the way out (q).

`RunSaving` belongs to the TrainingController, which tells it when the run's state or its view
changed (`save_when_paused`). With no run the stepped model is saved, as `rnntui app` shows it.
Every failure is one line in the log and a notification; the app stays open.
"""

from __future__ import annotations

from pathlib import Path

from rnntui.engine.checkpoint import save_checkpoint
from rnntui.engine.paths import check_name_lengths, unused_path
from rnntui.errors import RnntuiError
from rnntui.i18n import t
from rnntui.tui.screens.confirm import ConfirmScreen
from rnntui.tui.screens.prompt import PromptScreen

SAVE_DIR = Path("runs") / "app"
PAUSED_VIEW_WAIT = 5.0  # seconds q-and-save waits for the paused weights before saving the last view


class RunSaving:
    """s and q-and-save for the controller's run (or, with none, the screen's model)."""

    def __init__(self, training) -> None:
        self.training = training
        self.app = training.app
        self.saving_to_quit = False  # q answered "save": waiting for the paused weights' view

    def default_save_path(self) -> Path:
        run = self.training.run
        if run is not None and run.view is not None:
            stem = Path(run.corpus.name).stem or "run"
            return SAVE_DIR / f"{stem}-{run.config.cell}-step{run.view.step}.safetensors"
        session = self.training.screen.session
        return SAVE_DIR / f"{session.config.cell}-h{session.config.hidden_size}.safetensors"

    def save_to(self, path: str | Path) -> Path:
        """Save the trained weights (or, with no run, the stepped model) as rnntui/1, atomically.
        Every failure (a full disk, an unwritable folder) is one RnntuiError line."""
        path = checked_save_path(path)
        run = self.training.run
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            if run is not None and run.view is not None:
                view = run.view
                session = view.session
                return save_checkpoint(path, session.params, session.config, list(run.vocab),
                                       run.checkpoint_metadata(view.step))
            s = self.training.screen.session
            return save_checkpoint(path, s.params, s.config, s.vocab.chars, {"source": "rnntui app"})
        except OSError as error:
            raise RnntuiError(t("training.save.cannot_save", path=repr(str(path)), reason=error.strerror or error)) from None

    def ask_save(self) -> None:
        """s: save a checkpoint; the path is asked for, and an existing file only after a yes."""

        existing: list[Path] = []  # a path that needs a yes first, asked once the prompt has closed

        def apply(text: str) -> None:
            path = checked_save_path(text.strip())
            if path.exists():
                existing.append(path)
                return
            self.say_saved(self.save_to(path))

        def closed(applied: bool | None) -> None:
            if applied and existing:
                path = existing[-1]
                self.app.push_screen(ConfirmScreen(t("training.save.exists", path=path), t("training.save.overwrite", path=path)),
                                     lambda answer: answer == "yes" and self.save_and_say(path))

        self.app.push_screen(PromptScreen(t("training.save.prompt"), str(self.default_save_path()),
                                          apply, t("training.save.hint")), closed)

    def save_and_say(self, path: Path) -> bool:
        try:
            self.say_saved(self.save_to(path))
        except RnntuiError as error:
            self.training.log_line(t("training.log.not_saved", error=error))
            self.app.notify(str(error), title=t("training.notify.not_saved"), severity="error", timeout=10)
            return False
        return True

    def say_saved(self, saved: Path) -> None:
        self.training.log_line(t("training.log.saved", path=saved))

    def quit(self) -> None:
        """q: while a run is active, ask whether to save it first; a failed save keeps the app open.

        Saving pauses the run and waits for the child's view of the paused weights, so the file
        holds the step the run stopped at, not the last view that happened to arrive."""
        app = self.app
        if not self.training.active:
            app.exit()
            return
        run = self.training.run

        def answered(answer: str | None) -> None:
            if not answer or self.training.run is not run:
                return
            if answer != "yes":
                run.stop()
                app.exit()
                return
            self.saving_to_quit = True
            if not run.paused:
                self.training.log_line(t("training.log.pausing_to_save", step=f"{run.step:,}"))
                run.pause()
            app.set_timer(PAUSED_VIEW_WAIT, self.save_and_quit)  # a child that does not answer: the last view
            self.save_when_paused()

        app.push_screen(ConfirmScreen(t("training.save.quit_question", step=f"{run.step:,}"),
                                      t("training.save.quit_yes", folder=SAVE_DIR), t("training.save.quit_no")), answered)

    def save_when_paused(self) -> None:
        """Save and quit once the view on screen holds the paused run's exact weights."""
        run = self.training.run
        if self.saving_to_quit and run is not None and run.view is not None and (
                not run.active or (run.paused and run.view.step == run.step)):
            self.save_and_quit()

    def save_and_quit(self) -> None:
        if not self.saving_to_quit:
            return
        self.saving_to_quit = False
        path = unused_path(self.default_save_path())
        if self.save_and_say(path):
            if self.training.run is not None:
                self.training.run.stop()
            self.app.exit()


def checked_save_path(text: str | Path) -> Path:
    path = Path(text).expanduser()
    check_name_lengths(path)  # before is_dir() and exists(), which raise on such a name
    if path.suffix != ".safetensors":
        raise RnntuiError(t("training.save.suffix", path=repr(str(path))))
    if path.is_dir():
        raise RnntuiError(t("training.save.folder", path=repr(str(path))))
    return path
