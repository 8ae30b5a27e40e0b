"""A demo step's stamp notices every change the app's keys make to the model, and only those."""

from __future__ import annotations

from rnntui.demos.stamp import ModelStamp
from rnntui.engine.session import StepSession
from rnntui.exercises.keys import press


def test_every_model_key_makes_the_stamp_stale_and_undo_or_moving_does_not():
    for keys in ("c", "a", "[", "]", "k"):
        session = StepSession("hello", hidden_size=4)
        stamp = ModelStamp.of(session)
        assert stamp.describes(session)
        press(session, keys)
        assert not stamp.describes(session), keys
    session = StepSession("hello", hidden_size=4)
    stamp = ModelStamp.of(session)
    session.step_back()
    assert stamp.describes(session)  # moving the cursor changes no figure
    press(session, "]")
    session.undo()
    assert stamp.describes(session)  # back to the same weights
    session.set_text("hellO")
    assert not stamp.describes(session)
