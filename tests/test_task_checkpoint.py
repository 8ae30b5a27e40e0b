"""One checkpoint format for characters and for the paper's tasks: what it records, what it refuses."""

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from rnntui.cli import app
from rnntui.engine.checkpoint import load_checkpoint, save_checkpoint
from rnntui.engine.config import ModelConfig
from rnntui.engine.numpy_rnn import NumpyRNN, init_params
from rnntui.errors import CheckpointError, RnntuiError

ADDING = ModelConfig(cell="lstm", hidden_size=4, vocab_size=1, input_dim=2, head="linear")
TASK = {"name": "adding", "T": 100}


@pytest.fixture
def task_checkpoint(tmp_path):
    path = save_checkpoint(tmp_path / "adding.safetensors", init_params(ADDING, seed=1), ADDING, [],
                           {"task": json.dumps(TASK)})
    return path


def test_a_task_checkpoint_records_task_input_kind_and_head(task_checkpoint):
    ckpt = load_checkpoint(task_checkpoint, input_kind="values")
    assert ckpt.config == ADDING
    assert (ckpt.config.input_kind, ckpt.config.head, ckpt.task) == ("values", "linear", TASK)
    header = json.loads(ckpt.metadata["config"])
    assert header["input_dim"] == 2 and header["head"] == "linear"
    # The engine runs it on values straight away.
    trace = NumpyRNN(ckpt.config, ckpt.params).forward(np.zeros((5, 2)))
    assert trace.logits.shape == (5, 1) and trace.probs is None


def test_a_character_checkpoint_header_is_unchanged(tmp_path):
    config = ModelConfig(cell="gru", hidden_size=3, vocab_size=2)
    path = save_checkpoint(tmp_path / "c.safetensors", init_params(config), config, ["a", "b"])
    header = json.loads(load_checkpoint(path).metadata["config"])
    assert "input_dim" not in header and "head" not in header
    assert load_checkpoint(path, input_kind=None).task is None
    with pytest.raises(CheckpointError, match="reads characters.*real-valued vectors"):
        load_checkpoint(path, input_kind="values")


def test_opening_a_task_checkpoint_with_characters_is_one_line(task_checkpoint):
    with pytest.raises(CheckpointError, match="real-valued vectors of 2 values \\(task adding\\).*characters"):
        load_checkpoint(task_checkpoint)


# `rnntui app --checkpoint` opens a task checkpoint on the task screen (tests/test_task_screen.py).
@pytest.mark.parametrize("command", [["step", "abc", "--checkpoint"], ["sample"]])
def test_the_cli_refuses_a_task_checkpoint_and_writes_nothing(task_checkpoint, command):
    before = sorted(p.name for p in task_checkpoint.parent.iterdir())
    result = CliRunner().invoke(app, [*command, str(task_checkpoint)])
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "task adding" in lines[0] and "nothing was written" in lines[0]
    assert sorted(p.name for p in task_checkpoint.parent.iterdir()) == before


def test_a_task_config_refuses_what_it_cannot_be():
    with pytest.raises(RnntuiError, match="input dim"):
        ModelConfig(input_dim=0)
    with pytest.raises(RnntuiError, match="no embedding"):
        ModelConfig(input_dim=2, embedding_dim=3)
    with pytest.raises(RnntuiError, match="unknown head"):
        ModelConfig(head="sigmoid")
