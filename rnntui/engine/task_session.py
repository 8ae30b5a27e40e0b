"""TaskSession: one sequence of one of the paper's tasks, a model that reads it, and a cursor.

The stepping state of the task screen, as `StepSession` is the stepping state of text. It keeps
the forward trace of the whole sequence, the prediction at every step, the answer at the end
against the task's criterion, and the backprop through time of the END loss alone: ||dL/dh_t||
for every t, with the steps that carry what the answer needs (the marked values, the X/Y
symbols, the first symbol) known. How much of that gradient is left at the marked steps,
against the last step, is the vanishing-gradient picture the paper's tasks were made for.

Every figure is computed by `NumpyRNN` when the model or the sequence changes; moving the
cursor only reads them. No UI and no torch here.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from rnntui.engine.checkpoint import Checkpoint, load_checkpoint
from rnntui.engine.config import CELLS, ModelConfig
from rnntui.engine.cursor import TimestepCursor
from rnntui.engine.numpy_rnn import HiddenGradients, NumpyRNN, Trace, init_params
from rnntui.engine.tasks import Task, make_task, task_kind
from rnntui.engine.tasks import temporal_order
from rnntui.engine.tasks.adding import MARKED
from rnntui.errors import CheckpointError
from rnntui.i18n import t

DEFAULT_HIDDEN = 8
# Added to a fresh LSTM's forget-gate bias, as training on a task starts (train/task_runs.py,
# TaskRunConfig.forget_bias): sigmoid(5) = 0.993 keeps the cell, and its gradient, over a hundred
# steps. The screen's fresh weights are the weights a run would start from.
LSTM_FORGET_BIAS = 5.0


def fresh_params(config: ModelConfig, seed: int) -> dict[str, np.ndarray]:
    """PyTorch-style initial weights from `seed`, with the task runs' forget-gate bias for an LSTM."""
    params = init_params(config, seed)
    if config.cell == "lstm":
        H = config.hidden_size
        for layer in range(config.num_layers):
            params[f"rnn.bias_hh_l{layer}"][H : 2 * H] += LSTM_FORGET_BIAS  # gate order i | f | g | o
    return params


def symbol_names(task: Task) -> list[str] | None:
    """The name of each one-hot input unit (symbol tasks), None for the tasks that read values."""
    if task.name.startswith("temporal-order"):
        return list(temporal_order.SYMBOLS)
    if task.name.startswith("remember-first"):
        p = task.setting
        return [f"a{i}" for i in range(1, p)] + ["x", "y"]
    return None


def class_names(task: Task) -> list[str] | None:
    """The name of each class a softmax head answers with; None for a linear head."""
    if task.name.startswith("temporal-order"):
        relevant = task.output_size.bit_length() - 1  # 2 ** relevant classes: the X/Y pattern read as binary
        return ["".join("XY"[int(bit)] for bit in format(k, f"0{relevant}b")) for k in range(task.output_size)]
    return symbol_names(task)


def marked_steps(task: Task, inputs: np.ndarray) -> np.ndarray:
    """0-based steps whose input the answer depends on: the two marked pairs (adding,
    multiplication), the X/Y symbols (temporal order), the first symbol (remember-first)."""
    if task.kind.head == "linear":
        return np.flatnonzero(inputs[:, 1] == MARKED)
    if task.name.startswith("temporal-order"):
        return np.flatnonzero(np.isin(inputs.argmax(axis=1), temporal_order.RELEVANT))
    return np.array([0])


@dataclass(frozen=True)
class TaskStep:
    """Timestep t (1-based) of the trace; arrays are views. Field names follow `StepView`, so the
    stepping screen's presenters (`views.gate_blocks`) read it as they read a text step."""

    t: int
    x: np.ndarray  # (input_dim,) the values (or one-hot symbol) read at t
    h: np.ndarray  # (L, H)
    c: np.ndarray | None  # (L, H) LSTM cell state, else None
    gates: dict[str, np.ndarray]  # name -> (L, H)
    pre: np.ndarray  # (L, G*H)
    output: np.ndarray  # (V,) linear head: the predicted values; softmax: class probabilities
    marked: bool  # whether the answer depends on this step's input


@dataclass(frozen=True)
class EndResult:
    """The answer at the end of the sequence against the task's criterion."""

    target: float | int  # linear: the value to produce; softmax: the class index
    output: np.ndarray  # (V,) the head's output at the last step (values, or class probabilities)
    prediction: float | int  # linear: the predicted value; softmax: the likeliest class
    error: float  # linear: |prediction - target|; softmax: 1 - p(target)
    tolerance: float | None  # linear: the paper's bound on |error|; softmax: None (the class must be right)
    meets: bool  # the paper's criterion for this one sequence
    loss: float  # squared error, or cross-entropy, of the end output alone


class TaskSession(TimestepCursor):
    """Model + one task sequence + cursor; `trace`, `end` and `end_gradients` cached per change."""

    def __init__(self, task: Task, cell: str = "rnn", hidden_size: int = DEFAULT_HIDDEN, num_layers: int = 1,
                 seed: int = 0, sequence_seed: int = 0, params: dict[str, np.ndarray] | None = None,
                 activation: str = "tanh") -> None:
        """A fresh model from `seed` (or the given `params`) on sequence number `sequence_seed` of `task`."""
        self.task = task
        self.config = ModelConfig(cell=cell, activation=activation, hidden_size=hidden_size, num_layers=num_layers,
                                  vocab_size=task.output_size, input_dim=task.input_dim, head=task.kind.head)
        self.seed = int(seed)
        self.sequence_seed = int(sequence_seed)
        self.model = NumpyRNN(self.config, fresh_params(self.config, self.seed) if params is None else params)
        self._cursor = 1
        self._draw_sequence()

    @classmethod
    def from_checkpoint(cls, path: str | os.PathLike, sequence_seed: int = 0) -> "TaskSession":
        """The model a task checkpoint holds, on a sequence of its task. A character checkpoint is
        refused in one line (the one every command that feeds values gives)."""
        return cls.from_loaded(load_checkpoint(path, input_kind="values"), str(path), sequence_seed)

    @classmethod
    def from_loaded(cls, checkpoint: Checkpoint, name: str, sequence_seed: int = 0) -> "TaskSession":
        """A checkpoint already read (`name` says which file, for the errors): its task must be known
        and fit the model."""
        recorded = checkpoint.task
        if checkpoint.config.input_kind != "values" or recorded is None or "name" not in recorded:
            raise CheckpointError(t("taskapp.error.no_task", name=name))
        kind = task_kind(str(recorded["name"]))
        task = make_task(kind.name, recorded.get(kind.setting) if kind.setting else None)
        cfg = checkpoint.config
        if (cfg.input_dim, cfg.vocab_size, cfg.head) != (task.input_dim, task.output_size, task.kind.head):
            raise CheckpointError(t("taskapp.error.task_mismatch", name=name, task=task.name))
        return cls(task, cfg.cell, cfg.hidden_size, cfg.num_layers, sequence_seed=sequence_seed,
                   params=checkpoint.params, activation=cfg.activation)

    def for_task(self, task: Task) -> "TaskSession":
        """A fresh model of the same cell, size and seed on `task` (whose inputs and outputs differ)."""
        cfg = self.config
        return TaskSession(task, cfg.cell, cfg.hidden_size, cfg.num_layers, seed=self.seed, activation=cfg.activation)

    # ------------------------------------------------------------------ what is computed

    def _draw_sequence(self) -> None:
        batch = self.task.batch(np.random.default_rng(self.sequence_seed), 1)
        self.inputs, self.targets = batch.sequence(0)
        self.answer = batch.answers[0]
        self.marked = marked_steps(self.task, self.inputs)
        self._cursor = min(self._cursor, self.T)
        self._recompute()

    def end_targets(self) -> np.ndarray:
        """Targets at the last step only: the loss whose gradient the bars follow back in time."""
        if self.config.head == "linear":
            targets = np.full((self.T, self.config.vocab_size), np.nan)
            targets[-1] = self.answer
        else:
            targets = np.full(self.T, -1, dtype=np.int64)
            targets[-1] = int(self.answer)
        return targets

    def _recompute(self) -> None:
        self.trace: Trace = self.model.forward(self.inputs)
        self.end_gradients: HiddenGradients = self.model.backward_hidden(self.trace, self.end_targets())
        self.end = self._end_result()

    def _end_result(self) -> EndResult:
        output = self.outputs[-1]
        loss = float(self.end_gradients.loss)
        if self.config.head == "linear":
            target, prediction = float(self.answer[0]), float(output[0])
            error = abs(prediction - target)
            tolerance = self.task.kind.tolerance
            return EndResult(target, output, prediction, error, tolerance, error < tolerance, loss)
        target, prediction = int(self.answer), int(np.argmax(output))
        return EndResult(target, output, prediction, 1.0 - float(output[target]), None, prediction == target, loss)

    @property
    def outputs(self) -> np.ndarray:
        """(T, V) the head's output at every step: predicted values, or class probabilities."""
        return self.trace.logits if self.config.head == "linear" else self.trace.probs

    @property
    def T(self) -> int:
        return int(self.inputs.shape[0])

    @property
    def params(self) -> dict[str, np.ndarray]:
        return self.model.params

    @property
    def gradient_norms(self) -> np.ndarray:
        """(L, T) ||dL_end/dh_t|| for every layer and step (index t-1 for step t)."""
        return self.end_gradients.grad_norm_h

    def reach(self, layer: int = 0) -> dict[int, float]:
        """For each marked step (0-based), ||dL_end/dh|| there over its value at the last step:
        how much of the final loss's gradient reaches the steps the answer depends on. Layer 0 by
        default: the layer that reads the marked inputs."""
        norms = self.gradient_norms[layer]
        last = float(norms[-1])
        return {int(m): float(norms[m]) / last if last > 0 else float("nan") for m in self.marked}

    # ------------------------------------------------------------------ the cursor

    def current_step(self) -> TaskStep:
        return self.step_view(self._cursor)

    def step_view(self, t: int) -> TaskStep:
        i = t - 1
        tr = self.trace
        return TaskStep(t=t, x=self.inputs[i], h=tr.h[:, t], c=None if tr.c is None else tr.c[:, t],
                        gates={name: g[:, i] for name, g in tr.gates.items()}, pre=tr.pre[:, i],
                        output=self.outputs[i], marked=bool(np.isin(i, self.marked)))

    def move_to(self, t: int) -> None:
        self._cursor = max(1, min(self.T, int(t)))


    # ------------------------------------------------------------------ changes

    def new_sequence(self, seed: int | None = None) -> None:
        """Another sequence of the task (the next sequence seed, or `seed`); the cursor stays within it."""
        self.sequence_seed = self.sequence_seed + 1 if seed is None else int(seed)
        self._draw_sequence()

    def randomize(self, seed: int | None = None) -> None:
        """Fresh weights from the next seed (or `seed`), which becomes the session's seed."""
        self.seed = self.seed + 1 if seed is None else int(seed)
        self.model = NumpyRNN(self.config, fresh_params(self.config, self.seed))
        self._recompute()

    def set_cell(self, cell: str) -> None:
        """Another cell: the weights' shapes change, so they are drawn again from the seed."""
        self.config = self.config.with_(cell=cell)
        self.model = NumpyRNN(self.config, fresh_params(self.config, self.seed))
        self._recompute()

    def cycle_cell(self) -> str:
        """RNN → LSTM → GRU → RNN; returns the new cell."""
        self.set_cell(CELLS[(CELLS.index(self.config.cell) + 1) % len(CELLS)])
        return self.config.cell

    def install_params(self, params: dict[str, np.ndarray], config: ModelConfig | None = None) -> None:
        """New weights (a training run's, or a checkpoint's): the sequence and the cursor stay,
        every figure is computed again. `config` when the model itself changes (its cell or size)."""
        if config is not None:
            self.config = config
        self.model = NumpyRNN(self.config, params)
        self._recompute()
