"""Answer forms: how an exercise reads what the learner typed, and how it refuses what it cannot read.

Each form turns the typed text into a value for the exercise's check, or raises `AnswerRefused`
with one kind line that says what was expected (a number with 4 decimals, one of 1–3, up to three
of the keys `[ ] a c`). A refusal is not a wrong answer: nothing is counted.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from rnntui.errors import RnntuiError
from rnntui.i18n import t
from rnntui.numbers import parse_number


class AnswerRefused(RnntuiError):
    """The typed text is not an answer of the expected form (empty, not a number, out of range)."""


def _refuse(reason: str, expected: str, lang: str | None) -> AnswerRefused:
    return AnswerRefused(t("exercises.refuse.line", lang, reason=reason, expected=expected))


class AnswerForm:
    def expected(self, lang: str | None = None) -> str:
        """The form of an answer, in words: shown with the prompt and with every refusal."""
        raise NotImplementedError

    def parse(self, typed: str, lang: str | None = None):
        raise NotImplementedError

    def _empty(self, typed: str, lang: str | None) -> str:
        text = typed.strip()
        if not text:
            raise _refuse(t("exercises.refuse.empty", lang), self.expected(lang), lang)
        return text


@dataclass(frozen=True)
class NumberForm(AnswerForm):
    """A number checked to `decimals` places (or, `significant`, to that many significant digits);
    `whole` for counts; [low, high] the plausible range (`positive`: low excluded)."""

    decimals: int = 4
    low: float = -math.inf
    high: float = math.inf
    whole: bool = False
    significant: bool = False
    positive: bool = False

    def expected(self, lang: str | None = None) -> str:
        if self.whole:
            return t("exercises.form.whole", lang, low=f"{self.low:g}", high=f"{self.high:g}")
        if self.significant:
            return t("exercises.form.significant", lang, digits=self.decimals)
        if self.positive:
            return t("exercises.form.positive", lang)
        if math.isinf(self.low) and math.isinf(self.high):
            return t("exercises.form.number", lang, decimals=self.decimals)
        return t("exercises.form.number_between", lang, decimals=self.decimals, low=f"{self.low:g}", high=f"{self.high:g}")

    def parse(self, typed: str, lang: str | None = None) -> float:
        text = self._empty(typed, lang)
        try:
            value = parse_number(text.replace(",", "."), "the answer", int if self.whole else float)
        except RnntuiError:
            raise _refuse(t("exercises.refuse.not_number", lang, typed=text), self.expected(lang), lang) from None
        if not self.low <= value <= self.high or (self.positive and value <= 0):
            raise _refuse(t("exercises.refuse.out_of_range", lang, typed=text), self.expected(lang), lang)
        return value

    def matches(self, value: float, expected: float) -> bool:
        """Right to the shown precision: within half a unit of the last decimal asked for."""
        if self.whole:
            return int(value) == int(round(expected))
        if self.significant:
            if expected == 0:
                return value == 0
            unit = 10.0 ** (math.floor(math.log10(abs(expected))) - self.decimals + 1)
            return abs(value - expected) <= 0.5 * unit * (1 + 1e-9)
        return abs(value - expected) <= 0.5 * 10.0**-self.decimals * (1 + 1e-9) + 1e-12



@dataclass(frozen=True)
class ChoiceForm(AnswerForm):
    """One of `keys`, typed as its 1-based position (or, `by_key`, as the key itself: a unit's
    number). Labels are `labels` when they need no translation (vectors), else the catalogue's
    `exercises.NAME.option.KEY`."""

    exercise: str
    keys: tuple[str, ...]
    labels: tuple[str, ...] | None = None
    by_key: bool = False

    def label(self, key: str, lang: str | None = None) -> str:
        if self.by_key:
            return key
        if self.labels is not None:
            return self.labels[self.keys.index(key)]
        return t(f"exercises.{self.exercise}.option.{key}", lang)

    def options(self, lang: str | None = None) -> list[tuple[str, str]]:
        """(what to type, label) for each option."""
        if self.by_key:
            return [(key, key) for key in self.keys]
        return [(str(n), self.label(key, lang)) for n, key in enumerate(self.keys, start=1)]

    def expected(self, lang: str | None = None) -> str:
        if self.by_key:
            return t("exercises.form.unit", lang, low=self.keys[0], high=self.keys[-1])
        return t("exercises.form.choice", lang, high=len(self.keys))

    def parse(self, typed: str, lang: str | None = None) -> str:
        text = self._empty(typed, lang)
        if self.by_key and text in self.keys:
            return text
        if not self.by_key and text.isdigit() and 1 <= int(text) <= len(self.keys):
            return self.keys[int(text) - 1]
        raise _refuse(t("exercises.refuse.not_option", lang, typed=text), self.expected(lang), lang)


@dataclass(frozen=True)
class KeysForm(AnswerForm):
    """Up to `most` presses of the app's keys in `allowed` (spaces between them are ignored)."""

    allowed: tuple[str, ...]
    most: int

    def expected(self, lang: str | None = None) -> str:
        return t("exercises.form.keys", lang, most=self.most, keys=" ".join(self.allowed))

    def parse(self, typed: str, lang: str | None = None) -> tuple[str, ...]:
        text = self._empty(typed, lang)
        keys = tuple(ch for ch in text if not ch.isspace())
        unknown = sorted({k for k in keys if k not in self.allowed})
        if unknown:
            raise _refuse(t("exercises.refuse.not_key", lang, typed=" ".join(unknown)), self.expected(lang), lang)
        if len(keys) > self.most:
            raise _refuse(t("exercises.refuse.too_many_keys", lang, count=len(keys)), self.expected(lang), lang)
        return keys
