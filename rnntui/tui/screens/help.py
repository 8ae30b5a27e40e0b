"""The help screen: every key that works on the screen below it now, and what it does."""

from __future__ import annotations

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from rnntui.tui.commands import active_key_rows

INTRO = (
    "rnntui steps a recurrent network through your text one character at a time. "
    "Top: the input and its targets. Middle: the hidden state h (and an LSTM's cell state c) and "
    "the gates, units × timesteps, blue negative, red positive. Bottom left: how much of the last "
    "prediction's loss gradient ‖∂L_T/∂h_t‖ reaches each earlier step (vanishing or exploding), and "
    "the clipping threshold. Bottom right: what the model predicts next, and samples."
)
EDITOR_KEYS = (
    "In the weight editor: arrows move, enter types a value (enter applies), u undoes, R resets "
    "to the seed's weights, n / p switch matrix, escape closes."
)


def key_table(active_bindings: dict) -> Table:
    table = Table(box=None, show_header=True, header_style="bold", padding=(0, 2))
    table.add_column("key")
    table.add_column("action")
    for row in active_key_rows(active_bindings):
        table.add_row(row.keys, row.text)
    return table


class HelpScreen(ModalScreen[None]):
    """Lists the keys; any of escape, q or ? closes it."""

    BINDINGS = [
        Binding("escape,q,question_mark", "dismiss", "Close", id="close-help"),
    ]

    def __init__(self, active_bindings: dict) -> None:
        """`active_bindings`: the screen's below, read when help opens (`screen.active_bindings`)."""
        super().__init__()
        self.key_bindings = active_bindings

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body"):
            yield Static(INTRO, id="help-intro")
            yield Static(key_table(self.key_bindings), id="help-keys")
            yield Static(EDITOR_KEYS, id="help-editor")
            yield Static("escape closes this screen · ctrl+p finds any action by name", id="help-close")
