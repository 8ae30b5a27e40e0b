import numpy as np
import pytest

from rnntui.engine.vocab import Vocab
from rnntui.errors import RnntuiError


def test_from_text_is_sorted_and_stable():
    assert Vocab.from_text("CABBA").chars == ["A", "B", "C"]
    assert Vocab.from_text("hello") == Vocab.from_text("olleh")


def test_encode_decode_round_trip():
    vocab = Vocab.from_text("hello world")
    indices = vocab.encode("hello")
    assert indices.dtype == np.int64
    assert vocab.decode(indices) == "hello"


def test_unknown_character_is_named():
    with pytest.raises(RnntuiError, match="'z'"):
        Vocab(["a", "b"]).encode("abz")


@pytest.mark.parametrize("chars", [[], ["a", "a"], ["ab"]])
def test_malformed_vocab_refused(chars):
    with pytest.raises(RnntuiError):
        Vocab(chars)


def test_empty_text_refused():
    with pytest.raises(RnntuiError, match="empty"):
        Vocab.from_text("")
