"""The shown session's passes and spectral radii, computed off the UI thread; the newest edit wins.

A key that changes the weights, the text or the model only installs the change (cheap) and asks
for the rest: `Recomputer.request(session, parts)` starts a thread worker for the session's job
(StepSession.job) if anything is pending. The worker posts `Ready` after each stage, so the
forward pass reaches the panes before BPTT and the spectral radii do; the owner adopts each
(StepSession.adopt) and redraws. Keys that only move the cursor never wait for it.

A small job (a few hidden units over a short text, as in the lessons and demos) is computed at
once instead: it costs less than a repaint, and the panes never need to say "computing…".

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
# Jobs up to this many multiply-adds (Job.work) run inline: an RNN with 128 units over a line of
# text, or a 64-unit LSTM, which take a few milliseconds; everything larger runs in a worker.
INLINE_WORK = 20_000_000


class Recomputer:
    """Runs a screen's session jobs in thread workers; the screen handles `Ready` and `Failed`."""

    @dataclass
    class Ready(Message):
        """Some parts of `session`'s job are computed (Computed holds all of them so far)."""

        session: StepSession
        computed: Computed
        final: bool  # the job's last stage: nothing more is coming

    @dataclass
    class Failed(Message):
        """A job for `session` raised: `error` says what, in one line."""

        session: StepSession
        error: str

    def __init__(self, owner: Widget) -> None:
        self.owner = owner
        self._turn = threading.Lock()  # one job computes at a time: cores are for the newest state
        self.worker: Worker | None = None
        self._running: tuple | None = None  # (session, model, indices, parts) of the newest worker
        self.failed: tuple | None = None  # the same for a job that failed: not retried

    def request(self, session: StepSession, parts: tuple[str, ...]) -> tuple[str, ...]:
        """Bring `session` up to date in `parts`: small jobs now, others in a worker (unless one
        is already at it, or the same job failed). Returns the parts still pending."""
        job = session.job(parts)
        if not job.parts:
            return ()
        if job.work() <= INLINE_WORK:
            session.adopt(job.run())
            return session.pending(parts)
        wanted = (session, *job.key, job.parts)
        if _covers(self.failed, wanted) or _covers(self._running, wanted):
            return job.parts
        self.failed = None
        self._running = wanted
        self.worker = self.owner.run_worker(
            lambda: self._run(session, job), name=f"recompute {', '.join(job.parts)}", group=GROUP,
            thread=True, exclusive=True, exit_on_error=False,
        )
        return job.parts

    def delivered(self, message: "Recomputer.Ready") -> None:
        """The owner has handled `message`: after the last stage, a request may start a new job."""
        if message.final and self._running is not None and self._running[0] is message.session \
                and self._running[1] is message.computed.key[0] and self._running[2] is message.computed.key[1]:
            self._running = None

    def remember_failure(self, message: "Recomputer.Failed") -> None:
        """The job that failed is not started again for the same state (a newer edit may be)."""
        if self._running is not None and self._running[0] is message.session:
            self.failed, self._running = self._running, None

    @property
    def busy(self) -> bool:
        """A job runs, or its last results are on their way to the owner."""
        return self._running is not None

    def _run(self, session: StepSession, job: Job) -> None:
        worker = get_current_worker()
        with self._turn:  # a newer request may cancel this one while it waits its turn
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
                    final = all(getattr(computed, part) is not None for part in job.parts)
                    self.owner.post_message(self.Ready(session, computed, final))


def _covers(job: tuple | None, wanted: tuple) -> bool:
    """`job` is for the same session, model and text objects (identity: they are never modified in
    place) and computes every part `wanted` asks for."""
    return job is not None and all(a is b for a, b in zip(job[:-1], wanted[:-1])) and set(wanted[-1]) <= set(job[-1])
