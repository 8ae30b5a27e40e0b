"""The temporal order problem (Hochreiter & Schmidhuber 1997, Experiment 6a and 6b).

A sequence of 100 to 110 symbols starts with E, ends with the trigger B, and is otherwise random
a b c d, except at two (6a) or three (6b) positions drawn from fixed windows, which hold X or Y.
The class is the order of those relevant symbols (6a: XX XY YX YY, four classes; 6b: eight), and
the only target is at the end. Symbols and classes are one-hot ("locally represented"). The
relevant information lies 40 to 100 steps before the answer, among noise that varies every time.
"""

from __future__ import annotations

import numpy as np

from rnntui.engine.tasks.batch import TaskBatch, end_targets, one_hot_sequences

SYMBOLS = "EBabcdXY"  # input units, in this order
START, TRIGGER = SYMBOLS.index("E"), SYMBOLS.index("B")
NOISE = [SYMBOLS.index(c) for c in "abcd"]
RELEVANT = [SYMBOLS.index(c) for c in "XY"]
LENGTHS = (100, 110)  # inclusive
# 1-based positions of the relevant symbols, inclusive windows, as the paper gives them
WINDOWS = {2: ((10, 20), (50, 60)), 3: ((10, 20), (33, 43), (66, 76))}
CLASS_NAMES = {2: "QRSU", 3: "QRSUVABC"}  # the paper's names; class = the X/Y pattern read as binary


def temporal_order(rng: np.random.Generator, count: int, relevant: int) -> TaskBatch:
    """`relevant` = 2 for Experiment 6a, 3 for 6b."""
    windows = WINDOWS[relevant]
    sequences, answers = [], np.zeros(count, dtype=np.int64)
    for k in range(count):
        n = int(rng.integers(LENGTHS[0], LENGTHS[1] + 1))
        seq = rng.choice(NOISE, size=n)
        seq[0], seq[-1] = START, TRIGGER
        bits = rng.integers(2, size=relevant)  # 0: X, 1: Y
        for (lo, hi), bit in zip(windows, bits):
            seq[int(rng.integers(lo, hi + 1)) - 1] = RELEVANT[bit]
        answers[k] = int("".join(map(str, bits)), 2)
        sequences.append(seq)
    inputs, lengths = one_hot_sequences(sequences, len(SYMBOLS))
    return TaskBatch(inputs, end_targets(lengths, answers, 1, linear=False), lengths, answers)
