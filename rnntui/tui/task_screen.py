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
The picker (`o`) opens another task here; a corpus or a series chosen in it posts `Chosen`, and
the app leaves this screen for the one that shows it.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Static

from rnntui.engine.task_session import TaskSession
from rnntui.engine.tasks import make_task
from rnntui.i18n import t
from rnntui.tui import task_views, views
from rnntui.tui.keys import key
from rnntui.tui.model_screen import MODEL_KEYS, STYLESHEET, ModelScreen
from rnntui.tui.step_screen import APP_KEYS, set_border_titles
from rnntui.tui.widgets.heatmap import HeatmapPane
from rnntui.tui.widgets.key_footer import KeyFooter
from rnntui.tui.widgets.task_gradients import TaskGradientPane
from rnntui.tui.widgets.task_output import TaskOutputPane
from rnntui.tui.widgets.task_sequence import TaskSequencePane


class TaskScreen(ModelScreen):
    """Step through one task sequence and see how much of the end loss reaches the marked steps."""

    CSS_PATH = STYLESHEET
    PICKS = "task"
    HELP = "taskapp.help.intro"
    BINDINGS = [
        key("right,l", "step(1)", "task-step-forward", key_display="→/l"),
        key("left,h", "step(-1)", "task-step-back", key_display="←/h"),
        key("home", "jump('first')", "first", show=False),
        key("end", "jump('last')", "last", show=False),
        key("n", "new_sequence", "new-sequence"),
        *MODEL_KEYS,
    ]

    class Shown(Message):
        """The panes were redrawn; a waiting one is replaced by a newer one."""

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, TaskScreen.Shown)

    session: TaskSession

    def session_for(self, name: str) -> TaskSession:
        return self.session.for_task(make_task(name))

    def shown_name(self) -> str:
        return self.session.task.name

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
        yield KeyFooter(pinned=APP_KEYS)

    def on_mount(self) -> None:
        titles = {
            "#task-hidden": (t("step.title.hidden"), t("step.title.hidden_sub")),
            "#task-gradients": (t("taskapp.title.gradients"), t("taskapp.title.gradients_sub")),
            "#task-output": (t("taskapp.title.output"), ""),
        }
        set_border_titles(self, titles)
        super().on_mount()

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
