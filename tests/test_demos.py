"""Every demo runs to its end in the app under the Pilot (autoplay, fast), and what it claims holds.

The expected values are computed here from first principles or from the engine (tanh(1), the
forget-gate identity, the clipping bound), never typed in; where a demo's narration adapts to
what it measured (gates), the test checks that the words match the numbers.
"""

from __future__ import annotations

import asyncio
import math
import time

import numpy as np
import pytest
from typer.testing import CliRunner

from rnntui.cli import app as cli
from rnntui.demos import all_demos, get_demo
from rnntui.demos.gradient_flow import gradient_flow
from rnntui.demos.script import fmt

DEMO_TIMEOUT = 280  # seconds; a demo is meant to take well under two minutes on two cores


async def play(name: str, lang: str = "en"):
    """Run demo `name` with --autoplay in the app until its last step is shown; return the app."""
    from rnntui.tui.demo_app import DemoApp

    app = DemoApp(get_demo(name), lang=lang, autoplay=True, delay=0.01)
    async with app.run_test(size=(120, 45)) as pilot:
        start = time.monotonic()
        while not app.finished:
            assert app.failed is None, app.failed
            assert time.monotonic() - start < DEMO_TIMEOUT, f"demo {name} did not finish"
            await asyncio.sleep(0.1)
        await pilot.pause()
        app.panel_text = str(app.query_one("#narration").render())
    return app


def step_index(demo: str, title: str) -> int:
    return [step.title.en for step in get_demo(demo).steps].index(title)


def narration(app, step: int, lang: str = "en") -> str:
    return app.player.outcomes[step].narration(lang)


async def test_abc_shows_the_notes_numbers_and_learns_c_after_ab():
    app = await play("abc")
    facts = app.player.all_facts()
    h1 = np.tanh([1.0, 0.0, 0.0])
    h2 = np.tanh(np.array([0.0, 1.0, 0.0]) + h1)  # W_xh = W_hh = I: the notes' weights
    assert np.allclose(facts["h1"], h1) and np.allclose(facts["h2"], h2)
    assert f"{h1[0]:.4f}" in narration(app, 1) and f"{h2[0]:.4f}" in narration(app, 2)
    assert "h_t-1" in narration(app, 3)  # the corrected formula
    assert facts["untrained_prediction"] != "C"
    assert facts["trained_prediction"] == "C" and facts["trained_p_c"] >= 0.9
    # The trained model is on screen, after "AB", predicting C with the probability narrated.
    view = app.session.step_view(2)
    assert app.session.text.startswith("AB") and app.session.cursor == 2
    assert app.session.vocab.chars[int(view.probs.argmax())] == "C"
    assert f"{view.probs[2]:.4f}" in app.panel_text


async def test_vanishing_rnn_ratio_is_far_below_the_lstm_with_an_open_forget_gate():
    app = await play("vanishing")
    facts = app.player.all_facts()
    assert facts["rnn_spectral_radius"] < 1 and facts["rnn_per_step"] < 1
    assert facts["rnn_ratio"] < 1e-6
    assert facts["lstm_open_mean_forget"] > 0.9
    assert facts["rnn_ratio"] * 1e3 < facts["lstm_open_ratio"]  # "much smaller", on the same input
    assert facts["lstm_open_per_step"] > facts["rnn_per_step"]
    # At PyTorch's default init the forget gate is ~sigmoid(0) = 0.5 and the LSTM vanishes too.
    assert abs(facts["lstm_mean_forget"] - 0.5) < 0.1 and facts["lstm_ratio"] < 1e-6
    # The narration cites the numbers the panes were given.
    assert fmt(facts["rnn_ratio"]) in narration(app, 1)
    assert fmt(facts["lstm_open_ratio"]) in narration(app, step_index("vanishing", "LSTM, forget gate open"))
    assert "timesteps" in narration(app, 1)  # the notes' layers are the unrolled RNN's timesteps
    # ReLU, honestly: on this model's W_hh it vanishes faster than tanh (the notes' claim, contradicted),
    # because units that are off pass no gradient; with the identity initialisation (IRNN) it carries it.
    relu_step = narration(app, step_index("vanishing", "ReLU, the notes' remedy, measured"))
    assert facts["relu_base_ratio"] < facts["tanh_base_ratio"] and facts["relu_off"] > 0.3
    assert fmt(facts["relu_base_ratio"]) in relu_step and f"{facts['relu_off']:.0%}" in relu_step
    assert max(facts["relu_ratios"].values()) > 1e2 > facts["relu_ratios"][1.0]  # explodes at the largest radius
    irnn_step = narration(app, step_index("vanishing", "ReLU with identity init (IRNN)"))
    assert facts["irnn_ratio"] > 1e-2 and facts["irnn_ratio"] > 1e6 * facts["relu_at_one"]
    assert facts["irnn_per_step"] == pytest.approx(1.0, abs=0.05)
    assert "Le, Jaitly & Hinton" in irnn_step and fmt(facts["irnn_ratio"]) in irnn_step
    assert gradient_flow(app.session).ratio == pytest.approx(facts["lstm_open_ratio"])


async def test_exploding_grows_and_clipping_bounds_the_update_and_rescues_training():
    app = await play("exploding")
    facts = app.player.all_facts()
    assert facts["spectral_radius"] == pytest.approx(2.0) and facts["per_step"] > 1
    assert facts["ratio"] > 1e3
    threshold = facts["threshold"]
    assert facts["grad_norm"] > threshold
    assert facts["grad_norm_clipped"] <= threshold * (1 + 1e-6)
    assert fmt(facts["grad_norm_clipped"]) in narration(app, step_index("exploding", "Clipping bounds the update"))
    # The same gradient both ways: by norm the direction is kept, by value it turns.
    assert facts["norm_cosine"] == pytest.approx(1.0, abs=1e-9) and facts["value_cosine"] < 0.99
    both = narration(app, step_index("exploding", "By norm or by value"))
    assert f"{facts['value_cosine']:.4f}" in both and f"{facts['norm_cosine']:.4f}" in both
    # Both of the notes' remedies on the same bad initialisation, measured: the gated cells stop the
    # growth; tanh slows it but, at this spectral radius, it still grows every step.
    assert facts["lstm_ratio"] < 1 < facts["relu_ratio"] and facts["gru_ratio"] < 1
    assert 1 < facts["tanh_ratio"] < facts["relu_ratio"] and facts["tanh_per_step"] > 1
    assert fmt(facts["tanh_ratio"]) in narration(app, step_index("exploding", "Remedy: tanh instead of ReLU"))
    assert "initialis" in narration(app, 0)
    assert facts["unclipped_diverged"] and not facts["clipped_diverged"]
    assert facts["clipped_last_loss"] < facts["clipped_first_loss"]


async def test_gates_narrates_what_it_measured():
    app = await play("gates")
    facts = app.player.all_facts()
    assert facts["accuracy"] >= 0.9  # the LSTM really learned the task
    assert facts["forget_holds"] == (facts["f_filler"] >= 0.9) and facts["forget_holds"]
    assert facts["input_opens"] == (facts["i_cue"] - facts["i_filler"] >= 0.1)
    assert ("opens on the cue" in narration(app, 1)) == facts["input_opens"]
    if not facts["input_opens"]:  # then the narration says what protects the memory instead, measured
        assert f"{facts['g_agrees']:.0%} of the filler steps" in narration(app, 1)
    output = narration(app, step_index("gates", "The answer: output gate"))
    assert ("releases at '='" in output) == facts["output_releases"]
    # The task scores every character, so this network hides its memory until '=': the output gate releases.
    assert facts["output_releases"] and facts["o_answer"] - facts["o_filler"] >= 0.5
    assert f"o = {facts['o_answer']:.2f} there against {facts['o_filler']:.2f}" in output
    assert facts["p_answer"] > 0.5
    assert not any("{" in narration(app, k) for k in range(len(app.player.outcomes)))  # every placeholder filled
    # The forget gate shut at one step: the cell state is gone and the answer that needed it changes.
    assert facts["wipe_f"] < 1e-6 and abs(facts["wipe_c_after"]) < 0.2 * abs(facts["wipe_c_before"])
    assert facts["wipe_p_kept"] > 0.5 > facts["wipe_p_wiped"] and facts["wipe_guess"] != "A"
    assert facts["wipe_right_wiped"] < facts["wipe_right_kept"]
    wipe = narration(app, step_index("gates", "The forget gate removes"))
    assert f"{facts['wipe_c_before']:.3f}" in wipe and f"{facts['wipe_p_wiped']:.3f}" in wipe
    # On screen: the '=' of the example, the memory unit selected.
    assert app.session.text[app.session.cursor - 1] == "=" and app.step_screen.selection.unit == facts["unit"]


async def test_race_lstm_beats_the_vanilla_rnn_at_the_longest_gap():
    app = await play("race")
    facts = app.player.all_facts()
    accuracy, longest = facts["accuracy"], facts["longest"]
    assert accuracy["lstm"][longest] > accuracy["rnn"][longest]
    assert accuracy["lstm"][longest] >= 0.9
    from rnntui.demos.race import falls_off

    rnn_drop, lstm_drop = falls_off(accuracy["rnn"]), falls_off(accuracy["lstm"])
    assert rnn_drop is not None and (lstm_drop is None or lstm_drop > rnn_drop)  # the RNN falls off first
    for cell in ("rnn", "lstm", "gru"):
        assert f"{accuracy[cell][longest]:.0%}" in narration(app, 1)
    assert facts["lstm_p_answer"] > facts["rnn_p_answer"]


async def test_train_loss_falls_and_samples_turn_into_words():
    app = await play("train")
    facts = app.player.all_facts()
    assert facts["last_loss"] < facts["first_loss"] and facts["val_loss"] < facts["first_loss"]
    assert facts["word_shares"][-1] > facts["untrained_word_share"]
    assert f"{facts['word_shares'][-1]:.0%}" in narration(app, 1)


async def test_chinese_narration_carries_the_same_numbers():
    app = await play("vanishing", lang="zh")
    facts = app.player.all_facts()
    text = narration(app, 1, "zh")
    assert "梯度消失" in text and fmt(facts["rnn_ratio"]) in text
    assert "梯度" in app.panel_text


async def test_keys_go_forward_and_back_and_q_leaves():
    from rnntui.tui.demo_app import DemoApp

    app = DemoApp(get_demo("vanishing"))
    async with app.run_test(size=(120, 45)) as pilot:

        async def press(key: str) -> None:
            await pilot.press(key)
            while app.busy:
                await asyncio.sleep(0.05)
            await pilot.pause()

        panel = app.query_one("#narration")
        await press("right")
        first_text = str(panel.render())
        await press("space")
        await press("right")
        assert app.player.index == 2 and app.session.config.activation == "relu"
        await press("left")
        await press("left")
        assert app.player.index == 0 and app.session.config.cell == "rnn"
        assert str(panel.render()) == first_text  # back means the same step, same numbers
        await press("left")  # nothing before the first step
        assert app.player.index == 0
        cursor = app.session.cursor
        await press("h")  # the app's own keys still work: h steps the cursor back
        assert app.session.cursor == cursor - 1
        await pilot.press("q")
    assert app.return_code == 0


async def test_a_demo_has_no_trainer_and_t_starts_nothing():
    """A demo shows the stepping screen and its narration; training keys are not bound there."""
    from rnntui.tui.app import RnnApp
    from rnntui.tui.demo_app import DemoApp
    from rnntui.tui.screens.corpus_picker import CorpusPickerScreen
    from rnntui.tui.screens.train_settings import TrainSettingsScreen

    assert not issubclass(DemoApp, RnnApp)
    app = DemoApp(get_demo("abc"))
    async with app.run_test(size=(120, 45)) as pilot:
        stepping = app.screen
        await pilot.press("t", "n", "o", "T")
        assert app.screen is stepping  # no corpus picker, no settings, no run
        assert not isinstance(app.screen, (CorpusPickerScreen, TrainSettingsScreen))
        assert not hasattr(app, "training")
        assert "t" not in stepping.active_bindings and "o" not in stepping.active_bindings
        await pilot.press("l")  # the stepping keys work
        assert app.session.cursor == 2


def test_cli_lists_every_demo_and_refuses_bad_input_in_one_line():
    runner = CliRunner()
    listed = runner.invoke(cli, ["demo"])
    assert listed.exit_code == 0
    for name in all_demos():
        assert name in listed.output
    for args, word in ((["demo", "nope"], "no demo named"), (["demo", "abc", "--lang", "fr"], "unknown language")):
        result = runner.invoke(cli, args)
        assert result.exit_code == 2 and word in result.output and "Traceback" not in result.output


def test_cli_plain_walkthrough_prints_measured_numbers():
    result = CliRunner().invoke(cli, ["demo", "vanishing", "--plain", "--autoplay"])
    assert result.exit_code == 0, result.output
    from rnntui.demos import vanishing
    from rnntui.demos.script import DemoContext

    ratio = vanishing.flows(DemoContext())["rnn"].ratio
    assert fmt(ratio) in result.output and f"[{len(vanishing.DEMO.steps)}/{len(vanishing.DEMO.steps)}]" in result.output


def test_fmt_switches_to_scientific_for_tiny_and_huge_numbers():
    assert fmt(math.tanh(1), 4) == "0.7616"
    assert "e-09" in fmt(3.8e-9) and "e+07" in fmt(7.9e7)


def test_opening_a_demo_does_not_import_torch():
    import subprocess
    import sys

    code = ("import sys, rnntui.cli, rnntui.demos, rnntui.tui.demo_app; rnntui.demos.all_demos(); "
            "print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"  # torch loads only when a step trains
