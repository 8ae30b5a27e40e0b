"""Live training on the task screen, driven through Pilot: t trains the model on screen, the pane
shows its figures, t pauses, T stops and saves, q asks. Runs train in a child process; while one
is active the tests wait by polling with asyncio.sleep (pilot.pause would wait for an idle app)."""

from __future__ import annotations

import numpy as np

from app_helpers import SIZE, screen_text
from rnntui.engine.abc_example import abc_session
from rnntui.engine.checkpoint import load_checkpoint
from rnntui.engine.task_session import TaskSession
from rnntui.engine.tasks import make_task
from rnntui.live.service import RunState
from rnntui.tui.app import RnnApp
from rnntui.tui.screens.confirm import ConfirmScreen
from rnntui.tui.task_screen import TaskScreen
from rnntui.tui.widgets.task_training import TaskTrainingPane

from test_app_training import wait_for


def task_app(cell: str = "rnn") -> RnnApp:
    # T = 20: short steps, and an RNN that does not solve it while the test watches.
    return RnnApp(abc_session(), task=TaskSession(make_task("adding", 20), cell=cell))


async def start_training(pilot, app):
    """t on the task screen, and the run it started once it has trained."""
    await pilot.pause()
    await pilot.press("t")
    run = app.task_training.run
    await wait_for(lambda: run.sequences > 0, "training")
    return run


def pane_text(app) -> str:
    return "\n".join(app.screen.query_one(TaskTrainingPane).text_lines)


async def test_t_trains_the_model_on_screen_pauses_and_T_stops_and_saves(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # runs/app/ is relative
    app = task_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, TaskScreen) and not screen.query(TaskTrainingPane)
        before = {name: value.copy() for name, value in screen.session.params.items()}
        await pilot.press("t")
        run = app.task_training.run
        assert run is not None and run.job.cell == "rnn" and run.job.hidden_size == screen.session.config.hidden_size
        await wait_for(lambda: run.history.checks and run.sequences >= 10 * 32, "progress and a check")
        await wait_for(lambda: "within ±0.04" in pane_text(app), "the pane to show the check")
        text = pane_text(app)
        assert "running" in text and "sequences" in text and "adding T=20" in text
        assert "constant prediction" in text and "success at 95.0 %" in text

        await pilot.press("t")  # pause
        await wait_for(lambda: run.state is RunState.PAUSED, "the pause")
        await wait_for(lambda: app.task_training.installed == run.params_sequences, "the paused weights on screen")
        session = screen.session
        assert all(np.array_equal(session.params[k], run.params[k]) for k in run.params)
        assert any(not np.array_equal(session.params[k], before[k]) for k in before)  # the model trained
        await wait_for(lambda: "paused" in pane_text(app), "the pane to say paused")
        await pilot.press("c")  # the run owns the model: refused, the cell stays
        assert session.config.cell == "rnn" and app.screen is screen

        await pilot.press("T")
        await wait_for(lambda: not run.active, "the run to stop")
        await wait_for(lambda: "saved" in pane_text(app), "the pane to say where it saved")
        assert app.task_training.installed == run.done.sequences
    assert [p.name for p in (tmp_path / "runs" / "app").iterdir()] == ["adding-T20-rnn.safetensors"]
    saved = load_checkpoint(tmp_path / "runs" / "app" / "adding-T20-rnn.safetensors", input_kind="values")
    assert saved.task == {"name": "adding", "experiment": "4", "T": 20}
    assert all(np.array_equal(saved.params[k], run.done.params[k]) for k in saved.params)


async def test_q_while_training_asks_and_saves_before_quitting(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    app = task_app("gru")
    async with app.run_test(size=SIZE) as pilot:
        run = await start_training(pilot, app)
        await pilot.press("q")
        assert isinstance(app.screen, ConfirmScreen) and "Save it before quitting" in app.screen.question
        await pilot.press("y")
        await wait_for(lambda: app._exit, "the app to exit after saving")
    assert [p.name for p in (tmp_path / "runs" / "app").iterdir()] == ["adding-T20-gru.safetensors"]
    assert load_checkpoint(run.saved, input_kind="values").task["name"] == "adding"


async def test_q_and_no_quits_without_saving_and_leaves_no_process(tmp_path, monkeypatch):
    from test_live import alive

    monkeypatch.chdir(tmp_path)
    app = task_app()
    async with app.run_test(size=SIZE) as pilot:
        run = await start_training(pilot, app)
        pid = run.pid
        await pilot.press("q")
        await pilot.press("n")
        await wait_for(lambda: app._exit, "the app to exit")
    await wait_for(lambda: not alive(pid), "the child to end")
    assert not (tmp_path / "runs").exists()


async def test_the_training_pane_reads_in_chinese(chinese, tmp_path, monkeypatch):
    from test_app_chinese import assert_chinese

    monkeypatch.chdir(tmp_path)
    app = task_app()
    async with app.run_test(size=SIZE) as pilot:
        run = await start_training(pilot, app)
        await wait_for(lambda: run.history.checks, "a check")
        await pilot.press("t")
        await wait_for(lambda: run.state is RunState.PAUSED, "the pause")
        await wait_for(lambda: "暂停" in pane_text(app) and "常数预测" in pane_text(app), "the pane in Chinese")
        await pilot.press("T")
        await wait_for(lambda: "已保存到" in pane_text(app), "the saved line")
        # The task's name and its setting are typed as they are (`--task adding --T 20`); file names are data.
        assert_chinese(app, "task training pane", data=f"adding T=20 {run.saved}")


async def test_t_on_the_series_screen_trains_against_persistence_and_saves(tmp_path, monkeypatch):
    from rnntui.engine.series import get_series
    from rnntui.engine.series_session import SeriesSession
    from rnntui.tui.series_screen import SeriesScreen

    monkeypatch.chdir(tmp_path)
    app = RnnApp(abc_session(), series=SeriesSession(get_series("sines"), cell="gru"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, SeriesScreen)
        await pilot.press("t")
        run = app.task_training.run
        assert run.job.name == "sines" and run.job.cell == "gru"
        await wait_for(lambda: not run.active, "the series run to end", timeout=120)
        await wait_for(lambda: "saved" in pane_text(app), "the pane to say where it saved")
        text = pane_text(app)
        forecast = run.done.check.forecast
        assert f"persistence {forecast.one_step.persistence:.4g}" in text and f"{forecast.one_step.ratio:.3f}" in text
        assert "1 = persistence" in text
        # The screen shows the weights the run kept: its own figures are the run's final check.
        session = screen.session
        assert all(np.array_equal(session.params[k], run.done.params[k]) for k in run.done.params)
        assert np.allclose(session.predictions, forecast.predictions, rtol=1e-4, atol=1e-6)
    saved = load_checkpoint(tmp_path / "runs" / "app" / "sines-gru.safetensors", input_kind="values")
    assert saved.task is None and '"name": "sines"' in saved.metadata["series"]


def test_training_on_the_task_screen_leaves_torch_out_of_the_apps_process(tmp_path):
    """The child imports torch; the app that started it, drew its progress and saved it does not."""
    import subprocess
    import sys

    code = ("import asyncio, sys, time\n"
            "from rnntui.engine.abc_example import abc_session\n"
            "from rnntui.engine.task_session import TaskSession\n"
            "from rnntui.engine.tasks import make_task\n"
            "from rnntui.tui.app import RnnApp\n"
            "async def main():\n"
            "    app = RnnApp(abc_session(), task=TaskSession(make_task('adding', 20)))\n"
            "    async with app.run_test() as pilot:\n"
            "        await pilot.press('t')\n"
            "        run = app.task_training.run\n"
            "        start = time.monotonic()\n"
            "        while not run.history.checks and time.monotonic() - start < 90:\n"
            "            await asyncio.sleep(0.05)\n"
            "        await pilot.press('T')\n"
            "        while run.active and time.monotonic() - start < 90:\n"
            "            await asyncio.sleep(0.05)\n"
            "        assert run.saved is not None and run.history.checks, run.ending\n"
            "asyncio.run(main())\n"
            "assert 'torch' not in sys.modules\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=180, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
