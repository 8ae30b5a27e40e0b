"""The adding and multiplication problems (Hochreiter & Schmidhuber 1997, Experiments 4 and 5).

Each step is a pair (value, marker). Two pairs are marked with 1.0: one of the first ten, and one
of the first T/2 - 1 still unmarked; the first and last pairs carry the marker -1, all others 0.
Only at the end is there a target: for adding 0.5 + (X1 + X2) / 4 (the sum scaled into [0, 1]),
for multiplication X1 * X2. Lengths are drawn from T .. T + T/10, so the second marked value lies at
least T/2 steps before the end: the minimal time lag. A sequence counts as processed correctly when
the absolute error at its end is below 0.04.
"""

from __future__ import annotations

import numpy as np

from rnntui.engine.tasks.batch import TaskBatch, end_targets

MARKED, BOUNDARY = 1.0, -1.0
FIRST_CHOICES = 10  # X1 is one of the first ten pairs


def marked_pairs(rng: np.random.Generator, T: int, count: int, low: float,
                 first_pair_value: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(inputs (B, T_max, 2), lengths, (X1, X2) as (B, 2)) with values uniform in [low, 1].

    When the first pair of a sequence is marked its value is replaced by `first_pair_value`, as
    the paper does (0 for adding, 1 for multiplication); it then carries the marker 1, not -1.
    """
    lengths = rng.integers(T, T + T // 10 + 1, size=count)
    inputs = np.zeros((count, int(lengths.max()), 2))
    marked = np.zeros((count, 2))
    for k, n in enumerate(lengths):
        inputs[k, :n, 0] = rng.uniform(low, 1.0, size=n)
        inputs[k, 0, 1] = inputs[k, n - 1, 1] = BOUNDARY
        first = int(rng.integers(FIRST_CHOICES))
        # "one of the first T/2 - 1 still unmarked pairs"
        second = int(rng.choice([i for i in range(T // 2 - 1) if i != first]))
        inputs[k, [first, second], 1] = MARKED
        if 0 in (first, second):
            inputs[k, 0, 0] = first_pair_value
        marked[k] = inputs[k, [first, second], 0]
    return inputs, lengths, marked


def adding(rng: np.random.Generator, count: int, T: int) -> TaskBatch:
    inputs, lengths, marked = marked_pairs(rng, T, count, low=-1.0, first_pair_value=0.0)
    answers = (0.5 + marked.sum(axis=1) / 4.0)[:, None]
    return TaskBatch(inputs, end_targets(lengths, answers, 1, linear=True), lengths, answers)


def multiplication(rng: np.random.Generator, count: int, T: int) -> TaskBatch:
    inputs, lengths, marked = marked_pairs(rng, T, count, low=0.0, first_pair_value=1.0)
    answers = (marked[:, 0] * marked[:, 1])[:, None]
    return TaskBatch(inputs, end_targets(lengths, answers, 1, linear=True), lengths, answers)
