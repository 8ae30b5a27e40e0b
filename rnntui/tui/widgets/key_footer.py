"""A footer that fits its width: keys that do not fit are left to help, whose key always shows.

Textual's Footer lays every shown key in one row and lets the rest run off the screen; at 80
columns that cut ? (help) and q (quit) first, the keys a learner needs to find the others. This
one keeps the keys in their declared order and, when the row is too wide, drops them from its
right (a pair such as [ and ] together), except the pinned ones (the apps' own keys, declared
last): `?` then reads "All keys", and help lists every active binding, the dropped ones included.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import groupby

from rich.cells import cell_len
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Footer
from textual.widgets._footer import FooterKey  # not exported by textual.widgets; textual is pinned (constraints.txt)

from rnntui.i18n import t

HELP_ACTION = "help"


def key_width(key: FooterKey) -> int:
    """Columns a key takes in the compact footer: its key, a space and its label, then a space."""
    return cell_len(key.key_display) + (1 + cell_len(key.description) if key.description else 0) + 1


def keys_that_fit(keys: list[FooterKey], width: int, pinned: set[str]) -> list[FooterKey]:
    """The pinned keys and the longest run of the others, from the left, that fits beside them.

    Neighbours that call one action with different arguments ([ and ], → and ←) come or go together."""
    room = width - sum(key_width(key) for key in keys if key.action in pinned)
    pairs = groupby((key for key in keys if key.action not in pinned), key=lambda key: key.action.split("(")[0])
    shown = []
    for _, together in pairs:
        together = list(together)
        room -= sum(key_width(key) for key in together)
        if room < 0:
            break
        shown += together
    return shown + [key for key in keys if key.action in pinned]


class KeyFooter(Footer):
    """The compact footer, cut to its width from the right; `pinned` bindings always show."""

    def __init__(self, pinned: Iterable[Binding] = (), **options) -> None:
        super().__init__(compact=True, show_command_palette=False, **options)
        self.pinned = {binding.action for binding in pinned}
        self._laid_out_for = 0  # the width the keys were chosen for

    def compose(self) -> ComposeResult:
        widgets = list(super().compose())
        keys = [widget for widget in widgets if isinstance(widget, FooterKey)]
        self._laid_out_for = width = self.size.width or self.app.size.width
        if sum(key_width(key) for key in keys) > width:
            for key in keys:
                if key.action == HELP_ACTION:
                    key.description = t("footer.help.more")  # help holds the keys missing here
            shown = keys_that_fit(keys, width, self.pinned)
            for key in keys:
                key.display = key in shown
        yield from widgets

    def on_resize(self, event: events.Resize) -> None:
        if event.size.width != self._laid_out_for:
            self.refresh(recompose=True)
