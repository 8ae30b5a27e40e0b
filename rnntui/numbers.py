"""Numbers from people and for people: the one check for user-given numbers, and byte sizes.

Every number a person types (a CLI option, a field in the app) goes through `parse_number` or
`finite_number`, so nan and inf are refused the same way everywhere with one clear line.
"""

from __future__ import annotations

import math
import numbers

from rnntui.errors import RnntuiError
from rnntui.i18n import t


def finite_number(value, what: str) -> float:
    """`value` as a float, or a one-line RnntuiError when it is not a finite real number."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise RnntuiError(t("errors.numbers.not_a_number", what=what, value=value))
    if not math.isfinite(value):
        raise RnntuiError(t("errors.numbers.not_finite", what=what, value=value))
    return float(value)


SEED_MAX = 2**63 - 1  # every seed fits a signed 64-bit integer: NumPy's, torch's and JSON's


def check_seed(value, what: str = "--seed") -> int:
    """The one rule for seeds everywhere: a whole number from 0 to SEED_MAX, else one RnntuiError line."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or not 0 <= value <= SEED_MAX:
        raise RnntuiError(t("faults.seed.out_of_range", flag=what, largest=SEED_MAX, given=value))
    return int(value)


def parse_number(text: str, what: str, kind: type = float) -> float | int:
    """A finite float (or a whole number with kind=int) from typed text, or a one-line RnntuiError."""
    text = text.strip()
    try:
        value = kind(text)
    except ValueError:
        kind_name = t("errors.numbers.whole") if kind is int else t("errors.numbers.number")
        raise RnntuiError(t("errors.numbers.not_parsed", what=what, kind=kind_name, text=text)) from None
    return finite_number(value, what) if kind is float else value


def format_bytes(count: float) -> str:
    """A byte count for people: 512 B, 1.5 KB, 74.5 GB (decimal units, as disks are sold)."""
    for unit in ("B", "KB", "MB", "GB"):
        if abs(count) < 1000:
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1000
    return f"{count:.1f} TB"
