"""Training a network to predict a series' next change, then scoring it against persistence.

Windows of the training part's scaled changes are fed with the next change as the target at every
step (a linear head, squared error). The last part before the test part is kept for validation,
and the weights with the lowest validation error are kept: a series with nothing to learn (a
random walk) would otherwise be fitted to its noise and do worse than persistence. The model then reads the whole series once and its
one-step predictions on the held-out end are compared with "tomorrow equals today"; a free-running
forecast (its own predictions fed back) is scored against holding the last known value.
Imports torch: only torch-side code imports this module.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from rnntui.engine.config import ModelConfig
from rnntui.engine.series.forecast import ForecastScore, Prepared, one_step_values, score_one_step
from rnntui.train.torch_model import CharRNN, sequence_loss


@dataclass(frozen=True)
class SeriesRunConfig:
    cell: str = "lstm"
    seed: int = 0
    hidden_size: int = 16
    window: int = 48  # steps per training window (truncated BPTT length)
    batch_size: int = 16
    steps: int = 600  # Adam steps
    lr: float = 1e-2
    clip: float = 1.0
    validation: float = 0.2  # share of the points before the test part used to choose the weights
    check_every: int = 25  # Adam steps between validation checks


@dataclass
class SeriesRunResult:
    cell: str
    seed: int
    one_step: ForecastScore
    free_running: ForecastScore  # against holding the last known value over the whole test part
    predictions: np.ndarray  # (N - 1,) one-step predictions of values[1:]
    forecast: np.ndarray  # (test points,) the free-running forecast
    seconds: float


def train_series(prepared: Prepared, run: SeriesRunConfig,
                 on_step: Callable[[int, float, CharRNN], bool] | None = None) -> SeriesRunResult:
    """Train on windows of the series' changes; keep the weights that predict the validation part best.

    `on_step(steps done, the step's loss, model)` is called after every Adam step (the live run
    in the app watches, pauses and scores through it); returning True ends training there."""
    started = time.perf_counter()
    torch.manual_seed(run.seed)
    rng = np.random.default_rng(run.seed)
    model = CharRNN(ModelConfig(cell=run.cell, hidden_size=run.hidden_size, vocab_size=1, input_dim=1, head="linear"))
    optimizer = torch.optim.Adam(model.parameters(), lr=run.lr)
    val_points = max(2, int(run.validation * prepared.test_start))
    val_start = prepared.test_start - val_points  # first validation value; its change is changes[val_start - 1]
    train = prepared.changes[: val_start - 1]
    seen = torch.from_numpy(prepared.changes[None, : prepared.test_start - 2, None]).float()
    val_targets = torch.from_numpy(prepared.changes[val_start - 1 : prepared.test_start - 1]).float()

    def validation_error() -> float:
        with torch.no_grad():
            outputs, _ = model(seen)  # outputs[t] predicts changes[t + 1]
        return float(((outputs[0, val_start - 2 :, 0] - val_targets) ** 2).mean())

    best = (validation_error(), {k: v.clone() for k, v in model.state_dict().items()})
    window = min(run.window, len(train) - 1)
    starts_upto = len(train) - window  # a window takes window + 1 changes: inputs and next-change targets
    for step in range(run.steps):
        starts = rng.integers(0, starts_upto, size=run.batch_size)
        chunk = np.stack([train[s : s + window + 1] for s in starts])[..., None]
        chunk = torch.from_numpy(chunk).float()
        outputs, _ = model(chunk[:, :-1])
        loss = sequence_loss(outputs, chunk[:, 1:], "linear")
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), run.clip)
        optimizer.step()
        if (step + 1) % run.check_every == 0:
            error = validation_error()
            if error < best[0]:
                best = (error, {k: v.clone() for k, v in model.state_dict().items()})
        if on_step is not None and on_step(step + 1, loss.item(), model):
            break
    model.load_state_dict(best[1])
    model.eval()
    one_step, free, predictions, forecast = forecast_scores(model, prepared)
    return SeriesRunResult(run.cell, run.seed, one_step, free, predictions, forecast, time.perf_counter() - started)


def forecast_scores(model: CharRNN, prepared: Prepared) -> tuple[ForecastScore, ForecastScore, np.ndarray, np.ndarray]:
    """The model's one-step predictions of the whole series and its free-running forecast of the
    test part, each scored against its baseline: (one-step, free-running, predictions, forecast)."""
    with torch.no_grad():
        outputs, _ = model(torch.from_numpy(prepared.changes[None, :-1, None]).float())
    # The change after x[t] is predicted from changes up to t - 1; x[0] has none before it: persistence.
    changes = np.concatenate([[0.0], outputs[0, :, 0].double().numpy()])
    predictions = one_step_values(prepared, changes)
    forecast = free_running(model, prepared)
    s = prepared.test_start
    truth = prepared.values[s:]
    held = np.full_like(truth, prepared.values[s - 1])
    free = ForecastScore(float(np.mean((forecast - truth) ** 2)), float(np.mean((held - truth) ** 2)))
    return score_one_step(prepared, predictions), free, predictions, forecast


def free_running(model: CharRNN, prepared: Prepared) -> np.ndarray:
    """From the last training value on, each predicted change is fed back as the next input."""
    s = prepared.test_start
    known = torch.from_numpy(prepared.changes[None, : s - 1, None]).float()
    out = []
    with torch.no_grad():
        outputs, state = model(known)
        change = outputs[:, -1:]
        value = prepared.values[s - 1]
        for _ in range(len(prepared.values) - s):
            value = float(prepared.to_value(np.asarray(value), change.double().numpy().reshape(())))
            out.append(value)
            change, state = model(change, state)
    return np.asarray(out)
