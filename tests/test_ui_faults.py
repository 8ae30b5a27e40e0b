"""Hostile input in the app outside live training: huge and non-finite numbers, the smallest
terminal, wide characters, a demo walked through with no terminal.

Each test drives the app (or the CLI) the way the person who found the fault did, and checks
what the screen or the output says. Numbers are checked against Python's own float formatting.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from app_helpers import SIZE, pane_text, screen_text, small_app

from rnntui.number_format import NO_FIT, format_number
from rnntui.tui.screens.weight_editor import WeightEditorScreen
from rnntui.tui.widgets.matrix import ENTRY

CELL = ENTRY - 1  # characters a weight-editor cell has for its number
SMALLEST = (80, 24)  # the smallest terminal the app draws its panes on

# ------------------------------------------------------------------ one compact number format

MAGNITUDES = [10.0**e * m for e in range(-300, 301, 7) for m in (1.0, 1.234567, 9.87654321)]


@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_a_cell_never_shows_a_wrong_number(sign):
    """Every magnitude a float64 weight can have: the text fits and reads back as the value
    to the precision it shows (half a unit in its last digit)."""
    for magnitude in MAGNITUDES:
        value = sign * magnitude
        text = format_number(value, width=CELL, sign=True)
        assert len(text) <= CELL, (value, text)
        mantissa = text.split("e")[0]
        decimals = len(mantissa.split(".")[1]) if "." in mantissa else 0
        exponent = int(text.split("e")[1]) if "e" in text else 0
        half_unit = 0.5 * 10.0 ** (exponent - decimals)
        assert abs(float(text) - value) <= half_unit * (1 + 1e-9), (value, text)


@pytest.mark.parametrize(
    "value, python",
    [
        (1234567, "{:+.2e}"),  # the three cases: cut to "+123456", "+999999", "+100000"
        (1e38, "{:+.1e}"),
        (1e300, "{:+.0e}"),
        (0.1234, "{:+.4f}"),  # ordinary weights keep the four decimals they always had
        (-12.3456, "{:+.3f}"),
        (-12345.6, "{:+.0f}"),
        (5e-5, "{:+.1e}"),
    ],
)
def test_a_cell_shows_what_python_prints_at_the_precision_that_fits(value, python):
    text = format_number(value, width=CELL, sign=True)
    assert len(text) <= CELL and float(text) == float(python.format(value)), text


def test_the_readable_forms_match_python_and_never_grow_without_bound():
    assert format_number(0.7616) == f"{0.7616:.4f}"
    assert format_number(5.6e118) == f"{5.6e118:.3e}"
    assert format_number(2.5e-9, 3, significant=True) == f"{2.5e-9:.2e}"
    assert format_number(0.0123, 3, significant=True) == f"{0.0123:.3g}"
    for value in (1e39, 1e300, -1e300, 1.79e308):
        for digits in (2, 3, 4):
            assert len(format_number(value, digits)) <= digits + 8  # d.ddd…e+308 at the longest
    assert [format_number(v) for v in (math.nan, math.inf, -math.inf)] == ["nan", "inf", "-inf"]


def test_a_cell_too_narrow_for_any_form_says_so_instead_of_cutting():
    assert format_number(-1.5e300, width=4) == NO_FIT * 4


async def test_weight_editor_grid_shows_large_weights_in_exponent_notation():
    app = small_app(hidden=4)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("w")
        assert isinstance(app.screen, WeightEditorScreen)
        shown = {}
        for typed in ("1234567", "1e38", "1e300"):
            await pilot.press("enter", *typed, "enter")
            shown[typed] = [line.split()[1] for line in app.screen.grid.text_lines[2:]][0]
        assert shown == {"1234567": "+1.23e6", "1e38": "+1.0e38", "1e300": "+1e+300"}
        text = screen_text(app)
        assert "+123456 " not in text and "+999999" not in text and "+100000" not in text


async def test_status_line_prints_a_huge_spectral_radius_compactly():
    app = small_app("the quick brown fox", hidden=8)
    async with app.run_test(size=SIZE) as pilot:
        app.session.scale_weight("rnn.weight_hh_l0", 1e38)
        await pilot.press("right_square_bracket")
        status = str(app.query_one("#status").render())
        radius = re.search(r"ρ\(W_hh\) (\S+)", status).group(1)
        assert "e+" in radius and float(radius) == pytest.approx(
            max(app.session.spectral_radii()["rnn.weight_hh_l0"].values()), rel=1e-3)
        assert not re.search(r"\d{8}", status), status  # no 39- to 300-digit number any more


# ------------------------------------------------------------------ W_hh scaled past the floats' range


async def test_overflowing_w_hh_says_so_and_r_or_R_bring_the_numbers_back():
    app = small_app("the quick brown fox", hidden=8)
    async with app.run_test(size=SIZE) as pilot:
        name = "rnn.weight_hh_l0"
        seed_weights = app.session.params[name].copy()
        # where about 3,200 presses of ] lead: the largest weight a float64 holds, times a step or two
        app.session.scale_weight(name, 1e300 / np.abs(seed_weights).max())
        app.session.scale_weight(name, 1e8)
        await pilot.press(*["right_square_bracket"] * 4)  # the last ones are refused: inf
        assert np.isfinite(app.session.params[name]).all() and np.isnan(app.session.gradients.loss)
        bars = pane_text(app, "#gradients")
        assert "are zero" not in bars and "not finite" in bars and "press r" in bars
        assert "⚠ not finite: press r or R" in str(app.query_one("#status").render())
        await pilot.resize_terminal(*SMALLEST)
        await pilot.pause()
        status = str(app.query_one("#status").render())
        assert status.startswith("⚠ not finite") and status.rstrip().endswith("‖ 2/s"), status
        assert len(status.rstrip()) <= SMALLEST[0] - 2  # the status line's padding
        await pilot.resize_terminal(*SIZE)
        await pilot.press("right", "g", "b")  # the app stays usable: it steps, samples, switches bars
        assert app.session.cursor == 2 and len(app.step_screen.sample_text) == 60 and app.step_screen.bars_whole_loss
        await pilot.press("R")
        assert np.array_equal(app.session.params[name], seed_weights)
        assert "not finite" not in screen_text(app) and "first/last = —" not in pane_text(app, "#gradients")
        await pilot.press(*["right_square_bracket"] * 4)
        app.session.scale_weight(name, 1e300 / np.abs(app.session.params[name]).max())
        app.session.scale_weight(name, 1e8)
        await pilot.press(*["right_square_bracket"] * 4)
        assert "not finite" in screen_text(app)
        await pilot.press("r")
        assert app.session.seed == 1 and "not finite" not in screen_text(app)


# ------------------------------------------------------------------ a demo with no terminal


def test_plain_demo_with_stdin_at_its_end_runs_to_the_end():
    from typer.testing import CliRunner

    from rnntui.cli import app as cli
    from rnntui.demos import get_demo

    demo = get_demo("vanishing")
    result = CliRunner().invoke(cli, ["demo", "vanishing", "--plain"], input="")
    assert result.exit_code == 0, result.output
    assert "interrupted" not in result.output and f"[{len(demo.steps)}/{len(demo.steps)}]" in result.output
    left = CliRunner().invoke(cli, ["demo", "vanishing", "--plain"], input="\nq\n")  # q still leaves
    assert left.exit_code == 0 and "[2/" in left.output and "[3/" not in left.output


def test_plain_demo_with_stdin_closed_runs_to_the_end():
    import os
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "rnntui", "demo", "vanishing", "--plain"], capture_output=True,
                            text=True, preexec_fn=lambda: os.close(0), timeout=120)
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    from rnntui.demos import get_demo

    steps = len(get_demo("vanishing").steps)
    assert f"[{steps}/{steps}]" in result.stdout


# ------------------------------------------------------------------ the smallest terminal, 80x24

async def play_at(name: str, size: tuple[int, int], lang: str = "en"):
    """Run demo `name` to its last step in the app at `size`; return the app and its screen text."""
    import asyncio

    from rnntui.demos import get_demo
    from rnntui.tui.demo_app import DemoApp

    app = DemoApp(get_demo(name), lang=lang, autoplay=True, delay=0.01)
    async with app.run_test(size=size) as pilot:
        while not app.finished:
            assert app.failed is None, app.failed
            await asyncio.sleep(0.1)
        await pilot.pause()
        look = next(name[len("look-"):] for name in app.screen.classes if name.startswith("look-"))
        return app, screen_text(app), pane_text(app, f"#{look}")


def figure_on_screen(app, lang: str) -> list[str]:
    from rnntui.demos.figure_text import figure_lines

    scene = app.player.outcomes[app.player.index].scene
    return [line.rstrip() for line in figure_lines(scene.figure, app._figure_width(), lang)]


async def test_vanishing_table_and_bars_fit_80x24():
    app, text, bars = await play_at("vanishing", SMALLEST)
    lines = figure_on_screen(app, "en")
    assert any("LSTM, f ≈ 0.9" in line for line in lines)  # the row the narration compares against
    for line in lines:
        assert line in text, f"{line!r} is not on screen:\n{text}"
    assert "first/last =" in bars and "1e" in bars  # the pane the narration points at, with its bars


async def test_gates_table_and_the_memory_unit_fit_80x24_in_chinese():
    app, text, gates = await play_at("gates", SMALLEST, lang="zh")
    lines = figure_on_screen(app, "zh")
    assert any("输出门 o" in line for line in lines) and any("遗忘门 f" in line for line in lines)
    for line in lines:
        assert line in text, f"{line!r} is not on screen:\n{text}"
    assert f"u{app.step_screen.selection.unit} " in gates and "●" in gates  # the unit the narration names


async def test_training_log_stays_visible_at_80x24():
    app = small_app()
    async with app.run_test(size=SMALLEST) as pilot:
        app.step_screen.loss_curve(running=True)  # how a live run lays out the screen
        for step in range(1, 6):
            app.step_screen.log_line(f"step {step} of the run")
        await pilot.pause()
        assert "step 5 of the run" in screen_text(app)


# ------------------------------------------------------------------ wide characters (CJK, emoji)

WIDE_TEXT = "你好世界🙂 ok 你好,世界。e\u0301x"  # two-cell characters, and a combining mark with none


def cell_of(line: str, char: str) -> int:
    """The terminal column where `char` first appears in `line` (rich measures cells)."""
    from rich.cells import cell_len

    return cell_len(line[: line.index(char)])


@pytest.mark.parametrize("size", [SIZE, SMALLEST])
async def test_wide_characters_keep_every_column_in_place(size):
    from rich.cells import cell_len

    app = small_app(WIDE_TEXT, cell="lstm", hidden=4)
    async with app.run_test(size=size) as pilot:
        await pilot.press("right", "right", "g")  # cursor on 世, a sample drawn
        for pane in ("#hidden", "#gates"):
            lines = app.query_one(pane).text_lines
            tokens = next(line for line in lines if line.startswith("t  "))
            marked = next(line for line in lines if line.startswith("u0 "))  # the selected unit
            assert cell_of(tokens, "世") == cell_of(marked, "●"), (pane, tokens, marked)
        sequence = app.query_one("#sequence").text_lines
        inputs = next(line for line in sequence if line.startswith("input"))
        targets = next(line for line in sequence if line.startswith("target"))
        assert cell_of(inputs, "界") == cell_of(targets, "世") + cell_of(inputs, "世") - cell_of(targets, "好")
        bars = app.query_one("#gradients").text_lines
        tokens = next(line for line in bars if "你" in line)
        columns = [cell_of(tokens, ch) for ch in "你好世界🙂"]
        assert len({b - a for a, b in zip(columns, columns[1:])}) == 1  # evenly spaced, like the bars
        width = app.query_one("#distribution").scrollable_content_region.width
        distribution = app.query_one("#distribution").text_lines
        sample = distribution[next(i for i, line in enumerate(distribution) if line.startswith("sample")) + 1:]
        assert len(sample) > 1 and all(cell_len(line) <= width for line in sample)  # it wraps by cells
        rows = [line for line in distribution if re.search(r"\d\.\d{3}", line)]
        assert len({cell_len(line[: re.search(r"\d\.\d{3}", line).start()]) for line in rows}) == 1
        assert all(cell_len(line) <= app.size.width for line in screen_text(app).splitlines())


def test_demo_tables_and_lines_measure_cells():
    from rich.cells import cell_len

    from rnntui.demos.figure_text import figure_lines
    from rnntui.demos.script import Bilingual, Figure

    figure = Figure([Bilingual("gate", "门"), "cue"],
                    [[Bilingual("input i", "输入门 i"), "0.99"], ["🙂 emoji", "0.5"], ["plain", "1"]],
                    lines=["输" * 80])
    lines = figure_lines(figure, width=40, lang="zh")
    table = lines[:5]
    assert len({cell_of(line, value) for line, value in zip(table[2:], ("0.99", "0.5", "1"))}) == 1
    assert cell_of(table[0], "cue") == cell_of(table[2], "0.99")
    assert cell_len(lines[-1]) <= 40 and lines[-1].startswith("输")


async def test_weight_editor_grid_shows_its_rows_at_80x24():
    app = small_app(hidden=4)
    async with app.run_test(size=SMALLEST) as pilot:
        await pilot.press("w")
        grid = app.screen.grid
        shown = [line for line in pane_text(app.screen, "#matrix").splitlines() if re.match(r"\d ", line)]
        assert len(shown) == grid.values.shape[0] == 4, pane_text(app.screen, "#matrix")
