"""Short training runs for demos, through the project's Trainer (callbacks, stop flag, snapshots).

A demo needs three things the plain Trainer leaves to its caller: start from given weights (the
notes' identity matrices, a W_hh rescaled to spectral radius 1.6), stop when a condition holds
("the model predicts C after AB"), and show the loss curve while it runs. torch is imported only
when a run starts.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from rnntui.demos.script import DemoContext, Outcome, TrainingView
from rnntui.engine.corpus import Corpus
from rnntui.train.train_config import TrainConfig
from rnntui.train.train_events import DoneEvent, StepEvent
from rnntui.train.history import RunHistory

LIVE_EVERY = 5  # steps between live reports: enough for a smooth curve, few repaints
SNAPSHOT_EVERY = 100  # steps between copies of the weights for the panes (a full re-render each)


@dataclass
class RunResult:
    """A demo run: the RunHistory every view of a run reads, plus the weights to show."""

    history: RunHistory = field(default_factory=RunHistory)  # every step kept: demo runs are short
    params: dict[str, np.ndarray] = field(default_factory=dict)  # latest weights, checkpoint names
    params_step: int = 0  # the step `params` were copied at

    @property
    def losses(self) -> list[float]:
        """Per step; nan where the step was skipped."""
        return self.history.losses

    @property
    def samples(self) -> list[tuple[int, str]]:
        """(step, sample) at each evaluation."""
        return self.history.samples

    @property
    def val(self) -> list[tuple[int, float]]:
        """(step, validation loss)."""
        return [(point.step, point.loss) for point in self.history.val]

    @property
    def warnings(self) -> list[str]:
        return self.history.warnings

    @property
    def done(self) -> DoneEvent | None:
        return self.history.done

    @property
    def seconds(self) -> float:
        return self.history.seconds

    @property
    def steps(self) -> int:
        return len(self.losses)

    @property
    def diverged(self) -> bool:
        """Stopped on non-finite losses, or ended far above where it started."""
        finite = [x for x in self.losses if math.isfinite(x)]
        return bool(self.done and self.done.failed) or (bool(finite) and finite[-1] > 2 * finite[0])

    @property
    def first_loss(self) -> float:
        return self.losses[0]

    @property
    def last_loss(self) -> float:
        """Mean of the last few steps: one batch is noisy."""
        tail = self.losses[-5:]
        return float(np.mean(tail))


def model_label(config: TrainConfig) -> str:
    cell = {"rnn": f"RNN ({config.activation})", "lstm": "LSTM", "gru": "GRU"}[config.cell]
    return f"{cell} {config.num_layers}×{config.hidden_size}"


def training_view(result: RunResult, corpus: Corpus, config: TrainConfig, running: bool) -> TrainingView:
    return TrainingView(corpus.name, model_label(config), list(result.losses), list(result.val), running)


def train(
    ctx: DemoContext,
    config: TrainConfig,
    corpus: Corpus,
    initial_params: Callable[[dict[str, np.ndarray]], dict[str, np.ndarray]] | None = None,
    until: Callable[[dict[str, np.ndarray]], bool] | None = None,
    live: Callable[[RunResult], Outcome] | None = None,
) -> RunResult:
    """Run `config` on `corpus` to its step limit, or until `until(weights)` holds after a step.

    `initial_params(params)` maps the trainer's initial weights to the ones to start from.
    `live(result)` builds the outcome shown while training (every LIVE_EVERY steps).
    """
    import torch

    from rnntui.train.trainer import Trainer

    torch.set_num_threads(ctx.threads)
    trainer = Trainer(config.with_(threads=ctx.threads), corpus)
    if initial_params is not None:
        trainer.model.load_numpy_params(initial_params(trainer.model.numpy_params()))
    result = RunResult()

    def on_event(event) -> None:
        if isinstance(event, StepEvent):
            if ctx.stop.is_set():
                trainer.stop()
            elif until is not None and not event.skipped and until(trainer.snapshot()[1]):
                trainer.stop()
            if event.step % SNAPSHOT_EVERY == 0:
                result.params_step, result.params = trainer.snapshot()
            if live is not None and (event.step % LIVE_EVERY == 0 or event.step == 1):
                ctx.report(live(result))

    trainer.add_callback(result.history)  # first: on_event reads what it recorded
    trainer.add_callback(on_event)
    trainer.run()
    ctx.check_stop()
    result.params_step, result.params = trainer.snapshot()
    return result
