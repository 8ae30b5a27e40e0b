"""`rnntui app`: open the Textual app on any text, cell and size, or on a trained checkpoint.

With no command at all, `rnntui` opens the app on the ABC example from the notes (`open_default`).
Textual and NumPy are imported inside the functions, so `rnntui --help` stays instant; the app
itself never imports torch.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

import typer

from rnntui.commands.common import check_activation, check_model_steps, check_stepping_fits, user_errors
from rnntui.commands.language import help_text
from rnntui.errors import RnntuiError
from rnntui.i18n import t

DEFAULT_TEXT = "ABCABCABC"  # what a fresh model steps through when no --text is given
# The panes draw a few dozen units; past this size the app only grows slow to open (the status
# line's spectral radius alone is an eigen-solve of W_hh), so bigger models are refused up front.
MAX_APP_HIDDEN = 1024  # a state string may ask for no more (engine/step_state.py MAX_HIDDEN)
STATE_ENV = "RNNTUI_STATE"  # a served link's tab gets its state string here, never on its command line
SERVE_URL_ENV = "RNNTUI_SERVE_URL"  # a served tab's server, as its browser reached it (for share links)


# The app's options, shared with `rnntui serve`, which serves the same app with the same options.
TEXT_OPTION = typer.Option(None, "--text", "-t", help=help_text("cli.help.app.text"))
CELL_OPTION = typer.Option(None, "--cell", help=help_text("cli.help.app.cell"))
ACTIVATION_OPTION = typer.Option(None, "--activation", help=help_text("cli.help.app.activation"))
HIDDEN_OPTION = typer.Option(None, "--hidden", help=help_text("cli.help.app.hidden"))
LAYERS_OPTION = typer.Option(None, "--layers", help=help_text("cli.help.app.layers"))
CHECKPOINT_OPTION = typer.Option(None, "--checkpoint", help=help_text("cli.help.app.checkpoint"))
SEED_OPTION = typer.Option(None, "--seed", help=help_text("cli.help.app.seed"))
CORPUS_OPTION = typer.Option(None, "--corpus", help=help_text("cli.help.app.corpus"))
STATE_OPTION = typer.Option(None, "--state", help=help_text("cli.help.app.state"))
PRESET_OPTION = typer.Option(None, "--preset", help=help_text("cli.help.app.preset"))


def run_app(session, corpus=None, state=None, notice: str | None = None) -> None:
    """Open the app on a StepSession (and a Corpus for `t` to train on) until the person quits."""
    make_app(session, corpus, state, notice).run()


def make_app(session, corpus=None, state=None, notice: str | None = None):
    """The app `run_app` runs: `state` (a StepState) also sets what the screen shows (selected
    unit, bars, temperature, sample); `notice` is an error notification once the screen is up
    (a refused link's reason)."""
    from rnntui.tui.app import RnnApp

    app = RnnApp(session, start_at_first=state is None)
    app.choose_corpus(corpus)
    app.served_at = os.environ.get(SERVE_URL_ENV)
    if state is not None:
        from rnntui.tui.shared_state import install_view

        install_view(app.step_screen, state)
    if notice is not None:
        app.notify(notice, title=t("state.app.refused_title"), severity="error", timeout=30)
    return app


def open_served_link(string: str) -> None:
    """A served link's tab: its state, or (when this machine cannot build it, say its checkpoint is
    missing) the default screen with the reason as a notification; the server checked the rest."""
    from rnntui.engine.abc_example import abc_session
    from rnntui.engine.corpus import shipped_corpus

    try:
        state = check_state_string(string)
        session = open_state(state)
    except RnntuiError as error:
        run_app(abc_session(), notice=str(error))
        return
    run_app(session, None if state.corpus is None else shipped_corpus(state.corpus), state)


def open_default() -> None:
    """Open the app on the ABC lesson's example: "AB", one-hot, W_xh = W_hh = I, tanh."""
    from rnntui.engine.abc_example import abc_session

    run_app(abc_session())


def check_drawable(hidden: int, what: str | None = None) -> None:
    """Refuse a model too wide for the app's panes (`what` names where its size came from)."""
    if hidden > MAX_APP_HIDDEN:
        raise RnntuiError(t("cli.error.too_wide_for_app", what=what or f"--hidden {hidden}", most=MAX_APP_HIDDEN))


def check_openable(state) -> None:
    """What `rnntui app` checks of options, checked of a StepState: memory and the panes' width.
    Reads no file, so the server can run it on every link before starting anything."""
    check_stepping_fits(state.text, state.cell, state.activation, state.hidden_size, state.num_layers)
    check_drawable(state.hidden_size)


def check_state_string(string: str):
    """A state string's StepState, checked as --state checks it but without reading any file:
    what `rnntui serve` runs on a link before it starts the link's tab."""
    from rnntui.engine.state_string import decode

    state = decode(string)
    check_openable(state)
    return state


def open_state(state, checkpoint=None):
    """The StepSession a StepState describes, refused in one line before anything is drawn."""
    from rnntui.engine.step_state import build_session

    check_openable(state)
    return build_session(state, checkpoint)


def state_from_options(state_string, preset, options: dict):
    """The StepState that --state or --preset names (None when neither is given); the model
    options cannot be given with one, except --checkpoint, which says where a state's file is."""
    if state_string is None and preset is None:
        return None
    if state_string is not None and preset is not None:
        raise RnntuiError(t("state.cli.state_and_preset"))
    allowed = () if preset is not None else ("checkpoint",)
    given = [f"--{name}" for name, value in options.items() if value is not None and name not in allowed]
    if given:
        raise RnntuiError(t("state.cli.state_fixes", options=", ".join(given),
                            given="--preset" if preset is not None else "--state"))
    if preset is not None:
        from rnntui.demos.presets import get_preset

        return get_preset(preset).build()
    from rnntui.engine.state_string import decode

    return decode(state_string)


def session_from_options(text, cell, activation, hidden, layers, checkpoint, seed):
    """The StepSession `rnntui app` opens from its options; a bad one raises a one-line RnntuiError.

    `rnntui serve` calls it too, so a served app's options are refused before the server starts."""
    from rnntui.engine.session import StepSession

    model_options = (cell, activation, hidden, layers, seed)
    if checkpoint is not None:
        if any(option is not None for option in model_options):
            raise typer.BadParameter(t("cli.error.checkpoint_fixes_model"))
        from rnntui.engine.checkpoint import load_checkpoint

        loaded = load_checkpoint(checkpoint)
        check_drawable(loaded.config.hidden_size, t("cli.error.checkpoint_units", units=loaded.config.hidden_size))
        # Without --text the app steps a few characters of the vocabulary: the weights are the cost then.
        check_model_steps(loaded.config, 0 if text is None else len(text), advice=t("train.memory.shorter_text"))
        return StepSession.from_checkpoint(checkpoint, text=text, loaded=loaded)
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
        state: Optional[str] = STATE_OPTION,
        preset: Optional[str] = PRESET_OPTION,
    ) -> None:
        """Open the app: step through TEXT with a fresh model, or with a trained checkpoint.

        With no options at all it opens the ABC example from the notes (the notes' weights).
        --state opens a state string, --preset a named starting state."""
        from rnntui.engine.corpus import load_corpus, shipped_corpus

        options = dict(text=text, cell=cell, activation=activation, hidden=hidden, layers=layers,
                       checkpoint=checkpoint, seed=seed, corpus=corpus)
        served_state = os.environ.pop(STATE_ENV, None)  # set only by `rnntui serve`, for a link's tab
        if served_state is not None and state is None and preset is None and not any(
                value is not None for value in options.values()):
            open_served_link(served_state)
            return
        opened = state_from_options(state, preset, options)
        if opened is not None:
            session = open_state(opened, checkpoint)
            run_app(session, None if opened.corpus is None else shipped_corpus(opened.corpus), opened)
            return
        chosen = None if corpus is None else load_corpus(corpus)  # a bad one fails before the app opens
        session = session_from_options(text, cell, activation, hidden, layers, checkpoint, seed)
        run_app(session, chosen)
