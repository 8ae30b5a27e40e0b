"""An exercise in the app: the stepping screen over the exercise's model, with its question below.

The learner steps, selects units and presses the model keys as anywhere in the app; `enter` opens
the answer prompt (pre-filled with the selected unit when the answer is a unit), `i` shows a hint,
`W` the worked answer, `R` brings the exercise's model back, `escape` leaves. The engine checks the
answer against a pristine copy of the exercise's state, never the one the learner has been
changing; a check that trains runs in a thread worker, and keys pressed meanwhile only say that it
is running. The palette lists every exercise (ExerciseCommands).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from textual import on, work
from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.message import Message

from rnntui.errors import RnntuiError
from rnntui.exercises import all_exercises
from rnntui.exercises.answers import ChoiceForm
from rnntui.exercises.exercise import Exercise, Verdict
from rnntui.exercises.progress import Progress
from rnntui.i18n import t
from rnntui.tui import views
from rnntui.tui.screens.prompt import PromptScreen
from rnntui.tui.step_screen import StepScreen
from rnntui.tui.widgets.narration import NarrationPanel


@dataclass
class ExerciseChecked(Message):
    verdict: Verdict


@dataclass
class ExerciseCheckFailed(Message):
    error: str


class ExerciseScreen(StepScreen):
    """The stepping screen with an exercise's question; the engine checks what the learner answers."""

    BINDINGS = [
        Binding("enter", "answer", t("exercises.app.answer"), tooltip=t("exercises.app.answer_tooltip"), id="exercise-answer"),
        Binding("i", "hint", t("exercises.app.hint"), tooltip=t("exercises.app.hint_tooltip"), id="exercise-hint"),
        Binding("W", "worked", t("exercises.app.worked"), tooltip=t("exercises.app.worked_tooltip"), id="exercise-worked"),
        Binding("R", "restore", t("exercises.app.restore"), show=False, tooltip=t("exercises.app.restore_tooltip"), id="exercise-restore"),
        Binding("escape", "leave", t("exercises.app.leave"), tooltip=t("exercises.app.leave_tooltip"), id="exercise-leave"),
    ]

    def __init__(self, exercise: Exercise, progress: Progress | None = None) -> None:
        self.exercise = exercise
        self.progress = Progress.load() if progress is None else progress
        setup = exercise.setup()
        self.figures = exercise.figures(setup)
        self.panel = NarrationPanel(id="narration")
        super().__init__(setup.session, start_at_first=False, narration=self.panel)
        self.selection = views.Selection(0, setup.unit)
        self.lines: list[str] = list(self.progress.notes)  # hints, verdicts: what the panel shows under the question
        self.progress.notes.clear()
        self.hints = 0
        self.checking = False
        self.solved = False

    def on_mount(self) -> None:  # Textual runs StepScreen's on_mount first, then this one
        self.show_panel()

    def show_panel(self) -> None:
        exercise = self.exercise
        heading = t("exercises.ui.header", name=exercise.name, section=exercise.section_title(), title=exercise.title())
        text = [exercise.text("prompt", self.figures)]
        if isinstance(exercise.form, ChoiceForm) and not exercise.form.by_key:
            text += [t("exercises.ui.option", key=key, label=label) for key, label in exercise.form.options()]
        hint = t("exercises.app.checking") if self.checking else t("exercises.app.keys", expected=exercise.form.expected())
        self.panel.show(heading, "\n".join(text), self.lines, hint)

    def say(self, line: str) -> None:
        self.lines.append(line)
        del self.lines[:-6]  # the latest few: the question stays legible above them
        self.show_panel()

    # ------------------------------------------------------------------ keys

    def action_answer(self) -> None:
        if self.checking:
            self.notify(t("exercises.app.checking"), timeout=2)
            return
        form = self.exercise.form
        default = str(self.selection.unit) if isinstance(form, ChoiceForm) and form.by_key else ""
        self.app.push_screen(PromptScreen(self.exercise.title(), default, self._submit, form.expected()))

    def _submit(self, typed: str) -> None:
        """The prompt's `apply`: a refusal (AnswerRefused) keeps the prompt open with its line."""
        value = self.exercise.form.parse(typed)
        if self.exercise.slow:
            self.checking = True
            self.show_panel()
            self._check_in_worker(value)
        else:
            self._checked(self.exercise.check(self.exercise.setup(), value))

    @work(thread=True, exclusive=True, exit_on_error=False, group="exercise")
    def _check_in_worker(self, value) -> None:
        try:
            verdict = self.exercise.check(self.exercise.setup(), value)
        except RnntuiError as error:
            self.post_message(ExerciseCheckFailed(str(error)))
            return
        self.post_message(ExerciseChecked(verdict))

    @on(ExerciseChecked)
    def _on_checked(self, message: ExerciseChecked) -> None:
        self.checking = False
        self._checked(message.verdict)

    @on(ExerciseCheckFailed)
    def _on_failed(self, message: ExerciseCheckFailed) -> None:
        self.checking = False
        self.say(message.error)

    def _checked(self, verdict: Verdict) -> None:
        self.progress.record(self.exercise.name, verdict.correct)
        for note in self.progress.notes:
            self.notify(note, severity="warning", timeout=6)
        self.progress.notes.clear()
        if verdict.measured:
            self.lines.append(self.exercise.text("measured", verdict.measured))
        if verdict.correct:
            self.solved = True
            self.lines.append(t("exercises.ui.correct"))
            self.say(t("exercises.ui.worked", text=self.exercise.text("worked", self.figures)))
        else:
            self.say(t("exercises.ui.wrong_app"))

    def action_hint(self) -> None:
        if self.hints < 2:
            self.hints += 1
            self.say(t("exercises.ui.hint", n=self.hints, text=self.exercise.text(f"hint{self.hints}", self.figures)))
        else:
            self.say(t("exercises.ui.no_more_hints_app"))

    def action_worked(self) -> None:
        self.say(t("exercises.ui.worked", text=self.exercise.text("worked", self.figures)))

    def action_restore(self) -> None:
        setup = self.exercise.setup()
        self.install_session(setup.session, cursor=setup.cursor, unit=setup.unit)

    def action_leave(self) -> None:
        if self.checking:
            self.notify(t("exercises.app.checking"), timeout=2)
            return
        self.dismiss()


class ExerciseCommands(Provider):
    """The palette's exercises: "Exercise: TITLE", opening it over the app's stepping screen."""

    def _commands(self) -> list[tuple[str, str, str]]:
        return [(t("exercises.app.palette", title=e.title()), e.section_title(), name) for name, e in all_exercises().items()]

    def _open(self, name: str) -> None:
        self.app.open_exercise(name)

    async def discover(self) -> Hits:
        for text, section, name in self._commands():
            yield DiscoveryHit(text, partial(self._open, name), help=section)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for text, section, name in self._commands():
            score = matcher.match(f"{text} {name}")
            if score > 0:
                yield Hit(score, matcher.highlight(text), partial(self._open, name), help=section)
