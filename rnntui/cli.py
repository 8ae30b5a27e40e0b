"""The `rnntui` command: opens the app, and offers headless commands (step, train, sample, demo).

Nothing heavy is imported here: numpy, torch and textual load inside the commands that need them,
so `rnntui --help` is instant and opening the app never pays for torch.
"""

from __future__ import annotations

from typing import Optional

import typer

from rnntui import __version__

app = typer.Typer(
    name="rnntui",
    help="Watch a recurrent network think: step through RNN, LSTM and GRU, train, sample.",
    no_args_is_help=False,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"rnntui {__version__}")
        raise typer.Exit()


@app.callback(invoke_without_command=True)
def main_callback(
    ctx: typer.Context,
    version: Optional[bool] = typer.Option(
        None, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """With no command, open the app on the ABC example from the notes."""
    if ctx.invoked_subcommand is None:
        from rnntui.commands import app_commands

        app_commands.open_default()


def _register_commands() -> None:
    from rnntui.commands import (
        app_commands, demo_commands, engine_commands, exercise_commands, serve_commands, state_commands,
        training_commands,
    )

    for module in (engine_commands, training_commands, app_commands, state_commands, demo_commands, exercise_commands,
                   serve_commands):
        module.register(app)


_register_commands()


def main() -> None:
    """Console-script entry point: every error ends as one line on stderr, never a traceback.

    Typer's standalone mode draws usage errors as a multi-line box; here they become
    `error: ...` with the same exit code (2), like the errors our own commands raise.
    """
    import sys

    try:
        code = app(standalone_mode=False)
    except typer.TyperException as error:  # unknown command or option, a value that won't parse
        typer.echo(f"error: {error.format_message()} (see 'rnntui --help')", err=True)
        sys.exit(getattr(error, "exit_code", 2) or 2)
    except (typer.Abort, KeyboardInterrupt):
        typer.echo("error: interrupted", err=True)
        sys.exit(130)
    sys.exit(code if isinstance(code, int) else 0)
