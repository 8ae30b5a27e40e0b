"""The `rnntui` command: opens the app, and offers headless commands (step, train, sample, demo).

Nothing heavy is imported here: numpy, torch and textual load inside the commands that need them,
so `rnntui --help` is instant and opening the app never pays for torch.
"""

from __future__ import annotations

from typing import Optional

import typer

from rnntui import __version__
from rnntui import i18n
from rnntui.commands.language import LocalizedGroup, help_text, take_language
from rnntui.errors import RnntuiError
from rnntui.i18n import t

app = typer.Typer(
    name="rnntui",
    cls=LocalizedGroup,
    help=help_text("cli.help.rnntui"),
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
        None, "--version", callback=_version, is_eager=True, help=help_text("cli.help.version")
    ),
    # LocalizedGroup reads --lang off the command line before parsing (it must come before --help
    # is drawn), and so it is accepted after any command too; it is declared here for --help only.
    lang: Optional[str] = typer.Option(None, "--lang", metavar="en|zh", help=help_text("cli.help.lang")),
) -> None:
    """With no command, open the app on the ABC example from the notes."""
    if ctx.invoked_subcommand is None:
        from rnntui.commands import app_commands

        app_commands.open_default()


def _register_commands() -> None:
    from rnntui.commands import (
        app_commands, demo_commands, engine_commands, exercise_commands, experiment_commands, serve_commands,
        state_commands, training_commands,
    )

    for module in (engine_commands, training_commands, app_commands, state_commands, demo_commands, exercise_commands,
                   serve_commands, experiment_commands):
        module.register(app)


_register_commands()


def main() -> None:
    """Console-script entry point: every error ends as one line on stderr, never a traceback.

    Typer's standalone mode draws usage errors as a multi-line box; here they become
    `error: ...` with the same exit code (2), like the errors our own commands raise. Output that
    cannot be written (a full device, a closed pipe) is one line and exit 1; SIGINT, SIGTERM and
    SIGHUP end with 128 + the signal's number (130, 143, 129), as shells expect.
    """
    import sys

    from rnntui.commands.common import (ENDING_SIGNALS, INTERRUPTED, Terminated, interrupted_line, output_failure,
                                        signal_exit_code, terminate_on_signals)

    # The process speaks the language its command line chose, so that the lines printed here (a
    # usage error, an interruption) do too; a --lang rnntui does not speak is refused by `app`.
    try:
        i18n.set_language(take_language(sys.argv[1:])[0])
    except RnntuiError:
        pass
    try:
        with terminate_on_signals():
            code = app(standalone_mode=False)
            sys.stdout.flush()  # here, not at exit: a full device must fail where it is reported
    except typer.TyperException as error:  # unknown command or option, a value that won't parse
        typer.echo(t("cli.error.line", message=t("cli.error.usage", detail=error.format_message())), err=True)
        sys.exit(getattr(error, "exit_code", 2) or 2)
    except (typer.Abort, KeyboardInterrupt):  # outside a command; Typer turns one inside into 130
        code = INTERRUPTED
    except Terminated as ended:
        typer.echo(t("cli.error.line", message=interrupted_line(ended.signum)), err=True)
        sys.exit(signal_exit_code(ended.signum))
    except OSError as error:
        if not output_failure(error):
            raise
        sys.exit(1)
    ended_by = {signal_exit_code(signum): signum for signum in ENDING_SIGNALS}
    if code in ended_by:  # Ctrl-C inside a command (Typer's 130), or train stopped by a signal and saved
        typer.echo(t("cli.error.line", message=interrupted_line(ended_by[code])), err=True)
    sys.exit(code if isinstance(code, int) else 0)
