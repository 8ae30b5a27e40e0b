"""Time series: the shipped ones, a person's own file, the persistence baseline, and `rnntui series`."""

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from rnntui.cli import app
from rnntui.engine.series import SERIES, get_series
from rnntui.engine.series.forecast import one_step_values, prepare, score_one_step
from rnntui.engine.series.series_file import parse_series, read_series
from rnntui.errors import RnntuiError


def test_shipped_series_need_no_download_and_are_fixed():
    airline = get_series("airline").values()
    assert len(airline) == 144 and airline.sum() == 40363 and airline[0] == 112 and airline[-1] == 432
    for s in SERIES.values():
        one, two = s.values(), s.values()
        np.testing.assert_array_equal(one, two)
        assert np.all(np.isfinite(one)) and len(one) > 2 * s.test_points
    walk = get_series("random-walk").values()
    assert (walk > 0).all()  # a price


@pytest.mark.parametrize("log", [False, True])
def test_true_changes_give_the_true_values_and_zero_changes_give_persistence(log):
    values = get_series("airline").values()
    prepared = prepare(values, 36, log)
    exact = one_step_values(prepared, prepared.changes)
    np.testing.assert_allclose(exact, values[1:], rtol=1e-12)
    assert score_one_step(prepared, exact).mse == pytest.approx(0.0, abs=1e-12)
    persistence = score_one_step(prepared, one_step_values(prepared, np.zeros_like(prepared.changes)))
    assert persistence.ratio == pytest.approx(1.0)
    assert persistence.persistence == pytest.approx(np.mean((values[-36:] - values[-37:-1]) ** 2))


@pytest.mark.parametrize("text, says", [
    ("1\n2\nabc\n", "line 3: 'abc' is not a number"),
    ("# prices\n1\n\nnan\n", "line 4: 'nan' is not a finite number"),
    ("1\ninf\n", "line 2: 'inf' is not a finite number"),
    ("1\n2\n", "has 2 numbers; at least 24"),
])
def test_a_bad_series_is_refused_naming_the_line(text, says):
    with pytest.raises(RnntuiError, match=says):
        parse_series(text, "mine.txt")


def test_a_series_file_with_comments_reads(tmp_path):
    path = tmp_path / "s.txt"
    path.write_text("# monthly\n" + "\n".join(f"{v}  # note" for v in range(1, 31)) + "\n")
    np.testing.assert_array_equal(read_series(path), np.arange(1, 31))


def test_the_command_reports_the_persistence_baseline_for_every_series(tmp_path):
    out = tmp_path / "series.json"
    result = CliRunner().invoke(app, ["series", "--seeds", "1", "--steps", "30", "--json", str(out)])
    assert result.exit_code == 0, result.output
    assert "persistence MSE" in result.output and "tomorrow = today" in result.output
    doc = json.loads(out.read_text())
    assert set(doc["series"]) == set(SERIES)
    for name, r in doc["series"].items():
        values = SERIES[name].values()
        held = SERIES[name].test_points
        assert r["persistence"] == pytest.approx(np.mean((values[-held:] - values[-held - 1:-1]) ** 2))
        assert r["ratio"] == pytest.approx(r["mse"] / r["persistence"])


def test_the_command_reads_a_file_and_refuses_a_bad_one(tmp_path):
    good = tmp_path / "good.txt"
    good.write_text("\n".join(str(np.sin(i / 3)) for i in range(60)))
    result = CliRunner().invoke(app, ["series", "--file", str(good), "--test-points", "12", "--seeds", "1",
                                      "--steps", "10"])
    assert result.exit_code == 0, result.output
    assert "good.txt" in result.output
    bad = tmp_path / "bad.txt"
    bad.write_text("1\n2\nNaN\n")
    result = CliRunner().invoke(app, ["series", "--file", str(bad)])
    assert result.exit_code == 2 and result.output.count("\n") == 1 and "line 3" in result.output


@pytest.mark.parametrize("args, says", [
    (["nope"], "unknown series 'nope'"),
    (["airline", "--file", "x.txt"], "not both"),
    (["--seeds", "0"], "--seeds must be"),
    (["--cell", "cnn"], "unknown cell"),
    (["--file", "/no/such/file.txt"], "cannot read series"),
])
def test_bad_options_are_one_line_and_exit_2(args, says):
    result = CliRunner().invoke(app, ["series", *args])
    assert result.exit_code == 2 and result.output.count("\n") == 1 and says in result.output, result.output
