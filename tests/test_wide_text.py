"""Wide characters line up: CJK text, emoji, combining marks and zero-width characters in the CLI's
tables, the plain demo and the app's panes; and bars that stay aligned on CJK terminals."""

import unicodedata

import pytest
from rich.cells import cell_len
from typer.testing import CliRunner

from rnntui.cli import app as cli
from rnntui.commands.train_progress import SAMPLE_CELLS, ProgressReporter
from rnntui.engine.corpus import load_corpus
from rnntui.engine.session import StepSession
from rnntui.textwidth import cells, cut, pad, wrap
from rnntui.train.train_events import EvalEvent
from rnntui.tui.app import RnnApp
from rnntui.tui.widgets.gradients import GradientPane
from rnntui.tui.widgets.heatmap import HeatmapPane, legend_strip
from rnntui.tui.widgets.loss_curve import axis_label
from rnntui.tui.widgets.sequence import ROW_LABEL, SequencePane

POEM = "床前明月光，疑是地上霜。举头望明月，低头思故乡。"

# ------------------------------------------------------------------------- the helpers


def test_pad_and_cut_count_cells_not_characters():
    assert pad("中文", 6) == "中文  " and pad("ab", 6, ">") == "    ab"
    assert cells(cut("床前明月光", 5)) <= 5 and cut("床前明月光", 5) == "床前"
    assert cut("abcdef", 4, "…") == "abc…" and cut("abc", 4) == "abc"


def test_wrap_keeps_lines_within_the_width_and_numbers_whole():
    text = "在第 0 维上，隐藏状态 h_t 的梯度经过 36 步之后缩小到 0.0012 倍，这就是梯度消失。Then English, 1.5e-3 stays."
    for width in range(16, 60):
        lines = wrap(text, width)
        assert "".join(lines).replace(" ", "") == text.replace(" ", "")
        assert all(cells(line) <= width for line in lines), width
        for before, after in zip(lines, lines[1:]):
            assert not (before[-1].isdigit() and (after[0].isdigit() or after[0] in "步倍维")), (before, after)
            assert after[0] not in "，。：；", (before, after)


# ------------------------------------------------------------------------- the CLI


def run(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def test_the_step_table_keeps_its_columns_under_chinese_text():
    lines = run("step", "春眠不觉晓，处处闻啼鸟。", "--lang", "zh").splitlines()
    header = lines[2]
    h_column = cells(header[:header.index("h（")])
    rows = [line for line in lines[3:] if "[" in line]
    assert len(rows) == len("春眠不觉晓，处处闻啼鸟。")
    assert {cells(row[:row.index("[")]) for row in rows} == {h_column}
    p_next = cells(header[:header.index("P(") + len("P(下一个)")])  # right-aligned numbers end under it
    for row in rows[:-1]:
        assert row[len(row[:next(i for i in range(len(row)) if cells(row[:i]) >= p_next)]) - 1].isdigit()


def test_corpora_descriptions_start_in_one_column_in_both_languages():
    for lang in ("en", "zh"):
        lines = run("corpora", "--lang", lang).splitlines()[:-1]
        marker = "字符" if lang == "zh" else "chars"
        ends = [line.index(marker) + len(marker) for line in lines]
        starts = {cells(line[:end + len(line[end:]) - len(line[end:].lstrip())]) for line, end in zip(lines, ends)}
        assert len(starts) == 1, (lang, lines)


def test_the_plain_chinese_demo_wraps_by_cells_and_never_inside_a_number():
    out = CliRunner().invoke(cli, ["demo", "vanishing", "--plain", "--autoplay", "--lang", "zh"])
    assert out.exit_code == 0, out.output
    lines = out.stdout.splitlines()
    assert any("梯度消失" in line for line in lines)
    assert max(cells(line) for line in lines) <= 100
    for before, after in zip(lines, lines[1:]):
        if before and after and not after.startswith(" "):
            assert not (before[-1].isdigit() and after[0].isdigit()), (before, after)
            assert not (before[-1].isdigit() and after[0] in "步倍维个"), (before, after)


def test_the_plain_prompt_speaks_chinese(monkeypatch):
    from rnntui.demos import get_demo
    from rnntui.demos.text_walkthrough import walk

    prompts = []

    def ask(prompt):
        prompts.append(prompt)
        return "q"

    walk(get_demo("abc"), "zh", False, lambda line: None, ask)
    assert prompts == ["回车：下一步，q：离开 "]


def test_training_sample_lines_are_cut_by_cells():
    import io

    out = io.StringIO()
    reporter = ProgressReporter(out=out, live=False)
    reporter(EvalEvent(step=250, val_loss=5.7, best_val_loss=5.7, is_best=True, sample=POEM * 8 + "\n" + "short\n"))
    samples = [line for line in out.getvalue().splitlines() if line.startswith("    ")]
    assert [cells(line) <= SAMPLE_CELLS + 4 for line in samples] == [True, True]
    assert cells(samples[0]) >= SAMPLE_CELLS + 4 - 1  # filled up to the width, a wide character short at most


def test_the_loss_axis_label_fits_instead_of_being_cut():
    assert axis_label(1.02e27) == "1e+27" and axis_label(2.345) == "2.35" and axis_label(12345.6) == "1.2e+4"
    assert all(len(axis_label(v)) <= 6 for v in (1.5e-12, 0.000123, 987654321.0, 3.0))


# ------------------------------------------------------------------------- the app's panes


def columns(strip, skip: int = 1) -> list[int]:
    """Cells of each segment after the row label: one segment per timestep."""
    return [cell_len(segment.text) for segment in list(strip)[skip:]]


MIXED = {
    "mixed scripts": "Hello 你好 Привет مرحبا שלום こんにちは 안녕\n" * 4,
    "emoji": "I 🧡 RNNs 👨‍👩‍👧 and 🇨🇳 flags ✌️\n" * 4,
    "combining marks": "cafe\u0301 nai\u0308ve a\u0323\u0302 Z\u0351\u0352\u0353\n" * 4,
    "zero-width characters": "zero\u200bwidth\u200cjoin\u200dand\ufeffmarks\u2060\n" * 4,
}


@pytest.mark.parametrize("name", list(MIXED))
async def test_a_corpus_with_unusual_characters_loads_and_keeps_the_grid(tmp_path, name):
    path = tmp_path / "corpus.txt"
    path.write_text(MIXED[name], encoding="utf-8")
    corpus = load_corpus(str(path))
    text = corpus.text[:40]
    app = RnnApp(StepSession(text, cell="lstm", hidden_size=4, seed=0))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("right", "right")
        await pilot.pause()
        sequence = app.query_one("#sequence", SequencePane)
        width = sequence.scrollable_content_region.width
        *_, inputs, targets, _x = sequence.build_lines(width)
        for row in (inputs, targets):
            widths = columns(row)
            assert len(set(widths)) == 1, (name, widths)  # every timestep takes the same cells
            assert cell_len(row.text) == ROW_LABEL + widths[0] * len(widths) <= width
        hidden = app.query_one("#hidden", HeatmapPane)
        pinned = hidden.build_pinned(hidden.scrollable_content_region.width)
        cell = set(columns(pinned[-1]))
        heat_rows = [line for line in hidden.build_lines(hidden.scrollable_content_region.width)
                     if callable(line)]  # the coloured rows (drawn lazily)
        assert heat_rows, name
        assert {w for row in heat_rows for w in columns(row())} == cell, name


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_chinese_columns_line_up_across_panes(size):
    app = RnnApp(StepSession(POEM, cell="lstm", hidden_size=6, seed=0))
    async with app.run_test(size=size) as pilot:
        await pilot.press("right", "right", "right")
        await pilot.pause()
        sequence = app.query_one("#sequence", SequencePane)
        *_, inputs, _targets, _x = sequence.build_lines(sequence.scrollable_content_region.width)
        assert set(columns(inputs)) == {2} or set(columns(inputs)) == {3}
        gradients = app.query_one("#gradients", GradientPane)
        lines = gradients.build_lines(gradients.scrollable_content_region.width)
        token_row = next(line for line in lines if "床" in line.text)
        bar_rows = [line for line in lines if "┤" in line.text]
        assert bar_rows
        tokens = columns(token_row)
        for row in bar_rows:  # axis, then one bar segment and its gap per timestep
            bars = columns(row)
            assert sum(bars) == sum(tokens), (row.text, token_row.text)


async def test_bars_are_coloured_spaces_for_terminals_with_wide_ambiguous_characters(monkeypatch):
    monkeypatch.setenv("RNNTUI_GLYPHS", "spaces")
    app = RnnApp(StepSession(POEM, cell="lstm", hidden_size=6, seed=0))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("right", "right")
        await pilot.pause()
        gradients = app.query_one("#gradients", GradientPane)
        lines = gradients.build_lines(gradients.scrollable_content_region.width)
        bar_rows = [line.text for line in lines if line.text.lstrip().startswith("1e") or line.text.strip() == "|"]
        hidden = app.query_one("#hidden", HeatmapPane)
        heat_rows = [line().text for line in hidden.build_lines(hidden.scrollable_content_region.width) if callable(line)]
        legend = legend_strip("diverging", 1.0).text
        drawn = "".join(bar_rows + heat_rows) + legend
        assert bar_rows and heat_rows and "*" in "".join(heat_rows)  # the selected unit's mark
        ambiguous = {c for c in drawn if unicodedata.east_asian_width(c) == "A"}
        assert ambiguous == set(), ambiguous


async def test_log_lines_are_wrapped_by_cells_so_no_scrollbar_appears():
    app = RnnApp(StepSession(POEM, hidden_size=4, seed=0))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        app.step_screen.log_line("sample @250 T=0.8: " + POEM * 4)
        await pilot.pause()
        log = app.query_one("#console-log")
        lines = [str(line) for line in log.lines]
        assert "".join(lines).endswith(POEM)  # nothing lost
        assert max(cell_len(line) for line in lines) <= log.scrollable_content_region.width
