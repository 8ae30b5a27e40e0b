"""The exercise model: a question about a live StepSession that the engine, not a typed-in key, checks.

An `Exercise` is data, like a demo: a name, the section of the notes it practises, a `setup`
that builds the state the question is about (the StepSession the app shows, its cursor and
selected unit), `figures` measured on that state for the texts, an answer form that reads what
the learner typed (refusing, kindly and with the expected form, anything it cannot read), and a
`check` that decides with the engine: it recomputes the value, applies the keys, or trains.

Texts live in the `exercises` catalogue (`exercises.NAME.title`, `.prompt`, `.hint1`, `.hint2`,
`.worked`, `.measured`): templates whose fields are the measured figures, so English and Chinese
are checked to cite the same numbers (tests/test_i18n.py), and no figure is typed into a text.

`intended` and `wrong` are answers the tests use: one must solve the exercise, the other not.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from rnntui.engine.session import StepSession
from rnntui.exercises.answers import AnswerForm
from rnntui.i18n import t

# The sections of the notes, in their order; `exercises.section.KEY` names each.
SECTIONS = ("abc", "bptt", "tanh", "vanishing", "exploding", "clipping", "gates", "generation")
TEXTS = ("title", "prompt", "hint1", "hint2", "worked")


@dataclass
class Setup:
    """The state an exercise asks about: the session the app shows, where, and which unit."""

    session: StepSession
    cursor: int | None = None  # 1-based timestep to show; None: the session's own
    unit: int = 0  # the selected hidden unit (layer 0)
    extra: dict[str, Any] = field(default_factory=dict)  # whatever the check needs besides the session

    def __post_init__(self) -> None:
        if self.cursor is not None:
            self.session.move_to(self.cursor)


@dataclass(frozen=True)
class Verdict:
    correct: bool
    measured: dict[str, str] = field(default_factory=dict)  # what the check measured, for `.measured`


@dataclass(frozen=True)
class Exercise:
    name: str  # what `rnntui exercise NAME` takes
    section: str  # one of SECTIONS
    form: AnswerForm
    setup: Callable[[], Setup]
    figures: Callable[[Setup], dict[str, str]]  # fields of the prompt, hints and worked answer
    check: Callable[[Setup, Any], Verdict]  # value: what form.parse returned
    intended: str | Callable[[Setup], str]  # an answer that solves it (the tests type it)
    wrong: str | Callable[[Setup], str]  # a well-formed answer that does not
    slow: bool = False  # the check trains: the app runs it off the UI thread

    def text(self, part: str, figures: dict[str, str], lang: str | None = None, **more: str) -> str:
        return t(f"exercises.{self.name}.{part}", lang, **figures, **more)

    def title(self, lang: str | None = None) -> str:
        return t(f"exercises.{self.name}.title", lang)

    def section_title(self, lang: str | None = None) -> str:
        return t(f"exercises.section.{self.section}", lang)

    def intended_answer(self, setup: Setup) -> str:
        return self.intended(setup) if callable(self.intended) else self.intended

    def wrong_answer(self, setup: Setup) -> str:
        return self.wrong(setup) if callable(self.wrong) else self.wrong

    def answer(self, setup: Setup, typed: str, lang: str | None = None) -> Verdict:
        """Read `typed` (AnswerRefused if it cannot) and let the engine decide."""
        return self.check(setup, self.form.parse(typed, lang))
