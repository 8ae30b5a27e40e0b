"""Trainer throughput by worker count: N workers x T threads through torch.distributed (gloo).

Used by `bench/train.py --workers`. Every layout runs in workers started by the same launcher
(`launch_local`, so one worker pays the same start-up as two), the layouts take turns round by
round so that load from other processes hits them alike, and the figure is the global batch's
tokens over the median time between step events on rank 0: the whole loop, all-reduce included.
"""

from __future__ import annotations

import os
import statistics
import time

import torch

from rnntui.engine.corpus import Corpus
from rnntui.engine.distributed import close_workers, init_workers, launch_local
from rnntui.engine.train_config import TrainConfig
from rnntui.engine.train_events import StepEvent
from rnntui.engine.trainer import Trainer

# (workers, threads per worker, rows): the global batch, and one worker alone on one worker's share of
# it, which says how much of a step halving the rows saves at all.
LAYOUTS = ((1, 1, "all"), (2, 1, "all"), (1, 2, "all"), (1, 1, "half"))
WARMUP = 3  # first steps of each run, not counted: oneDNN builds its kernels then


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


def report(corpus: Corpus, config: TrainConfig, steps: int, rounds: int) -> None:
    times: dict[tuple[int, int, str], list[float]] = {layout: [] for layout in LAYOUTS}
    tokens: dict[tuple[int, int, str], int] = {}
    precision = ""
    print(f"workers x threads, {config.num_layers}x{config.hidden_size} {config.cell}, global batch "
          f"{config.batch_size}x{config.seq_len}, {rounds} rounds of {steps} steps each; "
          f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs", flush=True)
    for _ in range(rounds):
        for workers, threads, rows in LAYOUTS:
            batch = config.batch_size if rows == "all" else config.batch_size // 2
            result = launch_local(workers, step_times, config.with_(batch_size=batch).to_json(), corpus, steps, threads)
            step_seconds, tokens[(workers, threads, rows)], precision = result[0]
            times[(workers, threads, rows)].extend(step_seconds[WARMUP - 1:])
            print(f"  {workers}x{threads}, {batch} rows: median step {statistics.median(step_seconds[WARMUP - 1:]):.2f} s, "
                  f"load average {os.getloadavg()[0]:.2f}", flush=True)
    rates = {layout: tokens[layout] / statistics.median(t) for layout, t in times.items()}
    for (workers, threads, rows), rate in rates.items():
        print(f"{workers} worker(s) x {threads} thread(s), {rows} rows: {rate / 1000:.1f}k tok/s ({precision}), "
              f"median step {statistics.median(times[(workers, threads, rows)]):.3f} s", flush=True)
    one, two, threaded = rates[(1, 1, "all")], rates[(2, 1, "all")], rates[(1, 2, "all")]
    print(f"2x1 / 1x1: {two / one:.2f}x; 2x1 / 1x2: {two / threaded:.2f}x; "
          f"load average now {os.getloadavg()[0]:.2f}", flush=True)
