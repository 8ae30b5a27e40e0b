"""Clipping by norm and by value: the engine agrees with PyTorch, reports per parameter, and `rnntui
step` shows both before and after."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from rnntui.cli import app as cli
from rnntui.engine.numpy_rnn import Clipping
from rnntui.engine.session import StepSession


def exploding_session(mode: str, threshold: float) -> StepSession:
    session = StepSession("recurrent networks forget", activation="relu", hidden_size=8, seed=1,
                          clipping=Clipping(mode, threshold))
    session.set_spectral_radius(2.0)
    return session


@pytest.mark.parametrize("mode", ["norm", "value"])
def test_clipping_matches_torch(mode):
    torch = pytest.importorskip("torch")
    session = exploding_session(mode, 0.5)
    grads = session.gradients
    tensors = [torch.nn.Parameter(torch.zeros(g.shape, dtype=torch.float64)) for g in grads.grads.values()]
    for tensor, g in zip(tensors, grads.grads.values()):
        tensor.grad = torch.from_numpy(g.copy())
    if mode == "norm":
        torch.nn.utils.clip_grad_norm_(tensors, 0.5)
    else:
        torch.nn.utils.clip_grad_value_(tensors, 0.5)
    for tensor, name in zip(tensors, grads.grads):
        np.testing.assert_allclose(grads.clipped[name], tensor.grad.numpy(), rtol=1e-12, atol=1e-15)
        assert grads.clipped_param_norms[name] == pytest.approx(float(tensor.grad.norm()), rel=1e-12)


def test_norm_keeps_the_direction_and_value_turns_it():
    by_norm, by_value = exploding_session("norm", 0.5).gradients, exploding_session("value", 0.5).gradients
    assert by_norm.clip_cosine == pytest.approx(1.0, abs=1e-12)
    before = np.concatenate([g.ravel() for g in by_value.grads.values()])
    after = np.concatenate([g.ravel() for g in by_value.clipped.values()])
    expected = before @ after / (np.linalg.norm(before) * np.linalg.norm(after))
    assert by_value.clip_cosine == pytest.approx(expected) and by_value.clip_cosine < 0.99
    assert exploding_session("off", 0.5).gradients.clip_cosine == 1.0


def test_step_reports_before_and_after_clipping_per_parameter_in_either_mode():
    runner = CliRunner()
    for flag, words in (("--clip", "global norm 0.01"), ("--clip-value", "each element to ±0.01")):
        result = runner.invoke(cli, ["step", "hello world", flag, "0.01", "--json"])
        assert result.exit_code == 0, result.output
        doc = json.loads(result.output)
        text = runner.invoke(cli, ["step", "hello world", flag, "0.01"]).output
        assert words in text
        for name, before in doc["param_grad_norms"].items():
            after = doc["param_grad_norms_clipped"][name]
            if not np.isclose(before, after, rtol=1e-12, atol=0):
                assert f"{name}" in text and f"{before:.4g} -> {after:.4g}" in text
        kept = "direction kept" if flag == "--clip" else "direction turned"
        assert kept in text and f"{doc['clip_cosine']:.4f}" in text
    both = runner.invoke(cli, ["step", "hello", "--clip", "1", "--clip-value", "1"])
    assert both.exit_code == 2 and "choose one of --clip and --clip-value" in both.output
