"""Training a small RNN, LSTM or GRU on "remember the first symbol", stage by stage over growing gaps.

The Trainer learns a language model from a text stream, where the one character that depends on
the distant cue is a few percent of the loss; a race between cells on a fixed budget needs the loss
on that character alone. So this loop feeds whole examples from `long_range.first_symbol` and
scores only the answer. Scoring uses `long_range.accuracy_by_distance` on the NumPy engine, so the
figures come from the same engine the app steps with. torch is imported inside the class only.
"""

from __future__ import annotations

import numpy as np

from rnntui.demos.script import DemoContext
from rnntui.engine.config import ModelConfig
from rnntui.engine.long_range import TASKS, Example, LongRangeTask, accuracy_by_distance
from rnntui.engine.numpy_rnn import NumpyRNN

TASK = TASKS["first-symbol"]
VOCAB = ["\n", "=", "A", "B", "C", "D", "x", "y", "z"]  # every character the task writes
BATCH = 32
EVAL_EXAMPLES = 200
EVAL_SEED = 999  # evaluation examples are never the training ones (those use the model's seed)
FORGET_BIAS = 1.0  # added to the LSTM's b_hf at the start (Jozefowicz et al. 2015): begin by remembering


def encode(text: str) -> list[int]:
    return [VOCAB.index(ch) for ch in text]


def prompt(example: Example) -> str:
    """What the model reads: a newline (as in the corpus), the symbol, the filler, '='."""
    return "\n" + example.text[: example.checks[0].position]


class FirstSymbolLearner:
    """One model, trained by `train(gap, steps)` calls; its weights carry over from stage to stage."""

    def __init__(self, cell: str, hidden_size: int, seed: int, lr: float = 1e-2, threads: int = 1):
        import torch

        from rnntui.train.torch_model import CharRNN

        torch.set_num_threads(threads)
        torch.manual_seed(seed)
        self.config = self.config_for(cell, hidden_size)
        self.model = CharRNN(self.config)
        if cell == "lstm":
            with torch.no_grad():
                self.model.rnn.bias_hh_l0[hidden_size : 2 * hidden_size] += FORGET_BIAS
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=lr)
        self.rng = np.random.default_rng(seed)
        self.steps = 0

    @staticmethod
    def config_for(cell: str, hidden_size: int) -> ModelConfig:
        return ModelConfig(cell=cell, hidden_size=hidden_size, vocab_size=len(VOCAB))

    def train(self, gap: int, steps: int, ctx: DemoContext, vary: bool = False) -> float:
        """`steps` Adam steps on batches with `gap` filler characters (vary: 1..gap, drawn per batch).

        Returns the last batch's loss. A varying gap forbids timing tricks: the model cannot know
        when '=' will come, so it has to hold the cue until it does.
        """
        import torch
        import torch.nn.functional as F

        loss = torch.tensor(float("nan"))
        for _ in range(steps):
            ctx.check_stop()
            length = int(self.rng.integers(1, gap + 1)) if vary else gap
            examples = [TASK.make(self.rng, length) for _ in range(BATCH)]
            inputs = torch.tensor([encode(prompt(e)) for e in examples])
            answers = torch.tensor([VOCAB.index(e.checks[0].expected) for e in examples])
            logits, _ = self.model(inputs)
            loss = F.cross_entropy(logits[:, -1], answers)
            self.update(loss)
        return loss.item()

    def update(self, loss) -> None:
        """One clipped Adam step on `loss`."""
        import torch

        self.optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.model.parameters(), 1.0)
        self.optimizer.step()
        self.steps += 1

    def params(self) -> dict[str, np.ndarray]:
        return self.model.numpy_params()

    def accuracy(self, gap: int) -> float:
        """Fraction of held-out examples with `gap` fillers whose answer is the argmax among A-D."""
        return accuracy(self.config, self.params(), gap)


class EveryCharacterLearner(FirstSymbolLearner):
    """Scores every next character of `task`'s examples, not just the answer, the answer weighted up.

    On a filler the model cannot predict, a memory that shows in h during the gap skews the guesses
    and costs loss; only at '=' does it pay to show it. That is the pressure an output gate answers.
    """

    def __init__(self, cell: str, hidden_size: int, seed: int, task: LongRangeTask, answer_weight: float,
                 lr: float = 1e-2, threads: int = 1):
        super().__init__(cell, hidden_size, seed, lr=lr, threads=threads)
        self.task = task
        self.answer_weight = answer_weight

    def train(self, gap: int, steps: int, ctx: DemoContext, vary: bool = False) -> float:
        """As `FirstSymbolLearner.train`, the loss averaged over every character of the examples."""
        import torch
        import torch.nn.functional as F

        loss = torch.tensor(float("nan"))
        for _ in range(steps):
            ctx.check_stop()
            length = int(self.rng.integers(1, gap + 1)) if vary else gap
            examples = [self.task.make(self.rng, length) for _ in range(BATCH)]
            text = torch.tensor([encode("\n" + e.text) for e in examples])  # one length: one gap per batch
            inputs, targets = text[:, :-1], text[:, 1:]
            logits, _ = self.model(inputs)
            per_char = F.cross_entropy(logits.transpose(1, 2), targets, reduction="none")  # (B, T)
            weights = torch.ones(targets.shape[1])
            weights[examples[0].checks[0].position] = self.answer_weight  # row p predicts text[p]
            loss = (per_char * weights).sum(1).mean() / targets.shape[1]
            self.update(loss)
        return loss.item()

    def accuracy(self, gap: int) -> float:
        return accuracy(self.config, self.params(), gap, self.task)


def accuracy(config: ModelConfig, params: dict[str, np.ndarray], gap: int, task: LongRangeTask = TASK) -> float:
    engine = NumpyRNN(config, params)

    def probs(text: str) -> np.ndarray:
        return engine.forward(encode(text)).probs

    examples = task.examples(EVAL_EXAMPLES, seed=EVAL_SEED, length=gap)
    scores = accuracy_by_distance(examples, probs, VOCAB)
    correct = sum(c for c, _ in scores.values())
    total = sum(t for _, t in scores.values())
    return correct / total
