"""Exercises in the app: opened from the palette over the stepping screen, answered by typing, by
selecting a unit or with keys, checked by the engine; a checked run survives keys pressed meanwhile."""

from __future__ import annotations

import asyncio
import json

import pytest
from app_helpers import SIZE, small_app

from rnntui.exercises import get_exercise
from rnntui.tui.exercise_screen import ExerciseScreen
from rnntui.tui.screens.prompt import PromptScreen


@pytest.fixture(autouse=True)
def state_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    return tmp_path / "state" / "rnntui"


def panel(app) -> str:
    return " ".join(str(app.screen.query_one("#narration").render()).split())


async def opened(pilot, name: str) -> ExerciseScreen:
    pilot.app.open_exercise(name)
    await pilot.pause()
    return pilot.app.screen


async def answer(pilot, typed: str) -> None:
    await pilot.press("enter")
    assert isinstance(pilot.app.screen, PromptScreen)
    await pilot.press("ctrl+u", *typed, "enter")
    await pilot.pause()


async def test_the_palette_opens_an_exercise_and_a_typed_answer_is_checked(state_folder):
    app = small_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+p", *"h_2 by hand")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ExerciseScreen) and screen.exercise.name == "h2"
        assert screen.session.text == "AB" and screen.session.cursor == 2  # the exercise's model is on screen
        assert "Compute h_2[0]" in panel(app)
        await pilot.press("enter")
        await pilot.press(*"abc", "enter")  # refused: the prompt stays with the expected form
        assert isinstance(app.screen, PromptScreen)
        assert "not a number" in str(app.screen.query_one("#prompt-message").render())
        await pilot.press("ctrl+u", *"0.7616", "enter")  # well-formed, wrong
        await pilot.pause()
        assert "Not yet" in panel(app)
        await pilot.press("i")
        assert "Hint 1" in panel(app)
        right = f"{screen.session.step_view(2).h[0, 0]:.4f}"  # the engine's h_2[0]
        await answer(pilot, right)
        assert "Right" in panel(app) and f"h_2[0] = {right}" in panel(app)
        saved = json.loads((state_folder / "exercises.json").read_text())
        assert "h2" in saved["solved"] and saved["attempts"]["h2"] == 2
        await pilot.press("escape")
        assert app.screen is app.step_screen


async def test_selecting_the_unit_that_remembers_answers_the_carrier_exercise():
    app = small_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await opened(pilot, "carrier")
        exercise = get_exercise("carrier")
        unit = int(exercise.intended_answer(exercise.setup()))  # measured by the engine
        await pilot.press(*["down"] * unit)
        assert screen.selection.unit == unit
        await pilot.press("enter")
        assert app.screen.query_one("#prompt-input").value == str(unit)  # the selection is the answer
        await pilot.press("enter")
        await pilot.pause()
        assert "Right" in panel(app)


async def test_keys_answers_are_replayed_on_the_exercises_own_model():
    app = small_app()
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, "vanish-keys")
        await pilot.press("]", "]")  # poking at the live model does not change what the answer is checked on
        await answer(pilot, "]]]")
        assert "Not yet" in panel(app) and "after your keys" in panel(app)
        await pilot.press("R")  # the exercise's model back
        await pilot.pause()
        assert app.screen.session.spectral_radii()["rnn.weight_hh_l0"]["h"] == pytest.approx(1.2)
        await answer(pilot, "[[[")
        assert "Right" in panel(app)


async def test_keys_pressed_during_a_checked_training_run_do_not_break_it():
    app = small_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await opened(pilot, "clip-threshold")
        await answer(pilot, "1")
        await pilot.press("enter", "5", "i", "escape", "t")  # while the engine trains: refused or harmless
        for _ in range(200):
            if not screen.checking:
                break
            await asyncio.sleep(0.05)
        await pilot.pause()
        assert not screen.checking and app.screen is screen
        assert "Right" in panel(app) and "your run: loss" in panel(app)
        assert not app.training.active  # t did not start training under the exercise
