"""What the task screen and the series screen share: one session they show, its model keys, the
picker, help and the size check. Each subclass lays out and draws its own panes.

The session (TaskSession or SeriesSession) has `seed`, `cycle_cell()` and `randomize()`;
`install_session` is the only way the shown one changes, and every key ends in `render_session()`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import ClassVar

import numpy as np
from textual import events
from textual.screen import Screen

from rnntui.engine.config import ModelConfig
from rnntui.engine.corpus import Corpus
from rnntui.errors import RnntuiError
from rnntui.i18n import t
from rnntui.tui import views
from rnntui.tui.keys import key, localize_bindings
from rnntui.tui.screens.corpus_picker import Chosen, CorpusPickerScreen, Picked
from rnntui.tui.screens.help import HelpScreen
from rnntui.tui.step_screen import fit_to_size, never_locked

STYLESHEET = Path(__file__).with_name("task_screen.tcss")

# The keys both screens bind, after their own stepping keys.
MODEL_KEYS = [
    key("c", "cycle_cell", "cycle-cell"),
    key("r", "rerandomize", "rerandomize"),
    key("o", "open_picker", "open-picker"),
    # A training run owns the model: while it is active (`locked`), c, r and o say why instead.
    key("c,r,o", "model_refused", "task-model-refused", show=False, key_display="c r o"),
    key("t", "app.train", "task-train"),
    key("T", "app.stop_training", "task-stop-training", show=False),
    key("question_mark", "help", "help", key_display="?"),
]
# Keys that replace the model (or the task or series it reads): off while a run trains it.
MODEL_ACTIONS = frozenset({"cycle_cell", "rerandomize", "open_picker"})


class ModelScreen(Screen[None]):
    """A screen over one session of a task or a series; `PICKS` says which picks it shows itself."""

    PICKS: ClassVar[str]  # "task" | "series": picks of this kind open here, others are the app's (Chosen)
    HELP: ClassVar[str]  # catalogue key of the help screen's introduction

    def __init__(self, session, locked: Callable[[], str | None] = never_locked) -> None:
        """`locked` says why the model may not change now (None: it may): a training run's owner says."""
        super().__init__()
        localize_bindings(self)  # the words in the language chosen now
        self._session = session
        self.locked = locked

    @property
    def session(self):
        """The session the panes show; only `install_session` replaces it."""
        return self._session

    def install_session(self, session) -> None:
        """Show `session` from now on: the only way the shown session changes."""
        self._session = session
        self.render_session()

    def render_session(self) -> None:
        raise NotImplementedError

    def session_for(self, name: str):
        """A fresh session of the same cell, size and seed on the task or series `name`."""
        raise NotImplementedError

    def shown_name(self) -> str:
        raise NotImplementedError

    def install_params(self, params: dict[str, np.ndarray], config: ModelConfig | None = None) -> None:
        """New weights of the same model (a training run's): the sequence or series, the cursor or
        the cut stay, every figure is computed again. Weights that do not fit are one notification.
        `config` when they are another model's (a task run trains one layer of tanh units)."""
        try:
            self.session.install_params(params, *([config] if config is not None else []))
        except RnntuiError as error:
            self.notify(str(error), title=t("step.note.refused"), severity="error")
            return
        self.render_session()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The model's keys are off while a run trains it; then the same keys say why."""
        locked = self.locked() is not None
        if action in MODEL_ACTIONS:
            return not locked
        if action == "model_refused":
            return locked
        return True

    def action_model_refused(self) -> None:
        reason = self.locked()
        if reason:
            self.notify(reason, title=t("step.note.refused"), severity="warning", timeout=4)

    def on_mount(self) -> None:
        fit_to_size(self, self.app.size)
        self.render_session()

    def on_resize(self, event: events.Resize) -> None:
        fit_to_size(self, event.size)
        self.call_after_refresh(self.render_session)

    def action_cycle_cell(self) -> None:
        cell = self.session.cycle_cell()
        self.notify(t("step.note.new_cell", cell=views.cell_name(cell), seed=self.session.seed), timeout=2)
        self.render_session()

    def action_rerandomize(self) -> None:
        self.session.randomize()
        self.notify(t("step.note.fresh_weights", seed=self.session.seed), timeout=2)
        self.render_session()

    def action_open_picker(self) -> None:
        """The picker: a pick of this screen's kind opens here (same cell, size and seed); a corpus,
        or a pick another screen shows, is the app's (`Chosen`)."""
        self.app.push_screen(CorpusPickerScreen(Picked(self.PICKS, self.shown_name()).id), self.picked)

    def picked(self, choice: Corpus | Picked | None) -> None:
        if isinstance(choice, Picked) and choice.kind == self.PICKS:
            self.install_session(self.session_for(choice.name))
        elif choice is not None:
            self.post_message(Chosen(choice))

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen(self.active_bindings, intro=t(self.HELP), notes=""))
