"""Snapshot tests: the whole screen for each cell and for the smallest supported terminal.

Few on purpose (other panes' tests assert on meaning); nothing on screen depends on time: no
input has focus (no cursor blink) and the play timer is off. Accept intended changes with
`pytest tests/test_snapshots.py --snapshot-update` after looking at snapshot_report.html.
"""

from __future__ import annotations

from rnntui.engine.abc_example import abc_session
from rnntui.engine.session import StepSession
from rnntui.tui.app import RnnApp

TEXT = "hello world"


def test_vanilla_rnn_on_the_abc_example(snap_compare):
    assert snap_compare(RnnApp(abc_session()), press=["right"], terminal_size=(120, 40))


def test_lstm(snap_compare):
    app = RnnApp(StepSession(TEXT, cell="lstm", hidden_size=4, seed=0))
    assert snap_compare(app, press=["right", "right"], terminal_size=(120, 40))


def test_gru(snap_compare):
    app = RnnApp(StepSession(TEXT, cell="gru", hidden_size=4, seed=0))
    assert snap_compare(app, press=["right", "right"], terminal_size=(120, 40))


def test_smallest_layout_80x24(snap_compare):
    app = RnnApp(StepSession(TEXT, hidden_size=8, seed=0))
    assert snap_compare(app, press=["right", "right", "down"], terminal_size=(80, 24))


def test_demo_table_and_bars_at_80x24(snap_compare):
    """A demo's last step on the smallest terminal: the whole table and the pane it points at."""
    import asyncio

    from rnntui.demos import get_demo
    from rnntui.tui.demo_app import DemoApp

    async def run_to_the_end(pilot):
        while not pilot.app.finished:
            await asyncio.sleep(0.05)
        await pilot.pause()

    app = DemoApp(get_demo("vanishing"), autoplay=True, delay=0.01)
    assert snap_compare(app, terminal_size=(80, 24), run_before=run_to_the_end)


POEM = "床前明月光，疑是地上霜。举头望明月，低头思故乡。"


def test_chinese_text_at_120x40(snap_compare):
    """Two cells per timestep: the sequence, heatmap and gradient columns stay over each other."""
    app = RnnApp(StepSession(POEM, cell="lstm", hidden_size=6, seed=0))
    assert snap_compare(app, press=["right", "right", "right"], terminal_size=(120, 40))


def test_chinese_text_at_80x24(snap_compare):
    app = RnnApp(StepSession(POEM, hidden_size=8, seed=0))
    assert snap_compare(app, press=["right", "right", "down"], terminal_size=(80, 24))


def test_chinese_app_at_120x40(snap_compare, chinese):
    """The whole app in Chinese over Chinese text: titles, legends, status line and footer fit,
    and the sequence, heatmap and gradient columns stay over each other."""
    app = RnnApp(StepSession(POEM, cell="lstm", hidden_size=6, seed=0))
    assert snap_compare(app, press=["right", "right", "right", "g"], terminal_size=(120, 40))


def test_chinese_app_at_80x24(snap_compare, chinese):
    app = RnnApp(StepSession(POEM, hidden_size=8, seed=0))
    assert snap_compare(app, press=["right", "right", "down"], terminal_size=(80, 24))


def test_task_screen_lstm_on_the_adding_problem(snap_compare):
    """The task screen at a marked step: values, markers, the end gradient reaching the markers."""
    from rnntui.engine.task_session import TaskSession
    from rnntui.engine.tasks import make_task

    app = RnnApp(abc_session(), task=TaskSession(make_task("adding"), cell="lstm"))
    assert snap_compare(app, press=["right"] * 6, terminal_size=(120, 40))


def test_series_screen_at_80x24(snap_compare):
    from rnntui.engine.series import get_series
    from rnntui.engine.series_session import SeriesSession

    app = RnnApp(abc_session(), series=SeriesSession(get_series("airline")))
    assert snap_compare(app, press=["left"], terminal_size=(80, 24))
