"""What the app's process and the training child say to each other: small frozen dataclasses.

Commands go down a pipe to the child, which obeys them between steps; reports come up another
pipe. Every report names the step it belongs to, so the receiver never has to guess its age.
"""

from __future__ import annotations

from dataclasses import dataclass

from rnntui.engine.config import ModelConfig
from rnntui.engine.session import StepSession
from rnntui.train.train_events import TrainEvent

# ---------------------------------------------------------------------- commands (app -> child)


@dataclass(frozen=True)
class Pause:
    """Pause after the current step; the child then sends a View of the paused weights."""


@dataclass(frozen=True)
class Resume:
    pass


@dataclass(frozen=True)
class Stop:
    """Finish the current step, send the last View and Sample, then end."""


@dataclass(frozen=True)
class ChangeSettings:
    """Applied at the next step (already validated by the sender)."""

    lr: float
    clip_mode: str
    clip: float


@dataclass(frozen=True)
class Watch:
    """What the app's panes show: the child sends Views of the model on `text` and streams Samples.

    A Watch with a new text, clipping or seed asks for a View at once (the screen changed); after
    that the child sends Views as often as its work budget and `view_every` allow, unasked.
    """

    text: str  # the text the panes step through ("" = the start of the validation text)
    clip_mode: str = "norm"  # the clipping the gradient pane shows
    clip: float = 5.0
    seed: int = 0
    prime: str = ""  # what streamed samples start from ("" = a newline, or a random character)
    temperature: float = 1.0
    sample_every: float = 0.0  # seconds between streamed samples; 0 streams none
    view_every: float = 0.0  # seconds between Views at least: what the receiver can draw

    def shows_the_same(self, other: "Watch") -> bool:
        """Whether a View built for `other` draws what this Watch asks for."""
        return (self.text, self.clip_mode, self.clip, self.seed) == (other.text, other.clip_mode, other.clip, other.seed)


# ---------------------------------------------------------------------- reports (child -> app)


@dataclass(frozen=True)
class Started:
    """The trainer is built (torch imported, data cut)."""

    model_config: ModelConfig
    vocab: tuple[str, ...]
    probe_text: str
    tokens_per_step: int


@dataclass(frozen=True)
class StartFailed:
    message: str  # one line: why the trainer could not be built


@dataclass(frozen=True)
class Trained:
    """The trainer's events since the last report, in order (steps are batched: a tiny model
    makes hundreds a second, and one message each would swamp the receiver)."""

    events: tuple[TrainEvent, ...]


@dataclass(frozen=True)
class SettingsApplied:
    """ChangeSettings took effect: step `from_step` is the first to use them."""

    from_step: int
    lr: float
    clip_mode: str
    clip: float


@dataclass(frozen=True)
class View:
    """A StepSession on the weights of `step` with its trace, BPTT and radii already computed."""

    step: int
    text: str  # the Watch text it was built for ("" when it fell back to the probe text)
    session: StepSession | None  # None when the NumPy engine refused the weights (non-finite)
    seconds: float  # the child's time to build it


@dataclass(frozen=True)
class Sample:
    step: int
    prime: str
    temperature: float
    text: str  # the continuation, prime excluded


Command = Pause | Resume | Stop | ChangeSettings | Watch
Report = Started | StartFailed | Trained | SettingsApplied | View | Sample
