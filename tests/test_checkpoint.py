"""Checkpoint round trip, PyTorch interoperability, and every kind of bad file."""

import json

import numpy as np
import pytest
from safetensors.numpy import save_file

from rnntui.engine.checkpoint import FORMAT, load_checkpoint, save_checkpoint
from rnntui.engine.config import ModelConfig
from rnntui.engine.numpy_rnn import init_params
from rnntui.errors import CheckpointError, SaveError

CONFIG = ModelConfig(cell="lstm", hidden_size=4, num_layers=2, vocab_size=3, embedding_dim=2)
VOCAB = ["A", "B", "C"]


@pytest.fixture
def saved(tmp_path):
    params = init_params(CONFIG, seed=3)
    path = save_checkpoint(tmp_path / "model.safetensors", params, CONFIG, VOCAB, {"step": "12"})
    return path, params


def test_round_trip(saved):
    path, params = saved
    ckpt = load_checkpoint(path)
    assert ckpt.config == CONFIG
    assert ckpt.vocab == VOCAB
    assert ckpt.metadata["format"] == FORMAT
    assert ckpt.metadata["step"] == "12"
    assert json.loads(ckpt.metadata["config"])["embedding_dim"] == 2
    assert ckpt.params.keys() == params.keys()
    for name in params:
        np.testing.assert_array_equal(ckpt.params[name], params[name])


def test_save_leaves_no_temp_file_and_overwrites(saved):
    path, params = saved
    save_checkpoint(path, params, CONFIG, VOCAB)
    assert [p.name for p in path.parent.iterdir()] == ["model.safetensors"]
    assert "step" not in load_checkpoint(path).metadata


def test_pytorch_loads_it_with_load_state_dict(saved):
    torch = pytest.importorskip("torch")
    path, params = saved
    from safetensors.torch import load_file

    tensors = load_file(str(path))
    emb = torch.nn.Embedding(3, 2).double()
    rnn = torch.nn.LSTM(2, 4, num_layers=2, batch_first=True).double()
    head = torch.nn.Linear(4, 3).double()
    for prefix, module in (("embedding.", emb), ("rnn.", rnn), ("head.", head)):
        state = {k[len(prefix):]: v for k, v in tensors.items() if k.startswith(prefix)}
        module.load_state_dict(state)  # strict: every name and shape must match
    np.testing.assert_array_equal(rnn.weight_hh_l1.detach().numpy(), params["rnn.weight_hh_l1"])


def test_reserved_metadata_key_refused(tmp_path):
    with pytest.raises(CheckpointError, match="reserved"):
        save_checkpoint(tmp_path / "m.safetensors", init_params(CONFIG), CONFIG, VOCAB, {"vocab": "x"})


def test_save_refuses_mismatched_params(tmp_path):
    params = init_params(CONFIG)
    del params["head.bias"]
    with pytest.raises(CheckpointError, match="head.bias"):
        save_checkpoint(tmp_path / "m.safetensors", params, CONFIG, VOCAB)
    assert not list(tmp_path.iterdir())


def _rewrite(path, tensors=None, header=None):
    """Write a safetensors file by hand, starting from a good checkpoint's contents."""
    ckpt = load_checkpoint(path)
    tensors = dict(ckpt.params) if tensors is None else tensors
    meta = dict(ckpt.metadata) if header is None else header
    save_file(tensors, str(path), metadata=meta)
    return ckpt


def _one_line_error(path, match):
    with pytest.raises(CheckpointError, match=match) as info:
        load_checkpoint(path)
    assert "\n" not in str(info.value)


def test_missing_file(tmp_path):
    _one_line_error(tmp_path / "nope.safetensors", "does not exist")


def test_directory(tmp_path):
    _one_line_error(tmp_path, "folder")


def test_truncated(saved):
    path, _ = saved
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    _one_line_error(path, "truncated")


def test_garbage(tmp_path):
    path = tmp_path / "g.safetensors"
    path.write_bytes(b"this is not a checkpoint at all")
    _one_line_error(path, "truncated or not a safetensors")


def test_empty_file(tmp_path):
    path = tmp_path / "e.safetensors"
    path.write_bytes(b"")
    _one_line_error(path, "truncated or not a safetensors")


def test_foreign_without_format(saved):
    path, _ = saved
    save_file({"w": np.zeros(2)}, str(path))
    _one_line_error(path, "not an rnntui checkpoint")


def test_foreign_other_format(saved):
    path, _ = saved
    ckpt = load_checkpoint(path)
    _rewrite(path, header={**ckpt.metadata, "format": "pt"})
    _one_line_error(path, "'pt'")


def test_config_not_json(saved):
    path, _ = saved
    ckpt = load_checkpoint(path)
    _rewrite(path, header={**ckpt.metadata, "config": "{oops"})
    _one_line_error(path, "bad model config")


def test_config_vocab_mismatch(saved):
    path, _ = saved
    ckpt = load_checkpoint(path)
    _rewrite(path, header={**ckpt.metadata, "vocab": json.dumps(["A", "B"])})
    _one_line_error(path, "vocabulary has 2 characters")


def test_missing_tensor(saved):
    path, params = saved
    _rewrite(path, tensors={k: v for k, v in params.items() if k != "rnn.weight_hh_l1"})
    _one_line_error(path, "lacks tensor 'rnn.weight_hh_l1'")


def test_extra_tensor(saved):
    path, params = saved
    _rewrite(path, tensors={**params, "rnn.weight_hh_l2": np.zeros((16, 4))})
    _one_line_error(path, "rnn.weight_hh_l2")


def test_wrong_shape(saved):
    path, params = saved
    _rewrite(path, tensors={**params, "head.weight": np.zeros((3, 5))})
    _one_line_error(path, r"head.weight has shape \(3, 5\)")


def test_non_finite_weights(saved):
    path, params = saved
    bad = params["rnn.bias_ih_l0"].copy()
    bad[1] = np.nan
    _rewrite(path, tensors={**params, "rnn.bias_ih_l0": bad})
    _one_line_error(path, "nan or inf")


def test_save_into_missing_folder_is_one_line(tmp_path):
    with pytest.raises(SaveError, match="does not exist"):
        save_checkpoint(tmp_path / "no" / "m.safetensors", init_params(CONFIG), CONFIG, VOCAB)
