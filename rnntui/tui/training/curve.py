"""The loss-curve pane's figures, for a live run (the app) and for a demo's run: one way to draw both.

The pane itself lives in the stepping screen's console (`StepScreen.loss_curve`); here a run
becomes the `TrainingStats` and `CurveData` it shows. Both apps call `show_live_run` or
`show_demo_run`, so the curve reads the same whoever trained the model.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rnntui.demos.script import TrainingView
from rnntui.engine.corpus import Corpus
from rnntui.engine.loss_floor import loss_floor
from rnntui.tui.widgets.loss_curve import CurveData, TrainingStats

if TYPE_CHECKING:
    from rnntui.live.service import LiveRun
    from rnntui.train.train_config import TrainConfig
    from rnntui.tui.step_screen import StepScreen

CELL_LABELS = {"rnn": "RNN", "lstm": "LSTM", "gru": "GRU"}


def clipping_label(mode: str, threshold: float) -> str:
    return {"off": "off", "norm": f"norm ≤ {threshold:g}", "value": f"value ±{threshold:g}"}[mode]


def model_label(config: TrainConfig) -> str:
    return f"{CELL_LABELS[config.cell]} {config.num_layers}×{config.hidden_size}"


class LossFloors:
    """Each corpus's loss floor, computed once (it reads the whole validation text)."""

    def __init__(self) -> None:
        self._last: tuple[Corpus, float | None] | None = None

    def of(self, corpus: Corpus) -> float | None:
        if self._last is None or self._last[0] is not corpus:
            # Shipped names only: recognising a file as a copy of a shipped corpus means generating
            # each of them, a pause the UI thread should not take; `rnntui train` does it.
            self._last = (corpus, loss_floor(corpus) if corpus.source == "shipped" else None)
        return self._last[1]


def show_live_run(screen: StepScreen, run: LiveRun, floor: float | None) -> None:
    """Redraw the curve from the run's latest history (the reader thread appends meanwhile)."""
    history = run.history
    last = history.last
    settings = run.settings
    val = history.val[-1].loss if history.val else None
    stats = TrainingStats(
        state="paused" if run.paused else run.state.value, corpus=run.corpus.name, model=model_label(run.config),
        step=run.step, loss=None if last is None else last.loss, val_loss=val, best_val_loss=history.best_val_loss,
        tokens_per_second=history.tokens_per_second or None, eta_seconds=history.eta_seconds(),
        grad_norm=None if last is None else last.grad_norm,
        grad_norm_clipped=None if last is None else last.grad_norm_clipped,
        clipping=clipping_label(settings.clip_mode, settings.clip), lr=None if last is None else last.lr,
        floor=floor,
    )
    steps, losses = history.steps, history.losses
    n = min(len(steps), len(losses))
    data = CurveData(steps[:n], losses[:n], [p.step for p in history.val], [p.loss for p in history.val])
    screen.loss_curve(running=run.active).show(stats, data)


def show_demo_run(screen: StepScreen, view: TrainingView) -> None:
    """A demo's run (measured by the demo itself) in the same pane, laid out where live runs go."""
    losses, val = list(view.losses), list(view.val)
    stats = TrainingStats(
        state="running" if view.running else "finished", corpus=view.corpus, model=view.model,
        step=len(losses), loss=losses[-1] if losses else None, val_loss=val[-1][1] if val else None,
        best_val_loss=min(v for _, v in val) if val else None,
    )
    data = CurveData(list(range(1, len(losses) + 1)), losses, [s for s, _ in val], [v for _, v in val])
    screen.loss_curve(running=view.running).show(stats, data)
