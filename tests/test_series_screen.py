"""The series screen: the cut moves the free-running forecast, the persistence ratio is printed as
measured, and `rnntui app --series` and the picker open it."""

from __future__ import annotations

import pytest
from textual.widgets import OptionList, Static
from typer.testing import CliRunner

import rnntui.cli
from app_helpers import SIZE, screen_text
from rnntui.commands import app_commands
from rnntui.engine.abc_example import abc_session
from rnntui.engine.series import get_series
from rnntui.engine.series_session import SeriesSession
from rnntui.engine.session import StepSession
from rnntui.number_format import format_number
from rnntui.tui.app import RnnApp
from rnntui.tui.screens.corpus_picker import CorpusPickerScreen
from rnntui.tui.series_screen import SeriesScreen
from rnntui.tui.task_screen import TaskScreen
from rnntui.tui.widgets.series_plot import SeriesPlot


def series_app(name="airline", **options) -> RnnApp:
    return RnnApp(abc_session(), series=SeriesSession(get_series(name), hidden_size=6, **options))


def figures(app) -> str:
    return str(app.screen.query_one("#series-figures", Static).render())


async def test_the_cut_moves_and_the_ratios_are_the_sessions():
    app = series_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, SeriesScreen)
        session = screen.session
        shown = figures(app)
        assert f"ratio {format_number(session.one_step.ratio, 3)}" in shown
        assert f"ratio {format_number(session.free_running.score.ratio, 3)}" in shown
        assert "fresh weights from seed 0" in shown
        plot = screen.query_one(SeriesPlot)
        before_cut, before_plot = session.cut, plot.text_lines
        await pilot.press("left", "left", "pageup")
        assert session.cut == before_cut - 12 and session.free_running.cut == session.cut
        assert plot.text_lines != before_plot and f"t={session.cut}" in figures(app)
        await pilot.press("home")
        assert session.cut == session.cut_range[0]
        await pilot.press("end")
        assert session.cut == session.cut_range[1]
        ratio = session.one_step.ratio
        await pilot.press("c")
        await pilot.pause()
        assert session.config.cell == "gru" and session.one_step.ratio != ratio
        await pilot.press("r")
        await pilot.pause()
        assert session.seed == 1 and "seed 1" in figures(app)


async def test_a_random_walk_says_nothing_can_beat_persistence():
    app = series_app("random-walk")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert "nothing can beat tomorrow = today" in figures(app)


async def test_install_params_keeps_the_cut_and_marks_the_weights_trained():
    app = series_app("sines")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        await pilot.press("left")
        cut = screen.session.cut
        screen.install_params({k: v * 0.5 for k, v in screen.session.params.items()})
        await pilot.pause()
        assert screen.session.cut == cut and "fresh weights" not in figures(app)


async def test_the_picker_opens_series_and_leaves_them():
    app = RnnApp(StepSession("hello world", hidden_size=4, seed=0))
    async with app.run_test(size=SIZE) as pilot:
        for option, expected in (("series:sines", SeriesScreen), ("series:airline", SeriesScreen),
                                 ("task:adding", TaskScreen), ("series:random-walk", SeriesScreen), ("abc", None)):
            await pilot.press("o")
            await pilot.pause()
            assert isinstance(app.screen, CorpusPickerScreen)
            options = app.screen.query_one(OptionList)
            options.highlighted = options.get_option_index(option)
            await pilot.press("enter")
            await pilot.pause()
            if expected is None:
                assert app.screen is app.step_screen and app.training.corpus.name == "abc"
            else:
                assert isinstance(app.screen, expected)
        assert [type(s).__name__ for s in app.screen_stack] == ["StepScreen"]  # nothing left stacked


@pytest.fixture
def opened(monkeypatch):
    sessions = []
    monkeypatch.setattr(app_commands, "run_task_app", lambda task=None, series=None: sessions.append(series))
    return sessions


def test_app_series_opens_the_series_screen(opened):
    result = CliRunner().invoke(rnntui.cli.app, ["app", "--series", "airline", "--cell", "rnn", "--hidden", "5"])
    assert result.exit_code == 0, result.output
    (session,) = opened
    assert (session.name, session.config.cell, session.config.hidden_size) == ("airline", "rnn", 5)


@pytest.mark.parametrize("args, message", [
    (["--series", "nope"], "unknown series 'nope': choose one of sines, airline, random-walk"),
    (["--series", "sines", "--task", "adding"], "--task does not apply to --series"),
    (["--series", "sines", "--text", "hi"], "--text does not apply to --series"),
    (["--series", "sines", "--cell", "cnn"], "unknown cell"),
])
def test_bad_series_options_are_one_line_and_exit_2(opened, args, message):
    result = CliRunner().invoke(rnntui.cli.app, ["app", *args])
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and opened == []
