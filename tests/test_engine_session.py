"""StepSession: caching, prefix reuse, settings, undoable weight edits, refused changes."""

import numpy as np
import pytest

from rnntui.engine.checkpoint import save_checkpoint
from rnntui.engine.numpy_rnn import Clipping, NumpyRNN, clip_gradients, init_params
from rnntui.engine.session import StepSession
from rnntui.errors import RnntuiError, WeightEditError


def fresh_forward(session):
    return NumpyRNN(session.config, session.params).forward(session.indices)


def assert_trace_equal(a, b):
    for field in ("indices", "x", "h", "pre", "logits", "probs"):
        np.testing.assert_allclose(getattr(a, field), getattr(b, field), rtol=0, atol=1e-12)
    assert (a.c is None) == (b.c is None)
    if a.c is not None:
        np.testing.assert_allclose(a.c, b.c, atol=1e-12)
    for name in a.gates:
        np.testing.assert_allclose(a.gates[name], b.gates[name], atol=1e-12)


def test_defaults_follow_seed_and_text():
    s = StepSession("BACA", hidden_size=4, seed=7)
    assert s.vocab.chars == ["A", "B", "C"]
    assert s.T == 4 and s.cursor == 4
    for name, value in init_params(s.config, 7).items():
        np.testing.assert_array_equal(s.params[name], value)
    np.testing.assert_array_equal(s.targets, [0, 2, 0, -1])


def test_cursor_moves_recompute_nothing():
    s = StepSession("hello", cell="gru", hidden_size=3)
    trace, grads = s.trace, s.gradients
    s.first()
    assert s.cursor == 1 and not s.step_back()
    assert s.step_forward() and s.cursor == 2
    s.move_to(5)
    assert not s.step_forward()
    s.last()
    assert s.trace is trace and s.gradients is grads
    with pytest.raises(RnntuiError, match="1..5"):
        s.move_to(6)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_set_text_reuses_prefix_and_matches_full_forward(cell, monkeypatch):
    s = StepSession("abcabcab", cell=cell, hidden_size=4, num_layers=2)
    _ = s.trace
    lengths = []
    original = s.model.forward
    monkeypatch.setattr(s.model, "forward", lambda idx, *a, **k: lengths.append(len(idx)) or original(idx, *a, **k))
    s.set_text("abcabbcabca")  # same alphabet, first change at position 6
    assert lengths == []  # nothing runs until the trace is read
    assert_trace_equal(s.trace, fresh_forward(s))
    assert lengths == [6]  # only the changed suffix ran
    s.set_text("abc")  # a pure prefix: nothing to run
    assert_trace_equal(s.trace, fresh_forward(s))
    assert lengths == [6]
    assert s.cursor == 3


def test_new_alphabet_reinitialises_from_seed():
    s = StepSession("ab", hidden_size=3, seed=5)
    s.set_text("abc")
    assert s.config.vocab_size == 3
    for name, value in init_params(s.config, 5).items():
        np.testing.assert_array_equal(s.params[name], value)


def test_fixed_vocab_refuses_unknown_character_and_keeps_state(tmp_path):
    cfg_session = StepSession("abc", cell="lstm", hidden_size=3, seed=2)
    path = save_checkpoint(tmp_path / "m.safetensors", cfg_session.params, cfg_session.config, ["a", "b", "c"])
    s = StepSession.from_checkpoint(path, text="cab")
    assert s.vocab_is_fixed and s.text == "cab"
    with pytest.raises(RnntuiError, match="'z'"):
        s.set_text("caz")
    assert s.text == "cab"
    s.set_text("a")  # fewer characters than the vocabulary is fine
    assert s.config.vocab_size == 3
    for name, value in cfg_session.params.items():
        np.testing.assert_array_equal(s.params[name], value)


def test_empty_text_refused():
    s = StepSession("ab")
    with pytest.raises(RnntuiError, match="empty"):
        s.set_text("")
    assert s.text == "ab"


def test_settings_reinitialise_or_keep_weights():
    s = StepSession("abca", hidden_size=3, seed=1)
    before = s.params["rnn.weight_hh_l0"]
    s.set_activation("relu")
    assert s.config.activation == "relu"
    np.testing.assert_array_equal(s.params["rnn.weight_hh_l0"], before)
    s.set_cell("lstm")
    assert s.params["rnn.weight_hh_l0"].shape == (12, 3)
    s.set_hidden_size(5)
    s.set_layers(2)
    for name, value in init_params(s.config, 1).items():
        np.testing.assert_array_equal(s.params[name], value)
    with pytest.raises(RnntuiError):
        s.set_cell("transformer")
    with pytest.raises(RnntuiError):
        s.set_hidden_size(0)
    assert s.config.cell == "lstm" and s.config.hidden_size == 5


def test_set_clipping_recomputes_only_the_clipped_part():
    s = StepSession("abcabcabca", cell="lstm", hidden_size=4, clipping=Clipping("off"))
    g = s.gradients
    s.set_clipping("norm", 0.01)
    assert s.gradients.grads is g.grads
    clipped, before, after = clip_gradients(g.grads, Clipping("norm", 0.01))
    assert s.gradients.grad_norm == before
    assert s.gradients.grad_norm_clipped == pytest.approx(after)
    assert after == pytest.approx(0.01, rel=1e-4)
    s.set_clipping("value", 1e-3)
    assert max(np.abs(v).max() for v in s.gradients.clipped.values()) <= 1e-3
    with pytest.raises(RnntuiError):
        s.set_clipping("sometimes")
    assert s.clipping == Clipping("value", 1e-3)


def test_weight_edits_undo_and_reset():
    s = StepSession("abcab", hidden_size=3, seed=4)
    original = {k: v.copy() for k, v in s.params.items()}
    loss0 = s.gradients.loss
    s.set_weight("rnn.weight_hh_l0", (0, 1), 2.5)
    assert s.params["rnn.weight_hh_l0"][0, 1] == 2.5
    assert s.gradients.loss != loss0  # forward and backward were recomputed
    s.scale_weight("head.weight", 3.0)
    np.testing.assert_allclose(s.params["head.weight"], 3.0 * original["head.weight"])
    s.undo()
    np.testing.assert_array_equal(s.params["head.weight"], original["head.weight"])
    assert s.params["rnn.weight_hh_l0"][0, 1] == 2.5
    s.reset_weights()
    for name, value in original.items():
        np.testing.assert_array_equal(s.params[name], value)
    assert s.gradients.loss == pytest.approx(loss0)
    s.undo()  # reset itself is undoable
    assert s.params["rnn.weight_hh_l0"][0, 1] == 2.5


def test_spectral_radius_and_randomize():
    s = StepSession("abcab", cell="gru", hidden_size=4, num_layers=2, seed=0)
    s.set_spectral_radius(0.9)
    for blocks in s.spectral_radii().values():
        assert set(blocks) == {"r", "z", "n"}
        for radius in blocks.values():
            assert radius == pytest.approx(0.9)
    s.randomize(11)
    assert s.seed == 11
    for name, value in init_params(s.config, 11).items():
        np.testing.assert_array_equal(s.params[name], value)


@pytest.mark.parametrize(
    "edit",
    [
        lambda s: s.set_weight("rnn.weight_hh_l0", (0, 0), float("nan")),
        lambda s: s.set_weight("rnn.weight_hh_l0", (0, 0), float("inf")),
        lambda s: s.set_weight("rnn.weight_hh_l0", (9, 0), 1.0),
        lambda s: s.set_weight("rnn.weight_hh_l0", (0,), 1.0),
        lambda s: s.set_weight("rnn.weight_hh_l0", (0, 0), "big"),
        lambda s: s.set_weight("rnn.weight_hh_l7", (0, 0), 1.0),
        lambda s: s.scale_weight("head.weight", float("nan")),
        lambda s: s.scale_weight("head.weight", "x"),
        lambda s: s.set_spectral_radius(-1),
        lambda s: s.set_spectral_radius(1.0, layer=3),
        lambda s: s.set_spectral_radius(1.0, block="i"),
        lambda s: s.randomize(-1),
    ],
)
def test_refused_edits_change_nothing(edit):
    s = StepSession("abcab", hidden_size=3)
    params, trace = dict(s.params), s.trace
    with pytest.raises(WeightEditError):
        edit(s)
    assert s.params == params and s.trace is trace and not s.can_undo


def test_undo_with_nothing_to_undo():
    with pytest.raises(RnntuiError, match="nothing to undo"):
        StepSession("ab").undo()


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_current_step_is_the_trace_at_the_cursor(cell):
    s = StepSession("abcd", cell=cell, hidden_size=3, num_layers=2)
    s.move_to(2)
    view = s.current_step()
    tr = s.trace
    assert (view.t, view.char, view.target) == (2, "b", "c")
    np.testing.assert_array_equal(view.h, tr.h[:, 2])
    np.testing.assert_array_equal(view.h_prev, tr.h[:, 1])
    np.testing.assert_array_equal(view.probs, tr.probs[1])
    assert view.loss == pytest.approx(-np.log(tr.probs[1, 2]))
    assert set(view.gates) == set(s.config.gate_names)
    assert (view.c is not None) == (cell == "lstm")
    s.last()
    assert s.current_step().target is None and s.current_step().loss is None


def test_float32_on_request():
    s = StepSession("abc", cell="lstm", hidden_size=3, dtype=np.float32)
    assert s.trace.h.dtype == np.float32 and s.params["head.weight"].dtype == np.float32


def test_last_prediction_gradients_follow_only_the_last_loss_and_are_cached_per_trace():
    session = StepSession("abcabcab", cell="rnn", hidden_size=6, seed=3)
    last = session.last_prediction_gradients
    probs = session.trace.probs
    expected_loss = -np.log(probs[-2, session.targets[-2]])
    assert last.loss == pytest.approx(expected_loss)
    # dL_T/dh_t at the final position is zero: h_T feeds no prediction with a target.
    assert last.grad_norm_h[0, -1] == 0.0
    assert session.last_prediction_gradients is last  # cached while the trace is unchanged
    session.move_to(2)
    assert session.last_prediction_gradients is last  # moving the cursor recomputes nothing
    session.scale_weight("rnn.weight_hh_l0", 2.0)
    assert session.last_prediction_gradients is not last  # a weight edit recomputes it


def test_last_prediction_gradients_need_two_characters():
    assert StepSession("a", cell="lstm", hidden_size=4).last_prediction_gradients is None


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_hidden_only_backprop_is_the_full_backprop_without_parameters(cell):
    session = StepSession("abcabcabba", cell=cell, hidden_size=5, num_layers=2, embedding_dim=3, seed=1)
    only_last = np.full(session.T, -1)
    only_last[-2] = session.targets[-2]
    full = session.model.backward(session.trace, only_last, Clipping("off"))
    hidden = session.last_prediction_gradients
    np.testing.assert_array_equal(hidden.dh, full.dh)
    np.testing.assert_array_equal(hidden.grad_norm_h, full.grad_norm_h)
    assert hidden.loss == full.loss


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_two_losses_back_through_time_at_once_give_what_each_gives_alone(cell):
    session = StepSession("abcabcabba", cell=cell, hidden_size=5, num_layers=2, embedding_dim=3, seed=4,
                          clipping=Clipping("norm", 0.1))
    only_last = np.full(session.T, -1)
    only_last[-2] = session.targets[-2]
    model, trace = session.model, session.trace
    whole, last = model.backward_with_hidden(trace, session.targets, only_last, session.clipping)
    alone = model.backward(trace, session.targets, session.clipping)
    np.testing.assert_allclose(whole.dh, alone.dh, rtol=1e-12, atol=1e-15)
    for name in alone.grads:
        np.testing.assert_allclose(whole.grads[name], alone.grads[name], rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(whole.clipped[name], alone.clipped[name], rtol=1e-12, atol=1e-15)
    assert whole.loss == alone.loss and whole.grad_norm == pytest.approx(alone.grad_norm, rel=1e-12)
    np.testing.assert_allclose(last.dh, model.backward_hidden(trace, only_last).dh, rtol=1e-12, atol=1e-15)


def test_the_undo_history_of_a_big_model_is_bounded_in_bytes(monkeypatch):
    from rnntui.engine import session as session_module

    s = StepSession("abcab", cell="lstm", hidden_size=16, seed=0)
    matrix = s.params["rnn.weight_hh_l0"].nbytes
    monkeypatch.setattr(session_module, "MAX_UNDO_BYTES", 3 * matrix)
    for _ in range(10):
        s.scale_weight("rnn.weight_hh_l0", 1.25)
    undone = 0
    while s.can_undo:
        s.undo()
        undone += 1
    assert undone == 3  # the three newest edits; older ones were let go
    np.testing.assert_allclose(s.params["rnn.weight_hh_l0"], init_params(s.config, 0)["rnn.weight_hh_l0"] * 1.25**7)
