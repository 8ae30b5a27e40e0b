"""The rnntui app: five panes over one StepSession, redrawn together after every change.

Every key is an action that calls one StepSession method and then `render_session()`, the one
re-render. Anything outside a key action (a training worker, a scripted demo) changes the state
the same way and posts `SessionChanged` (thread-safe) or `ConsoleLine` for the console log.

Extension points: the narration panel (demos) mounts into `#main` before `#status`
(`app.query_one("#main").mount(panel, before="#status")`); a loss curve (training) mounts into
the console (`app.query_one(GenerationConsole).mount(curve, before="#console-log")`).
"""

from __future__ import annotations

import gc
from pathlib import Path

from textual import events, on
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.geometry import Size
from textual.reactive import reactive
from textual.timer import Timer
from textual.widgets import Footer, Static

from rnntui.engine.config import CELLS
from rnntui.engine.recompute import PARTS
from rnntui.engine.session import StepSession
from rnntui.errors import RnntuiError
from rnntui.numbers import parse_number
from rnntui.tui import views
from rnntui.i18n import t
from rnntui.tui.commands import ActionCommands
from rnntui.tui.messages import ConsoleLine, SessionChanged
from rnntui.tui.recompute import Recomputer
from rnntui.tui.screens.help import HelpScreen
from rnntui.tui.screens.prompt import PromptScreen, escape_text, unescape_text
from rnntui.tui.screens.weight_editor import WeightEditorScreen
from rnntui.tui.training.controller import NEW_MODEL_ACTIONS, TrainingController
from rnntui.tui.widgets.console import DistributionPane, GenerationConsole
from rnntui.tui.widgets.gradients import GradientPane
from rnntui.tui.widgets.heatmap import HeatmapPane
from rnntui.tui.widgets.sequence import SequencePane

MIN_WIDTH, MIN_HEIGHT = 80, 24
COMPACT_HEIGHT = 32  # below this the layout folds the log away and tightens the panes
W_HH_STEP = 1.25  # `]` multiplies W_hh by this, `[` divides: the two undo each other
SPEEDS = (0.5, 1.0, 2.0, 4.0, 8.0, 16.0)  # play speeds, steps per second
TEMPERATURES = (0.1, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0)
SAMPLE_LENGTH = 60


class RnnApp(App[None]):
    """Step a recurrent network through text and watch its state, gates and gradients."""

    CSS_PATH = Path(__file__).with_name("app.tcss")  # absolute, so subclasses elsewhere find it
    TITLE = "rnntui"
    COMMANDS = App.COMMANDS | {ActionCommands}
    BINDINGS = [
        Binding("right,l", "step(1)", "Step", key_display="→/l", tooltip="Step forward one character", id="step-forward"),
        Binding("left,h", "step(-1)", "Back", key_display="←/h", tooltip="Step back one character", id="step-back"),
        Binding("home", "jump('first')", "First", show=False, tooltip="Go to the first timestep", id="first"),
        Binding("end", "jump('last')", "Last", show=False, tooltip="Go to the last timestep", id="last"),
        Binding("space", "play", "Play", key_display="space", tooltip="Play / pause stepping", id="play"),
        Binding("comma", "speed(-1)", "Slower", show=False, key_display=",", tooltip="Play slower", id="slower"),
        Binding("full_stop", "speed(1)", "Faster", show=False, key_display=".", tooltip="Play faster", id="faster"),
        Binding("up", "select_unit(-1)", "Unit up", show=False, key_display="↑", tooltip="Select the previous hidden unit", id="unit-up"),
        Binding("down", "select_unit(1)", "Unit down", show=False, key_display="↓", tooltip="Select the next hidden unit", id="unit-down"),
        Binding("c", "cycle_cell", "Cell", tooltip="Cycle the cell: vanilla RNN → LSTM → GRU (weights from the seed)", id="cycle-cell"),
        Binding("a", "toggle_activation", "tanh/ReLU", tooltip="Toggle the vanilla RNN's activation tanh / ReLU", id="activation"),
        # While a run is active c and a change the run's model, which means a new run (check_action).
        Binding("c", "restart_cell", "Cell", tooltip="Cycle the cell: a new model, so training restarts (asks first)", id="restart-cell"),
        Binding("a", "restart_activation", "tanh/ReLU", tooltip="Toggle the RNN's activation: training restarts (asks first)", id="restart-activation"),
        Binding("k", "toggle_clipping", "Clip", tooltip="Toggle gradient clipping (by global norm)", id="clipping"),
        Binding("K", "set_threshold", "Threshold", show=False, tooltip="Set the clipping threshold", id="threshold"),
        Binding("left_square_bracket", "scale_w_hh(-1)", "W_hh÷", key_display="[", tooltip="Scale W_hh down (gradients vanish)", id="w-hh-down"),
        Binding("right_square_bracket", "scale_w_hh(1)", "W_hh×", key_display="]", tooltip="Scale W_hh up (gradients explode)", id="w-hh-up"),
        Binding("b", "toggle_bars", "Bars", show=False, tooltip="Gradient bars: the last prediction's loss / the whole sequence's loss", id="gradient-bars"),
        Binding("w", "weights", "Weights", tooltip="Open the weight editor", id="weight-editor"),
        Binding("r", "rerandomize", "Re-randomise", show=False, tooltip="Draw fresh weights from the next seed", id="rerandomize"),
        Binding("R", "reset_weights", "Reset", show=False, tooltip="Reset the weights to the seed's (or the checkpoint's)", id="reset-weights"),
        Binding("e", "edit_text", "Text", tooltip="Edit the input text", id="edit-text"),
        Binding("g", "sample", "Sample", tooltip="Sample a continuation from the current state", id="sample"),
        Binding("minus", "temperature(-1)", "Cooler", show=False, key_display="-", tooltip="Lower the sampling temperature", id="cooler"),
        Binding("plus,equals_sign", "temperature(1)", "Hotter", show=False, key_display="+", tooltip="Raise the sampling temperature", id="hotter"),
        Binding("o", "open_corpus", "Corpus", tooltip="Pick the corpus to train on (shipped, or a text file)", id="open-corpus"),
        Binding("t", "train", "Train", tooltip="Train on the corpus in the background (PyTorch); again: pause / resume", id="train"),
        Binding("T", "stop_training", "Stop", show=False, tooltip="Stop training (the weights stay to step through)", id="stop-training"),
        Binding("n", "train_settings", "Settings", show=False, tooltip="Training settings: cell, sizes, learning rate, clipping, budget", id="train-settings"),
        Binding("L", "learning_rate", "LR", show=False, tooltip="Set the training learning rate (applies at the next step)", id="learning-rate"),
        Binding("p", "prime", "Prime", show=False, tooltip="Set the prime text of the samples streamed while training", id="prime"),
        Binding("s", "save", "Save", show=False, tooltip="Save a checkpoint (rnntui/1 .safetensors)", id="save"),
        Binding("question_mark", "help", "Help", key_display="?", tooltip="Show every key", id="help"),
        Binding("ctrl+p", "command_palette", "Commands", show=False, key_display="ctrl+p", tooltip="Find any action by name", id="palette"),
        Binding("q", "quit", "Quit", tooltip="Quit", id="quit"),
    ]

    playing: reactive[bool] = reactive(False, init=False)
    """Whether the cursor advances by itself (space)."""

    def __init__(self, session: StepSession, start_at_first: bool = True) -> None:
        super().__init__()
        self.session = session
        self.selection = views.Selection()
        self.speed_index = SPEEDS.index(2.0)
        self.temperature_index = TEMPERATURES.index(1.0)
        self.sample_text: str | None = None
        # The bars follow the last prediction's loss by default: the total dL/dh_t adds every
        # later position's own loss term, which hides vanishing (see views.last_prediction_gradients).
        self.bars_whole_loss = False
        self.sample_count = 0
        self._play_timer: Timer | None = None
        self.training = TrainingController(self)  # live training: the run, its keys' logic, its messages
        self.recomputer = Recomputer(self)  # passes and radii of big models, off the UI thread
        if start_at_first:
            session.first()

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
            yield Static(id="status")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        titles = {
            "#sequence": ("Input sequence", "input → target"),
            "#hidden": ("Hidden state", "units × timesteps"),
            "#gates": ("Gates", ""),
            "#console": ("Generation", "next character · sample · log"),
        }
        for selector, (title, subtitle) in titles.items():
            widget = self.query_one(selector)
            widget.border_title, widget.border_subtitle = title, subtitle
        self.check_size()
        self.render_session()
        self.training.open()
        self.call_after_refresh(settle_heap)

    def on_unmount(self) -> None:
        self.training.close()  # no training process outlives the app
        gc.unfreeze()  # what settle_heap hid becomes collectable again (tests open many apps in one process)

    @property
    def compact(self) -> bool:
        """A short terminal: the layout folds extras away (see app.tcss, Screen.compact)."""
        return self.screen_stack[0].has_class("compact")

    def on_resize(self, event: events.Resize) -> None:
        was_compact = self.compact
        self.check_size(event.size)  # the event's size: self.size is updated a frame later
        if self.compact != was_compact or event.size.width != self.size.width:
            self.call_after_refresh(self.render_session)  # the terse/full forms follow the size

    def check_size(self, size: Size | None = None) -> None:
        """Below MIN_WIDTH × MIN_HEIGHT the panes cannot be legible: say so instead of drawing them."""
        width, height = size or self.size
        too_small = width < MIN_WIDTH or height < MIN_HEIGHT
        main = self.screen_stack[0]  # the panes' screen, even while a modal is on top
        main.set_class(too_small, "too-small")
        main.set_class(height < COMPACT_HEIGHT, "compact")
        if too_small:
            self.query_one("#too-small", Static).update(
                f"Terminal too small: {width}×{height}.\nrnntui needs at least {MIN_WIDTH}×{MIN_HEIGHT}.\n"
                "Enlarge the window (q quits)."
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
        gates.border_title = "Gates" if cfg.cell != "rnn" else "Pre-activation and saturation"
        gates.border_subtitle = {"rnn": "vanilla RNN has no gates", "lstm": "LSTM i f g o", "gru": "GRU r z n"}[cfg.cell]
        if traced:
            blocks, h_block = views.hidden_blocks(s)
            self.query_one("#hidden", HeatmapPane).show(
                blocks, views.tokens(s), s.cursor - 1,
                selected=(h_block[(self.selection.layer, 0)], self.selection.unit),
                header=views.hidden_numbers(s, self.selection, legend=not self.compact),  # pinned on top
                data=s.trace,
            )
            gate_block = self.selection.layer * max(1, len(cfg.gate_names))  # the layer's first block
            gates.show(
                views.gate_blocks(s), views.tokens(s), s.cursor - 1,
                selected=(gate_block, self.selection.unit), header=views.gate_legend(s), data=s.trace,
            )
            self.query_one("#distribution", DistributionPane).show(views.console_view(s, self.temperature, self.sample_text))
        gradients = self.query_one("#gradients", GradientPane)
        bars_ready = not pending & {"trace", "gradients", "last"}
        if bars_ready:
            last = None if self.bars_whole_loss else views.last_prediction_gradients(s)
            gradients.show(views.gradient_view(s, last, whole=self.bars_whole_loss))
        gradients.border_title = "Gradients ‖∂L/∂h_t‖" if self.bars_whole_loss else "Gradients ‖∂L_T/∂h_t‖"
        gradients.border_subtitle = (
            "the whole sequence's loss, back in time ← (b: last prediction's)" if self.bars_whole_loss
            else "the last prediction's loss, back in time ← (b: whole sequence's)"
        )
        for selector, ready in (("#hidden", traced), ("#gates", traced), ("#distribution", traced),
                                ("#gradients", bars_ready)):
            self.query_one(selector).set_class(not ready, "stale")
        radii = None if "radii" in pending else s.spectral_radii()
        status = views.status_text(s, self.playing, self.speed, self.size.width, radii)
        if pending and self.recomputer.failed is not None:
            status = f"{t('stepping.failed.note')} · {status}"
        self.query_one("#status", Static).update(status, layout=False)  # one line: no re-layout
        self.training.follow_app()  # a live run's views follow what the panes show

    @on(Recomputer.Ready)
    def recomputed(self, message: Recomputer.Ready) -> None:
        """A stage of the background work is back: adopted if it still describes what is shown."""
        if message.session is self.session:
            message.session.adopt(message.computed)
            self.render_session()

    @on(Recomputer.Failed)
    def recompute_failed(self, message: Recomputer.Failed) -> None:
        self.recomputer.remember_failure(message)
        self.training.log_line(t("stepping.failed.log", error=message.error))  # wrapped to the pane
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
            self.notify(str(error), title="refused", severity="error")
            return False
        return True

    @on(HeatmapPane.CellClicked)
    def cell_clicked(self, event: HeatmapPane.CellClicked) -> None:
        """A click on a heatmap selects that unit (its value is printed) and goes to that step."""
        self.selection = views.Selection(event.layer, event.unit)
        moved = event.timestep is not None and event.timestep + 1 != self.session.cursor
        if moved:
            self.session.move_to(event.timestep + 1)
        self.changed(keep_sample=not moved)

    @on(SessionChanged)
    def session_changed(self) -> None:
        self.changed()

    @on(ConsoleLine)
    def console_line(self, message: ConsoleLine) -> None:
        self.query_one(GenerationConsole).write_log(message.text)

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
        self.notify(f"play speed {self.speed:g} steps/s", timeout=1.5)

    def action_select_unit(self, step: int) -> None:
        cfg = self.session.config
        self.selection = self.selection.moved(step, cfg.num_layers, cfg.hidden_size)
        self.changed(keep_sample=True)

    # ------------------------------------------------------------------ model settings

    def action_cycle_cell(self) -> None:
        cell = CELLS[(CELLS.index(self.session.config.cell) + 1) % len(CELLS)]
        if self.attempt(self.session.set_cell, cell):
            self.notify(f"{views.CELL_NAMES[cell]}: weights re-initialised from seed {self.session.seed}", timeout=2)
            self.changed()

    def action_toggle_activation(self) -> None:
        activation = "relu" if self.session.config.activation == "tanh" else "tanh"
        if self.attempt(self.session.set_activation, activation):
            if self.session.config.cell != "rnn":
                self.notify(f"activation {activation}: it applies to the vanilla RNN (press c)", timeout=3)
            self.changed()

    def action_toggle_clipping(self) -> None:
        mode = "off" if self.session.clipping.mode != "off" else "norm"
        if self.attempt(self.session.set_clipping, mode):
            self.changed(keep_sample=True)
            self.training.clipping_changed()  # a training run follows

    def action_set_threshold(self) -> None:
        def apply(text: str) -> None:
            threshold = parse_number(text, "the threshold")
            mode = self.session.clipping.mode if self.session.clipping.mode != "off" else "norm"
            self.session.set_clipping(mode, threshold)
            self.changed(keep_sample=True)
            self.training.clipping_changed()

        self.push_screen(
            PromptScreen("Clipping threshold (global gradient norm)", f"{self.session.clipping.threshold:g}", apply,
                         "a finite number > 0; enter applies and turns clipping on, escape cancels")
        )

    def training_locks_weights(self) -> str | None:
        """Why the weights may not be edited now (a run is active: they are its), or None."""
        return self.training.weights_locked()

    def weights_locked(self) -> bool:
        """Say so and refuse when the weights may not be edited now."""
        reason = self.training_locks_weights()
        if reason:
            self.notify(reason, title="refused", severity="warning", timeout=4)
        return bool(reason)

    def action_scale_w_hh(self, direction: int) -> None:
        if self.weights_locked():
            return
        factor = W_HH_STEP if direction > 0 else 1.0 / W_HH_STEP
        for layer in range(self.session.config.num_layers):
            if not self.attempt(self.session.scale_weight, f"rnn.weight_hh_l{layer}", factor):
                break
        self.changed()

    def action_rerandomize(self) -> None:
        if self.weights_locked():
            return
        if self.attempt(self.session.randomize, self.session.seed + 1):
            self.notify(f"fresh weights from seed {self.session.seed}", timeout=2)
            self.changed()

    def action_reset_weights(self) -> None:
        self.session.reset_weights()
        self.notify("weights reset to the seed's", timeout=2)
        self.changed()

    def action_toggle_bars(self) -> None:
        self.bars_whole_loss = not self.bars_whole_loss
        self.changed(keep_sample=True)

    def action_weights(self) -> None:
        self.push_screen(WeightEditorScreen(self))

    def action_edit_text(self) -> None:
        def apply(line: str) -> None:
            self.session.set_text(unescape_text(line))
            self.changed()

        chars = "".join(self.session.vocab.chars)
        fixed = ""
        if self.session.vocab_is_fixed:  # a checkpoint (or the ABC example) knows only its own characters
            fixed = f" (characters {chars!r} only)" if len(chars) <= 40 else " (the model's characters only)"
        hint = "\\n is a newline, \\t a tab; enter applies, escape cancels"
        self.push_screen(PromptScreen(f"Input text{fixed}", escape_text(self.session.text), apply, hint))

    # ------------------------------------------------------------------ generation

    def action_sample(self) -> None:
        self.sample_count += 1  # each g draws a new sample; the same draw is redone at a new temperature
        self.draw_sample()

    def draw_sample(self) -> None:
        if "trace" in self.session.pending(("trace",)):
            self.notify(t("stepping.pending.sample"), timeout=3)
            return
        seed = self.session.seed + self.sample_count
        try:
            self.sample_text = self.session.sample(SAMPLE_LENGTH, self.temperature, seed=seed)
        except RnntuiError as error:
            self.notify(str(error), title="refused", severity="error")
            return
        self.render_session()

    def action_temperature(self, step: int) -> None:
        self.temperature_index = max(0, min(len(TEMPERATURES) - 1, self.temperature_index + step))
        if self.sample_text is not None:
            self.draw_sample()  # the shown sample always matches the shown temperature
        else:
            self.render_session()

    # ------------------------------------------------------------------ help

    def action_help(self) -> None:
        self.push_screen(HelpScreen(self.screen.active_bindings))  # the keys that work here, now

    # ------------------------------------------------------------------ live training (TrainingController)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """c and a change the model: while a run is active they ask to restart it instead."""
        if action in NEW_MODEL_ACTIONS:
            return not self.training.active
        if action in NEW_MODEL_ACTIONS.values():
            return self.training.active
        return True

    def choose_corpus(self, corpus) -> None:
        """The corpus the next run trains on (`rnntui app --corpus`)."""
        self.training.choose_corpus(corpus)

    def install_session(self, session: StepSession) -> None:
        """A session built elsewhere (a run's child, a demo step) becomes the one every screen shows."""
        self.session = session
        self.changed(keep_sample=True)
        if isinstance(self.screen, WeightEditorScreen):
            self.screen.redraw()

    def action_open_corpus(self) -> None:
        self.training.open_corpus()

    def action_train(self) -> None:
        self.training.toggle()

    def action_stop_training(self) -> None:
        self.training.stop()

    def action_train_settings(self) -> None:
        self.training.settings_key()

    def action_learning_rate(self) -> None:
        self.training.ask_learning_rate()

    def action_prime(self) -> None:
        self.training.ask_prime()

    def action_save(self) -> None:
        self.training.ask_save()

    def action_restart_cell(self) -> None:
        self.training.restart_for("cycle_cell")

    def action_restart_activation(self) -> None:
        self.training.restart_for("toggle_activation")

    async def action_quit(self) -> None:
        self.training.quit()

    @on(TrainingController.Started)
    def _training_started(self, message: TrainingController.Started) -> None:
        self.training.on_started(message)

    @on(TrainingController.Progress)
    def _training_progress(self, message: TrainingController.Progress) -> None:
        self.training.on_progress(message)

    @on(TrainingController.Evaluated)
    def _training_evaluated(self, message: TrainingController.Evaluated) -> None:
        self.training.on_evaluated(message)

    @on(TrainingController.Problem)
    def _training_problem(self, message: TrainingController.Problem) -> None:
        self.training.on_problem(message)

    @on(TrainingController.StateChanged)
    def _training_state(self, message: TrainingController.StateChanged) -> None:
        self.training.on_state_changed(message)

    @on(TrainingController.ViewReady)
    def _training_view(self, message: TrainingController.ViewReady) -> None:
        self.training.on_view(message)

    @on(TrainingController.SampleReady)
    def _training_sample(self, message: TrainingController.SampleReady) -> None:
        self.training.on_sample(message)

    @on(TrainingController.SettingsApplied)
    def _training_settings(self, message: TrainingController.SettingsApplied) -> None:
        self.training.on_settings_applied(message)

    @on(TrainingController.Finished)
    def _training_finished(self, message: TrainingController.Finished) -> None:
        self.training.on_finished(message)


def settle_heap() -> None:
    """Hide everything alive once the first screen is drawn from the cyclic garbage collector.

    A full collection walks every tracked object: the modules, Textual's classes and caches and,
    where a benchmark or demo loaded it, torch. That is a pause of tens of milliseconds on the UI
    thread, and during a run (when new views and log lines keep making garbage) it comes often
    enough to make keys visibly lag. What is alive after start-up mostly lives as long as the app,
    so freezing it costs little; later garbage is collected as before, and on_unmount unfreezes."""
    gc.collect()
    gc.freeze()
