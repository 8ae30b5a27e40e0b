"""`rnntui abc` and `rnntui step` through Typer's CliRunner, bad inputs included."""

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from rnntui.cli import app
from rnntui.engine.checkpoint import save_checkpoint
from rnntui.engine.config import ModelConfig
from rnntui.engine.numpy_rnn import Clipping, NumpyRNN, init_params

runner = CliRunner()


def run(*args):
    return runner.invoke(app, list(args))


def test_abc_text_shows_vectors_formula_and_prediction():
    result = run("abc")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "h_t = tanh(W_xh x_t + W_hh h_{t-1} + b_h)" in out
    assert "[0.7616, 0.0000, 0.0000]" in out and "[0.6420, 0.7616, 0.0000]" in out
    assert "W_hh x_{t-1}" in out  # the notes' typo is named
    assert "predicts 'C'" in out


def test_abc_json():
    result = run("abc", "--json")
    assert result.exit_code == 0
    doc = json.loads(result.output)
    assert [s["char"] for s in doc["steps"]] == ["A", "B"]
    np.testing.assert_allclose(doc["steps"][1]["h"], np.tanh([np.tanh(1.0), 1.0, 0.0]))
    trained = doc["predictions"][1]
    assert trained["head"] == "trained" and trained["predicted"] == "C"
    assert sum(trained["probs"].values()) == pytest.approx(1.0)


def test_step_json_matches_the_engine():
    result = run("step", "abcab", "--cell", "lstm", "--hidden", "3", "--layers", "2", "--seed", "4", "--clip", "0.01", "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    cfg = ModelConfig(cell="lstm", hidden_size=3, num_layers=2, vocab_size=3)
    model = NumpyRNN(cfg, init_params(cfg, 4))
    indices = np.array([0, 1, 2, 0, 1])
    trace = model.forward(indices)
    grads = model.backward(trace, model.next_targets(indices), Clipping("norm", 0.01))
    assert (doc["cell"], doc["activation"], doc["hidden_size"], doc["num_layers"]) == ("lstm", "tanh", 3, 2)
    assert doc["vocab"] == ["a", "b", "c"]
    assert [s["t"] for s in doc["steps"]] == [1, 2, 3, 4, 5]
    assert [s["target"] for s in doc["steps"]] == ["b", "c", "a", "b", None]
    assert doc["steps"][-1]["loss"] is None
    np.testing.assert_allclose([s["h"] for s in doc["steps"]], trace.h[-1, 1:])
    np.testing.assert_allclose([s["c"] for s in doc["steps"]], trace.c[-1, 1:])
    np.testing.assert_allclose([s["gates"]["f"] for s in doc["steps"]], trace.gates["f"][-1])
    np.testing.assert_allclose([s["probs"] for s in doc["steps"]], trace.probs)
    assert doc["loss"] == pytest.approx(grads.loss)
    assert doc["steps"][0]["loss"] == pytest.approx(-np.log(trace.probs[0, 1]))
    np.testing.assert_allclose(doc["grad_norm_h"], grads.grad_norm_h[-1])
    assert doc["grad_norm"] == pytest.approx(grads.grad_norm)
    assert doc["grad_norm_clipped"] == pytest.approx(0.01, rel=1e-3)


def test_step_table_and_defaults():
    result = run("step", "hello")
    assert result.exit_code == 0
    assert "RNN tanh, 1 layer(s) of 8 units" in result.output
    assert "mean loss" in result.output and "gradient norm" in result.output
    doc = json.loads(run("step", "hi", "--json").output)
    assert doc["steps"][0]["c"] is None and doc["steps"][0]["gates"] == {}


def test_step_with_checkpoint(tmp_path):
    cfg = ModelConfig(cell="gru", hidden_size=4, vocab_size=3)
    path = save_checkpoint(tmp_path / "m.safetensors", init_params(cfg, 1), cfg, ["x", "y", "z"])
    doc = json.loads(run("step", "xyz", "--checkpoint", str(path), "--json").output)
    assert doc["cell"] == "gru" and doc["vocab"] == ["x", "y", "z"] and doc["checkpoint"] == str(path)
    assert set(doc["steps"][0]["gates"]) == {"r", "z", "n"}
    assert run("step", "xy", "--checkpoint", str(path)).exit_code == 0


def one_line_error(result, needle):
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()  # CliRunner mixes stderr into output
    assert len(lines) == 1 and lines[0].startswith("error:") and needle in lines[0], result.output
    assert "Traceback" not in result.output


@pytest.fixture
def gru_checkpoint(tmp_path):
    cfg = ModelConfig(cell="gru", hidden_size=2, vocab_size=2)
    return save_checkpoint(tmp_path / "m.safetensors", init_params(cfg, 0), cfg, ["a", "b"])


def test_bad_inputs(tmp_path, gru_checkpoint):
    one_line_error(run("step", ""), "empty")
    one_line_error(run("step", "ab", "--cell", "transformer"), "unknown cell")
    one_line_error(run("step", "ab", "--activation", "sigmoid"), "unknown activation")
    one_line_error(run("step", "ab", "--hidden", "0"), "hidden size")
    one_line_error(run("step", "ab", "--layers", "0"), "num layers")
    one_line_error(run("step", "ab", "--clip", "-1"), "threshold")
    one_line_error(run("step", "ab", "--checkpoint", str(tmp_path / "missing.safetensors")), "does not exist")
    corrupt = tmp_path / "corrupt.safetensors"
    corrupt.write_bytes(b"\x00" * 20)
    one_line_error(run("step", "ab", "--checkpoint", str(corrupt)), "truncated")
    one_line_error(run("step", "abc", "--checkpoint", str(gru_checkpoint)), "'c' is not in the vocabulary")
    one_line_error(run("step", "ab", "--checkpoint", str(gru_checkpoint), "--cell", "lstm"), "conflicts")


def test_help_for_each_command():
    for command in ("abc", "step"):
        result = run(command, "--help")
        assert result.exit_code == 0 and "Usage" in result.output
