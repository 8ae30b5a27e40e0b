"""`rnntui state`: the state string for what `rnntui app` would open, a preset's, or one decoded.

`rnntui state [the app's options]` prints the string of the screen those options open (at its
first timestep, as the app opens); `--preset NAME` a preset's; `--list` every preset with its
string; `--decode STRING` prints a string's state as JSON. A bad string is one line and exit 2.
Nothing here imports textual or torch.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from rnntui.commands import app_commands
from rnntui.commands.common import user_errors
from rnntui.commands.language import help_text
from rnntui.errors import RnntuiError
from rnntui.i18n import t


def register(app: typer.Typer) -> None:
    """Add this module's commands to the CLI."""
    app.command("state", help=help_text("cli.help.state.command"))(state)


@user_errors
def state(
    text: Optional[str] = app_commands.TEXT_OPTION,
    cell: Optional[str] = app_commands.CELL_OPTION,
    activation: Optional[str] = app_commands.ACTIVATION_OPTION,
    hidden: Optional[int] = app_commands.HIDDEN_OPTION,
    layers: Optional[int] = app_commands.LAYERS_OPTION,
    checkpoint: Optional[Path] = app_commands.CHECKPOINT_OPTION,
    seed: Optional[int] = app_commands.SEED_OPTION,
    corpus: Optional[str] = app_commands.CORPUS_OPTION,
    preset: Optional[str] = typer.Option(None, "--preset", help=help_text("cli.help.state.preset")),
    decode: Optional[str] = typer.Option(None, "--decode", help=help_text("cli.help.state.decode")),
    list_presets: bool = typer.Option(False, "--list", help=help_text("cli.help.state.list")),
) -> None:
    """Print the state string for the screen `rnntui app` opens with these options (or decode one)."""
    from rnntui.engine.state_string import encode, readable

    options = dict(text=text, cell=cell, activation=activation, hidden=hidden, layers=layers,
                   checkpoint=checkpoint, seed=seed, corpus=corpus)
    given = [f"--{name}" for name, value in options.items() if value is not None]
    if preset is not None:
        given.append("--preset")
    if list_presets:
        if given or decode is not None:
            raise RnntuiError(t("state.cli.alone", option="--list"))
        print_presets()
        return
    if decode is not None:
        if given:
            raise RnntuiError(t("state.cli.alone", option="--decode"))
        from rnntui.engine.state_string import decode as decode_string

        typer.echo(json.dumps(readable(decode_string(decode)), indent=2, ensure_ascii=False))
        return
    if preset is not None:
        opened = app_commands.state_from_options(None, preset, options)
    else:
        opened = state_of_options(options)
    typer.echo(encode(opened))


def state_of_options(options: dict):
    """The StepState `rnntui app` opens with these options: checked as it checks them, at t = 1."""
    from rnntui.engine.step_state import capture

    corpus = shipped_corpus_name(options["corpus"])
    session = app_commands.session_from_options(
        **{name: value for name, value in options.items() if name != "corpus"})
    session.first()  # the app opens at the first timestep
    return capture(session, corpus=corpus)


def shipped_corpus_name(spec: str | None) -> str | None:
    """A shipped corpus travels in a string by name; a file's text does not travel at all."""
    if spec is None:
        return None
    from rnntui.engine.corpus import SHIPPED, load_corpus

    if Path(spec).exists() or spec not in SHIPPED:
        load_corpus(spec)  # a missing or unusable one is refused as `rnntui app` refuses it
        raise RnntuiError(t("state.cli.file_corpus", corpus=spec))
    return spec


def print_presets() -> None:
    from rnntui.demos.presets import PRESETS
    from rnntui.engine.state_string import encode

    for preset in PRESETS.values():
        typer.echo(f"{preset.name:<14} {preset.description()}")
        typer.echo(f"{'':<14} {encode(preset.build())}")
