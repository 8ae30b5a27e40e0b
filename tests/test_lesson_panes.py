"""The panes say what the notes teach, in numbers: the gradient trend by its growth per step, and
clipping by norm or by value before and after, per parameter."""

from __future__ import annotations

from app_helpers import SIZE, pane_text

from rnntui.demos import exploding
from rnntui.engine.gradient_trend import growth_per_step
from rnntui.engine.numpy_rnn import Clipping
from rnntui.number_format import format_number
from rnntui.tui.app import RnnApp
from rnntui.tui.widgets.gradients import short_param_name


async def test_a_slow_explosion_is_called_exploding_by_its_growth_per_step():
    session = exploding.remedy_session(activation="tanh")  # ×93.7 over the sentence: still exploding
    app = RnnApp(session)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        norms = session.last_prediction_gradients.grad_norm_h[0][:-1]
        factor = growth_per_step(norms)
        assert factor > 1.1
        text = pane_text(app, "#gradients")
        assert f"×{format_number(factor, 3, significant=True)}/step exploding" in text
        assert "stable" not in text


async def test_clipping_by_value_shows_each_parameter_before_and_after_and_the_turn():
    session = exploding.relu_session(Clipping("value", 5.0))
    app = RnnApp(session)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        grads = session.gradients
        text = pane_text(app, "#gradients")
        assert f"direction turned (cos {format_number(grads.clip_cosine, 4)})" in text
        name = "rnn.weight_hh_l0"
        before = format_number(grads.param_grad_norms[name], 2, significant=True)
        after = format_number(grads.clipped_param_norms[name], 2, significant=True)
        assert f"{short_param_name(name)} {before}→{after}" in text
