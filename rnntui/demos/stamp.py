"""Whether a demo step's narration still describes the screen: a stamp of the model it measured.

A step's figures were measured on the model, text and clipping it set up. The learner may change
any of them with the app's keys; from then on the narration must not present its figures as what
the panes show. `ModelStamp.of(session)` records the state when the step is shown, `describes`
says whether it still holds (weight edits install new arrays, so identity is the fast check and
equality the exact one: an undo back to the same values counts as unchanged).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rnntui.demos.script import Bilingual
from rnntui.engine.config import ModelConfig
from rnntui.engine.numpy_rnn import Clipping
from rnntui.engine.session import StepSession

STALE = Bilingual(
    "⚠ You changed the model: the figures below describe the demo's model, not what the panes show now. "
    "Press R to bring the demo's model back.",
    "⚠ 你改动了模型:下面的数字描述的是演示的模型,而不是面板现在显示的内容。按 R 恢复演示的模型。",
)


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
