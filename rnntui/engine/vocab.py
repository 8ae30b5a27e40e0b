"""The character vocabulary: a stable order of characters and encode/decode with clear errors."""

from __future__ import annotations

from typing import Iterable, Sequence

import numpy as np

from rnntui.errors import RnntuiError
from rnntui.i18n import t


def is_surrogate(ch: str) -> bool:
    """Half of a UTF-16 pair (U+D800..U+DFFF): no character on its own, and no UTF-8 can encode it.

    Text from a command line that was not UTF-8 arrives holding them (Python's surrogateescape).
    """
    return "\ud800" <= ch <= "\udfff"


class Vocab:
    """Characters in index order. Built from text, the order is sorted(set(text)), so the same
    text always gives the same indices (and "ABC" gives A=0, B=1, C=2 as in the notes)."""

    def __init__(self, chars: Sequence[str]):
        chars = list(chars)
        if not chars:
            raise RnntuiError(t("errors.vocab.empty"))
        for ch in chars:
            if not isinstance(ch, str) or len(ch) != 1:
                raise RnntuiError(t("errors.vocab.not_single", entry=ch))
        if len(set(chars)) != len(chars):
            raise RnntuiError(t("errors.vocab.twice"))
        half = next((ch for ch in chars if is_surrogate(ch)), None)
        if half is not None:
            raise RnntuiError(t("vocab.surrogate", char=ascii(half)))
        self.chars: list[str] = chars
        self.index: dict[str, int] = {ch: i for i, ch in enumerate(chars)}

    @classmethod
    def from_text(cls, text: str) -> "Vocab":
        if not text:
            raise RnntuiError(t("errors.vocab.empty_text"))
        return cls(sorted(set(text)))

    def __len__(self) -> int:
        return len(self.chars)

    def __contains__(self, ch: object) -> bool:
        return ch in self.index

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Vocab) and self.chars == other.chars

    def __repr__(self) -> str:
        return f"Vocab({''.join(self.chars)!r})"

    def encode(self, text: Iterable[str]) -> np.ndarray:
        """Indices of the characters of `text`; an unknown character is named in the error."""
        try:
            return np.array([self.index[ch] for ch in text], dtype=np.int64)
        except KeyError as error:
            shown = "".join(self.chars)
            raise RnntuiError(
                t("errors.vocab.unknown_char", char=error.args[0], vocab=shown)
            ) from None

    def decode(self, indices: Iterable[int]) -> str:
        try:
            return "".join(self.chars[int(i)] if int(i) >= 0 else "" for i in indices)
        except IndexError:
            raise RnntuiError(t("errors.vocab.index_range", size=len(self))) from None
