"""The lowest loss any model can reach on a generated corpus: the randomness of its generator.

A shipped task corpus (abc, reber, brackets, anbn, first-symbol) is written by a known random
process, one line (for abc, one three-letter word) at a time. The best possible prediction of a
character is that process's own probability of it given the text before it, so the mean of
-ln p over the validation text is a floor under every model's validation loss: what a model
scores above it is what it has still to learn, and what no longer run can win back. A model can
land a little below it only by luck on a small validation text. English has no floor one can
compute, so these functions answer None for every other corpus. No torch here.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from rnntui.engine import long_range
from rnntui.engine.corpus import ABC_WORDS, DEFAULT_VAL_FRACTION, SHIPPED, Corpus

WORD = len(ABC_WORDS[0])  # the ABC lesson's words, written with nothing between them


def abc_prefix_probabilities(word: str) -> list[float]:
    """P(an ABC-lesson word starts with word[:k]) for k = 0..len(word): ABC or CBA, a coin flip."""
    return [1.0] + [0.5 * any(w.startswith(word[:k]) for w in ABC_WORDS) for k in range(1, len(word) + 1)]


def _units(name: str, text: str) -> list[tuple[int, int]]:
    """(start, end) of each unit the generator wrote independently: a line, or an ABC word."""
    if name == "abc":
        return [(s, min(s + WORD, len(text))) for s in range(0, len(text), WORD)]
    units, start = [], 0
    while start < len(text):
        end = text.find("\n", start)
        end = len(text) if end < 0 else end + 1
        units.append((start, end))
        start = end
    return units


def _prefix_probabilities(name: str) -> Callable[[str], list[float]] | None:
    if name == "abc":
        return abc_prefix_probabilities
    task = long_range.TASKS.get(name)
    return task.prefix_probabilities if task else None


def generator_of(corpus: Corpus) -> str | None:
    """The shipped generator that wrote `corpus` (by name, or a file with the same text), or None."""
    if corpus.source == "shipped":
        return corpus.name if _prefix_probabilities(corpus.name) else None
    for name, entry in SHIPPED.items():  # a copy such as corpora/reber.txt, passed as a path
        if entry.committed and _prefix_probabilities(name) and corpus.text == entry.build():
            return name
    return None


def optimal_losses(name: str, text: str, first: int = 0) -> list[float]:
    """-ln p(text[t] | text[:t]) under generator `name`, for t = first..len(text)-1.

    Each character is predicted from the start of its unit on: units are written independently.
    Raises ValueError for text that generator cannot have written.
    """
    prefix_probabilities = _prefix_probabilities(name)
    if prefix_probabilities is None:
        raise ValueError(f"no generator is known for {name!r}")
    losses: list[float] = []
    for start, end in _units(name, text):
        if end <= first:
            continue
        probs = prefix_probabilities(text[start:end])
        for k in range(max(first - start, 0), end - start):
            if probs[k + 1] <= 0.0:
                raise ValueError(f"the {name} generator cannot write {text[start:start + k + 1]!r}")
            losses.append(-math.log(probs[k + 1] / probs[k]))
    return losses


def loss_floor(corpus: Corpus, val_fraction: float = DEFAULT_VAL_FRACTION) -> float | None:
    """The best possible validation loss on `corpus`'s own split (nats/char), or None if unknown.

    Averaged over exactly the targets the trainer's validation scores (every validation character
    after the first), each predicted from everything before it, as the warm stream does.
    """
    name = generator_of(corpus)
    if name is None:
        return None
    losses = optimal_losses(name, corpus.text, first=corpus.split_point(val_fraction) + 1)
    return sum(losses) / len(losses)
