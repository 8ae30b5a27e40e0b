"""Which exercises a learner has solved: a small JSON file in the user's state folder.

`$XDG_STATE_HOME/rnntui/exercises.json` (default `~/.local/state/rnntui/`). A file that cannot be
read as progress (not JSON, another shape) is renamed aside to `exercises.json.corrupt` with a
one-line note, and progress starts afresh: a damaged file never stops anyone practising. A file
that cannot be written is reported the same way and the answer still counts for this session.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from rnntui.i18n import t

FILE_NAME = "exercises.json"


def default_path() -> Path:
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "rnntui" / FILE_NAME


@dataclass
class Progress:
    path: Path
    solved: dict[str, float] = field(default_factory=dict)  # name -> when (Unix time)
    attempts: dict[str, int] = field(default_factory=dict)  # name -> answers checked
    notes: list[str] = field(default_factory=list)  # one line per problem met reading or writing

    @classmethod
    def load(cls, path: Path | None = None) -> "Progress":
        path = default_path() if path is None else Path(path)
        progress = cls(path)
        if not path.exists():
            return progress
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            solved = {str(k): float(v) for k, v in data["solved"].items()}
            attempts = {str(k): int(v) for k, v in data["attempts"].items()}
        except (OSError, UnicodeDecodeError, ValueError, TypeError, KeyError, AttributeError):
            aside = path.with_name(path.name + ".corrupt")
            try:
                path.replace(aside)
                progress.notes.append(t("exercises.progress.set_aside", path=str(path), aside=str(aside)))
            except OSError as error:
                progress.notes.append(t("exercises.progress.unreadable", path=str(path), reason=error.strerror or str(error)))
            return progress
        progress.solved, progress.attempts = solved, attempts
        return progress

    def record(self, name: str, correct: bool) -> None:
        self.attempts[name] = self.attempts.get(name, 0) + 1
        if correct and name not in self.solved:
            self.solved[name] = time.time()
        self.save()

    def save(self) -> None:
        data = json.dumps({"solved": self.solved, "attempts": self.attempts}, indent=1, sort_keys=True)
        temporary = self.path.with_name(self.path.name + ".tmp")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            temporary.write_text(data, encoding="utf-8")
            temporary.replace(self.path)
        except OSError as error:
            with contextlib.suppress(OSError):
                temporary.unlink(missing_ok=True)
            self.notes.append(t("exercises.progress.unwritable", path=str(self.path), reason=error.strerror or str(error)))
