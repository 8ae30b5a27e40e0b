"""One way to print a number for people: compact, never wrong, never wider than asked.

Fixed point where it reads well (0.7616), exponent notation where fixed point would be long or
show nothing but zeros (5.600e+118, 3.82e-09). Given a width (a grid cell), the most precise
form that fits: fewer decimals, or a shorter mantissa and exponent (+1.23e6). A number is never
cut to fit: that is how 1234567 once showed as +123456. The app, the demos' narration and the
plain-text walk-through all print numbers through `format_number`.
"""

from __future__ import annotations

import math

BIG = 1e5  # from here on, fixed point has too many digits to take in at a glance
SMALL_SIGNIFICANT = 1e-3  # below this, significant-digit forms switch to exponent notation
NO_FIT = "#"  # fills a cell too narrow for any form of the number (as spreadsheets do)


def format_number(
    value: float, digits: int = 4, *, width: int | None = None, sign: bool = False, significant: bool = False
) -> str:
    """`value` for the screen.

    digits: decimals in fixed point (0.7616 for 4); with `significant`, significant digits
        instead (0.762 for 3), trailing zeros dropped, as in narration.
    width: at most this many characters; the most precise form that fits, else `NO_FIT`s.
    sign: always show the sign (+0.1234), so that a column of numbers lines up.
    """
    value = float(value)
    plus = "+" if sign else ""
    if not math.isfinite(value):
        return "nan" if math.isnan(value) else f"{plus}inf" if value > 0 else "-inf"
    text = _readable(value, digits, plus, significant)
    if width is None or len(text) <= width:
        return text
    fitting = [c for c in _candidates(value, digits, plus) if len(c) <= width]
    if not fitting:
        return NO_FIT * width
    return min(fitting, key=lambda c: _error(c, value))  # min keeps the first of equals


def _readable(value: float, digits: int, plus: str, significant: bool) -> str:
    """The form with no width limit: fixed point for ordinary magnitudes, else exponent."""
    magnitude = abs(value)
    if significant:
        if value == 0:
            return f"{plus}0"
        if SMALL_SIGNIFICANT <= magnitude < BIG:
            return f"{value:{plus}.{digits}g}"
    elif magnitude == 0 or 10.0**-digits <= magnitude < BIG:
        return f"{value:{plus}.{digits}f}"
    return f"{value:{plus}.{max(1, digits - 1)}e}"


def _candidates(value: float, digits: int, plus: str) -> list[str]:
    """Every form worth considering for a narrow cell, most readable first."""
    forms = [f"{value:{plus}.{decimals}f}" for decimals in range(digits, -1, -1)]
    for decimals in range(max(1, digits - 1), -1, -1):
        standard = f"{value:{plus}.{decimals}e}"
        forms += [standard, _short_exponent(standard)]
    return forms


def _short_exponent(text: str) -> str:
    """`1.2e+06` -> `1.2e6`, `1.2e-05` -> `1.2e-5`: the same number in fewer characters."""
    mantissa, exponent = text.split("e")
    return f"{mantissa}e{int(exponent)}"


def _error(text: str, value: float) -> float:
    """How far the printed number is from the value, relative to it."""
    shown = float(text)
    return abs(shown - value) / abs(value) if value else abs(shown)
