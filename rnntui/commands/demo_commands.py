"""`rnntui demo`: list the narrated demos, or run one in the app (or as plain text with --plain).

The narration's language is the command line's (`--lang`, `RNNTUI_LANG`, the locale)."""

from __future__ import annotations

from typing import Optional

import typer

from rnntui.commands.common import user_errors
from rnntui.commands.language import help_text
from rnntui.i18n import t
from rnntui.textwidth import pad


def register(app: typer.Typer) -> None:
    """Add this module's commands to the CLI."""

    @app.command("demo", help=help_text("cli.help.demo.command"))
    @user_errors
    def demo(
        name: Optional[str] = typer.Argument(None, help=help_text("cli.help.demo.name")),
        autoplay: bool = typer.Option(False, "--autoplay", help=help_text("cli.help.demo.autoplay")),
        plain: bool = typer.Option(False, "--plain", help=help_text("cli.help.demo.plain")),
        delay: float = typer.Option(8.0, "--delay", help=help_text("cli.help.demo.delay")),
    ) -> None:
        """Keyboard-driven, narrated demos: right/space advance, left goes back, q leaves."""
        from rnntui.demos import all_demos, get_demo
        from rnntui.errors import RnntuiError
        from rnntui.i18n import current_language

        lang = current_language()
        if name is None:
            demos = list(all_demos().values())
            width = max(len(d.name) for d in demos)
            for d in demos:
                typer.echo(t("cli.demo.row", name=pad(d.name, width), seconds=f"{d.seconds:>3}",
                             title=d.title(lang), claim=d.claim(lang)))
            return
        chosen = get_demo(name)
        if not delay > 0:
            raise RnntuiError(t("cli.error.delay_positive", delay=delay))
        if plain:
            from rnntui.demos.text_walkthrough import walk

            walk(chosen, lang, autoplay, typer.echo)
            return
        from rnntui.tui.demo_app import DemoApp

        DemoApp(chosen, lang=lang, autoplay=autoplay, delay=delay).run()
