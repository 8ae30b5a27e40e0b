"""Torch's CPU thread count, chosen while training: the fastest count for how busy the machine is now.

When other work keeps every core busy, a multi-threaded step waits at each barrier for whichever
of its threads was descheduled, so all cores can be several times slower than one; on a quiet
machine all cores are faster. Neither can be known in advance and load changes during a run, so
the trainer times its real steps at each count in turn (alternating, so all see the same load),
keeps the fastest, and checks again after a while. No torch import: the trainer applies the count.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable

TRIAL_STEPS = 4  # timed steps per candidate in one trial
CLEAR_WIN = 1.5  # a trial ends early once one count is this many times faster than the others
HOLD_SECONDS = 30.0  # keep a choice at least this long before timing the counts again
HOLD_FACTOR = 10.0  # ... and at least this many times as long as the trial took, so trials stay cheap


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class ThreadTuner:
    """Ask `next_threads()` before a step and `record(seconds)` after it; the counts alternate in a trial."""

    def __init__(self, candidates: tuple[int, ...] | None = None, clock: Callable[[], float] = time.perf_counter):
        cores = usable_cores()
        self.candidates = sorted(set(candidates or (1, cores)))
        self.clock = clock
        self.chosen = self.candidates[-1]
        self.trials = 0  # completed trials
        self._times: dict[int, list[float]] = {}
        self._trial_started: float | None = None
        self._hold_until = 0.0
        self._current = self.chosen
        self._start_trial()

    def _start_trial(self) -> None:
        self._times = {n: [] for n in self.candidates}
        self._trial_started = self.clock()

    @property
    def trialling(self) -> bool:
        return self._trial_started is not None

    def next_threads(self) -> int:
        if len(self.candidates) > 1 and not self.trialling and self.clock() >= self._hold_until:
            self._start_trial()
        if self.trialling:
            # The candidate with the fewest timings goes next: they alternate step by step.
            self._current = min(self.candidates, key=lambda n: len(self._times[n]))
        else:
            self._current = self.chosen
        return self._current

    def record(self, seconds: float) -> None:
        if not self.trialling:
            return
        self._times[self._current].append(seconds)
        counts = [len(t) for t in self._times.values()]
        if min(counts) < 2:
            return
        medians = {n: statistics.median(t) for n, t in self._times.items()}
        best = min(medians, key=medians.get)
        clear = all(medians[n] >= CLEAR_WIN * medians[best] for n in medians if n != best)
        if clear or min(counts) >= TRIAL_STEPS:
            self.chosen = best
            self.trials += 1
            now = self.clock()
            self._hold_until = now + max(HOLD_SECONDS, HOLD_FACTOR * (now - self._trial_started))
            self._trial_started = None
