"""Spectral radii kept across edits: always what eigvals gives, with eigvals run only on new blocks."""

import numpy as np
import pytest

from rnntui.engine import spectral, weights
from rnntui.engine.config import ModelConfig
from rnntui.engine.numpy_rnn import Clipping, NumpyRNN, init_params
from rnntui.engine.session import StepSession

TEXT = "the cat sat on the mat and the rat sat on the hat"


def eigvals_radii(session: StepSession) -> dict:
    """The reference: one full eigen-decomposition per block of the current weights."""
    rows = spectral.gate_rows(session.config)
    return {name: {block: float(np.max(np.abs(np.linalg.eigvals(session.params[name][r])))) for block, r in rows.items()}
            for name in spectral.recurrent_names(session.config)}


def assert_radii_match(session: StepSession) -> None:
    got, expected = session.spectral_radii(), eigvals_radii(session)
    assert list(got) == list(expected)
    for name in expected:
        assert list(got[name]) == list(expected[name])
        for block in expected[name]:
            assert got[name][block] == pytest.approx(expected[name][block], rel=1e-9), (name, block)


@pytest.fixture
def decompositions(monkeypatch):
    """Counts the eigen-decompositions the session runs."""
    calls = []
    original = spectral.spectral_radius
    counted = lambda m: calls.append(m.shape) or original(m)  # noqa: E731
    monkeypatch.setattr(spectral, "spectral_radius", counted)
    monkeypatch.setattr(weights, "spectral_radius", counted)
    return calls


def trained_params(cell: str, hidden: int = 12, steps: int = 40) -> dict[str, np.ndarray]:
    """Weights after plain gradient descent with the engine's own BPTT: structured, not random."""
    vocab = sorted(set(TEXT))
    config = ModelConfig(cell=cell, hidden_size=hidden, num_layers=2, vocab_size=len(vocab))
    params = init_params(config, 3)
    indices = np.array([vocab.index(ch) for ch in TEXT])
    targets = NumpyRNN.next_targets(indices)
    for _ in range(steps):
        model = NumpyRNN(config, params)
        grads = model.backward(model.forward(indices), targets, Clipping("norm", 1.0)).clipped
        params = {name: value - 0.5 * grads[name] for name, value in params.items()}
    return params


def rotation_dominated(hidden: int, radius: float, seed: int) -> np.ndarray:
    """A matrix whose leading eigenvalues are a complex pair radius·e^{±iθ}: where power iteration
    on its own never settles (the two have the same modulus and keep rotating)."""
    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(rng.standard_normal((hidden, hidden)))
    theta = 0.7
    core = np.diag(rng.uniform(0.05, 0.3, hidden))
    core[:2, :2] = radius * np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
    return q @ core @ q.T


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_random_weights_match_eigvals(cell):
    assert_radii_match(StepSession(TEXT, cell=cell, hidden_size=10, num_layers=2, seed=4))


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_trained_weights_match_eigvals_through_every_kind_of_edit(cell, decompositions):
    session = StepSession(TEXT, cell=cell, hidden_size=12, num_layers=2, params=trained_params(cell))
    blocks = 2 * max(1, len(session.config.gate_names))
    assert_radii_match(session)
    assert len(decompositions) == blocks  # once each, on first use
    decompositions.clear()

    session.scale_weight("rnn.weight_hh_l0", 1.25)  # `]`
    session.scale_weight("rnn.weight_hh_l1", -0.8)
    session.scale_weight("head.weight", 3.0)  # not recurrent: radii unchanged
    assert_radii_match(session)
    session.set_spectral_radius(0.9, layer=1)
    assert_radii_match(session)
    session.set_weight("rnn.weight_ih_l0", (0, 0), 2.0)
    assert_radii_match(session)
    session.undo()
    session.reset_weights()
    assert_radii_match(session)
    session.set_activation("relu" if session.config.activation == "tanh" else "tanh")
    assert_radii_match(session)
    # every radius above was known from the edit itself; only the references decomposed
    assert len(decompositions) == 0

    row = session.config.hidden_size + 1 if cell != "rnn" else 1  # a gated cell: in its second block
    session.set_weight("rnn.weight_hh_l1", (row, 3), 1.5)
    assert_radii_match(session)
    assert len(decompositions) == 1  # only the edited block


def test_complex_leading_eigenvalues_survive_scaling_and_rescaling(decompositions):
    config = ModelConfig(hidden_size=16, vocab_size=len(set(TEXT)))
    params = {**init_params(config, 0), "rnn.weight_hh_l0": rotation_dominated(16, 0.95, seed=1)}
    leading = np.linalg.eigvals(params["rnn.weight_hh_l0"])
    assert np.abs(np.imag(leading[np.argmax(np.abs(leading))])) > 0.1  # the pair really is complex
    session = StepSession(TEXT, hidden_size=16, params=params, vocab=sorted(set(TEXT)))
    assert session.spectral_radii()["rnn.weight_hh_l0"]["h"] == pytest.approx(0.95, rel=1e-9)
    for factor in (1.25, 1.25, 1 / 1.25, -2.0):
        session.scale_weight("rnn.weight_hh_l0", factor)
        assert_radii_match(session)
    session.set_spectral_radius(1.1)
    assert_radii_match(session)
    assert len(decompositions) == 1  # the first use; every edit after it carried the radius


def test_known_radii_spare_set_spectral_radius_its_decompositions(decompositions):
    config = ModelConfig(cell="lstm", hidden_size=6, num_layers=2, vocab_size=3)
    params = init_params(config, 5)
    known = spectral.KnownRadii().complete(params, config)
    decompositions.clear()
    with_known = weights.set_spectral_radius(params, config, 0.7, known=known)
    assert decompositions == []
    without = weights.set_spectral_radius(params, config, 0.7)
    for name in with_known:
        np.testing.assert_allclose(with_known[name], without[name], rtol=1e-12)


def test_undo_history_holds_the_radii_of_each_state(decompositions):
    session = StepSession(TEXT, cell="gru", hidden_size=8, num_layers=2, seed=2)
    session.spectral_radii()
    session.randomize(5)  # new weights: their radii are computed afresh, once
    assert_radii_match(session)
    decompositions.clear()
    session.undo()
    assert_radii_match(session)
    assert len(decompositions) == 0
