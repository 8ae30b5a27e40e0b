"""Soak: live training in the app for N minutes while keys are pressed. Does anything creep?

The app runs headless (App.run_test) and trains in its child process, on an unbounded budget;
a key (step, unit, bars) is posted every --key-interval seconds all the while. Every --every
seconds one row: the app's and the training child's resident memory (RSS, /proc), the step the
run has reached and how many steps the loss-curve pane is behind it, the keypress latency of the keys since the last row (p95), and the log's lag:
for each validation point, the time from the run reporting it (its history) to the app's log
showing it, polled every POLL seconds. At the end: memory growth (last row against the first one
after warm-up), the worst lag, the overall p95, the load average.

Targets (issue: hostile input): memory flat within 10 %, log lag under 2 s.

    flock /tmp/rnntui-bench.lock ./dev bench soak --minutes 30
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import statistics
import time

from bench.common import load, machine_line, percentile, rss_mb
from bench.ui_training import TimedApp, key_latency
from rnntui.engine.corpus import load_corpus
from rnntui.engine.session import StepSession
from rnntui.tui.training.controller import app_train_config
from rnntui.tui.widgets.console import GenerationConsole
from rnntui.tui.widgets.loss_curve import LossCurve

SIZE = (120, 40)
POLL = 0.25  # seconds between looks at the run and the log (the resolution of the lag)
KEYS = ("right", "right", "left", "down", "up")  # step and select: every pane redraws
LOGGED_EVAL = re.compile(r"step ([\d,]+): validation loss")
SHOWN_STEP = re.compile(r"step ([\d,]+)")


# ---------------------------------------------------------------------- the app's training, read-only


def run_step(run) -> int:
    return run.step


def run_evals(run) -> list[int]:
    """Steps of the validation points the run has reported so far (its history, read by the
    service's reader thread as the child reports them)."""
    return [point.step for point in list(run.history.val)]


def shown_step(app) -> int:
    """The step the loss-curve pane shows ("running · step 1,234 · …"), 0 before it shows one."""
    curve = app.query(LossCurve)
    first = curve.first().text_lines[0] if curve and curve.first().text_lines else ""
    match = SHOWN_STEP.search(first)
    return int(match.group(1).replace(",", "")) if match else 0


def logged_evals(app) -> set[int]:
    """Steps of the validation points the app's log shows."""
    log = app.query_one(GenerationConsole).query_one("#console-log")
    return {int(m.group(1).replace(",", "")) for line in log.lines if (m := LOGGED_EVAL.search(line))}


# ---------------------------------------------------------------------- the soak


class Lag:
    """When each validation point reached the run, and when the log showed it."""

    def __init__(self) -> None:
        self.reported: dict[int, float] = {}
        self.logged: dict[int, float] = {}

    def poll(self, run, app) -> None:
        now = time.perf_counter()
        for step in run_evals(run):
            self.reported.setdefault(step, now)
        for step in logged_evals(app):
            self.logged.setdefault(step, now)

    def worst_since(self, start: float) -> float:
        """The longest wait, since `start`, of a point shown meanwhile or still not shown."""
        now = time.perf_counter()
        waits = [self.logged.get(step, now) - at for step, at in self.reported.items()
                 if self.logged.get(step, now) >= start]
        return max(waits, default=0.0)


async def press_keys(app, interval: float, stop: asyncio.Event, latencies: list[float]) -> None:
    while not stop.is_set():
        latencies.append(await key_latency(app, KEYS[len(latencies) % len(KEYS)]))
        await asyncio.sleep(interval)


async def poll(run, app, lag: Lag, stop: asyncio.Event) -> None:
    while not stop.is_set():
        lag.poll(run, app)
        await asyncio.sleep(POLL)


async def soak(config, corpus, minutes: float, every: float, interval: float) -> list[dict]:
    app = TimedApp(StepSession("the quick brown fox jumps over the lazy dog"))
    app.choose_corpus(corpus)
    rows: list[dict] = []
    async with app.run_test(size=SIZE):
        run = app.training.start(config)
        while run_step(run) < 1 and run.active:
            await asyncio.sleep(0.1)
        start = time.perf_counter()
        stop, lag, latencies = asyncio.Event(), Lag(), []
        tasks = [asyncio.create_task(press_keys(app, interval, stop, latencies)),
                 asyncio.create_task(poll(run, app, lag, stop))]
        window_start, pressed = start, 0
        while time.perf_counter() - start < minutes * 60 and run.active:
            await asyncio.sleep(max(0.0, window_start + every - time.perf_counter()))
            window = latencies[pressed:]
            pressed = len(latencies)
            rows.append({
                "minute": (time.perf_counter() - start) / 60,
                "app_mb": rss_mb(os.getpid()),
                "child_mb": rss_mb(run.pid) if run.pid else 0.0,
                "step": run_step(run),
                "behind": run_step(run) - shown_step(app),
                "lag_s": lag.worst_since(window_start),
                "keys": len(window),
                "p95_ms": percentile(window, 0.95) * 1000 if window else float("nan"),
                "load": os.getloadavg()[0],
            })
            print_row(rows[-1], flush=True)
            window_start = time.perf_counter()
        stop.set()
        await asyncio.gather(*tasks)
        app.training.stop()
        while run.active:
            await asyncio.sleep(0.1)
        rows[-1]["all_latencies"] = latencies
    return rows


def print_row(row: dict, flush: bool = False) -> None:
    print(f"| {row['minute']:6.1f} | {row['app_mb']:7.1f} | {row['child_mb']:8.1f} | {row['step']:>9,} | "
          f"{row['behind']:>6,} | "
          f"{row['lag_s']:6.2f} | {row['keys']:4d} | {row['p95_ms']:7.1f} | {row['load']:5.2f} |", flush=flush)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--every", type=float, default=30.0, help="seconds between rows")
    parser.add_argument("--key-interval", type=float, default=0.25, help="seconds between posted keys")
    parser.add_argument("--warmup", type=float, default=2.0, help="minutes before the memory baseline")
    parser.add_argument("--corpus", default="pydoc")
    parser.add_argument("--cell", default="lstm")
    parser.add_argument("--hidden", type=int, default=64)
    parser.add_argument("--layers", type=int, default=1)
    parser.add_argument("--threads", type=int, default=1, help="torch threads of the child")
    args = parser.parse_args()

    corpus = load_corpus(args.corpus)
    # a budget past the soak's end: the soak stops the run itself
    config = app_train_config().with_(cell=args.cell, hidden_size=args.hidden, num_layers=args.layers,
                                      minutes=args.minutes + 10, threads=args.threads)
    print(machine_line())
    print(f"soak {args.minutes:g} min: {config.cell} {config.num_layers}x{config.hidden_size} on {corpus.name}, "
          f"{config.threads} torch thread(s), a key every {args.key_interval:g} s")
    print("| minute | app MB  | child MB |      step | behind | lag s  | keys | p95 ms  | load  |")
    print("| -----: | ------: | -------: | --------: | -----: | -----: | ---: | ------: | ----: |")
    rows = asyncio.run(soak(config, corpus, args.minutes, args.every, args.key_interval))
    latencies = rows[-1].pop("all_latencies")
    base = next((r for r in rows if r["minute"] >= args.warmup), rows[0])
    last = rows[-1]
    for name, key in (("app", "app_mb"), ("child", "child_mb")):
        growth = (last[key] - base[key]) / base[key] if base[key] else float("nan")
        print(f"{name} memory {base[key]:.1f} MB at minute {base['minute']:.1f} -> {last[key]:.1f} MB: "
              f"{growth:+.1%} (target within 10 %: {'met' if abs(growth) <= 0.10 else 'missed'})")
    worst = max(r["lag_s"] for r in rows)
    print(f"log lag, worst: {worst:.2f} s (target < 2 s: {'met' if worst < 2 else 'missed'})")
    ms = [x * 1000 for x in latencies]
    print(f"keypress -> repaint over the soak: n={len(ms)}  median {statistics.median(ms):.1f} ms  "
          f"p95 {percentile(ms, 0.95):.1f} ms  max {max(ms):.1f} ms")
    print(f"steps: {last['step']:,}; load average at the end {load()}")


if __name__ == "__main__":
    main()
