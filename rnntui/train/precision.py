"""Device and precision choice: bf16 autocast where the hardware does bf16 matrix work fast.

On CPUs with AMX, `torch.autocast("cpu", dtype=torch.bfloat16)` about doubles LSTM training
throughput; with AVX-512 BF16 alone it may not, so `auto` times a matmul of the model's size in
both precisions; elsewhere bf16 is emulated and slow, so float32 is the fallback. Master weights
stay float32 either way (autocast only lowers the matmuls); validation runs in float32.
"""

from __future__ import annotations

import contextlib
import platform
import time
from functools import lru_cache
from pathlib import Path

import torch

from rnntui.errors import RnntuiError


def resolve_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise RnntuiError("--device cuda: no CUDA GPU is available to this PyTorch; use --device cpu")
    return torch.device(name)


def cpu_flags() -> set[str]:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return set()
    line = next((l for l in text.splitlines() if l.startswith("flags")), "")
    return set(line.split(":", 1)[-1].split())


def cpu_model() -> str:
    """The CPU's model name (Linux), for stating where a figure was measured."""
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        text = ""
    line = next((l for l in text.splitlines() if l.startswith("model name")), "")
    return line.split(":", 1)[-1].strip() or platform.machine()


def cpu_has_bf16() -> bool:
    """True when the CPU advertises bf16 instructions (AVX-512 BF16 or AMX-BF16; Linux flags)."""
    return bool({"avx512_bf16", "amx_bf16"} & cpu_flags())


@lru_cache(maxsize=8)
def bf16_matmul_speedup(inner: int, cols: int) -> float:
    """fp32 time / bf16 time of the training step's largest matmul shape (about 0.1 s to measure).

    AVX-512 BF16 without AMX can be slower than float32 in oneDNN (bench/RESULTS.md), so its
    flag alone is not enough; with AMX bf16 is much faster.
    """
    a = torch.randn(800, inner)  # a quarter of a 32x100 batch: enough to time, quick to run
    b = torch.randn(inner, cols)
    times = {}
    for dtype in (torch.float32, torch.bfloat16):
        x, y = a.to(dtype), b.to(dtype)
        x @ y  # warm-up: oneDNN builds its kernels on first use
        best = float("inf")
        for _ in range(3):
            t0 = time.perf_counter()
            for _ in range(3):
                x @ y
            best = min(best, time.perf_counter() - t0)
        times[dtype] = best
    return times[torch.float32] / times[torch.bfloat16]


def resolve_precision(precision: str, device: torch.device, hidden_size: int = 256) -> str:
    """'bf16' or 'fp32' for this device: auto picks bf16 only where it is faster."""
    if precision != "auto":
        return precision
    if device.type == "cuda":
        return "bf16" if torch.cuda.is_bf16_supported() else "fp32"
    if "amx_bf16" in cpu_flags():
        return "bf16"
    if cpu_has_bf16() and bf16_matmul_speedup(hidden_size, 4 * hidden_size) >= 1.2:
        return "bf16"
    return "fp32"


def autocast(precision: str, device: torch.device):
    """The context the forward pass runs in: bf16 autocast, or nothing at all."""
    if precision == "bf16":
        return torch.autocast(device.type, dtype=torch.bfloat16)
    return contextlib.nullcontext()
