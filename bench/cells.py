"""Training speed per cell and precision: why a GRU trains at half an LSTM's speed with bf16.

One training step (embedding, 2-layer recurrent net, head, cross-entropy, backward, Adam) of
the default size on a 32x100 batch, for each cell in float32 and under bf16 autocast, the median
of a few steps after warm-up. Only the LSTM runs on oneDNN's fused RNN kernel, which autocast
lowers to bf16 (and AMX where the CPU has it); GRU and RNN run timestep by timestep.

    ./dev bench cells [--threads 2] [--hidden 384]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import torch
import torch.nn.functional as F
from torch import nn

from bench.common import machine_line

RECURRENT = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}
VOCAB, EMBEDDING, BATCH, SEQ = 65, 64, 32, 100


def tokens_per_second(cell: str, precision: str, hidden: int, steps: int) -> float:
    torch.manual_seed(0)
    embed, head = nn.Embedding(VOCAB, EMBEDDING), nn.Linear(hidden, VOCAB)
    net = RECURRENT[cell](EMBEDDING, hidden, 2, batch_first=True)
    params = [*embed.parameters(), *net.parameters(), *head.parameters()]
    optimizer = torch.optim.Adam(params, 3e-3)
    x, y = torch.randint(0, VOCAB, (BATCH, SEQ)), torch.randint(0, VOCAB, (BATCH, SEQ))
    times = []
    for i in range(steps + 2):  # two warm-up steps: oneDNN builds its kernels on first use
        start = time.perf_counter()
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=precision == "bf16"):
            out, _ = net(embed(x))
            logits = head(out)
        loss = F.cross_entropy(logits.float().reshape(-1, VOCAB), y.reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if i >= 2:
            times.append(time.perf_counter() - start)
    return BATCH * SEQ / statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--hidden", type=int, default=384)
    parser.add_argument("--steps", type=int, default=6)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(f"{machine_line()}; 2x{args.hidden}, batch {BATCH}x{SEQ}, {args.threads} threads, torch {torch.__version__}")
    print("| cell | fp32 tok/s | bf16 tok/s | bf16 / fp32 | load |")
    print("|---|---|---|---|---|")
    for cell in RECURRENT:
        fp32 = tokens_per_second(cell, "fp32", args.hidden, args.steps)
        bf16 = tokens_per_second(cell, "bf16", args.hidden, args.steps)
        print(f"| {cell} | {fp32 / 1000:.1f}k | {bf16 / 1000:.1f}k | {bf16 / fp32:.2f}× | {os.getloadavg()[0]:.2f} |",
              flush=True)


if __name__ == "__main__":
    main()
