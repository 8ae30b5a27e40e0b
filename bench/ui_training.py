"""Live training in the app: does training keep its speed with the app open, and does the app stay quick?

Three phases in one process, on the same model, corpus and thread count:
  1. headless: Trainer.run() for --seconds, nothing else running;
  2. app, watching: the same training started from the app (in a child process by default,
     --thread for a thread of the app; throttled messages, weight syncs, streamed samples),
     nobody pressing keys;
  3. app, keys: the same again while a key is posted every --key-interval seconds; each key's
     latency is measured from posting it to a call_after_refresh callback (pilot.pause would wait
     for the training thread and never return promptly);
  4. headless again, so a change in machine load shows up instead of skewing the ratios.
Targets (issue 5): app throughput >= 0.8 x headless; keypress-to-repaint p95 <= 100 ms.

    ./dev bench ui_training [--seconds 20] [--hidden 256] [--layers 2] [--corpus pydoc] [--thread]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from textual import events  # noqa: E402

from rnntui.engine.corpus import load_corpus  # noqa: E402
from rnntui.engine.session import StepSession  # noqa: E402
from rnntui.tui.app import RnnApp  # noqa: E402
from rnntui.tui.training.actions import app_train_config  # noqa: E402

SIZE = (120, 40)


def headless_tokens_per_second(config, corpus) -> tuple[float, int]:
    from rnntui.engine.trainer import Trainer

    trainer = Trainer(config, corpus)
    done = trainer.run()
    tokens = done.step * trainer.train_data.streams * trainer.train_data.seq_len
    return tokens / done.elapsed, done.step


class TimedApp(RnnApp):
    """RnnApp whose step and unit keys, once handled, schedule the callback that stops the clock.

    Hooked into the key's own action (as bench/ui.py hooks render_session): a weight sync's
    redraw must not stop the clock of a key that is still waiting in the queue."""

    pending: asyncio.Future | None = None

    def _stop_clock_after_refresh(self) -> None:
        future = self.pending
        if future is not None and not future.done():
            self.call_after_refresh(lambda: future.done() or future.set_result(time.perf_counter()))

    def action_step(self, direction: int) -> None:
        super().action_step(direction)
        self._stop_clock_after_refresh()

    def action_select_unit(self, step: int) -> None:
        super().action_select_unit(step)
        self._stop_clock_after_refresh()


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


async def app_phase(config, corpus, interval: float, press: bool, in_process: bool = True) -> dict:
    """Train `config` from the app; with `press`, post keys all the while and time them."""
    app = TimedApp(StepSession("ABCABC"))
    app.train_in_process = in_process
    app.choose_corpus(corpus)
    async with app.run_test(size=SIZE):
        idle = await press_keys(app, interval, lambda n: n >= 40)
        run = app.start_training(config)
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
        await app.workers.wait_for_complete()
        done = run.done
        tokens = done.step * run.tokens_per_step
        samples = len(app.training_samples)
        syncs = list(app.sync_seconds)
    return {"tokens_per_second": tokens / done.elapsed, "steps": done.step, "idle": idle,
            "training": training, "samples": samples, "syncs": syncs, "ui_share": ui_share}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def describe(latencies: list[float]) -> str:
    ms = [x * 1000 for x in latencies]
    return (f"n={len(ms)}  median {statistics.median(ms):.1f} ms  p95 {percentile(ms, 0.95):.1f} ms  "
            f"max {max(ms):.1f} ms")


def report_app(label: str, result: dict) -> None:
    syncs = result["syncs"]
    cost = f", {statistics.median(syncs) * 1000:.0f} ms median redraw" if syncs else ""
    print(f"{label:<15}{result['tokens_per_second']:9.0f} tok/s  ({result['steps']} steps, "
          f"{result['samples']} samples streamed, {len(syncs)} weight syncs{cost}, "
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
    parser.add_argument("--thread", action="store_true", help="train in a thread of the app, not a child process")
    args = parser.parse_args()

    corpus = load_corpus(args.corpus)
    config = app_train_config().with_(cell=args.cell, hidden_size=args.hidden, num_layers=args.layers,
                                      minutes=args.seconds / 60)
    if args.threads:
        config = config.with_(threads=args.threads)
    import torch  # before the clock starts: both phases pay nothing for the import

    print(f"{config.cell} {config.num_layers}x{config.hidden_size}, seq {config.seq_len}, batch {config.batch_size}, "
          f"{config.threads} torch thread(s), {args.seconds:g} s per phase, corpus {corpus.name}, "
          f"torch {torch.__version__}")
    before, steps_before = headless_tokens_per_second(config, corpus)
    print(f"headless (1)   {before:9.0f} tok/s  ({steps_before} steps)")
    process = not args.thread
    print(f"the app trains in a {'child process' if process else 'thread'}")
    watching = asyncio.run(app_phase(config, corpus, args.key_interval, press=False, in_process=process))
    report_app("app, watching", watching)
    result = asyncio.run(app_phase(config, corpus, args.key_interval, press=True, in_process=process))
    report_app(f"app, keys/{args.key_interval:g}s", result)
    after, steps_after = headless_tokens_per_second(config, corpus)
    print(f"headless (2)   {after:9.0f} tok/s  ({steps_after} steps)")
    headless = (before + after) / 2
    p95 = percentile(result["training"], 0.95) * 1000
    print(f"throughput ratio app/headless, watching:      {watching['tokens_per_second'] / headless:.2f}  (target >= 0.8)")
    print(f"throughput ratio app/headless, keys pressed:  {result['tokens_per_second'] / headless:.2f}")
    print(f"keypress -> repaint, idle:     {describe(result['idle'])}")
    print(f"keypress -> repaint, training: {describe(result['training'])}  (target p95 <= 100 ms: "
          f"{'met' if p95 <= 100 else 'missed'})")


if __name__ == "__main__":
    main()
