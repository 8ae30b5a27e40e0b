"""Demo `forecast`: an LSTM predicts the next value of a real series and of a random walk, beside persistence.

On the airline passengers (trend and season) the one-step error falls far below "tomorrow equals
today"; on a random walk standing in for a price it cannot, and the demo says so with the numbers
it measured. torch is imported only when a training step runs.
"""

from __future__ import annotations

import numpy as np

from rnntui.demos.adding import said
from rnntui.demos.script import Bilingual, Demo, DemoContext, Figure, Outcome, Scene, Step
from rnntui.engine.series import get_series
from rnntui.engine.series.forecast import prepare

SEED = 0


def trained(ctx: DemoContext, name: str):
    def train():
        import torch

        from rnntui.train.series_runs import SeriesRunConfig, train_series

        torch.set_num_threads(ctx.threads)
        series = get_series(name)
        prepared = prepare(series.values(), series.test_points, series.log)
        return prepared, train_series(prepared, SeriesRunConfig(seed=SEED))

    return ctx.once(f"forecast-{name}", train)


def held_out_curves(prepared, result) -> Figure:
    s = prepared.test_start
    return Figure(curves={
        Bilingual("truth", "真实值"): list(prepared.values[s:]),
        Bilingual("LSTM, one step ahead", "LSTM 单步预测"): list(result.predictions[s - 1:]),
        Bilingual("persistence (yesterday)", "持续性(昨天的值)"): list(prepared.values[s - 1:-1]),
    })


def scored(name: str, key: str, digits: int, fact: str):
    """A step that trains on series `name` and narrates its one-step error beside persistence."""
    def run(ctx: DemoContext) -> Outcome:
        prepared, result = trained(ctx, name)
        score = result.one_step
        return Outcome(
            said(key, points=len(prepared.values) - prepared.test_start, mse=f"{score.mse:.{digits}f}",
                 persistence=f"{score.persistence:.{digits}f}", ratio=f"{score.ratio:.{max(digits, 2)}f}"),
            Scene(figure=held_out_curves(prepared, result)),
            {fact: score.ratio},
        )

    return run


def intro(ctx: DemoContext) -> Outcome:
    values = get_series("airline").values()
    return Outcome(said("forecast_intro", first=int(values[0]), last=int(values[-1])),
                   Scene(figure=Figure(curves={Bilingual("passengers (thousands)", "乘客(千人)"): list(values)})),
                   {"points": len(values)})


DEMO = Demo(
    name="forecast",
    title=Bilingual("Forecasting: beat tomorrow = today", "预测:要胜过“明天等于今天”"),
    claim=Bilingual(
        "An LSTM beats the persistence forecast on a real seasonal series, and not on a random walk: "
        "what to expect before predicting prices.",
        "LSTM 在真实的季节性序列上胜过持续性预测,在随机游走上却不能:预测价格之前应当知道这一点。",
    ),
    steps=(
        Step(Bilingual("The series", "序列"), intro),
        Step(Bilingual("Airline passengers", "航空乘客"), scored("airline", "forecast_airline", 0, "airline_ratio")),
        Step(Bilingual("A random walk", "随机游走"), scored("random-walk", "forecast_walk", 3, "walk_ratio")),
    ),
    seconds=10,
)
