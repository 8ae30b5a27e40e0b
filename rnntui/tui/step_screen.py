"""StepScreen: five panes over one StepSession, the keys that step and change it, one re-render.

The screen owns what it shows: the session, the selected unit, play, temperature and sample.
Every key is an action that calls one StepSession method and then `render_session()`. Anything
outside a key (a training run's new weights, a demo step) proposes a session through
`install_session`, the only way the shown session changes. Settings such as clipping, the cell
and the activation live in the session alone; everyone reads them from `screen.session`.

Both apps show this screen: `RnnApp` adds its training keys, `DemoApp` adds narration and its
own navigation keys (`DemoScreen`). The owner says whether the weights are locked now (a
training run is active: they are the run's); `check_action` is the one place that turns that
into refused keys. After each redraw the screen posts `Shown`, which a training run follows.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from rich.cells import chop_cells
from textual import events, on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.screen import Screen
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Static

from rnntui.engine.config import CELLS
from rnntui.engine.recompute import PARTS
from rnntui.engine.sampling import TEMPERATURES
from rnntui.engine.session import StepSession
from rnntui.engine.weights import W_HH_STEP
from rnntui.exercises.keys import cycle_clipping
from rnntui.errors import RnntuiError
from rnntui.i18n import t
from rnntui.numbers import parse_number
from rnntui.tui import views
from rnntui.tui.recompute import Recomputer
from rnntui.tui.screens.help import HelpScreen
from rnntui.tui.screens.prompt import PromptScreen, escape_text, unescape_text
from rnntui.tui.screens.weight_editor import WeightEditorScreen
from rnntui.tui.widgets.console import DistributionPane, GenerationConsole
from rnntui.tui.widgets.gradients import GradientPane
from rnntui.tui.widgets.heatmap import HeatmapPane
from rnntui.tui.widgets.key_footer import KeyFooter
from rnntui.tui.widgets.loss_curve import LossCurve
from rnntui.tui.widgets.sequence import SequencePane
from rnntui.tui.keys import key, localize_bindings

STYLESHEET = Path(__file__).with_name("app.tcss")  # the layout of this screen and the screens over it
MIN_WIDTH, MIN_HEIGHT = 80, 24
COMPACT_HEIGHT = 32  # below this the layout folds the log away and tightens the panes
SPEEDS = (0.5, 1.0, 2.0, 4.0, 8.0, 16.0)  # play speeds, steps per second
SAMPLE_LENGTH = 60

# Keys that change the weights. While the owner locks them, `check_action` turns these off and
# turns on `weights_refused` on the same keys, which says why.
WEIGHT_ACTIONS = frozenset({"scale_w_hh", "rerandomize", "reset_weights"})
# Keys that make a new model. While locked they are off too: the owner may bind the same keys
# to its own meaning (a training run restarts with the new model, after asking).
MODEL_ACTIONS = frozenset({"cycle_cell", "toggle_activation"})

# Keys both apps bind at their own level, after their own keys (so the footer ends with them).
APP_KEYS = [
    key("question_mark", "help", "help", key_display="?"),
    key("ctrl+p", "command_palette", "palette", show=False, key_display="ctrl+p"),
    key("q", "quit", "quit"),
]


def never_locked() -> str | None:
    return None


class StepScreen(Screen[None]):
    """Step a recurrent network through text and watch its state, gates and gradients."""

    BINDINGS = [
        key("right,l", "step(1)", "step-forward", key_display="→/l"),
        key("left,h", "step(-1)", "step-back", key_display="←/h"),
        key("home", "jump('first')", "first", show=False),
        key("end", "jump('last')", "last", show=False),
        key("space", "play", "play", key_display="space"),
        key("comma", "speed(-1)", "slower", show=False, key_display=","),
        key("full_stop", "speed(1)", "faster", show=False, key_display="."),
        key("up", "select_unit(-1)", "unit-up", show=False, key_display="↑"),
        key("down", "select_unit(1)", "unit-down", show=False, key_display="↓"),
        key("c", "cycle_cell", "cycle-cell"),
        key("a", "toggle_activation", "activation", show=False),
        key("k", "cycle_clipping", "clipping"),
        key("K", "set_threshold", "threshold", show=False),
        key("v", "next_gate(1)", "next-gate", show=False),
        key("left_square_bracket", "scale_w_hh(-1)", "w-hh-down", key_display="["),
        key("right_square_bracket", "scale_w_hh(1)", "w-hh-up", key_display="]"),
        key("b", "toggle_bars", "gradient-bars", show=False),
        key("w", "weights", "weight-editor"),
        key("r", "rerandomize", "rerandomize", show=False),
        key("R", "reset_weights", "reset-weights", show=False),
        # The same keys while the weights are locked (check_action): each press says why.
        key("left_square_bracket,right_square_bracket,r,R", "weights_refused", "weights-refused", show=False, key_display="[ ] r R"),
        key("e", "edit_text", "edit-text"),
        key("g", "sample", "sample"),
        key("minus", "temperature(-1)", "cooler", show=False, key_display="-"),
        key("plus,equals_sign", "temperature(1)", "hotter", show=False, key_display="+"),
    ]

    playing: reactive[bool] = reactive(False, init=False)
    """Whether the cursor advances by itself (space)."""

    class Shown(Message):
        """The panes were redrawn: what they show (text, clipping, temperature) may have changed.
        A waiting one is replaced by a newer one: a follower only reads the screen's state."""

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, StepScreen.Shown)

    def __init__(self, session: StepSession, start_at_first: bool = True,
                 locked: Callable[[], str | None] = never_locked, narration: Widget | None = None) -> None:
        """`locked` says why the weights may not change now (None: they may); `narration`, if
        given, is shown between the panes and the status line."""
        super().__init__()
        localize_bindings(self)  # the words in the language chosen now
        self._session = session
        self.locked = locked
        self.narration = narration
        self.selection = views.Selection()
        self.speed_index = SPEEDS.index(2.0)
        self.temperature_index = TEMPERATURES.index(1.0)
        self.sample_text: str | None = None
        # The bars follow the last prediction's loss by default: the total dL/dh_t adds every
        # later position's own loss term, which hides vanishing (see views.last_prediction_gradients).
        self.bars_whole_loss = False
        self.gate_index = 0  # which gate block of the selected layer the gates pane scrolls to (`v`)
        self.sample_count = 0
        self._play_timer: Timer | None = None
        self._early_log: list[str] | None = []  # None once the console is laid out
        self.recomputer = Recomputer(self)  # passes and radii of big models, off the UI thread
        self._drawn: set[str] = set()  # panes that have shown figures (before that: "computing…")
        if start_at_first:
            session.first()

    @property
    def session(self) -> StepSession:
        """The session the panes show; only `install_session` replaces it."""
        return self._session

    @property
    def speed(self) -> float:
        return SPEEDS[self.speed_index]

    @property
    def temperature(self) -> float:
        return TEMPERATURES[self.temperature_index]

    # ------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        yield Static(id="too-small")
        with Vertical(id="main"):
            yield SequencePane(id="sequence")
            with Horizontal(id="middle"):
                yield HeatmapPane(id="hidden")
                yield HeatmapPane(id="gates")
            with Horizontal(id="bottom"):
                yield GradientPane(id="gradients")
                yield GenerationConsole(id="console")
            if self.narration is not None:
                yield self.narration
            yield Static(id="status", markup=False)
        # Every key the footer shows fits 120 columns in English and Chinese; ctrl+p and the rest
        # are in help (?), which says so. Narrower, the footer drops keys from its right and keeps
        # the apps' own (? and q), so help is always one visible key away.
        yield KeyFooter(pinned=APP_KEYS)

    def on_mount(self) -> None:
        titles = {
            "#sequence": (t("step.title.sequence"), t("step.title.sequence_sub")),
            "#hidden": (t("step.title.hidden"), t("step.title.hidden_sub")),
            "#gates": (t("step.title.gates"), ""),
            "#console": (t("step.title.console"), t("step.title.console_sub")),
        }
        for selector, (title, subtitle) in titles.items():
            widget = self.query_one(selector)
            widget.border_title, widget.border_subtitle = title, subtitle
        self.check_size(self.app.size)
        self.render_session()
        self.call_after_refresh(self._write_early_log)

    def _write_early_log(self) -> None:
        early, self._early_log = self._early_log, None
        for text in early:
            self.log_line(text)

    @property
    def compact(self) -> bool:
        """A short terminal: the layout folds extras away (see app.tcss, Screen.compact)."""
        return self.has_class("compact")

    def on_resize(self, event: events.Resize) -> None:
        self.check_size(event.size)
        self.call_after_refresh(self.render_session)  # the terse/full forms follow the size

    def check_size(self, size: Size) -> None:
        """Below MIN_WIDTH × MIN_HEIGHT the panes cannot be legible: say so instead of drawing them."""
        width, height = size
        too_small = width < MIN_WIDTH or height < MIN_HEIGHT
        self.set_class(too_small, "too-small")
        self.set_class(height < COMPACT_HEIGHT, "compact")
        if too_small:
            self.query_one("#too-small", Static).update(
                t("step.too_small.text", width=width, height=height, min_width=MIN_WIDTH, min_height=MIN_HEIGHT)
            )

    # ------------------------------------------------------------------ the one re-render

    def shown_parts(self) -> tuple[str, ...]:
        """What the panes draw from (recompute.PARTS): the last prediction's BPTT only for its bars."""
        return tuple(part for part in PARTS if not (part == "last" and self.bars_whole_loss))

    def render_session(self) -> None:
        """Redraw every pane from the session. Called after each change; cheap when nothing moved.
        What a change left to compute runs in the background (Recomputer): until it is back, the
        panes that draw from it keep their figures, dimmed, and the status line says so."""
        s = self.session
        cfg = s.config
        pending = set(self.recomputer.request(s, self.shown_parts()))
        traced = "trace" not in pending
        self.selection = self.selection.clamped(cfg.num_layers, cfg.hidden_size)
        self.query_one("#sequence", SequencePane).show(
            views.tokens(s), [s.vocab.chars[i] if i >= 0 else None for i in s.targets.tolist()], s.cursor - 1,
            views.x_line(s) if traced else t("stepping.pending.computing"),
        )
        gates = self.query_one("#gates", HeatmapPane)
        gates.border_title = t("step.title.gates") if cfg.cell != "rnn" else t("step.title.pre_activation")
        gates.border_subtitle = {"rnn": t("step.title.no_gates"), "lstm": "LSTM i f g o", "gru": "GRU r z n"}[cfg.cell]
        if traced:
            blocks, h_block = views.hidden_blocks(s)
            self.query_one("#hidden", HeatmapPane).show(
                blocks, views.tokens(s), s.cursor - 1,
                selected=(h_block[(self.selection.layer, 0)], self.selection.unit),
                header=views.hidden_numbers(s, self.selection, legend=not self.compact),  # pinned on top
                data=s.trace,
            )
            blocks_per_layer = max(1, len(cfg.gate_names))
            self.gate_index %= blocks_per_layer
            gate_block = self.selection.layer * blocks_per_layer + self.gate_index  # `v` moves between blocks
            gates.show(
                views.gate_blocks(s), views.tokens(s), s.cursor - 1, selected=(gate_block, self.selection.unit),
                header=views.gate_legend(s, self.selection, compact=self.compact), footer=views.gate_footer(s),
                data=s.trace,
            )
            self.query_one("#distribution", DistributionPane).show(views.console_view(s, self.temperature, self.sample_text))
        gradients = self.query_one("#gradients", GradientPane)
        bars_ready = not pending & {"trace", "gradients", "last"}
        if bars_ready:
            last = None if self.bars_whole_loss else views.last_prediction_gradients(s)
            gradients.show(views.gradient_view(s, last, whole=self.bars_whole_loss))
        whole = "whole" if self.bars_whole_loss else "last"
        gradients.border_title = t(f"step.title.gradients_{whole}")
        gradients.border_subtitle = t(f"step.title.gradients_{whole}_sub")
        for selector, ready in (("#hidden", traced), ("#gates", traced), ("#distribution", traced),
                                ("#gradients", bars_ready)):
            pane = self.query_one(selector)
            pane.set_class(not ready, "stale")  # an earlier state's figures, dimmed
            if ready:
                self._drawn.add(selector)
            pane.wait(None if selector in self._drawn else t("stepping.pending.computing"))
        radii = None if "radii" in pending else s.spectral_radii()
        status = views.status_text(s, self.playing, self.speed, self.app.size.width, radii)
        if pending and self.recomputer.failed is not None:
            status = f"{t('stepping.failed.note')} · {status}"
        self.query_one("#status", Static).update(status, layout=False)  # one line: no re-layout
        self.post_message(self.Shown())

    @on(Recomputer.Ready)
    def recomputed(self, message: Recomputer.Ready) -> None:
        """A stage of the background work is back: adopted if it still describes what is shown."""
        self.recomputer.delivered(message)
        if message.session is self.session:
            message.session.adopt(message.computed)
            self.render_session()

    @on(Recomputer.Failed)
    def recompute_failed(self, message: Recomputer.Failed) -> None:
        """One log line; the panes keep the last good figures and the status line says so."""
        self.recomputer.remember_failure(message)
        self.log_line(t("stepping.failed.log", error=message.error))
        if message.session is self.session:
            self.render_session()

    def changed(self, keep_sample: bool = False) -> None:
        """After a state change: the old sample no longer continues this state; redraw."""
        if not keep_sample:
            self.sample_text = None
        self.render_session()

    def attempt(self, change, *args) -> bool:
        """Run a session change; a refusal becomes a notification and changes nothing."""
        try:
            change(*args)
        except RnntuiError as error:
            self.notify(str(error), title=t("step.note.refused"), severity="error")
            return False
        return True

    # ------------------------------------------------------------------ what others propose

    def install_session(self, session: StepSession, cursor: int | None = None, unit: int | None = None) -> None:
        """Show `session` from now on: the only way the shown session changes.

        The cursor goes to `cursor`, or stays where it was (within the new text); the selection
        goes to `unit` of the first layer, or stays (within the new model). A shown sample stays:
        it still says what was drawn (`forget_sample` first when it no longer applies)."""
        previous = self._session.cursor if cursor is None else cursor
        session.move_to(min(max(previous, 1), session.T))
        if unit is not None:
            self.selection = views.Selection(0, unit)
        self._session = session
        self.changed(keep_sample=True)
        editor = self.app.screen
        if isinstance(editor, WeightEditorScreen) and editor.owner is self:
            editor.redraw()  # an editor open on top edits the new session

    def forget_sample(self) -> None:
        """The shown sample no longer continues what is shown (the next redraw drops it)."""
        self.sample_text = None

    def set_clipping(self, mode: str, threshold: float | None = None) -> None:
        """The session's clipping, which the gradient pane shows and a training run follows."""
        self.session.set_clipping(mode, threshold)
        self.changed(keep_sample=True)

    # ------------------------------------------------------------------ the console: log and loss curve

    def log_line(self, text: str) -> None:
        """One line in the console's log, wrapped here at the pane's width (the log does not wrap).
        Lines logged before the panes are laid out wait for them."""
        if self._early_log is not None:
            self._early_log.append(text)
            return
        console = self.query_one(GenerationConsole)
        width = max(20, console.content_region.width - 1)
        for part in chop_cells(text, width) or [""]:  # by cells: a Chinese character takes two
            console.write_log(part)

    def loss_curve(self, running: bool) -> LossCurve:
        """The loss-curve pane in the console, mounted on first use, shown, and the screen laid out
        for a run (`running`: the log grows, as samples and events stream in)."""
        self.set_class(True, "has-run")
        self.set_class(running, "training")
        curves = self.query(LossCurve)
        if curves:
            curve = curves.first()
        else:
            curve = LossCurve(id="loss-curve")
            self.query_one(GenerationConsole).mount(curve, before="#console-log")
        curve.display = True
        return curve

    def hide_loss_curve(self) -> None:
        """No run to show: the curve gives its room back to the other panes."""
        self.set_class(False, "has-run")
        self.set_class(False, "training")
        for curve in self.query(LossCurve):
            curve.display = False

    # ------------------------------------------------------------------ which keys work now

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The one place that decides whether a key may change the weights or the model now."""
        locked = self.locked() is not None
        if action in WEIGHT_ACTIONS or action in MODEL_ACTIONS:
            return not locked
        if action == "weights_refused":
            return locked
        return True

    def action_weights_refused(self) -> None:
        reason = self.locked()
        if reason:
            self.notify(reason, title=t("step.note.refused"), severity="warning", timeout=4)

    @on(HeatmapPane.CellClicked)
    def cell_clicked(self, event: HeatmapPane.CellClicked) -> None:
        """A click on a heatmap selects that unit (its value is printed) and goes to that step."""
        self.selection = views.Selection(event.layer, event.unit)
        moved = event.timestep is not None and event.timestep + 1 != self.session.cursor
        if moved:
            self.session.move_to(event.timestep + 1)
        self.changed(keep_sample=not moved)

    # ------------------------------------------------------------------ stepping

    def action_step(self, direction: int) -> None:
        moved = self.session.step_forward() if direction > 0 else self.session.step_back()
        if moved:
            self.changed()
        elif self.playing:
            self.playing = False

    def action_jump(self, where: str) -> None:
        if where == "first":
            self.session.first()
        else:
            self.session.last()
        self.changed()

    def action_play(self) -> None:
        if not self.playing and self.session.cursor >= self.session.T:
            self.session.first()  # playing from the end starts over
            self.changed()
        self.playing = not self.playing

    def watch_playing(self, playing: bool) -> None:
        if self._play_timer is not None:
            self._play_timer.stop()
            self._play_timer = None
        if playing:
            self._play_timer = self.set_interval(1.0 / self.speed, lambda: self.action_step(1))
        self.render_session()

    def action_speed(self, step: int) -> None:
        self.speed_index = max(0, min(len(SPEEDS) - 1, self.speed_index + step))
        if self.playing:
            self.watch_playing(True)
        else:
            self.render_session()
        self.notify(t("step.note.speed", speed=f"{self.speed:g}"), timeout=1.5)

    def action_select_unit(self, step: int) -> None:
        cfg = self.session.config
        self.selection = self.selection.moved(step, cfg.num_layers, cfg.hidden_size)
        self.changed(keep_sample=True)

    # ------------------------------------------------------------------ model settings

    def action_cycle_cell(self) -> None:
        cell = CELLS[(CELLS.index(self.session.config.cell) + 1) % len(CELLS)]
        if self.attempt(self.session.set_cell, cell):
            self.notify(t("step.note.new_cell", cell=views.cell_name(cell), seed=self.session.seed), timeout=2)
            self.changed()

    def action_toggle_activation(self) -> None:
        activation = "relu" if self.session.config.activation == "tanh" else "tanh"
        if self.attempt(self.session.set_activation, activation):
            if self.session.config.cell != "rnn":
                self.notify(t("step.note.activation_rnn_only", activation=activation), timeout=3)
            self.changed()

    def action_cycle_clipping(self) -> None:
        """off → by norm → by value → off, as the notes describe clipping: the norm, or each value."""
        if self.attempt(cycle_clipping, self.session):
            clipping = self.session.clipping
            self.notify(t(f"clipping.keys.now_{clipping.mode}", threshold=f"{clipping.threshold:g}"), timeout=2)
            self.changed(keep_sample=True)

    def action_set_threshold(self) -> None:
        """The active mode's threshold (a norm, or each value's bound); with clipping off, by norm."""
        mode = self.session.clipping.mode if self.session.clipping.mode != "off" else "norm"

        def apply(text: str) -> None:
            self.set_clipping(mode, parse_number(text, t("step.prompt.threshold_what")))

        self.app.push_screen(
            PromptScreen(t(f"clipping.keys.threshold_{mode}"), f"{self.session.clipping.threshold:g}", apply,
                         t("clipping.keys.threshold_hint"))
        )

    def action_next_gate(self, step: int) -> None:
        """Bring the next gate block of the selected layer into view (the pane scrolls to it)."""
        blocks = max(1, len(self.session.config.gate_names))
        self.gate_index = (self.gate_index + step) % blocks
        self.changed(keep_sample=True)

    def action_scale_w_hh(self, direction: int) -> None:
        factor = W_HH_STEP if direction > 0 else 1.0 / W_HH_STEP
        for layer in range(self.session.config.num_layers):
            if not self.attempt(self.session.scale_weight, f"rnn.weight_hh_l{layer}", factor):
                break
        self.changed()

    def action_rerandomize(self) -> None:
        if self.attempt(self.session.randomize, self.session.seed + 1):
            self.notify(t("step.note.fresh_weights", seed=self.session.seed), timeout=2)
            self.changed()

    def action_reset_weights(self) -> None:
        self.session.reset_weights()
        self.notify(t("step.note.weights_reset"), timeout=2)
        self.changed()

    def action_toggle_bars(self) -> None:
        self.bars_whole_loss = not self.bars_whole_loss
        self.changed(keep_sample=True)

    def action_weights(self) -> None:
        self.app.push_screen(WeightEditorScreen(self))

    def action_edit_text(self) -> None:
        def apply(line: str) -> None:
            self.session.set_text(unescape_text(line))
            self.changed()

        chars = "".join(self.session.vocab.chars)
        fixed = ""
        if self.session.vocab_is_fixed:  # a checkpoint (or the ABC example) knows only its own characters
            fixed = t("step.prompt.text_fixed_chars", chars=repr(chars)) if len(chars) <= 40 else t("step.prompt.text_fixed_model")
        self.app.push_screen(PromptScreen(t("step.prompt.text", fixed=fixed), escape_text(self.session.text), apply,
                                          t("step.prompt.text_hint")))

    # ------------------------------------------------------------------ generation

    def action_sample(self) -> None:
        self.sample_count += 1  # each g draws a new sample; the same draw is redone at a new temperature
        self.draw_sample()

    def session_sample(self) -> str:
        """The sample `g` shows: draw number `sample_count` from the session's seed."""
        return self.session.sample(SAMPLE_LENGTH, self.temperature, seed=self.session.seed + self.sample_count)

    def draw_sample(self) -> None:
        if "trace" in self.session.pending(("trace",)):
            self.notify(t("stepping.pending.sample"), timeout=3)
            return
        try:
            self.sample_text = self.session_sample()
        except RnntuiError as error:
            self.notify(str(error), title=t("step.note.refused"), severity="error")
            return
        self.render_session()

    def action_temperature(self, step: int) -> None:
        self.temperature_index = max(0, min(len(TEMPERATURES) - 1, self.temperature_index + step))
        if self.sample_text is not None:
            self.draw_sample()  # the shown sample always matches the shown temperature
        else:
            self.render_session()

    # ------------------------------------------------------------------ help

    def show_help(self) -> None:
        """The keys that work here, now: this screen's and its app's (`active_bindings`)."""
        self.app.push_screen(HelpScreen(self.active_bindings))
