"""The app's pure drawing helpers: paging, colour indices, number formats, the step ruler."""

from __future__ import annotations

import numpy as np
import pytest

from rnntui.tui.widgets import palette
from rnntui.tui.widgets.heatmap import column_width, column_window, token_glyph
from rnntui.tui.widgets.line_pane import _runs
from rnntui.number_format import format_number
from rnntui.tui.widgets.sequence import step_ruler


@pytest.mark.parametrize("T, fit", [(200, 37), (64, 64), (10, 3), (1, 5)])
def test_every_cursor_is_on_its_page_and_pages_are_full(T, fit):
    for cursor in range(T):
        start, stop = column_window(T, cursor, fit)
        assert start <= cursor < stop <= T
        assert stop - start == min(T, fit)


def test_column_width_prefers_wide_cells_that_fit():
    assert column_width(2, 60) == 3 and column_width(25, 60) == 2 and column_width(64, 60) == 1


def test_diverging_indices_map_zero_to_neutral_and_clamp():
    indices = palette.diverging_indices(np.array([-5.0, -1.0, 0.0, 1.0, 5.0, np.nan, np.inf]), 1.0)
    middle = palette.LEVELS // 2
    assert indices.tolist() == [0, 0, middle, palette.LEVELS - 1, palette.LEVELS - 1, middle, palette.LEVELS - 1]


def test_sequential_indices_cover_zero_to_one():
    indices = palette.sequential_indices(np.array([-1.0, 0.0, 0.5, 1.0, 2.0, np.nan]))
    assert indices.tolist() == [0, 0, palette.LEVELS // 2, palette.LEVELS - 1, palette.LEVELS - 1, 0]


def test_format_number_keeps_the_abc_digits_and_shortens_extremes():
    assert format_number(np.tanh(1.0)) == "0.7616" and format_number(np.tanh(np.tanh(1.0))) == "0.6420"
    assert format_number(5.6e118) == "5.600e+118" and format_number(0.0) == "0.0000"


def test_step_ruler_numbers_every_tenth_step_when_cells_are_narrow():
    assert step_ruler(0, 5, 3) == "1  2  3  4  5  "
    ruler = step_ruler(0, 25, 1)
    assert len(ruler) == 25 and ruler[8:10] == "10" and ruler[18:20] == "20" and ruler[4] == "·"


def test_runs_group_contiguous_rows():
    assert _runs([1, 2, 3, 7, 9, 10]) == [(1, 4), (7, 8), (9, 11)] and _runs([]) == []


def test_token_glyph_makes_whitespace_visible():
    assert [token_glyph(c) for c in " \n\ta"] == ["␣", "⏎", "⇥", "a"]
