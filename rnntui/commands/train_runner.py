"""One run of `rnntui train` in this process: build the trainer, run it with a progress display, report the end.

The `train` command uses it for a one-process run and every worker of a distributed run uses it
for its share. It returns the run's final DoneEvent and never exits: its callers turn the event
into an exit code (`exit_code`).
"""

from __future__ import annotations

import signal
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import typer

from rnntui.commands.common import (OUTPUT_ERRNOS, RUN_FAILED, output_failure, progress_after, say_error,
                                    signal_exit_code)
from rnntui.errors import RnntuiError
from rnntui.i18n import t
from rnntui.train.train_config import TrainConfig
from rnntui.train.train_events import DoneEvent


def build_trainer(text, flags: dict, out_dir: Path, resume: Path | None, force: bool, show: bool | None = None):
    """A new run, or the one saved in `resume` continued with `flags` (`show`: see progress_after)."""
    with progress_after(t("cli.progress.setting_up"), show=show):
        from rnntui.train.trainer import Trainer

        if resume is not None:
            warn_if_corpus_changed(resume, text, force)
            return Trainer.resume(resume, text, flags, out_dir, force=force)
        return Trainer(TrainConfig(**flags), text, out_dir)


def warn_if_corpus_changed(run_dir: Path, corpus, force: bool) -> None:
    """With --force, say that the run continues on other text (without it, Trainer.resume refuses)."""
    from rnntui.engine.checkpoint import load_checkpoint
    from rnntui.train.run_folder import LAST, corpus_mismatch

    changed = corpus_mismatch(load_checkpoint(run_dir / LAST).metadata, corpus) if run_dir.is_dir() else None
    if changed and force:
        typer.echo(t("cli.train.forced", change=changed), err=True)


@dataclass(frozen=True)
class Ending:
    """How a run of `run_training` ended: the trainer's last event, and what stopped it from outside."""

    result: DoneEvent
    signum: int | None = None  # the signal that stopped it (SIGINT, SIGTERM, SIGHUP)
    output_error: OSError | None = None  # stdout stopped taking the output (a closed pipe, a full device)

    @property
    def reason(self) -> str:
        return self.result.reason


def run_training(trainer, quiet: bool) -> Ending:
    """Run in this thread with a progress display and report the end.

    The first SIGINT (Ctrl-C), SIGTERM or SIGHUP stops cleanly (the step finishes and `last` is
    saved), a second aborts. Output nobody takes (a closed pipe, a full device) stops it the same
    way: saved, then one line on stderr. An error mid-run (a save that could not be written) ends
    it with reason "error": `last` then holds the previous save.
    """
    from rnntui.commands.train_progress import ProgressReporter

    cfg, world, shows = trainer.config, trainer.workers.world, trainer.workers.writes  # rank 0 alone prints
    reporter = ProgressReporter(quiet=quiet, total_steps=cfg.steps, workers=world)
    received: list[int] = []
    broken: list[OSError] = []

    def printing(what: Callable[[], None]) -> None:
        """Print through `what` unless the output is gone; the first failure stops the run."""
        if broken:
            return
        try:
            what()
        except OSError as error:
            if error.errno not in OUTPUT_ERRNOS:
                raise
            broken.append(error)
            trainer.stop()

    if shows and not quiet:
        workers = t("cli.train.workers", count=world) if world > 1 else ""
        printing(lambda: typer.echo(t("cli.train.start", layers=cfg.num_layers, units=cfg.hidden_size, cell=cfg.cell,
                                      corpus=trainer.corpus.name, chars=f"{len(trainer.corpus.text):,}",
                                      symbols=len(trainer.vocab), device=trainer.device.type,
                                      precision=trainer.precision, workers=workers, out=f"{trainer.out_dir}/")))
    if shows and trainer.resumed_changes:  # allowed changes (dropout, lr, budget...) are said, not silent
        printing(lambda: typer.echo(t("cli.train.resuming", changes=", ".join(trainer.resumed_changes))))
    if shows:
        for warning in trainer.resume_warnings:
            typer.echo(t("cli.progress.warning", message=warning), err=True)
        trainer.add_callback(lambda event: printing(lambda: reporter(event)))
    abort = {signal.SIGINT: signal.default_int_handler, signal.SIGTERM: signal.SIG_DFL, signal.SIGHUP: signal.SIG_DFL}

    def on_interrupt(signum, frame):
        received.append(signum)
        trainer.stop()
        if world == 1:  # workers also get the launcher's copy of the signal: only the launcher aborts them
            signal.signal(signum, abort[signum])

    previous = {signum: signal.signal(signum, on_interrupt) for signum in abort
                if signal.getsignal(signum) is not signal.SIG_IGN}  # nohup's SIGHUP stays ignored
    try:
        result = trainer.run()
    except RnntuiError as error:  # a save that failed mid-run (full disk): `last` holds the previous save
        loop = trainer.loop
        result = DoneEvent(loop.step, "error", str(error), loop.best_val_loss, loop.last_val_loss, loop.elapsed)
        printing(lambda: reporter(result))  # clears the progress bar
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        if trainer.folder is not None:
            trainer.folder.close()  # another run (or a --resume) may use the folder from now on
    if shows:
        printing(lambda: report_end(trainer, result))
    ending = Ending(result, received[0] if received else None, broken[0] if broken else None)
    if ending.output_error is not None and shows:
        output_failure(ending.output_error)
    return ending


def exit_code(ending: Ending) -> int:
    """The process's exit code for a run that ended so (docs/cli.md): 1 when it failed or its output
    could not be written, 128 + the signal's number when a signal stopped it, else 0."""
    if ending.result.failed or ending.output_error is not None:
        return RUN_FAILED
    if ending.signum is not None:
        return signal_exit_code(ending.signum)
    return 0


def report_end(trainer, result: DoneEvent) -> None:
    """How the run ended: one error line for a failure; else the losses, where they were saved, and
    how they compare with what such a model reaches and with the corpus's floor."""
    if result.failed:
        say_error(result.message)
        return
    from rnntui.train.run_folder import BEST

    cfg = trainer.config
    val = t("cli.train.val", last=f"{result.last_val_loss:.4f}", best=f"{result.best_val_loss:.4f}") \
        if result.best_val_loss else ""
    # A run that ended before its first evaluation has no best.safetensors: it is not claimed.
    saved = "cli.train.saved" if (trainer.out_dir / BEST).is_file() else "faults.train.saved_last_only"
    typer.echo(t(saved, message=result.message, val=val, out=trainer.out_dir))
    if got_worse(result.best_val_loss, result.last_val_loss):
        typer.echo(t("cli.train.got_worse", best=f"{result.best_val_loss:.4f}", last=f"{result.last_val_loss:.4f}",
                     out=trainer.out_dir))
    if result.last_val_loss is not None:
        from rnntui.engine.loss_floor import loss_floor
        from rnntui.train.expectations import comparison

        shipped = trainer.corpus.name if trainer.corpus.source == "shipped" else None
        line = comparison(trainer.corpus.text, shipped, cfg.cell, cfg.hidden_size, cfg.num_layers,
                          result.elapsed / 60, result.last_val_loss)
        if line:
            typer.echo(line)
        floor = loss_floor(trainer.corpus)
        if floor is not None:
            typer.echo(t("cli.train.floor", floor=f"{floor:.3f}", gap=f"{result.last_val_loss - floor:+.3f}"))


def got_worse(best: float | None, last: float | None) -> bool:
    """Whether a run ended clearly above its best validation loss: more than noise between evaluations."""
    return best is not None and last is not None and last > best + max(0.02, 0.02 * best)
