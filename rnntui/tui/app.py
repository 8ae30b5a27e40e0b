"""The rnntui app: the stepping screen, live training of a real model beside it, and the task screen.

What is shown and the keys that step and change it belong to `StepScreen`. The app adds the
training keys, owns the `TrainingController` (which proposes each new view of a run's weights
to the screen, and follows what the screen shows) and wires the two together.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable

from textual import on
from textual.app import App, SystemCommand
from textual.screen import Screen

from rnntui.engine.session import StepSession
from rnntui.engine.series_session import SeriesSession
from rnntui.engine.task_session import TaskSession
from rnntui.exercises import get_exercise
from rnntui.i18n import t
from rnntui.tui.commands import ActionCommands, open_palette, system_commands
from rnntui.tui.exercise_screen import ExerciseCommands, ExerciseScreen
from rnntui.tui.heap import settle_heap
from rnntui.tui.keys import key, localize_bindings
from rnntui.tui.plain_text import PlainNotifications
from rnntui.tui.preset_palette import PresetCommands
from rnntui.tui.screens.corpus_picker import Chosen, Picked
from rnntui.tui.model_screen import ModelScreen
from rnntui.tui.step_screen import APP_KEYS, STYLESHEET, StepScreen
from rnntui.tui.series_screen import SeriesScreen
from rnntui.tui.task_screen import TaskScreen
from rnntui.tui.training.controller import TrainingController
from rnntui.tui.training.task_controller import TaskTrainingController

RESTART_ACTIONS = frozenset({"restart_cell", "restart_activation"})
# The app's training keys act on the main stepping screen; over an exercise they are off.
TRAINING_ACTIONS = frozenset({"open_corpus", "train", "stop_training", "train_settings", "learning_rate", "prime", "save"})
# On the task screen t and T train its model on its task (`TaskTrainingController`).
TASK_TRAINING_ACTIONS = frozenset({"train", "stop_training"})


class RnnApp(PlainNotifications, App[None]):
    """Step a recurrent network through text and watch its state, gates and gradients; train it."""

    CSS_PATH = STYLESHEET
    TITLE = "rnntui"
    COMMANDS = App.COMMANDS | {ActionCommands, PresetCommands, ExerciseCommands}
    BINDINGS = [
        # While a run is active the screen's c and a are off (they would change the run's model):
        # here they mean the same change as a new run.
        key("c", "restart_cell", "restart-cell"),
        key("a", "restart_activation", "restart-activation", show=False),
        key("o", "open_corpus", "open-corpus"),
        key("t", "train", "train"),
        key("T", "stop_training", "stop-training", show=False),
        key("n", "train_settings", "train-settings", show=False),
        key("L", "learning_rate", "learning-rate", show=False),
        key("p", "prime", "prime", show=False),
        key("s", "save", "save", show=False),
        key("S", "share", "share", show=False),
        *APP_KEYS,
    ]

    def __init__(self, session: StepSession, start_at_first: bool = True, task: TaskSession | None = None,
                 series: SeriesSession | None = None) -> None:
        """`task` or `series`: open on the task or the series screen (the stepping screen stays under it)."""
        super().__init__()
        localize_bindings(self)  # the words in the language chosen now
        self.training = TrainingController(self)  # live training: the run, its keys' logic, its news
        self.task_training = TaskTrainingController(self)  # ... and on the task screen
        self.step_screen = StepScreen(session, start_at_first, locked=self.training.weights_locked)
        self.task_screen: TaskScreen | None = None if task is None else self.model_screen(TaskScreen, task)
        self.series_screen: SeriesScreen | None = None if series is None else self.model_screen(SeriesScreen, series)
        self.served_at: str | None = None  # the server's URL when `rnntui serve` runs this app: links start there

    def get_default_screen(self) -> Screen:
        return self.step_screen

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        return system_commands(super().get_system_commands(screen))

    def action_command_palette(self) -> None:
        open_palette(self)

    @property
    def session(self) -> StepSession:
        """The session on screen (read-only here: `step_screen.install_session` replaces it)."""
        return self.step_screen.session

    def on_mount(self) -> None:
        self.training.open()
        for screen in (self.task_screen, self.series_screen):
            if screen is not None:
                self.push_screen(screen)
        self.call_after_refresh(settle_heap)

    def on_unmount(self) -> None:
        self.training.close()  # no training process outlives the app
        self.task_training.close()
        gc.unfreeze()  # what settle_heap hid becomes collectable again (tests open many apps in one process)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """c and a ask to restart a run only while one is active (the screen's own c and a are off then)."""
        if action in RESTART_ACTIONS:
            return self.training.active and self.screen is self.step_screen
        if action in TRAINING_ACTIONS and isinstance(self.screen, ExerciseScreen):
            return False
        if action in TRAINING_ACTIONS | {"share"} and isinstance(self.screen, ModelScreen):
            return action in TASK_TRAINING_ACTIONS  # the others act on the text model under it
        return True

    def open_picked(self, picked: Picked) -> None:
        """A task or a series chosen in the picker (`o`): its screen, on a fresh model of the same
        cell and seed as the one last shown there."""
        from rnntui.engine.series import get_series
        from rnntui.engine.tasks import make_task

        if picked.kind == "task":
            task = make_task(picked.name)
            shown = self.task_screen.session if self.task_screen is not None else None
            self.open_task(TaskSession(task) if shown is None else shown.for_task(task))
        else:
            series = get_series(picked.name)
            shown = self.series_screen.session if self.series_screen is not None else None
            self.open_series(SeriesSession(series) if shown is None else shown.for_series(series))

    @on(Chosen)
    def _chosen_elsewhere(self, message: Chosen) -> None:
        """A pick the screen on top cannot show: leave it (back to the text), then show the pick."""
        if self.screen is not self.step_screen:
            self.pop_screen()
        if isinstance(message.choice, Picked):
            self.open_picked(message.choice)
        else:
            self.choose_corpus(message.choice)

    def open_series(self, session: SeriesSession) -> None:
        """The series screen on `session`, over the stepping screen."""
        self.series_screen = self.model_screen(SeriesScreen, session)
        self.push_screen(self.series_screen)

    def open_task(self, session: TaskSession) -> None:
        """The task screen on `session`, over the stepping screen (`o` on it goes back to text)."""
        if self.task_screen is not None and self.task_screen in self.screen_stack:
            self.task_screen.install_session(session)
        else:  # a popped screen is gone with its panes: a new one
            self.task_screen = self.model_screen(TaskScreen, session)
            self.push_screen(self.task_screen)

    def model_screen(self, screen_class, session):
        """A task or series screen on `session`, whose model a training run there owns while it trains."""
        return screen_class(session, locked=self.task_training.weights_locked)

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
        self.training.on_news(message.event)  # each drops the news of a run that is not its own
        self.task_training.on_news(message.event)

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
        if isinstance(self.screen, ModelScreen):
            self.task_training.toggle(self.screen)
        else:
            self.training.toggle()

    def action_stop_training(self) -> None:
        if isinstance(self.screen, ModelScreen):
            self.task_training.stop()
        else:
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
        self.task_training.quit(then=self.training.saving.quit)  # a task run asks first, then a corpus run

