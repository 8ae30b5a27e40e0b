"""Marks for tests that need a capability this machine may lack.

A bf16 test skips, with the reason, on a CPU without bf16 instructions (an AMD Zen 3, say: there
PyTorch may still run bf16 by emulation, so a tiny probe passing proves little about the test's
own shapes), and where the code's own check says bf16 cannot run (the oneDNN error, or
RNNTUI_FAKE_NO_BF16). So the suite is green on any x86-64 CPU, and the fp32 variants always run.
"""

import pytest
import torch

from rnntui.train.cpu_features import cpu_flags, has_bf16_instructions, speed_features
from rnntui.train.precision import bf16_problem


def bf16_missing(cell: str) -> str | None:
    """Why this machine cannot run a bf16 test of `cell`, or None where it can."""
    flags = cpu_flags()
    if flags and not has_bf16_instructions(speed_features(flags)):  # flags unreadable: the check decides
        return f"this CPU has no bf16 instructions (its speed flags: {speed_features(flags) or 'none'})"
    problem = bf16_problem(cell, torch.device("cpu"))
    return None if problem is None else f"this machine cannot train {cell} in bf16: {problem}"


def needs_bf16(cell: str = "lstm") -> pytest.MarkDecorator:
    reason = bf16_missing(cell)
    return pytest.mark.skipif(reason is not None, reason=reason or "")
