"""Checkpoints: one `.safetensors` file (format `rnntui/1`) that both engines read and write.

Tensors carry the parameter names of docs/architecture.md (`rnn.weight_ih_l0`, `head.weight`, ...)
and the metadata header holds the format tag, the model config and the vocabulary as JSON. The
config says what the model reads (symbols or real values) and what its head is (softmax or
linear); a model trained on one of the paper's tasks also records the task under `task`. Only
`safetensors.numpy` is used here, so reading a checkpoint never imports torch.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from rnntui.engine.config import ModelConfig
from rnntui.engine.paths import check_name_lengths
from rnntui.engine.vocab import is_surrogate
from rnntui.errors import CheckpointError, RnntuiError, SaveError
from rnntui.i18n import t
from rnntui.numbers import format_bytes
from rnntui.i18n import t

FORMAT = "rnntui/1"
RESERVED_KEYS = ("format", "config", "vocab")
TASK_KEY = "task"  # metadata: the task a model was trained on, as JSON (name and settings)


@dataclass
class Checkpoint:
    config: ModelConfig
    vocab: list[str]  # characters in index order
    params: dict[str, np.ndarray]  # checkpoint tensor names -> arrays
    metadata: dict[str, str] = field(default_factory=dict)  # every header key, reserved ones included

    @property
    def task(self) -> dict | None:
        """The task the model was trained on ({"name": ..., settings}), None for a character model."""
        raw = self.metadata.get(TASK_KEY)
        try:
            task = json.loads(raw) if raw is not None else None
        except json.JSONDecodeError:
            return None
        return task if isinstance(task, dict) else None


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


PENDING_SAVE = ".saving.json"  # in a folder while files saved together are being renamed into place
STALE_TEMP = re.compile(r"^\..+\.[A-Za-z0-9_]{8}\.tmp$")  # what tempfile.mkstemp names ours: ".NAME.XXXXXXXX.tmp"


def write_safetensors_files(files: list[tuple[Path, dict[str, np.ndarray], dict[str, str]]]) -> None:
    """Write each file to a temp file in its folder, then rename them all into place.

    A crash or a full disk mid-write leaves every previous file intact, never a truncated one.
    Files saved together in one folder (a run's weights and optimiser state) are one unit: once
    every temp file is complete, a manifest naming the renames is put in place with one atomic
    rename, then the files are renamed and the manifest removed. A process killed between two of
    those renames leaves the manifest, and `finish_pending_save` completes them, so the two are
    never left from different saves. Any failure (safetensors raises its own SafetensorError, not
    OSError) becomes one SaveError line naming the path, and the free space needed when the disk
    is full.
    """
    from safetensors import SafetensorError
    from safetensors.numpy import save_file

    staged: list[tuple[str, Path]] = []
    failure: tuple[Path, Exception] | None = None
    committed = False
    try:
        for path, tensors, metadata in files:
            path = Path(path)
            check_name_lengths(path, SaveError)
            if not path.parent.is_dir():
                raise SaveError(t("errors.checkpoint.no_folder", path=str(path), folder=str(path.parent)))
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
            os.close(fd)
            staged.append((tmp, path))
            save_file({k: np.ascontiguousarray(v) for k, v in tensors.items()}, tmp, metadata=metadata)
        folders = {path.parent for _, path in staged}
        if len(staged) > 1 and len(folders) == 1:
            _commit_manifest(folders.pop(), staged)
            committed = True
        for tmp, path in staged:
            os.replace(tmp, path)
        if committed:
            os.unlink(path.parent / PENDING_SAVE)
    except (OSError, SafetensorError) as error:
        failure = (path, error)
    finally:
        if committed and failure is not None:  # every temp is complete: finish the unit rather than split it
            try:
                finish_pending_save(staged[0][1].parent)
            except OSError:
                pass
        for tmp, _ in staged:
            if os.path.exists(tmp) and not (committed and (Path(tmp).parent / PENDING_SAVE).exists()):
                os.unlink(tmp)
    if failure is not None:  # reported after the clean-up, so the free space shown is the real one
        needed = sum(safetensors_size(tensors, metadata) for _, tensors, metadata in files)
        raise save_error(*failure, needed=needed) from None


def _commit_manifest(folder: Path, staged: list[tuple[str, Path]]) -> None:
    """Put the manifest of `staged` renames in place with one atomic rename: the unit's commit point."""
    renames = [[Path(tmp).name, path.name] for tmp, path in staged]
    fd, tmp = tempfile.mkstemp(prefix=f"{PENDING_SAVE}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump({"renames": renames}, handle)
        os.replace(tmp, folder / PENDING_SAVE)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def finish_pending_save(folder: Path) -> list[str]:
    """Complete a save that was interrupted after its commit point, and remove stale temp files.

    Call it only where no other process writes `folder` (the run folder's lock held): a save in
    progress has a manifest and temp files too. Returns the files it renamed into place.
    """
    folder = Path(folder)
    manifest, finished = folder / PENDING_SAVE, []
    if manifest.is_file():
        try:
            renames = json.loads(manifest.read_text(encoding="utf-8"))["renames"]
        except (ValueError, KeyError, TypeError, OSError):
            renames = []  # cut short before its rename: the save never reached its commit point
        for tmp, name in renames:
            if "/" in tmp or "/" in name:  # only ever names inside this folder
                continue
            if (folder / tmp).is_file():
                os.replace(folder / tmp, folder / name)
                finished.append(name)
        manifest.unlink()
    for stale in folder.glob(".*.tmp"):  # temp files of saves killed before their commit point
        if STALE_TEMP.match(stale.name):
            stale.unlink(missing_ok=True)
    return finished


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


def load_checkpoint(path: str | os.PathLike, input_kind: str | None = "symbols") -> Checkpoint:
    """Read and validate a checkpoint; any problem is a CheckpointError with one clear line.

    `input_kind` is what the caller will feed the model: "symbols" (characters, the default for
    every command that steps, samples or trains on text), "values" (real-valued vectors, for the
    paper's tasks and time series), or None to accept either. A checkpoint of the other kind is
    refused before anything is built from it, so nothing is written."""
    from safetensors import SafetensorError, safe_open

    check_name_lengths(path, CheckpointError)  # before exists(), which raises on such a name
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
    half = next((c for c in vocab if is_surrogate(c)), None)
    if half is not None:  # it would crash the first print or save of a sample
        raise CheckpointError(t("faults.checkpoint.surrogate", path=name, char=ascii(half)))
    _check_matches(params, config, vocab, source=t("errors.checkpoint.source", name=name))
    checkpoint = Checkpoint(config=config, vocab=vocab, params=params, metadata=dict(header))
    if input_kind is not None and config.input_kind != input_kind:
        raise CheckpointError(wrong_input_kind(name, checkpoint, input_kind))
    return checkpoint


def wrong_input_kind(name: str, checkpoint: Checkpoint, wanted: str) -> str:
    task = (checkpoint.task or {}).get("name")
    if checkpoint.config.input_kind == "values":
        has = t("tasks.checkpoint.reads_values", width=checkpoint.config.input_dim, task=task or "?")
    else:
        has = t("tasks.checkpoint.reads_symbols", size=checkpoint.config.vocab_size)
    wants = t("tasks.checkpoint.wants_values") if wanted == "values" else t("tasks.checkpoint.wants_symbols")
    return t("tasks.checkpoint.wrong_input", name=name, has=has, wants=wants)


def _check_matches(params: dict, config: ModelConfig, vocab: list[str], source: str) -> None:
    """Config, vocabulary and tensors must agree, and every weight must be finite.

    A model that reads real values has no characters: its vocabulary is empty or names its outputs."""
    if config.input_kind == "values" and not vocab:
        pass
    elif len(vocab) != config.vocab_size:
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
