"""The loss floor of the generated corpora: each generator's own probabilities, checked against the generator.

The reference is the generator itself: prefix probabilities must match how often its lines start
that way, and must add up at every point of a line.
"""

import math
from collections import Counter

import numpy as np
import pytest

from rnntui.engine import long_range
from rnntui.engine.corpus import Corpus, load_corpus, shipped_corpus
from rnntui.engine.loss_floor import abc_prefix_probabilities, generator_of, loss_floor, optimal_losses

TASKS = list(long_range.TASKS.values())
SAMPLES = 20_000


def last(probabilities: list[float]) -> float:
    return probabilities[-1]


@pytest.mark.parametrize("task", TASKS, ids=lambda t: t.name)
def test_prefix_probabilities_match_how_often_the_generator_writes_each_prefix(task):
    lines = [e.text for e in task.examples(SAMPLES, seed=11)]
    checked = 0
    for length in range(1, 7):
        counts = Counter(line[:length] for line in lines if len(line) >= length)
        for prefix, count in counts.items():
            expected = last(task.prefix_probabilities(prefix))
            if expected * SAMPLES < 20:  # too rare for a normal approximation of its count
                continue
            observed = count / SAMPLES
            assert abs(observed - expected) <= 5 * math.sqrt(expected * (1 - expected) / SAMPLES) + 1e-9, prefix
            checked += 1
    assert checked >= 10


@pytest.mark.parametrize("task", TASKS, ids=lambda t: t.name)
def test_the_next_character_probabilities_add_up_at_every_point_of_a_line(task):
    symbols = sorted(set(task.text(5_000)) | {"\n", "?"})  # "?" is never written: probability 0
    for example in task.examples(40, seed=3):
        line = example.text
        probs = task.prefix_probabilities(line)
        assert probs[0] == 1.0 and probs[-1] > 0
        for k in range(len(line)):
            following = sum(last(task.prefix_probabilities(line[:k] + s)) for s in symbols)
            assert following == pytest.approx(probs[k], rel=1e-12), (line, k)
        # Nothing follows a finished line.
        assert all(last(task.prefix_probabilities(line + s)) == 0.0 for s in symbols)


def test_abc_words_are_a_coin_flip_then_decided():
    assert abc_prefix_probabilities("ABC") == [1.0, 0.5, 0.5, 0.5]
    assert abc_prefix_probabilities("CB") == [1.0, 0.5, 0.5]
    assert abc_prefix_probabilities("AC") == [1.0, 0.5, 0.0]


def test_floors_agree_with_the_generators_arithmetic():
    # abc: one coin flip per three letters.
    assert loss_floor(shipped_corpus("abc")) == pytest.approx(math.log(2) / 3, abs=0.002)
    # a^n b^n: n is one of 30 per line of 2n+1 characters, 32 on average; the text's own lines decide.
    text = long_range.TASKS["anbn"].text(200_000, seed=5)
    losses = optimal_losses("anbn", text)
    lines = text.count("\n")
    assert sum(losses) == pytest.approx(lines * math.log(long_range.MAX_N), rel=1e-9)
    assert sum(losses) / len(losses) == pytest.approx(math.log(30) / 32, rel=0.02)
    # first-symbol: the symbol (4), the gap (40) and each filler letter (3) are free.
    text = long_range.TASKS["first-symbol"].text(200_000, seed=5)
    lines = text.splitlines()
    free = sum(math.log(4) + math.log(long_range.MAX_GAP) + (len(line) - 3) * math.log(3) for line in lines)
    assert sum(optimal_losses("first-symbol", text)) == pytest.approx(free, rel=1e-9)


def bigram_loss(text: str) -> float:
    """Cross-entropy of the best bigram table for `text`, scored on `text` itself."""
    pairs = Counter(zip(text, text[1:]))
    firsts = Counter(text[:-1])
    return -sum(n * math.log(n / firsts[a]) for (a, _), n in pairs.items()) / (len(text) - 1)


@pytest.mark.parametrize("name", ["abc", *long_range.TASKS])
def test_the_floor_lies_below_a_bigram_table_fitted_to_the_same_text(name):
    corpus = shipped_corpus(name)
    floor = loss_floor(corpus)
    _, validation = corpus.split()
    assert 0 < floor < bigram_loss(validation) < math.log(len(corpus.vocab))


def test_a_copy_of_a_shipped_corpus_has_its_floor_and_other_text_has_none():
    assert generator_of(load_corpus("corpora/reber.txt")) == "reber"
    assert loss_floor(load_corpus("corpora/reber.txt")) == loss_floor(shipped_corpus("reber"))
    assert loss_floor(Corpus("notes.txt", "hello world\n" * 50)) is None
    assert loss_floor(shipped_corpus("pydoc")) is None


def test_text_the_generator_cannot_write_is_refused():
    with pytest.raises(ValueError, match="cannot write"):
        optimal_losses("anbn", "aab\n")
    with pytest.raises(ValueError, match="no generator"):
        optimal_losses("pydoc", "text")


def test_the_floor_is_over_the_validation_targets_only():
    corpus = shipped_corpus("reber")
    first = corpus.split_point() + 1
    losses = optimal_losses("reber", corpus.text)
    assert len(losses) == len(corpus.text)
    assert loss_floor(corpus) == pytest.approx(float(np.mean(losses[first:])), rel=1e-12)
