"""From a SeriesSession to what the series screen shows: the curves and the scores, in words.

Every number comes from the session (NumPy forecasts scored by engine/series/forecast.py); the
persistence ratio is printed as measured, whatever the weights are.
"""

from __future__ import annotations

from rnntui.engine.series_session import SeriesSession
from rnntui.i18n import t
from rnntui.number_format import format_number
from rnntui.tui import views
from rnntui.tui.widgets import palette
from rnntui.tui.widgets.series_plot import Curve, SeriesPlotView


def number(value: float) -> str:
    return format_number(value, 4, significant=True)


def plot_view(session: SeriesSession) -> SeriesPlotView:
    """The held-out end and as much before it, the cut in view: truth, one step ahead, free-running."""
    p = session.prepared
    held_out = session.N - p.test_start
    first = max(0, min(session.cut, p.test_start) - held_out)
    forecast = session.free_running
    return SeriesPlotView(
        curves=[Curve(t("taskapp.series.truth"), 0, session.values, palette.PLAIN),
                Curve(t("taskapp.series.one_step"), 1, session.predictions, palette.GOOD),
                Curve(t("taskapp.series.free_running"), forecast.cut, forecast.values, palette.WARNING)],
        first=first, last=session.N - 1, cut=forecast.cut,
        legend_after=t("taskapp.series.cut_mark", cut=forecast.cut),
    )


def verdict(ratio: float) -> str:
    return t("taskapp.series.beats" if ratio < 1 else "taskapp.series.does_not_beat")


def figure_lines(session: SeriesSession) -> list[str]:
    """The one-step score on the held-out end, the free-running score from the cut, and what they mean."""
    p, one, free = session.prepared, session.one_step, session.free_running
    lines = [
        t("taskapp.series.one_step_score", points=session.N - p.test_start, mse=number(one.mse),
          persistence=number(one.persistence), ratio=format_number(one.ratio, 3), verdict=verdict(one.ratio)),
        t("taskapp.series.free_score", cut=free.cut, points=session.N - free.cut, mse=number(free.score.mse),
          held=number(free.score.persistence), ratio=format_number(free.score.ratio, 3), verdict=verdict(free.score.ratio)),
        t("taskapp.series.at_cut", cut=free.cut, last=number(session.values[free.cut - 1]),
          first=number(free.values[0]), truth=number(session.values[free.cut])),
    ]
    if session.from_seed:
        lines.append(t("taskapp.series.fresh", seed=session.seed))
    if not session.series.predictable:
        lines.append(t("taskapp.series.unpredictable"))
    return lines


def title(session: SeriesSession) -> str:
    return t("taskapp.series.title", name=session.name, points=session.N, held_out=session.N - session.prepared.test_start)


def status_text(session: SeriesSession) -> str:
    cfg = session.config
    return " · ".join([session.name, views.cell_name(cfg.cell), f"H={cfg.hidden_size}",
                       t("panes.status.seed", seed=session.seed), t("taskapp.series.status_cut", cut=session.cut, N=session.N),
                       t("taskapp.series.status_ratio", ratio=format_number(session.one_step.ratio, 3))])
