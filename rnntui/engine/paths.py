"""Paths a person gave: names the file system cannot hold, and files that are not files.

A name over the file system's limit (255 bytes on Linux) makes every `os` call raise
ENAMETOOLONG, and a device or a FIFO opened as a text file reads forever or blocks forever; both
are refused here in one line before anything touches them.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from rnntui.errors import RnntuiError
from rnntui.i18n import t

NAME_MAX = 255  # bytes in one path component on Linux, macOS and Windows file systems
SHOWN_CHARS = 40  # of a too-long name, enough to recognise it


def shortened(name: str) -> str:
    return name if len(name) <= SHOWN_CHARS else name[:SHOWN_CHARS // 2] + "…" + name[-SHOWN_CHARS // 2:]


def name_too_long(path: str | os.PathLike) -> str | None:
    """One line saying which part of `path` is longer than a file name may be; None when none is."""
    for part in Path(path).parts:
        size = len(os.fsencode(part))
        if size > NAME_MAX:
            return t("faults.path.name_too_long", name=shortened(part), size=size, limit=NAME_MAX)
    return None


def check_name_lengths(path: str | os.PathLike, error: type[RnntuiError] = RnntuiError) -> None:
    problem = name_too_long(path)
    if problem is not None:
        raise error(problem)


def os_error_line(os_error: OSError) -> str | None:
    """The one line for an OSError a person's path caused (a name too long); None for any other."""
    if os_error.errno == errno.ENAMETOOLONG:
        filename = os_error.filename if os_error.filename is not None else ""
        return name_too_long(filename) or t("faults.path.too_long", path=shortened(str(filename)))
    return None


def not_a_regular_file(path: Path) -> str | None:
    """What `path` is when it is not a regular file (a device, a FIFO, a socket); None for a file.

    `stat` never opens the path, so a FIFO with no writer cannot block this check.
    """
    try:
        mode = path.stat().st_mode
    except OSError:
        return None  # the caller's own open reports it
    if stat.S_ISREG(mode):
        return None
    kinds = ((stat.S_ISDIR, "folder"), (stat.S_ISFIFO, "fifo"), (stat.S_ISCHR, "device"),
             (stat.S_ISBLK, "device"), (stat.S_ISSOCK, "socket"))
    kind = next((name for test, name in kinds if test(mode)), "special")
    return t("faults.file." + kind, path=str(path))


def unused_path(path: Path) -> Path:
    """`path`, or `stem-2`, `stem-3`, ... beside it: a name the person did not type overwrites nothing."""
    candidate, n = path, 1
    while candidate.exists():
        n += 1
        candidate = path.with_name(f"{path.stem}-{n}{path.suffix}")
    return candidate
