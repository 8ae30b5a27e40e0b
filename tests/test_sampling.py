"""Sampling: both engines give the same distribution and, for the same seed, the same text."""

import numpy as np
import pytest
import torch

from rnntui.engine.checkpoint import load_checkpoint
from rnntui.engine.corpus import shipped_corpus
from rnntui.engine.sampling import NumpyStepper, generate, next_char_probs
from rnntui.train.sampling import TorchStepper, sample_checkpoint
from rnntui.train.train_config import TrainConfig
from rnntui.train.trainer import LAST, Trainer
from rnntui.engine.vocab import Vocab
from rnntui.errors import RnntuiError

torch.set_num_threads(1)


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("run")
    config = TrainConfig(cell="lstm", hidden_size=24, num_layers=2, seq_len=30, batch_size=4, steps=30,
                         eval_every=15, probe_every=1000, sample_length=0, precision="fp32", threads=1)
    Trainer(config, shipped_corpus("brackets"), folder).run()
    return folder


def test_same_seed_same_text_different_seed_different_text(run_dir):
    first = sample_checkpoint(run_dir, prime="(", length=80, seed=7)
    assert first == sample_checkpoint(run_dir, prime="(", length=80, seed=7)
    assert first != sample_checkpoint(run_dir, prime="(", length=80, seed=8)
    assert first.startswith("(") and len(first) == 81


def test_numpy_and_torch_engines_agree(run_dir):
    checkpoint = load_checkpoint(run_dir / LAST)
    vocab = Vocab(checkpoint.vocab)
    numpy_stepper, torch_stepper = NumpyStepper(checkpoint), TorchStepper.from_checkpoint(checkpoint)
    for text in ("([", "{", "}])\n"):
        indices = vocab.encode(text)
        p_numpy = next_char_probs(numpy_stepper.feed(indices), temperature=0.7)
        p_torch = next_char_probs(torch_stepper.feed(indices), temperature=0.7)
        np.testing.assert_allclose(p_numpy, p_torch, atol=1e-5)
    options = dict(prime="[(", length=120, temperature=0.9, top_k=4, seed=3)
    assert sample_checkpoint(run_dir / LAST, engine="numpy", **options) == \
        sample_checkpoint(run_dir / LAST, engine="torch", **options)


def test_greedy_is_top_k_one(run_dir):
    greedy = sample_checkpoint(run_dir, length=40, greedy=True, seed=1)
    assert greedy == sample_checkpoint(run_dir, length=40, top_k=1, seed=2)


def test_probabilities_follow_temperature_and_top_k():
    logits = np.array([2.0, 1.0, 0.5, -1.0])
    reference = torch.softmax(torch.tensor(logits) / 0.5, dim=0).numpy()
    np.testing.assert_allclose(next_char_probs(logits, temperature=0.5), reference, rtol=1e-12)
    top2 = next_char_probs(logits, top_k=2)
    assert top2[2] == top2[3] == 0.0
    np.testing.assert_allclose(top2[:2], torch.softmax(torch.tensor(logits[:2]), dim=0).numpy())
    with pytest.raises(RnntuiError, match="temperature"):
        next_char_probs(logits, temperature=0)


def test_empty_prime_starts_from_a_newline_and_unknown_characters_are_named(run_dir):
    assert sample_checkpoint(run_dir, length=5, seed=0).startswith("\n")
    with pytest.raises(RnntuiError, match="never saw: 'xz'"):
        sample_checkpoint(run_dir, prime="(x)z", length=5)


def test_generate_without_newline_in_vocab_draws_the_start_from_the_seed():
    class Uniform:
        def feed(self, indices):
            return np.zeros(3)

    vocab = Vocab("ABC")
    text = generate(Uniform(), vocab, length=10, seed=4)
    assert len(text) == 11 and set(text) <= set("ABC")
    assert text == generate(Uniform(), vocab, length=10, seed=4)
