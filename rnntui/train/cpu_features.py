"""Which kind of CPU this is, as far as training speed goes: the instruction sets bf16 and fp32 use.

Flags only describe the hardware; whether PyTorch can actually run a cell in bf16 is a separate
question `precision.bf16_problem` answers by trying. Figures (benchmarks, the expectations
table) record the flags they were measured with, so a reader on another kind of CPU knows which
rows apply to them. No torch here: the expectations table reads this.
"""

from __future__ import annotations

from pathlib import Path

# The flags that change how fast (or whether) training runs, most capable first.
SPEED_FLAGS = ("amx_bf16", "avx512_bf16", "avx512f", "avx2")
KINDS = {"amx_bf16": "AMX-BF16", "avx512_bf16": "AVX-512 BF16", "avx512f": "AVX-512", "avx2": "AVX2"}


def cpu_flags(cpuinfo: Path = Path("/proc/cpuinfo")) -> set[str]:
    """The CPU's feature flags (Linux); empty where /proc/cpuinfo is missing."""
    try:
        text = cpuinfo.read_text()
    except OSError:
        return set()
    line = next((line for line in text.splitlines() if line.startswith("flags")), "")
    return set(line.split(":", 1)[-1].split())


def speed_features(flags: set[str] | None = None) -> str:
    """The speed-relevant flags this CPU has, space-separated in SPEED_FLAGS order ("" for none)."""
    flags = cpu_flags() if flags is None else flags
    return " ".join(flag for flag in SPEED_FLAGS if flag in flags)


def cpu_kind(features: str) -> str:
    """A name for the most capable speed flag in `features` ("AMX-BF16", "AVX2", ...)."""
    present = features.split()
    return next((KINDS[flag] for flag in SPEED_FLAGS if flag in present), "no AVX2")


def has_bf16_instructions(features: str) -> bool:
    return bool({"amx_bf16", "avx512_bf16"} & set(features.split()))
