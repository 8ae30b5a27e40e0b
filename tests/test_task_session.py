"""TaskSession: one task sequence in the NumPy engine, checked against NumpyRNN called directly
and the gradient at the marked steps against finite differences."""

import json

import numpy as np
import pytest

from rnntui.engine.checkpoint import save_checkpoint
from rnntui.engine.config import ModelConfig
from rnntui.engine.numpy_rnn import NumpyRNN, init_params
from rnntui.engine.task_session import TaskSession, class_names, fresh_params, marked_steps, symbol_names
from rnntui.engine.tasks import KINDS, make_task
from rnntui.errors import CheckpointError

SMALL = {"adding": 12, "multiplication": 12, "remember-first": 6, "remember-first-random": 6}


def small_task(name):
    return make_task(name, SMALL.get(name))


@pytest.mark.parametrize("name", list(KINDS))
@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_figures_are_the_engine_run_directly(name, cell):
    task = small_task(name)
    session = TaskSession(task, cell=cell, hidden_size=5, seed=3, sequence_seed=7)
    batch = task.batch(np.random.default_rng(7), 1)
    inputs, targets = batch.sequence(0)
    np.testing.assert_array_equal(session.inputs, inputs)
    model = NumpyRNN(session.config, session.params)
    trace = model.forward(inputs)
    np.testing.assert_allclose(session.trace.logits, trace.logits, rtol=0, atol=0)
    # The end loss is the loss of the generator's own targets at the last step alone.
    end_only = np.full_like(targets, np.nan if task.kind.head == "linear" else -1)
    end_only[-1] = targets[-1]
    hidden = model.backward_hidden(trace, end_only)
    np.testing.assert_allclose(session.gradient_norms, hidden.grad_norm_h, rtol=1e-12)
    assert session.end.loss == pytest.approx(model.loss(trace, end_only), rel=1e-12)
    last = trace.logits[-1] if task.kind.head == "linear" else trace.probs[-1]
    if task.kind.head == "linear":
        assert session.end.prediction == pytest.approx(float(last[0]))
        assert session.end.meets == (abs(last[0] - batch.answers[0, 0]) < task.kind.tolerance)
    else:
        assert session.end.prediction == int(np.argmax(last))
        assert session.end.meets == (np.argmax(last) == batch.answers[0])


def loss_from(session, t, h_t, c_t):
    """The end loss when the forward pass resumes after step t from the state (h_t, c_t)."""
    model = session.model
    rest = model.forward(session.inputs[t:], h0=h_t, c0=c_t)
    return model.loss(rest, session.end_targets()[t:])


@pytest.mark.parametrize("name", ["adding", "temporal-order", "remember-first"])
@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_gradient_at_the_marked_steps_matches_finite_differences(name, cell):
    """Central differences carry ~1e-10 of rounding noise: a gradient that has vanished below that is
    checked only to be that small; the last steps' (large) gradients are checked with the marked ones."""
    session = TaskSession(small_task(name), cell=cell, hidden_size=4, seed=1, sequence_seed=2)
    eps = 1e-6
    checked = [*session.marked, session.T - 4, session.T - 3, session.T - 2]  # h_T feeds the head alone
    assert session.gradient_norms[0, checked].max() > 1e-3  # some figures are far above the noise
    for m in checked:
        t = int(m) + 1  # the hidden state after reading the marked input
        h_t = session.trace.h[:, t].copy()
        c_t = None if session.trace.c is None else session.trace.c[:, t].copy()
        numeric = np.zeros_like(h_t)
        for unit in range(h_t.shape[1]):
            up, down = h_t.copy(), h_t.copy()
            up[0, unit] += eps
            down[0, unit] -= eps
            numeric[0, unit] = (loss_from(session, t, up, c_t) - loss_from(session, t, down, c_t)) / (2 * eps)
        np.testing.assert_allclose(session.end_gradients.dh[0, m], numeric[0], rtol=1e-5, atol=1e-8)
        assert session.gradient_norms[0, m] == pytest.approx(np.linalg.norm(numeric[0]), rel=1e-5, abs=1e-8)


def test_marked_steps_are_where_the_answer_comes_from():
    adding = TaskSession(make_task("adding"), sequence_seed=4)
    assert len(adding.marked) == 2 and np.all(adding.inputs[adding.marked, 1] == 1.0)
    values = adding.inputs[adding.marked, 0]
    assert adding.end.target == pytest.approx(0.5 + values.sum() / 4)
    order = TaskSession(make_task("temporal-order"), sequence_seed=4)
    symbols = symbol_names(order.task)
    relevant = "".join(symbols[i] for i in order.inputs[order.marked].argmax(axis=1))
    assert class_names(order.task)[order.end.target] == relevant
    first = TaskSession(make_task("remember-first", 10), sequence_seed=4)
    assert list(first.marked) == [0] and first.inputs[0].argmax() == first.end.target
    assert class_names(first.task)[first.end.target] in ("x", "y")
    assert list(marked_steps(first.task, first.inputs)) == [0]


def test_a_fresh_lstm_carries_the_end_gradient_to_the_markers_and_a_vanilla_rnn_does_not():
    rnn = TaskSession(make_task("adding"), cell="rnn", sequence_seed=1)
    lstm = TaskSession(make_task("adding"), cell="lstm", sequence_seed=1)
    for m in rnn.marked:
        assert lstm.reach()[m] > 1e6 * rnn.reach()[m]
    # the LSTM starts as task training starts: its forget gates near 1
    assert np.all(lstm.trace.gates["f"] > 0.9)


def test_changes_keep_what_they_should():
    session = TaskSession(make_task("adding", 20), cell="rnn", hidden_size=4)
    session.move_to(7)
    inputs, norms = session.inputs.copy(), session.gradient_norms.copy()
    session.new_sequence()
    assert session.sequence_seed == 1 and not np.array_equal(session.inputs[:, 0][:10], inputs[:, 0][:10])
    assert session.cursor == 7
    session.new_sequence(0)
    np.testing.assert_array_equal(session.inputs, inputs)
    assert session.cycle_cell() == "lstm" and session.trace.c is not None
    assert not np.allclose(session.gradient_norms, norms)
    session.randomize()
    assert session.seed == 1
    params = {k: v * 0.5 for k, v in session.params.items()}
    session.install_params(params)
    assert session.cursor == 7 and np.array_equal(session.inputs, inputs)
    np.testing.assert_allclose(session.trace.logits, NumpyRNN(session.config, params).forward(inputs).logits)
    assert not session.step_back() or session.cursor == 6
    session.last()
    assert not session.step_forward() and session.cursor == session.T


def test_a_task_checkpoint_opens_and_a_character_one_is_refused(tmp_path):
    task = make_task("adding", 30)
    config = ModelConfig(cell="lstm", hidden_size=3, vocab_size=1, input_dim=2, head="linear")
    params = fresh_params(config, 5)
    path = save_checkpoint(tmp_path / "adding.safetensors", params, config, [],
                           {"task": json.dumps(task.to_dict())})
    session = TaskSession.from_checkpoint(path)
    assert session.task == task and session.config == config
    np.testing.assert_array_equal(session.params["rnn.weight_hh_l0"], params["rnn.weight_hh_l0"])
    chars = ModelConfig(cell="rnn", hidden_size=3, vocab_size=2)
    text = save_checkpoint(tmp_path / "text.safetensors", init_params(chars), chars, ["a", "b"])
    with pytest.raises(CheckpointError, match="reads characters.*real-valued vectors"):
        TaskSession.from_checkpoint(text)
    other = save_checkpoint(tmp_path / "other.safetensors", params, config, [],
                            {"task": json.dumps(make_task("temporal-order").to_dict())})
    with pytest.raises(CheckpointError, match="does not fit task temporal-order"):
        TaskSession.from_checkpoint(other)
