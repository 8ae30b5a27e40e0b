"""Device and precision choice: bf16 autocast where the hardware does bf16 matrix work fast.

On CPUs with AVX-512 BF16 or AMX, `torch.autocast("cpu", dtype=torch.bfloat16)` about doubles
LSTM training throughput; elsewhere bf16 is emulated and slower, so float32 is the safe fallback.
Master weights stay float32 either way (autocast only lowers the matmuls).
"""

from __future__ import annotations

import contextlib
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


@lru_cache(maxsize=1)
def cpu_has_fast_bf16() -> bool:
    """True when the CPU advertises AVX-512 BF16 or AMX-BF16 (Linux /proc/cpuinfo flags)."""
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def resolve_precision(precision: str, device: torch.device) -> str:
    """'bf16' or 'fp32' for this device: auto picks bf16 only where it is fast."""
    if precision != "auto":
        return precision
    if device.type == "cuda":
        return "bf16" if torch.cuda.is_bf16_supported() else "fp32"
    return "bf16" if cpu_has_fast_bf16() else "fp32"


def autocast(precision: str, device: torch.device):
    """The context the forward pass runs in: bf16 autocast, or nothing at all."""
    if precision == "bf16":
        return torch.autocast(device.type, dtype=torch.bfloat16)
    return contextlib.nullcontext()
