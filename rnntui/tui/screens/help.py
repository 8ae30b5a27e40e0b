"""The help screen: every key that works on the screen below it now, and what it does."""

from __future__ import annotations

from rich.table import Table
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from rnntui.i18n import t
from rnntui.tui.commands import active_key_rows
from rnntui.tui.keys import key, localize_bindings


def key_table(active_bindings: dict) -> Table:
    table = Table(box=None, show_header=True, header_style="bold", padding=(0, 2))
    table.add_column(t("screens.help.key"))
    table.add_column(t("screens.help.action"))
    for row in active_key_rows(active_bindings):
        table.add_row(row.keys, row.text)
    return table


class HelpScreen(ModalScreen[None]):
    """Lists the keys; any of escape, q or ? closes it."""

    BINDINGS = [
        key("escape,q,question_mark", "dismiss", "close-help"),
    ]

    def __init__(self, active_bindings: dict, intro: str | None = None, notes: str | None = None) -> None:
        """`active_bindings`: the screen's below, read when help opens (`screen.active_bindings`);
        `intro` and `notes`: what that screen shows and its further keys (the stepping screen's by default)."""
        super().__init__()
        localize_bindings(self)  # the words in the language chosen now
        self.key_bindings = active_bindings
        self.intro = t("screens.help.intro") if intro is None else intro
        self.notes = t("screens.help.editor_keys") if notes is None else notes

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body"):
            yield Static(self.intro, id="help-intro")
            yield Static(key_table(self.key_bindings), id="help-keys")
            if self.notes:
                yield Static(self.notes, id="help-editor")
            yield Static(t("screens.help.close"), id="help-close")
