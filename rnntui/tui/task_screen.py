"""TaskScreen: one sequence of one of the paper's tasks, stepped through, over one TaskSession.

Top: the sequence (values and markers, or symbols), the steps the answer depends on highlighted.
Below it, the whole width: how much of the END loss's gradient reaches each step, ||dL/dh_t|| on
a log scale, with the share left at the marked steps: the vanishing gradient on the task made to
show it. Bottom: the hidden state (and an LSTM's cell state) and the gates over time, and the
output at the cursor with the answer at the end against the target and the paper's criterion.

As on the stepping screen, every key calls one session method and then `render_session()`.

For a training run on this screen (its owner's business, not the screen's):
- `install_params(params)` shows new weights of the same model (a run's latest): the sequence and
  the cursor stay, every pane is computed again. `install_session(session)` shows another one.
- `#task-training` is an empty container between the panes and the status line, no lines high while it
  is empty: mount the run's widgets (a loss curve, its figures) into it and it takes their room.
- `TaskScreen.Shown` is posted after each redraw (the latest replaces a waiting one).
The picker (`o`) opens another task here; a corpus chosen in it posts `TaskScreen.Leave`, and the
app goes back to the stepping screen.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from textual import events
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Static

from rnntui.engine.corpus import Corpus
from rnntui.engine.task_session import TaskSession
from rnntui.engine.tasks import make_task
from rnntui.errors import RnntuiError
from rnntui.i18n import t
from rnntui.tui import task_views, views
from rnntui.tui.keys import key, localize_bindings
from rnntui.tui.screens.corpus_picker import CorpusPickerScreen, Picked
from rnntui.tui.screens.help import HelpScreen
from rnntui.tui.step_screen import fit_to_size, set_border_titles
from rnntui.tui.widgets.heatmap import HeatmapPane
from rnntui.tui.widgets.task_gradients import TaskGradientPane
from rnntui.tui.widgets.task_output import TaskOutputPane
from rnntui.tui.widgets.task_sequence import TaskSequencePane


class TaskScreen(Screen[None]):
    """Step through one task sequence and see how much of the end loss reaches the marked steps."""

    CSS_PATH = Path(__file__).with_name("task_screen.tcss")
    BINDINGS = [
        key("right,l", "step(1)", "task-step-forward", key_display="→/l"),
        key("left,h", "step(-1)", "task-step-back", key_display="←/h"),
        key("home", "jump('first')", "first", show=False),
        key("end", "jump('last')", "last", show=False),
        key("n", "new_sequence", "new-sequence"),
        key("c", "cycle_cell", "cycle-cell"),
        key("r", "rerandomize", "rerandomize"),
        key("o", "open_picker", "open-picker"),
        key("question_mark", "help", "help", key_display="?"),
    ]

    class Shown(Message):
        """The panes were redrawn; a waiting one is replaced by a newer one."""

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, TaskScreen.Shown)

    class Leave(Message):
        """A corpus was chosen here: the owner shows the text again, with `corpus` to train on."""

        def __init__(self, corpus) -> None:
            super().__init__()
            self.corpus = corpus

    def __init__(self, session: TaskSession) -> None:
        super().__init__()
        localize_bindings(self)  # the words in the language chosen now
        self._session = session

    @property
    def session(self) -> TaskSession:
        """The session the panes show; only `install_session` replaces it."""
        return self._session

    def compose(self) -> ComposeResult:
        yield Static(id="too-small")
        with Vertical(id="main"):
            yield TaskSequencePane(id="task-sequence")
            yield TaskGradientPane(id="task-gradients")  # the whole width: a hundred steps in one page
            with Horizontal(id="task-bottom"):
                yield HeatmapPane(id="task-hidden")
                yield HeatmapPane(id="task-gates")
                yield TaskOutputPane(id="task-output")
            yield Vertical(id="task-training")  # a training run's widgets, mounted by its owner
            yield Static(id="task-status", markup=False)
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        titles = {
            "#task-hidden": (t("step.title.hidden"), t("step.title.hidden_sub")),
            "#task-gradients": (t("taskapp.title.gradients"), t("taskapp.title.gradients_sub")),
            "#task-output": (t("taskapp.title.output"), ""),
        }
        set_border_titles(self, titles)
        fit_to_size(self, self.app.size)
        self.render_session()

    def on_resize(self, event: events.Resize) -> None:
        fit_to_size(self, event.size)
        self.call_after_refresh(self.render_session)

    @property
    def compact(self) -> bool:
        return self.has_class("compact")

    # ------------------------------------------------------------------ the one re-render

    def render_session(self) -> None:
        """Redraw every pane from the session: after each change, and cheap when nothing moved."""
        s = self.session
        cfg = s.config
        sequence = self.query_one("#task-sequence", TaskSequencePane)
        sequence.border_title = task_views.task_title(s)
        sequence.border_subtitle = t("taskapp.title.sequence_sub")
        sequence.show(task_views.sequence_view(s))
        tokens = task_views.tokens(s)
        blocks, _ = views.hidden_blocks(s)
        self.query_one("#task-hidden", HeatmapPane).show(blocks, tokens, s.cursor - 1,
                                                        header=task_views.hidden_header(s), data=s.trace)
        gates = self.query_one("#task-gates", HeatmapPane)
        gates.border_title = t("step.title.gates") if cfg.cell != "rnn" else t("step.title.pre_activation")
        gates.border_subtitle = {"rnn": t("step.title.no_gates"), "lstm": "LSTM i f g o", "gru": "GRU r z n"}[cfg.cell]
        gates.show(views.gate_blocks(s), tokens, s.cursor - 1, header=task_views.gate_header(s), data=s.trace)
        self.query_one("#task-gradients", TaskGradientPane).show(task_views.gradient_view(s))
        self.query_one("#task-output", TaskOutputPane).show(task_views.output_view(s))
        self.query_one("#task-status", Static).update(task_views.status_text(s, self.app.size.width), layout=False)
        self.post_message(self.Shown())

    def attempt(self, change, *args) -> bool:
        """Run a session change; a refusal becomes a notification and changes nothing."""
        try:
            change(*args)
        except RnntuiError as error:
            self.notify(str(error), title=t("step.note.refused"), severity="error")
            return False
        return True

    # ------------------------------------------------------------------ what others propose

    def install_session(self, session: TaskSession) -> None:
        """Show `session` from now on: the only way the shown session changes."""
        self._session = session
        self.render_session()

    def install_params(self, params: dict[str, np.ndarray]) -> None:
        """New weights of the same model (a training run's): sequence and cursor stay, all is recomputed."""
        if self.attempt(self.session.install_params, params):
            self.render_session()

    # ------------------------------------------------------------------ keys

    def action_step(self, direction: int) -> None:
        moved = self.session.step_forward() if direction > 0 else self.session.step_back()
        if moved:
            self.render_session()

    def action_jump(self, where: str) -> None:
        self.session.first() if where == "first" else self.session.last()
        self.render_session()

    def action_new_sequence(self) -> None:
        self.session.new_sequence()
        self.notify(t("taskapp.note.new_sequence", seed=self.session.sequence_seed), timeout=2)
        self.render_session()

    def action_cycle_cell(self) -> None:
        cell = self.session.cycle_cell()
        self.notify(t("step.note.new_cell", cell=views.cell_name(cell), seed=self.session.seed), timeout=2)
        self.render_session()

    def action_rerandomize(self) -> None:
        self.session.randomize()
        self.notify(t("step.note.fresh_weights", seed=self.session.seed), timeout=2)
        self.render_session()

    def action_open_picker(self) -> None:
        """The picker: another task opens here (same cell, size and seed); a corpus leaves for the text."""
        self.app.push_screen(CorpusPickerScreen(Picked("task", self.session.task.name).id), self.picked)

    def picked(self, choice: Corpus | Picked | None) -> None:
        if isinstance(choice, Picked) and choice.kind == "task":
            self.install_session(self.session.for_task(make_task(choice.name)))
        elif choice is not None:
            self.post_message(self.Leave(choice))

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen(self.active_bindings, intro=t("taskapp.help.intro"), notes=""))
