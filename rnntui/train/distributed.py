"""Training on several processes with torch.distributed: which worker this is, and the collectives the trainer needs.

A run over N workers is the same run as one process with the same global batch. Every worker
builds the whole batch exactly as one process would and keeps only its own rows of it, so the data
order depends on the seed and never on N; DistributedDataParallel averages the gradients, each
worker's loss is weighted by its share of the batch so that this average is the gradient of the
global mean loss; clipping then sees the same (global) gradient on every worker. The loop's
decisions (stop, time limit, skip a non-finite step) are reduced so that every worker takes them
at the same step, and only rank 0 writes the run folder. Within a step the only waits are DDP's
gradient all-reduce and the small loss sum started beside it (`start_sum`).

Workers come from torch.distributed's elastic launcher: `torchrun`, or `launch_local` for
`rnntui train --nproc N`. Rank and world size are read from the environment they set.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

import numpy as np
import torch
import torch.distributed as dist

from rnntui.train.precision import resolve_device
from rnntui.errors import RnntuiError
from rnntui.i18n import t

# A collective that waits this long for a peer gives up; the launcher normally stops a run whose
# worker died well before that, this only bounds a hang it could not see (another node).
COLLECTIVE_TIMEOUT = timedelta(minutes=5)
# After Ctrl-C or a failure the launcher waits this long for workers to exit before killing them:
# long enough for the others to finish a step and save `last`.
SHUTDOWN_SECONDS = 30
MONITOR_SECONDS = 0.2  # how often the launcher looks for a dead worker
LOST_PEER_EXIT = 75  # a worker whose peer vanished exits with this, quietly: the peer is the news


def launched_by_torchrun() -> bool:
    """True inside a worker started by torchrun (or any elastic agent): RANK and WORLD_SIZE are set."""
    return "RANK" in os.environ and "WORLD_SIZE" in os.environ


def usable_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


@dataclass(frozen=True)
class Workers:
    """This process's place among the run's workers; with world 1 every method is a no-op."""

    rank: int = 0
    world: int = 1
    local_rank: int = 0
    device: torch.device = field(default_factory=lambda: torch.device("cpu"))  # where collectives run

    @property
    def writes(self) -> bool:
        """Only rank 0 writes checkpoints, metrics and samples, and prints."""
        return self.rank == 0

    def rows(self, total: int) -> slice:
        """This worker's contiguous share of `total` batch rows (shares differ by at most one)."""
        return slice(self.rank * total // self.world, (self.rank + 1) * total // self.world)

    def place(self, device: torch.device) -> torch.device:
        """One GPU per worker on a node: cuda:LOCAL_RANK."""
        return torch.device("cuda", self.local_rank) if device.type == "cuda" and self.world > 1 else device

    def wrap(self, model: torch.nn.Module) -> torch.nn.Module:
        """The module the training forward pass goes through: DDP all-reduces its gradients."""
        if self.world == 1:
            return model
        from torch.nn.parallel import DistributedDataParallel

        on_gpu = next(model.parameters()).device.type == "cuda"
        return DistributedDataParallel(model, device_ids=[self.local_rank] if on_gpu else None)

    def loss_share(self, tokens: int, batch_tokens: int) -> float:
        """The weight of this worker's mean loss, over its `tokens` of the batch's `batch_tokens`.

        DDP averages gradients over workers; weighting each worker's mean loss by
        world * tokens / batch_tokens makes that average the gradient of the batch's mean loss,
        also when the rows do not split evenly. Every worker knows the split, so this needs no message.
        """
        return self.world * tokens / batch_tokens

    def start_sum(self, values: torch.Tensor) -> "PendingSum":
        """Start summing `values` over the workers without waiting: the loop reduces a step's loss
        while its backward pass runs, so no worker waits for the others in the middle of a step."""
        t = values.detach().reshape(-1).to(self.device, torch.float64)
        if self.world == 1:
            return PendingSum(t)
        return PendingSum(t, dist.all_reduce(t, op=dist.ReduceOp.SUM, async_op=True))

    def sum(self, *values: float) -> list[float]:
        if self.world == 1:
            return list(values)
        t = torch.tensor(values, dtype=torch.float64, device=self.device)
        dist.all_reduce(t, op=dist.ReduceOp.SUM)
        return t.tolist()

    def agree(self, stop: bool, elapsed: float) -> tuple[bool, float]:
        """(any worker stops, the slowest worker's clock): the loop's decisions, the same on every worker.

        The loop must act on these values, never re-read its own stop flag, which a signal may set
        on one worker only, between two collectives.
        """
        if self.world == 1:
            return stop, elapsed
        t = torch.tensor([float(stop), elapsed], dtype=torch.float64, device=self.device)
        dist.all_reduce(t, op=dist.ReduceOp.MAX)
        return bool(t[0].item()), float(t[1].item())

    def rank0s(self, value):
        """Rank 0's `value` on every worker: for choices each worker could make differently (timed ones)."""
        if self.world == 1:
            return value
        box = [value]
        dist.broadcast_object_list(box, src=0)
        return box[0]

    def gather_rows(self, tensors: dict[str, torch.Tensor], dim: int = 1) -> dict[str, torch.Tensor]:
        """Every worker's rows of each tensor, joined in rank order: the whole batch's (for saving)."""
        if self.world == 1:
            return tensors
        local = {k: v.detach().float().cpu().numpy() for k, v in tensors.items()}
        parts: list[dict[str, np.ndarray] | None] = [None] * self.world
        dist.all_gather_object(parts, local)
        return {k: torch.from_numpy(np.concatenate([p[k] for p in parts], axis=dim)).to(tensors[k].dtype)
                for k in tensors}

    def reseed(self, seed: int, step: int) -> None:
        """Give workers other than rank 0 their own dropout stream (rank 0 keeps the run's own)."""
        if self.rank > 0:
            torch.manual_seed(int(np.random.SeedSequence([seed, self.rank, step]).generate_state(1)[0]))


class PendingSum:
    """A sum over the workers that may still be on its way; `values()` waits for it."""

    def __init__(self, tensor: torch.Tensor, work=None):
        self.tensor, self.work = tensor, work

    def values(self) -> list[float]:
        if self.work is not None:
            self.work.wait()
            self.work = None
        return self.tensor.tolist()


def current_workers() -> Workers:
    """The workers of the process group this process has joined; one worker when there is none."""
    if not (dist.is_available() and dist.is_initialized()):
        return Workers()
    local_rank = int(os.environ.get("LOCAL_RANK", 0))
    device = torch.device("cuda", local_rank) if dist.get_backend() == "nccl" else torch.device("cpu")
    return Workers(dist.get_rank(), dist.get_world_size(), local_rank, device)


def init_workers(device_name: str) -> Workers:
    """Join the run's process group from the environment: nccl for GPUs, gloo for CPUs."""
    device = resolve_device(device_name)
    if device.type == "cuda":
        local_rank, local_world = int(os.environ.get("LOCAL_RANK", 0)), int(os.environ.get("LOCAL_WORLD_SIZE", 1))
        check_gpus(local_world)
        torch.cuda.set_device(local_rank)
    dist.init_process_group("nccl" if device.type == "cuda" else "gloo", timeout=COLLECTIVE_TIMEOUT)
    return current_workers()


def close_workers() -> None:
    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()


def check_gpus(workers: int) -> None:
    count = torch.cuda.device_count()
    if count < workers:
        raise RnntuiError(t("train.workers.too_few_gpus", workers=workers, count=count))


class WorkerFailed(RnntuiError):
    """A worker died or crashed; the launcher has stopped the others."""


def launch_local(nproc: int, entrypoint: Callable, *args) -> dict[int, object]:
    """Run `entrypoint(*args)` in `nproc` workers on this machine; {rank: its return value}.

    torch.distributed's elastic agent starts them (spawned, a c10d rendezvous on a free local
    port), watches them, and stops all of them as soon as one fails: WorkerFailed says which.
    """
    from torch.distributed.elastic.multiprocessing.errors import ChildFailedError
    from torch.distributed.launcher.api import LaunchConfig, elastic_launch

    config = LaunchConfig(min_nodes=1, max_nodes=1, nproc_per_node=nproc, run_id=uuid.uuid4().hex,
                          rdzv_backend="c10d", rdzv_endpoint="localhost:0", max_restarts=0,
                          monitor_interval=MONITOR_SECONDS, start_method="spawn",
                          shutdown_timeout=SHUTDOWN_SECONDS)
    # The agent logs every phase and every worker it stops; a failure is reported once, by WorkerFailed.
    loggers = [logging.getLogger(name) for name in list(logging.root.manager.loggerDict)
               if name.startswith(("torch.distributed", "torch.multiprocessing"))]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL)
    try:
        return elastic_launch(config, entrypoint)(*args)
    except ChildFailedError as error:
        raise WorkerFailed(describe_failure(error)) from None
    finally:
        for logger, level in zip(loggers, levels):
            logger.setLevel(level)


def describe_failure(error) -> str:
    """One line: which worker failed first and how (workers that only lost a peer are not the news)."""
    failures = error.failures
    causes = {rank: f for rank, f in failures.items() if f.exitcode != LOST_PEER_EXIT} or failures
    rank = min(causes, key=lambda r: (causes[r].timestamp, r))
    failure = causes[rank]
    if failure.exitcode < 0:
        how = t("train.workers.killed", signal=failure.signal_name())
    elif failure.exitcode == LOST_PEER_EXIT:
        how = t("train.workers.lost_contact")
    else:
        how = t("train.workers.exited", code=failure.exitcode)
    return t("train.workers.failed", rank=rank, pid=failure.pid, how=how)
