"""`rnntui corpora`, `rnntui train`, `rnntui sample`: the PyTorch half, headless.

torch is imported inside `train` (and `sample --engine torch`) only; `corpora` never needs it.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer

from rnntui.commands.common import check_activation, user_errors
from rnntui.train.train_config import TrainConfig  # pure Python: its defaults appear in --help
from rnntui.errors import RnntuiError

DEFAULT_MINUTES = 5.0  # a fresh run with neither --steps nor --minutes trains this long
RUNS_DIR = Path("runs")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the CLI."""
    app.command("corpora")(corpora)
    app.command("train")(train)
    app.command("sample")(sample)


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
            rows.append((name, "-", "-", f"unavailable: {error}"))
            continue
        rows.append((name, f"{len(corpus.text) / 1000:.0f} KB", f"{len(corpus.vocab)} chars", corpus.description))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    for row in rows:
        typer.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths)) + "  " + row[3])
    typer.echo("Or give the path of any UTF-8 text file.")


@user_errors
def train(
    corpus: Optional[str] = typer.Argument(
        None, help="A UTF-8 text file, or a shipped corpus name (see `rnntui corpora`); with --resume, "
        "the run's own corpus by default."),
    cell: Optional[str] = typer.Option(None, help=f"rnn, lstm or gru (default: {TrainConfig.cell})"),
    activation: Optional[str] = typer.Option(None, help=f"The vanilla RNN's tanh or relu (default: {TrainConfig.activation})"),
    hidden: Optional[int] = typer.Option(None, help=f"Units per layer (default: {TrainConfig.hidden_size})"),
    layers: Optional[int] = typer.Option(None, help=f"Stacked recurrent layers (default: {TrainConfig.num_layers})"),
    embedding_dim: Optional[int] = typer.Option(None, help=f"Embedding size; 0: one-hot input (default: {TrainConfig.embedding_dim})"),
    dropout: Optional[float] = typer.Option(None, help=f"Dropout between layers and before the head (default: {TrainConfig.dropout:g})"),
    data: Optional[str] = typer.Option(None, help=f"fixed-streams, streams (a new random cut each epoch) or windows (default: {TrainConfig.data})"),
    seq_len: Optional[int] = typer.Option(None, help=f"Characters per truncated-BPTT chunk (default: {TrainConfig.seq_len})"),
    batch_size: Optional[int] = typer.Option(None, help=f"Parallel streams (default: {TrainConfig.batch_size})"),
    lr: Optional[float] = typer.Option(None, help=f"Peak learning rate (default: {TrainConfig.lr:g})"),
    lr_decay: Optional[str] = typer.Option(None, help=f"cosine or none (default: {TrainConfig.lr_decay}, over --steps/--minutes)"),
    optimizer: Optional[str] = typer.Option(None, help=f"adam, adamw, rmsprop or sgd (default: {TrainConfig.optimizer})"),
    warmup: Optional[float] = typer.Option(None, help=f"Fraction of the budget spent warming the lr up (default: {TrainConfig.warmup:g})"),
    decay_from: Optional[float] = typer.Option(None, help=f"Fraction of the budget after which the lr decays (default: {TrainConfig.decay_from:g})"),
    weight_decay: Optional[float] = typer.Option(None, help=f"Weight decay (default: {TrainConfig.weight_decay:g})"),
    clip: Optional[float] = typer.Option(None, help=f"Clip gradients to this global norm (default: {TrainConfig.clip:g})"),
    no_clip: bool = typer.Option(False, "--no-clip", help="Do not clip gradients."),
    clip_value: Optional[float] = typer.Option(None, help="Clip each gradient element to [-V, V] instead."),
    steps: Optional[int] = typer.Option(None, help="Stop after this many steps."),
    minutes: Optional[float] = typer.Option(None, help=f"Stop after this long (default: {DEFAULT_MINUTES:g} without --steps)"),
    eval_every: Optional[int] = typer.Option(None, help=f"Steps between validation + sample + saving (default: {TrainConfig.eval_every})"),
    out: Optional[Path] = typer.Option(None, help="Run folder (default: runs/CORPUS, or the --resume folder)"),
    resume: Optional[Path] = typer.Option(None, help="Continue the run saved in this folder."),
    device: Optional[str] = typer.Option(None, help="auto, cpu or cuda (default: auto)"),
    precision: Optional[str] = typer.Option(None, help="auto (bf16 where fast), bf16 or fp32 (default: auto)"),
    seed: Optional[int] = typer.Option(None, help=f"Random seed (default: {TrainConfig.seed})"),
    threads: Optional[int] = typer.Option(None, help="CPU threads (default: adapted to the machine's load while training)"),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print only the final result."),
    force: bool = typer.Option(False, "--force", help="With --resume: continue even if the corpus's content changed."),
    nproc: Optional[int] = typer.Option(None, help="Train on N worker processes of this machine, one "
                                        "global batch split between them (see docs/distributed.md)."),
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
    if corpus is None:
        if resume is None:
            raise RnntuiError("give a corpus: a text file or a shipped name (see `rnntui corpora`)")
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
        raise RnntuiError(f"--resume {str(run_dir)!r} is not a run folder (one written by rnntui train --out)")
    name = load_checkpoint(run_dir / LAST).metadata.get("corpus")
    if not name:
        raise RnntuiError(f"{str(run_dir)!r} does not record its corpus: give it as the first argument")
    return name


def clip_flags(clip: float | None, no_clip: bool, clip_value: float | None) -> dict:
    chosen = [name for name, given in (("--clip", clip is not None), ("--no-clip", no_clip),
                                       ("--clip-value", clip_value is not None)) if given]
    if len(chosen) > 1:
        raise RnntuiError(f"choose one of {' and '.join(chosen)}")
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
    checkpoint: Path = typer.Argument(..., help="A .safetensors checkpoint, or a run folder (uses best)."),
    prime: str = typer.Option("", help="Text to start from (default: a newline)"),
    length: int = typer.Option(500, help="Characters to generate."),
    temperature: float = typer.Option(1.0, help="Below 1: safer choices; above 1: wilder."),
    top_k: Optional[int] = typer.Option(None, help="Sample only among the k likeliest characters."),
    greedy: bool = typer.Option(False, "--greedy", help="Always take the likeliest character."),
    seed: int = typer.Option(0, help="The same seed gives the same text."),
    engine: str = typer.Option("numpy", help="numpy or torch: the same distribution, the same text."),
) -> None:
    """Generate text from a trained checkpoint."""
    from rnntui.train.sampling import sample_checkpoint

    text = sample_checkpoint(checkpoint, engine=engine, prime=prime, length=length, temperature=temperature,
                             top_k=top_k, greedy=greedy, seed=seed)
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
