"""Finite-difference checks of the NumPy engine's BPTT, independent of PyTorch."""

import numpy as np
import pytest

from rnntui.engine.config import ModelConfig
from rnntui.engine.numpy_rnn import NumpyRNN


def loss_of(cfg, params, inputs, targets):
    model = NumpyRNN(cfg, params)
    return model.loss(model.forward(inputs), targets)


def assert_matches_central_differences(cfg, params, inputs, targets, rng, eps=1e-6):
    model = NumpyRNN(cfg, params)
    grads = model.backward(model.forward(inputs), targets).grads
    for name, value in params.items():
        # Three random entries per parameter keep the test fast; each entry is checked exactly.
        for flat in rng.choice(value.size, size=min(3, value.size), replace=False):
            idx = np.unravel_index(flat, value.shape)
            plus, minus = value.copy(), value.copy()
            plus[idx] += eps
            minus[idx] -= eps
            numeric = (
                loss_of(cfg, {**params, name: plus}, inputs, targets)
                - loss_of(cfg, {**params, name: minus}, inputs, targets)
            ) / (2 * eps)
            assert grads[name][idx] == pytest.approx(numeric, abs=1e-7, rel=1e-5), (name, idx)


@pytest.mark.parametrize(
    "cfg",
    [
        ModelConfig(cell="rnn", activation="tanh", hidden_size=3, num_layers=2, vocab_size=3),
        ModelConfig(cell="rnn", activation="relu", hidden_size=3, num_layers=1, vocab_size=3, embedding_dim=2),
        ModelConfig(cell="lstm", hidden_size=3, num_layers=2, vocab_size=3, embedding_dim=2),
        ModelConfig(cell="gru", hidden_size=3, num_layers=2, vocab_size=3),
    ],
    ids=lambda c: f"{c.cell}-{c.activation}-L{c.num_layers}",
)
def test_every_parameter_gradient_matches_central_differences(cfg):
    rng = np.random.default_rng(0)
    model = NumpyRNN.random(cfg, seed=1)
    params = {k: v * 1.5 for k, v in model.params.items()}
    model = NumpyRNN(cfg, params)
    indices = rng.integers(0, 3, size=6)
    targets = model.next_targets(indices)
    assert_matches_central_differences(cfg, params, indices, targets, rng)


def value_task(cfg, rng):
    """Two real-valued channels in; a target at the last step (and at step 2 for the softmax head)."""
    values = np.stack([rng.uniform(-1, 1, 6), rng.choice([-1.0, 0.0, 1.0], 6)], axis=1)
    if cfg.head == "linear":
        targets = np.full((6, cfg.vocab_size), np.nan)
        targets[-1] = rng.uniform(-1, 1, cfg.vocab_size)
    else:
        targets = np.full(6, -1)
        targets[[2, 5]] = rng.integers(0, cfg.vocab_size, 2)
    return values, targets


@pytest.mark.parametrize(
    "cfg",
    [
        ModelConfig(cell="rnn", hidden_size=3, num_layers=2, vocab_size=1, input_dim=2, head="linear"),
        ModelConfig(cell="lstm", hidden_size=3, num_layers=1, vocab_size=2, input_dim=2, head="linear"),
        ModelConfig(cell="gru", hidden_size=3, num_layers=2, vocab_size=1, input_dim=2, head="linear"),
        ModelConfig(cell="lstm", hidden_size=3, num_layers=2, vocab_size=4, input_dim=2, head="softmax"),
    ],
    ids=lambda c: f"{c.cell}-L{c.num_layers}-{c.head}",
)
def test_value_inputs_and_heads_match_central_differences(cfg):
    rng = np.random.default_rng(2)
    params = {k: v * 1.5 for k, v in NumpyRNN.random(cfg, seed=3).params.items()}
    values, targets = value_task(cfg, rng)
    assert_matches_central_differences(cfg, params, values, targets, rng)
