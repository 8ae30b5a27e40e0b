"""A person's own series from a text file: one number per line, blank lines and # comments allowed."""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np

from rnntui.errors import RnntuiError
from rnntui.i18n import t

MIN_POINTS = 24  # fewer leave nothing to train on once the test part is held out


def read_series(path: str | os.PathLike) -> np.ndarray:
    """The numbers in the file; a line that is not a finite number is refused, naming the line."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise RnntuiError(t("tasks.series.unreadable", path=str(path), reason=getattr(error, "strerror", None) or
                            type(error).__name__)) from None
    return parse_series(text, str(path))


def parse_series(text: str, name: str) -> np.ndarray:
    values = []
    for number, line in enumerate(text.splitlines(), start=1):
        body = line.split("#", 1)[0].strip()
        if not body:
            continue
        try:
            value = float(body)
        except ValueError:
            raise RnntuiError(t("tasks.series.not_a_number", name=name, line=number, text=body)) from None
        if not math.isfinite(value):
            raise RnntuiError(t("tasks.series.not_finite", name=name, line=number, text=body))
        values.append(value)
    if len(values) < MIN_POINTS:
        raise RnntuiError(t("tasks.series.too_short", name=name, count=len(values), least=MIN_POINTS))
    return np.asarray(values)
