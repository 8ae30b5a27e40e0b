"""Live training on a paper task and on a series without the app: a real child process, real torch."""

from __future__ import annotations

import json
import math
import os
import time

import numpy as np
import pytest

from rnntui.engine.checkpoint import load_checkpoint
from rnntui.engine.numpy_rnn import NumpyRNN
from rnntui.engine.series import get_series
from rnntui.engine.tasks import make_task
from rnntui.errors import RnntuiError
from rnntui.live.plumbing import NICENESS
from rnntui.live.service import RunFinished, RunProgress, RunStarted, RunState
from rnntui.live.task_protocol import SeriesJob, TaskJob
from rnntui.live.task_run import SERIES_KEY, LiveTaskRun, TaskHistory
from rnntui.live.task_protocol import TaskProgress

from test_live import alive, assert_no_orphan, wait_for


@pytest.fixture
def events():
    return []


def finished(events) -> RunFinished | None:
    return next((e for e in events if isinstance(e, RunFinished)), None)


def run_to_end(job, events, save_to=None) -> LiveTaskRun:
    """Start a run of `job` and wait until it ends by itself (budget, success, a refusal, an overflow)."""
    run = LiveTaskRun(job, events.append, save_to=save_to).start()
    try:
        wait_for(lambda: finished(events), "the run to end", timeout=120)
    finally:
        run.close(grace=5.0)
    return run


def test_a_task_run_reports_pauses_stops_and_saves_a_checkpoint_that_records_its_task(tmp_path, events):
    # T = 20 keeps each step short; an RNN does not solve it within the test, so only Stop ends it.
    run = LiveTaskRun(TaskJob("adding", 20, cell="rnn"), events.append, save_to=tmp_path / "adding.safetensors")
    run.start()
    try:
        wait_for(lambda: run.history.checks and run.sequences >= 3 * 32, "progress and a check")
        assert any(isinstance(e, RunStarted) for e in events) and any(isinstance(e, RunProgress) for e in events)
        started = run.started_news
        check = run.history.checks[0]
        # The constant baseline the pane draws is the one the task's score reports on its test set.
        assert started.baseline_loss == pytest.approx(check.score.baseline, rel=1e-9)
        assert started.test_size == 2560 and 0.0 <= check.measure <= 1.0
        assert run.params["rnn.weight_hh_l0"].shape == (run.model_config.hidden_size,) * 2
        assert all(math.isfinite(loss) for loss in run.history.curve.losses)

        run.pause()
        assert run.paused  # at once, before the child confirms
        wait_for(lambda: run.state is RunState.PAUSED, "the child to pause")
        paused_at = run.sequences
        time.sleep(0.5)
        assert run.sequences == paused_at and run.params_sequences == paused_at  # frozen, the exact weights
        run.resume()
        wait_for(lambda: run.sequences > paused_at and run.state is RunState.RUNNING, "training to go on")

        run.stop()
        wait_for(lambda: finished(events), "the run to end")
    finally:
        run.close(grace=5.0)
    done = finished(events)
    assert not done.failed and run.done.reason == "stopped" and run.state is RunState.FINISHED
    assert run.saved == tmp_path / "adding.safetensors" and str(run.saved) in done.message
    saved = load_checkpoint(run.saved, input_kind="values")
    assert saved.task == make_task("adding", 20).to_dict()
    assert int(saved.metadata["sequences"]) == run.done.sequences
    assert all(np.array_equal(saved.params[k], run.done.params[k]) for k in saved.params)
    # The NumPy engine reads the saved weights and agrees with the final check of the run.
    task = make_task("adding", 20)
    batch = task.batch(np.random.default_rng(0), 1)
    inputs, _ = batch.sequence(0)
    assert NumpyRNN(saved.config, saved.params).forward(inputs).logits.shape == (len(inputs), 1)
    assert run.history.checks[-1] is run.done.check
    # The check the run reports is what the NumPy engine computes from the weights it sent.
    from rnntui.engine.tasks import score
    from rnntui.train.task_runs import TEST_SEED

    test = task.batch(np.random.default_rng(TEST_SEED), run.test_size)
    engine = NumpyRNN(saved.config, saved.params)
    outputs = np.stack([engine.forward(test.sequence(k)[0]).logits[-1] for k in range(test.size)])
    mine, reported = score(task, outputs, test), run.done.check.score
    assert mine.error == pytest.approx(reported.error, rel=1e-4) and mine.baseline == reported.baseline
    assert abs(mine.correct - reported.correct) <= 2 / test.size  # float32 against float64 at the ±0.04 edge


def test_a_second_run_saved_to_the_same_name_overwrites_nothing(tmp_path, events):
    target = tmp_path / "adding.safetensors"
    target.write_bytes(b"a file that was there before")
    run = run_to_end(TaskJob("adding", 20, cell="gru", max_sequences=64), events, save_to=target)
    assert run.done.reason == "budget" and run.done.sequences == 64
    assert target.read_bytes() == b"a file that was there before"
    assert run.saved == tmp_path / "adding-2.safetensors" and load_checkpoint(run.saved, input_kind="values")


def test_a_loss_that_overflows_ends_the_run_and_keeps_the_last_finite_weights(tmp_path, events):
    # A step of 1e30 per weight: the next loss overflows float32.
    run = run_to_end(TaskJob("adding", 20, cell="lstm", lr=1e30), events, save_to=tmp_path / "x.safetensors")
    done = finished(events)
    assert done.failed and run.done.reason == "non-finite"
    assert "\n" not in done.message and "became" in done.message and "kept" in done.message
    kept = run.done.params
    assert all(np.isfinite(v).all() for v in kept.values())
    assert max(float(np.abs(v).max()) for v in kept.values()) < 1e3  # not the 1e30 weights of the last step
    assert load_checkpoint(run.saved, input_kind="values").params.keys() == kept.keys()


def test_a_series_run_scores_one_step_and_free_running_against_persistence(tmp_path, events):
    series = get_series("sines")
    job = SeriesJob("sines", series.values(), series.log, series.test_points, cell="gru", steps=60)
    run = run_to_end(job, events, save_to=tmp_path / "sines.safetensors")
    assert run.done.reason == "budget" and run.done.sequences == 60 * run.started_news.batch_size
    forecast = run.done.check.forecast
    assert forecast.predictions.shape == (len(job.values) - 1,) and forecast.forecast.shape == (series.test_points,)
    assert forecast.one_step.persistence > 0 and math.isfinite(forecast.one_step.ratio)
    assert run.history.checks[-1].measure == forecast.one_step.ratio
    assert run.started_news.success_line == 1.0 and run.started_news.baseline_loss > 0
    saved = load_checkpoint(run.saved, input_kind="values")
    assert json.loads(saved.metadata[SERIES_KEY]) == {"name": "sines", "log": False, "test_points": series.test_points}
    assert saved.task is None


def test_an_unknown_task_or_a_setting_out_of_range_is_refused_before_a_process_starts():
    for job in (TaskJob("subtraction"), TaskJob("adding", 5)):
        run = LiveTaskRun(job)
        with pytest.raises(RnntuiError):
            run.start()
        assert run.pid is None and run.state is RunState.STARTING


def test_a_model_the_engine_refuses_ends_the_run_in_one_line_and_saves_nothing(tmp_path, events):
    run = run_to_end(TaskJob("adding", 20, hidden_size=-3), events, save_to=tmp_path / "x.safetensors")
    done = finished(events)
    assert done.failed and not done.started and "hidden size" in done.message and "\n" not in done.message
    assert run.state is RunState.FINISHED and not list(tmp_path.iterdir())


def test_a_closed_run_leaves_no_process_and_a_killed_parent_leaves_no_orphan(tmp_path):
    assert_no_orphan(tmp_path, """
        from rnntui.live.task_run import LiveTaskRun
        from rnntui.live.task_protocol import TaskJob
        run = LiveTaskRun(TaskJob("adding", 20, cell="rnn")).start()
    """, "run.sequences < 64")
    # In this process: close() ends the child.
    run = LiveTaskRun(TaskJob("adding", 20, cell="rnn")).start()
    wait_for(lambda: run.sequences > 0, "a step")
    pid = run.pid
    with open(f"/proc/{pid}/stat") as f:  # below the app's priority, as a corpus run
        assert int(f.read().rsplit(")", 1)[1].split()[16]) == min(19, os.nice(0) + NICENESS)
    run.close(grace=5.0)
    assert not alive(pid)


def test_the_history_stays_bounded_and_keeps_the_latest_figures():
    history = TaskHistory(max_points=50, batch_size=32)
    for k in range(1, 101):  # 100 reports of 10 steps each
        losses = tuple(1.0 / (10 * (k - 1) + j) for j in range(1, 11))
        history.add(TaskProgress(k * 320, k * 0.1, losses, None, {}, False))
    curve = history.curve
    assert len(curve.losses) <= 50 and len(curve.steps) == len(curve.losses)
    stride = curve.steps[0] // 32  # steps per point
    assert history.seen == 100 * 320 and 100 * 320 - curve.steps[-1] < 32 * stride  # a partial group waits
    assert history.sequences_per_second == pytest.approx(3200.0)
    # Every point is the mean of the same number of steps, the first ending where its steps end.
    assert all(b - a == 32 * stride for a, b in zip(curve.steps, curve.steps[1:]))
    assert curve.losses[0] == pytest.approx(np.mean([1.0 / j for j in range(1, stride + 1)]))


async def test_the_training_pane_shows_sequences_the_success_measure_and_the_baseline(events):
    from textual.app import App, ComposeResult

    from rnntui.tui.training.task_curve import task_training_view
    from rnntui.tui.widgets.task_training import TaskTrainingPane

    run = run_to_end(TaskJob("adding", 20, cell="lstm", max_sequences=320), events)

    class PaneApp(App):
        def compose(self) -> ComposeResult:
            yield TaskTrainingPane(id="pane")

    async with PaneApp().run_test(size=(100, 30)) as pilot:
        pane = pilot.app.query_one(TaskTrainingPane)
        pane.show(task_training_view(run))
        await pilot.pause()
        text = "\n".join(pane.text_lines)
    check = run.done.check.score
    assert "finished" in text and "320" in text and "LSTM 1×" in text and "adding T=20" in text
    assert f"within ±0.04: {100 * check.correct:.1f} %" in text and "success at 95.0 %" in text
    assert f"constant prediction {check.baseline:.4g}" in text and f"constant {run.started_news.baseline_loss:.4g}" in text
    assert "budget of 320" in text
    assert sum("⠀" <= ch <= "⣿" for ch in text) > 5  # the curves are drawn
