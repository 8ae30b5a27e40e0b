"""Corpora: loading and refusing files, shipped corpora, splits, and the long-range tasks' answers."""

import numpy as np
import pytest

from rnntui.engine import long_range
from rnntui.engine.corpus import SHIPPED, load_corpus, shipped_corpus
from rnntui.errors import CorpusError


def test_file_corpus_vocab_is_sorted_and_split_is_by_position(tmp_path):
    path = tmp_path / "t.txt"
    path.write_text("hello world, ünïcode\n" * 10, encoding="utf-8")
    corpus = load_corpus(str(path))
    assert corpus.vocab.chars == sorted(set(corpus.text))
    train, val = corpus.split(0.1)
    assert train + val == corpus.text
    assert len(val) == round(len(corpus.text) * 0.1)


@pytest.mark.parametrize(
    "content, message",
    [(b"", "is empty"), (b"abc\0def", "binary"), (b"caf\xe9", "not UTF-8")],
    ids=["empty", "binary", "latin1"],
)
def test_bad_files_are_refused_in_one_line(tmp_path, content, message):
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    with pytest.raises(CorpusError, match=message):
        load_corpus(str(path))


def test_missing_directory_and_unknown_name(tmp_path):
    with pytest.raises(CorpusError, match="is a directory"):
        load_corpus(str(tmp_path))
    with pytest.raises(CorpusError, match="no such file or shipped corpus.*shipped: abc"):
        load_corpus("no-such-corpus")


@pytest.mark.parametrize("name", list(SHIPPED))
def test_shipped_corpora_are_deterministic(name):
    first, second = shipped_corpus(name), shipped_corpus(name)
    assert first.text == second.text and len(first.text) > 10_000
    assert first.description


def test_committed_copies_match_their_generators():
    from pathlib import Path

    folder = Path(__file__).resolve().parents[1] / "corpora"
    for name, entry in SHIPPED.items():
        if entry.committed:
            assert (folder / f"{name}.txt").read_text(encoding="utf-8") == entry.build(), name


def test_pydoc_corpus_is_english_prose_of_a_few_hundred_kb():
    corpus = shipped_corpus("pydoc")
    assert 300_000 < len(corpus.text) < 1_000_000
    assert "statement" in corpus.text


def test_abc_words_need_memory_after_b():
    text = shipped_corpus("abc").text
    after_b = {text[i - 1] + text[i + 1] for i in range(1, len(text) - 1) if text[i] == "B"}
    assert after_b == {"AC", "CA"}  # what follows B is decided by what preceded it


@pytest.mark.parametrize("task", list(long_range.TASKS.values()), ids=lambda t: t.name)
def test_checks_name_the_character_that_is_really_there(task):
    for example in task.examples(50, seed=1):
        assert example.text.endswith("\n") and example.checks
        for check in example.checks:
            assert example.text[check.position] == check.expected
            assert 0 < check.distance <= check.position + 1


def test_embedded_reber_repeats_its_second_symbol():
    for example in long_range.TASKS["reber"].examples(30, seed=2):
        text = example.text
        assert text[0] == "B" and text[-3:-1] == text[1] + "E"


def test_requested_lengths_are_honoured():
    assert long_range.a_n_b_n(np.random.default_rng(0), 7).text == "a" * 7 + "b" * 7 + "\n"
    assert len(long_range.first_symbol(np.random.default_rng(0), 12).text) == 12 + 4
    reber = long_range.embedded_reber(np.random.default_rng(0), 9)
    assert len(reber.text) == 9 + 5


def test_accuracy_by_distance_scores_a_perfect_and_a_wrong_model():
    examples = long_range.TASKS["first-symbol"].examples(20, seed=3, length=5)
    vocab = sorted(set("".join(e.text for e in examples)) | set("ABCD"))

    def oracle(text):  # puts all mass on the true next character
        probs = np.zeros((len(text), len(vocab)))
        for t in range(len(text) - 1):
            probs[t, vocab.index(text[t + 1])] = 1.0
        return probs

    def always_a(text):
        probs = np.full((len(text), len(vocab)), 0.01)
        probs[:, vocab.index("A")] = 1.0
        return probs

    assert long_range.accuracy_by_distance(examples, oracle, vocab) == {7: (20, 20)}
    correct, total = long_range.accuracy_by_distance(examples, always_a, vocab)[7]
    assert total == 20 and correct == sum(e.checks[0].expected == "A" for e in examples) < 20



def test_a_python_without_pydoc_data_gets_one_line(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "pydoc_data.topics", None)  # makes the import fail
    with pytest.raises(CorpusError, match="no pydoc_data"):
        load_corpus("pydoc")
