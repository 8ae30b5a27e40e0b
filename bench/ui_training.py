"""Live training in the app: does training keep its speed with the app open, and does the app stay quick?

Four phases in one run, on the same model, corpus and thread count:
  1. headless: Trainer.run() for --seconds, nothing else running;
  2. app, watching: the same training started from the app (the child process of rnntui.live:
     throttled progress, views built in the child and installed, streamed samples), nobody
     pressing keys;
  3. app, keys: keys posted every --key-interval seconds, first with the app idle, then while the
     same training runs; each key's latency is measured from posting it to a call_after_refresh
     callback (pilot.pause would wait for the whole process to be idle and never return promptly);
  4. headless again, so a change in machine load shows up instead of skewing the ratios.
Targets: app throughput >= 0.95 x headless, watching and with keys pressed; keypress-to-repaint
while training p95 <= 50 ms and median <= 25 ms. The idle p95 is printed beside them.
`--busy` runs one CPU-bound process beside all four phases, to stand in for a slower or busier
machine (the headless phases share the machine with it too, so the ratios stay fair).

    ./dev bench ui_training [--seconds 20] [--hidden 256] [--layers 2] [--corpus pydoc] [--busy]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

from textual import events

from bench.common import StopsTheClock, busy_beside, load, machine_line, percentile

from rnntui.engine.corpus import load_corpus
from rnntui.engine.session import StepSession
from rnntui.tui.app import RnnApp
from rnntui.tui.training.controller import app_train_config
from rnntui.tui.step_screen import StepScreen

SIZE = (120, 40)


def headless_tokens_per_second(config, corpus) -> tuple[float, int]:
    from rnntui.train.trainer import Trainer
    from rnntui.train.history import RunHistory

    trainer = Trainer(config, corpus)
    history = RunHistory()
    trainer.add_callback(history)
    done = trainer.run()
    return history.tokens / done.elapsed, done.step


class TimedScreen(StopsTheClock, StepScreen):
    """The stepping screen whose step and unit keys, once handled, schedule the callback that stops
    the clock, and which times each session installed (a run's view of its weights).

    Hooked into the key's own action (as bench/ui.py hooks render_session): a weight sync's
    redraw must not stop the clock of a key that is still waiting in the queue."""

    install_seconds: list[float]

    def install_session(self, session, cursor=None, unit=None) -> None:
        start = time.perf_counter()
        super().install_session(session, cursor, unit)
        self.install_seconds.append(time.perf_counter() - start)

    def action_step(self, direction: int) -> None:
        super().action_step(direction)
        self.stop_clock_after_refresh()

    def action_select_unit(self, step: int) -> None:
        super().action_select_unit(step)
        self.stop_clock_after_refresh()


class TimedApp(RnnApp):
    """RnnApp on a TimedScreen; `pending` is the clock of the key being timed."""

    pending: asyncio.Future | None = None

    def __init__(self, session: StepSession) -> None:
        super().__init__(session)
        self.step_screen = TimedScreen(session, locked=self.training.weights_locked)
        self.step_screen.install_seconds = []


async def key_latency(app: TimedApp, key: str) -> float:
    """Seconds from posting `key` to the first refresh after the app handled it."""
    app.pending = asyncio.get_running_loop().create_future()
    start = time.perf_counter()
    app.post_message(events.Key(key, None))
    return await asyncio.wait_for(app.pending, timeout=60) - start


async def press_keys(app, interval: float, until) -> list[float]:
    """Post keys every `interval` seconds until `until(presses so far)`; their latencies."""
    latencies: list[float] = []
    keys = ("right", "right", "left", "down", "up")  # step and select: every pane redraws
    while not until(len(latencies)):
        latencies.append(await key_latency(app, keys[len(latencies) % len(keys)]))
        await asyncio.sleep(interval)
    return latencies


async def app_phase(config, corpus, interval: float, press: bool) -> dict:
    """Train `config` from the app; with `press`, post keys all the while and time them."""
    app = TimedApp(StepSession("ABCABC"))
    app.choose_corpus(corpus)
    async with app.run_test(size=SIZE):
        idle = await press_keys(app, interval, lambda n: n >= 40) if press else []
        run = app.training.start(config)
        while run.step < 1 and run.active:
            await asyncio.sleep(0.05)
        ui_cpu, wall = time.thread_time(), time.perf_counter()  # this thread is the app's UI thread
        if press:
            training = await press_keys(app, interval, lambda n: not run.active)
        else:
            training = []
            while run.active:
                await asyncio.sleep(0.1)
        ui_share = (time.thread_time() - ui_cpu) / (time.perf_counter() - wall)
        history = run.history
        samples = len(app.training.samples)
        syncs = list(app.step_screen.install_seconds)
    return {"tokens_per_second": history.tokens / history.seconds, "steps": history.step, "idle": idle,
            "training": training, "samples": samples, "syncs": syncs, "ui_share": ui_share}


def describe(latencies: list[float]) -> str:
    ms = [x * 1000 for x in latencies]
    return (f"n={len(ms)}  median {statistics.median(ms):.1f} ms  p95 {percentile(ms, 0.95):.1f} ms  "
            f"max {max(ms):.1f} ms")


def report_app(label: str, result: dict) -> None:
    syncs = result["syncs"]
    cost = f", {statistics.median(syncs) * 1000:.0f} ms median install+redraw" if syncs else ""
    print(f"{label:<15}{result['tokens_per_second']:9.0f} tok/s  ({result['steps']} steps, "
          f"{result['samples']} samples streamed, {len(syncs)} views installed{cost}, "
          f"UI thread busy {result['ui_share']:.0%} of a core)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default="pydoc")
    parser.add_argument("--cell", default="lstm")
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=20.0, help="training time of each phase")
    parser.add_argument("--threads", type=int, default=None, help="torch threads [default: the app's]")
    parser.add_argument("--key-interval", type=float, default=0.1, help="seconds between posted keys")
    parser.add_argument("--busy", action="store_true", help="run one CPU-bound process beside every phase")
    args = parser.parse_args()
    with busy_beside(args.busy):
        run(args)


def run(args) -> None:

    corpus = load_corpus(args.corpus)
    config = app_train_config().with_(cell=args.cell, hidden_size=args.hidden, num_layers=args.layers,
                                      minutes=args.seconds / 60)
    if args.threads:
        config = config.with_(threads=args.threads)
    import torch  # before the clock starts: both phases pay nothing for the import

    print(machine_line() + (", one busy process beside" if args.busy else ""))
    print(f"{config.cell} {config.num_layers}x{config.hidden_size}, seq {config.seq_len}, batch {config.batch_size}, "
          f"{config.threads} torch thread(s), {args.seconds:g} s per phase, corpus {corpus.name}, "
          f"torch {torch.__version__}")
    before, steps_before = headless_tokens_per_second(config, corpus)
    print(f"headless (1)   {before:9.0f} tok/s  ({steps_before} steps)  load {load()}")
    watching = asyncio.run(app_phase(config, corpus, args.key_interval, press=False))
    report_app("app, watching", watching)
    print(f"{'':15}load {load()}")
    result = asyncio.run(app_phase(config, corpus, args.key_interval, press=True))
    report_app(f"app, keys/{args.key_interval:g}s", result)
    print(f"{'':15}load {load()}")
    after, steps_after = headless_tokens_per_second(config, corpus)
    print(f"headless (2)   {after:9.0f} tok/s  ({steps_after} steps)  load {load()}")
    headless = (before + after) / 2
    ms = [x * 1000 for x in result["training"]]
    p95, median = percentile(ms, 0.95), statistics.median(ms)
    print(f"throughput ratio app/headless, watching:      {watching['tokens_per_second'] / headless:.2f}  (target >= 0.95)")
    print(f"throughput ratio app/headless, keys pressed:  {result['tokens_per_second'] / headless:.2f}  (target >= 0.95)")
    print(f"keypress -> repaint, idle:     {describe(result['idle'])}")
    print(f"keypress -> repaint, training: {describe(result['training'])}  (targets p95 <= 50 ms: "
          f"{'met' if p95 <= 50 else 'missed'}, median <= 25 ms: {'met' if median <= 25 else 'missed'})")


if __name__ == "__main__":
    main()
