"""The optimiser and loop state of a run, as safetensors, so `--resume` continues exactly.

Everything `last.safetensors` (the weights) does not hold: the optimiser's per-parameter state
(Adam's exp_avg / exp_avg_sq / step, ...), the carried hidden state, the RNG state, the step count
and the data position. Tensors are stored flat as `optim.<param name>.<key>` and `extra.<name>`.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from rnntui.engine.checkpoint import write_safetensors_atomically
from rnntui.errors import CheckpointError

FORMAT = "rnntui-run/1"


def save_run_state(path: Path, optimizer_state: dict[str, dict[str, np.ndarray]],
                   extra: dict[str, np.ndarray], metadata: dict[str, str]) -> None:
    """Atomically write the state (temporary file, then rename), like a checkpoint."""
    write_safetensors_atomically(path, *run_state_payload(optimizer_state, extra, metadata))


def run_state_payload(optimizer_state: dict[str, dict[str, np.ndarray]], extra: dict[str, np.ndarray],
                      metadata: dict[str, str]) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """(tensors, header) of a run state, to write with write_safetensors_files."""
    tensors = {f"optim.{param}.{key}": value
               for param, state in optimizer_state.items() for key, value in state.items()}
    tensors.update({f"extra.{name}": value for name, value in extra.items()})
    return tensors, {"format": FORMAT, **metadata}


def load_run_state(path: Path) -> tuple[dict[str, dict[str, np.ndarray]], dict[str, np.ndarray], dict[str, str]]:
    """(optimizer state per parameter name, extra tensors, metadata); CheckpointError when unreadable."""
    from safetensors import SafetensorError, safe_open

    if not path.is_file():
        raise CheckpointError(f"{str(path)!r} is missing: the run folder has no optimiser state to resume")
    try:
        with safe_open(str(path), framework="np") as f:
            metadata = dict(f.metadata() or {})
            tensors = {key: f.get_tensor(key) for key in f.keys()}
    except (SafetensorError, ValueError, OSError) as error:
        raise CheckpointError(f"{str(path)!r} is truncated or not a safetensors file ({error})") from None
    if metadata.get("format") != FORMAT:
        raise CheckpointError(f"{str(path)!r} is not an rnntui run state (expected format {FORMAT!r})")
    optimizer_state: dict[str, dict[str, np.ndarray]] = {}
    extra: dict[str, np.ndarray] = {}
    for key, value in tensors.items():
        kind, rest = key.split(".", 1)
        if kind == "extra":
            extra[rest] = value
        else:
            param, state_key = rest.rsplit(".", 1)
            optimizer_state.setdefault(param, {})[state_key] = value
    return optimizer_state, extra, metadata


def metadata_json(metadata: dict[str, str], key: str):
    try:
        return json.loads(metadata[key])
    except (KeyError, json.JSONDecodeError):
        raise CheckpointError(f"run state lacks a valid {key!r} entry") from None
