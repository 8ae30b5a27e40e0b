"""What every training child shares, whatever it trains: the pipe's two ends and the threads around them.

A sender thread writes every report to the pipe in order, so the training loop never waits while
a report crosses it; a tiny thread polls the parent's pid, so a killed app leaves no orphan
training on; reading a command that meets an end of file means the app is gone, and the process
exits at once.
"""

from __future__ import annotations

import os
import queue
import signal
import threading
import time

PARENT_POLL = 0.5  # seconds between checks that the app is still there
# The training process runs a little below the app's priority: when the cores are all busy (a
# slow CPU, or other work beside), the scheduler hands the app's key handling the next slice and
# training loses only the moments the app actually works. Alone on its cores it runs as before.
NICENESS = 5


def started_as_child() -> None:
    """What a training child does first: leave Ctrl-C to the app, and run below its priority."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the app's to handle, not ours
    try:
        os.nice(NICENESS)
    except OSError:  # a platform or sandbox that refuses: train at the app's priority
        pass


class ChildPlumbing:
    """What every training child shares: a sender thread that writes reports in order (the
    training loop never waits on the pipe), a watch on the parent's pid, and reading commands,
    where an end of file means the app is gone."""

    def __init__(self, commands, reports, parent_pid: int):
        self.commands = commands
        self.reports = reports
        self.parent_pid = parent_pid
        self._outbox: queue.SimpleQueue = queue.SimpleQueue()  # reports for the sender thread; None ends it

    def send(self, report) -> None:
        self._outbox.put(report)

    def sent(self, report) -> None:
        """The sender wrote `report` to the pipe (a subclass may count what is in flight)."""

    def deliver(self) -> None:
        """The sender thread: write reports in order until None."""
        while (report := self._outbox.get()) is not None:
            try:
                self.reports.send(report)
            except (BrokenPipeError, ConnectionError, OSError):
                os._exit(0)  # nobody is listening: the app is gone
            self.sent(report)

    def watch_parent(self) -> None:
        while os.getppid() == self.parent_pid:
            time.sleep(PARENT_POLL)
        os._exit(0)

    def receive(self):
        try:
            return self.commands.recv()
        except (EOFError, OSError):
            os._exit(0)  # the app closed its end or died: nothing to train for

    def serve(self, work) -> None:
        """Run `work()` with the parent watched and reports delivered, every report written before the end."""
        threading.Thread(target=self.watch_parent, name="parent", daemon=True).start()
        sender = threading.Thread(target=self.deliver, name="sender", daemon=True)
        sender.start()
        try:
            work()
        finally:
            self._outbox.put(None)
            sender.join()
