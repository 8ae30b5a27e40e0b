"""Device and precision choice: bf16 autocast where this machine can run it, and where it is fast.

bf16 is a capability the code checks, never one it assumes: before a run uses it, a tiny forward
and backward of the run's own cell under bf16 autocast must succeed on this machine (on a CPU
without bf16 instructions oneDNN cannot even build a bf16 LSTM; GRU and RNN run there, emulated
and slow). The answer is cached for the process. Setting `RNNTUI_FAKE_NO_BF16=1` makes the check
report "no bf16", so a machine that has it can run the precision tests both ways.

Where bf16 runs, `auto` picks it only where it is faster: with AMX, autocast about doubles LSTM
training throughput; with AVX-512 BF16 alone it may not, so `auto` times a matmul of the model's
size in both precisions. Master weights stay float32 either way (autocast only lowers the
matmuls); validation runs in float32.
"""

from __future__ import annotations

import contextlib
import os
import platform
from pathlib import Path
import time
from functools import lru_cache

import torch

from rnntui.engine.config import ModelConfig
from rnntui.errors import RnntuiError
from rnntui.i18n import t
from rnntui.train.cpu_features import cpu_flags

FAKE_NO_BF16 = "RNNTUI_FAKE_NO_BF16"  # set (not "0"): the capability check says this machine has no bf16
FAST_ENOUGH = 1.2  # bf16 must beat fp32 by this much on AVX-512 BF16 for `auto` to take it


def resolve_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise RnntuiError(t("train.device.no_cuda"))
    return torch.device(name)


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
    return bool({"avx512_bf16", "amx_bf16"} & cpu_flags()) and not bf16_faked_away()


def bf16_faked_away() -> bool:
    return os.environ.get(FAKE_NO_BF16, "").strip() not in ("", "0")


def bf16_problem(cell: str, device: torch.device) -> str | None:
    """Why this machine's PyTorch cannot train `cell` under bf16 autocast on `device`; None when it can."""
    if bf16_faked_away():
        return t("precision.no_bf16.faked", variable=FAKE_NO_BF16)
    return _probe_bf16(cell, device.type, device.index)


@lru_cache(maxsize=None)
def _probe_bf16(cell: str, device_type: str, device_index: int | None) -> str | None:
    """A two-layer model of `cell` with a handful of units, one forward and backward in bf16."""
    from rnntui.train.torch_model import CharRNN  # the real model, so the probe builds the real primitives

    device = torch.device(device_type, device_index)
    if device.type == "cuda" and not torch.cuda.is_bf16_supported():
        return t("precision.no_bf16.gpu")
    try:
        model = CharRNN(ModelConfig(cell=cell, hidden_size=8, num_layers=2, vocab_size=4, embedding_dim=4),
                        dropout=0.1).to(device)
        indices = torch.zeros(2, 3, dtype=torch.long, device=device)
        with torch.autocast(device.type, dtype=torch.bfloat16):
            logits, _ = model(indices)
        logits.float().sum().backward()
    except (RuntimeError, NotImplementedError) as error:  # oneDNN: "could not create a primitive descriptor"
        return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return None


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


def resolve_precision(precision: str, device: torch.device, hidden_size: int = 256, cell: str = "lstm") -> str:
    """'bf16' or 'fp32' for a `cell` model on `device`: auto picks bf16 only where it runs and is faster.

    An explicit bf16 that cannot run is refused in one line (RnntuiError) that says why.
    """
    if precision == "fp32":
        return "fp32"
    problem = bf16_problem(cell, device)
    if precision == "bf16":
        if problem is not None:
            raise RnntuiError(t("precision.error.bf16_cannot_run", cell=cell.upper(), why=problem))
        return "bf16"
    if problem is not None:
        return "fp32"
    if device.type == "cuda":
        return "bf16"
    if "amx_bf16" in cpu_flags():
        return "bf16"
    if cpu_has_bf16() and bf16_matmul_speedup(hidden_size, 4 * hidden_size) >= FAST_ENOUGH:
        return "bf16"
    return "fp32"


def resumed_precision(saved: str, device: torch.device, cell: str) -> tuple[str, str | None]:
    """The precision a resumed run continues in, and a warning when it cannot be the saved one.

    A run saved in bf16 (chosen or picked by `auto`) on a machine that runs bf16 continues in
    fp32 on one that cannot, with a warning: its weights are float32 either way, so nothing is
    lost but bit-exactness, which is only promised on the same hardware (docs/cli.md).
    """
    if saved != "bf16":
        return saved, None
    problem = bf16_problem(cell, device)
    if problem is None:
        return "bf16", None
    return "fp32", t("precision.warning.resume_in_fp32", cell=cell.upper(), why=problem)


def autocast(precision: str, device: torch.device):
    """The context the forward pass runs in: bf16 autocast, or nothing at all."""
    if precision == "bf16":
        return torch.autocast(device.type, dtype=torch.bfloat16)
    return contextlib.nullcontext()
