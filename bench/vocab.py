"""What a large vocabulary costs a training step: time, parameters and peak memory of one Adam
step of the default model (LSTM 2x384, 64-wide embedding, batch 32x100) at a vocabulary size.

One size per process, so peak memory is that size's own:

    for v in 100 4034 7000; do flock /tmp/rnntui-bench.lock ./dev bench vocab $v; done
    ./dev bench vocab 4034 fp32
"""

from __future__ import annotations

import resource
import sys
import time

import torch
import torch.nn.functional as F

from bench.common import machine_line
from rnntui.engine.config import ModelConfig
from rnntui.train.torch_model import CharRNN

BATCH, SEQ, STEPS, WARMUP = 32, 100, 12, 2


def main() -> None:
    vocab = int(sys.argv[1])
    print(machine_line(), flush=True)
    bf16 = sys.argv[2:3] != ["fp32"]
    torch.manual_seed(0)
    model = CharRNN(ModelConfig(cell="lstm", hidden_size=384, num_layers=2, vocab_size=vocab, embedding_dim=64))
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    x, y = torch.randint(vocab, (BATCH, SEQ)), torch.randint(vocab, (BATCH, SEQ))
    times = []
    for _ in range(STEPS):
        start = time.perf_counter()
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            logits, _ = model(x)
        loss = F.cross_entropy(logits.reshape(-1, vocab).float(), y.reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        times.append(time.perf_counter() - start)
    median = sorted(times[WARMUP:])[(STEPS - WARMUP) // 2]
    params = sum(p.numel() for p in model.parameters())
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"vocab {vocab} {'bf16' if bf16 else 'fp32'}: {params / 1e6:.2f}M parameters, median step "
          f"{median * 1000:.0f} ms ({BATCH * SEQ / median / 1000:.1f}k tok/s), peak RSS {peak:.0f} MB, "
          f"{torch.get_num_threads()} threads")


if __name__ == "__main__":
    main()
