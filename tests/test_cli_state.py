"""`rnntui state`, `rnntui app --state` and `--preset` through Typer's CliRunner, bad strings included."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from rnntui.cli import app
from rnntui.commands import app_commands
from rnntui.demos.presets import PRESETS
from rnntui.engine.checkpoint import save_checkpoint
from rnntui.engine.config import ModelConfig
from rnntui.engine.numpy_rnn import init_params
from rnntui.engine.session import StepSession
from rnntui.engine.state_string import decode, encode
from rnntui.engine.step_state import build_session, capture

runner = CliRunner()


def run(*args):
    return runner.invoke(app, list(args))


@pytest.fixture
def opened(monkeypatch):
    """What `rnntui app` would open, recorded instead of running the app."""
    calls = []
    monkeypatch.setattr(app_commands, "run_app",
                        lambda session, corpus=None, state=None, notice=None: calls.append((session, corpus, state, notice)))
    return calls


def printed_state(*args):
    result = run("state", *args)
    assert result.exit_code == 0, result.output
    return result.output.strip()


def test_the_string_is_what_the_app_opens_with_the_same_options(opened):
    options = ("--text", "hello world", "--cell", "gru", "--hidden", "6", "--layers", "2", "--seed", "4", "--corpus", "abc")
    string = printed_state(*options)
    assert run("app", *options).exit_code == 0
    (session, corpus, _, _), = opened
    state = decode(string)
    assert (state.text, state.cell, state.hidden_size, state.num_layers, state.seed, state.corpus) == (
        "hello world", "gru", 6, 2, 4, "abc")
    assert state.cursor == 1  # the app opens at the first timestep
    rebuilt = build_session(state)
    assert all(np.array_equal(rebuilt.params[k], session.params[k]) for k in session.params)
    assert corpus.name == "abc"


def test_with_no_options_it_is_the_abc_lesson():
    assert printed_state() == encode(PRESETS["abc"].build())


def test_decode_prints_json():
    doc = json.loads(printed_state("--decode", encode(PRESETS["abccba-lstm"].build())))
    assert doc["text"] == "ABCCBA" and doc["cell"] == "lstm" and doc["cursor"] == 5
    assert doc["clip_threshold"] == 1.0 and doc["whole_loss_bars"] is True
    assert doc["edits"] == [{"spectral_radius": 1.3, "layer": None, "block": None}]


def test_presets_are_listed_with_their_strings():
    out = printed_state("--list")
    for name, preset in PRESETS.items():
        assert name in out and preset.description() in out
        assert encode(preset.build()) in out
    assert printed_state("--preset", "vanishing") == encode(PRESETS["vanishing"].build())


def test_the_app_opens_a_state_string(opened):
    session = StepSession("ABCCBA", cell="lstm")
    session.set_spectral_radius(1.3)
    session.move_to(4)
    state = capture(session, layer=0, unit=3, whole_loss_bars=True, temperature=0.5)
    result = run("app", "--state", encode(state))
    assert result.exit_code == 0, result.output
    (opened_session, corpus, opened_state, notice), = opened
    assert opened_state == state and corpus is None and notice is None
    assert opened_session.cursor == 4
    assert all(np.array_equal(opened_session.params[k], session.params[k]) for k in session.params)


def test_the_app_opens_a_preset_with_its_corpus(opened):
    assert run("app", "--preset", "first-symbol").exit_code == 0
    (_, corpus, state, _), = opened
    assert state == PRESETS["first-symbol"].build() and corpus.name == "first-symbol"


def one_line_refusal(result, fragment):
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.output, result.output
    assert fragment in lines[0]


GOOD = encode(PRESETS["abccba-lstm"].build())


@pytest.mark.parametrize(
    "string, fragment",
    [
        (GOOD[:-5], "cut off"),
        ("9" + GOOD[1:], "version 9, made by a newer rnntui"),
        ("1." + "x" * 7000, "at most 6000"),
        ("1.@@", "'@'"),
    ],
)
def test_bad_strings_are_one_line_and_open_nothing(opened, string, fragment):
    one_line_refusal(run("app", "--state", string), fragment)
    one_line_refusal(run("state", "--decode", string), fragment)
    assert opened == []


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["app", "--state", GOOD, "--cell", "gru"], "--state fixes the model and the view: drop --cell"),
        (["app", "--preset", "abc", "--checkpoint", "m.safetensors"], "drop --checkpoint"),
        (["app", "--preset", "abc", "--state", GOOD], "give one of them"),
        (["app", "--preset", "nosuch"], "no preset named 'nosuch'"),
        (["state", "--decode", GOOD, "--text", "x"], "--decode takes no other option"),
        (["state", "--list", "--preset", "abc"], "--list takes no other option"),
        (["state", "--hidden", "4096"], "at most 1024"),
        (["state", "--corpus", "nosuch"], "no such file or shipped corpus"),
    ],
)
def test_conflicting_options_are_refused(opened, args, fragment):
    one_line_refusal(run(*args), fragment)
    assert opened == []


def test_a_corpus_file_does_not_travel(tmp_path):
    corpus = tmp_path / "mine.txt"
    corpus.write_text("some text to train on\n" * 20)
    one_line_refusal(run("state", "--corpus", str(corpus)), "only a shipped corpus")


def test_a_checkpoint_state_says_which_file_it_needs(opened, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = ModelConfig(cell="gru", hidden_size=4, vocab_size=2)
    save_checkpoint(tmp_path / "m.safetensors", init_params(config, 1), config, ["a", "b"])
    string = printed_state("--checkpoint", "m.safetensors", "--text", "abba")
    assert run("app", "--state", string).exit_code == 0
    (tmp_path / "m.safetensors").rename(tmp_path / "moved.safetensors")
    one_line_refusal(run("app", "--state", string), "it needs the checkpoint 'm.safetensors'")
    assert run("app", "--state", string, "--checkpoint", "moved.safetensors").exit_code == 0
    assert len(opened) == 2


def test_a_served_link_that_cannot_open_here_opens_the_default_screen_with_the_reason(opened, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    state = StepSession.from_checkpoint  # a state naming a checkpoint this machine lacks
    config = ModelConfig(hidden_size=2, vocab_size=2)
    save_checkpoint(tmp_path / "gone.safetensors", init_params(config, 1), config, ["a", "b"])
    string = encode(capture(state(tmp_path / "gone.safetensors", text="ab")))
    (tmp_path / "gone.safetensors").unlink()
    monkeypatch.setenv(app_commands.STATE_ENV, string)
    assert run("app").exit_code == 0
    (session, _, view, notice), = opened
    assert view is None and session.text == "AB"  # the ABC lesson, as `rnntui` opens
    assert "gone.safetensors" in notice and "\n" not in notice


def test_a_served_link_opens_its_state(opened, monkeypatch):
    monkeypatch.setenv(app_commands.STATE_ENV, GOOD)
    assert run("app").exit_code == 0
    (_, _, view, notice), = opened
    assert view == decode(GOOD) and notice is None


def test_the_guide_links_every_preset_with_its_string():
    from pathlib import Path

    guide = (Path(__file__).resolve().parents[1] / "docs" / "guide.md").read_text(encoding="utf-8")
    for name, preset in PRESETS.items():
        string = encode(preset.build())
        assert f"| `{name}` | {preset.description()} | [`{string}`](http://127.0.0.1:8000/s/{string}) |" in guide, name
