"""Exercises: the engine solves each with its intended answer and fails it with a wrong one, in both
languages; bad answers are refused kindly; progress survives a corrupt file. The expected values
are the engine's (or first principles'), never typed in."""

from __future__ import annotations

import json
import string

import numpy as np
import pytest
from typer.testing import CliRunner

from rnntui.cli import app as cli
from rnntui.exercises import all_exercises, get_exercise
from rnntui.exercises.answers import AnswerRefused, ChoiceForm, KeysForm, NumberForm
from rnntui.exercises.exercise import SECTIONS, TEXTS
from rnntui.i18n import LANGUAGES, catalogue

EXERCISES = all_exercises()


@pytest.fixture(autouse=True)
def state_folder(tmp_path, monkeypatch):
    """Every test keeps its progress in its own folder, never in the person's home."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("RNNTUI_LANG", "en")  # `--lang zh` exports the language; the next test starts in English
    return tmp_path / "state" / "rnntui"


def fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_at_least_twelve_exercises_cover_every_section_of_the_notes():
    assert len(EXERCISES) >= 12
    assert {e.section for e in EXERCISES.values()} == set(SECTIONS)


@pytest.mark.parametrize("name", list(EXERCISES))
def test_the_intended_answer_solves_it_and_the_wrong_one_does_not(name):
    exercise = EXERCISES[name]
    setup = exercise.setup()
    assert exercise.answer(setup, exercise.intended_answer(setup)).correct
    assert not exercise.answer(exercise.setup(), exercise.wrong_answer(setup)).correct


@pytest.mark.parametrize("name", list(EXERCISES))
def test_every_text_exists_in_both_languages_and_is_filled_from_measured_figures(name):
    exercise = EXERCISES[name]
    setup = exercise.setup()
    figures = exercise.figures(setup)
    verdict = exercise.answer(setup, exercise.intended_answer(setup))
    parts = list(TEXTS) + (["measured"] if verdict.measured else [])
    for lang in LANGUAGES:
        for part in parts:
            key = f"exercises.{name}.{part}"
            assert key in catalogue(lang), key
            available = verdict.measured if part == "measured" else figures
            assert fields(catalogue(lang)[key]) <= set(available), key
            assert "{" not in exercise.text(part, available, lang)
        if isinstance(exercise.form, ChoiceForm) and exercise.form.labels is None and not exercise.form.by_key:
            for key in exercise.form.keys:
                assert f"exercises.{name}.option.{key}" in catalogue(lang)


def test_number_answers_are_checked_to_the_shown_precision():
    h1 = get_exercise("h1")
    setup = h1.setup()
    exact = float(np.tanh(1.0))  # W_xh = W_hh = I, h_0 = 0: h_1[0] = tanh(1)
    assert h1.answer(setup, f"{exact:.4f}").correct
    assert h1.answer(setup, f"{exact + 0.00004:.5f}").correct  # within half of the 4th decimal
    assert not h1.answer(setup, f"{exact:.2f}").correct  # 0.76 is the notes' rounding, not 4 decimals
    assert h1.answer(setup, f"{exact:.4f}".replace(".", ",")).correct  # a decimal comma reads too


@pytest.mark.parametrize("form, typed, word", [
    (NumberForm(decimals=4, low=-1, high=1), "", "empty"),
    (NumberForm(decimals=4, low=-1, high=1), "   ", "empty"),
    (NumberForm(decimals=4, low=-1, high=1), "abc", "not a number"),
    (NumberForm(decimals=4, low=-1, high=1), "nan", "not a number"),
    (NumberForm(decimals=4, low=-1, high=1), "2", "out of range"),
    (NumberForm(decimals=0, low=0, high=10, whole=True), "1.5", "not a number"),
    (NumberForm(positive=True), "0", "out of range"),
    (ChoiceForm("x", ("a", "b")), "3", "not one of the options"),
    (KeysForm(("[", "]"), 3), "[[[[", "more than allowed"),
    (KeysForm(("[", "]"), 3), "x", "not a key"),
])
def test_bad_answers_are_refused_with_the_expected_form(form, typed, word):
    with pytest.raises(AnswerRefused) as refused:
        form.parse(typed, "en")
    message = str(refused.value)
    assert word in message and form.expected("en") in message and "\n" not in message


def test_cli_lists_every_exercise_with_progress():
    result = CliRunner().invoke(cli, ["exercise", "--list"])
    assert result.exit_code == 0, result.output
    for name in EXERCISES:
        assert name in result.output
    assert f"0 of {len(EXERCISES)} solved" in result.output


def test_cli_asks_refuses_hints_and_solves_at_the_terminal(state_folder):
    setup = get_exercise("h2").setup()
    answer = f"{setup.session.step_view(2).h[0, 0]:.4f}"  # the engine's h_2[0]
    typed = "\n".join(["", "abc", "5", "0.7616", "?", "?", "?", answer]) + "\n"
    result = CliRunner().invoke(cli, ["exercise", "h2"], input=typed)
    out = result.output
    assert result.exit_code == 0, out
    assert "the answer is empty" in out and "'abc' is not a number" in out and "5 is out of range" in out
    assert "Not yet" in out and "Hint 1" in out and "Hint 2" in out and "No more hints" in out
    assert "Right" in out and f"h_2[0] = {answer}" in out  # the worked answer, with the engine's number
    saved = json.loads((state_folder / "exercises.json").read_text())
    assert "h2" in saved["solved"] and saved["attempts"]["h2"] == 2  # refusals are not attempts


def test_cli_leaving_unsolved_exits_1_and_keys_answers_are_replayed_on_the_engine():
    runner = CliRunner()
    left = runner.invoke(cli, ["exercise", "vanish-keys"], input="]]]\nq\n")
    assert left.exit_code == 1 and "after your keys" in left.output and "Left vanish-keys" in left.output
    solved = runner.invoke(cli, ["exercise", "vanish-keys", "--answer", "[[["])
    assert solved.exit_code == 0 and "Right" in solved.output
    refused = runner.invoke(cli, ["exercise", "vanish-keys", "--answer", "[[[["])
    assert refused.exit_code == 2 and "more than allowed" in refused.output and "Traceback" not in refused.output


def test_cli_threshold_exercise_trains_with_the_learners_number():
    runner = CliRunner()
    good = runner.invoke(cli, ["exercise", "clip-threshold", "--answer", "1"])
    assert good.exit_code == 0 and "Checking" in good.output and "Right" in good.output
    bad = runner.invoke(cli, ["exercise", "clip-threshold", "--answer", "100"])
    assert bad.exit_code == 1 and "Not yet" in bad.output


def test_cli_speaks_chinese_with_the_same_numbers():
    exercise = get_exercise("h1")
    figures = exercise.figures(exercise.setup())
    result = CliRunner().invoke(cli, ["exercise", "h1", "--lang", "zh", "--answer", figures["h1_0"]])
    assert result.exit_code == 0, result.output
    assert "正确" in result.output and figures["h1_0"] in result.output


def test_a_corrupt_progress_file_is_set_aside_with_one_line(state_folder):
    state_folder.mkdir(parents=True)
    (state_folder / "exercises.json").write_text("{not json", encoding="utf-8")
    result = CliRunner().invoke(cli, ["exercise", "h1", "--answer", "0.7616"])
    assert result.exit_code == 0 and "Traceback" not in result.output
    notes = [line for line in result.output.splitlines() if line.startswith("note:")]
    assert len(notes) == 1 and "set aside" in notes[0]
    assert (state_folder / "exercises.json.corrupt").read_text() == "{not json"
    assert "h1" in json.loads((state_folder / "exercises.json").read_text())["solved"]


def test_unknown_exercise_and_bad_options_are_one_line_errors():
    runner = CliRunner()
    for args, word in ((["exercise", "nope"], "no exercise named"),
                       (["exercise", "h1", "--lang", "fr"], "unknown language"),
                       (["exercise", "--answer", "1"], "needs an exercise NAME"),
                       (["exercise", "h1", "--list"], "give either --list or a NAME")):
        result = runner.invoke(cli, args)
        assert result.exit_code == 2 and word in result.output and "Traceback" not in result.output


def test_typing_during_a_checked_run_is_dropped_not_read_as_the_next_answer(tmp_path):
    """At a terminal, keys typed while the engine trains with an answer are discarded: the run
    finishes, its verdict stands, and the next prompt starts clean."""
    import os
    import pty
    import select
    import subprocess
    import sys
    import time

    leader, follower = pty.openpty()
    env = {**os.environ, "XDG_STATE_HOME": str(tmp_path / "pty-state"), "RNNTUI_LANG": "en"}
    process = subprocess.Popen([sys.executable, "-m", "rnntui", "exercise", "clip-threshold"],
                               stdin=follower, stdout=follower, stderr=follower, env=env, close_fds=True)
    os.close(follower)
    seen = b""

    def wait_for(text: bytes, after: int = 0, timeout: float = 60) -> None:
        nonlocal seen
        end = time.monotonic() + timeout
        while text not in seen[after:]:
            assert time.monotonic() < end, f"waited for {text!r}; got ...{seen.decode(errors='replace')[-400:]}"
            ready, _, _ = select.select([leader], [], [], 0.05)
            if ready:
                try:
                    seen += os.read(leader, 4096)
                except OSError:
                    break

    try:
        wait_for(b"Answer")
        os.write(leader, b"100\n")
        wait_for(b"Checking")
        os.write(leader, b"junk\n")  # typed while the engine trains with threshold 100
        wait_for(b"Not yet")
        mark = seen.index(b"Not yet")
        wait_for(b"Answer", after=mark)
        os.write(leader, b"1\n")
        wait_for(b"Right", after=mark)
        assert process.wait(timeout=60) == 0
    finally:
        process.kill()
        os.close(leader)
    assert b"is not a number" not in seen and b"Traceback" not in seen
