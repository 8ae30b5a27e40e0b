"""Precision as a checked capability: bf16 only where this machine can run it, on any x86-64 CPU.

A CPU without bf16 is simulated by the environment switch RNNTUI_FAKE_NO_BF16 (what CI sets to
run these tests both ways) and by a probe that fails as oneDNN does there.
"""

import pytest
import torch
from typer.testing import CliRunner

from rnntui.cli import app
from rnntui.engine.corpus import shipped_corpus
from rnntui.errors import RnntuiError
from rnntui.train import precision
from rnntui.train.cpu_features import cpu_kind, speed_features
from rnntui.train.expectations import Baseline, comparison, text_digest
from precision_marks import needs_bf16

CPU = torch.device("cpu")
ONEDNN = "could not create a primitive descriptor for the LSTM forward propagation primitive"
TINY = ["--hidden", "8", "--layers", "1", "--seq-len", "20", "--batch-size", "4", "--threads", "1"]


@pytest.fixture
def no_bf16(monkeypatch):
    """This machine as a Zen 3: the probe of every cell fails with oneDNN's error."""
    monkeypatch.delenv(precision.FAKE_NO_BF16, raising=False)
    monkeypatch.setattr(precision, "_probe_bf16", lambda cell, device_type, index: ONEDNN)


@pytest.mark.parametrize("cell", [pytest.param(cell, marks=needs_bf16(cell)) for cell in ("rnn", "lstm", "gru")])
def test_the_check_passes_where_bf16_runs_and_the_switch_turns_it_off(monkeypatch, cell):
    assert precision.bf16_problem(cell, CPU) is None
    assert precision.resolve_precision("bf16", CPU, 16, cell) == "bf16"
    monkeypatch.setenv(precision.FAKE_NO_BF16, "1")
    assert precision.FAKE_NO_BF16 in precision.bf16_problem(cell, CPU)
    assert precision.resolve_precision("auto", CPU, 16, cell) == "fp32"
    with pytest.raises(RnntuiError, match="use --precision fp32"):
        precision.resolve_precision("bf16", CPU, 16, cell)
    monkeypatch.setenv(precision.FAKE_NO_BF16, "0")  # "0" means off, as people expect
    assert precision.bf16_problem(cell, CPU) is None


def test_the_probe_runs_once_per_cell_and_device(monkeypatch):
    monkeypatch.delenv(precision.FAKE_NO_BF16, raising=False)
    precision._probe_bf16.cache_clear()
    first = precision.bf16_problem("gru", CPU)
    assert precision.bf16_problem("gru", CPU) == first
    info = precision._probe_bf16.cache_info()
    assert (info.misses, info.hits) == (1, 1)


def test_without_bf16_an_explicit_bf16_is_refused_and_auto_picks_fp32(no_bf16):
    with pytest.raises(RnntuiError) as refused:
        precision.resolve_precision("bf16", CPU, 64, "lstm")
    line = str(refused.value)
    assert "\n" not in line and ONEDNN in line and "--precision fp32" in line and "LSTM" in line
    for cell in ("rnn", "lstm", "gru"):
        assert precision.resolve_precision("auto", CPU, 64, cell) == "fp32"
    assert precision.resolve_precision("fp32", CPU, 64, "lstm") == "fp32"


def test_train_with_bf16_on_a_cpu_without_it_is_one_line_and_writes_nothing(no_bf16, tmp_path):
    out = tmp_path / "run"
    result = CliRunner().invoke(app, ["train", "abc", *TINY, "--steps", "3", "--precision", "bf16", "--out", str(out)])
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: --precision bf16:") and "--precision fp32" in lines[0]
    assert not out.exists()


def test_train_on_auto_without_bf16_runs_in_fp32(no_bf16, tmp_path):
    result = CliRunner().invoke(app, ["train", "abc", *TINY, "--steps", "3", "--precision", "auto",
                                      "--out", str(tmp_path / "run")])
    assert result.exit_code == 0, result.output
    assert "cpu fp32" in result.output


def test_a_bf16_run_resumed_where_bf16_cannot_run_continues_in_fp32_with_a_warning(no_bf16):
    chosen, warning = precision.resumed_precision("bf16", CPU, "lstm")
    assert chosen == "fp32" and "continues in fp32" in warning and ONEDNN in warning
    assert precision.resumed_precision("fp32", CPU, "lstm") == ("fp32", None)


@needs_bf16("lstm")
def test_a_bf16_run_resumed_where_bf16_runs_keeps_bf16(monkeypatch):
    monkeypatch.delenv(precision.FAKE_NO_BF16, raising=False)
    assert precision.resumed_precision("bf16", CPU, "lstm") == ("bf16", None)


def row(**changes) -> Baseline:
    text = shipped_corpus("abc").text
    fields = dict(corpus="abc", sha256=text_digest(text), cell="lstm", hidden_size=384, num_layers=2, minutes=1.0,
                  val_loss=0.9, chance=1.1, steps=100, tokens_per_second=9000.0, precision="bf16",
                  threads="adaptive: 1", load=1.0, date="2026-01-01", commit="abc1234", cpu="a CPU",
                  cpu_features="amx_bf16 avx512_bf16 avx512f avx2")
    return Baseline(**{**fields, **changes})


@pytest.mark.parametrize("here, other", [
    ("avx2", True),  # a Zen 3: no bf16 at all
    ("avx512_bf16 avx512f avx2", True),  # bf16 instructions, no AMX
    ("amx_bf16 avx512_bf16 avx512f avx2", False),  # the table's own kind
])
def test_the_comparison_says_when_its_row_came_from_another_kind_of_cpu(here, other):
    text = shipped_corpus("abc").text
    line = comparison(text, "abc", "lstm", 384, 2, 1.0, 0.9, rows=[row()], cpu_features=here)
    assert line.startswith("expected: val 0.900") and "\n" not in line
    assert ("another kind of CPU (AMX-BF16; this one: " + cpu_kind(here) + ")" in line) is other
    assert ("another kind of CPU" in line) is other


def test_a_row_without_recorded_flags_is_known_by_its_precision():
    text = shipped_corpus("abc").text
    old = row(cpu_features=None)
    assert "another kind of CPU (bf16; this one: AVX2)" in comparison(text, "abc", "lstm", 384, 2, 1, 0.9, [old],
                                                                        cpu_features="avx2")
    assert "another kind" not in comparison(text, "abc", "lstm", 384, 2, 1, 0.9, [old],
                                            cpu_features="avx512_bf16 avx512f avx2")


def test_every_shipped_row_records_the_flags_of_its_cpu():
    from rnntui.train.expectations import load_table

    rows = load_table()
    assert rows and all(r.cpu_features is not None for r in rows)
    assert set(speed_features({"avx2", "fma", "amx_bf16"}).split()) == {"amx_bf16", "avx2"}


def test_bf16_tests_skip_on_a_cpu_without_bf16_instructions(monkeypatch):
    """A Zen 3 (AVX2, no AVX-512 BF16, no AMX) skips the bf16 tests, whatever the probe says."""
    import precision_marks

    monkeypatch.setattr(precision_marks, "cpu_flags", lambda: {"avx2", "fma", "sse4_2"})
    monkeypatch.setattr(precision_marks, "bf16_problem", lambda cell, device: None)
    assert precision_marks.bf16_missing("lstm") == "this CPU has no bf16 instructions (its speed flags: avx2)"
    monkeypatch.setattr(precision_marks, "cpu_flags", lambda: {"avx512_bf16", "avx512f", "avx2"})
    assert precision_marks.bf16_missing("lstm") is None
    monkeypatch.setattr(precision_marks, "bf16_problem", lambda cell, device: "could not create a primitive")
    assert precision_marks.bf16_missing("gru") == "this machine cannot train gru in bf16: could not create a primitive"
