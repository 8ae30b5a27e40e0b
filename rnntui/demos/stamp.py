"""Whether a demo step's narration still describes the screen: a stamp of the model it measured.

A step's figures were measured on the model, text and clipping it set up. The learner may change
any of them with the app's keys; from then on the narration must not present its figures as what
the panes show. `ModelStamp.of(session)` records the state when the step is shown, `describes`
says whether it still holds (weight edits install new arrays, so identity is the fast check and
equality the exact one: an undo back to the same values counts as unchanged). The notice the app
shows while a stamp no longer holds is the catalogue's `demo_stamp.stale.notice`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rnntui.engine.config import ModelConfig
from rnntui.engine.numpy_rnn import Clipping
from rnntui.engine.session import StepSession


@dataclass(frozen=True)
class ModelStamp:
    config: ModelConfig
    params: dict[str, np.ndarray]
    text: str
    clipping: Clipping

    @classmethod
    def of(cls, session: StepSession) -> "ModelStamp":
        return cls(session.config, session.params, session.text, session.clipping)

    def describes(self, session: StepSession) -> bool:
        """True while `session` holds the model, text and clipping this stamp recorded."""
        if (session.config, session.text, session.clipping) != (self.config, self.text, self.clipping):
            return False
        current = session.params
        return all(current[name] is value or np.array_equal(current[name], value) for name, value in self.params.items())
