"""User-facing errors: one clear line, never a traceback.

Engines raise `RnntuiError` (or a subclass) with a message written for the person at the
keyboard; the CLI turns it into one line on stderr, the app into a notification. Exit codes
(docs/cli.md): 2 when something was refused before it ran, 1 when a run started and then failed.
"""

from __future__ import annotations


class RnntuiError(Exception):
    """An error caused by the user's input (a file, a flag, a value), explained in one line."""


class CorpusError(RnntuiError):
    """A corpus that cannot be used: missing, empty, binary, not UTF-8, too short."""


class CheckpointError(RnntuiError):
    """A checkpoint that cannot be read: missing, truncated, foreign, or not matching."""


class WeightEditError(RnntuiError):
    """A weight edit that was refused (non-finite, malformed, out of range); nothing changed."""


class SaveError(RnntuiError):
    """A file that could not be written (full disk, read-only folder, no permission).

    Raised by every writer in the engine, so a UI catches this one type around a save; the
    message names the path and, for a full disk, the free space needed. Whatever the file held
    before the attempt is untouched and no temporary file is left behind.
    """


class RunFolderError(RnntuiError):
    """A run folder that cannot be used: it holds another run, another process writes it, or it is read-only."""
