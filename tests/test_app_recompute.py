"""Keys never wait for engine work: passes and radii of a change are computed in a worker.

Every test here sends all jobs to the worker (INLINE_WORK = 0, as for a big model) and makes the
engine slow on purpose where the test needs a job to be running when a key arrives.
"""

from __future__ import annotations

import sys
import threading
import time

import numpy as np
import pytest
from textual.worker import WorkerState

from rnntui.engine import spectral
from rnntui.engine.numpy_rnn import NumpyRNN
from rnntui.engine.session import StepSession
from rnntui.i18n import t
from rnntui.tui import recompute
from rnntui.tui.app import RnnApp
from tests.app_helpers import SIZE, pane_text

TEXT = "the cat sat on the mat"


@pytest.fixture(autouse=True)
def every_job_in_a_worker(monkeypatch):
    monkeypatch.setattr(recompute, "INLINE_WORK", 0)


class SlowForward:
    """Makes NumpyRNN.forward wait until released (at most `limit` seconds); records what ran."""

    def __init__(self, monkeypatch, limit: float = 10.0):
        self.release = threading.Event()
        self.models: list[NumpyRNN] = []
        self.threads: list[threading.Thread] = []
        self.limit = limit
        original = NumpyRNN.forward

        def forward(model, *args, **kwargs):
            self.models.append(model)
            self.threads.append(threading.current_thread())
            self.release.wait(self.limit)
            return original(model, *args, **kwargs)

        monkeypatch.setattr(NumpyRNN, "forward", forward)


def app_on(session: StepSession) -> RnnApp:
    return RnnApp(session)


async def settle(app, pilot, timeout: float = 30.0) -> None:
    """Until no worker runs and the messages they posted are handled."""
    deadline = time.monotonic() + timeout
    while any(w.state in (WorkerState.PENDING, WorkerState.RUNNING) for w in app.workers):
        assert time.monotonic() < deadline, "the background work did not finish"
        await pilot.pause(0.01)
    await pilot.pause()


def status(app) -> str:
    return str(app.query_one("#status").render())


async def test_a_key_pressed_during_a_slow_recompute_is_handled_before_it_ends(monkeypatch):
    app = app_on(StepSession(TEXT, cell="lstm", hidden_size=8, seed=0))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        first_loss = app.session.gradients.loss
        slow = SlowForward(monkeypatch)
        await pilot.press("right_square_bracket")
        assert app.step_screen.recomputer.busy and app.session.pending() == ("trace", "gradients", "last")
        assert app.query_one("#hidden").has_class("stale") and t("stepping.pending.loss") in status(app)
        cursor = app.session.cursor
        await pilot.press("right")  # stepping while the forward pass is still running
        assert app.session.cursor == cursor + 1
        assert app.step_screen.recomputer.busy and not slow.release.is_set()  # handled before the recompute ended
        slow.release.set()
        await settle(app, pilot)
        assert app.session.pending() == ()
        assert not app.query_one("#hidden").has_class("stale")
        reference = StepSession(TEXT, cell="lstm", hidden_size=8, seed=0)
        reference.scale_weight("rnn.weight_hh_l0", 1.25)
        assert app.session.gradients.loss == reference.gradients.loss != first_loss
        assert f"t {cursor + 1}/{len(TEXT)}" in status(app)


async def test_a_burst_of_edits_computes_the_last_state_once(monkeypatch):
    app = app_on(StepSession(TEXT, cell="rnn", hidden_size=8, seed=0))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        slow = SlowForward(monkeypatch)
        for _ in range(5):
            await pilot.press("right_square_bracket")
        final = app.session.model
        slow.release.set()
        await settle(app, pilot)
        assert app.session.pending() == ()
        assert slow.models.count(final) == 1  # the last state, once
        assert len(slow.models) <= 2  # and at most the first, already running when the burst began
        reference = StepSession(TEXT, cell="rnn", hidden_size=8, seed=0)
        reference.scale_weight("rnn.weight_hh_l0", 1.25**5)
        np.testing.assert_allclose(app.session.trace.h, reference.trace.h, rtol=1e-12)


async def test_figures_computed_in_the_worker_are_the_figures_computed_inline(monkeypatch):
    inline = app_on(StepSession(TEXT, cell="gru", hidden_size=6, num_layers=2, seed=1))
    with monkeypatch.context() as inline_patch:
        inline_patch.setattr(recompute, "INLINE_WORK", 10**12)
        async with inline.run_test(size=SIZE) as pilot:
            await pilot.press("right_square_bracket", "k", "down")
            expected = {selector: pane_text(inline, selector) for selector in ("#hidden", "#gates", "#gradients")}
            expected["status"] = status(inline)
    background = app_on(StepSession(TEXT, cell="gru", hidden_size=6, num_layers=2, seed=1))
    async with background.run_test(size=SIZE) as pilot:
        await settle(background, pilot)
        await pilot.press("right_square_bracket", "k", "down")
        await settle(background, pilot)
        got = {selector: pane_text(background, selector) for selector in ("#hidden", "#gates", "#gradients")}
        got["status"] = status(background)
    assert got == expected


async def test_an_edit_that_overflows_shows_what_it_shows_inline():
    app = app_on(StepSession(TEXT, cell="rnn", activation="relu", hidden_size=8, seed=0))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        with np.errstate(all="ignore"):
            app.session.scale_weight("rnn.weight_hh_l0", 1e150)
            app.step_screen.render_session()
            await settle(app, pilot)
        assert app.session.pending() == ()
        assert t("panes.hidden.not_finite_short") in status(app)
        assert app.step_screen.recomputer.failed is None


async def test_a_failure_in_the_worker_is_one_log_line_and_the_last_good_figures_stay(monkeypatch):
    app = app_on(StepSession(TEXT, cell="lstm", hidden_size=8, seed=0))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)

        def singular(matrix):
            raise np.linalg.LinAlgError("Eigenvalues did not converge")

        monkeypatch.setattr(spectral, "spectral_radius", singular)
        await pilot.press("r")  # fresh weights: their radii are unknown
        await settle(app, pilot)
        failed = t("stepping.failed.log", error="LinAlgError: ")[:20]
        assert log_text(app).count(failed) == 1 and "LinAlgError" in log_text(app)
        assert app.session.pending() == ("radii",)  # the passes before it were adopted
        assert t("stepping.failed.note") in status(app) and t("stepping.pending.radius") in status(app)
        await pilot.press("right")  # the failed job is not retried on every redraw
        await settle(app, pilot)
        assert log_text(app).count(failed) == 1


async def test_quitting_while_the_worker_computes_leaves_no_thread_behind(monkeypatch):
    app = app_on(StepSession(TEXT, cell="lstm", hidden_size=8, seed=0))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        slow = SlowForward(monkeypatch, limit=0.5)
        await pilot.press("right_square_bracket")
        assert app.step_screen.recomputer.busy
        worker = app.step_screen.recomputer.worker
        await pilot.press("q")
    deadline = time.monotonic() + 5
    while running_rnntui_code() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert running_rnntui_code() == []
    assert worker.state in (WorkerState.CANCELLED, WorkerState.SUCCESS)
    assert len(slow.models) == 1  # cancelled after the stage that was running: nothing after it


def log_text(app) -> str:
    return "".join(str(line) for line in app.query_one("#console-log").lines)


def running_rnntui_code() -> list[str]:
    """Threads other than this one that are executing code from the rnntui package right now."""
    me = threading.get_ident()
    busy = []
    for ident, frame in sys._current_frames().items():
        if ident == me:
            continue
        while frame is not None:
            if "/rnntui/" in frame.f_code.co_filename:
                busy.append(f"{ident}: {frame.f_code.co_name}")
                break
            frame = frame.f_back
    return busy


async def test_the_first_screen_says_computing_until_its_figures_arrive(monkeypatch):
    slow = SlowForward(monkeypatch)
    app = app_on(StepSession(TEXT, cell="lstm", hidden_size=8, seed=0))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        computing = t("stepping.pending.computing")
        for selector in ("#hidden", "#gates", "#gradients", "#distribution"):
            assert computing in pane_text(app, selector), selector
        assert "no targets yet" not in pane_text(app, "#gradients")
        slow.release.set()
        await settle(app, pilot)
        for selector in ("#hidden", "#gates", "#gradients", "#distribution"):
            assert computing not in pane_text(app, selector), selector
        assert "first/last" in pane_text(app, "#gradients")
