"""The ABC lesson's example: the notes' numbers, the full vectors, and the prediction after "AB"."""

import numpy as np
import pytest

from rnntui.engine.abc_example import NOTES_VALUES, abc_session, run_abc_example, train_head


@pytest.fixture(scope="module")
def example():
    return run_abc_example()


def test_hidden_states_reproduce_the_notes(example):
    h1, h2 = (s.h for s in example.steps)
    # The reference is tanh itself, not typed-in vectors: h1 = tanh(e_A), h2 = tanh(h1 + e_B).
    np.testing.assert_allclose(h1, np.tanh([1.0, 0.0, 0.0]), atol=1e-12)
    np.testing.assert_allclose(h2, np.tanh(h1 + np.array([0.0, 1.0, 0.0])), atol=1e-12)
    for step in example.steps:
        assert round(float(step.h[0]), 2) == NOTES_VALUES[step.t]  # 0.76 and 0.64, as the notes say
    np.testing.assert_allclose(np.round(h1, 4), [0.7616, 0, 0])
    np.testing.assert_allclose(np.round(h2, 4), [0.6420, 0.7616, 0])


def test_terms_add_up_to_the_pre_activation(example):
    for step in example.steps:
        np.testing.assert_allclose(step.input_term + step.recurrent_term, step.pre, atol=1e-12)
        np.testing.assert_allclose(np.tanh(step.pre), step.h, atol=1e-12)
    assert [s.char for s in example.steps] == ["A", "B"]


def test_identity_head_echoes_h_and_trained_head_predicts_c(example):
    identity, trained = example.heads
    h2 = example.steps[-1].h
    np.testing.assert_allclose(identity.probs, np.exp(h2) / np.exp(h2).sum(), atol=1e-12)
    assert identity.predicted == "B"
    assert trained.predicted == "C" and trained.probs[2] > 0.9
    before, after = trained.training_loss
    assert before == pytest.approx(np.log(3))  # the zero head starts uniform
    assert after < before


def test_trained_head_is_gradient_descent_on_the_head_only():
    params, _, _ = train_head(steps=3)
    np.testing.assert_array_equal(params["rnn.weight_hh_l0"], np.eye(3))
    assert np.abs(params["head.weight"]).sum() > 0


def test_abc_session_is_a_step_session_on_ab():
    s = abc_session()
    assert s.text == "AB" and s.vocab.chars == ["A", "B", "C"] and s.vocab_is_fixed
    assert s.current_step().probs.argmax() == 2
