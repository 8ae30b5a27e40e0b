"""A one-line prompt (edit the text, set the threshold): validated before it closes.

`apply` is called with what was typed; if it raises RnntuiError the message is shown under the
input and the prompt stays open, so a refused value changes nothing and loses nothing.
"""

from __future__ import annotations

import re
from typing import Callable

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from rnntui.errors import RnntuiError


_ESCAPES = {"n": "\n", "t": "\t", "\\": "\\"}


def escape_text(text: str) -> str:
    """One line for an Input: newline as \\n, tab as \\t, backslash doubled."""
    return text.replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t")


def unescape_text(line: str) -> str:
    """The inverse of escape_text; any other backslash pair is kept as typed."""
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(0)), line)


class PromptScreen(ModalScreen[bool]):
    """Ask for one value; dismiss(True) once `apply` accepted it, dismiss(False) on escape."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="cancel-prompt")]

    def __init__(self, title: str, value: str, apply: Callable[[str], None], hint: str = "") -> None:
        super().__init__()
        self.title_text, self.value, self.apply, self.hint = title, value, apply, hint

    def compose(self) -> ComposeResult:
        with Vertical(id="prompt-box"):
            yield Label(self.title_text, id="prompt-title", markup=False)
            yield Input(self.value, id="prompt-input", select_on_focus=False)
            yield Static(self.hint, id="prompt-message", markup=False)  # quotes what was typed

    @on(Input.Submitted)
    def submitted(self, event: Input.Submitted) -> None:
        try:
            self.apply(event.value)
        except RnntuiError as error:
            message = self.query_one("#prompt-message", Static)
            message.update(f"refused: {error}")
            message.add_class("error")
            return
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)
