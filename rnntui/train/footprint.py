"""What a model costs before it exists: memory to step or train it, disk for a run's files.

Checked before anything is allocated, so a size that cannot fit is refused in one line with the
estimate, instead of failing deep inside NumPy's or torch's allocator (or swapping for minutes).
The estimates count the big arrays only and round up; they are a guard, not a profiler.
No torch here: the CLI and the app call these before paying for torch.
"""

from __future__ import annotations

import math
from pathlib import Path

from rnntui.engine.config import GATES_PER_CELL, ModelConfig
from rnntui.errors import RnntuiError
from rnntui.i18n import t
from rnntui.numbers import format_bytes

FLOAT32, FLOAT64 = 4, 8
# Per-parameter state each optimiser keeps (Adam: exp_avg and exp_avg_sq; SGD: momentum).
OPTIMIZER_SLOTS = {"adam": 2, "adamw": 2, "rmsprop": 1, "sgd": 1}
# Copies of the weights a training process holds besides the weights: gradients, the last good
# weights (for rolling back a nan step), the snapshot for saving and probing, the NumPy probe's
# own copy and its gradients.
TRAINING_WEIGHT_COPIES = 5
# Copies of the weights the stepping engine holds: the base weights, the model's, gradients, and
# one undo entry.
STEPPING_WEIGHT_COPIES = 4
# Activations are counted per stream, character and unit (each gate row, h and c); this factor
# covers their forward values, their gradients and the kernels' workspace.
ACTIVATION_SLACK = 3
# Arrays of one float64 per character of the text and character of the vocabulary the stepping
# engine holds at once: the one-hot inputs, the logits, the softmax's three temporaries and its
# probabilities, the loss's copy of them and their gradient. With a vocabulary as large as the text
# (30,000 distinct characters) these, not the model, are what fill the memory.
STEPPING_VOCAB_ARRAYS = 8


def parameter_count(config: ModelConfig) -> int:
    return sum(math.prod(shape) for shape in config.parameter_shapes().values())


def training_bytes(config: ModelConfig, optimizer: str, batch_size: int, seq_len: int) -> int:
    """Memory one training process needs for this model: weights and their copies, optimiser state,
    and the activations of one chunk (batch_size streams of seq_len characters)."""
    weights = parameter_count(config) * FLOAT32
    # The optimiser state twice: in torch, and the NumPy copy a save of `last` writes out.
    state = weights * (1 + TRAINING_WEIGHT_COPIES + 2 * OPTIMIZER_SLOTS.get(optimizer, 2))
    rows = batch_size * seq_len
    per_row = config.num_layers * (GATES_PER_CELL[config.cell] + 2) * config.hidden_size
    per_row += config.input_size + 3 * config.vocab_size  # inputs; logits, their softmax and gradient
    return state + ACTIVATION_SLACK * rows * per_row * FLOAT32


def stepping_bytes(config: ModelConfig, length: int) -> int:
    """Memory the NumPy stepping engine (float64) needs for this model over `length` characters,
    including the spectral radius, whose eigen-solver works on H x H copies of W_hh, and the
    arrays of a value per character and vocabulary entry (inputs, probabilities, their gradients)."""
    weights = parameter_count(config) * FLOAT64 * STEPPING_WEIGHT_COPIES
    eigen = 4 * config.hidden_size ** 2 * FLOAT64
    trace = ACTIVATION_SLACK * (length + 1) * config.num_layers * (GATES_PER_CELL[config.cell] + 2) * config.hidden_size
    per_vocab = STEPPING_VOCAB_ARRAYS * (length + 1) * config.vocab_size
    return weights + eigen + (trace + per_vocab) * FLOAT64


def run_folder_bytes(config: ModelConfig, optimizer: str) -> int:
    """Disk a run's checkpoints take at their peak: `last`, `best` and the optimiser state, plus
    the new `last` and optimiser state written beside the old ones before they replace them."""
    weights = parameter_count(config) * FLOAT32
    last_and_state = weights * (1 + OPTIMIZER_SLOTS.get(optimizer, 2))
    return 2 * last_and_state + weights


def available_memory() -> int | None:
    """Bytes this process can still allocate: MemAvailable, capped by a cgroup limit; None if unknown."""
    available = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                available = int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    try:
        limit = Path("/sys/fs/cgroup/memory.max").read_text().strip()
        used = int(Path("/sys/fs/cgroup/memory.current").read_text())
        if limit != "max" and available is not None:
            available = min(available, int(limit) - used)
    except (OSError, ValueError):
        pass
    return available


def check_training_fits(config: ModelConfig, optimizer: str, batch_size: int, seq_len: int, device) -> None:
    """Refuse a model whose training cannot fit in the memory of `device` (a torch.device)."""
    available = None
    if device.type == "cuda":
        import torch

        available = torch.cuda.mem_get_info(device)[0]
    check_fits(training_bytes(config, optimizer, batch_size, seq_len), t("train.memory.training", model=describe(config)),
               available, t("train.memory.gpu_memory") if device.type == "cuda" else None)


def describe(config: ModelConfig) -> str:
    return t("train.memory.model", layers=config.num_layers, units=config.hidden_size, cell=config.cell,
             parameters=f"{parameter_count(config):,}")


def check_fits(needed: int, what: str, available: int | None = None, where: str | None = None,
               advice: str | None = None) -> None:
    """Refuse in one line when `needed` bytes exceed what is available (unknown: allowed).

    `where` defaults to the machine's memory, `advice` to a smaller model."""
    available = available_memory() if available is None else available
    if available is not None and needed > available:
        raise RnntuiError(t("train.memory.too_large", what=what, needed=format_bytes(needed),
                            where=where or t("train.memory.memory"), available=format_bytes(available),
                            advice=advice or t("train.memory.smaller_model")))
