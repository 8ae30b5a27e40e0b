"""Which training choices matter: each arm changes one thing from a base config, same steps each.

Loss after a fixed number of steps does not depend on how busy the machine is, so arms can be
compared on a shared machine; speed (which turns steps into minutes) is measured separately by
`bench/train.py`. Each arm is scored on the validation text read as one warm stream, on
100-character windows from a zero state, and on as much training text read the same warm way
(the train-val gap).

    ./dev bench ablations --steps 300 --chars 300000 base offsets embedding dropout=0.1
    ./dev bench ablations --minutes 5 --threads 0 dropout=0.1 dropout=0.3 dropout=0.5
    ./dev bench ablations --list

--minutes gives every arm the same wall time instead of the same steps: what a user's budget
buys, which also charges an arm for being slower (run those on a quiet machine, in the lock).
"""

from __future__ import annotations

import argparse
import os
import time

import torch

from bench.common import WINDOW, default_corpus
from rnntui.engine.corpus import Corpus, load_corpus
from rnntui.train.train_config import TrainConfig
from rnntui.train.data import ValidationStreams, stream_loss, window_loss
from rnntui.train.trainer import Trainer

# What each named arm changes from the base (the base is given by --base NAME=VALUE ...).
ARMS: dict[str, dict] = {
    "base": {},
    "fixed-streams": {"data": "fixed-streams"},
    "offsets": {"data": "streams"},
    "windows": {"data": "windows"},
    "one-hot": {"embedding_dim": None},
    "embedding": {"embedding_dim": 64},
    "constant-lr": {"lr_decay": "none"},
    "cosine": {"lr_decay": "cosine"},
    "warmup": {"warmup": 0.05},
    "fp32": {"precision": "fp32"},
    "bf16": {"precision": "bf16"},
}


def parse_value(name: str, text: str):
    """`text` as the field's type; "none" is None only for fields that may be None (not lr_decay's "none")."""
    if text == "none" and "None" in str(TrainConfig.__dataclass_fields__[name].type):
        return None
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def arm_changes(spec: str) -> dict:
    """A named arm, or NAME=VALUE[,NAME=VALUE] of TrainConfig fields (dropout=0.2,weight_decay=0.1)."""
    if spec in ARMS:
        return ARMS[spec]
    changes = {}
    for part in spec.split(","):
        name, _, value = part.partition("=")
        name = name.replace("-", "_")
        changes[name] = parse_value(name, value)
    return changes


def score(trainer: Trainer, train_slice: ValidationStreams) -> dict[str, float]:
    val_text = trainer.corpus.split(trainer.config.val_fraction)[1]
    return {
        "val_stream": stream_loss(trainer.model, trainer.val_data),
        "val_windows": window_loss(trainer.model, trainer.vocab.encode(val_text), WINDOW, trainer.device),
        "train_stream": stream_loss(trainer.model, train_slice),
    }


def run_arm(corpus: Corpus, base: TrainConfig, spec: str, steps: int, minutes: float | None = None) -> dict:
    budget = {"minutes": minutes} if minutes else {"steps": steps}
    config = base.with_(**arm_changes(spec), **budget, eval_every=10**9, probe_every=10**9, sample_length=0)
    trainer = Trainer(config, corpus)
    train_text, val_text = corpus.split(config.val_fraction)
    # Training text scored like the validation text: the same length, from the training part's end.
    train_slice = ValidationStreams(trainer.vocab.encode(train_text[-len(val_text):]), config.seq_len, trainer.device)
    t0 = time.perf_counter()
    done = trainer.run()
    seconds = time.perf_counter() - t0
    tokens = done.step * trainer.train_data.streams * trainer.train_data.seq_len
    result = {"arm": spec, "steps": done.step, "epochs": tokens / len(train_text), **score(trainer, train_slice),
              "tok_s": tokens / seconds, "precision": trainer.precision, "load": os.getloadavg()[0]}
    result["gap"] = result["val_stream"] - result["train_stream"]
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("arms", nargs="*", default=["base"])
    parser.add_argument("--corpus", default=default_corpus())
    parser.add_argument("--chars", type=int, default=None, help="use only the corpus's first CHARS characters")
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--minutes", type=float, default=None, help="wall time per arm instead of --steps")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (0: the default, adapted to the load)")
    parser.add_argument("--base", default="", help="NAME=VALUE[,...] the base config changes from the defaults")
    parser.add_argument("--list", action="store_true", help="list the named arms")
    args = parser.parse_args()
    if args.list:
        for name, changes in ARMS.items():
            print(f"{name:14} {changes}")
        return
    if args.threads:
        torch.set_num_threads(args.threads)
    corpus = load_corpus(args.corpus)
    if args.chars:
        corpus = Corpus(f"{corpus.name}[:{args.chars}]", corpus.text[:args.chars])
    base = TrainConfig(threads=args.threads or None).with_(**(arm_changes(args.base) if args.base else {}))
    budget = f"{args.minutes:g} minutes" if args.minutes else f"{args.steps} steps"
    print(f"corpus {corpus.name} ({len(corpus.text):,} chars), {budget} per arm, "
          f"{args.threads or 'adaptive'} threads, base {args.base or 'defaults'}", flush=True)
    print("| arm | steps | epochs | val stream | val windows | train stream | gap | tok/s | precision | load |")
    print("|---|---|---|---|---|---|---|---|---|---|", flush=True)
    for spec in args.arms:
        r = run_arm(corpus, base, spec, args.steps, args.minutes)
        print(f"| {r['arm']} | {r['steps']} | {r['epochs']:.2f} | {r['val_stream']:.4f} | {r['val_windows']:.4f} | "
              f"{r['train_stream']:.4f} | {r['gap']:+.4f} | {r['tok_s'] / 1000:.1f}k | {r['precision']} | "
              f"{r['load']:.2f} |", flush=True)


if __name__ == "__main__":
    main()
