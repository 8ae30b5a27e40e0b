"""A yes/no/cancel question as a modal: the answer is a key, so it works the same over SSH.

Dismisses with "yes", "no", or None (escape: do nothing).
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, Static


class ConfirmScreen(ModalScreen[str | None]):
    """Ask `question`; `yes`/`no` describe what y and n do (no=None: only y and escape)."""

    DEFAULT_CSS = """
    ConfirmScreen { align: center middle; }
    #confirm-box { width: 76; max-width: 100%; height: auto; border: round $warning;
                   padding: 0 1; background: $surface; }
    #confirm-keys { color: $text-muted; margin-top: 1; }
    """
    BINDINGS = [
        Binding("y", "answer('yes')", "Yes", id="confirm-yes"),
        Binding("n", "answer('no')", "No", id="confirm-no"),
        Binding("escape", "answer('')", "Cancel", id="confirm-cancel"),
    ]

    def __init__(self, question: str, yes: str, no: str | None = None) -> None:
        super().__init__()
        self.question, self.yes, self.no = question, yes, no

    def compose(self) -> ComposeResult:
        keys = [f"y: {self.yes}"] + ([f"n: {self.no}"] if self.no else []) + ["escape: cancel"]
        with Vertical(id="confirm-box"):
            yield Label(self.question, id="confirm-question", markup=False)
            yield Static(" · ".join(keys), id="confirm-keys")

    def action_answer(self, answer: str) -> None:
        if answer == "no" and self.no is None:
            return
        self.dismiss(answer or None)
