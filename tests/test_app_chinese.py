"""The app in Chinese: every screen a person can open reads in Chinese, apart from formulas,
symbols, key names and proper names; and English stays the default.

The screen scan reads what the terminal shows (`screen_text`) and lists the English words on it.
Words with an underscore, a dot or a digit are formula or parameter names (W_hh, h_t, b_ih0,
head.weight), single letters are variables and keys; the rest must be on ALLOWED.
"""

from __future__ import annotations

import asyncio
import re

import pytest
from rich.cells import cell_len
from textual.screen import ModalScreen

from app_helpers import screen_text
from rnntui.demos import all_demos
from rnntui.demos.presets import PRESETS
from rnntui.engine.corpus import SHIPPED
from rnntui.engine.session import StepSession
from rnntui.engine.series import SERIES
from rnntui.engine.tasks import KINDS
from rnntui.tui.app import RnnApp

SIZE = (120, 40)
POEM = "床前明月光，疑是地上霜。"

ALLOWED = {
    # proper names and the app's own
    "LSTM", "GRU", "RNN", "IRNN", "PyTorch", "Adam", "rnntui", "BPTT", "UTF", "SVG", "CPU", "KB", "MIT",
    "Hochreiter", "Schmidhuber", "Reber", "Box", "Jenkins", "Python", "pydoc", "data", "chinese", "poetry",
    # functions in formulas, and the values a field takes as typed
    "dL", "tanh", "ReLU", "relu", "rnn", "lstm", "gru", "sgd", "adam", "off", "torch", "nan", "inf",
    # key names
    "space", "ctrl", "escape", "enter", "tab", "Esc", "Tab", "home", "end", "pgup", "pgdn",
    # file names and suffixes
    "safetensors", "path", "to", "text", "txt", "runs", "app", "checkpoint",
    # the lesson's alphabet, and the shipped corpora's names (typed as they are: `--corpus wujue`)
    "ABC", "CBA", "One", "hot",  # 独热编码 (One-hot): the lesson names the English term beside it
    *{part for name in SHIPPED for part in name.split("-")},
    # preset names, typed as they are (`--preset vanishing`); the palette lists them
    *{part for name in PRESETS for part in name.split("-")},
    # the paper's task names and the series' names, typed as they are (`--task adding`,
    # `--series airline`); the picker lists them
    *{part for name in [*KINDS, *SERIES] for part in name.split("-")},
}
WORD = re.compile(r"(?<![A-Za-z0-9_.])[A-Za-z][A-Za-z0-9_.]*[A-Za-z0-9_]|[A-Za-z]")


QUOTED = re.compile(r"'[^'\n]*'|\"[^\"\n]*\"")  # a quoted character or example: data


def english_words(text: str, data: str = "") -> set[str]:
    """English-looking words on screen that are not formulas, symbols, keys or proper names, nor
    part of the data shown (`data`: the text stepped through, samples, a demo's measured tables)."""
    return {word for word in WORD.findall(QUOTED.sub(" ", text))
            if len(word) > 1 and not set("_.") & set(word) and not any(c.isdigit() for c in word)
            and word not in ALLOWED and word not in data}


def top_screen_text(app) -> str:
    """What the screen on top draws: a dialog's box without the panes around it (those are
    scanned on their own, and a formula half-hidden by a dialog would read as a stray word)."""
    lines = screen_text(app).splitlines()
    if not isinstance(app.screen, ModalScreen):
        return "\n".join(lines)
    regions = [widget.region for widget in app.screen.query("*") if widget.region.area]
    box = regions[0]
    for region in regions[1:]:
        box = box.union(region)
    return "\n".join(cells_between(line, box.x, box.right) for line in lines[box.y:box.bottom])


def cells_between(line: str, start: int, stop: int) -> str:
    """The characters of `line` drawn in columns start..stop-1."""
    kept, column = [], 0
    for char in line:
        if start <= column and column + cell_len(char) <= stop:
            kept.append(char)
        column += cell_len(char)
    return "".join(kept)


def assert_chinese(app, where: str, data: str = "") -> None:
    shown = top_screen_text(app)
    data += app.step_screen.session.text + (app.step_screen.sample_text or "")
    assert english_words(shown, data) == set(), f"{where}: English on screen:\n{shown}"
    assert re.search(r"[\u4e00-\u9fff]", shown), f"{where}: no Chinese on screen"


async def settle(pilot) -> None:
    await pilot.pause()
    await pilot.pause()


async def test_every_screen_of_the_app_reads_in_chinese(chinese, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the save prompt's default folder
    app = RnnApp(StepSession(POEM, cell="lstm", hidden_size=6, seed=0))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("right", "right", "g")
        await settle(pilot)
        assert_chinese(app, "main")

        await pilot.press("question_mark")
        await settle(pilot)
        assert_chinese(app, "help")
        await pilot.press("escape")
        for key, where in [("w", "weight editor"), ("e", "text prompt"), ("K", "threshold prompt")]:
            await pilot.press(key)
            await settle(pilot)
            assert_chinese(app, where)
            await pilot.press("escape")

        await pilot.press("ctrl+p")
        await settle(pilot)
        await asyncio.sleep(0.3)  # the palette gathers its commands in a worker
        await settle(pilot)
        assert_chinese(app, "palette")
        await pilot.press("escape")
        await settle(pilot)

        await pilot.press("n")  # no corpus yet: the picker first
        await settle(pilot)
        assert_chinese(app, "corpus picker")
        await pilot.press("enter")
        await settle(pilot)
        assert_chinese(app, "training settings")
        await pilot.press("escape")

        existing = tmp_path / "model.safetensors"
        existing.write_bytes(b"")
        await pilot.press("s")
        await settle(pilot)
        assert_chinese(app, "save prompt")
        app.screen.query_one("Input").value = existing.name  # relative: the test runs in tmp_path
        await pilot.press("enter")
        await settle(pilot)
        assert_chinese(app, "overwrite confirmation")
        await pilot.press("escape")

        await pilot.resize_terminal(60, 20)
        await settle(pilot)
        assert_chinese(app, "terminal too small")


@pytest.mark.parametrize("name", list(all_demos()))
async def test_each_demo_first_step_reads_in_chinese(chinese, name):
    from rnntui.demos import get_demo
    from rnntui.tui.demo_app import DemoApp

    app = DemoApp(get_demo(name))
    outcomes = []
    async with app.run_test(size=SIZE, message_hook=lambda m: outcomes.append(getattr(m, "outcome", None))) as pilot:
        await settle(pilot)
        assert_chinese(app, f"{name}: title card")
        await pilot.press("right")
        while app.busy:
            await asyncio.sleep(0.05)
        await settle(pilot)
        figures = [repr(outcome.scene.figure) for outcome in outcomes if outcome is not None]
        assert_chinese(app, f"{name}: first step", data="\n".join(figures))  # samples, measured tables


async def test_english_stays_the_default():
    """conftest leaves RNNTUI_LANG=en: the same screen in English, the catalogue's words."""
    app = RnnApp(StepSession("hello", hidden_size=4, seed=0))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        shown = screen_text(app)
        assert "Input sequence" in shown and "Hidden state" in shown
        assert not re.search(r"[\u4e00-\u9fff]", shown)


async def test_bindings_follow_the_language_chosen_after_import(chinese):
    """BINDINGS are built at import (in English here); an app made later speaks the language then."""
    app = RnnApp(StepSession("hello", hidden_size=4, seed=0))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        descriptions = {b.binding.id: b.binding.description for b in app.screen.active_bindings.values()}
        assert descriptions["step-forward"] == "前进" and descriptions["quit"] == "退出"
        footer = screen_text(app).splitlines()[-1]
        assert "前进" in footer and "退出" in footer  # the whole footer fits 120 columns


@pytest.mark.parametrize("name", ["adding", "temporal-order", "remember-first"])
async def test_the_task_screen_reads_in_chinese(chinese, name):
    from rnntui.engine.abc_example import abc_session
    from rnntui.engine.task_session import TaskSession, class_names, symbol_names
    from rnntui.engine.tasks import make_task

    task = make_task(name, 10 if name == "remember-first" else None)
    from rnntui.tui.task_views import tokens

    session = TaskSession(task, cell="lstm")
    app = RnnApp(abc_session(), task=session)
    # the task's name is typed as it is (`--task adding`); its symbols, classes and sequence are data
    data = " ".join([name, "".join(tokens(session)), *(symbol_names(task) or []), *(class_names(task) or [])])
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("right", "right")
        await settle(pilot)
        assert_chinese(app, f"task screen {name}", data=data)
        await pilot.press("question_mark")
        await settle(pilot)
        assert_chinese(app, f"task screen {name}: help", data=data)
        await pilot.press("escape")
        await pilot.resize_terminal(80, 24)
        await settle(pilot)
        assert_chinese(app, f"task screen {name} at 80x24", data=data)


@pytest.mark.parametrize("name", ["airline", "random-walk"])
async def test_the_series_screen_reads_in_chinese(chinese, name):
    from rnntui.engine.abc_example import abc_session
    from rnntui.engine.series import get_series
    from rnntui.engine.series_session import SeriesSession

    app = RnnApp(abc_session(), series=SeriesSession(get_series(name)))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("left")
        await settle(pilot)
        assert_chinese(app, f"series screen {name}", data=name)  # the name is typed as it is (`--series airline`)
        await pilot.press("question_mark")
        await settle(pilot)
        assert_chinese(app, f"series screen {name}: help", data=name)
        await pilot.press("escape")
        await pilot.press("o")
        await settle(pilot)
        assert_chinese(app, "the picker from the series screen", data=name)
