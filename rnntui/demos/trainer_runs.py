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
from rnntui.engine.train_config import TrainConfig
from rnntui.engine.train_events import DoneEvent, EvalEvent, StepEvent, WarningEvent

LIVE_EVERY = 5  # steps between live reports: enough for a smooth curve, few repaints
SNAPSHOT_EVERY = 100  # steps between copies of the weights for the panes (a full re-render each)


@dataclass
class RunResult:
    losses: list[float] = field(default_factory=list)  # per step; nan where the step was skipped
    samples: list[tuple[int, str]] = field(default_factory=list)  # (step, sample) at each evaluation
    val: list[tuple[int, float]] = field(default_factory=list)  # (step, validation loss)
    warnings: list[str] = field(default_factory=list)
    done: DoneEvent | None = None
    params: dict[str, np.ndarray] = field(default_factory=dict)  # latest weights, checkpoint names
    params_step: int = 0  # the step `params` were copied at
    seconds: float = 0.0

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

    from rnntui.engine.trainer import Trainer

    torch.set_num_threads(ctx.threads)
    trainer = Trainer(config.with_(threads=ctx.threads), corpus)
    if initial_params is not None:
        trainer.model.load_numpy_params(initial_params(trainer.model.numpy_params()))
    result = RunResult()

    def on_event(event) -> None:
        if isinstance(event, StepEvent):
            result.losses.append(event.loss)
            if ctx.stop.is_set():
                trainer.stop()
            elif until is not None and not event.skipped and until(trainer.snapshot()[1]):
                trainer.stop()
            if event.step % SNAPSHOT_EVERY == 0:
                result.params_step, result.params = trainer.snapshot()
            if live is not None and (event.step % LIVE_EVERY == 0 or event.step == 1):
                ctx.report(live(result))
        elif isinstance(event, EvalEvent):
            result.val.append((event.step, event.val_loss))
            if event.sample:
                result.samples.append((event.step, event.sample))
        elif isinstance(event, WarningEvent):
            result.warnings.append(event.message)

    trainer.add_callback(on_event)
    result.done = trainer.run()
    ctx.check_stop()
    result.params_step, result.params = trainer.snapshot()
    result.seconds = result.done.elapsed
    return result
