"""Helpers shared by the CLI commands: one-line errors, exit codes, checks every command makes.

Exit codes (docs/cli.md): 2 when the input was refused before anything ran, 1 when a run
started and then failed (nan/inf, a save that could not be written, output that could not be
written), 128 + the signal's number when a signal ended it (130 SIGINT, 143 SIGTERM, 129 SIGHUP).
"""

from __future__ import annotations

import errno
import functools
import os
import signal
import sys
import threading
import time
from contextlib import contextmanager
from typing import Callable, Iterator, TypeVar

import typer

from rnntui.errors import RnntuiError
from rnntui.i18n import t
from rnntui.engine.paths import os_error_line
from rnntui.numbers import check_seed, finite_number

F = TypeVar("F", bound=Callable)

USAGE_ERROR = 2
RUN_FAILED = 1
INTERRUPTED = 130  # 128 + SIGINT: Ctrl-C, and what Typer returns for a KeyboardInterrupt inside a command
SLOW_SETUP_SECONDS = 1.0  # set-up longer than this says what it is doing
SLOW_SETUP_REPEAT = 5.0  # and then how long it has taken, this often


# Writing stdout failed for one of these reasons: a full device, a closed pipe, a dead terminal.
OUTPUT_ERRNOS = (errno.ENOSPC, errno.EDQUOT, errno.EPIPE, errno.EIO, errno.EFBIG)
# Signals that end a command: its clean-up runs (locks, temporary files), then it exits with
# 128 + the signal's number. Ctrl-C too: Python's KeyboardInterrupt would be turned into 130 by
# Typer inside a command, and one caught late makes Python end itself by SIGINT (exit -2).
ENDING_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def signal_exit_code(signum: int = signal.SIGINT) -> int:
    """128 + the signal's number: what a shell reports for a process that signal ended."""
    return 128 + int(signum)


def interrupted_line(signum: int = signal.SIGINT) -> str:
    """What ended the command, for its last line: interrupted, terminated (SIGTERM), hung up (SIGHUP)."""
    names = {signal.SIGTERM: "sigterm", signal.SIGHUP: "sighup"}
    return t("faults.interrupted." + names.get(signum, "sigint"))


class Terminated(BaseException):
    """SIGINT, SIGTERM or SIGHUP arrived: like KeyboardInterrupt, not an Exception, so no
    `except Exception` swallows it and every `finally` runs on its way out."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


@contextmanager
def terminate_on_signals() -> Iterator[None]:
    """SIGINT, SIGTERM and SIGHUP raise Terminated in the main thread. Commands that handle a
    signal themselves (train saves first) install their own handler inside this block; a signal
    ignored when rnntui started (nohup's SIGHUP, a background job's SIGINT) stays ignored."""

    def on_signal(signum, frame):
        raise Terminated(signum)

    previous = {}
    for signum in ENDING_SIGNALS:
        if signal.getsignal(signum) is signal.SIG_IGN:  # the user asked for it to be ignored
            continue
        previous[signum] = signal.signal(signum, on_signal)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def output_failure(error: OSError) -> bool:
    """Report `error` in one stderr line and silence stdout when it is a failed write of the output.

    The output is then sent to /dev/null, so Python's own flush at exit cannot fail a second time
    with a traceback-like "Exception ignored" message. False for any other OSError.
    """
    if error.errno not in OUTPUT_ERRNOS or error.filename is not None:
        return False
    try:
        sys.stdout.flush()
    except OSError:
        pass
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # no real stdout (a test's capture): nothing will flush it
        pass
    try:
        say_error(t("faults.output.cannot_write", reason=error.strerror or str(error)))
    except OSError:  # stderr is gone too: the exit code still says it
        pass
    return True


def say_error(message: str) -> None:
    """Print `message` as the one `error: ...` line on stderr (`错误：...` in Chinese)."""
    typer.echo(t("cli.error.line", message=message), err=True)


def fail(message: str, code: int = USAGE_ERROR) -> typer.Exit:
    """Print `message` as one line on stderr and return the Exit to raise."""
    say_error(message)
    return typer.Exit(code)


def user_errors(func: F) -> F:
    """Decorator for commands: every float option must be finite, a seed in range, and an RnntuiError
    (or a path the file system refuses) becomes one stderr line and exit code 2."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            for name, value in kwargs.items():  # Typer parses "inf" and "nan" as floats; no option wants them
                if isinstance(value, float):
                    finite_number(value, "--" + name.replace("_", "-"))
                if name == "seed" and value is not None:  # one rule for every command's --seed
                    check_seed(value)
            return func(*args, **kwargs)
        except RnntuiError as error:
            raise fail(str(error)) from None
        except OSError as error:  # a path the file system refuses (a name over 255 bytes), or output nobody can take
            if output_failure(error):
                raise typer.Exit(RUN_FAILED) from None
            line = os_error_line(error)
            if line is None:
                raise
            raise fail(line) from None

    return wrapper  # type: ignore[return-value]


def check_activation(cell: str, activation: str | None) -> None:
    """--activation chooses the vanilla RNN's nonlinearity; LSTM and GRU gates have fixed ones."""
    if activation is not None and cell != "rnn":
        raise RnntuiError(t("cli.error.activation_for_rnn", cell=cell))


def check_stepping_fits(text: str, cell: str, activation: str, hidden: int, layers: int,
                        output_bytes_per_probability: int = 0) -> None:
    """Refuse a fresh model the NumPy stepping engine cannot hold in memory, before allocating it.

    `output_bytes_per_probability`: what the command's own output costs for each of the text-length
    x vocabulary probabilities it prints (`rnntui step`'s document), on top of the engine's arrays.
    """
    from rnntui.engine.config import ModelConfig

    config = ModelConfig(cell=cell, activation=activation, hidden_size=hidden, num_layers=layers,
                         vocab_size=max(1, len(set(text))))
    check_model_steps(config, len(text), output_bytes_per_probability, t("faults.memory.stepping_advice"))


def check_model_steps(config, length: int, output_bytes_per_probability: int = 0, advice: str | None = None) -> None:
    """Refuse stepping the model `config` (a fresh one or a checkpoint's) over `length` characters when
    the engine's arrays and the command's output cannot fit in memory; `advice` says what to change."""
    from rnntui.train.footprint import check_fits, describe, stepping_bytes

    output = output_bytes_per_probability * length * config.vocab_size
    check_fits(stepping_bytes(config, length) + output,
               t("faults.memory.stepping", model=describe(config), chars=f"{length:,}",
                 kinds=f"{config.vocab_size:,}"),
               advice=advice)


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
