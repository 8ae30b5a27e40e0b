"""A short plain-SGD run on a StepSession's text with the NumPy engine: does training converge?

Small enough to answer a question in about a second on two cores (a few dozen steps of a tiny
model), so an exercise can check a learner's clipping threshold by really training with it
instead of comparing against a number. The torch Trainer is the tool for real runs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rnntui.engine.numpy_rnn import Clipping, NumpyRNN
from rnntui.engine.session import StepSession


@dataclass(frozen=True)
class SgdRun:
    losses: list[float]  # mean cross-entropy before each update; stops early once non-finite
    chance: float  # log(vocabulary size): the loss of a model that guesses uniformly
    diverged: bool  # a loss, a gradient or a weight left the range of floats

    @property
    def last_loss(self) -> float:
        return self.losses[-1]

    @property
    def converged(self) -> bool:
        """Finite all the way and ending below the uniform guess: it learned something."""
        return not self.diverged and self.last_loss < self.chance


def sgd_run(session: StepSession, clipping: Clipping, lr: float, steps: int) -> SgdRun:
    """`steps` updates params -= lr * clipped gradient on the session's whole text (one sequence)."""
    config, indices = session.config, session.indices
    targets = NumpyRNN.next_targets(indices)
    params = dict(session.params)
    losses: list[float] = []
    diverged = False
    with np.errstate(over="ignore", invalid="ignore"):  # divergence is an outcome here, not a fault
        for _ in range(steps):
            model = NumpyRNN(config, params)
            gradients = model.backward(model.forward(indices), targets, clipping)
            losses.append(float(gradients.loss))
            if not (np.isfinite(gradients.loss) and np.isfinite(gradients.grad_norm)):
                diverged = True
                break
            params = {name: value - lr * gradients.clipped[name] for name, value in params.items()}
            if not all(np.isfinite(value).all() for value in params.values()):
                diverged = True
                break
    return SgdRun(losses, float(np.log(config.vocab_size)), diverged)
