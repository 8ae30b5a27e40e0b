"""An experiment: every cell over several seeds on one task, summarised per cell as the paper tabulates.

The result is a plain dict (written as JSON by the CLI, read back by docs and demos): the task, the
settings, one record per run and one summary per cell. Imports torch through task_runs.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import torch

from rnntui.engine.tasks import Task, paper
from rnntui.train.precision import cpu_model
from rnntui.train.threads import usable_cores
from rnntui.train.task_runs import TaskRunConfig, TaskRunResult, save_task_model, test_set, train_on_task

CELLS = ("rnn", "lstm", "gru")


@dataclass(frozen=True)
class ExperimentPlan:
    task: Task
    cells: tuple[str, ...] = CELLS
    seeds: int = 5
    run: TaskRunConfig = TaskRunConfig()  # cell and seed are set per run
    threads: int = 1  # torch CPU threads per run
    save_to: Path | None = None  # a folder: every trained model is saved there as TASK-CELL-seedN.safetensors


def run_record(result: TaskRunResult) -> dict:
    s = result.final
    return {
        "cell": result.cell, "seed": result.seed, "solved_after": result.solved_after,
        "sequences": result.sequences, "seconds": round(result.seconds, 2), "stopped_by": result.stopped_by,
        "correct": s.correct, "error": s.error, "baseline": s.baseline, "ratio": s.ratio,
        "curve": [[c.sequences, round(c.seconds, 2), c.score.correct, c.score.error] for c in result.checks],
    }


def summarise(records: list[dict]) -> dict:
    """Per cell: how many seeds succeeded, the median sequences until success, the mean final error."""
    solved = [r["solved_after"] for r in records if r["solved_after"] is not None]
    return {
        "runs": len(records),
        "solved": len(solved),
        "median_sequences": statistics.median(solved) if solved else None,
        "error": statistics.fmean(r["error"] for r in records),
        "baseline": statistics.fmean(r["baseline"] for r in records),
        "ratio": statistics.fmean(r["ratio"] for r in records),
        "correct": statistics.fmean(r["correct"] for r in records),
    }


def machine() -> dict:
    """Where the figures were measured: they depend on the CPU and on what else ran beside them."""
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    return {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "cpu": cpu_model(),
            "cores": usable_cores(), "load_1min": load, "torch": torch.__version__}


def run_experiment(plan: ExperimentPlan, on_run: Callable[[dict], None] | None = None,
                   should_stop: Callable[[], bool] | None = None) -> dict:
    torch.set_num_threads(plan.threads)
    test = test_set(plan.task, plan.run.test_size)
    records: list[dict] = []
    started = time.perf_counter()
    for cell in plan.cells:
        for seed in range(plan.seeds):
            result = train_on_task(plan.task, replace(plan.run, cell=cell, seed=seed), test, should_stop=should_stop)
            records.append(run_record(result))
            if plan.save_to is not None:
                path = plan.save_to / f"{plan.task.name}-{cell}-seed{seed}.safetensors"
                save_task_model(path, result, plan.task)
                records[-1]["checkpoint"] = str(path)
            if on_run:
                on_run(records[-1])
    return {
        "task": plan.task.to_dict(),
        "settings": {k: v for k, v in asdict(plan.run).items() if k not in ("cell", "seed")},
        "seeds": plan.seeds,
        "runs": records,
        "cells": {cell: summarise([r for r in records if r["cell"] == cell]) for cell in plan.cells},
        "paper": [asdict(r) for r in paper.results_for(plan.task.name, plan.task.setting)],
        "success_fraction": plan.task.kind.success_fraction,
        "every_step": plan.task.kind.every_step,
        "seconds": round(time.perf_counter() - started, 1),
        "machine": machine(),
    }
