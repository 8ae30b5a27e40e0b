"""The app driven by a demo script: the same panes, plus a narration panel and demo keys.

`right`/`space` run the next step, `left` the previous one, `q` leaves; `h`/`l` still move the
cursor, and every other key of the app works, so a viewer can poke at what a step set up.
A step runs in a thread worker (it may train a model) and posts its Outcome; the UI thread then
installs the step's StepSession, cursor and selected unit and redraws, so the numbers the
narration cites are the ones on screen. With --autoplay the next step starts `delay` seconds
after the previous one finished.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import on, work
from textual.binding import Binding
from textual.message import Message
from textual.timer import Timer

from rnntui.demos.figure_text import figure_lines
from rnntui.demos.player import DemoPlayer
from rnntui.demos.script import Demo, DemoContext, DemoStopped, Outcome, TrainingView
from rnntui.engine.session import StepSession
from rnntui.errors import RnntuiError
from rnntui.tui import views
from rnntui.tui.app import RnnApp
from rnntui.tui.widgets.loss_curve import CurveData, LossCurve, TrainingStats
from rnntui.tui.widgets.narration import NarrationPanel

HINTS = {
    "en": ("→/space next · ← back · h/l cursor · q leave", "measuring… (q leaves)", "end of the demo · ← back · q leave"),
    "zh": ("→/空格 下一步 · ← 上一步 · h/l 移动光标 · q 退出", "测量中…(q 退出)", "演示结束 · ← 上一步 · q 退出"),
}


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


class DemoApp(RnnApp):
    """RnnApp + a narration panel + demo navigation."""

    BINDINGS = [
        Binding("right", "demo_next", "Next", key_display="→", tooltip="Next demo step", id="demo-next"),
        Binding("space", "demo_next", "Next", show=False, tooltip="Next demo step", id="demo-next-space"),
        Binding("left", "demo_back", "Back", key_display="←", tooltip="Previous demo step", id="demo-back"),
    ]

    def __init__(self, demo: Demo, lang: str = "en", autoplay: bool = False, delay: float = 8.0, threads: int = 1):
        super().__init__(StepSession("ABC"))  # the ABC lesson's alphabet under the title card
        self.demo = demo
        self.lang = lang
        self.autoplay = autoplay
        self.delay = delay
        self.player = DemoPlayer(demo, DemoContext(report=self._report, threads=threads))
        self.busy = False  # a step is running in the worker
        self.pending = -1  # the step being measured
        self.failed: str | None = None  # the last step's error, shown in the panel
        self._autoplay_timer: Timer | None = None

    # ------------------------------------------------------------------ layout

    def on_mount(self) -> None:
        panel = NarrationPanel(id="narration")
        self.query_one("#main").mount(panel, before="#status")
        self.title = f"rnntui demo: {self.demo.title(self.lang)}"
        panel.show(self.demo.title(self.lang), self.demo.claim(self.lang), [], HINTS[self.lang][0])
        if self.autoplay:
            self._schedule_next()

    @property
    def finished(self) -> bool:
        """The last step has been shown."""
        return self.player.at_end and not self.busy

    # ------------------------------------------------------------------ navigation

    def action_demo_next(self) -> None:
        if self.busy:
            self.notify(HINTS[self.lang][1], timeout=2)
        elif not self.player.at_end:
            self._start(self.player.index + 1)

    def action_demo_back(self) -> None:
        if self.busy:
            self.notify(HINTS[self.lang][1], timeout=2)
        elif self.player.index > 0:
            self._start(self.player.index - 1)

    async def action_quit(self) -> None:
        self.player.context.stop.set()  # a training step ends at its next batch
        await super().action_quit()

    def _start(self, index: int) -> None:
        self.busy = True
        self.pending = index
        self.failed = None
        step = self.demo.steps[index]
        self._panel().show(self._heading(index), step.title(self.lang), [], HINTS[self.lang][1])
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
            self._show(message.outcome, self._heading(self.pending), HINTS[self.lang][1])

    @on(DemoStepDone)
    def demo_step_done(self, message: DemoStepDone) -> None:
        self.busy = False
        self.player.record(message.index, message.outcome)
        self._show(message.outcome, self._heading(message.index), HINTS[self.lang][2 if self.player.at_end else 0])
        if self.autoplay and not self.player.at_end:
            self._schedule_next()

    @on(DemoFailed)
    def demo_failed(self, message: DemoFailed) -> None:
        self.busy = False
        self.failed = message.error
        self._panel().show(self._heading(message.index), message.error, [], HINTS[self.lang][0])
        self.notify(message.error, title="demo step failed", severity="error")

    def _show(self, outcome: Outcome, heading: str, hint: str) -> None:
        scene = outcome.scene
        if scene.session is not None:
            self.session = scene.session
        if scene.cursor is not None:
            self.session.move_to(min(max(scene.cursor, 1), self.session.T))
        if scene.unit is not None:
            self.selection = views.Selection(0, scene.unit)
        self._panel().show(heading, outcome.narration(self.lang), figure_lines(scene.figure, self._figure_width(), self.lang), hint,
                           look=scene.looks_at())
        if scene.training is not None:
            self._show_training(scene.training)
        elif scene.session is not None:  # a new set-up without a run: the curve gives its room back
            self._hide_training()
        if scene.session is not None or scene.cursor is not None or scene.unit is not None:
            self.changed()

    def _schedule_next(self) -> None:
        if self._autoplay_timer is not None:
            self._autoplay_timer.stop()
        self._autoplay_timer = self.set_timer(self.delay if self.player.index >= 0 else 0.5, self.action_demo_next)

    def _show_training(self, view: TrainingView) -> None:
        """A demo's run in the live-training loss-curve pane, mounted where the app's own runs go."""
        curve = self.training.curve_pane(running=view.running)
        curve.display = True
        losses, val = list(view.losses), list(view.val)
        stats = TrainingStats(
            state="running" if view.running else "finished", corpus=view.corpus, model=view.model,
            step=len(losses), loss=losses[-1] if losses else None, val_loss=val[-1][1] if val else None,
            best_val_loss=min(v for _, v in val) if val else None,
        )
        curve.show(stats, CurveData(list(range(1, len(losses) + 1)), losses, [s for s, _ in val], [v for _, v in val]))

    def _hide_training(self) -> None:
        main = self.screen_stack[0]
        main.set_class(False, "has-run")
        main.set_class(False, "training")
        for curve in self.query(LossCurve):
            curve.display = False

    # ------------------------------------------------------------------ helpers

    def _panel(self) -> NarrationPanel:
        return self.query_one("#narration", NarrationPanel)

    def _heading(self, index: int) -> str:
        return f"{self.demo.title(self.lang)} · {index + 1}/{self.player.count} · {self.demo.steps[index].title(self.lang)}"

    def _figure_width(self) -> int:
        return max(40, self.size.width - 6)
