"""The app's side of state strings: put a StepState's view on the screen, and read the screen back.

The session itself is built by the engine (step_state.build_session); what is added here is what
the app keeps beside it: the selected unit, which loss the gradient bars follow, the sampling
temperature and the sample on screen, and the corpus `t` trains on.
"""

from __future__ import annotations

from rnntui.engine.sampling import TEMPERATURES
from rnntui.engine.step_state import StepState, capture
from rnntui.tui import views


def install_view(app, state: StepState) -> None:
    """The view of `state` on an app whose session was built from it (before or after it runs)."""
    app.selection = views.Selection(state.layer, state.unit)
    app.bars_whole_loss = state.whole_loss_bars
    app.temperature_index = TEMPERATURES.index(state.temperature)
    app.sample_count = state.sample_draws
    app.sample_text = app.session_sample() if state.sample_shown else None


def current_state(app) -> StepState:
    """What the app shows now, as a StepState (refused when its weights cannot be named)."""
    corpus = app.training.corpus
    shipped = corpus.name if corpus is not None and corpus.source == "shipped" else None
    return capture(
        app.session,
        layer=app.selection.layer,
        unit=app.selection.unit,
        whole_loss_bars=app.bars_whole_loss,
        temperature=app.temperature,
        sample_draws=app.sample_count,
        sample_shown=app.sample_text is not None,
        corpus=shipped,
    )


def open_state(app, state: StepState, session) -> None:
    """A state on a running app: `session` (built from `state`), its view and its corpus, then
    one redraw. Opening a refused state never gets here: the caller built `session` first."""
    from rnntui.engine.corpus import shipped_corpus

    app.install_session(session)
    install_view(app, state)
    app.choose_corpus(None if state.corpus is None else shipped_corpus(state.corpus))
    if state.corpus is None:
        app.training.corpus = None
    app.render_session()


def open_preset(app, name: str) -> None:
    """Open a preset on the running app; a refusal is a notification and changes nothing."""
    from rnntui.demos.presets import get_preset
    from rnntui.engine.step_state import build_session
    from rnntui.errors import RnntuiError
    from rnntui.i18n import t

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
    from rnntui.errors import RnntuiError
    from rnntui.tui.screens.share import ShareScreen

    try:
        string = encode(current_state(app))
    except RnntuiError as error:
        app.notify(str(error), severity="warning", timeout=8)
        return
    app.push_screen(ShareScreen(string, app.served_at))
