"""Marks for tests that need a capability this machine may lack, decided by the code's own check.

A bf16 test skips with the reason the capability check gives (the oneDNN error on a CPU without
bf16, or RNNTUI_FAKE_NO_BF16), so the suite is green on any x86-64 CPU and the fp32 variants
always run.
"""

import pytest
import torch

from rnntui.train.precision import bf16_problem


def needs_bf16(cell: str = "lstm") -> pytest.MarkDecorator:
    problem = bf16_problem(cell, torch.device("cpu"))
    return pytest.mark.skipif(problem is not None, reason=f"this machine cannot train {cell} in bf16: {problem}")
