"""Named starting states: the demos' opening scenes and a few teaching set-ups, as StepStates.

Each preset builds its state from the same sessions the demos build (so the numbers a demo cites
are the ones a preset opens on) and records weight changes as edits, so every preset is a short
state string (`rnntui state --list`) and opens with `rnntui app --preset NAME`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from rnntui.demos import exploding, vanishing
from rnntui.engine import abc_example
from rnntui.engine.long_range import TASKS
from rnntui.engine.numpy_rnn import Clipping
from rnntui.engine.session import StepSession
from rnntui.engine.step_state import StepState, capture
from rnntui.errors import RnntuiError
from rnntui.i18n import t

TEACHER_TEXT = "ABCCBA"  # the ABC lesson's two words back to back: after the second C, memory decides
TEACHER_RADIUS = 1.3  # W_hh's spectral radius: just above 1, where gradients start to grow
TEACHER_CLIP = 1.0
SATURATION_RADIUS = 3.0  # far above 1: tanh units pin at ±1 and their derivative vanishes
SATURATION_TEXT = "hello, recurrent world"
TASK = "first-symbol"


@dataclass(frozen=True)
class Preset:
    name: str
    build: Callable[[], StepState]

    def description(self) -> str:
        return t(f"state.preset.{self.name}")


def _at(session: StepSession, cursor: int, **view) -> StepState:
    session.move_to(cursor)
    return capture(session, **view)


def _abc() -> StepState:
    return _at(abc_example.abc_session(), 1)


def _abc_identity() -> StepState:
    return _at(abc_example.abc_session("identity"), 1)


def _vanishing() -> StepState:
    session = vanishing.rnn_session()
    return _at(session, session.T - 1)


def _vanishing_lstm() -> StepState:
    return _at(vanishing.lstm_session(), 1)


def _forget_gate() -> StepState:
    return _at(vanishing.lstm_session(vanishing.FORGET_BIAS), 1)


def _exploding() -> StepState:
    return _at(exploding.relu_session(), 1)


def _clipping() -> StepState:
    session = exploding.relu_session(Clipping("norm", exploding.THRESHOLD))
    return _at(session, session.T)


def _teacher() -> StepState:
    session = StepSession(TEACHER_TEXT, cell="lstm")
    session.set_spectral_radius(TEACHER_RADIUS)
    session.set_clipping("norm", TEACHER_CLIP)
    return _at(session, 5, whole_loss_bars=True)


def _saturation() -> StepState:
    session = StepSession(SATURATION_TEXT)
    session.set_spectral_radius(SATURATION_RADIUS)
    return _at(session, session.T)


def _task() -> StepState:
    line = TASKS[TASK].examples(1, seed=0)[0].text
    session = StepSession(line, cell="lstm", hidden_size=16)
    return _at(session, 1, corpus=TASK)


PRESETS: dict[str, Preset] = {
    preset.name: preset
    for preset in (
        Preset("abc", _abc),
        Preset("abc-identity", _abc_identity),
        Preset("vanishing", _vanishing),
        Preset("vanishing-lstm", _vanishing_lstm),
        Preset("forget-gate", _forget_gate),
        Preset("exploding", _exploding),
        Preset("clipping", _clipping),
        Preset("abccba-lstm", _teacher),
        Preset("saturation", _saturation),
        Preset(TASK, _task),
    )
}


def get_preset(name: str) -> Preset:
    if name not in PRESETS:
        raise RnntuiError(t("state.error.unknown_preset", name=name, choices=", ".join(PRESETS)))
    return PRESETS[name]
