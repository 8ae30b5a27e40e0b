"""Pilot tests for every key of the app: each checks the state AND what the screen shows.

They assert on meaning (numbers, labels), not on exact layout, so panes can move without
breaking them; the few layout checks live in test_snapshots.py.
"""

from __future__ import annotations

import re

import numpy as np
from app_helpers import SIZE, pane_text, screen_text, small_app

from rnntui.engine.abc_example import abc_session
from rnntui.engine.session import StepSession
from rnntui.tui.app import RnnApp
from rnntui.tui.screens.help import HelpScreen
from rnntui.tui.screens.prompt import PromptScreen
from rnntui.tui.screens.weight_editor import WeightEditorScreen
from rnntui.tui.widgets.gradients import GradientPane


def shown_ratio(app) -> float:
    """The first/last gradient ratio as printed in the gradient pane."""
    match = re.search(r"first/last = ([0-9.e+-]+)", pane_text(app, "#gradients"))
    assert match, pane_text(app, "#gradients")
    return float(match.group(1))


async def test_abc_numbers_on_screen_when_stepping():
    app = RnnApp(abc_session())
    async with app.run_test(size=SIZE) as pilot:
        assert app.session.cursor == 1
        text = screen_text(app)
        assert "= 0.7616" in text and "h_1 = [0.7616 0.0000 0.0000]" in text
        await pilot.press("right")
        assert app.session.cursor == 2
        text = screen_text(app)
        assert "h[0] at t=2 'B' = 0.6420" in text
        assert "h_2 = [0.6420 0.7616 0.0000]" in text
        assert "t 2/2" in text


async def test_step_keys_move_the_cursor_and_the_highlight():
    app = small_app("abcdef")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("l", "l", "right")
        assert app.session.cursor == 4
        assert "x_4 = one-hot('d')" in pane_text(app, "#sequence")
        await pilot.press("h")
        assert app.session.cursor == 3
        await pilot.press("left", "left", "left")  # stops at the first step
        assert app.session.cursor == 1
        await pilot.press("end")
        assert app.session.cursor == 6 and "t 6/6" in screen_text(app)
        await pilot.press("home")
        assert app.session.cursor == 1 and "t 1/6" in screen_text(app)


async def test_space_plays_and_pauses():
    app = small_app("abcdefgh" * 25)  # long enough that playing cannot reach the end here
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("full_stop", "full_stop", "full_stop")  # fastest speed: 16 steps/s
        assert "16/s" in screen_text(app)
        await pilot.press("space")
        assert app.step_screen.playing and "▶" in screen_text(app)
        await pilot.pause(0.6)
        assert app.session.cursor > 1
        await pilot.press("space")
        assert not app.step_screen.playing and "‖ 16/s" in screen_text(app)
        await pilot.press("comma")
        assert app.step_screen.speed == 8.0


async def test_c_cycles_the_cell_and_the_gates_pane():
    app = small_app()
    async with app.run_test(size=SIZE) as pilot:
        assert "pre-activation" in pane_text(app, "#gates")
        await pilot.press("c")
        assert app.session.config.cell == "lstm"
        text = app.query_one("#gates").text_lines
        assert any("forget gate" in line for line in text) and any("output gate" in line for line in text)
        assert "LSTM" in screen_text(app)
        await pilot.press("c")
        assert app.session.config.cell == "gru"
        assert any("reset gate" in line for line in app.query_one("#gates").text_lines)
        await pilot.press("c")
        assert app.session.config.cell == "rnn"
        assert "vanilla RNN tanh" in screen_text(app)


async def test_a_toggles_tanh_and_relu():
    app = small_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a")
        assert app.session.config.activation == "relu"
        assert "vanilla RNN relu" in screen_text(app)
        assert "h_t = relu(" in pane_text(app, "#hidden")
        await pilot.press("a")
        assert app.session.config.activation == "tanh"


async def test_k_cycles_clipping_norm_value_off_and_K_sets_the_active_threshold():
    app = small_app()
    async with app.run_test(size=SIZE) as pilot:
        assert app.session.clipping.mode == "norm"
        await pilot.press("k")
        assert app.session.clipping.mode == "value"  # the notes' clipping by value
        assert "clip value ≤ 5" in pane_text(app, "#gradients")
        await pilot.press("K")
        await pilot.press("ctrl+u", *"0.01", "enter")
        assert app.session.clipping.mode == "value" and app.session.clipping.threshold == 0.01
        grads = app.session.gradients
        assert grads.clip_cosine < 1 and "direction turned" in " ".join(pane_text(app, "#gradients").split())
        await pilot.press("k")
        assert app.session.clipping.mode == "off"
        assert "clipping off" in pane_text(app, "#gradients") and "clip off" in screen_text(app)
        await pilot.press("K")
        assert isinstance(app.screen, PromptScreen)
        await pilot.press("ctrl+u", *"abc", "enter")
        assert isinstance(app.screen, PromptScreen)  # refused: the prompt stays, nothing changed
        assert "refused" in screen_text(app) and app.session.clipping.mode == "off"
        await pilot.press("ctrl+u", *"2.5", "enter")
        assert not isinstance(app.screen, PromptScreen)
        assert app.session.clipping.mode == "norm" and app.session.clipping.threshold == 2.5
        assert "clip norm ≤ 2.5" in screen_text(app)


async def test_w_hh_scaling_moves_the_gradient_ratio_the_right_way():
    app = small_app("the quick brown fox", hidden=8)
    async with app.run_test(size=SIZE) as pilot:
        start = app.query_one(GradientPane).ratio
        assert shown_ratio(app) == float(f"{start:.3g}")
        await pilot.press(*["left_square_bracket"] * 4)
        vanishing = app.query_one(GradientPane).ratio
        assert vanishing < start and shown_ratio(app) < float(f"{start:.3g}")
        await pilot.press(*["right_square_bracket"] * 12)
        exploding = app.query_one(GradientPane).ratio
        assert exploding > start and shown_ratio(app) > float(f"{start:.3g}")
        assert "exploding" in pane_text(app, "#gradients") or exploding > 10 * start


async def test_r_rerandomises_from_the_next_seed():
    app = small_app()
    async with app.run_test(size=SIZE) as pilot:
        before = app.session.params["rnn.weight_hh_l0"].copy()
        await pilot.press("r")
        assert app.session.seed == 1
        assert not np.allclose(before, app.session.params["rnn.weight_hh_l0"])
        assert "seed 1" in screen_text(app)


async def test_e_edits_the_input_text():
    app = small_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("e")
        assert isinstance(app.screen, PromptScreen)
        await pilot.press("ctrl+u", *"xyzzy", "enter")
        assert app.session.text == "xyzzy"
        assert "x_1 = one-hot('x')" in pane_text(app, "#sequence")
        await pilot.press("e", "ctrl+u", "enter")  # empty text is refused, the old text stays
        assert isinstance(app.screen, PromptScreen) and "refused" in screen_text(app)
        await pilot.press("escape")
        assert app.session.text == "xyzzy"
        await pilot.press("e", "ctrl+u", "a", "b", "backslash", "n", "c", "enter")  # \n types a newline
        assert app.session.text == "ab\nc" and "⏎" in pane_text(app, "#sequence")


async def test_g_samples_and_temperature_keys_change_it():
    app = small_app()
    async with app.run_test(size=SIZE) as pilot:
        assert "press g to sample" in pane_text(app, "#distribution")
        await pilot.press("g")
        assert app.step_screen.sample_text and len(app.step_screen.sample_text) == 60
        assert app.step_screen.sample_text[:10] in "".join(app.query_one("#distribution").text_lines).replace("␣", " ")
        first = app.step_screen.sample_text
        await pilot.press(*["minus"] * 4)  # temperature 0.1: the same draw, nearly greedy
        assert app.step_screen.temperature == 0.1 and "temperature 0.1" in pane_text(app, "#distribution")
        assert app.step_screen.sample_text != first and app.step_screen.sample_text == app.session.sample(60, 0.1, seed=app.session.seed + 1)
        await pilot.press(*["plus"] * 4)
        assert app.step_screen.temperature == 1.0 and app.step_screen.sample_text == first


async def test_up_down_select_the_unit_reported_as_a_number():
    app = small_app(hidden=4)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("down", "down")
        assert (app.step_screen.selection.layer, app.step_screen.selection.unit) == (0, 2)
        value = app.session.current_step().h[0, 2]
        assert f"h[2] at t=1 'h' = {value:.4f}" in screen_text(app)


async def test_weight_editor_refuses_nan_and_abc_and_applies_numbers():
    app = small_app(hidden=4)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("w")
        editor = app.screen
        assert isinstance(editor, WeightEditorScreen) and editor.param_name == "rnn.weight_hh_l0"
        await pilot.press("down", "right")
        assert editor.index == (1, 1)
        before = {k: v.copy() for k, v in app.session.params.items()}
        for bad in ("nan", "abc"):
            await pilot.press("enter", *bad, "enter")
            assert "refused" in screen_text(app)
            assert all(np.array_equal(before[k], v) for k, v in app.session.params.items())
            await pilot.press("escape")  # back from the input to the grid
        hidden_before = app.session.trace.h.copy()
        await pilot.press("enter", *"2.5", "enter")
        assert app.session.params["rnn.weight_hh_l0"][1, 1] == 2.5
        assert "+2.5000" in screen_text(app)
        assert not np.array_equal(hidden_before, app.session.trace.h)  # every pane redraws from it
        await pilot.press("u")
        assert app.session.params["rnn.weight_hh_l0"][1, 1] == before["rnn.weight_hh_l0"][1, 1]
        await pilot.press("enter", *"-1", "enter", "R")
        assert np.array_equal(app.session.params["rnn.weight_hh_l0"], before["rnn.weight_hh_l0"])
        await pilot.press("n")
        assert editor.param_name != "rnn.weight_hh_l0"
        await pilot.press("escape")
        assert not isinstance(app.screen, WeightEditorScreen)


async def test_help_lists_every_key_and_closes():
    app = small_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        text = screen_text(app)
        for phrase in ("Step forward", "Scale W_hh up", "Open the weight editor", "Set the clipping threshold"):
            assert phrase in text
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_help_in_a_demo_lists_every_key_that_works_there():
    from rnntui.demos import get_demo
    from rnntui.tui.demo_app import DemoApp

    app = DemoApp(get_demo("abc"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        text = screen_text(app)
        for phrase in ("Next demo step", "Previous demo step", "Step forward one character",
                       "Step back one character", "Open the weight editor", "Show every key"):
            assert phrase in text, phrase
        for phrase in ("Train on the corpus", "Pick the corpus", "Save a checkpoint", "learning rate"):
            assert phrase not in text, phrase  # a demo has no trainer: its training keys are not bound
        assert "Focus Next" not in text  # Textual's own keys are not the app's to explain
        await pilot.press("escape")
        await pilot.press("l")  # listed, so it must work: l steps the cursor in a demo too
        assert app.session.cursor == 2


async def test_command_palette_runs_actions_by_name():
    app = small_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+p")
        await pilot.press(*"cycle gradient clipping")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert app.session.clipping.mode == "value"  # norm → value


async def test_q_quits():
    app = small_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("q")
        await pilot.pause()
        assert app._exit


async def test_too_small_message_and_resizing_back():
    app = small_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.resize_terminal(60, 20)
        await pilot.pause()
        assert "Terminal too small: 60×20" in screen_text(app)
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        text = screen_text(app)
        assert "too small" not in text and "Hidden state" in text
        await pilot.press("right")
        assert app.session.cursor == 2


async def test_long_input_pages_and_keeps_the_cursor_visible():
    app = small_app("abcdefghij" * 20, hidden=64)  # 200 characters, 64 units
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("end")
        assert app.session.cursor == 200
        assert "x_200" in pane_text(app, "#sequence")
        assert re.search(r"timesteps \d+-200 of 200", pane_text(app, "#hidden"))  # the last page
        await pilot.press(*["down"] * 40)
        assert app.step_screen.selection.unit == 40 and "h[40] at t=200" in screen_text(app)
        assert re.search(r"^u40 ", pane_text(app, "#hidden"), re.MULTILINE)  # scrolled into view


async def test_a_proposed_session_keeps_the_cursor_and_the_unit_where_they_still_fit():
    """install_session is how a run's weights or a demo step reach the panes: the cursor and the
    selected unit stay, within the new text and model, unless the proposer says where."""
    app = small_app("abcdefgh", hidden=8)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("right", "right", "right", *["down"] * 6)
        screen = app.step_screen
        assert (app.session.cursor, screen.selection.unit) == (4, 6)
        screen.install_session(StepSession("wxyz12", hidden_size=8, seed=3))
        await pilot.pause()
        assert app.session.text == "wxyz12" and (app.session.cursor, screen.selection.unit) == (4, 6)
        assert "x_4 = one-hot('z')" in pane_text(app, "#sequence")
        screen.install_session(StepSession("pq", hidden_size=4))  # shorter and narrower: clamped
        await pilot.pause()
        assert (app.session.cursor, screen.selection.unit) == (2, 3)
        screen.install_session(StepSession("hello", hidden_size=4), cursor=1, unit=0)
        await pilot.pause()
        assert (app.session.cursor, screen.selection.unit) == (1, 0)
        assert "h[0] at t=1 'h'" in screen_text(app)
        screen.log_line("step 10 loss 1.234")
        await pilot.pause()
        assert "step 10 loss 1.234" in screen_text(app)


async def test_clicking_a_heatmap_cell_selects_its_unit_and_timestep():
    app = small_app("abcdef", hidden=4)
    async with app.run_test(size=SIZE) as pilot:
        pane = app.query_one("#hidden")
        lines = pane_text(app, "#hidden").splitlines()
        row = next(y for y, line in enumerate(lines) if line.startswith("u2 "))
        column = lines[next(y for y, line in enumerate(lines) if line.startswith("t  "))].index("d")
        region = pane.content_region
        await pilot.click(offset=(region.x + column, region.y + row))
        assert (app.step_screen.selection.unit, app.session.cursor) == (2, 4)
        assert f"h[2] at t=4 'd' = {app.session.current_step().h[0, 2]:.4f}" in screen_text(app)


async def test_b_switches_the_bars_between_the_last_and_the_whole_loss():
    app = small_app("the quick brown fox", hidden=8)
    async with app.run_test(size=SIZE) as pilot:
        pane = app.query_one(GradientPane)
        last = pane.view.norms.copy()
        assert "last loss → h_t" in pane_text(app, "#gradients")
        await pilot.press("b")
        assert app.step_screen.bars_whole_loss and "whole loss → h_t" in pane_text(app, "#gradients")
        assert np.array_equal(pane.view.norms, app.session.gradients.grad_norm_h[0])
        assert not np.allclose(pane.view.norms, last)
        assert "Gradients ‖∂L/∂h_t‖" in screen_text(app)
        await pilot.press("b")
        assert not app.step_screen.bars_whole_loss and np.array_equal(pane.view.norms, last)


async def test_the_startup_heap_is_hidden_from_the_collector_while_the_app_runs():
    """A full garbage collection over the whole start-up heap is a UI pause: the app freezes what is
    alive once drawn, and gives it back to the collector when it closes."""
    import gc

    app = RnnApp(abc_session())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert gc.get_freeze_count() > 0
        await pilot.press("right")  # the app still works on a frozen heap
        assert app.session.cursor == 2
    assert gc.get_freeze_count() == 0
