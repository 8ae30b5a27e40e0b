"""The paper's tasks as generators: their definitions, checked on generated batches, and their scores."""

import numpy as np
import pytest

from rnntui.engine.numpy_rnn import NumpyRNN
from rnntui.engine.config import ModelConfig
from rnntui.engine.tasks import KINDS, make_task, score
from rnntui.engine.tasks import paper, temporal_order
from rnntui.errors import RnntuiError


def batch(name, setting=None, count=400, seed=0):
    return make_task(name, setting).batch(np.random.default_rng(seed), count)


@pytest.mark.parametrize("name", ["adding", "multiplication"])
def test_marked_pairs_follow_the_paper(name):
    T = 100
    b = batch(name, T)
    low = -1.0 if name == "adding" else 0.0
    assert b.inputs.shape[2] == 2 and ((b.lengths >= T) & (b.lengths <= T + T // 10)).all()
    assert len(set(b.lengths)) > 3  # lengths really vary
    for k in range(b.size):
        values, markers = b.inputs[k, : b.lengths[k]].T
        marked = np.flatnonzero(markers == 1.0)
        assert len(marked) == 2 and marked[0] < 10 and marked[1] < T // 2 - 1
        assert set(np.flatnonzero(markers == -1.0)) <= {0, b.lengths[k] - 1}
        assert markers[-1] == -1.0 and (markers[0] == -1.0 or 0 in marked)
        assert ((values >= low) & (values <= 1.0)).all()
        x1, x2 = values[marked]
        expected = 0.5 + (x1 + x2) / 4 if name == "adding" else x1 * x2
        assert b.answers[k, 0] == pytest.approx(expected)
        # The only target is at the end: the paper's "error signal only at the sequence end".
        assert np.isnan(b.targets[k, : b.lengths[k] - 1]).all() and b.targets[k, b.lengths[k] - 1, 0] == b.answers[k, 0]
        assert (b.inputs[k, b.lengths[k]:] == 0).all()  # padding after the end


def test_a_marked_first_pair_has_the_papers_value():
    for name, value in (("adding", 0.0), ("multiplication", 1.0)):
        b = batch(name, 10, count=300)  # at T = 10 the first pair is marked often
        first_marked = b.inputs[:, 0, 1] == 1.0
        assert first_marked.any() and (b.inputs[first_marked, 0, 0] == value).all()


@pytest.mark.parametrize("name, relevant", [("temporal-order", 2), ("temporal-order-3", 3)])
def test_temporal_order_follows_the_paper(name, relevant):
    b = batch(name)
    symbols = temporal_order.SYMBOLS
    assert b.inputs.shape[2] == len(symbols) and ((b.lengths >= 100) & (b.lengths <= 110)).all()
    for k in range(b.size):
        seq = "".join(symbols[i] for i in b.inputs[k, : b.lengths[k]].argmax(axis=1))
        assert seq[0] == "E" and seq[-1] == "B" and set(seq[1:-1]) <= set("abcdXY")
        positions = [i + 1 for i, ch in enumerate(seq) if ch in "XY"]  # 1-based, as the paper counts
        assert len(positions) == relevant
        for pos, (lo, hi) in zip(positions, temporal_order.WINDOWS[relevant]):
            assert lo <= pos <= hi
        order = "".join(ch for ch in seq if ch in "XY")
        assert b.answers[k] == int(order.replace("X", "0").replace("Y", "1"), 2)
        assert (b.targets[k, : b.lengths[k] - 1] == -1).all() and b.targets[k, b.lengths[k] - 1] == b.answers[k]
    assert set(b.answers) == set(range(2 ** relevant))  # every class occurs


def test_remember_first_2a_has_two_sequences_and_2b_a_random_middle():
    p = 12
    a, r = batch("remember-first", p), batch("remember-first-random", p)
    for b in (a, r):
        assert b.inputs.shape == (b.size, p, p + 1)
        full = np.concatenate([b.inputs.argmax(axis=2), b.targets[:, -1:]], axis=1)
        assert set(full[:, 0]) == {p - 1, p} and (full[:, 0] == full[:, -1]).all()
        assert (b.answers == full[:, 0]).all() and (b.targets == full[:, 1:]).all()  # next symbol everywhere
        assert (full[:, 1:-1] < p - 1).all()  # the middle never holds x or y
    assert len({tuple(row) for row in a.inputs.argmax(axis=2)}) == 2
    assert len({tuple(row) for row in r.inputs.argmax(axis=2)}) > 100


def test_same_seed_same_batch():
    one, two = batch("adding", seed=7, count=5), batch("adding", seed=7, count=5)
    np.testing.assert_array_equal(one.inputs, two.inputs)


def test_scores_the_papers_criterion_and_a_constant_baseline():
    task = make_task("adding")
    b = task.batch(np.random.default_rng(1), 1000)
    perfect = score(task, b.answers + 0.03, b)
    assert perfect.correct == 1.0 and perfect.success and perfect.error == pytest.approx(0.0009)
    constant = score(task, np.full_like(b.answers, b.answers.mean()), b)
    assert constant.ratio == pytest.approx(1.0) and not constant.success
    # The baseline is the target's variance: about (1/3 + 1/3)/16 for two uniform values in [-1, 1]
    # scaled by 1/4, a little less because X1 is zeroed when the first pair is marked (1 time in 10).
    assert constant.baseline == pytest.approx((0.9 / 3 + 1 / 3) / 16, rel=0.1)
    order = make_task("temporal-order")
    ob = order.batch(np.random.default_rng(2), 1000)
    guess = score(order, np.eye(4)[np.zeros(ob.size, int)], ob)
    assert guess.baseline == pytest.approx(0.75, abs=0.05) and guess.error >= guess.baseline


def test_the_numpy_engine_reads_a_task_sequence():
    task = make_task("adding", 20)
    b = task.batch(np.random.default_rng(3), 2)
    cfg = ModelConfig(cell="lstm", hidden_size=4, vocab_size=task.output_size, input_dim=task.input_dim, head="linear")
    model = NumpyRNN.random(cfg, seed=0)
    inputs, targets = b.sequence(0)
    grads = model.backward(model.forward(inputs), targets)
    assert grads.loss == pytest.approx(float((model.forward(inputs).logits[-1, 0] - b.answers[0, 0]) ** 2))
    assert grads.grad_norm_h.shape == (1, b.lengths[0])


def test_unknown_task_lists_the_tasks():
    with pytest.raises(RnntuiError) as error:
        make_task("addition")
    assert all(name in str(error.value) for name in KINDS)


@pytest.mark.parametrize("name, setting", [("adding", 5), ("adding", 100_000), ("remember-first", 2),
                                           ("remember-first", 5000), ("adding", True)])
def test_out_of_range_settings_are_refused(name, setting):
    with pytest.raises(RnntuiError, match="must be a whole number in"):
        make_task(name, setting)


def test_paper_figures_name_our_tasks():
    assert {r.task for r in paper.RESULTS} <= set(KINDS)
    lstm_2a = [r for r in paper.results_for("remember-first", 100) if r.method == "LSTM"]
    assert [(r.sequences, r.success_percent) for r in lstm_2a] == [(5_040, 100)]
    assert paper.results_for("adding", 100)[0].sequences == 74_000
