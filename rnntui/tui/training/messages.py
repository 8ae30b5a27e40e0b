"""What a training run tells the app. Posted from the training thread (`post_message` is
thread-safe); each carries its run so the app can ignore a stopped run's last words.

Progress is superseded by newer progress (`can_replace`): the curve reads the run's shared
history, so a dropped message loses no point, and a slow UI never queues stale repaints.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from rnntui.tui.training.run import TrainingRun


@dataclass
class TrainingStarted(Message):
    """The trainer is built (torch imported, data cut): the app can show its model."""

    run: "TrainingRun"


@dataclass
class TrainingProgress(Message):
    """New steps are in `run.history`; at most ~10 per second."""

    run: "TrainingRun"

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, TrainingProgress) and message.run is self.run


@dataclass
class TrainingEvaluated(Message):
    """A validation loss was computed (it is also in `run.history`)."""

    run: "TrainingRun"
    step: int
    val_loss: float
    is_best: bool


@dataclass
class TrainingProblem(Message):
    """The run paused itself (nan/inf, divergence): `text` says what happened and what to try."""

    run: "TrainingRun"
    text: str


@dataclass
class TrainingStateChanged(Message):
    """running | paused, as the trainer reports it between steps."""

    run: "TrainingRun"
    state: str


@dataclass
class TrainingFinished(Message):
    """The run ended: its step or time limit, a stop, a failure, or it could not start (`error`)."""

    run: "TrainingRun"
    message: str  # one line for the console
    failed: bool


@dataclass
class TrainingSample(Message):
    """A sample streamed from the weights of `step`."""

    step: int
    text: str


@dataclass
class WeightsReady(Message):
    """A StepSession on the run's weights of `step`, its trace and gradients computed in a thread."""

    run: "TrainingRun"
    step: int
    session: object  # StepSession, or None when the NumPy engine refused the weights
    text: str  # the text it was built on: a newer edit in the app wins over it
    derived: dict  # app cache attribute -> (key, value) computed alongside, for the app to install
    seconds: float  # how long the thread took to build it (the sync budget counts it)
