"""One-step forecasting with NumPy: what the network sees, and the baseline it must beat.

The network reads the series' changes (of its logarithm, for a positive series whose swings grow)
scaled to unit variance on the training part, and predicts the next change. Predicting a change
of zero is the persistence forecast, "tomorrow equals today", so the baseline is the network's
own starting point, and any skill shows as a ratio below 1.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Prepared:
    """A series as the network sees it, and the way back to the series' own units."""

    values: np.ndarray  # (N,) the series
    changes: np.ndarray  # (N - 1,) scaled changes: changes[t] = (f(x[t+1]) - f(x[t])) / scale
    scale: float  # standard deviation of the training part's changes
    log: bool
    test_start: int  # index of the first value scored (its prediction is made from x[test_start - 1])

    def to_value(self, previous: np.ndarray, change: np.ndarray) -> np.ndarray:
        """The value after `previous` when the scaled change is `change`."""
        step = change * self.scale
        return np.exp(np.log(previous) + step) if self.log else previous + step


def prepare(values: np.ndarray, test_points: int, log: bool) -> Prepared:
    values = np.asarray(values, dtype=np.float64)
    f = np.log(values) if log else values
    raw = np.diff(f)
    test_start = len(values) - test_points
    scale = float(np.std(raw[: test_start - 1])) or 1.0
    return Prepared(values, raw / scale, scale, log, test_start)


def one_step_values(prepared: Prepared, predicted_changes: np.ndarray) -> np.ndarray:
    """Predictions of x[t+1] for every t from the predicted scaled changes after x[t]."""
    return prepared.to_value(prepared.values[:-1], predicted_changes)


@dataclass(frozen=True)
class ForecastScore:
    mse: float  # the model's one-step mean squared error on the test part, in the series' units
    persistence: float  # the same for "tomorrow equals today"

    @property
    def ratio(self) -> float:
        return self.mse / self.persistence if self.persistence > 0 else float("inf")


def score_one_step(prepared: Prepared, predictions: np.ndarray) -> ForecastScore:
    """`predictions[t]` predicts values[t + 1]; only the test part is scored."""
    s = prepared.test_start
    truth = prepared.values[s:]
    mine = predictions[s - 1:]
    persistence = prepared.values[s - 1:-1]
    return ForecastScore(float(np.mean((mine - truth) ** 2)), float(np.mean((persistence - truth) ** 2)))
