"""The shown session's passes and spectral radii, computed off the UI thread; the newest edit wins.

A key that changes the weights, the text or the model only installs the change (cheap) and asks
for the rest: `Recomputer.request(session, parts)` starts a thread worker for the session's job
(StepSession.job) if anything is pending. The worker posts `Ready` after each stage, so the
forward pass reaches the panes before BPTT and the spectral radii do; the owner adopts each
(StepSession.adopt) and redraws. Keys that only move the cursor never wait for it.

A newer request supersedes an older one: workers are `exclusive` in their group (starting one
cancels the others), take turns on a lock, and stop between stages once cancelled, so a burst of
`]` computes the last state once. A stage that fails posts `Failed` instead of raising: the owner
logs one line and keeps the last good figures.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from textual.message import Message
from textual.widget import Widget
from textual.worker import Worker, get_current_worker

from rnntui.engine.recompute import Computed, Job
from rnntui.engine.session import StepSession

GROUP = "recompute"


class Recomputer:
    """Runs a screen's session jobs in thread workers; the screen handles `Ready` and `Failed`."""

    @dataclass
    class Ready(Message):
        """Some parts of `session`'s job are computed (Computed holds all of them so far)."""

        session: StepSession
        computed: Computed

    @dataclass
    class Failed(Message):
        """A job for `session` raised: `error` says what, in one line."""

        session: StepSession
        error: str

    def __init__(self, owner: Widget) -> None:
        self.owner = owner
        self._turn = threading.Lock()  # one job computes at a time: cores are for the newest state
        self.worker: Worker | None = None

    def request(self, session: StepSession, parts: tuple[str, ...]) -> bool:
        """Compute what `session` lacks of `parts` in the background; False when nothing is missing."""
        job = session.job(parts)
        if not job.parts:
            return False
        self.worker = self.owner.run_worker(
            lambda: self._run(session, job), name=f"recompute {', '.join(job.parts)}", group=GROUP,
            thread=True, exclusive=True, exit_on_error=False,
        )
        return True

    @property
    def busy(self) -> bool:
        return self.worker is not None and self.worker.is_running

    def _run(self, session: StepSession, job: Job) -> None:
        worker = get_current_worker()
        with self._turn:
            stages = job.stages()
            while not worker.is_cancelled:
                try:
                    computed = next(stages)
                except StopIteration:
                    return
                except Exception as error:  # noqa: BLE001 - reported on screen, never raised into the app
                    self.owner.post_message(self.Failed(session, f"{type(error).__name__}: {error}"))
                    return
                if not worker.is_cancelled:
                    self.owner.post_message(self.Ready(session, computed))
