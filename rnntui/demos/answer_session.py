"""A StepSession whose loss sits at the last position only, where the answer is one given character.

The vanishing/exploding and gates demos ask how a loss at the END of a sequence reaches the
beginning. With a next-character loss at every position, each ||dL/dh_t|| bar would be dominated
by its own local loss and the decay would be invisible; with one distant loss the bars show
exactly how much of it survives each step back in time.
"""

from __future__ import annotations

import numpy as np

from rnntui.engine.session import StepSession
from rnntui.errors import RnntuiError


class AnswerSession(StepSession):
    """StepSession with `targets` = -1 everywhere except the last position, whose target is `answer`."""

    def __init__(self, text: str, answer: str, **kwargs):
        super().__init__(text, **kwargs)
        if answer not in self.vocab:
            raise RnntuiError(f"the answer {answer!r} is not in the vocabulary {''.join(self.vocab.chars)!r}")
        self.answer = answer

    @property
    def targets(self) -> np.ndarray:
        targets = np.full(self.T, -1, dtype=np.int64)
        targets[-1] = self.vocab.index[self.answer]
        return targets
