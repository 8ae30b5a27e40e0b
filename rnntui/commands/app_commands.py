"""`rnntui app`: open the Textual app on any text, cell and size, or on a trained checkpoint.

With no command at all, `rnntui` opens the app on the ABC example from the notes (`open_default`).
Textual and NumPy are imported inside the functions, so `rnntui --help` stays instant; the app
itself never imports torch.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from rnntui.commands.common import check_activation, check_stepping_fits, user_errors
from rnntui.commands.language import help_text
from rnntui.errors import RnntuiError
from rnntui.i18n import t

DEFAULT_TEXT = "ABCABCABC"  # what a fresh model steps through when no --text is given
# The panes draw a few dozen units; past this size the app only grows slow to open (the status
# line's spectral radius alone is an eigen-solve of W_hh), so bigger models are refused up front.
MAX_APP_HIDDEN = 1024


# The app's options, shared with `rnntui serve`, which serves the same app with the same options.
TEXT_OPTION = typer.Option(None, "--text", "-t", help=help_text("cli.help.app.text"))
CELL_OPTION = typer.Option(None, "--cell", help=help_text("cli.help.app.cell"))
ACTIVATION_OPTION = typer.Option(None, "--activation", help=help_text("cli.help.app.activation"))
HIDDEN_OPTION = typer.Option(None, "--hidden", help=help_text("cli.help.app.hidden"))
LAYERS_OPTION = typer.Option(None, "--layers", help=help_text("cli.help.app.layers"))
CHECKPOINT_OPTION = typer.Option(None, "--checkpoint", help=help_text("cli.help.app.checkpoint"))
SEED_OPTION = typer.Option(None, "--seed", help=help_text("cli.help.app.seed"))
CORPUS_OPTION = typer.Option(None, "--corpus", help=help_text("cli.help.app.corpus"))


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


def check_drawable(hidden: int, what: str | None = None) -> None:
    """Refuse a model too wide for the app's panes (`what` names where its size came from)."""
    if hidden > MAX_APP_HIDDEN:
        raise RnntuiError(t("cli.error.too_wide_for_app", what=what or f"--hidden {hidden}", most=MAX_APP_HIDDEN))


def session_from_options(text, cell, activation, hidden, layers, checkpoint, seed):
    """The StepSession `rnntui app` opens from its options; a bad one raises a one-line RnntuiError.

    `rnntui serve` calls it too, so a served app's options are refused before the server starts."""
    from rnntui.engine.session import StepSession

    model_options = (cell, activation, hidden, layers, seed)
    if checkpoint is not None:
        if any(option is not None for option in model_options):
            raise typer.BadParameter(t("cli.error.checkpoint_fixes_model"))
        session = StepSession.from_checkpoint(checkpoint, text=text)
        check_drawable(session.config.hidden_size, t("cli.error.checkpoint_units", units=session.config.hidden_size))
        return session
    if text is None and all(option is None for option in model_options):
        from rnntui.engine.abc_example import abc_session

        return abc_session()
    model = (cell or "rnn", activation or "tanh", 8 if hidden is None else hidden, 1 if layers is None else layers)
    check_activation(model[0], activation)
    check_stepping_fits(text if text is not None else DEFAULT_TEXT, *model)  # before allocating anything
    check_drawable(model[2])
    return StepSession(
        text if text is not None else DEFAULT_TEXT,
        cell=cell or "rnn",
        activation=activation or "tanh",
        hidden_size=8 if hidden is None else hidden,
        num_layers=1 if layers is None else layers,
        seed=0 if seed is None else seed,
    )


def register(app: typer.Typer) -> None:
    """Add this module's commands to the CLI."""

    @app.command("app", help=help_text("cli.help.app.command"))
    @user_errors
    def app_command(
        text: Optional[str] = TEXT_OPTION,
        cell: Optional[str] = CELL_OPTION,
        activation: Optional[str] = ACTIVATION_OPTION,
        hidden: Optional[int] = HIDDEN_OPTION,
        layers: Optional[int] = LAYERS_OPTION,
        checkpoint: Optional[Path] = CHECKPOINT_OPTION,
        seed: Optional[int] = SEED_OPTION,
        corpus: Optional[str] = CORPUS_OPTION,
    ) -> None:
        """Open the app: step through TEXT with a fresh model, or with a trained checkpoint.

        With no options at all it opens the ABC example from the notes (the notes' weights)."""
        from rnntui.engine.corpus import load_corpus

        chosen = None if corpus is None else load_corpus(corpus)  # a bad one fails before the app opens
        session = session_from_options(text, cell, activation, hidden, layers, checkpoint, seed)
        run_app(session, chosen)
