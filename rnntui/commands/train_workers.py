"""`rnntui train` on several worker processes: `--nproc N` on this machine, or one worker of a torchrun launch.

Both go through torch.distributed's elastic launcher: with --nproc this process is the launcher
(its Python API, `launch_local`), under torchrun the launcher is torchrun and this process is a
worker. Every worker runs the same command; rank 0 alone prints and writes the run folder.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from rnntui.commands.common import USAGE_ERROR, say_error, signal_exit_code
from rnntui.errors import RnntuiError
from rnntui.i18n import t


@dataclass(frozen=True)
class TrainJob:
    """What every worker needs to build the same run (pickled to the spawned workers)."""

    corpus: str  # the corpus name or path, loaded by each worker
    flags: dict  # the TrainConfig fields the user gave
    out_dir: Path  # chosen once, by the launcher, so that every worker agrees
    resume: Path | None
    force: bool  # resume even if the corpus changed
    quiet: bool


def train_on_workers(job: TrainJob, nproc: int | None) -> int:
    """Train `job` under torchrun (nproc None) or on `nproc` local workers; the exit code of the run."""
    from rnntui.train.distributed import launched_by_torchrun

    if launched_by_torchrun():
        if nproc is not None:
            raise RnntuiError(t("cli.error.nproc_in_torchrun"))
        return worker_main(job)
    check_nproc(nproc, job.flags.get("device", "auto"))
    return run_job(job)[0] if nproc == 1 else launch(job, nproc)


def check_nproc(nproc: int, device_name: str) -> None:
    """Refuse worker counts this machine cannot run: more workers than GPUs, or than CPUs on CPU."""
    from rnntui.train.distributed import check_gpus, usable_cpus
    from rnntui.train.precision import resolve_device

    if nproc < 1:
        raise RnntuiError(t("cli.error.nproc_positive", nproc=nproc))
    if resolve_device(device_name).type == "cuda":
        check_gpus(nproc)
    elif nproc > usable_cpus():
        # Refused rather than warned about: workers that share a core wait for each other at every step.
        raise RnntuiError(t("cli.error.nproc_cpus", nproc=nproc, cpus=usable_cpus()))


def launch(job: TrainJob, nproc: int) -> int:
    """Start `nproc` workers through the elastic launcher and wait; the exit code of the run."""
    from torch.distributed.elastic.multiprocessing.api import SignalException

    from rnntui.train.distributed import WorkerFailed, launch_local

    try:
        codes = launch_local(nproc, launched_worker, job)
    except WorkerFailed as error:
        say_error(f"{error}; {saved_step(job.out_dir)}")
        return 1
    except SignalException as error:  # Ctrl-C, SIGTERM, SIGHUP: the workers got it too, saved `last` and said so
        return signal_exit_code(error.sigval)
    return max(codes.values())


def saved_step(out_dir: Path) -> str:
    from rnntui.engine.checkpoint import load_checkpoint
    from rnntui.train.run_folder import LAST

    path = out_dir / LAST
    if not path.is_file():
        return t("cli.train.nothing_saved")
    try:
        step = load_checkpoint(path).metadata.get("step", "?")
    except RnntuiError as error:
        return t("cli.train.unreadable", path=path, error=error)
    return t("cli.train.holds_step", path=path, step=step)


def launched_worker(job: TrainJob) -> int:
    """worker_main in a worker that `launch` started.

    One that Ctrl-C stopped exits at once, once `last` is saved: the launcher is then stopping the
    run and no longer collects return values, and a worker that returned would wait for it until killed.
    """
    return worker_main(job, exit_when_stopped=True)


def worker_main(job: TrainJob, exit_when_stopped: bool = False) -> int:
    """One worker: join the process group from the environment, train, leave; an exit code.

    A worker whose peer vanished exits quietly with LOST_PEER_EXIT: the launcher reports the peer.
    """
    import torch
    import torch.distributed as dist

    from rnntui.train.distributed import LOST_PEER_EXIT, close_workers, init_workers, usable_cpus

    try:
        workers = init_workers(job.flags.get("device", "auto"))
    except RnntuiError as error:
        say_error(str(error))
        return USAGE_ERROR
    try:
        if "threads" not in job.flags:  # the node's cores, shared between its workers
            local_world = int(os.environ.get("LOCAL_WORLD_SIZE", 1))
            torch.set_num_threads(max(1, usable_cpus() // local_world))
        code, signum = run_job(job, show=None if workers.writes else False)
        if exit_when_stopped and signum is not None:
            raise SystemExit(code)
        return code
    except RnntuiError as error:
        if workers.writes:  # every worker meets the same error; one line is enough
            say_error(str(error))
        return USAGE_ERROR
    except (dist.DistError, RuntimeError) as error:
        # gloo reports a vanished peer as a plain RuntimeError; anything else is a real bug.
        if isinstance(error, dist.DistError) or "closed by peer" in str(error):
            raise SystemExit(LOST_PEER_EXIT) from None
        raise
    finally:
        close_workers()


def run_job(job: TrainJob, show: bool | None = None) -> tuple[int, int | None]:
    """Build and run the job's trainer here: (exit code, the signal that stopped it, if one did)."""
    from rnntui.commands.train_runner import build_trainer, exit_code, run_training
    from rnntui.engine.corpus import load_corpus

    trainer = build_trainer(load_corpus(job.corpus), job.flags, job.out_dir, job.resume, job.force, show)
    ending = run_training(trainer, job.quiet)
    return exit_code(ending), ending.signum
