"""weights.py: edits return new dicts, never touch their input, and refuse bad values."""

import numpy as np
import pytest

from rnntui.engine import weights
from rnntui.engine.config import ModelConfig
from rnntui.engine.numpy_rnn import init_params
from rnntui.errors import WeightEditError

LSTM = ModelConfig(cell="lstm", hidden_size=4, num_layers=2, vocab_size=3)


def test_set_entry_copies_only_the_edited_array():
    params = init_params(LSTM, 0)
    before = params["rnn.weight_ih_l0"].copy()
    edited = weights.set_entry(params, "rnn.weight_ih_l0", (2, 1), -0.25)
    assert edited["rnn.weight_ih_l0"][2, 1] == -0.25
    np.testing.assert_array_equal(params["rnn.weight_ih_l0"], before)
    assert edited["head.weight"] is params["head.weight"]
    assert weights.set_entry(params, "head.bias", 1, 3)["head.bias"][1] == 3.0


def test_scale_that_overflows_is_refused():
    params = weights.set_entry(init_params(LSTM, 0), "head.bias", (0,), 1e300)
    with pytest.raises(WeightEditError, match="non-finite"):
        weights.scale(params, "head.bias", 1e10)


def test_spectral_radii_are_per_gate_block():
    params = init_params(LSTM, 1)
    radii = weights.spectral_radii(params, LSTM)
    assert list(radii) == ["rnn.weight_hh_l0", "rnn.weight_hh_l1"]
    w = params["rnn.weight_hh_l1"]
    expected = np.max(np.abs(np.linalg.eigvals(w[8:12])))  # the g block
    assert radii["rnn.weight_hh_l1"]["g"] == pytest.approx(expected)
    rnn = ModelConfig(hidden_size=3, vocab_size=2)
    assert list(weights.spectral_radii(init_params(rnn, 0), rnn)["rnn.weight_hh_l0"]) == ["h"]


def test_set_spectral_radius_one_layer_one_block():
    params = init_params(LSTM, 2)
    edited = weights.set_spectral_radius(params, LSTM, 1.5, layer=1, block="f")
    radii = weights.spectral_radii(edited, LSTM)
    assert radii["rnn.weight_hh_l1"]["f"] == pytest.approx(1.5)
    assert radii["rnn.weight_hh_l1"]["i"] == pytest.approx(weights.spectral_radii(params, LSTM)["rnn.weight_hh_l1"]["i"])
    assert edited["rnn.weight_hh_l0"] is params["rnn.weight_hh_l0"]


def test_zero_block_cannot_be_rescaled():
    cfg = ModelConfig(hidden_size=2, vocab_size=2)
    params = {**init_params(cfg, 0), "rnn.weight_hh_l0": np.zeros((2, 2))}
    with pytest.raises(WeightEditError, match="radius 0"):
        weights.set_spectral_radius(params, cfg, 1.0)


def test_rerandomize_some_names():
    params = init_params(LSTM, 0)
    fresh = weights.rerandomize(params, LSTM, 9, names=["head.weight"])
    np.testing.assert_array_equal(fresh["head.weight"], init_params(LSTM, 9)["head.weight"])
    assert fresh["head.bias"] is params["head.bias"]
    with pytest.raises(WeightEditError):
        weights.rerandomize(params, LSTM, 9, names=["nope"])
