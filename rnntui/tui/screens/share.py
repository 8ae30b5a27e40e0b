"""What the screen shows, to share: its state string, a ready command line, and (when served) a link.

The string is made when the screen opens (it names the current screen, not a later one). Copying
goes through Textual's `copy_to_clipboard` (OSC 52: most terminals, and the browser's xterm.js when
served); opening the link through `open_url` (the browser opens a new tab when served).
"""

from __future__ import annotations

import shlex

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from rnntui.i18n import t


class ShareScreen(ModalScreen[None]):
    """Shows one state string; y copies it, c the command line, l the link, o opens the link."""

    DEFAULT_CSS = """
    ShareScreen { align: center middle; }
    #share-box { width: 100; max-width: 100%; height: auto; border: round $accent;
                 padding: 0 1; background: $surface; }
    .share-label { color: $text-muted; margin-top: 1; }
    #share-keys { color: $text-muted; margin-top: 1; }
    """
    BINDINGS = [
        Binding("y", "copy('string')", "Copy string", id="share-copy-string"),
        Binding("c", "copy('command')", "Copy command", id="share-copy-command"),
        Binding("l", "copy('link')", "Copy link", id="share-copy-link"),
        Binding("o", "open_link", "Open link", id="share-open-link"),
        Binding("escape,q", "close", "Close", id="share-close"),
    ]

    def __init__(self, string: str, link_base: str | None = None) -> None:
        super().__init__()
        self.string = string
        self.command = shlex.join(["rnntui", "app", "--state", string])
        self.link = None if link_base is None else f"{link_base.rstrip('/')}/s/{string}"

    def compose(self) -> ComposeResult:
        keys = [t("state.share.key_string"), t("state.share.key_command")]
        if self.link is not None:
            keys += [t("state.share.key_link"), t("state.share.key_open")]
        keys.append(t("state.share.key_close"))
        with Vertical(id="share-box"):
            yield Label(t("state.share.title", length=len(self.string)), id="share-title")
            yield Static(self.string, id="share-string", markup=False)
            yield Label(t("state.share.command"), classes="share-label")
            yield Static(self.command, id="share-command", markup=False)
            if self.link is not None:
                yield Label(t("state.share.link"), classes="share-label")
                yield Static(self.link, id="share-link", markup=False)
            yield Static(" · ".join(keys), id="share-keys")

    def action_copy(self, what: str) -> None:
        text = {"string": self.string, "command": self.command, "link": self.link}[what]
        if text is None:
            return
        self.app.copy_to_clipboard(text)
        self.notify(t(f"state.share.copied_{what}"), timeout=3)

    def action_open_link(self) -> None:
        if self.link is not None:
            self.app.open_url(self.link, new_tab=True)

    def action_close(self) -> None:
        self.dismiss(None)
