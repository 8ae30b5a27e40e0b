"""SeriesSession: a time series, a network that predicts its next change, and a cut point.

The series screen's state. As training on a series does (train/series_runs.py), the network reads
the series' scaled changes (of its logarithm for a positive series whose swings grow) and predicts
the next one; a predicted change of zero is "tomorrow equals today". Two forecasts are computed
with the NumPy engine:
- one step ahead: every value predicted from the true values before it, scored on the held-out
  end against persistence (the ratio below 1 means skill);
- free-running from the cut: the true values up to the cut, then the network's own predictions fed
  back, scored against holding the last known value.
With fresh weights the figures are whatever they are; the screen prints them as measured.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rnntui.engine.config import CELLS, ModelConfig
from rnntui.engine.numpy_rnn import NumpyRNN, init_params
from rnntui.engine.series import Series
from rnntui.engine.series.forecast import ForecastScore, Prepared, one_step_values, prepare, score_one_step

DEFAULT_HIDDEN = 16  # as series training uses (SeriesRunConfig.hidden_size)


def series_config(cell: str, hidden_size: int) -> ModelConfig:
    """One change in, the next change out: a linear head on one real-valued input."""
    return ModelConfig(cell=cell, hidden_size=hidden_size, vocab_size=1, input_dim=1, head="linear")


@dataclass(frozen=True)
class FreeRunning:
    """The forecast from the cut to the end, with the network's own predictions fed back."""

    cut: int  # values[:cut] are known; values[cut:] are forecast
    values: np.ndarray  # (N - cut,) the forecast of values[cut:]
    score: ForecastScore  # against holding values[cut - 1] over the same points


class SeriesSession:
    """Series + model + cut point; the predictions and scores are computed when one of them changes."""

    def __init__(self, series: Series, cell: str = "lstm", hidden_size: int = DEFAULT_HIDDEN, seed: int = 0,
                 params: dict[str, np.ndarray] | None = None) -> None:
        self.series = series
        self.prepared: Prepared = prepare(series.values(), series.test_points, series.log)
        self.config = series_config(cell, hidden_size)
        self.seed = int(seed)
        self.model = NumpyRNN(self.config, init_params(self.config, self.seed) if params is None else params)
        self.from_seed = params is None  # fresh weights, untrained: what the figures then mean differs
        self._cut = self.prepared.test_start
        self._recompute()

    @property
    def name(self) -> str:
        return self.series.name

    @property
    def params(self) -> dict[str, np.ndarray]:
        return self.model.params

    @property
    def values(self) -> np.ndarray:
        return self.prepared.values

    @property
    def N(self) -> int:
        return int(self.values.shape[0])

    @property
    def cut(self) -> int:
        """How many values the free-running forecast knows: it forecasts values[cut:]."""
        return self._cut

    @property
    def cut_range(self) -> tuple[int, int]:
        """The cut's bounds: at least two known changes before it, at least one value after it."""
        return 3, self.N - 1

    # ------------------------------------------------------------------ what is computed

    def _recompute(self) -> None:
        changes = self.prepared.changes
        trace = self.model.forward(changes[:-1, None])  # output t predicts changes[t + 1]
        # the change after x[0] has nothing before it to read: persistence there
        predicted = np.concatenate([[0.0], trace.logits[:, 0]])
        self.predictions = one_step_values(self.prepared, predicted)  # predictions[t] predicts values[t + 1]
        self.one_step: ForecastScore = score_one_step(self.prepared, self.predictions)
        self._forecast()

    def _forecast(self) -> None:
        p, cut = self.prepared, self._cut
        trace = self.model.forward(p.changes[: cut - 1, None])  # the changes known at the cut
        h, c = trace.h[:, -1], None if trace.c is None else trace.c[:, -1]
        change, value = float(trace.logits[-1, 0]), float(p.values[cut - 1])
        out = np.empty(self.N - cut)
        for k in range(out.shape[0]):
            value = float(p.to_value(np.asarray(value), np.asarray(change)))
            out[k] = value
            step = self.model.forward(np.array([[change]]), h0=h, c0=c)
            h, c = step.h[:, -1], None if step.c is None else step.c[:, -1]
            change = float(step.logits[-1, 0])
        truth = p.values[cut:]
        held = np.full_like(truth, p.values[cut - 1])
        self.free_running = FreeRunning(cut, out, ForecastScore(float(np.mean((out - truth) ** 2)),
                                                                float(np.mean((held - truth) ** 2))))

    # ------------------------------------------------------------------ changes

    def move_cut(self, cut: int) -> bool:
        """Forecast from another cut (clamped to `cut_range`); False when it did not move."""
        lo, hi = self.cut_range
        cut = max(lo, min(hi, int(cut)))
        if cut == self._cut:
            return False
        self._cut = cut
        self._forecast()
        return True

    def randomize(self, seed: int | None = None) -> None:
        """Fresh weights from the next seed (or `seed`)."""
        self.seed = self.seed + 1 if seed is None else int(seed)
        self.model = NumpyRNN(self.config, init_params(self.config, self.seed))
        self.from_seed = True
        self._recompute()

    def cycle_cell(self) -> str:
        """RNN → LSTM → GRU → RNN, weights from the seed; returns the new cell."""
        self.config = series_config(CELLS[(CELLS.index(self.config.cell) + 1) % len(CELLS)], self.config.hidden_size)
        self.model = NumpyRNN(self.config, init_params(self.config, self.seed))
        self.from_seed = True
        self._recompute()
        return self.config.cell

    def install_params(self, params: dict[str, np.ndarray]) -> None:
        """New weights of the same model (a training run's): the cut stays, all is computed again."""
        self.model = NumpyRNN(self.config, params)
        self.from_seed = False
        self._recompute()

    def for_series(self, series: Series) -> "SeriesSession":
        """A fresh model of the same cell, size and seed on another series."""
        return SeriesSession(series, self.config.cell, self.config.hidden_size, self.seed)
