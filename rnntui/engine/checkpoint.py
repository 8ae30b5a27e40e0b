"""Checkpoints: one `.safetensors` file (format `rnntui/1`) that both engines read and write.

Tensors carry the parameter names of docs/architecture.md (`rnn.weight_ih_l0`, `head.weight`, ...)
and the metadata header holds the format tag, the model config and the vocabulary as JSON. Only
`safetensors.numpy` is used here, so reading a checkpoint never imports torch.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from rnntui.engine.config import ModelConfig
from rnntui.errors import CheckpointError, RnntuiError, SaveError
from rnntui.numbers import format_bytes
from rnntui.i18n import t

FORMAT = "rnntui/1"
RESERVED_KEYS = ("format", "config", "vocab")


@dataclass
class Checkpoint:
    config: ModelConfig
    vocab: list[str]  # characters in index order
    params: dict[str, np.ndarray]  # checkpoint tensor names -> arrays
    metadata: dict[str, str] = field(default_factory=dict)  # every header key, reserved ones included


def save_checkpoint(
    path: str | os.PathLike,
    params: dict[str, np.ndarray],
    config: ModelConfig,
    vocab: list[str],
    metadata: dict[str, str] | None = None,
) -> Path:
    """Write a checkpoint atomically (see write_safetensors_files); returns its path.

    A failed write raises SaveError (the file there before is untouched)."""
    path = Path(path)
    write_safetensors_files([(path, *checkpoint_payload(params, config, vocab, metadata))])
    return path


def checkpoint_payload(params: dict[str, np.ndarray], config: ModelConfig, vocab: list[str],
                       metadata: dict[str, str] | None = None) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """(tensors, header) of a checkpoint, validated; write them with write_safetensors_files."""
    extra = dict(metadata or {})
    clash = [k for k in extra if k in RESERVED_KEYS]
    if clash:
        raise CheckpointError(t("errors.checkpoint.reserved_key", key=clash[0]))
    if any(not isinstance(k, str) or not isinstance(v, str) for k, v in extra.items()):
        raise CheckpointError(t("errors.checkpoint.metadata_strings"))
    _check_matches(params, config, list(vocab), source=t("errors.checkpoint.source_saving"))
    header = {"format": FORMAT, "config": config.to_json(), "vocab": json.dumps(list(vocab)), **extra}
    return {name: params[name] for name in config.parameter_shapes()}, header


def write_safetensors_atomically(path: Path, tensors: dict[str, np.ndarray], metadata: dict[str, str]) -> None:
    """One file, written as write_safetensors_files writes several."""
    write_safetensors_files([(Path(path), tensors, metadata)])


def write_safetensors_files(files: list[tuple[Path, dict[str, np.ndarray], dict[str, str]]]) -> None:
    """Write each file to a temp file in its folder, then rename them all into place.

    A crash or a full disk mid-write leaves every previous file intact, never a truncated one,
    and files saved together (a run's weights and optimiser state) are never left from different
    saves. Any failure (safetensors raises its own SafetensorError, not OSError) becomes one
    SaveError line naming the path, and the free space needed when the disk is full.
    """
    from safetensors import SafetensorError
    from safetensors.numpy import save_file

    staged: list[tuple[str, Path]] = []
    failure: tuple[Path, Exception] | None = None
    try:
        for path, tensors, metadata in files:
            path = Path(path)
            if not path.parent.is_dir():
                raise SaveError(t("errors.checkpoint.no_folder", path=str(path), folder=str(path.parent)))
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
            os.close(fd)
            staged.append((tmp, path))
            save_file({k: np.ascontiguousarray(v) for k, v in tensors.items()}, tmp, metadata=metadata)
        for tmp, path in staged:
            os.replace(tmp, path)
    except (OSError, SafetensorError) as error:
        failure = (path, error)
    finally:
        for tmp, _ in staged:
            if os.path.exists(tmp):
                os.unlink(tmp)
    if failure is not None:  # reported after the clean-up, so the free space shown is the real one
        needed = sum(safetensors_size(tensors, metadata) for _, tensors, metadata in files)
        raise save_error(*failure, needed=needed) from None


def safetensors_size(tensors: dict[str, np.ndarray], metadata: dict[str, str]) -> int:
    """Bytes a safetensors file of these tensors takes: the tensors, the JSON header, its length."""
    entries = {name: {"dtype": "F32", "shape": list(np.shape(v)), "data_offsets": [0, 0]} for name, v in tensors.items()}
    header = json.dumps({"__metadata__": metadata, **entries})
    return 8 + len(header.encode()) + sum(np.asarray(v).nbytes for v in tensors.values())


def save_error(path: Path, error: Exception, needed: int) -> SaveError:
    """One line for a failed write; a full disk says how much free space the save needs."""
    if isinstance(error, OSError):
        reason, full = error.strerror or str(error), error.errno in (errno.ENOSPC, errno.EDQUOT)
    else:  # SafetensorError: "Error while serializing: I/O error: No space left on device (os error 28)"
        reason = str(error).splitlines()[0].rsplit(": ", 1)[-1] if str(error) else type(error).__name__
        full = any(sign in str(error) for sign in ("os error 28", "os error 122", "No space left", "quota"))
    if full:
        folder = path.parent
        free = shutil.disk_usage(folder).free if folder.is_dir() else 0
        return SaveError(t("errors.checkpoint.disk_full", path=str(path), folder=str(folder),
                           needed=format_bytes(needed), free=format_bytes(free)))
    return SaveError(t("errors.checkpoint.cannot_save", path=str(path), reason=reason))


def file_sha256(path: str | os.PathLike, block: int = 1 << 20) -> str:
    """The SHA-256 of a file's bytes, as hex: what a state string names a checkpoint by."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            while chunk := handle.read(block):
                digest.update(chunk)
    except OSError as error:
        raise CheckpointError(f"cannot read checkpoint {str(path)!r}: {error.strerror or error}") from None
    return digest.hexdigest()


def load_checkpoint(path: str | os.PathLike) -> Checkpoint:
    """Read and validate a checkpoint; any problem is a CheckpointError with one clear line."""
    from safetensors import SafetensorError, safe_open

    path = Path(path)
    name = str(path)
    if not path.exists():
        raise CheckpointError(t("errors.checkpoint.missing", name=name))
    if path.is_dir():
        raise CheckpointError(t("errors.checkpoint.folder", name=name))
    try:
        with safe_open(str(path), framework="np") as f:
            header = f.metadata() or {}
            params = {key: f.get_tensor(key) for key in f.keys()}
    except (SafetensorError, ValueError, OSError, MemoryError) as error:
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise CheckpointError(
            t("errors.checkpoint.truncated", name=name, reason=reason)
        ) from None

    if header.get("format") != FORMAT:
        found = header.get("format")
        what = t("errors.checkpoint.format_found", found=found) if found else t("errors.checkpoint.no_format")
        raise CheckpointError(t("errors.checkpoint.foreign", name=name, what=what, expected=FORMAT))
    try:
        config = ModelConfig.from_dict(json.loads(header["config"]))
    except KeyError:
        raise CheckpointError(t("errors.checkpoint.no_config", name=name)) from None
    except (json.JSONDecodeError, TypeError, RnntuiError) as error:
        raise CheckpointError(t("errors.checkpoint.bad_config", name=name, error=error)) from None
    try:
        vocab = json.loads(header["vocab"])
    except KeyError:
        raise CheckpointError(t("errors.checkpoint.no_vocab", name=name)) from None
    except json.JSONDecodeError:
        raise CheckpointError(t("errors.checkpoint.vocab_not_json", name=name)) from None
    if not isinstance(vocab, list) or not all(isinstance(c, str) and len(c) == 1 for c in vocab):
        raise CheckpointError(t("errors.checkpoint.vocab_not_list", name=name))
    _check_matches(params, config, vocab, source=t("errors.checkpoint.source", name=name))
    return Checkpoint(config=config, vocab=vocab, params=params, metadata=dict(header))


def _check_matches(params: dict, config: ModelConfig, vocab: list[str], source: str) -> None:
    """Config, vocabulary and tensors must agree, and every weight must be finite."""
    if len(vocab) != config.vocab_size:
        raise CheckpointError(
            t("errors.checkpoint.vocab_size", source=source, size=len(vocab), expected=config.vocab_size)
        )
    if len(set(vocab)) != len(vocab):
        raise CheckpointError(t("errors.checkpoint.vocab_twice", source=source))
    expected = config.parameter_shapes()
    missing = [n for n in expected if n not in params]
    if missing:
        raise CheckpointError(t("errors.checkpoint.lacks_tensor", source=source, tensor=missing[0]))
    extra = sorted(n for n in params if n not in expected)
    if extra:
        raise CheckpointError(t("errors.checkpoint.extra_tensor", source=source, tensor=extra[0]))
    for tensor_name, shape in expected.items():
        value = np.asarray(params[tensor_name])
        if value.shape != shape:
            raise CheckpointError(
                t("errors.checkpoint.shape", source=source, tensor=tensor_name, shape=tuple(value.shape),
                  expected=shape)
            )
        if not np.issubdtype(value.dtype, np.floating):
            raise CheckpointError(t("errors.checkpoint.dtype", source=source, tensor=tensor_name, dtype=value.dtype))
        if not np.all(np.isfinite(value)):
            raise CheckpointError(t("errors.checkpoint.not_finite", source=source, tensor=tensor_name))
