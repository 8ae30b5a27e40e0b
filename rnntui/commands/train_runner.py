"""One run of `rnntui train` in this process: build the trainer, run it with a progress display, report the end.

The `train` command uses it for a one-process run and every worker of a distributed run uses it
for its share. It returns the run's final DoneEvent and never exits: its callers turn the event
into an exit code (`exit_code`).
"""

from __future__ import annotations

import signal
from pathlib import Path

import typer

from rnntui.commands.common import RUN_FAILED, progress_after, say_error
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


def run_training(trainer, quiet: bool) -> DoneEvent:
    """Run in this thread with a progress display and report the end; the run's final event.

    The first Ctrl-C or SIGTERM stops cleanly (the step finishes and `last` is saved), a second
    aborts. An error mid-run (a save that could not be written) ends it with reason "error": `last`
    then holds the previous save.
    """
    from rnntui.commands.train_progress import ProgressReporter

    cfg, world, shows = trainer.config, trainer.workers.world, trainer.workers.writes  # rank 0 alone prints
    if shows and not quiet:
        workers = t("cli.train.workers", count=world) if world > 1 else ""
        typer.echo(t("cli.train.start", layers=cfg.num_layers, units=cfg.hidden_size, cell=cfg.cell,
                     corpus=trainer.corpus.name, chars=f"{len(trainer.corpus.text):,}", symbols=len(trainer.vocab),
                     device=trainer.device.type, precision=trainer.precision, workers=workers,
                     out=f"{trainer.out_dir}/"))
    if shows and trainer.resumed_changes:  # allowed changes (dropout, lr, budget...) are said, not silent
        typer.echo(t("cli.train.resuming", changes=", ".join(trainer.resumed_changes)))
    reporter = ProgressReporter(quiet=quiet, total_steps=cfg.steps, workers=world)
    if shows:
        trainer.add_callback(reporter)
    abort = {signal.SIGINT: signal.default_int_handler, signal.SIGTERM: signal.SIG_DFL}

    def on_interrupt(signum, frame):
        trainer.stop()
        if world == 1:  # workers also get the launcher's copy of the signal: only the launcher aborts them
            signal.signal(signum, abort[signum])

    previous = {signum: signal.signal(signum, on_interrupt) for signum in abort}
    try:
        result = trainer.run()
    except RnntuiError as error:  # a save that failed mid-run (full disk): `last` holds the previous save
        loop = trainer.loop
        result = DoneEvent(loop.step, "error", str(error), loop.best_val_loss, loop.last_val_loss, loop.elapsed)
        reporter(result)  # clears the progress bar
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        if trainer.folder is not None:
            trainer.folder.close()  # another run (or a --resume) may use the folder from now on
    if shows:
        report_end(trainer, result)
    return result


def exit_code(result: DoneEvent) -> int:
    """The process's exit code for a run that ended with `result` (docs/cli.md)."""
    return RUN_FAILED if result.failed else 0


def report_end(trainer, result: DoneEvent) -> None:
    """How the run ended: one error line for a failure; else the losses, where they were saved, and
    how they compare with what such a model reaches and with the corpus's floor."""
    if result.failed:
        say_error(result.message)
        return
    cfg = trainer.config
    val = t("cli.train.val", last=f"{result.last_val_loss:.4f}", best=f"{result.best_val_loss:.4f}") \
        if result.best_val_loss else ""
    ended = {"steps": t("cli.train.done_steps", steps=result.step),  # the trainer's words, in the reader's language
             "time": t("cli.train.done_time", minutes=f"{cfg.minutes or 0:g}", steps=result.step)}
    typer.echo(t("cli.train.saved", message=ended.get(result.reason, result.message), val=val, out=trainer.out_dir))
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
