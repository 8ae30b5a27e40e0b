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
from rnntui.errors import RnntuiError

PORT_RANGE = dict(min=0, max=65535)
MAX_TABS = 40  # a room's worth of tabs, each its own app process: the cap keeps one server from sinking its machine


def register(app: typer.Typer) -> None:
    """Add this module's commands to the CLI."""
    app.command("serve")(serve)


@user_errors
def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on. The default lets only this machine connect; 0.0.0.0 lets anyone who can reach it."),
    port: int = typer.Option(8000, "--port", help="Port to listen on (0: any free port).", **PORT_RANGE),
    public_url: Optional[str] = typer.Option(None, "--public-url", help="The http(s) URL browsers reach the server at, when it is not the listening address (a proxy, a host name)."),
    max_tabs: int = typer.Option(MAX_TABS, "--max-tabs", min=1, help="Tabs with an app at once; a tab past that is told to wait."),
    text: Optional[str] = app_commands.TEXT_OPTION,
    cell: Optional[str] = app_commands.CELL_OPTION,
    activation: Optional[str] = app_commands.ACTIVATION_OPTION,
    hidden: Optional[int] = app_commands.HIDDEN_OPTION,
    layers: Optional[int] = app_commands.LAYERS_OPTION,
    checkpoint: Optional[Path] = app_commands.CHECKPOINT_OPTION,
    seed: Optional[int] = app_commands.SEED_OPTION,
    corpus: Optional[str] = app_commands.CORPUS_OPTION,
    demo: Optional[str] = typer.Option(None, "--demo", help="Serve this narrated demo instead of the app (see `rnntui demo`)."),
    lang: Optional[str] = typer.Option(None, "--lang", help="The demo's narration language: en or zh (default: en)."),
) -> None:
    """Serve the app to web browsers: each tab gets its own app, with the options `rnntui app` takes."""
    app_options = dict(text=text, cell=cell, activation=activation, hidden=hidden, layers=layers,
                       checkpoint=checkpoint, seed=seed, corpus=corpus)
    if demo is not None:
        given = [f"--{name}" for name, value in app_options.items() if value is not None]
        if given:
            raise RnntuiError(f"--demo serves a demo with its own model: drop {', '.join(given)}")
        argv = demo_argv(demo, lang or "en")
    elif lang is not None:
        raise RnntuiError("--lang is the narration language of a --demo: give --demo NAME too")
    else:
        argv = app_argv(app_options)
    check_public_url(public_url)

    from rnntui.serve import ServeConfig, serve as run_server

    config = ServeConfig(tuple(argv), max_tabs, host=host, port=port, public_url=public_url,
                         check_state=app_commands.check_state_string)
    run_server(config, typer.echo)


def app_argv(options: dict) -> list[str]:
    """`rnntui app`'s arguments for these options (keyed by option name), refused here exactly as
    `rnntui app` refuses them."""
    from rnntui.engine.corpus import load_corpus

    if options["text"] is not None and "\0" in options["text"]:
        raise RnntuiError("--text contains a NUL character, which a command line cannot carry")
    if options["corpus"] is not None:
        load_corpus(options["corpus"])
    app_commands.session_from_options(**{name: value for name, value in options.items() if name != "corpus"})
    # name=value keeps a value that starts with '-' a value.
    return ["app", *(f"--{name}={value}" for name, value in options.items() if value is not None)]


def demo_argv(name: str, lang: str) -> list[str]:
    """`rnntui demo`'s arguments, refused here exactly as `rnntui demo` refuses them."""
    from rnntui.demos import get_demo
    from rnntui.demos.script import check_lang

    check_lang(lang)
    get_demo(name)
    return ["demo", name, f"--lang={lang}"]


def check_public_url(url: str | None) -> None:
    if url is None:
        return
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise RnntuiError(f"--public-url must look like http://HOST:PORT or https://HOST/PATH, got {url!r}")
    try:
        parts.port
    except ValueError:
        raise RnntuiError(f"--public-url has a bad port: {url!r}") from None
