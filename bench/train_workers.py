"""Trainer throughput by worker count: N workers x T threads through torch.distributed (gloo).

Used by `bench/train.py --workers`. Every layout runs in workers started by the same launcher
(`launch_local`, so one worker pays the same start-up as two), every layout and precision takes
its turn in each round so that load from other processes hits them alike, and the figure is the
global batch's tokens over the median time between step events on rank 0 after a warm-up: the
whole loop, all-reduce included, start-up excluded.

One worker alone on half the rows is the floor for two workers: what each of them computes, with
nothing to exchange. Two workers can at best match it; what they take beyond it is the cost of
working together (the gradient all-reduce, waiting for the slower worker).
"""

from __future__ import annotations

import os
import statistics
import time

import torch

from bench.common import WARMUP
from rnntui.engine.corpus import Corpus
from rnntui.train.distributed import close_workers, init_workers, launch_local
from rnntui.train.train_config import TrainConfig
from rnntui.train.train_events import StepEvent
from rnntui.train.trainer import Trainer

# (workers, threads per worker, rows): the global batch, and one worker alone on one worker's
# share of it (the floor above).
LAYOUTS = ((1, 1, "all"), (2, 1, "all"), (1, 2, "all"), (1, 1, "half"))


def step_times(config_json: str, corpus: Corpus, steps: int, threads: int) -> tuple[list[float], int, str]:
    """One worker: (seconds between step events, tokens per global step, precision) from rank 0."""
    torch.set_num_threads(threads)
    workers = init_workers("cpu")
    try:
        config = TrainConfig.from_json(config_json).with_(steps=steps + WARMUP, eval_every=10**9,
                                                          sample_length=0, threads=threads)
        trainer = Trainer(config, corpus)
        stamps: list[float] = []
        trainer.add_callback(lambda e: stamps.append(time.perf_counter()) if isinstance(e, StepEvent) else None)
        trainer.run()
        tokens = trainer.train_data.streams * trainer.train_data.seq_len
        return [b - a for a, b in zip(stamps, stamps[1:])], tokens, trainer.precision
    finally:
        close_workers()


def report(corpus: Corpus, config: TrainConfig, steps: int, rounds: int, precisions: tuple[str, ...]) -> None:
    runs = [(precision, *layout) for precision in precisions for layout in LAYOUTS]
    times: dict[tuple, list[float]] = {run: [] for run in runs}
    tokens: dict[tuple, int] = {}
    loads = [os.getloadavg()[0]]
    print(f"workers x threads, {config.num_layers}x{config.hidden_size} {config.cell}, global batch "
          f"{config.batch_size}x{config.seq_len}, {rounds} rounds of {steps} steps each ({WARMUP} more "
          f"to warm up); load average {loads[0]:.2f} on {os.cpu_count()} CPUs", flush=True)
    for _ in range(rounds):
        for run in runs:
            precision, workers, threads, rows = run
            batch = config.batch_size if rows == "all" else config.batch_size // 2
            result = launch_local(workers, step_times, config.with_(batch_size=batch, precision=precision).to_json(),
                                  corpus, steps, threads)
            step_seconds, tokens[run], _ = result[0]
            times[run].extend(step_seconds[WARMUP - 1:])
            loads.append(os.getloadavg()[0])
            print(f"  {precision} {workers}x{threads}, {batch} rows: median step "
                  f"{statistics.median(step_seconds[WARMUP - 1:]):.3f} s, load average {loads[-1]:.2f}", flush=True)
    for precision in precisions:
        step = {run[1:]: statistics.median(t) for run, t in times.items() if run[0] == precision}
        full = {layout: tokens[(precision, *layout)] / seconds for layout, seconds in step.items() if layout[2] == "all"}
        one, two, threaded = full[(1, 1, "all")], full[(2, 1, "all")], full[(1, 2, "all")]
        # The floor: two workers each as fast as one worker alone on its half of the rows.
        floor = tokens[(precision, 1, 1, "all")] / step[(1, 1, "half")]
        print(f"{precision}: 1x1 {one / 1000:.1f}k tok/s, 2x1 {two / 1000:.1f}k, 1x2 {threaded / 1000:.1f}k; "
              f"2x1 / 1x1 {two / one:.2f}x, 2x1 / 1x2 {two / threaded:.2f}x; "
              f"2x1 with nothing to exchange would be {floor / 1000:.1f}k ({floor / one:.2f}x of 1x1, "
              f"{floor / threaded:.2f}x of 1x2); median steps " +
              ", ".join(f"{w}x{t} {rows} {s:.3f} s" for (w, t, rows), s in step.items()), flush=True)
    print(f"load average {min(loads):.2f}-{max(loads):.2f} (start {loads[0]:.2f}, end {loads[-1]:.2f})", flush=True)
