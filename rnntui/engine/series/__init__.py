"""Time series for one-step forecasting, always judged against "tomorrow equals today".

`SERIES` lists the ones that ship with rnntui (no download); `series_file` reads a person's own.
`forecast` holds the NumPy side: splits, differencing and the persistence baseline.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from rnntui.engine.series.airline import AIRLINE_PASSENGERS
from rnntui.engine.series.generated import noisy_sines, random_walk
from rnntui.errors import RnntuiError
from rnntui.i18n import t


@dataclass(frozen=True)
class Series:
    name: str
    values: Callable[[], np.ndarray]
    log: bool  # model the logarithm: a positive series whose swings grow with its level
    test_points: int  # the last points, held out: one-step predictions are scored on them
    predictable: bool  # whether anything can beat persistence (what the docs and demos claim)


SERIES: dict[str, Series] = {
    s.name: s
    for s in (
        Series("sines", noisy_sines, log=False, test_points=120, predictable=True),
        Series("airline", lambda: np.asarray(AIRLINE_PASSENGERS, dtype=np.float64), log=True,
               test_points=36, predictable=True),
        Series("random-walk", random_walk, log=True, test_points=120, predictable=False),
    )
}


def get_series(name: str) -> Series:
    if name not in SERIES:
        raise RnntuiError(t("tasks.series.unknown", given=name, choices=", ".join(SERIES)))
    return SERIES[name]
