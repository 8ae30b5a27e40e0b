"""`rnntui serve`: the app (or a demo) in web browsers, one app process per tab.

Every option is checked here by the same code `rnntui app` and `rnntui demo` use, before the server
starts; each tab then runs `rnntui app ...` or `rnntui demo ...` rebuilt from those checked values.
aiohttp and textual-serve load inside the command only (see rnntui/serve.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional
from urllib.parse import urlsplit

import typer

from rnntui.commands import app_commands
from rnntui.commands.common import user_errors
from rnntui.commands.language import help_text
from rnntui.errors import RnntuiError
from rnntui.i18n import current_language, t

PORT_RANGE = dict(min=0, max=65535)
MAX_TABS = 40  # a room's worth of tabs, each its own app process: the cap keeps one server from sinking its machine


def register(app: typer.Typer) -> None:
    """Add this module's commands to the CLI."""
    app.command("serve", help=help_text("cli.help.serve.command"))(serve)


@user_errors
def serve(
    host: str = typer.Option("127.0.0.1", "--host", help=help_text("cli.help.serve.host")),
    port: int = typer.Option(8000, "--port", help=help_text("cli.help.serve.port"), **PORT_RANGE),
    public_url: Optional[str] = typer.Option(None, "--public-url", help=help_text("cli.help.serve.public_url")),
    max_tabs: int = typer.Option(MAX_TABS, "--max-tabs", min=1, help=help_text("cli.help.serve.max_tabs")),
    text: Optional[str] = app_commands.TEXT_OPTION,
    cell: Optional[str] = app_commands.CELL_OPTION,
    activation: Optional[str] = app_commands.ACTIVATION_OPTION,
    hidden: Optional[int] = app_commands.HIDDEN_OPTION,
    layers: Optional[int] = app_commands.LAYERS_OPTION,
    checkpoint: Optional[Path] = app_commands.CHECKPOINT_OPTION,
    seed: Optional[int] = app_commands.SEED_OPTION,
    corpus: Optional[str] = app_commands.CORPUS_OPTION,
    task: Optional[str] = app_commands.TASK_OPTION,
    T: Optional[int] = app_commands.T_OPTION,
    p: Optional[int] = app_commands.P_OPTION,
    series: Optional[str] = app_commands.SERIES_OPTION,
    demo: Optional[str] = typer.Option(None, "--demo", help=help_text("cli.help.serve.demo")),
) -> None:
    """Serve the app to web browsers: each tab gets its own app, with the options `rnntui app` takes."""
    app_options = dict(text=text, cell=cell, activation=activation, hidden=hidden, layers=layers,
                       checkpoint=checkpoint, seed=seed, corpus=corpus, task=task, T=T, p=p, series=series)
    if demo is not None:
        given = [f"--{name}" for name, value in app_options.items() if value is not None]
        if given:
            raise RnntuiError(t("cli.error.demo_has_model", flags=", ".join(given)))
        argv = demo_argv(demo, current_language())
    else:
        argv = app_argv(app_options, current_language())
    check_public_url(public_url)

    from rnntui.serve import ServeConfig, serve as run_server

    config = ServeConfig(tuple(argv), max_tabs, host=host, port=port, public_url=public_url,
                         check_state=app_commands.check_state_string)
    run_server(config, typer.echo)


def app_argv(options: dict, lang: str) -> list[str]:
    """`rnntui app`'s arguments for these options (keyed by option name) in language `lang`, refused
    here exactly as `rnntui app` refuses them."""
    check_app_options(options)
    # name=value keeps a value that starts with '-' a value.
    return ["app", *(f"--{name}={value}" for name, value in options.items() if value is not None), f"--lang={lang}"]


def check_app_options(options: dict) -> None:
    """Build what `rnntui app` would open from these options, so a bad one fails here, in the same
    order and with the same line: a series, a task, a task's checkpoint, else text and a model."""
    from rnntui.engine.corpus import load_corpus

    if options["series"] is not None:
        app_commands.series_session_from_options(options["series"], options)
        return
    if any(options[name] is not None for name in ("task", "T", "p")):
        app_commands.task_session_from_options(options["task"], options["T"], options["p"], options)
        return
    model_options = tuple(options[name] for name in ("cell", "activation", "hidden", "layers", "seed"))
    # With model options a checkpoint is refused below for them, before any file is read.
    if options["checkpoint"] is not None and not any(option is not None for option in model_options) \
            and app_commands.task_checkpoint_session(options["checkpoint"], model_options):
        return
    if options["text"] is not None and "\0" in options["text"]:
        raise RnntuiError(t("cli.error.text_nul"))
    if options["corpus"] is not None:
        load_corpus(options["corpus"])
    app_commands.session_from_options(options["text"], options["cell"], options["activation"], options["hidden"],
                                      options["layers"], options["checkpoint"], seed=options["seed"])


def demo_argv(name: str, lang: str) -> list[str]:
    """`rnntui demo`'s arguments, refused here exactly as `rnntui demo` refuses them."""
    from rnntui.demos import get_demo

    get_demo(name)
    return ["demo", name, f"--lang={lang}"]


def check_public_url(url: str | None) -> None:
    if url is None:
        return
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise RnntuiError(t("cli.error.public_url", url=repr(url)))
    try:
        parts.port
    except ValueError:
        raise RnntuiError(t("cli.error.public_url_port", url=repr(url))) from None
