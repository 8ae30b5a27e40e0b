"""Keypress-to-repaint latency of the app at 120x40 with H=32, T=64 (median and p95, ms).

Each key event is posted to the running app (`app.post_message(events.Key(...))`); the action
it triggers ends in the screen's `render_session`, which here also schedules `call_after_refresh(stop)`, so
the clock stops once the screen has been repainted. Pilot's press/pause are not used: they wait
for the whole process to go idle and overstate latency.

    ./dev bench ui            (or .venv/bin/python bench/ui.py --presses 300)
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

from textual import events

from bench.common import StopsTheClock, machine_line, percentile

from rnntui.engine.session import StepSession
from rnntui.tui.app import RnnApp
from rnntui.tui.step_screen import StepScreen

TEXT = "To be, or not to be, that is the question: whether 'tis nobler i"  # 64 characters
# Mostly stepping (what people do most), plus keys that recompute forward and backward passes.
KEY_MIX = ["right"] * 6 + ["left"] * 2 + ["right_square_bracket", "left_square_bracket", "down", "k"]
CHARACTERS = {"right_square_bracket": "]", "left_square_bracket": "[", "k": "k"}


class TimedScreen(StopsTheClock, StepScreen):
    """The stepping screen whose re-render also schedules the callback that stops the benchmark's clock."""

    def render_session(self) -> None:
        super().render_session()
        self.stop_clock_after_refresh()


class TimedApp(RnnApp):
    """RnnApp on a TimedScreen; `pending` is the clock of the key being timed."""

    pending: asyncio.Future | None = None

    def __init__(self, session: StepSession) -> None:
        super().__init__(session)
        self.step_screen = TimedScreen(session, locked=self.training.weights_locked)


async def measure(
    presses: int, hidden: int, size: tuple[int, int], cell: str = "rnn"
) -> tuple[dict[str, list[float]], list[float]]:
    """Wall-clock ms per key (by key name), and this process's CPU ms per key (which other
    processes on a shared machine do not inflate)."""
    session = StepSession(TEXT, cell=cell, hidden_size=hidden, seed=0)
    app = TimedApp(session)
    timings: dict[str, list[float]] = {}
    cpu: list[float] = []
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        loop = asyncio.get_running_loop()
        for i in range(presses):
            key = KEY_MIX[i % len(KEY_MIX)]
            if key == "right" and session.cursor == session.T:
                key = "home"
            app.pending = loop.create_future()
            cpu_start, start = time.process_time(), time.perf_counter()
            app.post_message(events.Key(key, CHARACTERS.get(key)))
            stop = await asyncio.wait_for(app.pending, timeout=10)
            cpu.append((time.process_time() - cpu_start) * 1000)
            timings.setdefault(key, []).append((stop - start) * 1000)
    return timings, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presses", type=int, default=240)
    parser.add_argument("--hidden", type=int, default=32)
    parser.add_argument("--width", type=int, default=120)
    parser.add_argument("--height", type=int, default=40)
    parser.add_argument("--cell", default="rnn", choices=("rnn", "lstm", "gru"))
    args = parser.parse_args()
    timings, cpu = asyncio.run(measure(args.presses, args.hidden, (args.width, args.height), args.cell))
    everything = [t for values in timings.values() for t in values]
    print(machine_line())
    print(
        f"keypress-to-repaint at {args.width}x{args.height}, {args.cell}, H={args.hidden}, T={len(TEXT)}, "
        f"{len(everything)} presses"
    )
    print(f"{'key':<22}{'n':>5}{'median ms':>12}{'p95 ms':>10}")
    for key, values in sorted(timings.items()):
        print(f"{key:<22}{len(values):>5}{statistics.median(values):>12.1f}{percentile(values, 0.95):>10.1f}")
    print(f"{'all':<22}{len(everything):>5}{statistics.median(everything):>12.1f}{percentile(everything, 0.95):>10.1f}")
    print(f"{'CPU time, all':<22}{len(cpu):>5}{statistics.median(cpu):>12.1f}{percentile(cpu, 0.95):>10.1f}")


if __name__ == "__main__":
    main()
