"""`rnntui experiment`, as a person runs it: a small real run, its table and JSON, and every refusal."""

import json

import pytest
from typer.testing import CliRunner

from rnntui.cli import app
from rnntui.engine.tasks import KINDS

pytest.importorskip("torch")


def invoke(*args):
    return CliRunner().invoke(app, ["experiment", *args])


def test_a_small_adding_run_prints_the_table_beside_the_paper(tmp_path):
    out = tmp_path / "adding.json"
    result = invoke("adding", "--T", "10", "--seeds", "1", "--cells", "rnn,lstm", "--max-sequences", "640",
                    "--json", str(out))
    assert result.exit_code == 0, result.output
    text = result.output
    assert "Task adding (Experiment 4, T = 10)" in text
    assert "vanilla RNN" in text and "LSTM" in text and "GRU" not in text.split("report:")[0]
    assert "Table 7" in text and "74,000" in text  # the paper's figure for T = 100
    assert "Adam" in text and "forget gate" in text and "batches of 32" in text
    doc = json.loads(out.read_text())
    assert doc["task"] == {"name": "adding", "experiment": "4", "T": 10}
    assert {r["cell"] for r in doc["runs"]} == {"rnn", "lstm"} and len(doc["runs"]) == 2
    for run in doc["runs"]:
        assert run["sequences"] == 640 and run["stopped_by"] in ("budget", "success")
        assert run["curve"] and 0 <= run["correct"] <= 1 and run["baseline"] > 0
    summary = doc["cells"]["lstm"]
    assert summary["runs"] == 1 and summary["error"] == doc["runs"][1]["error"]
    assert doc["machine"]["cores"] >= 1 and doc["settings"]["batch_size"] == 32


def test_a_classification_task_reports_error_rates():
    result = invoke("temporal-order", "--seeds", "1", "--cells", "gru", "--max-sequences", "64")
    assert result.exit_code == 0, result.output
    assert "final error rate" in result.output and "Table 9" in result.output and "31,390" in result.output


def test_remember_first_says_how_its_loss_differs_from_the_papers(tmp_path):
    out = tmp_path / "first.json"
    weighted = invoke("remember-first", "--p", "5", "--seeds", "1", "--cells", "lstm", "--max-sequences", "64",
                      "--json", str(out))
    assert weighted.exit_code == 0, weighted.output
    assert "the last step's target carries 50% of the loss" in weighted.output
    assert "input gates started biased towards closed, by -4.0" in weighted.output
    assert json.loads(out.read_text())["settings"]["judged_share"] == 0.5
    paper = invoke("remember-first", "--p", "5", "--seeds", "1", "--cells", "lstm", "--max-sequences", "64",
                   "--paper-loss", "--lr", "0.003", "--input-bias", "0", "--json", str(out))
    assert paper.exit_code == 0, paper.output
    assert "of the loss" not in paper.output and "learning rate 0.003" in paper.output
    settings = json.loads(out.read_text())["settings"]
    assert settings["judged_share"] is None and settings["lr"] == 0.003 and settings["input_bias"] == 0.0
    # A task judged only at the end has no such line: all of its loss is at the end already.
    end_only = invoke("temporal-order", "--seeds", "1", "--cells", "lstm", "--max-sequences", "32")
    assert end_only.exit_code == 0 and "of the loss" not in end_only.output


def test_unknown_task_lists_every_task():
    result = invoke("addition")
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and all(name in result.output for name in KINDS)


@pytest.mark.parametrize("args, says", [
    (["adding", "--T", "5"], "T for task adding must be a whole number in 10..1000"),
    (["remember-first", "--p", "2000"], "p for task remember-first must be a whole number in 3..1023"),
    (["adding", "--p", "10"], "--p does not apply to task adding"),
    (["temporal-order", "--T", "100"], "--T does not apply to task temporal-order"),
    (["adding", "--seeds", "0"], "--seeds must be a whole number in 1..100"),
    (["adding", "--hidden", "5000"], "--hidden must be a whole number in 1..1024"),
    (["adding", "--cells", "rnn,transformer"], "unknown cell 'transformer'"),
    (["adding", "--json", "/no/such/folder/x.json"], "its folder does not exist"),
    (["adding", "--lr", "0"], "--lr must be a number in 1e-06..1.0, got 0.0"),
    (["adding", "--lr", "nan"], "--lr must be a finite number"),
    (["adding", "--input-bias", "50"], "--input-bias must be a number in -10.0..10.0, got 50.0"),
    (["temporal-order", "--paper-loss"], "--paper-loss does not apply to task temporal-order"),
])
def test_bad_input_is_one_line_and_exit_2(args, says):
    result = invoke(*args)
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and says in result.output, result.output


def test_quick_means_one_seed_a_small_test_set_and_a_time_limit(tmp_path):
    from rnntui.commands.experiment_commands import QUICK_SECONDS_PER_RUN, QUICK_TEST_SIZE

    out = tmp_path / "quick.json"
    result = invoke("adding", "--quick", "--T", "10", "--cells", "lstm", "--max-sequences", "320", "--json", str(out))
    assert result.exit_code == 0, result.output
    doc = json.loads(out.read_text())
    assert doc["seeds"] == 1 and len(doc["runs"]) == 1
    assert doc["settings"]["test_size"] == QUICK_TEST_SIZE and doc["settings"]["max_seconds"] == QUICK_SECONDS_PER_RUN


def test_saved_models_record_their_task_and_step_in_the_numpy_engine(tmp_path):
    import numpy as np

    from rnntui.engine.checkpoint import load_checkpoint
    from rnntui.engine.numpy_rnn import NumpyRNN
    from rnntui.engine.tasks import make_task

    result = invoke("adding", "--T", "10", "--seeds", "1", "--cells", "gru", "--max-sequences", "320",
                    "--save", str(tmp_path))
    assert result.exit_code == 0, result.output
    path = tmp_path / "adding-gru-seed0.safetensors"
    ckpt = load_checkpoint(path, input_kind="values")
    assert ckpt.task == {"name": "adding", "experiment": "4", "T": 10}
    assert (ckpt.config.cell, ckpt.config.head, ckpt.config.input_dim) == ("gru", "linear", 2)
    batch = make_task("adding", 10).batch(np.random.default_rng(0), 1)
    trace = NumpyRNN(ckpt.config, ckpt.params).forward(batch.sequence(0)[0])
    assert trace.logits.shape == (batch.lengths[0], 1)
    # The character commands refuse it in one line.
    refused = CliRunner().invoke(app, ["step", "abc", "--checkpoint", str(path)])
    assert refused.exit_code == 2 and "task adding" in refused.output
    assert invoke("adding", "--save", str(tmp_path / "missing")).exit_code == 2
