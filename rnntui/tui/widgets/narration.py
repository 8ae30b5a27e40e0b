"""The narration panel of a demo: where we are, what to look at and why, and the step's table or curve.

It only shows what it is given (title, text, figure lines, a hint); the demo script measured and
wrote every number. Self-contained, so it carries its own DEFAULT_CSS.
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static


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

    def show(self, heading: str, text: str, figure: list[str], hint: str) -> None:
        """Replace the panel's content: `heading` goes in the border, the rest inside."""
        self.border_title = heading
        self.border_subtitle = hint
        body = Text(text)
        for line in figure:
            body.append("\n" + line, style="bold")
        self.update(body)
