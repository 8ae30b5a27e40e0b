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


async def test_the_gates_pane_prints_the_selected_units_gates_and_the_equation_in_numbers():
    from rnntui.engine.session import StepSession

    session = StepSession("hello world", cell="lstm", hidden_size=8)
    app = RnnApp(session)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("right")
        text = " ".join(pane_text(app, "#gates").split())
        step = session.current_step()
        for name in "ifgo":
            assert f"{name} {format_number(float(step.gates[name][0, 0]), 4)}" in text
        assert f"= {format_number(float(step.h[0, 0]), 4)}" in text  # h_2 = o·tanh(c_2) = ...


async def test_the_abc_equation_is_written_with_the_notes_numbers():
    import numpy as np

    from rnntui.engine.abc_example import abc_session

    app = RnnApp(abc_session())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("right")
        text = " ".join(pane_text(app, "#gates").split())
        h1 = np.tanh(1.0)
        assert f"a_2 = W_xh·[0, 1, 0] + W_hh·[{h1:.4f}, 0, 0] + b = [{h1:.4f}, 1.0000, 0]" in text
        assert f"h_2 = tanh(a_2) = [{np.tanh(h1):.4f}, {h1:.4f}, 0]" in text


async def test_v_brings_every_gate_block_into_view_at_both_sizes():
    from rnntui.engine.session import StepSession
    from rnntui.tui.views import GATE_FORMULAS

    for size in (SIZE, (80, 24)):
        app = RnnApp(StepSession("hello world", cell="lstm", hidden_size=16))
        async with app.run_test(size=size) as pilot:
            for name in ("f", "g", "o", "i"):
                await pilot.press("v")
                await pilot.pause()
                text = pane_text(app, "#gates")
                assert f"{name}  {GATE_FORMULAS[name]}"[:20] in text, (size, name, text)
