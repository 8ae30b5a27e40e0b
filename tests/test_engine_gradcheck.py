"""Finite-difference checks of the NumPy engine's BPTT, independent of PyTorch."""

import numpy as np
import pytest

from rnntui.engine.config import ModelConfig
from rnntui.engine.numpy_rnn import NumpyRNN


def loss_of(cfg, params, indices, targets):
    model = NumpyRNN(cfg, params)
    return model.loss(model.forward(indices), targets)


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
    grads = model.backward(model.forward(indices), targets).grads
    eps = 1e-6
    for name, value in params.items():
        # Three random entries per parameter keep the test fast; each entry is checked exactly.
        for flat in rng.choice(value.size, size=min(3, value.size), replace=False):
            idx = np.unravel_index(flat, value.shape)
            plus, minus = value.copy(), value.copy()
            plus[idx] += eps
            minus[idx] -= eps
            numeric = (
                loss_of(cfg, {**params, name: plus}, indices, targets)
                - loss_of(cfg, {**params, name: minus}, indices, targets)
            ) / (2 * eps)
            assert grads[name][idx] == pytest.approx(numeric, abs=1e-7, rel=1e-5), (name, idx)
