"""The app's side of state strings: a StepState onto the stepping screen, and the screen read back.

The session itself is built by the engine (step_state.build_session); here it is proposed to the
stepping screen through `install_session`, like any other session, and what the screen keeps beside
it is set: the selected unit, which loss the gradient bars follow, the sampling temperature and the
sample on screen. The corpus `t` trains on belongs to the app's training controller.
"""

from __future__ import annotations

from rnntui.engine.sampling import TEMPERATURES
from rnntui.engine.step_state import StepState, capture
from rnntui.errors import RnntuiError
from rnntui.i18n import t
from rnntui.tui import views


def install_view(screen, state: StepState) -> None:
    """The view of `state` on a stepping screen whose session was built from it (it need not run yet)."""
    screen.selection = views.Selection(state.layer, state.unit)
    screen.bars_whole_loss = state.whole_loss_bars
    screen.temperature_index = TEMPERATURES.index(state.temperature)
    screen.sample_count = state.sample_draws
    screen.sample_text = screen.session_sample() if state.sample_shown else None


def current_state(app) -> StepState:
    """What the app's stepping screen shows now, as a StepState (refused when its weights cannot be named)."""
    screen = app.step_screen
    corpus = app.training.corpus
    shipped = corpus.name if corpus is not None and corpus.source == "shipped" else None
    return capture(
        screen.session,
        layer=screen.selection.layer,
        unit=screen.selection.unit,
        whole_loss_bars=screen.bars_whole_loss,
        temperature=screen.temperature,
        sample_draws=screen.sample_count,
        sample_shown=screen.sample_text is not None,
        corpus=shipped,
    )


def open_state(app, state: StepState, session) -> None:
    """A state on the running app: `session` (built from `state`) through the screen's
    `install_session`, then its view and its corpus, and one redraw."""
    from rnntui.engine.corpus import shipped_corpus

    screen = app.step_screen
    screen.install_session(session, cursor=state.cursor)
    install_view(screen, state)
    if state.corpus is None:
        app.training.corpus = None  # choose_corpus(None) means "keep": the state has none
    else:
        app.choose_corpus(shipped_corpus(state.corpus))
    screen.render_session()


def open_preset(app, name: str) -> None:
    """Open a preset on the running app; a refusal is a notification and changes nothing."""
    from rnntui.demos.presets import get_preset
    from rnntui.engine.step_state import build_session

    try:
        preset = get_preset(name)
        state = preset.build()
        session = build_session(state)
    except RnntuiError as error:
        app.notify(str(error), title=t("state.app.refused_title"), severity="error", timeout=8)
        return
    open_state(app, state, session)
    app.notify(t("state.app.opened_preset", name=name, description=preset.description()),
               title=t("state.app.opened_title"), timeout=4)


def share(app) -> None:
    """Show what the app shows as a state string (ShareScreen), or why it cannot be one."""
    from rnntui.engine.state_string import encode
    from rnntui.tui.screens.share import ShareScreen

    try:
        string = encode(current_state(app))
    except RnntuiError as error:
        app.notify(str(error), severity="warning", timeout=8)
        return
    app.push_screen(ShareScreen(string, app.served_at))
