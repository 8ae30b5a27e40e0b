"""Training on the paper's tasks: the loss that weighs the judged step, the LSTM's starting gate
biases, and the success criterion that ends a run."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import torch.nn.functional as F  # noqa: E402

from rnntui.engine.tasks import make_task, score  # noqa: E402
from rnntui.train import task_runs  # noqa: E402  (its test_set is no test: pytest must not collect it)
from rnntui.train.task_runs import TaskRunConfig, as_tensors, build_model, judged_outputs, task_loss, train_on_task  # noqa: E402
from rnntui.train.torch_model import sequence_loss  # noqa: E402


def batch_and_outputs(name, setting, count=6, seed=0):
    task = make_task(name, setting)
    batch = task.batch(np.random.default_rng(seed), count)
    inputs, targets = as_tensors(task, batch)
    outputs = torch.randn(*targets.shape[:2], task.output_size, generator=torch.Generator().manual_seed(seed))
    return task, batch, outputs, targets


def test_the_judged_step_carries_its_share_of_the_loss():
    task, batch, outputs, targets = batch_and_outputs("remember-first-random", 7)
    B, T = targets.shape
    # Reference: every position's cross-entropy on its own, then averaged by hand.
    each = torch.stack([torch.stack([F.cross_entropy(outputs[b, t][None], targets[b, t][None]) for t in range(T)])
                        for b in range(B)])
    last, others = each[:, -1].mean(), each[:, :-1].mean()
    share = task_loss(outputs, targets, batch.judged_steps, "softmax", 0.5)
    assert float(share) == pytest.approx(float(0.5 * last + 0.5 * others), rel=1e-6)
    assert float(task_loss(outputs, targets, batch.judged_steps, "softmax", 1.0)) == pytest.approx(float(last), rel=1e-6)
    # None is the paper's loss: every target the same, 1/p of it on the last step.
    paper = task_loss(outputs, targets, batch.judged_steps, "softmax", None)
    assert float(paper) == pytest.approx(float(each.mean()), rel=1e-6)
    assert float(paper) == float(sequence_loss(outputs, targets, "softmax"))


@pytest.mark.parametrize("name, setting, head", [("adding", 10, "linear"), ("temporal-order", None, "softmax")])
def test_a_task_judged_only_at_the_end_has_the_same_loss_at_any_share(name, setting, head):
    task, batch, outputs, targets = batch_and_outputs(name, setting)
    assert not task.kind.every_step
    plain = float(sequence_loss(outputs, targets, head))
    for share in (None, 0.5, 1.0):
        assert float(task_loss(outputs, targets, batch.judged_steps, head, share)) == pytest.approx(plain, rel=1e-6)


def test_the_lstm_starts_with_its_input_and_forget_gates_biased():
    task = make_task("temporal-order")
    H = 8
    plain = build_model(task, TaskRunConfig(hidden_size=H, input_bias=0.0, forget_bias=0.0))
    biased = build_model(task, TaskRunConfig(hidden_size=H, input_bias=-4.0, forget_bias=5.0))
    shift = (biased.rnn.bias_hh_l0 - plain.rnn.bias_hh_l0).detach().numpy()
    np.testing.assert_allclose(shift[:H], -4.0, atol=1e-6)  # i
    np.testing.assert_allclose(shift[H:2 * H], 5.0, atol=1e-6)  # f
    np.testing.assert_allclose(shift[2 * H:], 0.0)  # g, o
    for name, value in biased.state_dict().items():
        if name != "rnn.bias_hh_l0":
            assert torch.equal(value, plain.state_dict()[name]), name
    # The biases are the LSTM's gates: the other cells are built as they are.
    gru = build_model(task, TaskRunConfig(cell="gru", hidden_size=H, input_bias=-4.0))
    reference = build_model(task, TaskRunConfig(cell="gru", hidden_size=H, input_bias=0.0, forget_bias=0.0))
    assert all(torch.equal(v, reference.state_dict()[k]) for k, v in gru.state_dict().items())


def test_a_run_stops_at_the_first_check_that_meets_the_criterion():
    task = make_task("remember-first", 5)
    run = TaskRunConfig(seed=0, max_sequences=20_000, eval_every=5, test_size=64)
    result = train_on_task(task, run)
    assert result.stopped_by == "success" and result.solved_after == result.sequences
    *before, last = result.checks
    assert last.sequences == result.solved_after and last.score.success and last.score.correct == 1.0
    assert not any(c.score.success for c in before)
    assert all(c.sequences % (run.eval_every * run.batch_size) == 0 for c in result.checks)
    # The check scored the returned model on the fixed test set, by the task's own criterion.
    test = task_runs.test_set(task, run.test_size)
    assert score(task, judged_outputs(result.model, task, test), test) == last.score


def test_a_run_that_never_meets_it_ends_at_the_budget_with_a_final_check():
    task = make_task("temporal-order")
    result = train_on_task(task, TaskRunConfig(cell="rnn", max_sequences=96, eval_every=2, test_size=32))
    assert result.stopped_by == "budget" and result.solved_after is None and result.sequences == 96
    assert [c.sequences for c in result.checks] == [64, 96] and result.final == result.checks[-1].score
