"""Numbers for exercise texts: one format for every figure, taken from rnntui.number_format."""

from __future__ import annotations

import numpy as np

from rnntui.number_format import format_number


def num(value: float, decimals: int = 4) -> str:
    return format_number(float(value), decimals)


def sig(value: float, digits: int = 3) -> str:
    """Significant digits, exponent notation for tiny or huge values (ratios of gradients)."""
    return format_number(float(value), digits, significant=True)


def vector(values, decimals: int = 4) -> str:
    return "[" + ", ".join(format_number(float(v), decimals) for v in np.asarray(values).reshape(-1)) + "]"
