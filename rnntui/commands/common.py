"""Helpers shared by the CLI commands: one-line errors, exit codes, checks every command makes.

Exit codes (docs/cli.md): 2 when the input was refused before anything ran, 1 when a run
started and then failed (nan/inf, a save that could not be written), 130 when interrupted.
"""

from __future__ import annotations

import functools
import sys
import threading
import time
from contextlib import contextmanager
from typing import Callable, Iterator, TypeVar

import typer

from rnntui.errors import RnntuiError
from rnntui.i18n import t
from rnntui.numbers import finite_number

F = TypeVar("F", bound=Callable)

USAGE_ERROR = 2
RUN_FAILED = 1
SLOW_SETUP_SECONDS = 1.0  # set-up longer than this says what it is doing
SLOW_SETUP_REPEAT = 5.0  # and then how long it has taken, this often


def say_error(message: str) -> None:
    """Print `message` as the one `error: ...` line on stderr (`错误：...` in Chinese)."""
    typer.echo(t("cli.error.line", message=message), err=True)


def fail(message: str, code: int = USAGE_ERROR) -> typer.Exit:
    """Print `message` as one line on stderr and return the Exit to raise."""
    say_error(message)
    return typer.Exit(code)


def user_errors(func: F) -> F:
    """Decorator for commands: every float option must be finite, and an RnntuiError becomes one
    stderr line and exit code 2."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            for name, value in kwargs.items():  # Typer parses "inf" and "nan" as floats; no option wants them
                if isinstance(value, float):
                    finite_number(value, "--" + name.replace("_", "-"))
            return func(*args, **kwargs)
        except RnntuiError as error:
            raise fail(str(error)) from None

    return wrapper  # type: ignore[return-value]


def check_activation(cell: str, activation: str | None) -> None:
    """--activation chooses the vanilla RNN's nonlinearity; LSTM and GRU gates have fixed ones."""
    if activation is not None and cell != "rnn":
        raise RnntuiError(t("cli.error.activation_for_rnn", cell=cell))


def check_stepping_fits(text: str, cell: str, activation: str, hidden: int, layers: int) -> None:
    """Refuse a fresh model the NumPy stepping engine cannot hold in memory, before allocating it."""
    from rnntui.engine.config import ModelConfig
    from rnntui.train.footprint import check_fits, describe, stepping_bytes

    config = ModelConfig(cell=cell, activation=activation, hidden_size=hidden, num_layers=layers,
                         vocab_size=max(1, len(set(text))))
    check_fits(stepping_bytes(config, len(text)), f"stepping {describe(config)}")


@contextmanager
def progress_after(what: str, seconds: float = SLOW_SETUP_SECONDS, show: bool | None = None) -> Iterator[None]:
    """Say on stderr what the block is doing once it has taken longer than `seconds`, then how long
    it has taken every few seconds: a big model's set-up never looks like a hang. Shown only to a
    person at a terminal (`show` None), so piped output and logs keep their one-line errors."""
    if not (sys.stderr.isatty() if show is None else show):
        yield
        return
    done = threading.Event()
    started = time.monotonic()

    def report() -> None:
        wait = seconds
        while not done.wait(wait):
            typer.echo(t("cli.progress.slow_setup", what=what, seconds=f"{time.monotonic() - started:.0f}"), err=True)
            wait = SLOW_SETUP_REPEAT

    thread = threading.Thread(target=report, daemon=True, name="progress_after")
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()
