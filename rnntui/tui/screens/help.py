"""The help screen: every key and what it does, from the app's own binding table."""

from __future__ import annotations

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

INTRO = (
    "rnntui steps a recurrent network through your text one character at a time.\n"
    "Top: the input and its targets. Middle: hidden state h (and c) and the gates, units × timesteps,\n"
    "blue negative, red positive. Bottom: how the loss gradient ‖∂L/∂h_t‖ fades or grows going back\n"
    "in time, and what the model predicts next."
)


def key_table(bindings: list[Binding]) -> Table:
    table = Table(box=None, show_header=True, header_style="bold", padding=(0, 2))
    table.add_column("key")
    table.add_column("action")
    for binding in bindings:
        if binding.description:
            table.add_row(binding.key_display or binding.key, binding.tooltip or binding.description)
    return table


class HelpScreen(ModalScreen[None]):
    """Lists the keys; any of escape, q or ? closes it."""

    BINDINGS = [
        Binding("escape,q,question_mark", "dismiss", "Close", id="close-help"),
    ]

    def __init__(self, bindings: list[Binding]) -> None:
        super().__init__()
        self.key_bindings = bindings

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body"):
            yield Static(INTRO, id="help-intro")
            yield Static(key_table(self.key_bindings), id="help-keys")
            yield Static("escape closes this screen · ctrl+p finds any action by name", id="help-close")
