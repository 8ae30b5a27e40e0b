"""`rnntui serve` in a real Chromium: the first screen, a key press, a demo, tabs and processes.

What the terminal shows is read from xterm.js's buffer (tests/serve_harness.py). The hidden-state
value the page draws is compared with the NumPy engine's own number for the same options.
A machine without Chromium or Playwright fails these tests with one line saying what to install.
"""

from __future__ import annotations

import re
import sys

import pytest

from rnntui.demos import get_demo
from rnntui.demos.presets import PRESETS
from rnntui.engine.session import StepSession
from rnntui.engine.state_string import encode
from rnntui.engine.step_state import build_session
from serve_harness import (
    BrowserUnavailable, chromium, cmdline, focus_terminal, open_tab, screen_cells, screen_lines, served,
    wait_for_text, wait_until,
)

pytestmark = pytest.mark.timeout(240)

TEXT = "hello, world"
OPTIONS = ("--text", TEXT, "--cell", "gru", "--hidden", "4")
HIDDEN_LINE = re.compile(r"h\[0\] at t=(\d+) .*= (-?\d+\.\d+)")
LSTM_LINE = re.compile(r"h\[0\] at t=(\d+) \S+ = (-?\d+\.\d+) +c\[0\] = (-?\d+\.\d+)")
CLOSE_SECONDS = 10.0  # "a few seconds": the server's quit grace plus its kill grace, with room
BOX_SIDES = {"│", "┃", "┤", "├", "║"}


@pytest.fixture(scope="module")
def browser():
    try:
        context = chromium()
        browser = context.__enter__()
    except BrowserUnavailable as error:
        pytest.fail(f"browser tests cannot run: {error}", pytrace=False)
    yield browser
    context.__exit__(None, None, None)


def hidden_value(page) -> tuple[int, float]:
    """(t, h_t[0]) as the Hidden state pane draws it."""
    for line in screen_lines(page):
        found = HIDDEN_LINE.search(line)
        if found:
            return int(found.group(1)), float(found.group(2))
    raise AssertionError("no hidden-state value on screen:\n" + "\n".join(screen_lines(page)))


def test_first_screen_then_a_key_steps_the_model(browser):
    reference = StepSession(TEXT, cell="gru", hidden_size=4).trace.h[0, :, 0]  # layer 0, unit 0, t = 0..T
    with served(*OPTIONS) as server:
        page = open_tab(browser, server.url + "/?command=sh&argv=--checkpoint")  # URL text changes nothing
        wait_for_text(page, "Hidden state")
        (app_pid,) = wait_until(server.pids, 10)
        assert cmdline(app_pid) == [sys.executable, "-m", "rnntui", "app", f"--text={TEXT}", "--cell=gru", "--hidden=4",
                                    "--lang=en"]  # the server's language (conftest: RNNTUI_LANG=en), for every tab
        t, value = hidden_value(page)
        assert t == 1 and value == pytest.approx(reference[1], abs=1e-4)

        focus_terminal(page)
        page.keyboard.press("ArrowRight")
        wait_for_text(page, "h[0] at t=2 ")
        t, value = hidden_value(page)
        assert t == 2 and value == pytest.approx(reference[2], abs=1e-4)
        assert reference[2] != pytest.approx(reference[1], abs=1e-4)  # the drawn value really changed


def test_a_link_opens_its_state_in_the_first_frame(browser):
    state = PRESETS["abccba-lstm"].build()  # LSTM on ABCCBA, rho 1.3, clipping at 1, t = 5
    session = build_session(state)
    with served("--cell", "gru") as server:  # the server's own options are for its plain page
        page = open_tab(browser, f"{server.url}/s/{encode(state)}")
        wait_for_text(page, "Hidden state")
        lines = screen_lines(page)
        status = next(line for line in lines if "H=8" in line)  # the status line
        assert "LSTM" in status and "clip norm ≤ 1" in status and "t 5/6" in status, status
        numbers = next(LSTM_LINE.search(line) for line in lines if LSTM_LINE.search(line))
        assert numbers.group(1) == "5"
        assert float(numbers.group(2)) == pytest.approx(session.trace.h[0, 5, 0], abs=1e-4)
        assert float(numbers.group(3)) == pytest.approx(session.trace.c[0, 5, 0], abs=1e-4)
        (app_pid,) = wait_until(server.pids, 10)
        assert cmdline(app_pid) == [sys.executable, "-m", "rnntui", "app"]  # the string is not on it


def test_a_demo_opens(browser):
    demo = get_demo("vanishing")
    with served("--demo", "vanishing") as server:
        page = open_tab(browser, server.url)
        wait_for_text(page, demo.title("en"))
        focus_terminal(page)
        page.keyboard.press("ArrowRight")  # the title card gives way to the first step
        wait_for_text(page, demo.steps[0].title("en"))


def test_closing_a_tab_ends_its_app(browser):
    with served() as server:
        first, second = open_tab(browser, server.url), open_tab(browser, server.url)
        for page in (first, second):
            wait_for_text(page, "Hidden state")
        assert len(wait_until(lambda: len(server.pids()) == 2 and server.pids(), 10)) == 2
        first.close()
        assert wait_until(lambda: len(server.pids()) == 1, CLOSE_SECONDS), server.pids()
        focus_terminal(second)  # the other tab's app is untouched and still answers
        second.keyboard.press("ArrowRight")
        wait_for_text(second, "h[0] at t=2 ")


def test_closing_a_tab_ends_its_training_child(browser):
    with served("--corpus", "abc") as server:
        page = open_tab(browser, server.url)
        wait_for_text(page, "Hidden state")
        focus_terminal(page)
        page.keyboard.press("t")  # the training settings
        wait_for_text(page, "Train on abc")
        page.keyboard.press("Enter")  # start: a training child (and multiprocessing's helper) appears
        assert len(wait_until(lambda: len(server.pids()) > 1 and server.pids(), 60) or []) > 1
        page.close()
        assert wait_until(lambda: not server.pids(), CLOSE_SECONDS), server.pids()


def test_a_tab_past_the_cap_is_told_and_starts_nothing(browser):
    with served("--max-tabs", "1") as server:
        first = open_tab(browser, server.url)
        wait_for_text(first, "Hidden state")
        second = open_tab(browser, server.url)
        wait_for_text(second, "all are in use")
        assert len(server.pids()) == 1
        first.close()  # a slot frees: a reloaded tab gets an app
        assert wait_until(lambda: not server.pids(), CLOSE_SECONDS), server.pids()
        second.reload()
        wait_for_text(second, "Hidden state")


def test_quitting_the_app_ends_the_tab(browser):
    with served() as server:
        page = open_tab(browser, server.url)
        wait_for_text(page, "Hidden state")
        focus_terminal(page)
        page.keyboard.press("q")
        page.wait_for_function("document.body.classList.contains('-closed')")  # "Session ended"
        assert wait_until(lambda: not server.pids(), CLOSE_SECONDS), server.pids()


def test_server_shutdown_leaves_no_process(browser):
    with served() as server:
        page = open_tab(browser, server.url)
        wait_for_text(page, "Hidden state")
        assert wait_until(server.pids, 10)
        assert server.stop() == 0
        assert wait_until(lambda: not server.pids(), CLOSE_SECONDS), server.pids()
        assert len(server.lines) == 2, server.lines  # its two start-up lines; no warning, no traceback
        page.wait_for_function("document.body.classList.contains('-closed')")  # the page says it ended


def boxes(rows) -> tuple[list[tuple[int, int, int]], list[str]]:
    """Every box's right side as (top row, bottom row, column), and the rows where one breaks.

    A character the app counts one cell wide but xterm.js draws two wide (or the reverse) pushes the
    rest of its row sideways, so a box's right side (its ╮, a │, its ╯) leaves its column there."""
    found, problems = [], []
    for top, row in enumerate(rows):
        for column, (char, _) in enumerate(row):
            if char != "╮":
                continue
            for y in range(top + 1, len(rows)):
                below = rows[y][column][0] if column < len(rows[y]) else ""
                if below == "╯":
                    found.append((top, y, column))
                    break
                if below not in BOX_SIDES:
                    problems.append(f"row {y}, column {column}: {below!r} in {''.join(c for c, _ in rows[y])!r}")
                    break
            else:
                problems.append(f"the box at row {top}, column {column} never closes")
    return found, problems


def test_the_box_check_sees_a_shifted_row():
    def grid(*lines):
        return [[(char, 1) for char in line] for line in lines]

    aligned = grid("╭─╮", "│x│", "╰─╯")
    assert boxes(aligned) == ([(0, 2, 2)], [])
    assert boxes(grid("╭─╮", "│xx│", "╰─╯"))[1]  # one row one cell too wide
    assert boxes(grid("╭──╮", "│x│", "╰──╯"))[1]  # the top row too wide: its box never closes


def test_chinese_narration_is_aligned(browser):
    with served("--demo", "abc", "--lang", "zh") as server:
        page = open_tab(browser, server.url)
        wait_for_text(page, get_demo("abc").title("zh"))
        rows = screen_cells(page)
        found, problems = boxes(rows)
        assert problems == []
        wide = {y for y, row in enumerate(rows) if any(width == 2 for _, width in row)}
        assert any(top <= y <= bottom for y in wide for top, bottom, _ in found), "no CJK row inside a box"
