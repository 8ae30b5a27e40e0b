"""Helpers for the app's Pilot tests: small sessions, and the screen as plain text."""

from __future__ import annotations

import io

from rich.console import Console

from rnntui.engine.session import StepSession
from rnntui.tui.app import RnnApp

SIZE = (120, 40)


def small_app(text: str = "hello world", cell: str = "rnn", hidden: int = 4, **options) -> RnnApp:
    """An app on a tiny fresh model: fast to compute, deterministic (seed 0)."""
    return RnnApp(StepSession(text, cell=cell, hidden_size=hidden, seed=0, **options))


def screen_text(app) -> str:
    """What the terminal shows right now, as plain text (the same render export_screenshot uses)."""
    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), force_terminal=True,
                      color_system="truecolor", record=True, legacy_windows=False)
    console.print(app.screen._compositor.render_update(full=True, screen_stack=app._background_screens))
    return console.export_text()


def pane_text(app, selector: str) -> str:
    """The visible lines of one line-API pane, produced by its own render_line."""
    pane = app.query_one(selector)
    return "\n".join(pane.render_line(y).text for y in range(pane.scrollable_content_region.height))
