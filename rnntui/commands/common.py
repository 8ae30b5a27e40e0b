"""Helpers shared by the CLI commands: turning user errors into one line and exit code 2."""

from __future__ import annotations

import functools
from typing import Callable, TypeVar

import typer

from rnntui.errors import RnntuiError

F = TypeVar("F", bound=Callable)

USAGE_ERROR = 2


def fail(message: str) -> typer.Exit:
    """Print `message` as one line on stderr and return the Exit to raise (code 2)."""
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(USAGE_ERROR)


def user_errors(func: F) -> F:
    """Decorator for commands: an RnntuiError becomes one stderr line and exit code 2."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except RnntuiError as error:
            raise fail(str(error)) from None

    return wrapper  # type: ignore[return-value]
