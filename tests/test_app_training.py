"""Live training in the app, driven through Pilot with tiny models on tiny corpora.

Runs train in a child process (the only backend). While a run is active, `pilot.press`/`pilot.pause`
wait for an idle process and would hang, so these tests call the controller directly and wait
with `asyncio.sleep` polling; keys are pressed only while training is paused or finished.
"""

from __future__ import annotations

import asyncio
import copy
import math
import time
from dataclasses import replace

import numpy as np
import pytest
from app_helpers import SIZE, screen_text, small_app

from rnntui.engine.checkpoint import load_checkpoint
from rnntui.engine.corpus import Corpus, shipped_corpus
from rnntui.engine.session import StepSession
from rnntui.live.service import RunState, RunView
from rnntui.tui.screens.confirm import ConfirmScreen
from rnntui.tui.screens.corpus_picker import CorpusPickerScreen
from rnntui.tui.screens.weight_editor import WeightEditorScreen
from rnntui.tui.screens.train_settings import TrainSettingsScreen, config_fields, parse_fields
from rnntui.tui.training import controller, saving
from rnntui.tui.widgets.loss_curve import LossCurve
from rnntui.errors import CheckpointError, RnntuiError

TEXT = "the cat sat on the mat. the dog sat on the log. " * 60  # ~2.9k characters, 17 symbols


def tiny_corpus() -> Corpus:
    return Corpus("tiny", TEXT)


def tiny_config(app, **changes):
    """A 1×24 GRU on 16-character chunks: a few milliseconds per step on one thread."""
    base = dict(cell="gru", hidden_size=24, num_layers=1, seq_len=16, batch_size=8, lr=1e-2, threads=1,
                precision="fp32", eval_every=25, steps=None, minutes=None)
    base.update(changes)
    return app.training.config.with_(**base)


async def wait_for(condition, what: str, timeout: float = 60.0) -> None:
    """Poll while the training thread works (pilot.pause would wait for it to finish)."""
    start = time.monotonic()
    while not condition():
        if time.monotonic() - start > timeout:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


def log_text(app) -> str:
    return "\n".join(str(line) for line in app.query_one("#console-log").lines)


def flat_log(app) -> str:
    """The log with its wrapping undone (log_line cuts long lines at the pane's width)."""
    return log_text(app).replace("\n", "")


def curve_text(app) -> str:
    return "\n".join(app.query_one(LossCurve).text_lines)


@pytest.fixture(autouse=True)
def fast_samples(monkeypatch):
    monkeypatch.setattr(controller, "SAMPLE_INTERVAL", 0.3)


async def test_training_learns_streams_samples_and_shows_the_curve():
    app = small_app()
    app.choose_corpus(tiny_corpus())
    async with app.run_test(size=SIZE):
        run = app.training.start(tiny_config(app, steps=150))
        await wait_for(lambda: not run.active, "the 150-step run to finish")
        await wait_for(lambda: app.training.samples, "a streamed sample")
        losses = run.history.losses
        assert len(losses) == 150 and all(math.isfinite(x) for x in losses)
        assert np.mean(losses[-10:]) < 0.7 * np.mean(losses[:10])  # it learned
        val = run.history.val
        assert val and val[-1].loss < val[0].loss
        step, sample = app.training.samples[-1]
        assert step >= 1 and len(sample) > 0 and set(sample) <= set(TEXT)
        assert "sample @" in log_text(app)
        await wait_for(lambda: "finished" in curve_text(app), "the curve to say the run finished")
        curve = curve_text(app)
        assert "step 150" in curve and "validation" in curve
        assert "floor" not in curve  # English-like text has no known floor
        # The panes now step through the trained model: same weights as the trainer's last snapshot.
        await wait_for(lambda: app.training.synced_step == 150, "the final weights in the panes")
        snapshot = run.snapshot()
        assert snapshot.view.step == 150
        params = snapshot.view.session.params
        assert app.session is snapshot.view.session  # installed as the child built it
        assert app.session.config.cell == "gru" and app.session.config.hidden_size == 24
        for name, value in params.items():
            np.testing.assert_allclose(app.session.params[name], value, rtol=0, atol=1e-7)


async def test_a_generated_corpus_shows_its_floor_under_the_curve():
    app = small_app()
    app.choose_corpus(shipped_corpus("abc"))
    async with app.run_test(size=SIZE):
        run = app.training.start(tiny_config(app, steps=60))
        await wait_for(lambda: not run.active, "the 60-step run to finish")
        await wait_for(lambda: "finished" in curve_text(app), "the curve to say the run finished")
        lines = app.query_one(LossCurve).text_lines
        assert any("floor 0.231" in line for line in lines)  # ln 2 / 3 in the figures
        assert any("┈ floor" in line for line in lines)  # the legend
        plot = [line for line in lines if "┤" in line or "│" in line]
        assert "0.231" in plot[-1] and "┈" in plot[-1]  # the lowest row is the floor, drawn dotted


async def test_pause_stops_the_step_count_and_resume_continues():
    app = small_app()
    app.choose_corpus(tiny_corpus())
    async with app.run_test(size=SIZE):
        run = app.training.start(tiny_config(app))
        await wait_for(lambda: run.step >= 20, "20 steps")
        app.action_train()  # t while running: pause
        await wait_for(lambda: run.state is RunState.PAUSED, "the trainer to report paused")
        paused_at = run.step
        await asyncio.sleep(0.5)
        assert run.step == paused_at
        assert "paused" in curve_text(app)
        app.action_train()  # t again: resume
        await wait_for(lambda: run.step > paused_at + 5, "steps after resuming")
        app.action_stop_training()  # T
        await wait_for(lambda: not run.active, "the run to stop")
        assert run.done.reason == "stopped"


async def test_clipping_toggled_while_training_changes_the_post_clip_norm():
    app = small_app()
    app.choose_corpus(tiny_corpus())
    async with app.run_test(size=SIZE):
        run = app.training.start(tiny_config(app, clip_mode="norm", clip=0.01))
        await wait_for(lambda: run.step >= 5, "5 steps")
        last = run.history.last
        assert last.grad_norm > 0.01 and last.grad_norm_clipped == pytest.approx(0.01, rel=1e-3)
        assert app.session.clipping.mode == "norm" and app.session.clipping.threshold == 0.01
        await app.step_screen.run_action("cycle_clipping")  # k: by value,
        await app.step_screen.run_action("cycle_clipping")  # k again: off, for the running model too
        await wait_for(lambda: "clip off" in log_text(app), "the child to confirm the change")
        from_step = int(log_text(app).split("clip off")[0].rsplit("from step ", 1)[1].split(":")[0].replace(",", ""))
        await wait_for(lambda: run.step >= from_step + 3, "steps after the toggle")
        last = run.history.last
        assert last.grad_norm_clipped == last.grad_norm > 0.01
        assert run.settings.clip_mode == "off"
        app.action_stop_training()
        await wait_for(lambda: not run.active, "the run to stop")
        app.training.show_training()
        assert "after clip off" in curve_text(app)


async def test_saved_checkpoint_reloads_with_the_same_weights(tmp_path):
    app = small_app()
    app.choose_corpus(tiny_corpus())
    async with app.run_test(size=SIZE) as pilot:
        run = app.training.start(tiny_config(app, steps=30))
        await wait_for(lambda: not run.active, "the run to finish")
        # Finished: the app is idle again, so keys work: s, a path, enter.
        path = tmp_path / "saved" / "tiny.safetensors"
        await pilot.press("s")
        app.screen.query_one("#prompt-input").value = str(path)
        await pilot.press("enter")
        assert path.is_file() and "saved" in log_text(app)
    params = run.snapshot().view.session.params
    checkpoint = load_checkpoint(path)
    assert checkpoint.vocab == sorted(set(TEXT)) and checkpoint.metadata["step"] == "30"
    assert checkpoint.metadata["corpus"] == "tiny" and "train_config" in checkpoint.metadata
    reopened = StepSession.from_checkpoint(path)  # what `rnntui app --checkpoint PATH` opens
    for name, value in params.items():
        np.testing.assert_array_equal(checkpoint.params[name], value)
        np.testing.assert_array_equal(reopened.params[name], value.astype(np.float64))


async def test_nan_pauses_keeps_good_weights_and_says_what_to_try():
    app = small_app()
    app.choose_corpus(tiny_corpus())
    async with app.run_test(size=SIZE):
        run = app.training.start(tiny_config(app, cell="rnn", activation="relu", lr=1e3, clip_mode="off"))
        await wait_for(lambda: run.paused and "paused:" in log_text(app), "the nan to pause training")
        log = log_text(app).replace("\n", "")
        assert "nan/inf" in log and "learning rate" in log and "clipping" in log
        await wait_for(lambda: run.view is not None, "the paused weights")
        params = run.view.session.params
        assert all(np.isfinite(v).all() for v in params.values())
        app.training.apply_settings(lr=1e-2, clip_mode="norm", clip=1.0)
        resumed_at = run.step
        app.action_train()  # t resumes
        await wait_for(lambda: run.step >= resumed_at + 10, "steps after the fix")
        assert all(math.isfinite(x) for x in run.history.losses[-5:])
        app.action_stop_training()
        await wait_for(lambda: not run.active, "the run to stop")


async def test_quitting_while_training_asks_and_model_changes_ask_to_restart(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the quit dialog's default save path is relative
    app = small_app()
    app.choose_corpus(tiny_corpus())
    async with app.run_test(size=SIZE) as pilot:
        run = app.training.start(tiny_config(app))
        await wait_for(lambda: run.step >= 5, "5 steps")
        app.action_train()
        await wait_for(lambda: run.state is RunState.PAUSED, "the pause")
        await pilot.press("c")  # a new cell needs a new model: asked, escape keeps the run
        assert isinstance(app.screen, ConfirmScreen) and "Restart" in str(app.screen.question)
        await pilot.press("escape")
        assert app.training.run is run and run.active and app.session.config.cell == "gru"
        await pilot.press("q")
        assert isinstance(app.screen, ConfirmScreen) and "Save it before quitting" in app.screen.question
        await pilot.press("y")
    saved = list((tmp_path / "runs" / "app").glob("*.safetensors"))
    assert len(saved) == 1 and not run.active


async def test_quit_and_save_while_running_saves_the_step_the_run_paused_at(tmp_path, monkeypatch):
    """Not the last view that happened to arrive: the run pauses, and its exact weights are saved."""
    monkeypatch.chdir(tmp_path)
    app = small_app()
    app.choose_corpus(tiny_corpus())
    async with app.run_test(size=SIZE) as pilot:
        run = app.training.start(tiny_config(app))
        await wait_for(lambda: run.step >= 5, "5 steps")
        (tmp_path / "runs" / "app").mkdir(parents=True)
        taken = tmp_path / "runs" / "app" / "taken.safetensors"
        taken.write_bytes(b"precious")
        await pilot.press("q")
        assert isinstance(app.screen, ConfirmScreen) and "Save it before quitting" in app.screen.question
        await pilot.press("y")
        await wait_for(lambda: app._exit, "the app to exit after saving")
        assert run.paused or not run.active
    saved = sorted((tmp_path / "runs" / "app").glob("*-step*.safetensors"))
    assert [p.name for p in saved] == [f"tiny-{run.config.cell}-step{run.step}.safetensors"]
    assert taken.read_bytes() == b"precious"
    assert load_checkpoint(saved[0]).metadata["step"] == str(run.step)


def test_a_default_save_name_never_overwrites(tmp_path):
    first = tmp_path / "run-step5.safetensors"
    assert saving.unused_path(first) == first
    first.write_bytes(b"kept")
    assert saving.unused_path(first) == tmp_path / "run-step5-2.safetensors"


async def test_corpus_picker_and_settings_screen_lead_to_a_run(tmp_path):
    app = small_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("t")  # no corpus yet: the picker opens first
        assert isinstance(app.screen, CorpusPickerScreen)
        assert "abc" in str(app.screen.query_one("#picker-list").get_option_at_index(0).prompt)
        app.screen.query_one("#picker-path").value = str(tmp_path / "missing.txt")
        app.screen.query_one("#picker-path").focus()
        await pilot.press("enter")
        assert "refused: no such file" in str(app.screen.query_one("#picker-message").render())
        (tmp_path / "tiny.txt").write_text(TEXT)
        app.screen.query_one("#picker-path").value = str(tmp_path / "tiny.txt")
        await pilot.press("enter")
        assert app.training.corpus.text == TEXT and isinstance(app.screen, TrainSettingsScreen)
        app.screen.query_one("#setting-hidden_size").value = "many"
        app.screen.query_one("#setting-hidden_size").focus()
        await pilot.press("enter")
        assert "hidden size must be a whole number" in str(app.screen.query_one("#settings-message").render())
        await pilot.press("escape")
        assert app.training.run is None
        app.training.config = tiny_config(app, steps=10)
        await pilot.press("o")
        await pilot.press("enter")  # the highlighted shipped corpus: abc
        assert app.training.corpus.name == "abc"
        await pilot.press("t")
        await pilot.press("enter")  # the prefilled settings: start
        run = app.training.run
        assert run is not None and run.config.steps == 10 and run.corpus.name == "abc"
        await wait_for(lambda: not run.active, "the 10-step run")
        assert run.done.reason == "steps"


def test_settings_fields_round_trip_and_refuse_bad_values():
    base = controller.app_train_config()
    assert parse_fields(config_fields(base), base) == base
    fields = config_fields(base) | {"clip": "off", "steps": "500", "minutes": "", "cell": "GRU"}
    config = parse_fields(fields, base)
    assert (config.clip_mode, config.steps, config.minutes, config.cell) == ("off", 500, None, "gru")
    for name, bad in (("cell", "transformer"), ("lr", "-1"), ("seq_len", "0"), ("clip", "big")):
        with pytest.raises(RnntuiError):
            parse_fields(config_fields(base) | {name: bad}, base)


async def test_opening_the_app_and_the_training_screens_never_imports_torch():
    import subprocess
    import sys

    code = ("import asyncio, sys\n"
            "from rnntui.engine.abc_example import abc_session\n"
            "from rnntui.tui.app import RnnApp\n"
            "async def main():\n"
            "    app = RnnApp(abc_session())\n"
            "    async with app.run_test() as pilot:\n"
            "        await pilot.press('t'); await pilot.press('enter'); await pilot.pause()\n"
            "        assert type(app.screen).__name__ == 'TrainSettingsScreen', app.screen\n"
            "asyncio.run(main())\n"
            "assert 'torch' not in sys.modules\n")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)



async def paused_run(app):
    """A run whose weights are in the panes, paused so keys can be pressed (pilot waits for an idle app)."""
    run = app.training.start(tiny_config(app))
    await wait_for(lambda: app.training.synced_step >= 1, "the run's weights in the panes")
    app.action_train()
    await wait_for(lambda: run.state is RunState.PAUSED, "the pause")
    # The child sends the paused weights once more; wait until the panes show that step, so a
    # test that compares weights before and after a key is not raced by that last view.
    await wait_for(lambda: app.training.synced_step == run.step, "the paused weights in the panes")
    return run


async def test_weights_are_read_only_while_training_and_the_editor_says_so():
    app = small_app()
    app.choose_corpus(tiny_corpus())
    async with app.run_test(size=SIZE) as pilot:
        run = await paused_run(app)
        await pilot.press("w")
        editor = app.screen
        assert isinstance(editor, WeightEditorScreen) and editor.session is app.session
        assert "read-only while training" in screen_text(app)
        before = {k: v.copy() for k, v in app.session.params.items()}
        await pilot.press("enter", *"3", "enter")
        assert "refused: weights are read-only while training" in screen_text(app)
        await pilot.press("escape", "escape", "right_square_bracket")  # ] scales W_hh: refused too
        for name, value in before.items():
            np.testing.assert_array_equal(app.session.params[name], value)
        app.action_stop_training()
        await wait_for(lambda: not run.active, "the run to stop")
        await pilot.press("w")  # the run is over: its weights are the app's to edit
        await pilot.press("enter", *"3", "enter")
        assert app.session.params["rnn.weight_hh_l0"][0, 0] == 3.0
        assert "read-only" not in screen_text(app)


async def test_every_weight_key_is_refused_with_the_reason_while_a_run_is_active():
    """R, r, [ and ] would change weights the run's next view replaces: each is refused, saying why."""
    app = small_app()
    app.choose_corpus(tiny_corpus())
    async with app.run_test(size=SIZE) as pilot:
        run = await paused_run(app)
        seed = app.session.seed
        before = {k: v.copy() for k, v in app.session.params.items()}
        for key in ("R", "r", "left_square_bracket", "right_square_bracket"):
            app.clear_notifications()
            await pilot.press(key)
            shown = [n.message for n in app._notifications]
            assert any("read-only while training" in text for text in shown), (key, shown)
            assert not any("weights reset" in text or "fresh weights" in text for text in shown), (key, shown)
        # The paused run may install its last view again (a new session object, the same weights):
        # what matters is that no key changed a weight.
        assert app.session.seed == seed and not app.session.can_undo
        for name, value in before.items():
            np.testing.assert_array_equal(app.session.params[name], value)
        await pilot.press("question_mark")  # help says why those keys do nothing now
        assert "Weight changes are refused while training" in screen_text(app)
        assert "Reset the weights" not in screen_text(app)
        await pilot.press("escape")
        app.action_stop_training()
        await wait_for(lambda: not run.active, "the run to stop")
        await pilot.press("R")  # the run is over: the keys are the app's again
        assert any("weights reset" in n.message for n in app._notifications)


async def test_a_view_drawn_for_another_clipping_is_dropped_and_k_reaches_the_run():
    """k changes the session's clipping; the run follows it. A view the child drew before it heard
    (the old clipping) must not be installed: it would set the panes' clipping back."""
    app = small_app()
    app.choose_corpus(tiny_corpus())
    async with app.run_test(size=SIZE) as pilot:
        run = await paused_run(app)
        stale = copy.deepcopy(run.view)  # as the pipe delivers it: not the session on screen
        assert stale.session.clipping.mode == "norm"
        before = app.session
        await pilot.press("k")  # norm → value
        assert app.session.clipping.mode == "value"
        await wait_for(lambda: run.settings.clip_mode == "value" and app.session is not before,
                       "the run to follow the panes' clipping, and a view drawn for it")
        shown = app.session
        assert shown.clipping.mode == "value" and run.watched.clip_mode == "value"
        app.training.on_news(RunView(run.id, replace(stale, step=stale.step + 1)))  # arrives late
        assert app.session is shown and app.session.clipping.mode == "value"


async def test_a_killed_child_is_reported_keeps_the_weights_and_t_starts_again():
    app = small_app()
    app.choose_corpus(tiny_corpus())
    async with app.run_test(size=SIZE) as pilot:
        run = app.training.start(tiny_config(app))
        await wait_for(lambda: app.training.synced_step >= 1, "the run's weights in the panes")
        shown = app.session
        run.kill()
        # The death is seen as the pipe's end of file, not by polling; how fast is the benchmark's
        # business (a timing threshold here would only measure the machine's load).
        await wait_for(lambda: "ended unexpectedly" in flat_log(app), "the death in the log", timeout=20)
        assert "SIGKILL" in flat_log(app)
        assert app.session is shown and all(np.isfinite(v).all() for v in shown.params.values())
        await pilot.press("t")  # a new run: the settings screen opens
        assert isinstance(app.screen, TrainSettingsScreen)


async def test_a_corpus_too_short_is_refused_in_full_and_nothing_starts():
    app = small_app()
    app.choose_corpus(Corpus("one.txt", "a"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("t", "enter")  # the settings screen, then start
        log = flat_log(app)
        assert "refused: corpus 'one.txt' is too short to train on" in log
        assert "one window needs" in log and "sequence length" in log
        assert app.training.run is None and not app.query(LossCurve)
        assert app.session.config.cell == "rnn"  # the panes keep their model


@pytest.mark.parametrize("error", [OSError(28, "No space left on device"),
                                   CheckpointError("cannot write 'x.safetensors': No space left on device")],
                         ids=["oserror", "project-error"])
async def test_a_failed_save_is_one_line_and_keeps_the_app_and_the_run(tmp_path, monkeypatch, error):
    app = small_app()
    app.choose_corpus(tiny_corpus())

    def full_disk(*args, **kwargs):
        raise error

    monkeypatch.setattr(saving, "save_checkpoint", full_disk)
    async with app.run_test(size=SIZE) as pilot:
        run = app.training.start(tiny_config(app))
        await wait_for(lambda: run.step >= 3, "3 steps")
        app.action_train()
        await wait_for(lambda: run.state is RunState.PAUSED, "the pause")
        await pilot.press("s")
        app.screen.query_one("#prompt-input").value = str(tmp_path / "full.safetensors")
        await pilot.press("enter")
        message = str(app.screen.query_one("#prompt-message").render())
        assert message.startswith("refused:") and "No space left on device" in message and "\n" not in message
        await pilot.press("escape", "q", "y")  # quit, saving first: the save fails, the app stays
        await pilot.pause()
        assert not app._exit and run.active
        assert "not saved" in flat_log(app) and "No space left on device" in flat_log(app)


async def test_save_asks_before_overwriting_an_existing_file(tmp_path):
    app = small_app()
    path = tmp_path / "kept.safetensors"
    path.write_bytes(b"precious")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s")
        app.screen.query_one("#prompt-input").value = str(path)
        await pilot.press("enter")
        assert isinstance(app.screen, ConfirmScreen) and "exists. Overwrite it?" in app.screen.question
        await pilot.press("escape")
        assert path.read_bytes() == b"precious" and not isinstance(app.screen, ConfirmScreen)
        await pilot.press("s")
        app.screen.query_one("#prompt-input").value = str(path)
        await pilot.press("enter", "y")
        assert load_checkpoint(path).config == app.session.config
