"""Messages the app understands. `post_message` is thread-safe, so a background worker (training,
a scripted demo) talks to the app only through these.

`SessionChanged` says "the StepSession changed, redraw everything"; several queued ones collapse
into one (`can_replace`) so a fast producer never builds a backlog of stale repaints.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message


class SessionChanged(Message):
    """The state object changed outside a key action (a worker, a demo script): redraw once."""

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, SessionChanged)


@dataclass
class ConsoleLine(Message):
    """One line for the generation console's log area (training progress, demo narration)."""

    text: str  # Message.__post_init__ (run by the dataclass __init__) sets up the rest
