"""The optimiser and loop state of a run, as safetensors, so `--resume` continues exactly.

Everything `last.safetensors` (the weights) does not hold: the optimiser's per-parameter state
(Adam's exp_avg / exp_avg_sq / step, ...), the carried hidden state, the RNG state, the step count
and the data position. Tensors are stored flat as `optim.<param name>.<key>` and `extra.<name>`.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import numpy as np

from rnntui.errors import CheckpointError
from rnntui.i18n import t

FORMAT = "rnntui-run/1"
LOOP_KEY = "loop"  # the metadata entry that holds the LoopRecord as JSON


@dataclass
class LoopState:
    """Where a run stands between two steps: with the weights and the optimiser, all a resume needs."""

    step: int = 0
    position: int = 0  # the next chunk of the training streams
    epoch: int = 0
    elapsed: float = 0.0  # training seconds so far, pauses excluded
    best_val_loss: float | None = None
    last_val_loss: float | None = None
    first_loss: float | None = None  # the run's first loss: divergence is measured against it


@dataclass(frozen=True)
class LoopRecord:
    """The loop state as a run state stores it, with the facts a resume checks against its own run.

    Stored flat, as one JSON object; the facts after `loop` are optional so that older run states
    (which lacked some of them) still resume.
    """

    loop: LoopState
    lr: float | None = None  # the settings at the save, for people reading the file: a resume
    clip_mode: str | None = None  # takes its settings from the saved config and the new flags
    clip: float | None = None
    data_offset: int = 0  # where the current epoch's rotation cuts the training text
    state_dtype: str = "torch.float32"  # the carried state's dtype (bfloat16 under bf16 autocast)
    precision: str | None = None  # the precision the run chose: a resumed `auto` keeps it
    streams: int | None = None  # the batch's streams: the carried state has a row for each
    workers: int = 1  # the processes that trained it (any number may resume it)

    def to_json(self) -> str:
        record = asdict(self.loop)
        record.update({f.name: getattr(self, f.name) for f in fields(self) if f.name != "loop"})
        return json.dumps(record)

    @classmethod
    def from_metadata(cls, metadata: dict[str, str]) -> "LoopRecord":
        """The record in a run state's metadata; CheckpointError when it is missing or incomplete."""
        try:
            record = json.loads(metadata[LOOP_KEY])
            loop = LoopState(**{f.name: record[f.name] for f in fields(LoopState)})
        except (KeyError, TypeError, json.JSONDecodeError):
            raise CheckpointError(t("train.resume.no_loop_entry", key=LOOP_KEY)) from None
        facts = {f.name: record[f.name] for f in fields(cls) if f.name != "loop" and f.name in record}
        return cls(loop, **facts)


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
        raise CheckpointError(t("train.resume.state_missing", path=str(path)))
    try:
        with safe_open(str(path), framework="np") as f:
            metadata = dict(f.metadata() or {})
            tensors = {key: f.get_tensor(key) for key in f.keys()}
    except (SafetensorError, ValueError, OSError) as error:
        raise CheckpointError(t("train.resume.state_unreadable", path=str(path), error=error)) from None
    if metadata.get("format") != FORMAT:
        raise CheckpointError(t("train.resume.not_run_state", path=str(path), format=FORMAT))
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
