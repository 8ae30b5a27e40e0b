"""The task screen in the app: keys change what the panes show, and `rnntui app --task` opens it."""

from __future__ import annotations

import json

import numpy as np
import pytest
from textual.widgets import Static
from typer.testing import CliRunner

import rnntui.cli
from app_helpers import SIZE, screen_text
from rnntui.commands import app_commands
from rnntui.engine.abc_example import abc_session
from rnntui.engine.checkpoint import save_checkpoint
from rnntui.engine.session import StepSession
from rnntui.engine.task_session import TaskSession, fresh_params
from rnntui.engine.tasks import KINDS, make_task
from rnntui.tui import task_views
from rnntui.tui.app import RnnApp
from rnntui.tui.screens.help import HelpScreen
from rnntui.tui.task_screen import TaskScreen
from rnntui.tui.widgets.task_gradients import TaskGradientPane


def task_app(name="adding", setting=None, cell="rnn", **options) -> RnnApp:
    return RnnApp(abc_session(), task=TaskSession(make_task(name, setting), cell=cell, **options))


def pane_lines(app, selector) -> list[str]:
    return app.screen.query_one(selector).text_lines


async def test_the_app_opens_on_the_task_screen_and_steps(tmp_path):
    app = task_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, TaskScreen) and screen.session.cursor == 1
        before = pane_lines(app, "#task-sequence")
        await pilot.press("right", "right")
        assert screen.session.cursor == 3
        assert pane_lines(app, "#task-sequence") != before
        value = screen.session.inputs[2, 0]
        assert any(f"t 3/{screen.session.T}" in line and f"{value:+.4f}" in line for line in pane_lines(app, "#task-sequence"))
        await pilot.press("end")
        assert screen.session.cursor == screen.session.T
        await pilot.press("left", "home")
        assert screen.session.cursor == 1
        shown = screen_text(app)
        assert "Task adding (Experiment 4, T=100)" in shown and "at the end:" in shown and "|error|" in shown


async def test_c_changes_the_cell_and_the_gradient_bars():
    app = task_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        bars = screen.query_one(TaskGradientPane)
        rnn_norms, rnn_lines = bars.view.norms.copy(), bars.text_lines
        await pilot.press("c")
        await pilot.pause()
        assert screen.session.config.cell == "lstm"
        assert not np.allclose(bars.view.norms, rnn_norms) and bars.text_lines != rnn_lines
        assert screen.query_one("#task-gates").border_subtitle == "LSTM i f g o"


async def test_the_reach_line_shows_the_vanishing_gradient_of_a_fresh_rnn_against_an_lstm():
    """The reach figures on screen are the session's, and a fresh LSTM's reach the marked steps
    by many orders of magnitude more than a fresh vanilla RNN's."""
    app = task_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        session = app.screen.session
        reach = {}
        for cell in ("rnn", "lstm"):
            assert session.config.cell == cell
            shown = "\n".join(pane_lines(app, "#task-gradients"))
            for m, share in session.reach().items():
                assert f"t={m + 1} {task_views.ratio(share)}" in shown
            reach[cell] = session.reach()
            await pilot.press("c")
            await pilot.pause()
        for m in reach["rnn"]:
            assert reach["lstm"][m] > 1e6 * reach["rnn"][m]


async def test_n_draws_a_new_sequence_and_r_new_weights():
    app = task_app(cell="lstm")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        session = app.screen.session
        inputs, answer_line = session.inputs.copy(), pane_lines(app, "#task-sequence")[-1]
        await pilot.press("n")
        await pilot.pause()
        assert session.sequence_seed == 1 and not np.array_equal(session.inputs[:20], inputs[:20])
        assert pane_lines(app, "#task-sequence")[-1] != answer_line
        loss = session.end.loss
        await pilot.press("r")
        await pilot.pause()
        assert session.seed == 1 and session.end.loss != loss
        assert f"end loss {task_views.number(session.end.loss)}" in str(app.screen.query_one("#task-status", Static).render())


@pytest.mark.parametrize("name", list(KINDS))
async def test_every_task_shows_its_answer_and_verdict(name):
    app = task_app(name, 20 if KINDS[name].setting == "p" else None)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        session = app.screen.session
        output = " ".join(pane_lines(app, "#task-output"))  # wrapped lines, joined again
        assert ("criterion is met" if session.end.meets else "criterion is not met") in output
        if KINDS[name].head == "softmax":  # the target class is among the bars, marked
            assert "← the answer" in output
        tokens = task_views.tokens(session)
        assert all(tokens[m] != "." for m in session.marked)


async def test_install_params_keeps_the_sequence_and_cursor():
    app = task_app(cell="gru")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        await pilot.press("right", "right", "right")
        inputs = screen.session.inputs.copy()
        params = {k: v * 1.5 for k, v in screen.session.params.items()}
        output = pane_lines(app, "#task-output")
        screen.install_params(params)
        await pilot.pause()
        assert screen.session.cursor == 4 and np.array_equal(screen.session.inputs, inputs)
        assert pane_lines(app, "#task-output") != output
        training = screen.query_one("#task-training")
        assert training.region.height == 0  # empty: no room taken
        await training.mount(Static("a run's figures", id="run-figures"))
        await pilot.pause()
        assert training.region.height >= 1 and "a run's figures" in screen_text(app)


async def test_help_small_terminals_and_the_app_keys():
    app = task_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        shown = screen_text(app)
        assert "Task adding" in shown and "reaches the marked steps" in shown
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen) and "1997 LSTM paper" in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        # t and T train the task's model here (test_task_live_app.py); the text model's keys are off.
        assert app.check_action("train", ()) and app.check_action("stop_training", ())
        assert not app.check_action("open_corpus", ()) and not app.check_action("share", ())
        await pilot.resize_terminal(60, 20)
        await pilot.pause()
        assert "60" in screen_text(app) and app.screen.has_class("too-small")


# ---------------------------------------------------------------------------------------- the CLI


@pytest.fixture
def opened(monkeypatch):
    """Record what the command would open instead of starting the terminal UI."""
    sessions = []
    monkeypatch.setattr(app_commands, "run_task_app", lambda task=None, series=None: sessions.append(
        ("task", task) if task is not None else ("series", series)))
    monkeypatch.setattr(app_commands, "run_app", lambda session, *rest, **options: sessions.append(("text", session)))
    return sessions


def test_app_task_options_build_the_task_session(opened):
    args = ["app", "--task", "adding", "--T", "50", "--cell", "lstm", "--hidden", "5", "--seed", "3"]
    result = CliRunner().invoke(rnntui.cli.app, args)
    assert result.exit_code == 0, result.output
    ((kind, session),) = opened
    assert kind == "task" and session.task == make_task("adding", 50)
    assert (session.config.cell, session.config.hidden_size, session.seed) == ("lstm", 5, 3)


@pytest.mark.parametrize("args, message", [
    (["--task", "nope"], "unknown task 'nope': choose one of adding, multiplication, temporal-order"),
    (["--task", "adding", "--T", "5"], "T for task adding must be a whole number in 10..1000"),
    (["--task", "remember-first", "--p", "0"], "p for task remember-first must be a whole number"),
    (["--task", "temporal-order", "--T", "50"], "--T does not apply to task temporal-order"),
    (["--T", "50"], "--T chooses a task's setting: give --task too"),
    (["--task", "adding", "--text", "hi"], "--text does not apply to --task"),
    (["--task", "adding", "--hidden", "257"], "--hidden 257: the task and series screens recompute"),
    (["--task", "adding", "--hidden", "0"], "hidden size"),
])
def test_bad_task_options_are_one_line_and_exit_2(opened, args, message):
    result = CliRunner().invoke(rnntui.cli.app, ["app", *args])
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and opened == []


def test_app_checkpoint_of_a_task_opens_the_task_screen(opened, tmp_path):
    task = make_task("temporal-order")
    session = TaskSession(task, cell="lstm", hidden_size=3)
    path = save_checkpoint(tmp_path / "order.safetensors", session.params, session.config, [],
                           {"task": json.dumps(task.to_dict())})
    text = StepSession("abab", hidden_size=3)
    text_path = save_checkpoint(tmp_path / "text.safetensors", text.params, text.config, text.vocab.chars)
    for checkpoint in (path, text_path):
        result = CliRunner().invoke(rnntui.cli.app, ["app", "--checkpoint", str(checkpoint)])
        assert result.exit_code == 0, result.output
    (kind, task_session), (other, _) = opened
    assert (kind, other) == ("task", "text") and task_session.task == task
    assert all(np.array_equal(task_session.params[k], v) for k, v in session.params.items())
    result = CliRunner().invoke(rnntui.cli.app, ["app", "--checkpoint", str(path), "--cell", "gru"])
    assert result.exit_code == 2 and "a checkpoint fixes the model" in result.output


def test_a_task_checkpoint_without_its_task_is_one_line(opened, tmp_path):
    config = TaskSession(make_task("adding")).config
    path = save_checkpoint(tmp_path / "bare.safetensors", fresh_params(config, 0), config, [])
    result = CliRunner().invoke(rnntui.cli.app, ["app", "--checkpoint", str(path)])
    assert result.exit_code == 2 and len(result.output.strip().splitlines()) == 1
    assert "records no task" in result.output and opened == []


# ------------------------------------------------------------------------------------ the picker


async def choose(pilot, app, option_id: str) -> None:
    from textual.widgets import OptionList

    options = app.screen.query_one(OptionList)
    options.highlighted = options.get_option_index(option_id)
    await pilot.press("enter")
    await pilot.pause()


async def test_the_picker_lists_the_tasks_and_switches_screens():
    from rnntui.tui.screens.corpus_picker import CorpusPickerScreen

    app = RnnApp(StepSession("hello world", hidden_size=4, seed=0))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("o")
        await pilot.pause()
        assert isinstance(app.screen, CorpusPickerScreen)
        listed = screen_text(app)
        assert "the 1997 LSTM paper's tasks" in listed
        await choose(pilot, app, "task:temporal-order")
        assert isinstance(app.screen, TaskScreen) and app.screen.session.task.name == "temporal-order"
        await pilot.press("c", "o")  # another task keeps the cell
        await pilot.pause()
        assert isinstance(app.screen, CorpusPickerScreen)
        await choose(pilot, app, "task:adding")
        session = app.screen.session
        assert session.task.name == "adding" and session.config.cell == "lstm" and session.config.input_dim == 2
        await pilot.press("o")
        await pilot.pause()
        await choose(pilot, app, "abc")  # a corpus: back to the text, with it to train on
        assert app.screen is app.step_screen and app.training.corpus.name == "abc"
        assert app.session.text == "hello world"
        await pilot.press("o")
        await pilot.pause()
        await choose(pilot, app, "task:remember-first")  # the task screen again, on the new task
        assert isinstance(app.screen, TaskScreen) and app.screen.session.task.name == "remember-first"
        assert app.screen.session.config.cell == "lstm"


def test_the_adding_answer_line_is_an_arithmetic_that_holds():
    """The line under the sequence is the task's formula with this sequence's marked values; a
    negative value is bracketed, so the sum reads as one (and evaluates to the target shown)."""
    session = TaskSession(make_task("adding", 20))
    seen_negative = False
    for seed in range(12):
        session.new_sequence(seed)
        formula, shown = task_views.answer_text(session).split(": ", 1)[1].rsplit(" = ", 1)
        assert "+ -" not in formula
        seen_negative |= "(-" in formula
        assert eval(formula) == pytest.approx(float(shown), abs=2e-4)
    assert seen_negative
