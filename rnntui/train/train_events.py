"""What the trainer reports: small frozen dataclasses handed to callbacks (no torch needed to read them).

The loop never prints; a CLI renders these as a progress bar, the app posts them as messages.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class StepEvent:
    step: int  # steps done so far, this one included
    loss: float  # training loss of this step (nats/char); nan/inf when it was skipped
    grad_norm: float  # global gradient norm before clipping
    grad_norm_clipped: float  # ... and after
    lr: float  # learning rate used for this step
    tokens_per_second: float  # over this step alone
    elapsed: float  # seconds of training so far (pauses excluded)
    epoch: int  # passes over the training text completed
    progress: float | None  # 0..1 of --steps/--minutes, None when the run has no limit
    skipped: bool = False  # the loss or gradient was not finite: no update was made
    tokens: int = 0  # characters this step trained on (streams x sequence length)
    grad_norm_h: np.ndarray | None = None  # (L, T) ||dL/dh_t|| on the probe text, every probe_every steps
    probe_text: str | None = None  # the text that probe ran over


@dataclass(frozen=True)
class EvalEvent:
    step: int
    val_loss: float  # mean cross-entropy on the validation text, computed in float32
    best_val_loss: float  # lowest so far, this one included
    is_best: bool  # this evaluation improved on every earlier one (best checkpoint written)
    sample: str  # a short sample from the current weights


@dataclass(frozen=True)
class WarningEvent:
    step: int
    kind: str  # "non-finite" | "divergence"
    message: str  # one line, says what happened and what to try


@dataclass(frozen=True)
class StateEvent:
    step: int
    state: str  # "running" | "paused"


@dataclass(frozen=True)
class DoneEvent:
    step: int
    reason: str  # "steps" | "time" | "stopped" | "non-finite" | "error" (run() raised: a save failed)
    message: str  # one line for the person who started the run
    best_val_loss: float | None
    last_val_loss: float | None
    elapsed: float

    @property
    def failed(self) -> bool:
        return self.reason in ("non-finite", "error")


TrainEvent = StepEvent | EvalEvent | WarningEvent | StateEvent | DoneEvent
