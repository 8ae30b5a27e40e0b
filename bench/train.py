"""Training throughput: rnntui's Trainer against a bare PyTorch loop, and bf16 against float32.

Both loops train the same model (CharRNN), with the same data layout (32 streams x 100 chars),
optimiser (Adam), clipping (norm 5) and precision, in the same process. They take steps in turn, so
that load from other processes on a shared machine hits both alike; the figure is the median step
time, which for the Trainer includes its whole loop (events, bookkeeping, last-good-weights copy). With --quality MINUTES it then trains with the default settings for that
long and reports the validation loss reached.

    ./dev bench train                       # throughput, tinyshakespeare
    ./dev bench train --quality 5           # ... and a 5-minute default run
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rnntui.engine.corpus import Corpus, load_corpus  # noqa: E402
from rnntui.engine.precision import autocast, cpu_has_bf16  # noqa: E402
from rnntui.engine.torch_model import CharRNN, detach_state  # noqa: E402
from rnntui.engine.train_config import TrainConfig  # noqa: E402
from rnntui.engine.train_events import DoneEvent, EvalEvent, StepEvent  # noqa: E402
from rnntui.engine.trainer import StreamBatches, Trainer  # noqa: E402

WARMUP = 3  # first steps of each loop, not counted: oneDNN builds its kernels then
DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "tinyshakespeare.txt"


class BareLoop:
    """The few lines anyone would write by hand: the reference the Trainer must keep up with."""

    def __init__(self, config: TrainConfig, trainer: Trainer):
        torch.manual_seed(config.seed)
        self.model = CharRNN(trainer.model_config, config.dropout)
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=config.lr)
        self.data: StreamBatches = trainer.train_data
        self.precision, self.device = trainer.precision, trainer.device
        self.clip, self.position, self.state = config.clip, 0, None

    def step(self) -> None:
        x, y = self.data.chunk(self.position)
        with autocast(self.precision, self.device):
            logits, state = self.model(x, self.state)
        loss = F.cross_entropy(logits.float().reshape(-1, logits.shape[-1]), y.reshape(-1))
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.model.parameters(), self.clip)
        self.optimizer.step()
        self.state = detach_state(state)
        self.position = (self.position + 1) % self.data.chunks


def throughput(corpus: Corpus, config: TrainConfig, steps: int) -> tuple[float, float]:
    """(trainer, bare) tokens per second, median over steps taken alternately one by one.

    The bare loop's step runs inside the Trainer's step callback, so both share the same moment
    of machine load; the Trainer's time is from the end of that callback to the next one, i.e.
    its whole loop (step, bookkeeping, events) and nothing of the bare loop.
    """
    trainer = Trainer(config.with_(steps=steps + WARMUP, eval_every=10**9, sample_length=0), corpus)
    bare = BareLoop(config, trainer)
    tokens = trainer.train_data.streams * trainer.train_data.seq_len
    trainer_times: list[float] = []
    bare_times: list[float] = []
    callback_end: list[float] = []

    def alternate(event) -> None:
        if not isinstance(event, StepEvent):
            return
        if callback_end:
            trainer_times.append(time.perf_counter() - callback_end[-1])
        t0 = time.perf_counter()
        bare.step()
        bare_times.append(time.perf_counter() - t0)
        callback_end.append(time.perf_counter())

    trainer.add_callback(alternate)
    trainer.run()
    return tokens / statistics.median(trainer_times[WARMUP:]), tokens / statistics.median(bare_times[WARMUP:])


def quality_run(corpus: Corpus, minutes: float, threads: int | None) -> None:
    config = TrainConfig(minutes=minutes, threads=threads)
    trainer = Trainer(config, corpus)
    evals: list[str] = []

    def report(event):
        if isinstance(event, EvalEvent):
            evals.append(f"  step {event.step}: val {event.val_loss:.4f}")
            print(evals[-1], flush=True)
        elif isinstance(event, DoneEvent):
            tokens = event.step * trainer.train_data.streams * trainer.train_data.seq_len
            print(f"quality: default settings, {minutes:g} min: val loss {event.last_val_loss:.4f} "
                  f"(best {event.best_val_loss:.4f}) after {event.step} steps, {trainer.precision}, "
                  f"{tokens / event.elapsed / 1000:.1f}k tok/s overall, {torch.get_num_threads()} threads, "
                  f"load average {os.getloadavg()[0]:.2f}", flush=True)

    trainer.add_callback(report)
    trainer.run()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=str(DEFAULT_CORPUS))
    parser.add_argument("--cell", default="lstm")
    parser.add_argument("--hidden", type=int, default=TrainConfig.hidden_size)
    parser.add_argument("--layers", type=int, default=TrainConfig.num_layers)
    parser.add_argument("--steps", type=int, default=30, help="measured steps of each loop")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--quality", type=float, default=None, metavar="MINUTES")
    parser.add_argument("--skip-throughput", action="store_true")
    parser.add_argument("--workers", type=int, default=0, metavar="ROUNDS",
                        help="instead: tokens/s with 1 worker x 1 thread, 2 x 1 and 1 x 2, over ROUNDS rounds")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    corpus = load_corpus(args.corpus)
    # Speed does not depend on the text, only on the vocabulary: a short corpus keeps the
    # validation pass at the end of each round quick.
    sample = Corpus(corpus.name, corpus.text[:300_000])
    if args.workers:
        from train_workers import report  # bench/train_workers.py: this script's folder is on sys.path

        # fp32 for every layout: `auto` times bf16 against fp32 per launch, and under load that flips.
        report(sample, TrainConfig(cell=args.cell, hidden_size=args.hidden, num_layers=args.layers,
                                   precision="fp32"), args.steps, args.workers)
        return
    print(f"{args.layers}x{args.hidden} {args.cell}, batch 32x100, Adam, clip 5, "
          f"{torch.get_num_threads()} threads, CPU bf16 support: {cpu_has_bf16()}, "
          f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs", flush=True)
    rates = {}
    for precision in () if args.skip_throughput else ("fp32", "bf16"):
        config = TrainConfig(cell=args.cell, hidden_size=args.hidden, num_layers=args.layers, precision=precision)
        ours, theirs = throughput(sample, config, args.steps)
        rates[precision] = ours
        print(f"{precision}: trainer {ours / 1000:.1f}k tok/s, bare loop {theirs / 1000:.1f}k tok/s, "
              f"ratio {ours / theirs:.3f}", flush=True)
    if rates:
        print(f"bf16 / fp32 (trainer): {rates['bf16'] / rates['fp32']:.2f}x; "
              f"load average now {os.getloadavg()[0]:.2f}", flush=True)
    if args.quality:
        quality_run(corpus, args.quality, args.threads)


if __name__ == "__main__":
    main()
