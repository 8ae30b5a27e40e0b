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
        await pilot.press("right", "g", "b")  # the app stays usable: it steps, samples, switches bars
        assert app.session.cursor == 2 and len(app.sample_text) == 60 and app.bars_whole_loss
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
    assert "[5/5]" in result.stdout
