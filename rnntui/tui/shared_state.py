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
