"""User-facing errors: one clear line, never a traceback.

Engines raise `RnntuiError` (or a subclass) with a message written for the person at the
keyboard; the CLI turns it into one line on stderr and exit code 2, the app into a notification.
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
