"""State strings in the app: S shows the screen's string, a command line and (served) a link; the
palette opens presets; what cannot be shared or opened is a notification and changes nothing."""

from __future__ import annotations

import numpy as np

from rnntui.commands.app_commands import open_state as build
from rnntui.demos.presets import PRESETS
from rnntui.engine.config import ModelConfig
from rnntui.engine.numpy_rnn import init_params
from rnntui.engine.session import StepSession
from rnntui.engine.state_string import decode, encode
from rnntui.engine.step_state import CheckpointRef, StepState
from rnntui.engine.weights import Scale
from rnntui.tui.app import RnnApp
from rnntui.tui.screens.share import ShareScreen
from rnntui.tui.shared_state import current_state, install_view

SIZE = (120, 40)


def app_on(name: str) -> RnnApp:
    state = PRESETS[name].build()
    app = RnnApp(build(state), start_at_first=False)
    install_view(app.step_screen, state)
    return app


def record(app, method: str) -> list:
    calls = []
    setattr(app, method, lambda *args, **kwargs: calls.append(args))
    return calls


async def test_s_shows_the_string_and_a_command_line_that_reopen_this_screen():
    app = app_on("abccba-lstm")
    copied = record(app, "copy_to_clipboard")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("right_square_bracket")  # one more edit: W_hh x 1.25
        await pilot.press("S")
        share = app.screen
        assert isinstance(share, ShareScreen)
        state = decode(share.string)
        assert state == current_state(app) and state.edits[-1] == Scale("rnn.weight_hh_l0", 1.25)
        assert share.command == f"rnntui app --state {share.string}" and share.link is None
        assert str(share.query_one("#share-string").render()) == share.string
        await pilot.press("y", "c")
        assert copied == [(share.string,), (share.command,)]
        await pilot.press("escape")
        assert not isinstance(app.screen, ShareScreen)


async def test_when_served_it_also_shows_the_link():
    app = app_on("vanishing")
    app.served_at = "http://classroom-pc:8080"
    copied, opened = record(app, "copy_to_clipboard"), record(app, "open_url")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("S")
        share = app.screen
        assert share.link == f"http://classroom-pc:8080/s/{encode(PRESETS['vanishing'].build())}"
        await pilot.press("l", "o")
        assert copied == [(share.link,)] and opened == [(share.link,)]


async def test_weights_from_a_training_run_are_refused_with_the_reason():
    config = ModelConfig(hidden_size=4, vocab_size=2)
    app = RnnApp(StepSession("abab", hidden_size=4, params=init_params(config, 3)))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("S")
        await pilot.pause()
        assert not isinstance(app.screen, ShareScreen)
        assert any("training run" in n.message for n in app._notifications)


async def test_the_palette_opens_a_preset():
    app = app_on("abc")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+p")
        await pilot.press(*"Preset forget")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        wanted = PRESETS["forget-gate"].build()
        assert current_state(app) == wanted
        reference = build(wanted)
        assert all(np.array_equal(app.session.params[k], reference.params[k]) for k in reference.params)


async def test_share_is_in_the_command_palette_and_help():
    from rnntui.tui.commands import active_key_rows

    app = app_on("abc")
    async with app.run_test(size=SIZE):
        rows = [row for row in active_key_rows(app.screen.active_bindings) if row.action == "share"]
        assert [row.keys for row in rows] == ["S"] and "state string" in rows[0].text


async def test_a_link_refused_where_it_opens_shows_the_reason_on_the_default_screen(monkeypatch):
    from rnntui.commands import app_commands
    from rnntui.engine.abc_example import abc_session

    made = []
    monkeypatch.setattr(app_commands, "run_app", lambda *args, **kwargs: made.append(app_commands.make_app(*args, **kwargs)))
    state = StepState("ab", weights="checkpoint", checkpoint=CheckpointRef("missing.safetensors", "0" * 64))
    app_commands.open_served_link(encode(state))
    (app,) = made
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        messages = [n.message for n in app._notifications]
        assert any("missing.safetensors" in m for m in messages), messages
        assert app.session.text == abc_session().text and app.session.weights_source == "abc"
