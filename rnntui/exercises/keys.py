"""What the app's model keys do to a StepSession, without the app: the keys a learner may answer with.

`[` / `]` scale every layer's W_hh by 1/W_HH_STEP / W_HH_STEP, `a` toggles tanh/ReLU, `c` cycles
the cell, `k` cycles clipping. The app binds the same keys to the same session methods; an
exercise that asks for "at most three keys" replays them here on a copy of its session.
"""

from __future__ import annotations

from collections.abc import Callable

from rnntui.engine.config import CELLS
from rnntui.engine.numpy_rnn import CLIP_MODES
from rnntui.engine.session import StepSession
from rnntui.engine.weights import W_HH_STEP


def scale_w_hh(session: StepSession, factor: float) -> None:
    for layer in range(session.config.num_layers):
        session.scale_weight(f"rnn.weight_hh_l{layer}", factor)


def toggle_activation(session: StepSession) -> None:
    session.set_activation("relu" if session.config.activation == "tanh" else "tanh")


def cycle_cell(session: StepSession) -> None:
    session.set_cell(CELLS[(CELLS.index(session.config.cell) + 1) % len(CELLS)])


def cycle_clipping(session: StepSession) -> None:
    session.set_clipping(CLIP_MODES[(CLIP_MODES.index(session.clipping.mode) + 1) % len(CLIP_MODES)])


KEYS: dict[str, Callable[[StepSession], None]] = {
    "[": lambda session: scale_w_hh(session, 1.0 / W_HH_STEP),
    "]": lambda session: scale_w_hh(session, W_HH_STEP),
    "a": toggle_activation,
    "c": cycle_cell,
    "k": cycle_clipping,
}


def press(session: StepSession, keys) -> StepSession:
    """Apply `keys` in order to `session` (changed in place) and return it."""
    for key in keys:
        KEYS[key](session)
    return session
