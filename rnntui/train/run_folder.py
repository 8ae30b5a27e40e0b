"""The run folder of `rnntui train --out DIR`: its files, its lock, and the checks made before step 1.

A run folder is written by one process at a time: `RunFolder.open` takes an exclusive
`fcntl.flock` on `DIR/.lock` (the kernel drops it when the process dies, so a stale lock never
blocks) and writes the holder's PID there for the refusal message. Holding the lock, it completes
a save of `last` and the optimiser state that a killed process left half-renamed, and removes
temp files of saves killed earlier, so the pair it resumes from is always from one step. Opening also proves the
folder writable and roomy enough for the run's files, so a read-only or full disk is refused
before any training, never in the middle of it.
"""

from __future__ import annotations

import fcntl
import json
import math
import os
import shutil
import tempfile
from pathlib import Path

from rnntui.engine.checkpoint import finish_pending_save
from rnntui.errors import RunFolderError, SaveError
from rnntui.i18n import t
from rnntui.numbers import format_bytes

LAST, BEST, RUN_STATE, METRICS = "last.safetensors", "best.safetensors", "optimizer.safetensors", "metrics.jsonl"
RUN_FILES = (LAST, BEST, RUN_STATE, METRICS)  # any of them makes a folder a run, refused without --resume
LOCK = ".lock"


def run_files_in(folder: Path) -> list[str]:
    """The run files `folder` holds (none when it does not exist)."""
    return [name for name in RUN_FILES if (folder / name).exists()] if folder.is_dir() else []


def check_new_run_folder(out: Path, resume: Path | None = None) -> None:
    """Refuse an --out that is a file, or that holds run files and is not the run being resumed."""
    if out.exists() and not out.is_dir():
        raise RunFolderError(t("train.folder.out_is_file", path=str(out)))
    found = run_files_in(out)
    if found and (resume is None or out.resolve() != resume.resolve()):
        raise RunFolderError(t("train.folder.holds_run", path=str(out), files=", ".join(found), out=out))


class RunFolder:
    """An open run folder: locked for this process until `close()` (or the process ends)."""

    def __init__(self, path: Path, lock_fd: int, needed_bytes: int = 0):
        self.path = path
        self.needed_bytes = needed_bytes  # the run's checkpoints at their peak, on disk
        self._lock_fd: int | None = lock_fd

    @classmethod
    def open(cls, path: str | Path, needed_bytes: int = 0) -> "RunFolder":
        """Create and lock the folder, and check it is writable with `needed_bytes` free beyond its files."""
        path = Path(path)
        if path.exists() and not path.is_dir():
            raise RunFolderError(t("train.folder.out_is_file", path=str(path)))
        created = not path.exists()
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise RunFolderError(t("train.folder.cannot_create", path=str(path), reason=error.strerror)) from None
        try:
            folder = cls(path, _lock(path), needed_bytes)
        except RunFolderError:
            if created:  # a refusal leaves nothing behind
                _remove_empty(path)
            raise
        try:
            finish_pending_save(path)  # a save killed mid-way: its pair completed, stale temp files gone
            folder._check_writable()
            folder._check_free_space()
        except BaseException:
            folder.close()
            if created:
                _remove_empty(path)
            raise
        return folder

    def lock(self) -> None:
        """Take the lock again after `close()` (a trainer that runs a second time)."""
        if self._lock_fd is None:
            self._lock_fd = _lock(self.path)

    def close(self) -> None:
        """Release the lock; the folder's files stay."""
        if self._lock_fd is not None:
            os.close(self._lock_fd)  # closing the descriptor drops the flock
            self._lock_fd = None

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # at interpreter exit `os` may already be torn down; the kernel frees the lock anyway
            pass

    def _check_writable(self) -> None:
        try:
            fd, probe = tempfile.mkstemp(prefix=".probe.", dir=self.path)
            os.close(fd)
            os.unlink(probe)
        except OSError as error:
            raise RunFolderError(t("train.folder.not_writable", path=str(self.path), reason=error.strerror)) from None
        for name in run_files_in(self.path):
            if not os.access(self.path / name, os.W_OK):
                raise RunFolderError(t("train.folder.read_only", path=str(self.path / name)))

    def still_needed(self) -> int:
        """Free space the run's checkpoints still need beyond what its files already take."""
        taken = sum((self.path / name).stat().st_size for name in (LAST, BEST, RUN_STATE) if (self.path / name).exists())
        return max(0, self.needed_bytes - taken)

    def _check_free_space(self) -> None:
        needed, free = self.still_needed(), shutil.disk_usage(self.path).free
        if needed > free:
            raise RunFolderError(t("train.folder.no_space", path=str(self.path), needed=format_bytes(needed),
                                   free=format_bytes(free)))

    # ------------------------------------------------------------------ metrics.jsonl

    def append_metrics(self, record: dict) -> None:
        """One JSON line per step; non-finite numbers become null (JSON has no nan)."""
        clean = {k: (v if not isinstance(v, float) or math.isfinite(v) else None) for k, v in record.items()}
        path, line = self.path / METRICS, json.dumps(clean) + "\n"
        try:
            with open(path, "a", encoding="utf-8") as f:
                f.write(line)
        except OSError as error:
            raise _write_error(path, error, self.still_needed() + len(line)) from None

    def truncate_metrics(self, step: int) -> None:
        """Drop metrics logged after `step` (a crash after the last save) and any line cut short
        by a crash or a full disk, atomically."""
        path = self.path / METRICS
        if not path.is_file():
            return
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines(keepends=True)
        kept = [line for line in lines if line.endswith("\n") and _logged_step(line) <= step]
        if len(kept) != len(lines):
            tmp = path.with_suffix(".tmp")
            try:
                tmp.write_text("".join(kept), encoding="utf-8")
                os.replace(tmp, path)
            except OSError as error:
                tmp.unlink(missing_ok=True)
                raise _write_error(path, error, sum(map(len, kept))) from None


def finish_interrupted_save(path: Path) -> None:
    """Complete a save of `last` and its optimiser state that a killed process left half-renamed,
    before anything reads them; skipped while another process writes the folder (it holds the lock)."""
    path = Path(path)
    if not path.is_dir():
        return
    try:
        fd = _lock(path)
    except RunFolderError:
        return
    try:
        finish_pending_save(path)
    finally:
        os.close(fd)


def corpus_mismatch(metadata: dict[str, str], corpus) -> str | None:
    """How `corpus` differs from the one a checkpoint recorded (None: the same, or not recorded)."""
    recorded = metadata.get("corpus_fingerprint")
    if not recorded or recorded == corpus.fingerprint:
        return None
    return t("train.folder.other_corpus", name=corpus.name, then=describe_fingerprint(recorded),
             now=describe_fingerprint(corpus.fingerprint))


def describe_fingerprint(fingerprint: str) -> str:
    try:
        data = json.loads(fingerprint)
        return t("train.folder.fingerprint", chars=f"{data['chars']:,}", sha256=data["sha256"][:12])
    except (ValueError, KeyError, TypeError):
        return t("train.folder.unreadable_fingerprint")


def _logged_step(line: str) -> float:
    try:
        return json.loads(line).get("step", 0)
    except (ValueError, AttributeError):
        return math.inf  # not a whole record: dropped


def _lock(path: Path) -> int:
    """An exclusive, non-blocking flock on path/.lock holding this process's PID; refused in one line."""
    lock_path = path / LOCK
    try:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as error:
        raise RunFolderError(t("train.folder.not_writable", path=str(path), reason=error.strerror)) from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or t("train.folder.unknown_holder")
        os.close(fd)
        raise RunFolderError(t("train.folder.in_use", path=str(path), holder=holder)) from None
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
    except OSError as error:
        os.close(fd)
        raise RunFolderError(t("train.folder.not_writable", path=str(path), reason=error.strerror)) from None
    return fd


def _remove_empty(path: Path) -> None:
    """Remove a run folder this process just created, with its lock file, if nothing else is in it."""
    try:
        (path / LOCK).unlink(missing_ok=True)
        path.rmdir()
    except OSError:
        pass


def _write_error(path: Path, error: OSError, needed: int) -> SaveError:
    from rnntui.engine.checkpoint import save_error

    return save_error(path, error, needed)
