"""Scoring a task's answers: the paper's success criterion, and a modern score beside a constant baseline."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rnntui.engine.tasks.batch import TaskBatch
from rnntui.engine.tasks.registry import Task


@dataclass(frozen=True)
class Score:
    correct: float  # share of sequences the paper's criterion counts as correct
    error: float  # linear head: mean squared error at the end; softmax: error rate (1 - accuracy)
    baseline: float  # the same error for the best constant prediction on these sequences
    success: bool  # correct >= the task's success fraction

    @property
    def ratio(self) -> float:
        """error / baseline: 1 means no better than a constant, 0 means perfect."""
        return self.error / self.baseline if self.baseline > 0 else float("inf")


def score(task: Task, outputs: np.ndarray, batch: TaskBatch) -> Score:
    """`outputs` are the head's outputs at each sequence's judged step, (B, V)."""
    outputs = np.asarray(outputs, dtype=np.float64)
    if task.kind.head == "linear":
        answers = batch.answers.reshape(outputs.shape)
        ok = (np.abs(outputs - answers) < task.kind.tolerance).all(axis=1)
        error = float(np.mean((outputs - answers) ** 2))
        baseline = float(np.mean((answers - answers.mean(axis=0)) ** 2))
    else:
        ok = outputs.argmax(axis=1) == batch.answers
        error = 1.0 - float(ok.mean())
        counts = np.bincount(batch.answers, minlength=outputs.shape[1])
        baseline = 1.0 - counts.max() / counts.sum()  # always answering the commonest class
    correct = float(ok.mean())
    return Score(correct, error, baseline, correct >= task.kind.success_fraction)
