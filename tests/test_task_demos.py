"""The adding and forecast demos run to their end in the app, and what they narrate is what they measured."""

from __future__ import annotations

from test_demos import narration, play

from rnntui.demos.script import fmt


async def test_adding_lstm_solves_it_the_vanilla_rnn_stays_at_the_baseline():
    app = await play("adding")
    facts = app.player.all_facts()
    assert facts["lstm_solved_after"] is not None and facts["lstm_correct"] >= 0.95
    assert facts["rnn_ratio"] > 0.9  # the vanilla RNN's MSE is the constant prediction's
    assert facts["lstm_error"] < 0.1 * facts["baseline"]
    # The reason, measured with the NumPy engine: far less gradient reaches the marked step.
    assert facts["rnn_reach"] < 1e-3 * facts["lstm_reach"]
    text = narration(app, 1)
    assert f"{facts['lstm_solved_after']:,}" in text and f"{facts['rnn_error']:.4f}" in text
    assert fmt(facts["rnn_reach"]) in narration(app, 2) and fmt(facts["lstm_reach"]) in narration(app, 2)
    assert "梯度消失" in narration(app, 2, "zh") and fmt(facts["rnn_reach"]) in narration(app, 2, "zh")
    assert not any("{" in narration(app, k) for k in range(3))


async def test_forecast_beats_persistence_on_airline_and_not_on_the_random_walk():
    app = await play("forecast")
    facts = app.player.all_facts()
    assert facts["airline_ratio"] <= 0.5
    assert facts["walk_ratio"] >= 0.95
    assert f"{facts['airline_ratio']:.2f}" in narration(app, 1)
    assert f"{facts['walk_ratio']:.3f}" in narration(app, 2) and "持续性" in narration(app, 2, "zh")
