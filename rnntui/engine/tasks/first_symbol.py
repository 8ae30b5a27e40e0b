"""Remember the first symbol over a lag p (Hochreiter & Schmidhuber 1997, Experiment 2a and 2b).

There are p + 1 symbols a_1 .. a_{p-1}, x, y, one-hot. In 2a the training set is just two
sequences, (y, a_1, ..., a_{p-1}, y) and (x, a_1, ..., a_{p-1}, x), each drawn with probability
1/2; in 2b the middle is p - 1 symbols drawn at random from a_1 .. a_{p-1}, so there is no local
regularity to lean on. The network predicts the next symbol at every step; only the last one
needs the first symbol, p steps back.
"""

from __future__ import annotations

import numpy as np

from rnntui.engine.tasks.batch import TaskBatch, one_hot_sequences


def symbol_count(p: int) -> int:
    return p + 1


def first_symbol(rng: np.random.Generator, count: int, p: int, random_middle: bool) -> TaskBatch:
    """Inputs are the first p symbols; the targets are the next symbol at every step."""
    x, y = p - 1, p  # a_1 .. a_{p-1} are 0 .. p-2
    first = rng.choice([x, y], size=count)
    if random_middle:
        middle = rng.integers(0, p - 1, size=(count, p - 1))
    else:
        middle = np.broadcast_to(np.arange(p - 1), (count, p - 1))
    full = np.concatenate([first[:, None], middle, first[:, None]], axis=1)  # (B, p + 1)
    inputs, lengths = one_hot_sequences(list(full[:, :-1]), symbol_count(p))
    targets = full[:, 1:].astype(np.int64)
    return TaskBatch(inputs, targets, lengths, first.astype(np.int64))
