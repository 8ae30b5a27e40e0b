"""`rnntui demo`: list the narrated demos, or run one in the app (or as plain text with --plain)."""

from __future__ import annotations

from typing import Optional

import typer

from rnntui.commands.common import user_errors


def register(app: typer.Typer) -> None:
    """Add this module's commands to the CLI."""

    @app.command("demo")
    @user_errors
    def demo(
        name: Optional[str] = typer.Argument(None, help="Which demo; leave out to list them."),
        autoplay: bool = typer.Option(False, "--autoplay", help="Advance by itself (for a lecture screen)."),
        lang: str = typer.Option("en", "--lang", help="Narration language: en or zh."),
        plain: bool = typer.Option(False, "--plain", help="Print the narration instead of opening the app."),
        delay: float = typer.Option(8.0, "--delay", help="Seconds per step with --autoplay (in the app)."),
    ) -> None:
        """Keyboard-driven, narrated demos: right/space advance, left goes back, q leaves."""
        from rnntui.demos import all_demos, get_demo
        from rnntui.demos.script import check_lang
        from rnntui.errors import RnntuiError

        check_lang(lang)
        if name is None:
            for d in all_demos().values():
                typer.echo(f"{d.name:<10} ~{d.seconds:>3} s  {d.title(lang)}: {d.claim(lang)}")
            return
        chosen = get_demo(name)
        if not delay > 0:
            raise RnntuiError(f"--delay must be > 0 seconds, got {delay}")
        if plain:
            from rnntui.demos.text_walkthrough import walk

            walk(chosen, lang, autoplay, typer.echo)
            return
        from rnntui.tui.demo_app import DemoApp

        DemoApp(chosen, lang=lang, autoplay=autoplay, delay=delay).run()
