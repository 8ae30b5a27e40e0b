"""SeriesScreen: a time series, a network's forecasts of it and "tomorrow equals today" beside them.

The plot shows the series' held-out end (and as much before it): the truth, the network's one-step
predictions, and its free-running forecast from the cut, where it feeds its own predictions back.
Below: the one-step error against persistence (the ratio below 1 means skill) and the free-running
error against holding the last known value, as measured: with fresh weights they are whatever they
are. ←/→ move the cut. As on the task screen, every key is one session method and one redraw;
`install_params(params)` shows a training run's weights, and `#series-training` is where its
widgets go.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from rnntui.engine.series import get_series
from rnntui.engine.series_session import SeriesSession
from rnntui.i18n import t
from rnntui.tui import series_views
from rnntui.tui.keys import key
from rnntui.tui.model_screen import MODEL_KEYS, STYLESHEET, ModelScreen
from rnntui.tui.step_screen import APP_KEYS
from rnntui.tui.widgets.key_footer import KeyFooter
from rnntui.tui.widgets.series_plot import SeriesPlot

CUT_STEP = 10  # pageup / pagedown move the cut this far


class SeriesScreen(ModelScreen):
    """Forecast a series from a cut point, beside the persistence baseline."""

    CSS_PATH = STYLESHEET
    PICKS = "series"
    HELP = "taskapp.series.help"
    BINDINGS = [
        key("right,l", "move_cut(1)", "cut-later", key_display="→/l"),
        key("left,h", "move_cut(-1)", "cut-earlier", key_display="←/h"),
        key("pagedown", f"move_cut({CUT_STEP})", "cut-later-more", show=False),
        key("pageup", f"move_cut({-CUT_STEP})", "cut-earlier-more", show=False),
        key("home", "jump('first')", "first", show=False),
        key("end", "jump('last')", "last", show=False),
        *MODEL_KEYS,
    ]

    session: SeriesSession

    def session_for(self, name: str) -> SeriesSession:
        return self.session.for_series(get_series(name))

    def shown_name(self) -> str:
        return self.session.name

    def compose(self) -> ComposeResult:
        yield Static(id="too-small")
        with Vertical(id="main"):
            yield SeriesPlot(id="series-plot")
            yield Static(id="series-figures", markup=False)
            yield Vertical(id="series-training")  # a training run's widgets, mounted by its owner
            yield Static(id="series-status", markup=False)
        yield KeyFooter(pinned=APP_KEYS)

    def on_mount(self) -> None:
        self.query_one("#series-figures").border_title = t("taskapp.series.figures_title")
        super().on_mount()

    def render_session(self) -> None:
        s = self.session
        plot = self.query_one(SeriesPlot)
        plot.border_title = series_views.title(s)
        plot.show(series_views.plot_view(s))
        self.query_one("#series-figures", Static).update("\n".join(series_views.figure_lines(s)))
        self.query_one("#series-status", Static).update(series_views.status_text(s), layout=False)

    def action_move_cut(self, step: int) -> None:
        if self.session.move_cut(self.session.cut + step):
            self.render_session()

    def action_jump(self, where: str) -> None:
        lo, hi = self.session.cut_range
        if self.session.move_cut(lo if where == "first" else hi):
            self.render_session()
