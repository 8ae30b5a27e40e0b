"""Sampling text from a model; both engines give the same distribution for the same weights.

A *stepper* feeds characters one at a time and keeps the recurrent state; `generate` turns its
logits into characters. Logits become float64 probabilities here, identically for both engines,
and characters are drawn by inverse CDF from one `np.random.default_rng(seed)`: the same seed
gives the same text, and the NumPy and PyTorch engines agree draw for draw. The PyTorch stepper lives in
`rnntui.train.sampling`, so this module never imports torch.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import numpy as np

from rnntui.engine.checkpoint import Checkpoint
from rnntui.engine.vocab import Vocab
from rnntui.errors import RnntuiError
from rnntui.numbers import finite_number
from rnntui.i18n import t

# The sampling temperatures the app's -/+ keys step through (a state string holds one of them).
TEMPERATURES = (0.1, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0)

class Stepper(Protocol):
    def feed(self, indices: np.ndarray) -> np.ndarray:
        """Advance over `indices`; return the logits (V,) for the character after the last one."""


class NumpyStepper:
    """Steps the NumPy engine, carrying h (and c) between calls."""

    def __init__(self, checkpoint: Checkpoint):
        from rnntui.engine.numpy_rnn import NumpyRNN

        self.model = NumpyRNN(checkpoint.config, checkpoint.params)
        self.h = self.c = None

    def feed(self, indices: np.ndarray) -> np.ndarray:
        trace = self.model.forward(indices, self.h, self.c)
        self.h = trace.h[:, -1]
        self.c = trace.c[:, -1] if trace.c is not None else None
        return trace.logits[-1]


def next_char_probs(logits: np.ndarray, temperature: float = 1.0, top_k: int | None = None) -> np.ndarray:
    """float64 probabilities from logits: divided by temperature, cut to the top k, renormalised.

    A temperature so small that the scaled logits overflow float64 (1e-310) gets its limit as
    the temperature falls to 0: all the probability on the likeliest character, as `--greedy`.
    """
    if not finite_number(temperature, "temperature") > 0:
        raise RnntuiError(t("errors.sampling.temperature", value=temperature))
    logits = np.asarray(logits, dtype=np.float64)
    # Weights that overflowed give nan logits: those characters are never drawn; all nan, any may be.
    logits = np.where(np.isnan(logits), -np.inf, logits)
    if logits.max() == -np.inf:
        return np.full(len(logits), 1.0 / len(logits))
    if top_k is not None and top_k < 1:
        raise RnntuiError(t("errors.sampling.top_k", value=top_k))
    drawable = logits > -np.inf
    with np.errstate(over="ignore", invalid="ignore"):  # overflow is detected below, never printed
        scaled = logits / temperature
        spread = scaled[drawable].max() - scaled[drawable].min()
    if not (np.isfinite(scaled[drawable]).all() and np.isfinite(spread)):
        likeliest = (logits == logits.max()).astype(np.float64)
        return likeliest / likeliest.sum()
    if top_k is not None and top_k < len(scaled):
        cutoff = np.sort(scaled)[-top_k]
        scaled = np.where(scaled >= cutoff, scaled, -np.inf)
    e = np.exp(scaled - scaled.max())
    return e / e.sum()


def generate(stepper: Stepper, vocab: Vocab, prime: str = "", length: int = 200,
             temperature: float = 1.0, top_k: int | None = None, greedy: bool = False,
             seed: int = 0) -> str:
    """`prime` followed by `length` sampled characters.

    With no prime the model starts from a newline when its vocabulary has one (the way most
    corpora start a line), else from a character drawn uniformly with the same seed.
    """
    if length < 0:
        raise RnntuiError(t("errors.sampling.length", value=length))
    rng = np.random.default_rng(seed)
    if not prime:
        prime = "\n" if "\n" in vocab else vocab.chars[int(rng.integers(len(vocab)))]
    unknown = sorted({ch for ch in prime if ch not in vocab})
    if unknown:
        raise RnntuiError(t("errors.sampling.unseen_prime", chars=''.join(unknown)))
    logits = stepper.feed(vocab.encode(prime))
    out = []
    for _ in range(length):
        if greedy:
            index = int(np.argmax(logits))
        else:
            cdf = np.cumsum(next_char_probs(logits, temperature, top_k))
            index = min(int(np.searchsorted(cdf, rng.random() * cdf[-1], side="right")), len(cdf) - 1)
        out.append(vocab.chars[index])
        logits = stepper.feed(np.array([index]))
    return prime + "".join(out)


def checkpoint_file(path: str | Path) -> Path:
    """A checkpoint file, or a run folder (its best.safetensors, else last.safetensors)."""
    path = Path(path)
    if path.is_dir():
        for name in ("best.safetensors", "last.safetensors"):
            if (path / name).is_file():
                return path / name
        raise RnntuiError(t("errors.sampling.empty_folder", path=str(path)))
    return path
