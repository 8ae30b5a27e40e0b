"""Text a person typed or named is shown as it is, never parsed as Textual markup.

`[a=+b]` typed into a prompt and quoted back in its refusal, or a corpus file called
`[x=+y]long.txt`, is markup syntax to Textual: a Static or a notification that parsed it would
crash the app with a MarkupError. rnntui writes no markup of its own in these places, so the
widgets that show such text are built with markup off (`markup=False`), and the apps' notifications
go through `PlainNotifications`.
"""

from __future__ import annotations


class PlainNotifications:
    """App mixin: every notification's message is plain text (screens' and widgets' notify end here)."""

    def notify(self, message: str, *, title: str = "", severity="information", timeout: float | None = None,
               markup: bool = True) -> None:
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=False)  # type: ignore[misc]
