"""What loss should I expect? Validation loss after N minutes of default training, per corpus and cell.

Each row is its own run (the learning-rate schedule spans the whole budget, so a 15-minute run's
loss at 5 minutes is not a 5-minute run's). Rows go to rnntui/train/expectations.json, which
`rnntui train` reads to place a finished run, and the table is printed as Markdown for
docs/expectations.md. Run it on a quiet machine (inside the benchmark lock) and keep the load
average it records beside every figure.

    ./dev bench baselines ../shared/corpora/tinyshakespeare.txt --minutes 1 5 15
    ./dev bench baselines --shipped --minutes 1 --cells lstm
    ./dev bench baselines --print          # the table as it stands
"""

from __future__ import annotations

import argparse
import math
import os
import time
from pathlib import Path

import torch

from bench.common import machine_info, machine_line
from rnntui.engine.corpus import SHIPPED, load_corpus, shipped_corpus
from rnntui.train.cpu_features import cpu_kind
from rnntui.train.expectations import Baseline, load_table, save_table, text_digest
from rnntui.engine.loss_floor import loss_floor
from rnntui.train.train_config import TrainConfig
from rnntui.train.trainer import Trainer

CELLS = ("rnn", "lstm", "gru")
MINUTES = (1.0, 5.0, 15.0)


def measure(spec: str, cell: str, minutes: float, cpu: str, commit: str, out: Path | None = None,
            features: str | None = None) -> Baseline:
    corpus = load_corpus(spec)
    config = TrainConfig(cell=cell, minutes=minutes)  # exactly what `rnntui train --cell CELL` runs
    folder = None if out is None else out / f"{Path(spec).stem}-{cell}-{minutes:g}min"
    trainer = Trainer(config, corpus, folder)  # a run folder keeps metrics.jsonl: the whole validation curve
    try:
        done = trainer.run()
    finally:
        if trainer.folder is not None:
            trainer.folder.close()
    tokens = done.step * trainer.train_data.streams * trainer.train_data.seq_len
    threads = f"adaptive: {trainer.thread_tuner.chosen}" if trainer.thread_tuner else str(config.threads)
    return Baseline(
        corpus=corpus.name if corpus.source == "shipped" else Path(spec).name, sha256=text_digest(corpus.text),
        cell=cell, hidden_size=config.hidden_size, num_layers=config.num_layers, minutes=minutes,
        val_loss=round(done.last_val_loss, 4), chance=round(math.log(len(corpus.vocab)), 4), steps=done.step,
        tokens_per_second=round(tokens / done.elapsed), precision=trainer.precision, threads=threads,
        load=round(os.getloadavg()[0], 2), date=time.strftime("%Y-%m-%d"), commit=commit, cpu=cpu,
        best_val_loss=None if done.best_val_loss is None else round(done.best_val_loss, 4), epochs=round(tokens / len(corpus.split()[0]), 1),
        cpu_features=features,
    )


def floors(rows: list[Baseline]) -> dict[str, str]:
    """The best possible validation loss per corpus of `rows`, where its generator is known (see loss_floor)."""
    found = {}
    for name in {r.corpus for r in rows}:
        floor = loss_floor(shipped_corpus(name)) if name in SHIPPED else None
        found[name] = "–" if floor is None else f"{floor:.3f}"
    return found


def cpu_column(row: Baseline) -> str:
    """The kind of CPU a row was measured on; older rows recorded none, but one in bf16 had bf16."""
    if row.cpu_features is not None:
        return cpu_kind(row.cpu_features)
    return "bf16 (kind not recorded)" if row.precision == "bf16" else "not recorded"


def markdown(rows: list[Baseline]) -> str:
    floor = floors(rows)
    lines = ["| corpus | cell | minutes | val loss | best val | floor | chance (ln V) | steps | epochs | tok/s | precision | "
             "threads | load | CPU | date | commit |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in sorted(rows, key=lambda r: (r.corpus, CELLS.index(r.cell) if r.cell in CELLS else 9, r.minutes)):
        best = "–" if r.best_val_loss is None else f"{r.best_val_loss:.3f}"
        epochs = "–" if r.epochs is None else f"{r.epochs:.1f}"
        lines.append(f"| {r.corpus} | {r.cell} | {r.minutes:g} | {r.val_loss:.3f} | {best} | {floor[r.corpus]} | "
                     f"{r.chance:.3f} | {r.steps} | {epochs} | {r.tokens_per_second / 1000:.1f}k | {r.precision} | "
                     f"{r.threads} | {r.load:.2f} | {cpu_column(r)} | {r.date} | {r.commit} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpora", nargs="*", help="corpus files or shipped names")
    parser.add_argument("--shipped", action="store_true", help="every shipped corpus too")
    parser.add_argument("--cells", nargs="+", default=list(CELLS), choices=CELLS)
    parser.add_argument("--minutes", nargs="+", type=float, default=list(MINUTES))
    parser.add_argument("--print", action="store_true", help="print the table as it stands and exit")
    parser.add_argument("--out", type=Path, default=None,
                        help="keep each run's folder (checkpoints, metrics.jsonl) under this folder")
    args = parser.parse_args()
    rows = load_table()
    if args.print:
        print(markdown(rows))
        return
    specs = list(args.corpora) + (list(SHIPPED) if args.shipped else [])
    if not specs:
        parser.error("give corpus files or shipped names, or --shipped")
    info = machine_info()
    cpu, commit = f"{info['cpu']}, {info['cores']} cores", info["commit"]
    print(f"{machine_line()}; torch {torch.__version__}", flush=True)
    for spec in specs:
        for cell in args.cells:
            for minutes in args.minutes:
                row = measure(spec, cell, minutes, cpu, commit, args.out, info["features"])
                print(f"{row.corpus} {cell} {minutes:g} min: val {row.val_loss:.4f} (best {row.best_val_loss:.4f}, "
                      f"chance {row.chance:.3f}), {row.epochs:g} epochs, "
                      f"{row.steps} steps, {row.tokens_per_second / 1000:.1f}k tok/s, threads {row.threads}, "
                      f"load {row.load:.2f}", flush=True)
                rows = [r for r in rows if r.key != row.key] + [row]
                save_table(rows)  # after every row: an interrupted sweep keeps what it measured
    print(markdown(rows))


if __name__ == "__main__":
    main()
