"""Training a vanilla RNN, an LSTM or a GRU on one of the paper's tasks, until it succeeds or the budget ends.

A run draws fresh batches from the task's generator (the paper never reuses a training sequence),
takes clipped Adam steps on the loss at the positions that have targets (the judged step weighted,
where there are others), and every `eval_every` steps scores a fixed test set by the task's own
criterion. The first check that meets it records how many training sequences that took, the
column the paper reports. Progress goes to a callback, so the loop knows nothing of who shows it.
Imports torch: only torch-side code imports this module.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch

from rnntui.engine.config import ModelConfig
from rnntui.engine.tasks import Score, Task, TaskBatch, score
from rnntui.train.torch_model import CharRNN, sequence_loss

TEST_SEED = 2_560  # one test set per task and setting, the same for every cell and seed


@dataclass(frozen=True)
class TaskRunConfig:
    """How one network is trained on a task; where this differs from the paper, the table says so."""

    cell: str = "lstm"  # rnn | lstm | gru
    seed: int = 0  # weights and training sequences
    hidden_size: int = 16  # units in the one recurrent layer
    batch_size: int = 32  # sequences per Adam step (the paper: 1, online)
    lr: float = 1e-2  # Adam's learning rate (the paper: plain gradient descent)
    # Added to the LSTM's forget-gate bias at the start. The 1997 LSTM had no forget gate (its cell
    # kept everything); sigmoid(5) = 0.993 keeps 70 % of the cell over 50 steps where +1 keeps 1e-7,
    # and with +1 the adding problem at T = 100 stays at the constant baseline for 400,000 sequences.
    forget_bias: float = 5.0
    # Added to the LSTM's input-gate bias at the start. A cell that keeps everything also sums
    # whatever its inputs add on average: over 100 steps it drifts into tanh's flat tails, where the
    # gradient of the answer is nearly zero (the paper's "internal state drift"). Its remedy is to
    # start with the input gates biased towards closed: sigmoid(-4) = 0.018.
    input_bias: float = -4.0
    clip: float = 1.0  # max global gradient norm
    max_sequences: int = 100_000  # training budget in sequences
    eval_every: int = 25  # Adam steps between test-set checks
    test_size: int = 2560  # sequences in the test set (the paper's size)
    max_seconds: float | None = None  # also stop after this long (a safety net for --quick)
    # Share of the loss carried by each sequence's judged step (its last), the rest spread evenly over
    # its other targets; None: every target counts the same, as in the paper. It matters only for a
    # task with targets before the end (remember-first): there only the last of p targets needs the
    # memory, and averaged with the p - 1 predictable ones its signal shrinks as 1/p.
    judged_share: float | None = 0.5


@dataclass(frozen=True)
class Check:
    """One test-set check during training."""

    sequences: int  # training sequences seen so far
    seconds: float
    score: Score


@dataclass
class TaskRunResult:
    cell: str
    seed: int
    solved_after: int | None  # training sequences until the first check that met the criterion
    final: Score  # the test-set score when the run stopped
    sequences: int  # training sequences seen in all
    seconds: float
    stopped_by: str  # "success" | "budget" | "time" (max_seconds) | "stopped" (should_stop said so)
    checks: list[Check] = field(default_factory=list)
    model: CharRNN | None = field(default=None, repr=False)


def model_config(task: Task, run: TaskRunConfig) -> ModelConfig:
    return ModelConfig(cell=run.cell, hidden_size=run.hidden_size, vocab_size=task.output_size,
                       input_dim=task.input_dim, head=task.kind.head)


def build_model(task: Task, run: TaskRunConfig) -> CharRNN:
    torch.manual_seed(run.seed)
    model = CharRNN(model_config(task, run))
    if run.cell == "lstm":
        H = run.hidden_size
        with torch.no_grad():  # PyTorch's gate order is i | f | g | o
            model.rnn.bias_hh_l0[:H] += run.input_bias
            model.rnn.bias_hh_l0[H : 2 * H] += run.forget_bias
    return model


def as_tensors(task: Task, batch: TaskBatch) -> tuple[torch.Tensor, torch.Tensor]:
    inputs = torch.from_numpy(batch.inputs).float()
    targets = torch.from_numpy(batch.targets)
    return inputs, targets.float() if task.kind.head == "linear" else targets


def task_loss(outputs: torch.Tensor, targets: torch.Tensor, judged_steps: np.ndarray, head: str,
              judged_share: float | None) -> torch.Tensor:
    """The loss of one batch: `sequence_loss` over every target, or with `judged_share` of it on the
    judged steps and the rest on the others (all of it on the judged steps when there are no others)."""
    if judged_share is None:
        return sequence_loss(outputs, targets, head)
    rows, steps = torch.arange(outputs.shape[0]), torch.from_numpy(np.asarray(judged_steps))
    judged = sequence_loss(outputs[rows, steps][:, None], targets[rows, steps][:, None], head)
    others = targets.clone()
    others[rows, steps] = -1 if head == "softmax" else float("nan")
    has_others = (others >= 0).any() if head == "softmax" else (~torch.isnan(others)).any()
    if not has_others:
        return judged
    return judged_share * judged + (1.0 - judged_share) * sequence_loss(outputs, others, head)


def judged_outputs(model: CharRNN, task: Task, batch: TaskBatch, chunk: int = 512) -> np.ndarray:
    """The head's outputs at each sequence's judged step, (B, V), in chunks to bound memory."""
    parts = []
    with torch.no_grad():
        for start in range(0, batch.size, chunk):
            rows = slice(start, start + chunk)
            outputs, _ = model(torch.from_numpy(batch.inputs[rows]).float())
            steps = torch.from_numpy(batch.judged_steps[rows])
            parts.append(outputs[torch.arange(len(steps)), steps].double().numpy())
    return np.concatenate(parts)


def save_task_model(path, result: TaskRunResult, task: Task) -> None:
    """A checkpoint (format rnntui/1) of a trained task model: its config says it reads values and
    which head it has, and `task` records the task, so a command that feeds characters refuses it."""
    import json

    from rnntui.engine.checkpoint import TASK_KEY, save_checkpoint

    save_checkpoint(path, result.model.numpy_params(), result.model.config, [],
                    {TASK_KEY: json.dumps(task.to_dict()), "sequences": str(result.sequences),
                     "solved_after": str(result.solved_after)})


def test_set(task: Task, size: int) -> TaskBatch:
    return task.batch(np.random.default_rng(TEST_SEED), size)


def train_on_task(task: Task, run: TaskRunConfig, test: TaskBatch | None = None,
                  on_check: Callable[[Check], None] | None = None,
                  should_stop: Callable[[], bool] | None = None,
                  on_step: Callable[[int, float, CharRNN], bool] | None = None) -> TaskRunResult:
    """Train one model until the task's criterion holds on the test set, or the budget runs out.

    `on_step(sequences seen, the step's loss, model)` is called after every Adam step (the live
    run in the app watches, pauses and checks through it); returning True ends the run there."""
    test = test if test is not None else test_set(task, run.test_size)
    model = build_model(task, run)
    optimizer = torch.optim.Adam(model.parameters(), lr=run.lr)
    rng = np.random.default_rng(run.seed)
    started = time.perf_counter()
    checks: list[Check] = []
    seen, steps, solved_after, stopped_by = 0, 0, None, "budget"

    def check() -> Score:
        model.eval()
        result = score(task, judged_outputs(model, task, test), test)
        model.train()
        checks.append(Check(seen, time.perf_counter() - started, result))
        if on_check:
            on_check(checks[-1])
        return result

    while seen < run.max_sequences:
        batch = task.batch(rng, run.batch_size)
        inputs, targets = as_tensors(task, batch)
        outputs, _ = model(inputs)
        loss = task_loss(outputs, targets, batch.judged_steps, task.kind.head, run.judged_share)
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), run.clip)
        optimizer.step()
        seen += run.batch_size
        steps += 1
        if on_step is not None and on_step(seen, loss.item(), model):
            stopped_by = "stopped"
            break
        if steps % run.eval_every == 0:
            if check().success:
                solved_after, stopped_by = seen, "success"
                break
            if run.max_seconds is not None and time.perf_counter() - started > run.max_seconds:
                stopped_by = "time"
                break
            if should_stop and should_stop():
                stopped_by = "stopped"
                break
    final = checks[-1].score if checks and checks[-1].sequences == seen else check()
    return TaskRunResult(run.cell, run.seed, solved_after, final, seen, time.perf_counter() - started,
                         stopped_by, checks, model)
