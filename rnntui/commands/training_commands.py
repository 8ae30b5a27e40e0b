"""`rnntui corpora`, `rnntui train`, `rnntui sample`: the PyTorch half, headless.

torch is imported inside `train` (and `sample --engine torch`) only; `corpora` never needs it.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer

from rnntui.commands.common import check_activation, user_errors
from rnntui.commands.language import help_text
from rnntui.i18n import t
from rnntui.textwidth import cells, pad
from rnntui.train.train_config import TrainConfig  # pure Python: its defaults appear in --help
from rnntui.errors import RnntuiError

DEFAULT_MINUTES = 5.0  # a fresh run with neither --steps nor --minutes trains this long
RUNS_DIR = Path("runs")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the CLI."""
    app.command("corpora", help=help_text("cli.help.corpora.command"))(corpora)
    app.command("train", help=help_text("cli.help.train.command"))(train)
    app.command("sample", help=help_text("cli.help.sample.command"))(sample)


@user_errors
def corpora() -> None:
    """List the shipped corpora: name, size, vocabulary and what each is for."""
    from rnntui.engine.corpus import SHIPPED, shipped_corpus
    from rnntui.errors import CorpusError

    rows = []
    for name in SHIPPED:
        try:
            corpus = shipped_corpus(name)
        except CorpusError as error:
            rows.append((name, "-", "-", t("cli.corpora.unavailable", error=error)))
            continue
        rows.append((name, t("cli.corpora.size", kb=f"{len(corpus.text.encode('utf-8')) / 1000:.0f}"),
                     t("cli.corpora.chars", count=len(corpus.vocab)), corpus.description))
    widths = [max(cells(row[i]) for row in rows) for i in range(3)]
    for row in rows:
        typer.echo("  ".join(pad(cell, width) for cell, width in zip(row, widths)) + "  " + row[3])
    typer.echo(t("cli.corpora.or_file"))


@user_errors
def train(
    corpus: Optional[str] = typer.Argument(
        None, help=help_text("cli.help.train.corpus")),
    cell: Optional[str] = typer.Option(None, help=help_text("cli.help.train.cell", default=TrainConfig.cell)),
    activation: Optional[str] = typer.Option(None, help=help_text("cli.help.train.activation", default=TrainConfig.activation)),
    hidden: Optional[int] = typer.Option(None, help=help_text("cli.help.train.hidden", default=TrainConfig.hidden_size)),
    layers: Optional[int] = typer.Option(None, help=help_text("cli.help.train.layers", default=TrainConfig.num_layers)),
    embedding_dim: Optional[int] = typer.Option(None, help=help_text("cli.help.train.embedding_dim", default=TrainConfig.embedding_dim)),
    dropout: Optional[float] = typer.Option(None, help=help_text("cli.help.train.dropout", default=f"{TrainConfig.dropout:g}")),
    data: Optional[str] = typer.Option(None, help=help_text("cli.help.train.data", default=TrainConfig.data)),
    seq_len: Optional[int] = typer.Option(None, help=help_text("cli.help.train.seq_len", default=TrainConfig.seq_len)),
    batch_size: Optional[int] = typer.Option(None, help=help_text("cli.help.train.batch_size", default=TrainConfig.batch_size)),
    lr: Optional[float] = typer.Option(None, help=help_text("cli.help.train.lr", default=f"{TrainConfig.lr:g}")),
    lr_decay: Optional[str] = typer.Option(None, help=help_text("cli.help.train.lr_decay", default=TrainConfig.lr_decay)),
    optimizer: Optional[str] = typer.Option(None, help=help_text("cli.help.train.optimizer", default=TrainConfig.optimizer)),
    warmup: Optional[float] = typer.Option(None, help=help_text("cli.help.train.warmup", default=f"{TrainConfig.warmup:g}")),
    decay_from: Optional[float] = typer.Option(None, help=help_text("cli.help.train.decay_from", default=f"{TrainConfig.decay_from:g}")),
    weight_decay: Optional[float] = typer.Option(None, help=help_text("cli.help.train.weight_decay", default=f"{TrainConfig.weight_decay:g}")),
    clip: Optional[float] = typer.Option(None, help=help_text("cli.help.train.clip", default=f"{TrainConfig.clip:g}")),
    no_clip: bool = typer.Option(False, "--no-clip", help=help_text("cli.help.train.no_clip")),
    clip_value: Optional[float] = typer.Option(None, help=help_text("cli.help.train.clip_value")),
    steps: Optional[int] = typer.Option(None, help=help_text("cli.help.train.steps")),
    minutes: Optional[float] = typer.Option(None, help=help_text("cli.help.train.minutes", default=f"{DEFAULT_MINUTES:g}")),
    eval_every: Optional[int] = typer.Option(None, help=help_text("cli.help.train.eval_every", default=TrainConfig.eval_every)),
    out: Optional[Path] = typer.Option(None, help=help_text("cli.help.train.out")),
    resume: Optional[Path] = typer.Option(None, help=help_text("cli.help.train.resume")),
    device: Optional[str] = typer.Option(None, help=help_text("cli.help.train.device")),
    precision: Optional[str] = typer.Option(None, help=help_text("cli.help.train.precision")),
    seed: Optional[int] = typer.Option(None, help=help_text("cli.help.train.seed", default=TrainConfig.seed)),
    threads: Optional[int] = typer.Option(None, help=help_text("cli.help.train.threads")),
    quiet: bool = typer.Option(False, "--quiet", "-q", help=help_text("cli.help.train.quiet")),
    force: bool = typer.Option(False, "--force", help=help_text("cli.help.train.force")),
    nproc: Optional[int] = typer.Option(None, help=help_text("cli.help.train.nproc")),
) -> None:
    """Train a character-level model; Ctrl-C or SIGTERM saves `last` and exits cleanly."""
    from rnntui.engine.corpus import load_corpus

    flags = {name: value for name, value in dict(
        cell=cell, activation=activation, hidden_size=hidden, num_layers=layers, embedding_dim=embedding_dim,
        dropout=dropout, data=data, warmup=warmup, decay_from=decay_from, weight_decay=weight_decay,
        seq_len=seq_len, batch_size=batch_size, lr=lr, lr_decay=lr_decay, optimizer=optimizer,
        steps=steps, minutes=minutes, eval_every=eval_every, device=device, precision=precision, seed=seed,
        threads=threads,
    ).items() if value is not None}
    flags.update(clip_flags(clip, no_clip, clip_value))
    if embedding_dim == 0:
        flags["embedding_dim"] = None  # one-hot input
    if resume is None or cell is not None:
        check_activation(cell or TrainConfig.cell, activation)
    if resume is None and steps is None and minutes is None:
        flags["minutes"] = DEFAULT_MINUTES
    if resume is not None:  # before any worker reads it: a save a kill -9 cut between its renames
        from rnntui.train.run_folder import finish_interrupted_save

        finish_interrupted_save(resume)
    if corpus is None:
        if resume is None:
            raise RnntuiError(t("cli.error.give_a_corpus"))
        corpus = run_corpus(resume)
    text = load_corpus(corpus)
    out_dir = choose_out_dir(out, resume, corpus)

    from rnntui.train.distributed import launched_by_torchrun

    if nproc is not None or launched_by_torchrun():
        from rnntui.commands.train_workers import TrainJob, train_on_workers

        code = train_on_workers(TrainJob(corpus, flags, out_dir, resume, force, quiet), nproc)
    else:
        from rnntui.commands.train_runner import build_trainer, exit_code, run_training

        code = exit_code(run_training(build_trainer(text, flags, out_dir, resume, force), quiet))
    if code:
        raise typer.Exit(code)


def run_corpus(run_dir: Path) -> str:
    """The corpus a run folder was trained on, as recorded in its last checkpoint."""
    from rnntui.engine.checkpoint import load_checkpoint
    from rnntui.train.run_folder import LAST

    if not run_dir.is_dir():
        raise RnntuiError(t("cli.error.not_a_run_folder", path=repr(str(run_dir))))
    name = load_checkpoint(run_dir / LAST).metadata.get("corpus")
    if not name:
        raise RnntuiError(t("cli.error.no_recorded_corpus", path=repr(str(run_dir))))
    return name


def clip_flags(clip: float | None, no_clip: bool, clip_value: float | None) -> dict:
    chosen = [name for name, given in (("--clip", clip is not None), ("--no-clip", no_clip),
                                       ("--clip-value", clip_value is not None)) if given]
    if len(chosen) > 1:
        raise RnntuiError(t("cli.error.choose_one", flags=t("cli.error.and").join(chosen)))
    if clip is not None:
        return {"clip_mode": "norm", "clip": clip}
    if no_clip:
        return {"clip_mode": "off"}
    if clip_value is not None:
        return {"clip_mode": "value", "clip": clip_value}
    return {}


def choose_out_dir(out: Path | None, resume: Path | None, corpus: str) -> Path:
    """Where the run is written; a folder holding any run file is never written except by resuming it."""
    from rnntui.train.run_folder import check_new_run_folder, run_files_in

    if out is None and resume is not None:
        return resume
    if out is not None:
        check_new_run_folder(out, resume)
        return out
    base = RUNS_DIR / (Path(corpus).stem or "run")
    candidate, n = base, 1
    while candidate.exists() and (not candidate.is_dir() or run_files_in(candidate)):
        n += 1
        candidate = base.with_name(f"{base.name}-{n}")
    return candidate


@user_errors
def sample(
    checkpoint: Path = typer.Argument(..., help=help_text("cli.help.sample.checkpoint")),
    prime: str = typer.Option("", help=help_text("cli.help.sample.prime")),
    length: int = typer.Option(500, help=help_text("cli.help.sample.length")),
    temperature: float = typer.Option(1.0, help=help_text("cli.help.sample.temperature")),
    top_k: Optional[int] = typer.Option(None, help=help_text("cli.help.sample.top_k")),
    greedy: bool = typer.Option(False, "--greedy", help=help_text("cli.help.sample.greedy")),
    seed: int = typer.Option(0, help=help_text("cli.help.sample.seed")),
    engine: str = typer.Option("numpy", help=help_text("cli.help.sample.engine")),
) -> None:
    """Generate text from a trained checkpoint."""
    from rnntui.train.sampling import sample_checkpoint

    text = sample_checkpoint(checkpoint, engine=engine, prime=prime, length=length, temperature=temperature,
                             top_k=top_k, greedy=greedy, seed=seed)
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
