"""`rnntui app`: open the Textual app on any text, cell and size, or on a trained checkpoint.

With no command at all, `rnntui` opens the app on the ABC example from the notes (`open_default`).
Textual and NumPy are imported inside the functions, so `rnntui --help` stays instant; the app
itself never imports torch.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from rnntui.commands.common import user_errors

DEFAULT_TEXT = "ABCABCABC"  # what a fresh model steps through when no --text is given


def run_app(session, corpus=None) -> None:
    """Open the app on a StepSession (and a Corpus for `t` to train on) until the person quits."""
    from rnntui.tui.app import RnnApp

    app = RnnApp(session)
    app.choose_corpus(corpus)
    app.run()


def open_default() -> None:
    """Open the app on the ABC lesson's example: "AB", one-hot, W_xh = W_hh = I, tanh."""
    from rnntui.engine.abc_example import abc_session

    run_app(abc_session())


def register(app: typer.Typer) -> None:
    """Add this module's commands to the CLI."""

    @app.command("app")
    @user_errors
    def app_command(
        text: Optional[str] = typer.Option(None, "--text", "-t", help="Input to step through (default: the ABC example, or a checkpoint's characters)."),
        cell: Optional[str] = typer.Option(None, "--cell", help="rnn, lstm or gru [default: rnn]."),
        activation: Optional[str] = typer.Option(None, "--activation", help="tanh or relu, the vanilla RNN's nonlinearity [default: tanh]."),
        hidden: Optional[int] = typer.Option(None, "--hidden", help="Hidden units per layer [default: 8]."),
        layers: Optional[int] = typer.Option(None, "--layers", help="Stacked recurrent layers [default: 1]."),
        checkpoint: Optional[Path] = typer.Option(None, "--checkpoint", help="Open a trained rnntui/1 .safetensors model."),
        seed: Optional[int] = typer.Option(None, "--seed", help="Seed for the initial weights [default: 0]."),
        corpus: Optional[str] = typer.Option(None, "--corpus", help="Corpus that t trains on: a shipped name (rnntui corpora) or a UTF-8 text file."),
    ) -> None:
        """Open the app: step through TEXT with a fresh model, or with a trained checkpoint.

        With no options at all it opens the ABC example from the notes (the notes' weights)."""
        from rnntui.engine.corpus import load_corpus
        from rnntui.engine.session import StepSession

        chosen = None if corpus is None else load_corpus(corpus)  # a bad one fails before the app opens

        model_options = (cell, activation, hidden, layers, seed)
        if checkpoint is not None:
            if any(option is not None for option in model_options):
                raise typer.BadParameter("a checkpoint fixes the model: drop --cell/--activation/--hidden/--layers/--seed")
            session = StepSession.from_checkpoint(checkpoint, text=text)
        elif text is None and all(option is None for option in model_options):
            from rnntui.engine.abc_example import abc_session

            session = abc_session()
        else:
            session = StepSession(
                text if text is not None else DEFAULT_TEXT,
                cell=cell or "rnn",
                activation=activation or "tanh",
                hidden_size=8 if hidden is None else hidden,
                num_layers=1 if layers is None else layers,
                seed=0 if seed is None else seed,
            )
        run_app(session, chosen)
