"""A batch of task sequences: padded inputs, targets at chosen steps, and the step each answer is judged at."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class TaskBatch:
    """B sequences of possibly different lengths, zero-padded on the right to the longest.

    Padding sits after each sequence's end, so a causal network's outputs up to the end are the
    same as on the unpadded sequence; the answer is read at `lengths - 1`.
    """

    inputs: np.ndarray  # (B, T, input_dim) real values; zero after each sequence's end
    targets: np.ndarray  # linear head: (B, T, V) values, nan where none; softmax: (B, T) classes, -1 where none
    lengths: np.ndarray  # (B,) steps in each sequence
    answers: np.ndarray  # linear: (B, V) the target at the end; softmax: (B,) the class at the end

    @property
    def size(self) -> int:
        return int(self.lengths.shape[0])

    @property
    def judged_steps(self) -> np.ndarray:
        """The step of every sequence whose output the task's criterion judges: its last."""
        return self.lengths - 1

    def sequence(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(inputs, targets) of sequence k without its padding, as the NumPy engine takes them."""
        n = int(self.lengths[k])
        return self.inputs[k, :n], self.targets[k, :n]


def end_targets(lengths: np.ndarray, answers: np.ndarray, width: int, linear: bool) -> np.ndarray:
    """Targets only at each sequence's last step: the paper's "error signal only at the sequence end"."""
    B, T = len(lengths), int(lengths.max())
    rows = np.arange(B)
    if linear:
        targets = np.full((B, T, width), np.nan)
        targets[rows, lengths - 1] = answers.reshape(B, width)
    else:
        targets = np.full((B, T), -1, dtype=np.int64)
        targets[rows, lengths - 1] = answers
    return targets


def one_hot_sequences(symbols: list[np.ndarray], width: int) -> tuple[np.ndarray, np.ndarray]:
    """Integer symbol sequences -> right-padded one-hot inputs (B, T, width) and their lengths."""
    lengths = np.array([len(s) for s in symbols], dtype=np.int64)
    inputs = np.zeros((len(symbols), int(lengths.max()), width))
    for k, seq in enumerate(symbols):
        inputs[k, np.arange(len(seq)), seq] = 1.0
    return inputs, lengths
