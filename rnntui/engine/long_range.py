"""Sequence tasks with long-range structure, generated deterministically, with their answers.

Each task makes one-line examples (text ending in a newline) together with the positions whose
next character is fully decided by something far back: the symbol that closes an embedded Reber
string, the closing bracket that matches an opener, the end of a^n b^n. A vanilla RNN learns the
local statistics and fails these checks as the distance grows; an LSTM keeps passing them.
`accuracy_by_distance` scores any model on them, so demos can plot accuracy against distance.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from rnntui.errors import RnntuiError


@dataclass(frozen=True)
class Check:
    """One position whose character the model should predict from distant context."""

    position: int  # index in Example.text of the character to predict
    expected: str  # the only correct character there
    distance: int  # how many characters back the deciding information lies
    candidates: str | None = None  # judge the argmax among these characters only (None: all)


@dataclass(frozen=True)
class Example:
    text: str  # one example, ending in "\n"
    checks: tuple[Check, ...]


# --- embedded Reber grammar (Hochreiter & Schmidhuber 1997) ---------------------------------

# The Reber automaton: state -> [(symbol, next state)]; state 5 emits the final E.
_REBER = {
    0: [("T", 1), ("P", 2)],
    1: [("S", 1), ("X", 3)],
    2: [("T", 2), ("V", 4)],
    3: [("X", 2), ("S", 5)],
    4: [("P", 3), ("V", 5)],
}


def reber_string(rng: np.random.Generator) -> str:
    """One string of the plain Reber grammar, B...E, each branch taken with probability 1/2."""
    out, state = ["B"], 0
    while state != 5:
        symbol, state = _REBER[state][rng.integers(2)]
        out.append(symbol)
    out.append("E")
    return "".join(out)


def embedded_reber(rng: np.random.Generator, length: int | None = None) -> Example:
    """B, then T or P, a Reber string, the same T or P again, E: that repeat is the long-range check.

    `length` asks for an inner Reber string of exactly that many characters (drawn until one fits).
    """
    if length is not None and length < 5:
        raise RnntuiError("an inner Reber string has at least 5 characters")
    for _ in range(100_000):
        inner = reber_string(rng)
        if length is None or len(inner) == length:
            break
    else:
        raise RnntuiError(f"no Reber string of length {length} found; try a shorter one")
    branch = "TP"[rng.integers(2)]
    text = f"B{branch}{inner}{branch}E\n"
    position = 2 + len(inner)
    return Example(text, (Check(position, branch, position - 1, "TP"),))


def embedded_reber_prefix_probabilities(line: str) -> list[float]:
    """P(an embedded Reber line starts with line[:k]) for k = 0..len(line): only the branches are random."""
    probs, p = [1.0], 1.0
    branch, state, finished_at = "", 0, 0
    for k, ch in enumerate(line):
        if p == 0.0:
            pass
        elif k == 1:  # the outer branch, T or P
            p, branch = p * 0.5 * (ch in "TP"), ch
        elif k in (0, 2):  # the outer B, then the inner string's B
            p *= ch == "B"
        elif state != 5:  # inside the Reber string: each of a state's two moves is a coin flip
            moves = dict(_REBER[state])
            p *= 0.5 * (ch in moves)
            state, finished_at = moves.get(ch, 0), k
        else:  # the inner E, the branch again, E and the newline are all decided
            tail, at = f"E{branch}E\n", k - finished_at - 1
            p *= at < len(tail) and ch == tail[at]
        probs.append(float(p))
    return probs


# --- matched brackets ----------------------------------------------------------------------

_PAIRS = {"(": ")", "[": "]", "{": "}"}
MAX_PAIRS = 15  # a bracket line has 1..MAX_PAIRS pairs, uniformly


def matched_brackets(rng: np.random.Generator, length: int | None = None) -> Example:
    """A random balanced string of (), [] and {}; every closer must match its opener.

    Whether a closer comes next is a free choice, but *which* closer is not: each closer is
    checked among the three closers only. `length` is the number of bracket pairs.
    """
    pairs = int(length) if length is not None else int(rng.integers(1, MAX_PAIRS + 1))
    if pairs < 1:
        raise RnntuiError("a bracket example needs at least one pair")
    text, stack, checks, opened = [], [], [], 0
    while opened < pairs or stack:
        if opened < pairs and (not stack or rng.random() < 0.5):
            opener = "([{"[rng.integers(3)]
            stack.append((opener, len(text)))
            text.append(opener)
            opened += 1
        else:
            opener, where = stack.pop()
            checks.append(Check(len(text), _PAIRS[opener], len(text) - where, ")]}"))
            text.append(_PAIRS[opener])
    return Example("".join(text) + "\n", tuple(checks))


def matched_brackets_prefix_probabilities(line: str) -> list[float]:
    """P(a bracket line starts with line[:k]) for k = 0..len(line), summed over its unseen number of pairs.

    Replays `matched_brackets` for every possible number of pairs: an opener is one of three; while
    more pairs are due and one is open, opening or closing is a coin flip; the rest is forced.
    """
    totals = np.zeros(len(line) + 1)
    totals[0] = 1.0  # the empty prefix, whatever the number of pairs
    for pairs in range(1, MAX_PAIRS + 1):
        p, stack, opened = 1.0 / MAX_PAIRS, [], 0
        for k, ch in enumerate(line, start=1):
            free = opened < pairs and bool(stack)  # the generator flips a coin here
            if ch in _PAIRS and opened < pairs:
                p *= (0.5 if free else 1.0) / 3
                stack.append(ch)
                opened += 1
            elif stack and ch == _PAIRS[stack[-1]]:
                p *= 0.5 if free else 1.0
                stack.pop()
            else:  # the newline ends a finished line; anything else cannot happen
                p *= ch == "\n" and not stack and opened == pairs and k == len(line)
            totals[k] += p
            if p == 0.0:
                break
    return [float(t) for t in totals]


# --- a^n b^n ---------------------------------------------------------------------------------

MAX_N = 30  # n is drawn uniformly from 1..MAX_N


def a_n_b_n(rng: np.random.Generator, length: int | None = None) -> Example:
    """n a's then n b's: after the first b, every b and the final newline are decided by n."""
    n = int(length) if length is not None else int(rng.integers(1, MAX_N + 1))
    if n < 1:
        raise RnntuiError("a^n b^n needs n >= 1")
    text = "a" * n + "b" * n + "\n"
    # Position n (the first b) could equally be another a; from n+1 on, the count decides.
    checks = tuple(Check(p, text[p], n, None) for p in range(n + 1, 2 * n + 1))
    return Example(text, checks)


def a_n_b_n_prefix_probabilities(line: str) -> list[float]:
    """P(an a^n b^n line starts with line[:k]) for k = 0..len(line): n is the only random choice."""
    probs, a, b, ended = [1.0], 0, 0, False
    for ch in line:
        if ended or not (ch == "a" and b == 0 or ch == "b" and b < a or ch == "\n" and 0 < b == a):
            a = MAX_N + 1  # impossible from here on
        elif ch == "a":
            a += 1  # n >= a
        elif ch == "b":
            b += 1  # the first b fixes n = a
        ended = ch == "\n"
        at_least_a = max(0, MAX_N + 1 - a) / MAX_N
        probs.append(at_least_a if b == 0 else (1.0 / MAX_N if a <= MAX_N else 0.0))
    return probs


# --- remember the first symbol ---------------------------------------------------------------

MAX_GAP = 40  # the filler is 1..MAX_GAP characters long, uniformly


def first_symbol(rng: np.random.Generator, length: int | None = None) -> Example:
    """One of A B C D, `length` filler characters from x y z, then '=' and the first symbol again."""
    gap = int(length) if length is not None else int(rng.integers(1, MAX_GAP + 1))
    if gap < 0:
        raise RnntuiError("the gap must be >= 0")
    symbol = "ABCD"[rng.integers(4)]
    filler = "".join("xyz"[i] for i in rng.integers(3, size=gap))
    text = f"{symbol}{filler}={symbol}\n"
    return Example(text, (Check(gap + 2, symbol, gap + 2, "ABCD"),))


def first_symbol_prefix_probabilities(line: str) -> list[float]:
    """P(a first-symbol line starts with line[:k]) for k = 0..len(line): symbol, gap and filler are random."""

    def gap_at_least(j: int) -> float:
        return min(MAX_GAP, max(0, MAX_GAP + 1 - j)) / MAX_GAP

    probs, fillers, gap = [1.0], 0, None  # gap: the filler's length once '=' is read
    possible = bool(line) and line[0] in "ABCD"
    for k, ch in enumerate(line):
        if k == 0:
            p = 0.25
        elif gap is None and ch in "xyz":
            fillers += 1
            p = 0.25 * 3.0 ** -fillers * gap_at_least(fillers)
        elif gap is None and ch == "=":
            gap = fillers
            p = 0.25 * 3.0 ** -gap / MAX_GAP if 1 <= gap <= MAX_GAP else 0.0
        else:  # the first symbol again, then the newline, are decided
            at = k - gap - 2 if gap is not None else -1
            possible &= 0 <= at < 2 and ch == f"{line[0]}\n"[at]
        probs.append(p if possible else 0.0)
    return probs


def first_symbol_same_letters(rng: np.random.Generator, length: int | None = None) -> Example:
    """Like `first_symbol`, but the filler is drawn from A B C D too: the cue's own letters.

    Only its position marks the cue, so a network that writes every letter into its memory
    corrupts it; the filler is unpredictable, so one that shows the memory during the gap pays.
    """
    gap = int(length) if length is not None else int(rng.integers(1, MAX_GAP + 1))
    if gap < 0:
        raise RnntuiError("the gap must be >= 0")
    symbol = "ABCD"[rng.integers(4)]
    filler = "".join("ABCD"[i] for i in rng.integers(4, size=gap))
    text = f"{symbol}{filler}={symbol}\n"
    return Example(text, (Check(gap + 2, symbol, gap + 2, "ABCD"),))


# --- the registry the corpora and demos use --------------------------------------------------


@dataclass(frozen=True)
class LongRangeTask:
    name: str
    description: str
    make: Callable[[np.random.Generator, int | None], Example]
    # P(the generator's line starts with line[:k]) for every k: the best possible prediction of the
    # task's text (see loss_floor); None where nobody has written it down
    prefix_probabilities: Callable[[str], list[float]] | None = None

    def examples(self, count: int, seed: int = 0, length: int | None = None) -> list[Example]:
        """`count` examples; the same seed gives the same examples."""
        rng = np.random.default_rng(seed)
        return [self.make(rng, length) for _ in range(count)]

    def text(self, chars: int, seed: int = 0) -> str:
        """A corpus of whole examples, at least `chars` characters long."""
        rng = np.random.default_rng(seed)
        parts, size = [], 0
        while size < chars:
            parts.append(self.make(rng, None).text)
            size += len(parts[-1])
        return "".join(parts)


TASKS: dict[str, LongRangeTask] = {
    task.name: task
    for task in (
        LongRangeTask(
            "reber",
            "embedded Reber grammar (Hochreiter & Schmidhuber 1997): the 2nd symbol returns at the end",
            embedded_reber, embedded_reber_prefix_probabilities,
        ),
        LongRangeTask("brackets", "balanced (), [] and {}: every closer must match its opener", matched_brackets,
                      matched_brackets_prefix_probabilities),
        LongRangeTask("anbn", f"a^n b^n for n = 1..{MAX_N}: the line ends after exactly n b's", a_n_b_n,
                      a_n_b_n_prefix_probabilities),
        LongRangeTask(
            "first-symbol", f"A-D, up to {MAX_GAP} filler letters, '=', then the first symbol again", first_symbol,
            first_symbol_prefix_probabilities,
        ),
    )
}


def accuracy_by_distance(
    examples: list[Example], next_char_probs: Callable[[str], np.ndarray], vocab: list[str]
) -> dict[int, tuple[int, int]]:
    """Score a model on the examples' checks: distance -> (correct, total).

    `next_char_probs(text)` runs the model from a zero state over `text` and returns (len, V)
    probabilities, row t being the distribution of the character after text[t]. Each example is
    fed after a newline, as it appears in the corpus.
    """
    index = {ch: i for i, ch in enumerate(vocab)}
    scores: dict[int, list[int]] = {}
    for example in examples:
        probs = np.asarray(next_char_probs("\n" + example.text))
        for check in example.checks:
            row = probs[check.position]  # the "\n" shifts rows by one: row p predicts text[p]
            allowed = check.candidates or "".join(vocab)
            best = max((ch for ch in allowed if ch in index), key=lambda ch: row[index[ch]])
            tally = scores.setdefault(check.distance, [0, 0])
            tally[0] += best == check.expected
            tally[1] += 1
    return {d: (c, t) for d, (c, t) in sorted(scores.items())}
