"""Sampling text from a model with either engine; both give the same distribution for the same weights.

A *stepper* feeds characters one at a time and keeps the recurrent state; `generate` turns its
logits into characters. Logits become float64 probabilities here, identically for both engines,
and characters are drawn by inverse CDF from one `np.random.default_rng(seed)`: the same seed
gives the same text, and the NumPy and PyTorch engines agree draw for draw.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import numpy as np

from rnntui.engine.checkpoint import Checkpoint, load_checkpoint
from rnntui.engine.vocab import Vocab
from rnntui.errors import RnntuiError
from rnntui.numbers import finite_number

ENGINES = ("numpy", "torch")


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


class TorchStepper:
    """Steps a CharRNN (eval mode, float32, no autograd), carrying its state between calls."""

    def __init__(self, model):
        self.model = model
        self.state = None

    @classmethod
    def from_checkpoint(cls, checkpoint: Checkpoint) -> "TorchStepper":
        from rnntui.engine.torch_model import CharRNN

        model = CharRNN(checkpoint.config)
        model.load_numpy_params(checkpoint.params)
        return cls(model.eval())

    def feed(self, indices: np.ndarray) -> np.ndarray:
        import torch

        device = self.model.head.weight.device
        x = torch.as_tensor(np.asarray(indices, dtype=np.int64), device=device).view(1, -1)
        with torch.no_grad():
            logits, self.state = self.model(x, self.state)
        return logits[0, -1].double().cpu().numpy()


def next_char_probs(logits: np.ndarray, temperature: float = 1.0, top_k: int | None = None) -> np.ndarray:
    """float64 probabilities from logits: divided by temperature, cut to the top k, renormalised."""
    if not finite_number(temperature, "temperature") > 0:
        raise RnntuiError(f"temperature must be > 0, got {temperature}")
    scaled = np.asarray(logits, dtype=np.float64) / temperature
    if top_k is not None and top_k < len(scaled):
        if top_k < 1:
            raise RnntuiError(f"top-k must be >= 1, got {top_k}")
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
        raise RnntuiError(f"length must be >= 0, got {length}")
    rng = np.random.default_rng(seed)
    if not prime:
        prime = "\n" if "\n" in vocab else vocab.chars[int(rng.integers(len(vocab)))]
    unknown = sorted({ch for ch in prime if ch not in vocab})
    if unknown:
        raise RnntuiError(f"the prime uses characters the model never saw: {''.join(unknown)!r}")
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
        raise RnntuiError(f"{str(path)!r} is a folder without best.safetensors or last.safetensors")
    return path


def sample_checkpoint(path: str | Path, engine: str = "numpy", **options) -> str:
    """Load a checkpoint (file or run folder) and `generate` from it with the chosen engine."""
    if engine not in ENGINES:
        raise RnntuiError(f"unknown engine {engine!r}: choose one of {', '.join(ENGINES)}")
    checkpoint = load_checkpoint(checkpoint_file(path))
    stepper = NumpyStepper(checkpoint) if engine == "numpy" else TorchStepper.from_checkpoint(checkpoint)
    return generate(stepper, Vocab(checkpoint.vocab), **options)
