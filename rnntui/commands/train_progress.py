"""How `rnntui train` shows a run: a live one-line bar on a terminal, plain lines otherwise.

It is only a trainer callback: it receives events and writes text; it never touches the model.
Its figures (validation loss, tokens/s, ETA) come from a RunHistory, as the app's and the demos' do.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

from rnntui.train.train_events import DoneEvent, EvalEvent, StepEvent, TrainEvent, WarningEvent
from rnntui.train.history import LONG_RUN_POINTS, RunHistory
from rnntui.i18n import t
from rnntui.textwidth import cut

REFRESH_SECONDS = 0.1  # the bar redraws at most 10 times a second
PLAIN_EVERY_SECONDS = 10.0  # without a terminal, one step line every 10 s (plus every evaluation)
SAMPLE_LINES = 3
SAMPLE_CELLS = 100  # a sample line is cut to this many terminal cells (a Chinese character takes two)


def format_duration(seconds: float) -> str:
    seconds = int(max(0, seconds))
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}" if seconds >= 3600 \
        else f"{seconds // 60}:{seconds % 60:02d}"


class ProgressReporter:
    """Turns trainer events into terminal output. `live`: redraw one line with \\r."""

    def __init__(self, out: TextIO | None = None, live: bool | None = None, quiet: bool = False,
                 total_steps: int | None = None, workers: int = 1, history: RunHistory | None = None):
        self.out = out or sys.stdout
        self.live = self.out.isatty() if live is None else live
        self.quiet = quiet
        self.total_steps = total_steps
        self.workers = workers  # the processes training together; the rate is theirs in total
        self.history = history if history is not None else RunHistory(LONG_RUN_POINTS)
        self._last_draw = 0.0
        self._bar_shown = False

    def __call__(self, event: TrainEvent) -> None:
        self.history(event)
        if isinstance(event, StepEvent):
            self._on_step(event)
        elif isinstance(event, EvalEvent):
            if not self.quiet:
                best = t("cli.progress.best") if event.is_best else ""
                self._line(t("cli.progress.eval", step=event.step, loss=f"{event.val_loss:.4f}", best=best))
                for text in event.sample.strip("\n").splitlines()[:SAMPLE_LINES]:
                    self._line(f"    {cut(text, SAMPLE_CELLS)}")
        elif isinstance(event, WarningEvent):
            self._line(t("cli.progress.warning", message=event.message), err=True)
        elif isinstance(event, DoneEvent):
            self._clear_bar()

    def _on_step(self, event: StepEvent) -> None:
        if self.quiet:
            return
        now = time.monotonic()
        interval = REFRESH_SECONDS if self.live else PLAIN_EVERY_SECONDS
        if now - self._last_draw < interval:
            return
        self._last_draw = now
        text = self.status_line(event)
        if self.live:
            self.out.write("\r\x1b[2K" + text)
            self.out.flush()
            self._bar_shown = True
        else:
            self._line(text)

    def status_line(self, event: StepEvent) -> str:
        total = f"/{self.total_steps}" if self.total_steps else ""
        history = self.history
        parts = [t("cli.progress.step", step=event.step, total=total), t("cli.progress.loss", loss=f"{event.loss:.4f}")]
        if history.val:
            parts.append(t("cli.progress.val", loss=f"{history.val[-1].loss:.4f}"))
        rate = f"{history.tokens_per_second / 1000:.1f}"
        parts.append(t("cli.progress.rate_workers", rate=rate, workers=self.workers) if self.workers > 1
                     else t("cli.progress.rate", rate=rate))
        if event.progress is not None:
            parts.append(f"{event.progress:4.0%}")
            eta = history.eta_seconds()
            if eta is not None:
                parts.append(t("cli.progress.eta", eta=format_duration(eta)))
        return "  ".join(parts)

    def _clear_bar(self) -> None:
        if self._bar_shown:
            self.out.write("\r\x1b[2K")
            self.out.flush()
            self._bar_shown = False

    def _line(self, text: str, err: bool = False) -> None:
        self._clear_bar()
        stream = sys.stderr if err else self.out
        stream.write(text + "\n")
        stream.flush()
