"""Demos stay true to the screen: change the model mid-step and the narration stops presenting its
figures as what the panes show; R brings the step's model back and the notice goes."""

from __future__ import annotations

import asyncio
import time

import numpy as np
import pytest

from rnntui.demos import all_demos, get_demo
from rnntui.i18n import t
from rnntui.tui.demo_app import DemoApp

STALE_EN = t("demo_stamp.stale.notice", lang="en")
STALE_ZH = t("demo_stamp.stale.notice", lang="zh")

STEP_TIMEOUT = 240  # seconds: the gates demo trains its LSTM in its first step


def narration_text(app) -> str:
    return str(app.query_one("#narration").render())


async def settle(app, pilot) -> None:
    start = time.monotonic()
    while app.busy:
        assert app.failed is None, app.failed
        assert time.monotonic() - start < STEP_TIMEOUT
        await asyncio.sleep(0.05)
    await pilot.pause()


@pytest.mark.parametrize("name", list(all_demos()))
async def test_changing_the_model_mid_step_marks_the_narration_stale_and_R_restores(name):
    app = DemoApp(get_demo(name))
    async with app.run_test(size=(120, 45)) as pilot:
        await pilot.press("right")
        await settle(app, pilot)
        measured = app.player.outcomes[0].narration("en")
        config = app.session.config
        assert STALE_EN not in narration_text(app) and measured[:40] in narration_text(app)
        await pilot.press("c")  # another cell: the step's figures describe another model now
        await pilot.pause()
        assert app.session.config != config
        assert narration_text(app).startswith(STALE_EN[:20])
        await pilot.press("h")  # moving the cursor changes no figure: still stale, nothing else
        await pilot.press("R")
        await pilot.pause()
        assert app.session.config == config and STALE_EN not in narration_text(app)


async def test_abc_title_card_shows_the_notes_example_and_R_brings_back_its_weights():
    app = DemoApp(get_demo("abc"))
    async with app.run_test(size=(120, 45)) as pilot:
        session = app.session
        assert session.text == "AB" and np.array_equal(session.params["rnn.weight_hh_l0"], np.eye(3))
        await pilot.press("right")
        await settle(app, pilot)
        await pilot.press("right")  # h_1 = tanh(1): a step that cites the notes' weights
        await settle(app, pilot)
        await pilot.press("c", "c", "c")  # LSTM, GRU, and back to a vanilla RNN with the seed's weights
        await pilot.pause()
        assert app.session.config.cell == "rnn" and not np.array_equal(app.session.params["rnn.weight_hh_l0"], np.eye(3))
        assert narration_text(app).startswith(STALE_EN[:20])
        await pilot.press("R")
        await pilot.pause()
        assert np.array_equal(app.session.params["rnn.weight_hh_l0"], np.eye(3))
        assert np.array_equal(app.session.params["rnn.weight_ih_l0"], np.eye(3))
        assert STALE_EN not in narration_text(app)
        assert f"{np.tanh(1.0):.4f}" in narration_text(app)


async def test_the_stale_notice_speaks_chinese_in_a_chinese_demo():
    app = DemoApp(get_demo("vanishing"), lang="zh")
    async with app.run_test(size=(120, 45)) as pilot:
        await pilot.press("right")
        await settle(app, pilot)
        await pilot.press("a")
        await pilot.pause()
        assert narration_text(app).startswith(STALE_ZH[:10])
