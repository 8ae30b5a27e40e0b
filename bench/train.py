"""Training speed and quality: rnntui's Trainer against a bare PyTorch loop, in the same process.

Throughput: both loops train the same model with the same data layout, optimiser, clipping and
precision, taking steps in turn so that load from other processes hits both alike; the figure is
the median step time, which for the Trainer includes its whole loop (events, bookkeeping,
last-good-weights copy).

--quality MINUTES: rnntui with its default settings against the loop anyone would write by hand
(2x384 LSTM, an embedding, Adam 3e-3 constant, random 100-character windows, batch 32, clip 5,
fp32), each given MINUTES of its own step time, steps interleaved. Both are scored the same two
ways: the validation text read as one warm stream, and 100-character windows from a zero state.

--busy: tokens/s for one thread, every core and the adaptive default, on the machine as it is
and with one CPU-bound process per core started by the benchmark.

    ./dev bench train                       # throughput, tinyshakespeare
    ./dev bench train --quality 5           # defaults vs the bare loop, 5 minutes each
    ./dev bench train --busy                # thread counts on a quiet and a busy machine
    ./dev bench train --workers 3           # 1 worker x 1 thread, 2 x 1, 1 x 2: 3 rounds, fp32 and bf16
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import time
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from bench.common import WARMUP, WINDOW, default_corpus, machine_line
from rnntui.engine.config import ModelConfig
from rnntui.engine.corpus import Corpus, load_corpus
from rnntui.train.precision import autocast, bf16_problem, cpu_has_bf16, resolve_precision
from rnntui.train.threads import usable_cores
from rnntui.train.torch_model import CharRNN, detach_state
from rnntui.train.train_config import TrainConfig
from rnntui.train.train_events import EvalEvent, StepEvent
from rnntui.train.data import StreamBatches, ValidationStreams, WindowBatches, stream_loss, window_loss
from rnntui.train.trainer import Trainer


class BareLoop:
    """The few lines anyone would write by hand: the reference the Trainer must keep up with."""

    def __init__(self, model_config: ModelConfig, data: StreamBatches | WindowBatches, lr: float, clip: float,
                 precision: str, dropout: float = 0.0, seed: int = 0):
        torch.manual_seed(seed)
        self.model = CharRNN(model_config, dropout)
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=lr)
        self.data, self.precision, self.device = data, precision, torch.device("cpu")
        self.clip, self.position, self.state = clip, 0, None
        self.steps = 0

    def step(self) -> None:
        x, y = self.data.chunk(self.position)
        with autocast(self.precision, self.device):
            logits, state = self.model(x, self.state if self.data.carries_state else None)
        loss = F.cross_entropy(logits.float().reshape(-1, logits.shape[-1]), y.reshape(-1))
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.model.parameters(), self.clip)
        self.optimizer.step()
        self.state = detach_state(state)
        self.position = (self.position + 1) % self.data.chunks
        self.steps += 1


def throughput(corpus: Corpus, config: TrainConfig, steps: int) -> tuple[float, float]:
    """(trainer, bare) tokens per second, median over steps taken alternately one by one.

    The bare loop's step runs inside the Trainer's step callback, so both share the same moment
    of machine load; the Trainer's time is from the end of that callback to the next one, i.e.
    its whole loop (step, bookkeeping, events) and nothing of the bare loop.
    """
    trainer = Trainer(config.with_(steps=steps + WARMUP, eval_every=10**9, sample_length=0), corpus)
    bare = BareLoop(trainer.model_config, trainer.train_data, config.lr, config.clip, trainer.precision,
                    config.dropout, config.seed)
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


# ---------------------------------------------------------------------------- quality


@dataclass
class Scores:
    name: str
    steps: int
    seconds: float
    tokens: int
    val_stream: float
    val_windows: float
    train_stream: float
    precision: str


def score(name: str, model: CharRNN, corpus: Corpus, config: TrainConfig, steps: int, seconds: float,
          tokens: int, precision: str) -> Scores:
    """Both scorings of the validation text, and the training text's end read the warm way (the gap)."""
    train_text, val_text = corpus.split(config.val_fraction)
    encode = corpus.vocab.encode
    cpu = torch.device("cpu")
    val_streams = ValidationStreams(encode(val_text), WINDOW, cpu)
    train_streams = ValidationStreams(encode(train_text[-len(val_text):]), WINDOW, cpu)
    return Scores(name, steps, seconds, tokens, stream_loss(model, val_streams),
                  window_loss(model, encode(val_text), WINDOW, cpu), stream_loss(model, train_streams), precision)


def quality_run(corpus: Corpus, minutes: float, bare_threads: int | None) -> list[Scores]:
    """rnntui's defaults and the bare loop, MINUTES of step time each, steps interleaved."""
    config = TrainConfig(minutes=minutes)
    trainer = Trainer(config, corpus)
    bare_config = ModelConfig(cell="lstm", hidden_size=384, num_layers=2, vocab_size=len(corpus.vocab),
                              embedding_dim=64)
    windows = WindowBatches(corpus.vocab.encode(corpus.split(config.val_fraction)[0]), 32, WINDOW,
                            torch.device("cpu"), seed=1)
    bare = BareLoop(bare_config, windows, lr=3e-3, clip=5.0, precision="fp32", seed=1)
    bare_threads = bare_threads or torch.get_num_threads()
    budget = minutes * 60
    bare_seconds = [0.0]  # the bare loop's step time, kept off the Trainer's clock
    scoring_seconds = [0.0]  # scoring the training text's tail at each evaluation, kept off it too
    loads: list[float] = []
    train_text, val_text = corpus.split(config.val_fraction)
    train_tail = ValidationStreams(corpus.vocab.encode(train_text[-len(val_text):]), WINDOW, torch.device("cpu"))
    tokens_per_epoch = len(train_text)

    def bare_step() -> None:
        threads = torch.get_num_threads()
        torch.set_num_threads(bare_threads)
        t0 = time.perf_counter()
        bare.step()
        bare_seconds[0] += time.perf_counter() - t0
        torch.set_num_threads(threads)

    def interleave(event) -> None:
        if isinstance(event, EvalEvent):  # what a loss looks like: the sample drawn at each evaluation
            # The gap along the run: within the first epoch the tail has been read at most once, so
            # the gap there is what the validation text's difference costs, not memorisation.
            t0 = time.perf_counter()
            train = stream_loss(trainer.model, train_tail)
            scoring_seconds[0] += time.perf_counter() - t0
            epochs = event.step * trainer.train_data.streams * trainer.train_data.seq_len / tokens_per_epoch
            print(f"  step {event.step} (epoch {epochs:.1f}): val {event.val_loss:.4f}, train tail {train:.4f}, "
                  f"gap {event.val_loss - train:+.4f}; sample: {event.sample[:120]!r}", flush=True)
        if isinstance(event, StepEvent):
            if bare_seconds[0] < budget:
                bare_step()
            if event.step % 100 == 0:
                loads.append(os.getloadavg()[0])
                print(f"  step {event.step}: rnntui loss {event.loss:.3f}, {event.elapsed:.0f} s; "
                      f"bare loop {bare.steps} steps, {bare_seconds[0]:.0f} s; load {loads[-1]:.2f}", flush=True)

    trainer.clock = lambda: time.perf_counter() - bare_seconds[0] - scoring_seconds[0]
    trainer.add_callback(interleave)
    spent = time_spent_in(trainer, "_probe", "_evaluate")
    done = trainer.run()
    while bare_seconds[0] < budget:  # the Trainer's evaluations took part of its own budget
        bare_step()
    loads.append(os.getloadavg()[0])
    tokens = done.step * trainer.train_data.streams * trainer.train_data.seq_len
    threads = trainer.thread_tuner.chosen if trainer.thread_tuner else config.threads
    ours = score(f"rnntui defaults ({threads} threads at the end)", trainer.model, corpus, config, done.step,
                 done.elapsed, tokens, trainer.precision)
    theirs = score(f"bare loop ({bare_threads} threads)", bare.model, corpus, config, bare.steps, bare_seconds[0],
                   bare.steps * 32 * WINDOW, "fp32")
    print_quality([ours, theirs], minutes, statistics.mean(loads), max(loads))
    print(f"rnntui's {done.elapsed:.0f} s: " + ", ".join(f"{name.strip('_')} {seconds:.1f} s" for name, seconds in spent.items())
          + ", training steps and bookkeeping the rest", flush=True)
    return [ours, theirs]


def time_spent_in(trainer: Trainer, *methods: str) -> dict[str, float]:
    """Wrap the trainer's `methods` to add up their wall time (where a run's time goes)."""
    spent = dict.fromkeys(methods, 0.0)

    def timed(name, method):
        def wrapper(*args, **kwargs):
            t0 = time.perf_counter()
            try:
                return method(*args, **kwargs)
            finally:
                spent[name] += time.perf_counter() - t0
        return wrapper

    for name in methods:
        setattr(trainer, name, timed(name, getattr(trainer, name)))
    return spent


def print_quality(rows: list[Scores], minutes: float, mean_load: float, max_load: float) -> None:
    print(f"\n{minutes:g} minutes each, {machine_line()}, load average mean {mean_load:.2f}, max {max_load:.2f}")
    print("| loop | steps | tok/s | precision | val, warm stream | val, 100-char windows | train, warm stream | gap |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r.name} | {r.steps} | {r.tokens / r.seconds / 1000:.1f}k | {r.precision} | {r.val_stream:.4f} | "
              f"{r.val_windows:.4f} | {r.train_stream:.4f} | {r.val_stream - r.train_stream:+.4f} |", flush=True)


# ---------------------------------------------------------------------------- thread counts


def spin() -> None:
    while True:
        pass


def rate(corpus: Corpus, threads: int | None, seconds: float) -> tuple[float, int]:
    """(tokens/s over `seconds` of default training, the thread count in use at the end)."""
    trainer = Trainer(TrainConfig(minutes=seconds / 60, threads=threads, eval_every=10**9, probe_every=10**9,
                                  sample_length=0), corpus)
    done = trainer.run()
    tokens = done.step * trainer.train_data.streams * trainer.train_data.seq_len
    return tokens / done.elapsed, (trainer.thread_tuner.chosen if trainer.thread_tuner else threads)


def busy_check(corpus: Corpus, seconds: float) -> None:
    cores = usable_cores()
    print(f"\ntokens/s of default training, {seconds:g} s per row, {machine_line()}")
    print("| machine | threads | tok/s | threads at the end | load average |")
    print("|---|---|---|---|---|")
    for busy in (False, True):
        spinners = [multiprocessing.Process(target=spin, daemon=True) for _ in range(cores if busy else 0)]
        for p in spinners:
            p.start()
        try:
            for threads in (1, cores, None):
                tok_s, final = rate(corpus, threads, seconds)
                label = "adaptive (default)" if threads is None else str(threads)
                print(f"| {'busy: ' + str(cores) + ' spinning processes' if busy else 'as it is'} | {label} | "
                      f"{tok_s / 1000:.1f}k | {final} | {os.getloadavg()[0]:.2f} |", flush=True)
        finally:
            for p in spinners:
                p.terminate()
                p.join()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=default_corpus())
    parser.add_argument("--cell", default="lstm")
    parser.add_argument("--hidden", type=int, default=TrainConfig.hidden_size)
    parser.add_argument("--layers", type=int, default=TrainConfig.num_layers)
    parser.add_argument("--steps", type=int, default=30, help="measured steps of each loop")
    parser.add_argument("--threads", type=int, default=None, help="threads for the throughput and bare loops")
    parser.add_argument("--quality", type=float, default=None, metavar="MINUTES")
    parser.add_argument("--busy", action="store_true", help="tokens/s by thread count, quiet and busy")
    parser.add_argument("--busy-seconds", type=float, default=30.0)
    parser.add_argument("--skip-throughput", action="store_true")
    parser.add_argument("--workers", type=int, default=0, metavar="ROUNDS",
                        help="instead: tokens/s with 1 worker x 1 thread, 2 x 1 and 1 x 2, over ROUNDS rounds")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    corpus = load_corpus(args.corpus)
    # Speed does not depend on the text, only on the vocabulary: a short corpus keeps set-up quick.
    sample = Corpus(corpus.name, corpus.text[:300_000])
    bf16_runs = bf16_problem(args.cell, torch.device("cpu")) is None  # the capability check, not the flags
    if args.workers:
        from bench.train_workers import report

        # Each precision fixed for every layout: `auto` times bf16 against fp32 per launch, and
        # under load that flips. bf16 is what `auto` picks on CPUs with AMX.
        precisions = ("fp32", "bf16") if bf16_runs else ("fp32",)
        print(f"--precision auto picks {resolve_precision('auto', torch.device('cpu'), args.hidden, args.cell)} here",
              flush=True)
        report(sample, TrainConfig(cell=args.cell, hidden_size=args.hidden, num_layers=args.layers),
               args.steps, args.workers, precisions)
        return
    print(machine_line(), flush=True)
    print(f"{args.layers}x{args.hidden} {args.cell}, batch 32x100, Adam, clip 5, "
          f"{torch.get_num_threads()} threads, CPU bf16 instructions: {cpu_has_bf16()}, "
          f"bf16 {'runs' if bf16_runs else 'cannot run'} here, "
          f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs", flush=True)
    rates = {}
    for precision in () if args.skip_throughput else ("fp32", "bf16") if bf16_runs else ("fp32",):
        config = TrainConfig(cell=args.cell, hidden_size=args.hidden, num_layers=args.layers, precision=precision,
                             threads=torch.get_num_threads())
        ours, theirs = throughput(sample, config, args.steps)
        rates[precision] = ours
        print(f"{precision}: trainer {ours / 1000:.1f}k tok/s, bare loop {theirs / 1000:.1f}k tok/s, "
              f"ratio {ours / theirs:.3f}; load average {os.getloadavg()[0]:.2f}", flush=True)
    if "bf16" in rates:
        print(f"bf16 / fp32 (trainer): {rates['bf16'] / rates['fp32']:.2f}x; "
              f"load average now {os.getloadavg()[0]:.2f}", flush=True)
    if args.busy:
        busy_check(sample, args.busy_seconds)
    if args.quality:
        quality_run(corpus, args.quality, args.threads)


if __name__ == "__main__":
    main()
