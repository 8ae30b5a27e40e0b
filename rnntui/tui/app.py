"""The rnntui app: the stepping screen, and live training of a real model beside it.

What is shown and the keys that step and change it belong to `StepScreen`. The app adds the
training keys, owns the `TrainingController` (which proposes each new view of a run's weights
to the screen, and follows what the screen shows) and wires the two together.
"""

from __future__ import annotations

import gc

from textual import on
from textual.app import App
from textual.binding import Binding
from textual.screen import Screen

from rnntui.engine.session import StepSession
from rnntui.exercises import get_exercise
from rnntui.i18n import t
from rnntui.tui.commands import ActionCommands
from rnntui.tui.exercise_screen import ExerciseCommands, ExerciseScreen
from rnntui.tui.heap import settle_heap
from rnntui.tui.plain_text import PlainNotifications
from rnntui.tui.preset_palette import PresetCommands
from rnntui.tui.step_screen import APP_KEYS, STYLESHEET, StepScreen
from rnntui.tui.training.controller import TrainingController

RESTART_ACTIONS = frozenset({"restart_cell", "restart_activation"})
# The app's training keys act on the main stepping screen; over an exercise they are off.
TRAINING_ACTIONS = frozenset({"open_corpus", "train", "stop_training", "train_settings", "learning_rate", "prime", "save"})


class RnnApp(PlainNotifications, App[None]):
    """Step a recurrent network through text and watch its state, gates and gradients; train it."""

    CSS_PATH = STYLESHEET
    TITLE = "rnntui"
    COMMANDS = App.COMMANDS | {ActionCommands, PresetCommands, ExerciseCommands}
    BINDINGS = [
        # While a run is active the screen's c and a are off (they would change the run's model):
        # here they mean the same change as a new run.
        Binding("c", "restart_cell", "Cell", tooltip="Cycle the cell: a new model, so training restarts (asks first)", id="restart-cell"),
        Binding("a", "restart_activation", "tanh/ReLU", tooltip="Toggle the RNN's activation: training restarts (asks first)", id="restart-activation"),
        Binding("o", "open_corpus", "Corpus", tooltip="Pick the corpus to train on (shipped, or a text file)", id="open-corpus"),
        Binding("t", "train", "Train", tooltip="Train on the corpus in the background (PyTorch); again: pause / resume", id="train"),
        Binding("T", "stop_training", "Stop", show=False, tooltip="Stop training (the weights stay to step through)", id="stop-training"),
        Binding("n", "train_settings", "Settings", show=False, tooltip="Training settings: cell, sizes, learning rate, clipping, budget", id="train-settings"),
        Binding("L", "learning_rate", "LR", show=False, tooltip="Set the training learning rate (applies at the next step)", id="learning-rate"),
        Binding("p", "prime", "Prime", show=False, tooltip="Set the prime text of the samples streamed while training", id="prime"),
        Binding("s", "save", "Save", show=False, tooltip="Save a checkpoint (rnntui/1 .safetensors)", id="save"),
        Binding("S", "share", t("state.app.share_key"), show=False, tooltip=t("state.app.share_tooltip"), id="share"),
        *APP_KEYS,
    ]

    def __init__(self, session: StepSession, start_at_first: bool = True) -> None:
        super().__init__()
        self.training = TrainingController(self)  # live training: the run, its keys' logic, its news
        self.step_screen = StepScreen(session, start_at_first, locked=self.training.weights_locked)
        self.served_at: str | None = None  # the server's URL when `rnntui serve` runs this app: links start there

    def get_default_screen(self) -> Screen:
        return self.step_screen

    @property
    def session(self) -> StepSession:
        """The session on screen (read-only here: `step_screen.install_session` replaces it)."""
        return self.step_screen.session

    def on_mount(self) -> None:
        self.training.open()
        self.call_after_refresh(settle_heap)

    def on_unmount(self) -> None:
        self.training.close()  # no training process outlives the app
        gc.unfreeze()  # what settle_heap hid becomes collectable again (tests open many apps in one process)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """c and a ask to restart a run only while one is active (the screen's own c and a are off then)."""
        if action in RESTART_ACTIONS:
            return self.training.active and self.screen is self.step_screen
        if action in TRAINING_ACTIONS and isinstance(self.screen, ExerciseScreen):
            return False
        return True

    def open_exercise(self, name: str) -> None:
        """An exercise over the stepping screen (the palette's "Exercise: ..."); escape comes back."""
        self.push_screen(ExerciseScreen(get_exercise(name)))

    def choose_corpus(self, corpus) -> None:
        """The corpus the next run trains on (`rnntui app --corpus`)."""
        self.training.choose_corpus(corpus)

    @on(StepScreen.Shown)
    def _screen_shown(self) -> None:
        self.training.follow_screen()  # a live run follows what the panes show

    @on(TrainingController.RunNews)
    def _run_news(self, message: TrainingController.RunNews) -> None:
        self.training.on_news(message.event)

    def action_share(self) -> None:
        """This screen as a state string, a command line and (served) a link; refused for weights
        that cannot be named (a training run's), with the reason."""
        from rnntui.tui.shared_state import share

        share(self)

    def action_help(self) -> None:
        screen = self.screen if isinstance(self.screen, StepScreen) else self.step_screen
        screen.show_help()

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
        self.training.saving.ask_save()

    def action_restart_cell(self) -> None:
        self.training.restart_for("cycle_cell")

    def action_restart_activation(self) -> None:
        self.training.restart_for("toggle_activation")

    async def action_quit(self) -> None:
        self.training.saving.quit()

