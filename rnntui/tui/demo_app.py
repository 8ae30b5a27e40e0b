"""The app driven by a demo script: the same panes, plus a narration panel and demo keys.

`right`/`space` run the next step, `left` the previous one, `q` leaves; `h`/`l` still move the
cursor, and every other key of the app works, so a viewer can poke at what a step set up.
A step runs in a thread worker (it may train a model) and posts its Outcome; the UI thread then
installs the step's StepSession, cursor and selected unit and redraws, so the numbers the
narration cites are the ones on screen. With --autoplay the next step starts `delay` seconds
after the previous one finished.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable
from dataclasses import dataclass

from textual import on, work
from textual.app import App, SystemCommand
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer

from rnntui.demos.figure_text import figure_lines
from rnntui.demos.player import DemoPlayer
from rnntui.demos.script import Demo, DemoContext, DemoStopped, Outcome
from rnntui.demos.stamp import ModelStamp
from rnntui.engine.session import StepSession
from rnntui.errors import RnntuiError
from rnntui.i18n import current_language, t
from rnntui.tui.commands import ActionCommands, open_palette, system_commands
from rnntui.tui.heap import settle_heap
from rnntui.tui.plain_text import PlainNotifications
from rnntui.tui.step_screen import APP_KEYS, STYLESHEET, StepScreen
from rnntui.tui.training.curve import show_demo_run
from rnntui.tui.widgets.narration import NarrationPanel
from rnntui.tui.keys import key, localize_bindings



@dataclass
class DemoStepDone(Message):
    index: int
    outcome: Outcome


@dataclass
class DemoProgress(Message):
    """A partial outcome while a step measures (a table filling in, a loss curve)."""

    outcome: Outcome

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, DemoProgress)


@dataclass
class DemoFailed(Message):
    index: int
    error: str


class DemoScreen(StepScreen):
    """The stepping screen with a demo's narration, where → ← and space walk through the demo."""

    BINDINGS = [
        key("right", "app.demo_next", "demo-next", key_display="→"),
        key("space", "app.demo_next", "demo-next-space", show=False),
        key("left", "app.demo_back", "demo-back", key_display="←"),
        key("R", "app.demo_restore", "demo-restore", show=False),
    ]


class DemoApp(PlainNotifications, App[None]):
    """A demo script on the stepping screen, with its narration: no training keys, no trainer."""

    CSS_PATH = STYLESHEET
    TITLE = "rnntui"
    COMMANDS = App.COMMANDS | {ActionCommands}
    BINDINGS = APP_KEYS

    def __init__(self, demo: Demo, lang: str | None = None, autoplay: bool = False, delay: float = 8.0, threads: int = 1):
        super().__init__()
        localize_bindings(self)  # the words in the language chosen now
        self.demo = demo
        self.lang = lang or current_language()  # the narration's and the frame's; the panes speak the process's
        self.autoplay = autoplay
        self.delay = delay
        self.player = DemoPlayer(demo, DemoContext(report=self._report, threads=threads))
        self.busy = False  # a step is running in the worker
        self.pending = -1  # the step being measured
        self.failed: str | None = None  # the last step's error, shown in the panel
        self._autoplay_timer: Timer | None = None
        # The title card shows the demo's opening model, or the ABC lesson's alphabet.
        opening = demo.opening() if demo.opening is not None else StepSession("ABC")
        self.narration = NarrationPanel(id="narration")
        self.step_screen = DemoScreen(opening, narration=self.narration)
        # What the current narration was written about (ModelStamp), a pristine copy to restore
        # with R, and the narration's parts, to show again with or without the stale notice.
        self.stamp = ModelStamp.of(opening)
        self.restorable = (opening.copy(), opening.cursor)
        self.shown_text: tuple[str, str, list[str], str] | None = None
        self.stale = False

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

    # ------------------------------------------------------------------ layout

    def on_mount(self) -> None:
        self.title = self.hint("title", title=self.demo.title(self.lang))
        self._narrate(self.demo.title(self.lang), self.demo.claim(self.lang), [], self.hint("hint"))
        if self.autoplay:
            self._schedule_next()
        self.call_after_refresh(settle_heap)

    def on_unmount(self) -> None:
        gc.unfreeze()  # what settle_heap hid becomes collectable again

    def action_help(self) -> None:
        self.step_screen.show_help()

    @property
    def finished(self) -> bool:
        """The last step has been shown."""
        return self.player.at_end and not self.busy

    # ------------------------------------------------------------------ navigation

    def action_demo_next(self) -> None:
        if self.busy:
            self.notify(self.hint("measuring"), timeout=2)
        elif not self.player.at_end:
            self._start(self.player.index + 1)

    def action_demo_back(self) -> None:
        if self.busy:
            self.notify(self.hint("measuring"), timeout=2)
        elif self.player.index > 0:
            self._start(self.player.index - 1)

    def action_quit(self) -> None:
        self.player.context.stop.set()  # a training step ends at its next batch
        self.exit()

    def _start(self, index: int) -> None:
        self.busy = True
        self.pending = index
        self.failed = None
        step = self.demo.steps[index]
        self._narrate(self._heading(index), step.title(self.lang), [], self.hint("measuring"))
        self._run_step(index)

    @work(thread=True, exclusive=True, exit_on_error=False, group="demo")
    def _run_step(self, index: int) -> None:
        try:
            outcome = self.player.measure(index)
        except DemoStopped:
            return
        except RnntuiError as error:
            self.post_message(DemoFailed(index, str(error)))
            return
        except Exception as error:  # a bug must not leave the demo "measuring" forever
            self.post_message(DemoFailed(index, f"{type(error).__name__}: {error}"))
            return
        self.post_message(DemoStepDone(index, outcome))

    def _report(self, outcome: Outcome) -> None:
        """Called in the worker thread: hand the partial outcome to the UI thread."""
        self.post_message(DemoProgress(outcome))

    # ------------------------------------------------------------------ showing outcomes

    @on(DemoProgress)
    def demo_progress(self, message: DemoProgress) -> None:
        if self.busy:
            self._show(message.outcome, self._heading(self.pending), self.hint("measuring"))

    @on(DemoStepDone)
    def demo_step_done(self, message: DemoStepDone) -> None:
        self.busy = False
        self.player.record(message.index, message.outcome)
        self._show(message.outcome, self._heading(message.index), self.hint("end" if self.player.at_end else "hint"))
        if self.autoplay and not self.player.at_end:
            self._schedule_next()

    @on(DemoFailed)
    def demo_failed(self, message: DemoFailed) -> None:
        self.busy = False
        self.failed = message.error
        self._narrate(self._heading(message.index), message.error, [], self.hint("hint"))
        self.notify(message.error, title=self.hint("failed"), severity="error")

    def _narrate(self, heading: str, text: str, figure: list[str], hint: str, look: str | None = None) -> None:
        """The narration, headed by the stale notice while the panes show a model it does not describe."""
        self.shown_text = (heading, text, figure, hint)
        shown = f"{t('demo_stamp.stale.notice', lang=self.lang)}\n\n{text}" if self.stale else text
        self.narration.show(heading, shown, figure, hint, look=look)

    @on(StepScreen.Shown)
    def _follow_the_screen(self) -> None:
        """After every redraw: has the learner changed the model the narration measured?"""
        stale = not self.stamp.describes(self.session)
        if stale != self.stale and self.shown_text is not None:
            self.stale = stale
            self._narrate(*self.shown_text)

    def action_demo_restore(self) -> None:
        """R: the model, text and clipping the current step set up, as it set them up."""
        session, cursor = self.restorable
        self.step_screen.install_session(session.copy(), cursor=cursor)

    def _show(self, outcome: Outcome, heading: str, hint: str) -> None:
        """The step's scene on the stepping screen (proposed through its methods), its narration below."""
        scene, screen = outcome.scene, self.step_screen
        self.stale = False
        self._narrate(heading, outcome.narration(self.lang), figure_lines(scene.figure, self._figure_width(), self.lang), hint,
                      look=scene.looks_at())
        if scene.training is not None:
            show_demo_run(screen, scene.training)  # where the app's own runs go
        elif scene.session is not None:  # a new set-up without a run: the curve gives its room back
            screen.hide_loss_curve()
        if scene.session is not None or scene.cursor is not None or scene.unit is not None:
            screen.forget_sample()  # drawn from what the previous step set up
            session = screen.session if scene.session is None else scene.session
            screen.install_session(session, cursor=scene.cursor, unit=scene.unit)
        if scene.session is not None:  # a step without a session of its own speaks about the one shown
            self.stamp = ModelStamp.of(screen.session)
            self.restorable = (screen.session.copy(), screen.session.cursor)

    def _schedule_next(self) -> None:
        if self._autoplay_timer is not None:
            self._autoplay_timer.stop()
        self._autoplay_timer = self.set_timer(self.delay if self.player.index >= 0 else 0.5, self.action_demo_next)

    # ------------------------------------------------------------------ helpers

    def hint(self, name: str, **fields) -> str:
        """The demo's frame (`app.demo.NAME`) in the narration's language."""
        return t(f"app.demo.{name}", lang=self.lang, **fields)

    def _heading(self, index: int) -> str:
        return f"{self.demo.title(self.lang)} · {index + 1}/{self.player.count} · {self.demo.steps[index].title(self.lang)}"

    def _figure_width(self) -> int:
        return max(40, self.size.width - 6)
