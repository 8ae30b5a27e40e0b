"""The live-run service without the app: a tiny real Trainer in a real child process."""

from __future__ import annotations

import math
import os
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

from rnntui.engine.corpus import Corpus
from rnntui.train.train_config import TrainConfig
from rnntui.train.train_events import EvalEvent, StateEvent, StepEvent
from rnntui.errors import CorpusError, RnntuiError
from rnntui.train.history import RunHistory
from rnntui.live.child import NICENESS
from rnntui.live.protocol import Watch
from rnntui.live.service import (
    LiveRun,
    RunFinished,
    RunSample,
    RunSettingsApplied,
    RunState,
    RunView,
)

TEXT = "the cat sat on the mat. the dog sat on the log. " * 60


def tiny_config(**changes) -> TrainConfig:
    base = dict(cell="gru", hidden_size=24, num_layers=1, seq_len=16, batch_size=8, lr=1e-2, threads=1,
                precision="fp32", eval_every=25, sample_length=0, probe_every=10**6)
    return TrainConfig(**(base | changes))


def wait_for(condition, what: str, timeout: float = 60.0) -> None:
    start = time.monotonic()
    while not condition():
        if time.monotonic() - start > timeout:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


@pytest.fixture
def events():
    return []


@pytest.fixture
def run(events):
    live = LiveRun(tiny_config(), Corpus("tiny", TEXT), events.append, watch=Watch("the cat", sample_every=0.2))
    live.start()
    yield live
    live.close(grace=5.0)


def test_pause_resume_settings_snapshot_and_stop(run, events):
    wait_for(lambda: run.step >= 30, "30 steps")
    assert run.state is RunState.RUNNING and run.history.tokens_per_second > 0
    run.pause()
    assert run.paused  # at once, before the child confirms
    wait_for(lambda: run.state is RunState.PAUSED, "the child to pause")
    paused_at = run.step
    wait_for(lambda: run.view is not None and run.view.step == paused_at, "the paused weights")
    time.sleep(0.5)
    assert run.step == paused_at  # frozen
    run.update_settings(lr=3e-3)
    wait_for(lambda: any(isinstance(e, RunSettingsApplied) for e in events), "the new setting")
    applied = next(e for e in events if isinstance(e, RunSettingsApplied))
    assert applied.from_step == paused_at + 1 and applied.settings.lr == 3e-3
    run.resume()
    wait_for(lambda: run.step >= paused_at + 10, "steps after resuming")
    assert run.history.last.lr == 3e-3
    snapshot = run.snapshot()
    assert snapshot.settings.lr == 3e-3 and snapshot.step >= paused_at + 10
    session = snapshot.view.session
    assert session.text == "the cat" and session.config.cell == "gru"
    # The view arrives with every cache filled: installing it computes nothing.
    assert session._trace is not None and session._gradients is not None and session._radii is not None
    reference = session.spectral_radii()
    assert all(np.isfinite(v) for radii in reference.values() for v in radii.values())
    run.stop()
    wait_for(lambda: any(isinstance(e, RunFinished) for e in events), "the run to stop")
    assert run.done.reason == "stopped" and run.state is RunState.FINISHED
    assert run.view.step == run.step  # the last weights came before the end
    assert any(isinstance(e, RunSample) and e.sample.text for e in events)
    assert [e for e in events if isinstance(e, RunFinished)][-1].failed is False


class LrHistory(RunHistory):
    """Also remembers each step's learning rate."""

    def __init__(self):
        super().__init__()
        self.lr_by_step: dict[int, float] = {}

    def __call__(self, event):
        if isinstance(event, StepEvent):
            self.lr_by_step[event.step] = event.lr
        super().__call__(event)


def test_training_runs_below_the_apps_priority_so_keys_come_first(run):
    wait_for(lambda: run.step >= 1, "the child to train")
    with open(f"/proc/{run.pid}/stat") as f:
        child_nice = int(f.read().rsplit(")", 1)[1].split()[16])  # field 19 of proc(5): nice
    assert child_nice == min(19, os.nice(0) + NICENESS)


def test_a_setting_applies_from_the_step_the_child_names(run, events):
    run.history = LrHistory()  # fed by the reader thread from here on
    wait_for(lambda: run.step >= 10, "10 steps")
    run.update_settings(lr=1e-4)  # while running: between two steps, in the training thread
    wait_for(lambda: any(isinstance(e, RunSettingsApplied) for e in events), "the new setting")
    applied = next(e for e in events if isinstance(e, RunSettingsApplied))
    wait_for(lambda: run.step >= applied.from_step + 2, "steps after it")
    lrs = run.history.lr_by_step
    assert lrs[applied.from_step - 1] == 1e-2
    assert lrs[applied.from_step] == lrs[applied.from_step + 1] == 1e-4


def test_bad_settings_are_refused_and_send_nothing(run):
    with pytest.raises(RnntuiError):
        run.update_settings(lr=-1.0)
    assert run.settings.lr == 1e-2


def test_a_killed_child_is_reported_and_its_last_weights_kept(run, events):
    wait_for(lambda: run.view is not None and run.step >= 5, "a view")
    view = run.view
    run.kill()
    # Noticed as the pipe's end of file, not by polling (no timing threshold: that is load, not code).
    wait_for(lambda: any(isinstance(e, RunFinished) for e in events), "the death to be noticed", timeout=20)
    finished = [e for e in events if isinstance(e, RunFinished)][-1]
    assert finished.failed and "SIGKILL" in finished.message
    assert run.view is view and all(np.isfinite(v).all() for v in view.session.params.values())


def test_a_corpus_too_short_to_train_is_refused_before_a_process_starts():
    run = LiveRun(tiny_config(), Corpus("one", "a"))
    with pytest.raises(CorpusError, match="too short to train on.*one window needs 17"):
        run.start()
    assert run.pid is None and run.state is RunState.STARTING


def test_the_child_exits_when_its_parent_is_killed(tmp_path):
    """A parent that dies without closing anything (SIGKILL) leaves no training behind."""
    pid_file = tmp_path / "child.pid"
    script = textwrap.dedent(f"""
        import time
        from rnntui.engine.corpus import Corpus
        from rnntui.train.train_config import TrainConfig
        from rnntui.live.service import LiveRun
        if __name__ == "__main__":
            config = TrainConfig(cell="gru", hidden_size=16, seq_len=16, batch_size=4, threads=1,
                                 precision="fp32", sample_length=0, probe_every=10**6)
            run = LiveRun(config, Corpus("t", {TEXT!r})).start()
            while run.step < 3:
                time.sleep(0.05)
            open({str(pid_file)!r}, "w").write(str(run.pid))
            time.sleep(600)
    """)
    parent = subprocess.Popen([sys.executable, "-c", script])
    try:
        wait_for(lambda: pid_file.exists() and pid_file.read_text(), "the child to train", timeout=90)
        child = int(pid_file.read_text())
        assert alive(child)
        parent.kill()
        parent.wait()
        wait_for(lambda: not alive(child), "the orphaned child to exit", timeout=5)
    finally:
        parent.kill()


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie has exited; only its parent's wait is missing
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_history_keeps_memory_flat_and_agrees_with_the_events():
    history = RunHistory(max_points=100)
    for step in range(1, 1001):
        history(StepEvent(step, 1.0 / step, 1.0, 1.0, 1e-3, 0.0, step * 0.01, 0, step / 1000, tokens=10))
        if step % 100 == 0:
            history(EvalEvent(step, 2.0 / step, 2.0 / step, True, ""))
    assert len(history.losses) <= 100 and len(history.steps) == len(history.losses)
    assert history.steps[-1] > 1000 - history.steps[0] and history.step == 1000 and history.tokens == 10_000
    assert math.isclose(history.best_val_loss, 2.0 / 1000)
    assert history.tokens_per_second == pytest.approx(1000.0)  # 10 tokens per 0.01 s
    assert history.eta_seconds() == pytest.approx(0.0)
    history(StateEvent(1000, "paused"))
    assert history.paused
    # Every point is the mean of the same number of steps, the first ending at steps[0].
    stride = history.steps[0]
    assert stride >= 8 and all(b - a == stride for a, b in zip(history.steps, history.steps[1:]))
    for i in (0, len(history.losses) - 1):
        group = range(history.steps[i] - stride + 1, history.steps[i] + 1)
        assert history.losses[i] == pytest.approx(np.mean([1.0 / s for s in group]))


def test_views_follow_the_watch_even_while_paused(run, events):
    wait_for(lambda: run.step >= 5, "5 steps")
    run.pause()
    wait_for(lambda: run.state is RunState.PAUSED, "the pause")
    run.watch(Watch("the dog", "off", 1.0))
    wait_for(lambda: any(isinstance(e, RunView) and e.view.text == "the dog" for e in events), "a view of the new text")
    view = next(e.view for e in events if isinstance(e, RunView) and e.view.text == "the dog")
    assert view.session.text == "the dog" and view.session.clipping.mode == "off"


def test_pause_and_stop_during_start_up_leave_a_consistent_state(events):
    """t and T pressed while torch still loads: the child obeys them once the trainer exists."""
    run = LiveRun(tiny_config(), Corpus("tiny", TEXT), events.append).start()
    try:
        run.pause()
        run.stop()
        assert run.paused and run.state is RunState.STARTING
        wait_for(lambda: any(isinstance(e, RunFinished) for e in events), "the run to end")
        assert run.done.reason == "stopped" and run.step == 0 and not run.active and not run.paused
        assert [e for e in events if isinstance(e, RunFinished)][-1].started
    finally:
        run.close(grace=5.0)
    assert run.pid is not None and not alive(run.pid)
