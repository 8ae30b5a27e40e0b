"""Every shipped series (or a person's own), one cell over seeds, each beside the persistence baseline."""

from __future__ import annotations

import statistics
import time
from dataclasses import asdict, replace

import numpy as np
import torch

from rnntui.engine.series.forecast import prepare
from rnntui.train.experiment import machine
from rnntui.train.series_runs import SeriesRunConfig, train_series


def run_series(named: dict[str, tuple[np.ndarray, int, bool]], run: SeriesRunConfig, seeds: int,
               on_run=None, threads: int = 1) -> dict:
    """`named`: series name -> (values, test points, model the log). Returns a JSON-able dict."""
    torch.set_num_threads(threads)
    started = time.perf_counter()
    results = {}
    for name, (values, test_points, log) in named.items():
        prepared = prepare(values, test_points, log)
        runs = []
        for seed in range(seeds):
            r = train_series(prepared, replace(run, seed=seed))
            runs.append({"seed": seed, "mse": r.one_step.mse, "persistence": r.one_step.persistence,
                         "ratio": r.one_step.ratio, "free_running_ratio": r.free_running.ratio,
                         "seconds": round(r.seconds, 2)})
            if on_run:
                on_run(name, runs[-1])
        results[name] = {
            "points": len(values), "test_points": test_points, "log": log,
            "mse": statistics.fmean(r["mse"] for r in runs), "persistence": runs[0]["persistence"],
            "ratio": statistics.fmean(r["ratio"] for r in runs),
            "ratio_range": [min(r["ratio"] for r in runs), max(r["ratio"] for r in runs)],
            "free_running_ratio": statistics.fmean(r["free_running_ratio"] for r in runs),
            "runs": runs,
        }
    settings = {k: v for k, v in asdict(run).items() if k != "seed"}
    return {"series": results, "settings": settings, "seeds": seeds,
            "seconds": round(time.perf_counter() - started, 1), "machine": machine()}
