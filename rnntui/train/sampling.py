"""Sampling with the PyTorch engine, and `sample_checkpoint`, which picks either engine.

The NumPy side (`generate`, `NumpyStepper`) lives in `rnntui.engine.sampling`; torch is imported
only when the torch engine is chosen, so `rnntui sample` with the NumPy engine never loads it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from rnntui.engine.checkpoint import Checkpoint, load_checkpoint
from rnntui.engine.sampling import NumpyStepper, checkpoint_file, generate
from rnntui.engine.vocab import Vocab
from rnntui.errors import RnntuiError
from rnntui.i18n import t

ENGINES = ("numpy", "torch")


class TorchStepper:
    """Steps a CharRNN (eval mode, float32, no autograd), carrying its state between calls."""

    def __init__(self, model):
        self.model = model
        self.state = None

    @classmethod
    def from_checkpoint(cls, checkpoint: Checkpoint) -> "TorchStepper":
        from rnntui.train.torch_model import CharRNN

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


def sample_checkpoint(path: str | Path, engine: str = "numpy", **options) -> str:
    """Load a checkpoint (file or run folder) and `generate` from it with the chosen engine."""
    if engine not in ENGINES:
        raise RnntuiError(t("train.sampling.unknown_engine", engine=engine, choices=", ".join(ENGINES)))
    checkpoint = load_checkpoint(checkpoint_file(path))
    stepper = NumpyStepper(checkpoint) if engine == "numpy" else TorchStepper.from_checkpoint(checkpoint)
    return generate(stepper, Vocab(checkpoint.vocab), **options)
