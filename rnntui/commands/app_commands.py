"""Placeholder until its issue lands: registers no commands yet."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this module's commands to the CLI."""


def open_default() -> None:
    """Open the app on the ABC example (until the app exists: print the ABC walkthrough)."""
    from rnntui.commands import engine_commands

    engine_commands.abc(json_output=False)
