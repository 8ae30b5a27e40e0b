"""A hostile user in the app, through Pilot: markup typed or named, paths no file system holds, files that never end.

Square brackets are Textual markup syntax; whatever a person typed (a prompt, the settings, the
weight editor) or named (a corpus file) must reach the screen as the characters it is, and a
refusal that quotes it must not crash the app. A FIFO or a device chosen as a corpus is refused at
once instead of hanging the app or filling its memory.
"""

from __future__ import annotations

import asyncio
import os
import time

import pytest
from app_helpers import SIZE, screen_text, small_app

from rnntui.engine.corpus import load_corpus
from rnntui.tui.screens.corpus_picker import CorpusPickerScreen
from rnntui.tui.screens.prompt import PromptScreen
from rnntui.tui.screens.train_settings import TrainSettingsScreen
from rnntui.tui.screens.weight_editor import WeightEditorScreen

MARKUP = "[a=+b]"  # not valid markup: Textual raises MarkupError when it parses it
TEXT = "the cat sat on the mat. the dog sat on the log. " * 60


async def type_text(pilot, text: str) -> None:
    for ch in text:
        await pilot.press(ch)


def message_of(screen) -> str:
    """The refusal the open screen shows, as plain text."""
    for selector in ("#prompt-message", "#settings-message", "#editor-message", "#picker-message"):
        found = screen.query(selector)
        if found:
            return str(found.first().render())
    raise AssertionError(f"no message on {screen!r}")


@pytest.mark.parametrize("key, screen_type", [
    ("K", PromptScreen),  # clipping threshold
    ("L", PromptScreen),  # learning rate
    ("s", PromptScreen),  # save to a path
    ("w", WeightEditorScreen),
])
async def test_brackets_typed_into_a_prompt_are_refused_as_text_not_parsed(key, screen_type):
    app = small_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(key)
        await pilot.pause()
        assert isinstance(app.screen, screen_type)
        if key == "w":
            await pilot.press("enter")  # edit the selected weight
        await type_text(pilot, MARKUP)
        await pilot.press("enter")
        await pilot.pause()
        assert app.is_running and isinstance(app.screen, screen_type)
        assert MARKUP in message_of(app.screen) and "refused" in message_of(app.screen)
        assert MARKUP in screen_text(app)


async def test_brackets_typed_as_the_input_text_are_stepped_through_as_characters():
    app = small_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("e")
        await pilot.pause()
        app.screen.query_one("#prompt-input").value = ""
        await type_text(pilot, MARKUP)
        await pilot.press("enter")
        await pilot.pause()
        assert app.is_running and app.step_screen.session.text == MARKUP


async def test_brackets_in_a_settings_field_are_refused_as_text(tmp_path):
    app = small_app()
    app.choose_corpus(load_corpus(str(write(tmp_path / "tiny.txt", TEXT))))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, TrainSettingsScreen)
        lr = app.screen.query_one("#setting-lr")
        lr.value = MARKUP
        lr.focus()
        await pilot.press("enter")
        await pilot.pause()
        assert app.is_running and isinstance(app.screen, TrainSettingsScreen)
        assert MARKUP in message_of(app.screen)


def write(path, text: str):
    path.write_text(text, encoding="utf-8")
    return path


async def test_a_corpus_named_with_brackets_opens_and_trains(tmp_path):
    path = write(tmp_path / "[x=+y]long.txt", TEXT)
    app = small_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("o")
        await pilot.pause()
        assert isinstance(app.screen, CorpusPickerScreen)
        app.screen.query_one("#picker-path").value = str(path)
        app.screen.query_one("#picker-path").focus()
        await pilot.press("enter")
        await pilot.pause()
        assert app.training.corpus.name == str(path)
        await pilot.press("t")  # the settings screen, titled with the corpus's name
        await pilot.pause()
        assert isinstance(app.screen, TrainSettingsScreen)
        assert "[x=+y]long.txt" in str(app.screen.query_one("#settings-title").render())
        fields = {"cell": "gru", "hidden_size": "8", "num_layers": "1", "seq_len": "16", "batch_size": "4",
                  "steps": "20", "minutes": "", "threads": "1", "precision": "fp32", "eval_every": "10"}
        for name, value in fields.items():
            found = app.screen.query(f"#setting-{name}")
            if found:
                found.first().value = value
        app.screen.query_one("#setting-lr").focus()
        await pilot.press("enter")  # starts the run: the log names the corpus
        run = app.training.run
        assert run is not None
        deadline = time.monotonic() + 120
        while run.active and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        assert not run.active and app.is_running
        await pilot.pause()
        log = "".join(str(line) for line in app.query_one("#console-log").lines)  # its wrapping undone
        assert f"on {path}" in log and run.history.losses


@pytest.mark.parametrize("kind", ["fifo", "device"])
async def test_a_fifo_or_a_device_in_the_corpus_picker_is_refused_at_once(tmp_path, kind):
    if kind == "fifo":
        path = tmp_path / "pipe.txt"
        os.mkfifo(path)
    else:
        path = "/dev/zero"
    app = small_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("o")
        await pilot.pause()
        picker = app.screen
        picker.query_one("#picker-path").value = str(path)
        picker.query_one("#picker-path").focus()
        started = time.monotonic()
        await pilot.press("enter")
        await pilot.pause()
        assert time.monotonic() - started < 30  # not read forever, never blocked on the FIFO
        assert app.screen is picker and "not a text file" in message_of(picker)
        await pilot.press("escape")  # the app still answers keys
        await pilot.pause()
        assert not isinstance(app.screen, CorpusPickerScreen)
        await pilot.press("q")
        await pilot.pause()
    assert not app.is_running


async def test_a_save_path_over_255_bytes_is_refused_in_the_prompt(tmp_path):
    app = small_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s")
        await pilot.pause()
        prompt = app.screen
        prompt.query_one("#prompt-input").value = str(tmp_path / ("n" * 300 + ".safetensors"))
        await pilot.press("enter")
        await pilot.pause()
        assert app.is_running and app.screen is prompt
        assert "312 bytes long" in message_of(prompt)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("app_kind", ["app", "demo"])
async def test_a_notification_quoting_typed_text_shows_it_as_text(app_kind):
    from rnntui.demos import get_demo
    from rnntui.tui.demo_app import DemoApp

    app = small_app() if app_kind == "app" else DemoApp(get_demo("abc"))
    async with app.run_test(size=SIZE, notifications=True) as pilot:  # tests hide toasts unless asked
        app.screen.notify(f"refused: {MARKUP}", title="refused", severity="error")  # a screen's, as the panes send
        await pilot.pause()
        await pilot.pause()
        from textual.widgets._toast import Toast

        toasts = [str(toast.render()) for toast in app.screen.query(Toast)]
        assert app.is_running and any(MARKUP in text for text in toasts), toasts
