"""The narration panel of a demo: where we are, what to look at and why, and the step's table or curve.

It only shows what it is given (title, text, figure lines, a hint); the demo script measured and
wrote every number. Self-contained, so it carries its own DEFAULT_CSS.
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

LOOKS = ("hidden", "gates", "gradients", "console")  # the panes a narration can point at


class NarrationPanel(Static):
    DEFAULT_CSS = """
    NarrationPanel {
        height: auto;
        max-height: 45%;
        border: round $accent;
        border-title-color: $accent;
        border-subtitle-color: $text-muted;
        padding: 0 1;
        overflow-y: auto;
    }
    """

    def show(self, heading: str, text: str, figure: list[str], hint: str, look: str | None = None) -> None:
        """Replace the panel's content: `heading` goes in the border, the rest inside.

        `look` names the pane the text points at (Scene.look); the screen gets the class
        `look-NAME`, which app.tcss uses on a short terminal. None keeps the previous one."""
        if look is not None:
            for name in LOOKS:
                self.screen.set_class(name == look, f"look-{name}")
        self.border_title = heading
        self.border_subtitle = hint
        body = Text(text)
        for line in figure:
            body.append("\n" + line, style="bold")
        self.update(body)
