"""The demo script model: a Demo is a named list of Steps; running a Step measures and narrates.

A step is a function of a `DemoContext`. It sets up what the screen shows (a `Scene`: the
StepSession, the cursor, the selected unit, a small table or curve), runs its measurement with the
engines, and returns an `Outcome` whose narration, in English and Chinese, is written from the
numbers it just measured, never from typed-in figures. The same numbers go into `facts`, which
the tests assert, so what the narration claims is what the tests check.

Nothing here imports textual or torch: the plain-text walk-through, the app and the tests all
drive demos through this model.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from rnntui.engine.session import StepSession
from rnntui.number_format import format_number

@dataclass(frozen=True)
class Bilingual:
    """One text in English and Chinese (the notes are Chinese, the code is English)."""

    en: str
    zh: str

    def __call__(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


@dataclass
class Figure:
    """A small table and/or curves the narration panel draws under the text."""

    # Labels are plain strings (numbers, names) or Bilingual (words).
    columns: list[str | Bilingual] = field(default_factory=list)  # table header; empty: no table
    rows: list[list[str | Bilingual]] = field(default_factory=list)
    curves: dict[str | Bilingual, list[float]] = field(default_factory=dict)  # name -> values (a loss curve)
    lines: list[str | Bilingual] = field(default_factory=list)  # free lines (samples), shown verbatim


@dataclass
class TrainingView:
    """A training run as the app's loss-curve pane shows it (the live-training pane)."""

    corpus: str
    model: str  # e.g. "LSTM 1×128"
    losses: list[float]  # per step, step k at index k-1; nan where a step was skipped
    val: list[tuple[int, float]] = field(default_factory=list)  # (step, validation loss)
    running: bool = False


@dataclass
class Scene:
    """What the app shows for a step. None leaves that part as the previous step set it."""

    session: StepSession | None = None  # the state object the panes draw
    cursor: int | None = None  # 1-based timestep to move to
    unit: int | None = None  # hidden unit to select in the heatmaps (layer 0)
    figure: Figure | None = None
    training: TrainingView | None = None  # a run to draw in the loss-curve pane
    # The pane the narration points at: "hidden", "gates", "gradients" or "console". A short
    # terminal folds the other row of panes away so that it stays legible beside the narration.
    look: str | None = None

    def looks_at(self) -> str | None:
        """`look`, or the console (where the loss curve is) when the scene has a training run."""
        return self.look or ("console" if self.training is not None else None)


@dataclass
class Outcome:
    """What running a step produced: the narration, the scene, and the measured facts."""

    narration: Bilingual
    scene: Scene = field(default_factory=Scene)
    facts: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Step:
    title: Bilingual
    run: Callable[["DemoContext"], Outcome]


@dataclass(frozen=True)
class Demo:
    name: str  # what `rnntui demo NAME` takes
    title: Bilingual
    claim: Bilingual  # one line: what the demo shows, before it shows it
    steps: tuple[Step, ...]
    seconds: int  # rough running time on two CPU cores, for the list
    opening: Callable[[], StepSession] | None = None  # what the panes show on the title card


class DemoContext:
    """What steps share: cached measurements, a live-progress callback and a stop flag.

    `once(key, fn)` runs `fn` the first time only, so going back to a step (or running the next
    step that cites the same training run) never trains again. `report(outcome)` shows a partial
    outcome while a long step runs (a race table filling in, a loss curve); it is called from the
    thread that runs the step.
    """

    def __init__(self, report: Callable[[Outcome], None] | None = None, threads: int = 1):
        self.cache: dict[str, Any] = {}
        self.report = report or (lambda outcome: None)
        self.stop = threading.Event()
        self.threads = threads  # torch threads for training: small models gain nothing from more

    def once(self, key: str, compute: Callable[[], Any]) -> Any:
        if key not in self.cache:
            self.cache[key] = compute()
        return self.cache[key]

    def check_stop(self) -> None:
        """Called between training steps: leaving a demo ends its work promptly."""
        if self.stop.is_set():
            raise DemoStopped()


class DemoStopped(Exception):
    """The person left the demo while a step was still measuring."""


def fmt(value: float, digits: int = 3) -> str:
    """A number for narration: `digits` significant digits, exponent notation for tiny or huge ones."""
    return format_number(value, digits, significant=True)
