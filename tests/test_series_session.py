"""SeriesSession: the NumPy engine's one-step and free-running forecasts, checked against the torch
code that trains on series (train/series_runs.py) run on the same weights."""

import numpy as np
import pytest

from rnntui.engine.series import SERIES, get_series
from rnntui.engine.series.forecast import score_one_step
from rnntui.engine.series_session import SeriesSession


@pytest.mark.parametrize("name", list(SERIES))
@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_forecasts_match_the_torch_side(name, cell):
    torch = pytest.importorskip("torch")
    from rnntui.train.series_runs import free_running
    from rnntui.train.torch_model import CharRNN

    session = SeriesSession(get_series(name), cell=cell, hidden_size=6, seed=2)
    model = CharRNN(session.config)
    model.load_numpy_params(session.params)
    model.eval()
    p = session.prepared
    with torch.no_grad():
        outputs, _ = model(torch.from_numpy(p.changes[None, :-1, None]).float())
    changes = np.concatenate([[0.0], outputs[0, :, 0].double().numpy()])
    # torch runs in float32 here, the NumPy engine in float64
    np.testing.assert_allclose(session.predictions, p.to_value(p.values[:-1], changes), rtol=1e-4)
    assert session.one_step.ratio == pytest.approx(score_one_step(p, session.predictions).ratio)
    assert session.free_running.cut == p.test_start
    np.testing.assert_allclose(session.free_running.values, free_running(model, p), rtol=1e-3)


def test_the_cut_moves_within_its_range_and_changes_only_the_free_running_forecast():
    session = SeriesSession(get_series("airline"), cell="lstm", hidden_size=4)
    one_step, forecast = session.predictions.copy(), session.free_running
    assert session.move_cut(session.cut - 10)
    assert session.free_running.cut == forecast.cut - 10 and len(session.free_running.values) == len(forecast.values) + 10
    np.testing.assert_array_equal(session.predictions, one_step)
    assert not session.move_cut(10_000) or session.cut == session.N - 1
    assert not session.move_cut(session.N + 5)
    truth = session.values[session.cut:]
    assert session.free_running.score.persistence == pytest.approx(np.mean((truth - session.values[session.cut - 1]) ** 2))


def test_changes_recompute_the_scores():
    session = SeriesSession(get_series("sines"), cell="rnn", hidden_size=4)
    ratio = session.one_step.ratio
    assert session.cycle_cell() == "lstm" and session.one_step.ratio != ratio
    session.randomize()
    assert session.seed == 1
    half = {k: v * 0.5 for k, v in session.params.items()}
    session.install_params(half)
    assert np.array_equal(session.params["head.bias"], half["head.bias"])
    other = session.for_series(get_series("random-walk"))
    assert (other.name, other.config.cell, other.seed) == ("random-walk", "lstm", 1)
