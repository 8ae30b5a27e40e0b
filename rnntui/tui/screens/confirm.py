"""A yes/no/cancel question as a modal: the answer is a key, so it works the same over SSH.

Dismisses with "yes", "no", or None (escape: do nothing).
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, Static
from rnntui.i18n import t
from rnntui.tui.keys import key, localize_bindings


class ConfirmScreen(ModalScreen[str | None]):
    """Ask `question`; `yes`/`no` describe what y and n do (no=None: only y and escape)."""

    DEFAULT_CSS = """
    ConfirmScreen { align: center middle; }
    #confirm-box { width: 76; max-width: 100%; height: auto; border: round $warning;
                   padding: 0 1; background: $surface; }
    #confirm-keys { color: $text-muted; margin-top: 1; }
    """
    BINDINGS = [
        key("y", "answer('yes')", "confirm-yes"),
        key("n", "answer('no')", "confirm-no"),
        key("escape", "answer('')", "confirm-cancel"),
    ]

    def __init__(self, question: str, yes: str, no: str | None = None) -> None:
        super().__init__()
        localize_bindings(self)  # the words in the language chosen now
        self.question, self.yes, self.no = question, yes, no

    def compose(self) -> ComposeResult:
        keys = [f"y: {self.yes}"] + ([f"n: {self.no}"] if self.no else []) + [t("screens.common.escape_cancel")]
        with Vertical(id="confirm-box"):
            yield Label(self.question, id="confirm-question", markup=False)
            yield Static(" · ".join(keys), id="confirm-keys")

    def action_answer(self, answer: str) -> None:
        if answer == "no" and self.no is None:
            return
        self.dismiss(answer or None)
